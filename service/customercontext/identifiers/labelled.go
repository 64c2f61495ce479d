package identifiers

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// Labels reads the identifiers that a label says the kind of (labels,
// labels.go): "order 1123987", "numéro de dossier 00812733", "RMA-Nr.
// 2024-RMA-3381". A label that ends the customer's previous message of
// the conversation (Doc.Previous: "my ticket no?") takes the value that
// starts this one ("TKT-20931").
type Labels struct{}

// Name implements analysis.Analyzer.
func (Labels) Name() string { return "identifier_labels" }

// labelKinds maps each label of labels to its kind; nounKinds each noun of
// nouns, by language group; labelRE matches any label, or a noun with its
// language's number words, the longest (leftmost-longest), and a plural
// ending after it ("invoices", "Bestellungen": group 2).
var labelKinds, nounKinds, labelRE = func() (map[string]string, map[string]map[string]string, *regexp.Regexp) {
	kinds := map[string]string{}
	var all []string
	for kind, ls := range labels {
		for _, l := range ls {
			kinds[l] = kind
			all = append(all, l)
		}
	}
	nk := map[string]map[string]string{"en": {}, "de": {}, "romance": {}, "nl": {}, "pl": {}}
	var en, de, ro, nl, pl []string
	for kind, n := range nouns {
		for group, ws := range map[string][]string{"en": n.en, "de": n.de, "romance": n.romance, "nl": n.nl, "pl": n.pl} {
			for _, w := range ws {
				nk[group][w] = kind
			}
		}
		en, de, ro, nl, pl = append(en, n.en...), append(de, n.de...), append(ro, n.romance...), append(nl, n.nl...), append(pl, n.pl...)
	}
	combos := []string{
		alt(en) + `\s*` + alt(numbered.enAfter),
		alt(de) + alt(numbered.deSuffix),
		alt(numbered.romanceBefore) + `\s*(?:` + alt(numbered.romanceOf) + `\s*)?` + alt(ro),
		alt(nl) + alt(numbered.nlSuffix),
		alt(numbered.plBefore) + `\s*` + alt(pl),
	}
	// Read on lower-case text (lowerKeep): no (?i), which would make every
	// letter a class and the expression slow.
	re := regexp.MustCompile(`(?:^|[^\pL\pN])(` + alt(all) + `|` + strings.Join(combos, "|") + `)(s|es|en|n)?`)
	re.Longest()
	return kinds, nk, re
}()

