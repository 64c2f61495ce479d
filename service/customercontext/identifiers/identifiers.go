// Package identifiers reads the identifiers a customer gives in a text: by
// their validated shape, with or without a word before them (IBAN, IMEI,
// payment card, e-mail, phone, tracking number, version), and by the label
// before them in the eight supported languages (order, invoice, claim,
// case, ticket, RMA, serial, customer, contract and booking numbers, error
// codes), in the same message or, for a label that ends the customer's
// previous message, at the start of this one. Corrections mark the value
// they replace superseded. A value that fails its check digit is not an
// identifier. It knows nothing of gRPC or storage.
//
// The analyzers run in this order (see customercontext/pipeline.go):
// Shapes, Labels, Corrections. Each reads only what the earlier ones did
// not already take.
package identifiers

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// Kinds of annotation.
const (
	// Kind is an identifier: Key is its kind ("iban", "order_number"),
	// Value the normalised value.
	Kind = "identifier"
	// KindRejected is text of an identifier's shape that failed its check
	// (a card number failing Luhn, an IBAN failing mod-97): not a fact,
	// and no other rule reads it. Its Value is always "".
	KindRejected = "identifier_rejected"
	// KindCorrection is an identifier given with a correction marker and
	// no earlier value of its kind in the same text: it replaces the value
	// of its kind given earlier in the conversation. Key and Value are the
	// new identifier's.
	KindCorrection = "identifier_correction"
)

// PaymentCard is the key of a payment card: its Value is only the last
// four digits; the number itself is never kept.
const PaymentCard = "payment_card"

// MaxValue is the longest identifier read, in bytes.
const MaxValue = 40

// MaxRead is the most identifiers (rejected ones included) read from one
// text: it bounds the cost of the overlap tests, keeping the analysis
// linear in the text.
const MaxRead = 64

// count is how many identifiers, rejected or not, d holds.
func count(d *analysis.Doc) int {
	n := 0
	for _, an := range d.Annotations {
		if an.Kind == Kind || an.Kind == KindRejected {
			n++
		}
	}
	return n
}

// taken reports whether [start, end) overlaps an identifier, rejected or
// not, already read in d.
func taken(d *analysis.Doc, start, end int) bool {
	return slices.ContainsFunc(d.Annotations, func(an analysis.Annotation) bool {
		return (an.Kind == Kind || an.Kind == KindRejected) && start < an.Span.End && an.Span.Start < end
	})
}

// add records an identifier unless its span is taken.
func add(d *analysis.Doc, a analysis.Analyzer, key, value string, start, end int, evidence string) {
	if count(d) >= MaxRead || taken(d, start, end) {
		return
	}
	d.Add(a, analysis.Annotation{Kind: Kind, Key: key, Value: value, Span: analysis.Span{Start: start, End: end}, Confidence: 0.95, Evidence: evidence})
}

// reject records a span of an identifier's shape that failed its check.
func reject(d *analysis.Doc, a analysis.Analyzer, key string, start, end int, evidence string) {
	if count(d) >= MaxRead || taken(d, start, end) {
		return
	}
	d.Add(a, analysis.Annotation{Kind: KindRejected, Key: key, Span: analysis.Span{Start: start, End: end}, Confidence: 1, Evidence: evidence})
}

// Shapes reads identifiers by their shape, each rule in shapeRules in turn.
type Shapes struct{}

// Name implements analysis.Analyzer.
func (Shapes) Name() string { return "identifier_shapes" }

// shapeRules are the shape rules, in the order they run: a span one rule
// takes is not read by the later ones.
var shapeRules = []struct {
	name string
	read func(a analysis.Analyzer, d *analysis.Doc, t *text)
}{
	{"e-mail address", readEmails},
	{"IBAN (mod-97)", readIBANs},
	{"payment card or IMEI (Luhn)", readLuhn},
	{"card said by its last four digits", readCardEndings},
	{"UPS and UPU S10 tracking numbers", readTracking},
	{"version after a version word", readVersions},
	{"phone number (libphonenumber)", readPhones},
	{"long number in a message naming a carrier", readCarrierNumbers},
}

// Analyze implements analysis.Analyzer.
func (s Shapes) Analyze(d *analysis.Doc) {
	// Every shape but an e-mail address has a digit.
	if !strings.ContainsAny(d.Text, "0123456789@") {
		return
	}
	defer ownText(d)()
	t := newText(d.Text)
	for _, r := range shapeRules {
		r.read(s, d, t)
	}
}

