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
	"unicode"

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
	read func(a analysis.Analyzer, d *analysis.Doc, lower string)
}{
	{"e-mail address", readEmails},
	{"IBAN (mod-97)", readIBANs},
	{"payment card or IMEI (Luhn)", readLuhn},
	{"UPS and UPU S10 tracking numbers", readTracking},
	{"version after a version word", readVersions},
	{"phone number (libphonenumber)", readPhones},
	{"long number in a message naming a carrier", readCarrierNumbers},
}

// Analyze implements analysis.Analyzer.
func (s Shapes) Analyze(d *analysis.Doc) {
	lower := strings.ToLower(d.Text)
	for _, r := range shapeRules {
		r.read(s, d, lower)
	}
}

var emailRE = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)

func readEmails(a analysis.Analyzer, d *analysis.Doc, _ string) {
	for _, m := range emailRE.FindAllStringIndex(d.Text, -1) {
		if m[1]-m[0] <= 254 {
			add(d, a, "email", strings.ToLower(d.Text[m[0]:m[1]]), m[0], m[1], "e-mail address")
		}
	}
}

// ibanRE is a country code, two check digits and 11 to 30 letters and
// digits, in groups or not.
var ibanRE = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}`)

func readIBANs(a analysis.Analyzer, d *analysis.Doc, _ string) {
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

func readLuhn(a analysis.Analyzer, d *analysis.Doc, lower string) {
	imeiWord := strings.Contains(lower, "imei")
	cardWord := containsAny(lower, cardWords)
	for _, m := range digitRunRE.FindAllStringSubmatchIndex(d.Text, -1) {
		start, end := m[2], m[3]
		digits := onlyDigits(d.Text[start:end])
		amex := strings.HasPrefix(digits, "34") || strings.HasPrefix(digits, "37")
		switch {
		case len(digits) == 15 && luhn(digits) && (imeiWord || !amex || !cardWord):
			add(d, a, "imei", digits, start, end, "15 digits with a valid Luhn check (IMEI)")
		case luhn(digits) && digits[0] >= '2' && digits[0] <= '6':
			add(d, a, PaymentCard, digits[len(digits)-4:], start, end, "card number with a valid Luhn check: only its last four digits are kept")
		case cardWord || len(digits) == 16:
			reject(d, a, PaymentCard, start, end, "card number shape failing the Luhn check")
		case len(digits) == 15 && imeiWord:
			reject(d, a, "imei", start, end, "IMEI failing the Luhn check")
		}
	}
}

var (
	upsRE = regexp.MustCompile(`\b1Z[0-9A-Z]{16}\b`)
	s10RE = regexp.MustCompile(`\b[A-Z]{2}\d{9}[A-Z]{2}\b`)
)

func readTracking(a analysis.Analyzer, d *analysis.Doc, _ string) {
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

var versionRE = regexp.MustCompile(`(?i)(?:^|[^\pL\pN])(?:version|versión|versão|versione|versie|wersj\pL*|firmware|fw|build|release|app|update)(?:\s+(?:of|von|de|van|der|the|del|da|di|des|od))?\s*[:=]?\s*v?(\d{1,4}(?:\.\d{1,4}){1,3})(?:[^\pL\pN.]|\.(?:[^\pN]|$)|$)|(?:^|[^\pL\pN])v(\d{1,4}(?:\.\d{1,4}){2,3})(?:[^\pL\pN.]|\.(?:[^\pN]|$)|$)`)

// dateLike is a dotted date, not a version.
var dateLike = regexp.MustCompile(`^\d{1,2}\.\d{1,2}\.\d{4}$`)

func readVersions(a analysis.Analyzer, d *analysis.Doc, _ string) {
	for _, m := range versionRE.FindAllStringSubmatchIndex(d.Text, -1) {
		start, end := m[2], m[3]
		if start < 0 {
			start, end = m[4], m[5]
		}
		if v := d.Text[start:end]; !dateLike.MatchString(v) {
			add(d, a, "version", v, start, end, "version number after a version word")
		}
	}
}

// phoneRE is a phone number as written: an optional +, digits, spaces,
// dots, dashes, slashes and brackets.
var phoneRE = regexp.MustCompile(`(?:^|[^\pL\pN])(\+?\(?\d[\d ().\-/]{5,20}\d)`)

// languageRegions read national numbers when the tenant gave no region.
var languageRegions = map[string]string{"en": "GB", "de": "DE", "es": "ES", "fr": "FR", "pt": "PT", "it": "IT", "nl": "NL", "pl": "PL"}

func readPhones(a analysis.Analyzer, d *analysis.Doc, lower string) {
	region := d.Region
	if region == "" {
		region = languageRegions[d.Language]
	}
	for _, m := range phoneRE.FindAllStringSubmatchIndex(d.Text, -1) {
		start, end := m[2], m[3]
		raw := strings.TrimRight(d.Text[start:end], " .-/(")
		end = start + len(raw)
		digits := onlyDigits(raw)
		if len(digits) < 8 || len(digits) > 15 || taken(d, start, end) {
			continue
		}
		international := strings.HasPrefix(raw, "+") || strings.HasPrefix(raw, "00")
		// A phone word before it, or one that says "reachable" after it
		// ("0172 5538190 erreichbar").
		// The whole message is the number written as a phone number is
		// (grouped), as a reply to "your phone?".
		whole := strings.TrimSpace(d.Text) == raw && strings.ContainsAny(raw, " -()")
		labelled := whole || hasWordPrefix(lower[max(0, start-30):start], phoneLabels) || hasWordPrefix(lower[end:min(len(lower), end+20)], phoneLabelsAfter)
		if !international && (!labelled || region == "") {
			continue
		}
		num, err := phonenumbers.Parse(raw, region)
		if err != nil {
			continue
		}
		// A valid number; or, after a phone word, a possible one (numbers
		// in ranges not yet given out, such as the UK's 07700 900xxx).
		if !phonenumbers.IsValidNumber(num) && (!labelled || phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE) {
			continue
		}
		add(d, a, "phone", phonenumbers.Format(num, phonenumbers.E164), start, end, "valid phone number after a phone word")
	}
}

// carrierNumberRE is a token of 10 to 30 upper-case letters and digits, or
// digits in groups of four.
var carrierNumberRE = regexp.MustCompile(`(?:^|[^\pL\pN])([A-Z0-9]{10,30}|\d{4}(?: \d{4}){2,5})(?:[^\pL\pN]|$)`)

func readCarrierNumbers(a analysis.Analyzer, d *analysis.Doc, lower string) {
	if !containsWord(lower, carriers) && !containsAny(lower, labels["tracking_number"]) {
		return
	}
	for _, m := range carrierNumberRE.FindAllStringSubmatchIndex(d.Text, -1) {
		start, end := m[2], m[3]
		v := strings.ReplaceAll(d.Text[start:end], " ", "")
		if len(onlyDigits(v)) >= 8 {
			add(d, a, "tracking_number", v, start, end, "long number in a message naming a carrier")
		}
	}
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