// alt is an expression matching any of words, longest first, a space in a
// word standing for any run of spaces.
func alt(words []string) string {
	ws := slices.Clone(words)
	slices.SortFunc(ws, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	var q []string
	for _, w := range slices.Compact(ws) {
		if w != "" {
			q = append(q, strings.ReplaceAll(regexp.QuoteMeta(w), " ", `\s+`))
		}
	}
	return `(?:` + strings.Join(q, "|") + `)`
}

// labelOf is the kind of a label as matched (any case, any spaces): a
// label of labels, or the kind of its noun (the longest that fits: at the
// end after Romance and Polish number words, at the start before English,
// German and Dutch ones).
func labelOf(s string) string {
	l := strings.Join(strings.Fields(strings.ToLower(s)), " ")
	if k, ok := labelKinds[l]; ok {
		return k
	}
	kind, best := "", 0
	for group, ws := range nounKinds {
		for w, k := range ws {
			fits := strings.HasPrefix(l, w)
			if group == "romance" || group == "pl" {
				fits = strings.HasSuffix(l, w)
			}
			if fits && len(w) > best {
				kind, best = k, len(w)
			}
		}
	}
	return kind
}

// numberSigns are the signs for "number" that may stand right before a
// value, with no space.
var numberSigns = []string{"n°", "nº", "n.º", "#", "no.", "nr."}

// spokenDigitsRE is a number said digit by digit: four or more single
// digits, one space apart, after an optional prefix ("FV 7 7 2 1").
var spokenDigitsRE = regexp.MustCompile(`^(?:[A-Z]{1,5} )?\d(?: \d){3,}\b`)

// valueRE is a value at the start of a text: an optional short capital
// prefix ("FR 2024/512"), a token with letters, digits, '/', '_', '-'
// and inner dots, and, after a short number, more groups of digits or a
// letter ("12 448 901 B").
var valueRE = regexp.MustCompile(`^(?:([A-Z]{1,5}) )?([A-Za-z0-9](?:[A-Za-z0-9/_-]|\.[A-Za-z0-9])*)((?: \d{2,4}\b| [A-Z]\b)*)`)

// digitGroupsRE are groups of three or four digits after a number ("5510
// 2398", "123 456 789"); moreDigitsRE more digits joined by a slash or a
// dash with spaces, or a group of three to six digits.
var (
	digitGroupsRE = regexp.MustCompile(`^(?: \d{3,4}\b)+`)
	moreDigitsRE  = regexp.MustCompile(`^(?: ?[/-] ?\d{2,}\b| \d{3,6}\b)+`)
)

// moreDigits is the length of the digits that continue a value at end.
func moreDigits(s string, end int) int {
	if m := moreDigitsRE.FindStringIndex(s[end:min(len(s), end+MaxValue)]); m != nil && !runeWordAt(s, end+m[1]) {
		return m[1]
	}
	return 0
}

// notValues are shapes that are not identifiers even after a label:
// dates, times, money and quantities.
var notValues = []*regexp.Regexp{
	regexp.MustCompile(`^\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?$`), // 12.03.2024, 3/4
	regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`),                    // 2024-03-12
	regexp.MustCompile(`^\d{1,2}[:h]\d{2}$`),                     // 14:30, 14h30
	regexp.MustCompile(`^\d+[.,]\d{1,2}$`),                       // 49.99
	regexp.MustCompile(`^(?:19|20)\d{2}$`),                       // a year
}

// amountAfter is money or a quantity right after a value.
var amountAfter = regexp.MustCompile(`(?i)^\s?(?:%|€|\$|£|zł|eur\b|usd\b|gbp\b|x\b|pcs\b|st\b|stück|items?\b|euros?\b|días|days|tage|jours|giorni|dagen|dni)`)

// skipLinks returns the offset after the link words, spaces and ':', '#',
// '.' that follow a label at pos.
func skipLinks(s string, pos int) int {
	for {
		// Spaces, punctuation, and quotes or a bracket around the value.
		p := skipRunes(s, pos, " \t\n:#.=(\"'«»„“”‘’[")
		rest := strings.ToLower(s[p:min(len(s), p+12)]) // the longest link word fits
		moved := false
		for _, w := range linkWords {
			// Not the start of the value ("REF-7781-X").
			if strings.HasPrefix(rest, w) && !letterAt(rest, len(w)) && (len(rest) == len(w) || !strings.ContainsRune("-/_", rune(rest[len(w)]))) &&
				(w != "n" || strings.HasPrefix(rest, "n.") || strings.HasPrefix(rest, "n ")) {
				p += len(w)
				moved = true
				break
			}
		}
		if !moved {
			return p
		}
		pos = p
	}
}

// readValue reads a value at pos of s: its normalised text and its span,
// or ok false.
func readValue(s string, pos int, key string) (v string, start, end int, ok bool) {
	// Digits said one by one, as a call's transcript writes them ("my
	// claim number is 7 7 0 4 1 9 2"): the number, without the spaces.
	if m := spokenDigitsRE.FindString(s[pos:min(len(s), pos+2*MaxValue)]); m != "" {
		return strings.ReplaceAll(m, " ", ""), pos, pos + len(m), true
	}
	// A number sign written onto the value: "ticket n°55812", "#4471".
	for _, sign := range numberSigns {
		if strings.HasPrefix(s[pos:], sign) && pos+len(sign) < len(s) && s[pos+len(sign)] >= '0' && s[pos+len(sign)] <= '9' {
			pos += len(sign)
			break
		}
	}
	// A value is at most MaxValue bytes: read no further (linear cost).
	m := valueRE.FindStringSubmatchIndex(s[pos:min(len(s), pos+2*MaxValue)])
	if m == nil {
		return "", 0, 0, false
	}
	start, end = pos+m[0], pos+m[1]
	tok := s[pos+m[4] : pos+m[5]]
	if m[2] >= 0 && (tok[0] < '0' || tok[0] > '9') {
		start = pos + m[4] // a prefix only before a number
	}
	if m[6] < m[7] && (len(tok) > 3 || strings.Trim(tok, "0123456789") != "") {
		end = pos + m[5] // more groups only after a short number,
		if strings.Trim(tok, "0123456789") == "" && len(tok) <= 4 {
			// or groups of three or four digits after three or four
			if g := digitGroupsRE.FindStringIndex(s[end:min(len(s), end+MaxValue)]); g != nil {
				end += g[1]
			}
		}
	}
	v = strings.TrimRight(s[start:end], "/-_")
	end = start + len(v)
	// More digits after a number: "CLM 2024 55187", "2024 / 55187",
	// "24 - 118776"; not when what follows them is an amount or a
	// quantity ("12345 150 items").
	if e := end + moreDigits(s, end); e > end && v[len(v)-1] >= '0' && v[len(v)-1] <= '9' && !amountAfter.MatchString(s[e:min(len(s), e+12)]) && e-start <= MaxValue {
		end = e
		v = s[start:end]
	}
	minLen := 4
	if key == "error_code" {
		minLen = 3
	}
	if len(v) < minLen || len(v) > MaxValue || !strings.ContainsAny(v, "0123456789") || runeWordAt(s, end) {
		return "", 0, 0, false
	}
	if amountAfter.MatchString(s[end:min(len(s), end+12)]) || slices.ContainsFunc(notValues, func(re *regexp.Regexp) bool { return re.MatchString(v) }) {
		return "", 0, 0, false
	}
	return v, start, end, true
}

// Analyze implements analysis.Analyzer.
func (l Labels) Analyze(d *analysis.Doc) {
	if d.Previous != "" {
		l.previousLabel(d)
	}
	if !strings.ContainsAny(d.Text, "0123456789") {
		return
	}
	defer ownText(d)()
	t := newText(d.Text)
	for _, lb := range t.labels {
		if count(d) >= MaxRead {
			break
		}
		end, key := lb.end, lb.kind
		v, start, vend, ok := readValue(d.Text, lb.reach, key)
		if !ok {
			// "the serial on the back is C02XK1JHJG5H": a few words, then
			// a copula.
			if p := afterCopula(d.Text, end); p >= 0 && !labelBetween(t, end, p) {
				v, start, vend, ok = readValue(d.Text, skipLinks(d.Text, p), key)
			}
		}
		if !ok {
			// "... a wrong policy number. The right one is 3301-448920".
			if p := rightOneAfter(t.lower, end); p >= 0 {
				v, start, vend, ok = readValue(d.Text, p, key)
			}
		}
		if !ok {
			// "55102398 is my customer number", "55102398 (customer number)".
			v, start, vend, ok = valueBefore(d.Text, lb.start, key)
		}
		for n := 0; ok && n < 8; n++ {
			add(d, l, key, v, start, vend, "after the label “"+d.Text[lb.start:end]+"”")
			// A list: "invoices INV-2231 and INV-2232".
			p := listNext(d.Text, vend)
			if p < 0 {
				break
			}
			var w string
			w, start, vend, ok = readValue(d.Text, p, key)
			ok = ok && runShape(w) == runShape(v)
			v = w
		}
	}
}

// PreviousLabelEvidence starts the evidence of a value read after a label
// that ended the previous message.
const PreviousLabelEvidence = "the previous message ended with the label"

// previousLabel reads the value at the start of the text when the previous
// message ends with a label: after the last label only link words and
// punctuation.
func (l Labels) previousLabel(d *analysis.Doc) {
	ls := labelsOf(lowerKeep(d.Previous))
	if len(ls) == 0 {
		return
	}
	lb := ls[len(ls)-1]
	if strings.Trim(d.Previous[lb.reach:], " ?!.:;,\t\n") != "" {
		return
	}
	key := lb.kind
	pos := skipReply(d.Text)
	if v, start, end, ok := readValue(d.Text, pos, key); ok {
		add(d, l, key, v, start, end, PreviousLabelEvidence+" “"+d.Previous[lb.start:lb.end]+"”")
	}
}

// labelEnd is where a label match m (of labelRE) ends, its plural ending
// included, or -1 when it is part of a longer word.
func labelEnd(s string, m []int) int {
	end := m[3]
	if m[4] >= 0 {
		end = m[5]
	}
	if letterAt(s, end-1) && letterAt(s, end) {
		return -1
	}
	return end
}

// listWords join the values of a list after one label.
var listWords = []string{",", "&", "/", "and", "und", "y", "e", "et", "en", "i", "oraz", "or", "oder", "o", "ou", "of", "lub", "as well as", "sowie"}

// listNext is where the next value of a list starts after end, or -1:
// after a list word, and then maybe a possessive ("and mine is").
func listNext(s string, end int) int {
	p := end
	for p < len(s) && s[p] == ' ' {
		p++
	}
	rest := strings.ToLower(s[p:min(len(s), p+12)])
	for _, w := range listWords {
		if strings.HasPrefix(rest, w) && (!letterAt(w, 0) || !letterAt(rest, len(w))) {
			q := p + len(w)
			for q < len(s) && s[q] == ' ' {
				q++
			}
			if q > p+len(w) || !letterAt(w, 0) {
				return afterWords(s, q, possessives)
			}
		}
	}
	return -1
}

// afterWords is p, or after one of ws standing at p (and the spaces after).
func afterWords(s string, p int, ws []string) int {
	rest := strings.ToLower(s[p:min(len(s), p+24)])
	for _, w := range ws {
		if strings.HasPrefix(rest, w) && !letterAt(rest, len(w)) {
			q := p + len(w)
			for q < len(s) && s[q] == ' ' {
				q++
			}
			return q
		}
	}
	return p
}

// rightOneAfter is where the value said to be the right one starts, after
// a label ending at end with no value: one of rightOnes in the next 160
// bytes, in that sentence or the next; past "not X, but" after it. Or -1.
func rightOneAfter(lower string, end int) int {
	window := lower[end:min(len(lower), end+160)]
	sentences := 0
	for i := 0; i < len(window); i++ {
		if strings.ContainsRune(".!?\n", rune(window[i])) {
			if sentences++; sentences > 1 {
				return -1
			}
			continue
		}
		if i > 0 && letterAt(window, i-1) {
			continue
		}
		for _, w := range rightOnes {
			if strings.HasPrefix(window[i:], w) && !letterAt(window, i+len(w)) {
				p := end + i + len(w)
				for p < len(lower) && lower[p] == ' ' {
					p++
				}
				// "richtig ist nicht X, sondern Y": Y.
				if q := afterWords(lower, p, negations); q > p {
					rest := lower[q:min(len(lower), q+60)]
					for _, c := range contrasts {
						if k := strings.Index(rest, " "+c+" "); k >= 0 {
							return q + k + len(c) + 2
						}
					}
					return -1
				}
				return afterWords(lower, p, articles)
			}
		}
	}
	return -1
}

// runShape is s's shape with each run of digits or letters one character:
// "INV-2231" and "INV-22312" are both "a-9".
func runShape(s string) string {
	var b strings.Builder
	var last rune
	for _, r := range shape(s) {
		if r != last || (r != '9' && r != 'a') {
			b.WriteRune(r)
		}
		last = r
	}
	return b.String()
}

// copulas end the few words that may stand between a label and its value:
// "the serial on the back is …", "la referencia que me dieron es …".
var copulas = []string{"is", "was", "ist", "lautet", "war", "es", "era", "est", "était", "é", "era", "è", "era", "is", "was", "to", "jest", "brzmi",
	// "registered under (the number)", "gemeldet unter der Nummer"
	"under", "unter", "sous", "bajo", "con", "com", "onder", "pod", "number", "nummer", "número", "numéro", "numero", "numer", "reference", "ref",
	"code", "codice", "código", "kod"}

// afterCopula is the offset after a copula that stands at most four short
// words after a label ending at end, or -1.
func afterCopula(s string, end int) int {
	p := end
	// A clause between commas first: "my member number, which I
	// mistyped earlier, is MB0093317"; or a comma alone: "my claim,
	// number CLM-77821".
	for p < len(s) && s[p] == ' ' {
		p++
	}
	if p < len(s) && s[p] == ',' {
		if c := strings.IndexByte(s[p+1:min(len(s), p+100)], ','); c >= 0 && !strings.ContainsAny(s[p+1:p+1+c], ".!?\n") {
			q := p + 2 + c
			for q < len(s) && s[q] == ' ' {
				q++
			}
			r := q
			for r < len(s) && letterAt(s, r) {
				r++
			}
			if r > q && slices.Contains(copulas, strings.ToLower(s[q:r])) {
				return r
			}
		}
		p++
	}
	for words := 0; words < 5; words++ {
		for p < len(s) && s[p] == ' ' {
			p++
		}
		q := p
		for q < len(s) && letterAt(s, q) && !(s[q] >= '0' && s[q] <= '9') {
			q++
		}
		if q == p || q-p > 12 {
			return -1
		}
		w := strings.ToLower(s[p:q])
		if words > 0 && slices.Contains(copulas, w) {
			return q
		}
		p = q
	}
	return -1
}

// beforeLabel are the words that may stand between a value and a label
// after it: "55102398 is my customer number", "41100982 es mi número de
// cliente", "55102398 ist meine Kundennummer".
var beforeLabel = []string{"is my", "is our", "is the", "was my", "ist meine", "ist mein", "ist die", "war meine", "es mi", "es el", "era mi",
	"c'est mon", "c'est ma", "c'est le", "c'est la", "est mon", "est ma", "est le", "est la", "é o meu", "é a minha", "é o", "é a", "è il mio", "è la mia", "è il", "è la", "is mijn", "is het",
	"is de", "to mój", "to moja", "to mój numer", "to", "is", "ist", "es", "est", "é", "è", "-", "–", "="}

// valueBefore reads a value that ends just before a label at pos: before
// one of beforeLabel, or before the label in brackets.
func valueBefore(s string, pos int, key string) (v string, start, end int, ok bool) {
	p := pos
	for p > 0 && s[p-1] == ' ' {
		p--
	}
	if p > 0 && s[p-1] == '(' {
		p--
	} else {
		lower := strings.ToLower(s[max(0, p-16):p])
		i := slices.IndexFunc(beforeLabel, func(w string) bool {
			return strings.HasSuffix(lower, " "+w) || strings.HasSuffix(lower, w) && len(lower) == len(w)
		})
		if i < 0 {
			return "", 0, 0, false
		}
		p -= len(beforeLabel[i])
	}
	for p > 0 && s[p-1] == ' ' {
		p--
	}
	// The token before p.
	q := p
	for q > 0 && (letterAt(s, q-1) || strings.ContainsRune("/_-.", rune(s[q-1]))) && s[q-1] < 0x80 {
		q--
	}
	for q < p && strings.ContainsRune("/_-.", rune(s[q])) {
		q++
	}
	if q == p || letterAt(s, q-1) {
		return "", 0, 0, false
	}
	if v, start, end, ok = readValue(s, q, key); ok && end == p {
		return v, start, end, true
	}
	return "", 0, 0, false
}

// runeWordAt reports whether the rune at byte i of s is a letter or a
// digit (a closing quote is not).
func runeWordAt(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// labelBetween reports whether another label starts in (from, to).
func labelBetween(t *text, from, to int) bool {
	i, _ := slices.BinarySearchFunc(t.labels, from+1, func(l labelAt, p int) int { return l.start - p })
	return i < len(t.labels) && t.labels[i].start < to
}

// replyWords may start a reply before the value: "sure, it's QX7T2",
// "ja, das ist QX7T2", "oui : QX7T2".
var replyWords = []string{"yes", "yeah", "yep", "sure", "ok", "okay", "here", "here it is", "it's", "it is", "its", "that's", "this is", "the number is",
	"ja", "klar", "gerne", "das ist", "es ist", "hier", "sí", "si", "claro", "vale", "es", "es el", "aquí", "oui", "bien sûr", "voici", "c'est", "le",
	"sim", "claro", "é", "é o", "aqui", "está", "sì", "certo", "ecco", "è", "è il", "il", "ja", "zeker", "hier", "het is", "dat is", "is", "tak", "jasne",
	"proszę", "to", "oto"}

// skipReply returns the offset after the punctuation and reply words that
// start s.
func skipReply(s string) int {
	lower := lowerKeep(s)
	pos := 0
	for {
		pos = skipRunes(lower, pos, " \t\n#:,.!-–—")
		i := -1
		for j, w := range replyWords {
			if strings.HasPrefix(lower[pos:], w) && !wordChar(lower, pos+len(w)) && (i < 0 || len(w) > len(replyWords[i])) {
				i = j
			}
		}
		if i < 0 {
			return pos
		}
		pos += len(replyWords[i])
	}
}