// ownText blanks, byte for byte, the lines of d's text quoted from a
// message it replies to ("> Your reference number is 55-918273"): what
// is quoted is not what the customer gave. It returns what puts the text
// back.
func ownText(d *analysis.Doc) (restore func()) {
	if !strings.Contains(d.Text, ">") {
		return func() {}
	}
	orig := d.Text
	b := []byte(orig)
	blanked := false
	for start := 0; start < len(b); {
		end := strings.IndexByte(orig[start:], '\n')
		if end < 0 {
			end = len(orig)
		} else {
			end += start
		}
		if strings.HasPrefix(strings.TrimLeft(orig[start:end], " \t"), ">") {
			for j := start; j < end; j++ {
				b[j] = ' '
			}
			blanked = true
		}
		start = end + 1
	}
	if !blanked {
		return func() {}
	}
	d.Text = string(b)
	return func() { d.Text = orig }
}

// text is a text being read, lower case, and where its labels are.
type text struct {
	lower  string
	labels []labelAt
}

// labelAt is a label in a text: where it starts and ends (its plural
// ending included), where its link words end, and its kind.
type labelAt struct {
	start, end, reach int
	kind              string
}

func newText(s string) *text {
	lower := lowerKeep(s)
	return &text{lower: lower, labels: labelsOf(lower)}
}

// lowerKeep is s in lower case, but for the few runes whose lower case
// is another number of bytes ("İ"): offsets into it are offsets into s.
func lowerKeep(s string) string {
	return strings.Map(func(r rune) rune {
		if l := unicode.ToLower(r); utf8.RuneLen(l) == utf8.RuneLen(r) {
			return l
		}
		return r
	}, s)
}

// labelCache keeps the labels of the last texts read: the three
// analyzers of a text read its labels once.
var labelCache struct {
	sync.Mutex
	texts  [4]string
	labels [4][]labelAt
	next   int
}

// labelsOf are the labels in lower (a lowerKeep text), in order.
func labelsOf(lower string) []labelAt {
	labelCache.Lock()
	for i, t := range labelCache.texts {
		if len(t) == len(lower) && t == lower && labelCache.labels[i] != nil {
			ls := labelCache.labels[i]
			labelCache.Unlock()
			return ls
		}
	}
	labelCache.Unlock()
	ls := []labelAt{}
	for _, m := range labelRE.FindAllStringSubmatchIndex(lower, -1) {
		if end := labelEnd(lower, m); end >= 0 {
			ls = append(ls, labelAt{m[2], end, skipLinks(lower, end), labelOf(lower[m[2]:m[3]])})
		}
	}
	labelCache.Lock()
	labelCache.texts[labelCache.next], labelCache.labels[labelCache.next] = lower, ls
	labelCache.next = (labelCache.next + 1) % len(labelCache.texts)
	labelCache.Unlock()
	return ls
}

// labelsBefore are the labels that start in [pos-60, pos).
func (t *text) labelsBefore(pos int) []labelAt {
	i, _ := slices.BinarySearchFunc(t.labels, pos-60, func(l labelAt, p int) int { return l.start - p })
	j, _ := slices.BinarySearchFunc(t.labels, pos, func(l labelAt, p int) int { return l.start - p })
	return t.labels[i:j]
}

var emailRE = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)

// roleMailboxes are the local parts of the mailboxes of a role, not of a
// person (RFC 2142, and their names in the eight languages): a company's
// address to write to ("write to cliente@…") is not the customer's.
var roleMailboxes = map[string]bool{
	"info": true, "marketing": true, "sales": true, "support": true, "abuse": true, "noc": true, "security": true, "postmaster": true,
	"hostmaster": true, "webmaster": true, "noreply": true, "no-reply": true, "donotreply": true, "do-not-reply": true, "help": true,
	"helpdesk": true, "service": true, "customerservice": true, "customercare": true, "care": true, "contact": true, "hello": true,
	"kundenservice": true, "kundendienst": true, "kontakt": true, "cliente": true, "clientes": true, "atencionalcliente": true,
	"atencion": true, "soporte": true, "servicio": true, "serviceclient": true, "service-client": true, "contacto": true, "apoio": true,
	"atendimento": true, "suporte": true, "assistenza": true, "clienti": true, "servizioclienti": true, "klantenservice": true,
	"klantendienst": true, "biuro": true, "obsluga": true, "pomoc": true, "bok": true, "kontakt-form": true,
}

func readEmails(a analysis.Analyzer, d *analysis.Doc, t *text) {
	for _, m := range emailRE.FindAllStringIndex(d.Text, -1) {
		local, _, _ := strings.Cut(strings.ToLower(d.Text[m[0]:m[1]]), "@")
		if roleMailboxes[local] {
			continue
		}
		if m[1]-m[0] <= 254 {
			add(d, a, "email", strings.ToLower(d.Text[m[0]:m[1]]), m[0], m[1], "e-mail address")
		}
	}
}

// ibanRE is a country code, two check digits and 11 to 30 letters and
// digits, in groups or not.
var ibanRE = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}`)

func readIBANs(a analysis.Analyzer, d *analysis.Doc, t *text) {
	for _, m := range ibanRE.FindAllStringIndex(d.Text, -1) {
		raw := d.Text[m[0]:m[1]]
		n, ok := ibanLengths[raw[:2]]
		if !ok {
			continue
		}
		// Take the country's length of characters, spaces aside.
		var b strings.Builder
		end := m[0]
		for i := 0; i < len(raw) && b.Len() < n; i++ {
			if raw[i] != ' ' {
				b.WriteByte(raw[i])
				end = m[0] + i + 1
			}
		}
		v := b.String()
		if len(v) < n || (end < m[1] && raw[end-m[0]] != ' ') {
			continue // too short, or runs on past the country's length
		}
		if ibanValid(v) {
			add(d, a, "iban", v, m[0], end, "IBAN with valid check digits")
		} else {
			reject(d, a, "iban", m[0], end, "IBAN shape with failing check digits")
		}
	}
}

// digitRunRE is 13 to 19 digits, single spaces or dashes between them.
var digitRunRE = regexp.MustCompile(`(?:^|[^\pL\pN+/.-])(\d(?:[ -]?\d){12,18})(?:[^\pL\pN/-]|$)`)

var cardWords = []string{"card", "karte", "tarjeta", "carte", "cartão", "carta", "kaart", "karta", "visa", "mastercard", "amex", "kreditkarte", "creditcard", "karty", "kartę"}

func readLuhn(a analysis.Analyzer, d *analysis.Doc, t *text) {
	lower := t.lower
	imeiWord := strings.Contains(lower, "imei")
	cardWord := containsAny(lower, cardWords)
	// A message about a parcel: its long numbers are tracking numbers.
	parcel := containsWord(lower, carriers) || containsWord(lower, labels["tracking_number"])
	for _, m := range digitRunRE.FindAllStringSubmatchIndex(d.Text, -1) {
		start, end := m[2], m[3]
		digits := onlyDigits(d.Text[start:end])
		amex := strings.HasPrefix(digits, "34") || strings.HasPrefix(digits, "37")
		// Another label's value ("serial no. 358240051111110"), unless an
		// IMEI or card word says otherwise.
		other := (t.labelReaches(start) || parcel) && !imeiWord && !cardWord
		switch {
		case len(digits) == 15 && luhn(digits) && (imeiWord || !amex || !cardWord) && (imeiWord || imeiRBI(digits) && !other):
			add(d, a, "imei", digits, start, end, "15 digits with a valid Luhn check (IMEI)")
		case luhn(digits) && digits[0] >= '2' && digits[0] <= '6' && (cardWord || cardIIN(digits) && !other):
			add(d, a, PaymentCard, digits[len(digits)-4:], start, end, "card number with a valid Luhn check: only its last four digits are kept")
		case cardWord || len(digits) == 16 && (!parcel || luhn(digits)):
			// (In a message about a parcel, with no card word, sixteen
			// digits failing the check are the start of a tracking
			// number: "USPS 9400 1118 9922 3856 0142 07". Passing it, they
			// could be a card: never kept, as any.)
			reject(d, a, PaymentCard, start, end, "card number shape failing the Luhn check")
		case len(digits) == 15 && imeiWord:
			reject(d, a, "imei", start, end, "IMEI failing the Luhn check")
		}
	}
}

// cardEndingRE is a card said by its last four digits: "card ending in
// 4242", "Karte mit Endziffern 4242", "tarjeta acabada en 4242", "carte
// se terminant par 4242", "cartão terminado em 4242", "carta che
// termina con 4242", "kaart eindigend op 4242", "karta kończąca się na
// 4242", or masked ("**** **** **** 4242", "xxxx-4242").
var cardEndingRE = regexp.MustCompile(`(?i)(?:(?:card|karte|tarjeta|carte|cartão|cartao|carta|kaart|karta|visa|mastercard|amex)\S*\s+(?:\S+\s+){0,3}?` +
	`(?:ending|ends|endet|endend|mit\s+(?:den\s+)?endziffern|endziffern|acabada|terminada|termina|terminado|terminando|finalizada|se\s+terminant|terminant|finissant|eindigend|eindigt|die\s+eindigt|kończąca|kończy|zakończona)` +
	`(?:\s+(?:in|with|on|auf|en|por|par|em|con|in|op|na|się|sie|się\s+na|na))*\s*[:#]?\s*|(?:[*x•]{4}[\s-]?){1,3})(\d{4})\b`)

func readCardEndings(a analysis.Analyzer, d *analysis.Doc, t *text) {
	for _, m := range cardEndingRE.FindAllStringSubmatchIndex(d.Text, -1) {
		add(d, a, PaymentCard, d.Text[m[2]:m[3]], m[2], m[3], "card given by its last four digits")
	}
}

var (
	upsRE = regexp.MustCompile(`\b1Z[0-9A-Z]{16}\b`)
	s10RE = regexp.MustCompile(`\b[A-Z]{2}\d{9}[A-Z]{2}\b`)
)

func readTracking(a analysis.Analyzer, d *analysis.Doc, t *text) {
	for _, m := range upsRE.FindAllStringIndex(d.Text, -1) {
		add(d, a, "tracking_number", d.Text[m[0]:m[1]], m[0], m[1], "UPS tracking number (1Z)")
	}
	for _, m := range s10RE.FindAllStringIndex(d.Text, -1) {
		if v := d.Text[m[0]:m[1]]; s10Valid(v) {
			add(d, a, "tracking_number", v, m[0], m[1], "UPU S10 item number with a valid check digit")
		} else {
			reject(d, a, "tracking_number", m[0], m[1], "UPU S10 shape failing its check digit")
		}
	}
}

// dottedRE is a dotted number of two to four parts, with an optional v
// before it.
var dottedRE = regexp.MustCompile(`(?:^|[^\pL\pN.,])(v?)(\d{1,4}(?:\.\d{1,4}){1,3})(?:[^\pL\pN.,]|[.,](?:[^\pN]|$)|$)`)

// versionWords say a dotted number after them (up to three words on) is a
// version: the words for version, firmware, software, an app, an update
// and the common systems, in the eight languages. Stems end in '*'.
var versionWords = []string{
	"version*", "versión", "versão", "versie*", "wersj*", "firmware*", "fw", "build", "release", "app*", "update*", "upgrade*", "software*",
	"ios", "ipados", "android", "macos", "windows", "os", "mise à jour", "actualización", "actualizado", "atualização", "atualizei", "aggiornamento",
	"aggiornato", "aktualisierung", "aktualisiert", "aktualizacj*", "aktualizacji", "bijgewerkt", "applicazione", "aplicación", "aplicação", "aplikacj*",
	"appli", "ver", "ver.", "v.",
}

// dateLike is a dotted date with a four-digit year, not a version;
// shortDate one with a two-digit year, a version only after a version word.
var (
	dateLike  = regexp.MustCompile(`^\d{1,2}\.\d{1,2}\.\d{4}$`)
	shortDate = regexp.MustCompile(`^(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.\d{2}$`)
)

// thousandsLike is a number with dots between thousands (1.158.000).
var thousandsLike = regexp.MustCompile(`^\d{1,3}(?:\.\d{3})+$`)

// ipLike is four numbers of 0 to 255: an IP address.
var ipLike = regexp.MustCompile(`^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$`)

// readVersions reads versions: a number of three or four dotted parts
// anywhere ("3.0.18"); one of two parts after a version word or a v
// ("version 2.8", "v4.18"). Dates, thousands, IP addresses and amounts
// are not versions.
func readVersions(a analysis.Analyzer, d *analysis.Doc, t *text) {
	lower := t.lower
	for _, m := range dottedRE.FindAllStringSubmatchIndex(d.Text, -1) {
		start, end := m[4], m[5]
		v := d.Text[start:end]
		parts := strings.Count(v, ".") + 1
		word := versionWordBefore(lower, m[2])
		if dateLike.MatchString(v) || amountAfter.MatchString(d.Text[end:min(len(d.Text), end+12)]) || currencyBefore(lower, m[2]) {
			continue
		}
		if !word && m[2] == m[3] && (parts == 2 || thousandsLike.MatchString(v) || ipLike.MatchString(v) || shortDate.MatchString(v) || t.labelReaches(start)) {
			continue
		}
		if !word && m[2] == m[3] && len(onlyDigits(v)) >= 8 && t.phoneLabelled(start) {
			continue // a phone number written with dots ("mi móvil es 644.12.34.56")
		}
		evidence := "version number (three or four dotted parts)"
		if word || m[2] < m[3] {
			evidence = "version number after a version word"
		}
		add(d, a, "version", v, start, end, evidence)
	}
}

// versionWordBefore reports whether a version word stands at most three
// words before pos.
func versionWordBefore(lower string, pos int) bool {
	from := pos
	for words := 0; words < 4 && from > 0; {
		from--
		if lower[from] == ' ' && from > 0 && lower[from-1] != ' ' {
			words++
		}
		if strings.ContainsRune(".!?\n;", rune(lower[from])) && from < pos-1 {
			from++
			break
		}
	}
	return len(findMarks(lower[from:pos], versionWords, false, nil)) > 0
}

// currencyBefore reports whether a currency sign or code stands right
// before pos ("€ 1.158", "EUR 1.158.000").
func currencyBefore(lower string, pos int) bool {
	t := strings.TrimRight(lower[max(0, pos-5):pos], " ")
	return strings.HasSuffix(t, "€") || strings.HasSuffix(t, "$") || strings.HasSuffix(t, "£") || strings.HasSuffix(t, "eur") ||
		strings.HasSuffix(t, "usd") || strings.HasSuffix(t, "gbp") || strings.HasSuffix(t, "zł") || strings.HasSuffix(t, "pln")
}

// phoneRE is a phone number as written: an optional +, digits, spaces,
// dots, dashes, slashes and brackets.
var phoneRE = regexp.MustCompile(`(?:^|[^\pL\pN])(\+?\(?\d[\d ().\-/]{5,20}\d)`)

// trunkPrefixOmitted are the regions whose national numbers are written
// without their trunk prefix (Brazil: "(11) 98765-4321", the 0 and a
// carrier code being dialled only between areas).
var trunkPrefixOmitted = map[string]bool{"BR": true}

// languageRegions read national numbers when the tenant gave no region.
var languageRegions = map[string]string{"en": "GB", "de": "DE", "es": "ES", "fr": "FR", "pt": "PT", "it": "IT", "nl": "NL", "pl": "PL"}

func readPhones(a analysis.Analyzer, d *analysis.Doc, t *text) {
	lower := t.lower
	region := d.Region
	if region == "" {
		region = languageRegions[d.Language]
	}
	lastPhone := -1 // where the last phone number read ends
	for _, m := range phoneRE.FindAllStringSubmatchIndex(d.Text, -1) {
		start, end := m[2], m[3]
		raw := strings.TrimRight(d.Text[start:end], " .-/(")
		end = start + len(raw)
		digits := onlyDigits(raw)
		if len(digits) < 8 || len(digits) > 15 || taken(d, start, end) {
			continue
		}
		// Shortly after a phone number, in the same sentence, another is
		// a phone number too: "my old number was 07700 900418, please use
		// 07700 900652 from now on".
		afterPhone := lastPhone >= 0 && start-lastPhone <= 60 && !strings.ContainsAny(d.Text[lastPhone:start], ".!?\n")
		international := strings.HasPrefix(raw, "+") || strings.HasPrefix(raw, "00")
		// A phone word before it, or one that says "reachable" after it
		// ("0172 5538190 erreichbar").
		// The whole message is the number written as a phone number is
		// (grouped), as a reply to "your phone?".
		whole := strings.TrimSpace(d.Text) == raw && strings.ContainsAny(raw, " -()")
		labelled := whole || afterPhone || t.phoneLabelled(start) || hasWordPrefix(lower[end:min(len(lower), end+20)], phoneLabelsAfter)
		if !international && (!labelled || region == "") {
			continue
		}
		num, err := phonenumbers.Parse(raw, region)
		if err != nil {
			continue
		}
		// A national number is written with the region's trunk prefix 0
		// where it has one ("0172 …" in Germany, not "2024-55123"; the
		// North American 1 is left out as often as not).
		if ndd := phonenumbers.GetNddPrefixForRegion(region, true); !international && ndd == "0" && !strings.HasPrefix(digits, ndd) && !trunkPrefixOmitted[region] {
			continue
		}
		// A valid number; or, after a phone word, a possible one (numbers
		// in ranges not yet given out, such as the UK's 07700 900xxx).
		if !phonenumbers.IsValidNumber(num) && (!labelled || phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE) {
			continue
		}
		// A company's line (free, premium, shared cost, a hotline) is no
		// customer's number ("I called your 0800 …").
		switch phonenumbers.GetNumberType(num) {
		case phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.UAN:
			continue
		}
		add(d, a, "phone", phonenumbers.Format(num, phonenumbers.E164), start, end, "valid phone number after a phone word")
		lastPhone = end
	}
}

// carrierNumberRE is a token of 10 to 30 upper-case letters and digits, a
// UPS number written in groups ("1Z 999 AA1 01 2345 6784"), or digits in
// groups of four (a DPD number ends in a group of two).
var carrierNumberRE = regexp.MustCompile(`(?:^|[^\pL\pN])([A-Z0-9]{10,30}|1Z(?: ?[0-9A-Z]){16}|\d{4}(?: \d{4}){2,5}(?: \d{2})?)(?:[^\pL\pN]|$)`)

func readCarrierNumbers(a analysis.Analyzer, d *analysis.Doc, t *text) {
	lower := t.lower
	if !containsWord(lower, carriers) && !containsWord(lower, labels["tracking_number"]) {
		return
	}
	for _, m := range carrierNumberRE.FindAllStringSubmatchIndex(d.Text, -1) {
		start, end := m[2], m[3]
		if t.labelReaches(start) && !t.labelledAs(start, "tracking_number") {
			continue // another label's value ("Seriennummer SN8834KX2210")
		}
		v := strings.ReplaceAll(d.Text[start:end], " ", "")
		if len(onlyDigits(v)) >= 8 {
			add(d, a, "tracking_number", v, start, end, "long number in a message naming a carrier")
		}
	}
}

// phoneLabelled reports whether a phone label stands shortly before pos
// (30 bytes), with no other label after it ("order number is 0612…" is
// an order number).
func (t *text) phoneLabelled(pos int) bool {
	from := max(0, pos-30)
	at := -1
	for _, m := range findMarks(t.lower[from:pos], phoneLabels, false, nil) {
		at = max(at, from+m.start)
	}
	if at < 0 {
		return false
	}
	// Another label whose link words reach the number, or that ends after
	// the phone label, reads it; the bare word for "number" is a phone's
	// only with no other label shortly before it.
	generic := slices.Contains(genericNumberWords, t.lower[at:min(len(t.lower), at+7)]) || hasPrefixAny(t.lower[at:], genericNumberWords)
	for _, l := range t.labelsBefore(pos) {
		if l.end > at || l.reach >= pos || generic {
			return false
		}
	}
	return true
}

// labelledAs reports whether the label whose link words end at pos is of
// kind key.
func (t *text) labelledAs(pos int, key string) bool {
	kind := ""
	for _, l := range t.labelsBefore(pos) {
		if l.reach >= pos {
			kind = l.kind
		}
	}
	return kind == key
}

// labelReaches reports whether a label and its link words end at pos: the
// value there is the label's (Labels reads it), not a bare shape.
func (t *text) labelReaches(pos int) bool {
	return slices.ContainsFunc(t.labelsBefore(pos), func(l labelAt) bool { return l.reach >= pos })
}

// hasWordPrefix reports whether a word of s starts with one of words.
func hasWordPrefix(s string, words []string) bool {
	for _, w := range words {
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], w)
			if j < 0 {
				break
			}
			if !letterAt(s, i+j-1) {
				return true
			}
			i += j + len(w)
		}
	}
	return false
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func containsAny(s string, words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
}

// containsWord reports whether s has one of words as a whole word.
func containsWord(s string, words []string) bool {
	for _, w := range words {
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], w)
			if j < 0 {
				break
			}
			at := i + j
			if !letterAt(s, at-1) && !letterAt(s, at+len(w)) {
				return true
			}
			i = at + len(w)
		}
	}
	return false
}

// letterAt reports whether s has a letter or digit in the byte at i (a
// multi-byte rune counts as a letter).
func letterAt(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := rune(s[i])
	return c >= 0x80 || unicode.IsLetter(c) || unicode.IsDigit(c)
}

// genericNumberWords are the phone labels that only say "number".
var genericNumberWords = []string{"number", "nummer", "número", "numero", "numéro", "numer"}

func hasPrefixAny(s string, words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(s, w) })
}
