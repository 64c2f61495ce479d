package identifiers

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// How a correction is said. A correction marker says the value after it
// (or, said right after a value, the value before it) replaces one given
// before; a retraction says a value given before was wrong, with or
// without the right one; "not X but Y" is a negation before a value and a
// contrast word before the next. Markers are matched at the start of a
// word, whole, except those ending in '*' (a stem: "equivocad*" is
// "equivocado", "equivocada"); one inside a label ("code d'erreur") is
// not a marker. Lower case; a space stands for one space.
var correctionMarkers = []string{
	// en
	"sorry", "i meant", "i mean", "meant", "correction", "corrected", "actually", "my mistake", "my bad", "should be", "should read",
	"the right one", "the correct one", "correct one is", "correct number", "oops", "scratch that", "rather", "instead", "no wait", "wait",
	"hang on", "make that", "that should be", "that is", "i.e", "or rather", "ignore", "not that", "wrong", "incorrect",
	"mistyped", "misspelt", "misspelled", "misread", "got it wrong", "typed it wrong", "digits swapped", "swapped", "transposed", "fat-fingered",
	"apologies", "excuse me",
	// de
	"korrektur", "korrigiere", "ich meinte", "ich meine", "meinte ich", "meine ich", "vertippt", "berichtigung", "richtig ist", "richtige*",
	"korrekte*", "falsch*", "entschuldigung", "verschrieben", "stattdessen", "sondern", "ignorieren", "nein moment", "moment", "warte",
	"äh", "ähm", "also eigentlich", "eigentlich", "genauer gesagt", "besser gesagt", "pardon",
	"vertan", "verlesen", "verwechselt", "zahlendreher", "vertauscht", "sorry",
	// es
	"perdón", "perdon", "corrijo", "corrección", "me equivoqué", "quise decir", "quería decir", "quiero decir", "disculpa*", "equivocad*",
	"perdona", "perdone", "lo siento", "mal escrito", "lo escribí mal", "escribí mal", "me he equivocado",
	"incorrect*", "la correcta", "el correcto", "me he confundido", "me confundí", "confundí", "confundido", "me he equivocado", "mejor dicho", "en realidad", "sino", "ignor*", "espera", "uy", "o sea", "es decir",
	// fr
	"rectification", "rectifie", "faute de frappe", "je voulais dire", "je veux dire", "je me suis trompé*", "erreur", "erroné*", "le bon",
	"excusez-moi", "mal tapé", "mal écrit", "inversé*", "je me suis trompée",
	"la bonne", "plutôt", "confondu", "je me suis planté*", "en fait", "au lieu", "ignorez", "attendez", "attends", "enfin", "c'est-à-dire", "désolé*", "oups",
	// pt
	"desculp*", "correção", "correcção", "corrijo", "enganei-me", "enganei me", "me enganei", "queria dizer", "quero dizer", "quer dizer",
	"perdão", "escrevi mal", "troquei", "enganei",
	"aliás", "engano", "opa", "ops", "me confundi", "confundi", "errad*", "incorret*", "o correto", "a correta", "o certo", "ou melhor", "na verdade", "em vez", "espere", "ou seja",
	// it
	"scusi", "scusa*", "correzione", "correggo", "ho sbagliato", "volevo dire", "voglio dire", "errore", "errat*", "sbagliat*",
	"quello giusto", "quella giusta", "il corretto", "la corretta", "anzi", "o meglio", "invece", "ignorate", "aspetta", "aspetti", "cioè",
	"mi dispiace", "ho scritto male", "invertit*", "scambiat*", "mi sono sbagliat*",
	"mi scusi", "mi sono confus*", "ho confuso",
	// nl
	"correctie", "typfout", "tikfout", "ik bedoel", "ik bedoelde", "bedoel ik", "bedoelde*", "verkeerd*", "fout*", "onjuist*", "de juiste",
	"verkeerd getypt", "verwisseld", "omgedraaid",
	"het juiste", "eigenlijk", "vergist", "vergissing", "verward", "in plaats", "negeer", "wacht", "sorry", "excuus", "excuses", "oeps", "beter gezegd", "oftewel",
	// pl
	"przepraszam", "poprawka", "poprawiam", "literówka", "pomyłka", "miało być", "ma być", "chodziło mi", "pomyliłem", "pomyliłam", "błędn*",
	"zły", "zła", "złe", "prawidłow*", "poprawn*", "właściwie", "a raczej", "raczej", "zamiast", "zignoruj", "czekaj", "chwila", "sorki",
	"źle wpisał*", "pomyliłem cyfry", "zamienił*", "przestawił*",
	"to znaczy", "tzn", "znaczy", "pomyliło mi się", "pomyliły mi się",
}

// retractionMarkers say a value given before was wrong, even when the
// right one is not (yet) given: that value is not shown.
var retractionMarkers = []string{
	"typo", "wrong number", "wrong one", "wrong email", "wrong e-mail", "wrong address", "wrong reference", "number was wrong", "number is wrong",
	"gave you the wrong", "i gave was wrong", "i gave you was wrong", "i gave is wrong", "i sent was wrong", "ignore that", "ignore the number", "scratch that", "that's not right", "that number", "not my number",
	"vertippt", "tippfehler", "falsche nummer", "die falsche", "nummer ist falsch", "nummer war falsch", "verschrieben", "zahlendreher",
	"número equivocado", "número incorrecto", "número está mal", "me equivoqué de número", "errata",
	"faute de frappe", "mauvais numéro", "numéro est faux", "numéro erroné", "je me suis trompé de numéro", "coquille",
	"número errado", "número está errado", "gralha", "enganei-me no número",
	"numero sbagliato", "numero errato", "refuso", "ho sbagliato numero",
	"typfout", "tikfout", "verkeerde nummer", "nummer klopt niet", "nummer is fout",
	"literówka", "zły numer", "błędny numer", "pomyliłem numer", "pomyliłam numer", "pomyłka w numerze",
}

// wrongWords say something is wrong: a retraction when what is wrong is
// named just before them by a label or a word for a number ("that IBAN is
// wrong", "die Nummer stimmt nicht").
var (
	wrongWords = []string{"is wrong", "was wrong", "not right", "not correct", "is incorrect", "ist falsch", "war falsch", "stimmt nicht",
		"está mal", "es incorrecto", "no es correcto", "est faux", "est erroné", "n'est pas bon", "n'est pas correct", "está errado", "não está certo",
		"è sbagliato", "è errato", "non è giusto", "klopt niet", "is fout", "is verkeerd", "jest zły", "jest błędny", "jest nieprawidłowy", "się nie zgadza"}
	numberWords = []string{"gave", "sent", "wrote", "typed", "iban", "email", "e-mail", "mail", "address", "phone", "number", "nummer", "adresse", "número", "numéro", "numero", "numer",
		"correo", "courriel", "telefon", "teléfono", "téléphone", "telefone", "telefono", "telefoon", "imei", "code", "código", "codice", "kod"}
)

// negations before a value and contrasts before the next make "not X but
// Y": X is replaced by Y.
var (
	negations = []string{"not", "isn't", "wasn't", "nicht", "kein", "keine", "non", "pas", "não", "nao", "niet", "geen", "nie"}
	contrasts = []string{"but", "sondern", "sino", "mais", "mas", "ma", "maar", "tylko", "lecz", "ale", "rather"}
)

// oldWords before a value say it is no longer in use ("my old e-mail"):
// another value of its kind in the text replaces it. newWords before an
// e-mail, phone or IBAN say it replaces the one given before.
var (
	oldWords = []string{"old", "previous", "former", "alte", "alten", "alter", "altes", "bisherige", "bisherigen", "antiguo", "antigua", "anterior",
		"ancien", "ancienne", "antigo", "antiga", "vecchio", "vecchia", "precedente", "oude", "vorige", "stary", "stara", "starego", "starej", "poprzedni", "poprzednia"}
	newWords = []string{"new", "neue", "neuen", "neuer", "neues", "nuevo", "nueva", "nouveau", "nouvelle", "nouvel", "novo", "nova", "nuovo", "nuova",
		"nieuwe", "nieuw", "nowy", "nowa", "nowego", "nowej",
		"now", "jetzt", "ahora", "maintenant", "agora", "adesso", "nu", "teraz"}
	// replaceable are the kinds a customer has one of in use at a time.
	replaceable = map[string]bool{"email": true, "phone": true, "iban": true, "imei": true, PaymentCard: true}
)

// insteadWords before a value say it is the one replaced: "instead of
// 448120", "statt 448120", "I wrote 448120".
var insteadWords = []string{"instead of", "rather than", "i wrote", "i gave", "i said", "statt", "anstatt", "anstelle von", "ich schrieb",
	"en lugar de", "en vez de", "au lieu de", "et non", "em vez de", "ao invés de", "e não", "invece di", "anziché", "al posto di",
	"in plaats van", "zamiast", "a nie"}

// oneOf are the kinds a customer gives one of in a sentence: two in one
// sentence, not in a list, are a correction.
var oneOf = map[string]bool{"email": true, "phone": true, "iban": true, "customer_number": true, "contract_number": true}

// orWords join two values given as alternatives: neither corrects the other.
var orWords = []string{"or", "oder", "o", "ou", "of", "lub", "albo", "either", "vs", "versus"}

// noWords start a message that corrects the previous one: "no, 448210".
var noWords = []string{"no", "nope", "nein", "non", "nee", "nie", "não", "nao"}

// introWords may stand between a marker and the new value: "sorry, it's",
// "perdón, es el".
var introWords = []string{
	"it's", "it is", "its", "that's", "the right one is", "the number is", "number", "is", "should be", "to be",
	"es", "el", "la", "c'est", "le", "é", "o", "a", "è", "il", "is", "ist", "het is", "het", "de", "die", "der", "das", "to", "moet", "natürlich",
	"natuurlijk", "lautet", "son", "sont", "são", "sono", "jest", "zijn", "jeweils", "sim", "the", "it", "me", "ich", "je", "io", "ik", "eu", "ja",
	"numer", "nummer", "número", "numéro", "numero", "nr", "no", "n°", "nº", "n.",
}

// fillers may stand between two values: "448120 ähm 448210".
var fillers = []string{"uh", "um", "erm", "äh", "ähm", "eh", "ehm", "euh", "hum", "hmm"}

// markerReach is how far before or after a value (bytes) a marker may be.
const markerReach = 80

// KindRetraction says a value given before was wrong, with no new value
// of its kind in the text: Key is the kind retracted (the last one given
// before), Value "". The conversation (Follow) stops showing the last
// value of that kind.
const KindRetraction = "identifier_retraction"

// KindCandidate is a bare value in a text with a correction marker whose
// kind the text alone does not tell (no label, no value of its shape
// before it, none in Doc.Previous): Value is the token as written, Key
// "". The conversation (Follow) gives it the kind of the latest value of
// its shape given before, which it replaces.
const KindCandidate = "identifier_candidate"

// Corrections reads corrections, in one text and of the customer's
// previous message (Doc.Previous):
//   - a marker between two values of one kind marks the first superseded
//     ("K-55810, sorry, K-55801");
//   - a marker after a value, then a bare value of its shape (or right
//     after the marker any value), gives the bare value the first one's
//     kind and supersedes the first ("order 448120, no wait, it's
//     448210"; "448120 ähm 448210 meinte ich");
//   - "not X but Y" supersedes X by Y;
//   - a value with a marker near it and no earlier value of its kind in
//     the text replaces the one given earlier in the conversation
//     (KindCorrection); a bare value of the shape of one in Doc.Previous
//     does too, with a marker or as the whole message when it differs
//     from it by one or two characters (an unmarked retyping);
//   - a retraction ("typo", "wrong number") with no new value retracts the
//     value given before (KindRetraction).
type Corrections struct{}

// Name implements analysis.Analyzer.
func (Corrections) Name() string { return "corrections" }

// mark is a marker found in the text: its span and whether it retracts.
type mark struct {
	start, end int
	retract    bool
}

// Analyze implements analysis.Analyzer.
func (c Corrections) Analyze(d *analysis.Doc) {
	if !strings.ContainsAny(d.Text, "0123456789@") {
		// No value: at most a retraction of the one given before.
		c.retraction(d)
		return
	}
	t := newText(d.Text)
	lower := t.lower
	marks := findMarks(lower, correctionMarkers, false, t.labels)
	marks = append(marks, findMarks(lower, retractionMarkers, true, t.labels)...)
	for _, m := range findMarks(lower, wrongWords, true, t.labels) {
		w := lower[max(0, m.start-40):m.start]
		if len(t.labelsBefore(m.start)) > 0 || hasWord(w, numberWords) {
			marks = append(marks, m)
		}
	}
	if m, ok := startsWithNo(lower); ok {
		marks = append(marks, m)
	}
	slices.SortFunc(marks, func(a, b mark) int { return a.start - b.start })
	c.inText(d, lower, marks)
	if d.Previous != "" {
		c.ofPrevious(d, lower, marks)
	}
	c.leftOver(d, lower, marks)
}

// retraction reads a text with no digit: a retraction in it retracts the
// last value given before (KindRetraction), of the previous message's
// last kind when it is known.
func (c Corrections) retraction(d *analysis.Doc) {
	lower := lowerKeep(d.Text)
	retracts := len(findMarks(lower, retractionMarkers, true, nil)) > 0
	if !retracts {
		for _, m := range findMarks(lower, wrongWords, true, nil) {
			if hasWord(lower[max(0, m.start-40):m.start], numberWords) {
				retracts = true
			}
		}
	}
	if !retracts {
		return
	}
	key := ""
	if d.Previous != "" {
		pd := analysis.Pipeline{Shapes{}, Labels{}}.Run(&analysis.Doc{Text: d.Previous, Region: d.Region, Language: d.Language})
		if is := ids(pd); len(is) > 0 {
			key = pd.Annotations[is[len(is)-1]].Key
		}
	}
	d.Add(c, analysis.Annotation{Kind: KindRetraction, Key: key, Confidence: 0.7, Evidence: "says the value given before was wrong"})
}

// leftOver adds, in a text with a marker, the bare values no rule gave a
// kind (KindCandidate), and a retraction with nothing new and nothing
// given in Doc.Previous (KindRetraction, Key "": the last value given).
func (c Corrections) leftOver(d *analysis.Doc, lower string, marks []mark) {
	if len(marks) == 0 || len(d.Of(KindCorrection)) > 0 || len(d.Of(KindRetraction)) > 0 {
		return
	}
	if len(ids(d)) == 0 && slices.ContainsFunc(marks, func(m mark) bool { return m.retract }) {
		d.Add(c, analysis.Annotation{Kind: KindRetraction, Confidence: 0.7, Evidence: "says the value given before was wrong"})
	}
	n := 0
	for _, m := range tokenRE.FindAllStringIndex(d.Text, -1) {
		start, end := m[0], m[1]
		raw := strings.TrimRight(d.Text[start:end], "/-.")
		end = start + len(raw)
		if n >= 4 || letterAt(d.Text, start-1) || letterAt(d.Text, end) || taken(d, start, end) || len(raw) < 4 || len(raw) > MaxValue ||
			!strings.ContainsAny(raw, "0123456789") || amountAfter.MatchString(d.Text[end:min(len(d.Text), end+12)]) ||
			slices.ContainsFunc(notValues, func(re *regexp.Regexp) bool { return re.MatchString(raw) }) {
			continue
		}
		near := slices.ContainsFunc(marks, func(mk mark) bool {
			return mk.end <= start && start-mk.end <= 40 || mk.start >= end && mk.start-end <= 12
		})
		if near {
			d.Add(c, analysis.Annotation{Kind: KindCandidate, Value: raw, Span: analysis.Span{Start: start, End: end}, Confidence: 0.7,
				Evidence: "a bare value near a correction marker"})
			n++
		}
	}
}

// inText reads the corrections within the text.
func (c Corrections) inText(d *analysis.Doc, lower string, marks []mark) {
	for _, i := range ids(d) {
		a := d.Annotations[i]
		if a.Superseded || a.Analyzer == c.Name() {
			continue
		}
		next := nextID(d, a) // the next identifier of any kind after a
		limit := min(len(lower), a.Span.End+markerReach)
		if next >= 0 {
			limit = min(limit, d.Annotations[next].Span.Start)
		}
		negated := hasWordBefore(lower, a.Span.Start, negations, 24)
		// "B (instead of A)": the next value of a's kind is the wrong one.
		if next >= 0 && d.Annotations[next].Key == a.Key && hasWordBefore(lower, d.Annotations[next].Span.Start, insteadWords, 20) &&
			!strings.EqualFold(d.Annotations[next].Value, a.Value) {
			d.Annotations[next].Superseded = true
			continue
		}
		// A marker between a and the next value of its kind.
		if next >= 0 && d.Annotations[next].Key == a.Key && d.Annotations[next].Span.Start-a.Span.End <= markerReach &&
			(markBetween(marks, a.Span.End, d.Annotations[next].Span.Start) || negated && hasWord(lower[a.Span.End:d.Annotations[next].Span.Start], contrasts)) {
			d.Annotations[i].Superseded = true
			continue
		}
		// "use 448210 — the 448120 I gave was wrong": a value with a
		// retraction right after it, and another of its kind in the text.
		if slices.ContainsFunc(marks, func(m mark) bool {
			return m.retract && m.start >= a.Span.End && m.start-a.Span.End <= 24 && m.end <= limit
		}) &&
			slices.ContainsFunc(d.Annotations, func(o analysis.Annotation) bool {
				return o.Kind == Kind && o.Key == a.Key && o.Span != a.Span && !strings.EqualFold(o.Value, a.Value)
			}) {
			d.Annotations[i].Superseded = true
			continue
		}
		// "A … B is the right one": a marker right after the next value of
		// a's kind, and no list between them.
		if next >= 0 && d.Annotations[next].Key == a.Key && d.Annotations[next].Span.Start-a.Span.End <= markerReach &&
			!hasWord(lower[a.Span.End:d.Annotations[next].Span.Start], listWords) {
			b := d.Annotations[next]
			if slices.ContainsFunc(marks, func(m mark) bool {
				return !m.retract && m.start >= b.Span.End && m.start-b.Span.End <= 24 && !strings.ContainsAny(lower[b.Span.End:m.start], ".!?\n")
			}) {
				d.Annotations[i].Superseded = true
				continue
			}
		}
		// "448210 (instead of 448120)", "448210, not 448120 as I wrote":
		// the value after the words is the wrong one.
		if hasWordBefore(lower, a.Span.Start, insteadWords, 20) && slices.ContainsFunc(d.Annotations, func(o analysis.Annotation) bool {
			return o.Kind == Kind && o.Key == a.Key && o.Span.End <= a.Span.Start && !strings.EqualFold(o.Value, a.Value)
		}) {
			d.Annotations[i].Superseded = true
			continue
		}
		// Two values of a kind a customer has one of, in one sentence, not
		// in a list: the second corrects the first, marker or not.
		if next >= 0 && d.Annotations[next].Key == a.Key && oneOf[a.Key] && !strings.EqualFold(d.Annotations[next].Value, a.Value) {
			between := lower[a.Span.End:d.Annotations[next].Span.Start]
			if len(between) <= markerReach && !strings.ContainsAny(between, ".!?\n;/&+") &&
				!hasWord(between, listWords) && !hasWord(between, contrasts) && !hasWord(between, additions) && !hasWord(between, orWords) {
				d.Annotations[i].Superseded = true
				continue
			}
		}
		// "X, not Y": Y is the wrong one.
		if next >= 0 && d.Annotations[next].Key == a.Key {
			between := strings.Trim(lower[a.Span.End:d.Annotations[next].Span.Start], " ,;(–—-")
			if slices.Contains(negations, between) || slices.Contains([]string{"and not", "but not", "und nicht", "aber nicht", "y no", "pero no", "et pas", "mais pas", "e não", "mas não", "e non", "ma non", "en niet", "maar niet", "a nie", "ale nie", "no"}, between) {
				d.Annotations[next].Superseded = true
				continue
			}
		}
		// "my old e-mail a@x.com, the new one b@y.com".
		if hasWordBefore(lower, a.Span.Start, oldWords, 32) && slices.ContainsFunc(d.Annotations, func(o analysis.Annotation) bool {
			return o.Kind == Kind && o.Key == a.Key && o.Span != a.Span && !strings.EqualFold(o.Value, a.Value)
		}) {
			d.Annotations[i].Superseded = true
			continue
		}
		if replaceable[a.Key] && next >= 0 && d.Annotations[next].Key == a.Key && hasWordBefore(lower, d.Annotations[next].Span.Start, newWords, 24) &&
			!hasWordBefore(lower, a.Span.Start, newWords, 24) {
			d.Annotations[i].Superseded = true
			continue
		}
		if b, ok := c.bareAfter(d, lower, marks, a, limit, negated); ok {
			d.Annotations[i].Superseded = true
			add(d, c, a.Key, b.Value, b.Span.Start, b.Span.End, "after a correction of a "+a.Key)
			continue
		}
	}
	// A value with a marker near it and no earlier value of its kind:
	// it corrects the conversation.
	for _, i := range ids(d) {
		an := d.Annotations[i]
		if an.Superseded || earlierOfKind(d, an) {
			continue
		}
		if markNear(marks, an.Span, lower) || replaceable[an.Key] && hasWordBefore(lower, an.Span.Start, newWords, 24) || wholeMarked(marks, lower) {
			d.Add(c, analysis.Annotation{Kind: KindCorrection, Key: an.Key, Value: an.Value, Span: an.Span, Confidence: 0.9,
				Evidence: "a correction marker near it: it replaces the " + an.Key + " given before"})
		}
	}
}

// bareAfter reads a bare value that corrects a: after a marker that
// follows a (or after a contrast word when a is negated), the value read
// right after the marker or the first token of a's shape; or a token of
// a's shape right after a with a marker right after it.
func (c Corrections) bareAfter(d *analysis.Doc, lower string, marks []mark, a analysis.Annotation, limit int, negated bool) (analysis.Annotation, bool) {
	from := -1
	for _, m := range marks {
		if m.start >= a.Span.End && m.end <= limit {
			from = m.end
			break
		}
	}
	if from < 0 && negated {
		if p := wordIndex(lower[a.Span.End:limit], contrasts); p >= 0 {
			from = a.Span.End + p
		}
	}
	if from >= 0 {
		if v, start, end, ok := readValue(d.Text, skipIntro(lower, from), a.Key); ok && !taken(d, start, end) && plausibleFor(a, v) {
			return analysis.Annotation{Value: v, Span: analysis.Span{Start: start, End: end}}, true
		}
		if b, ok := shapeToken(d, lower, a, from, limit); ok {
			return b, true
		}
	}
	// "448120 ähm 448210 meinte ich": a token of a's shape right after a,
	// a marker right after it.
	p := skipFillers(lower, a.Span.End)
	if b, ok := shapeToken(d, lower, a, p, min(limit, p+MaxValue+2)); ok && b.Span.Start == p {
		for _, m := range marks {
			if m.start >= b.Span.End && (m.start-b.Span.End <= 4 || strings.TrimSpace(lower[b.Span.End:m.start]) == "is") {
				return b, true
			}
		}
	}
	return analysis.Annotation{}, false
}

// plausibleFor reports whether v, read bare after a correction of a, may
// be of a's kind: for the kinds with a shape, it has that shape.
func plausibleFor(a analysis.Annotation, v string) bool {
	switch a.Key {
	case "email", "iban", "imei", PaymentCard, "phone", "tracking_number", "version":
		return false // these are read by their shape, not bare
	}
	return true
}

// tokenRE is a bare token that may be a value: letters, digits and inner
// '/', '_', '.', '-'; bare phone numbers are read by phoneRE.
var tokenRE = regexp.MustCompile(`[A-Za-z0-9](?:[A-Za-z0-9/_-]|\.[A-Za-z0-9])*`)

// shapeToken returns the first token in lower[from:limit] that is not an
// identifier already and has a's shape: for a phone, a valid phone number
// in the doc's region; otherwise the same pattern of letters and digits,
// or one or two characters from a's value.
func shapeToken(d *analysis.Doc, lower string, a analysis.Annotation, from, limit int) (analysis.Annotation, bool) {
	if from >= limit {
		return analysis.Annotation{}, false
	}
	re, group := tokenRE, 0
	if a.Key == "phone" {
		re, group = phoneRE, 2
	}
	// Digits said one by one, as the value they correct was: "5 5 0 0 3
	// 1, wait no, sorry, 5 5 0 0 1 3".
	if a.Key != "phone" {
		for _, m := range spokenRunRE.FindAllStringSubmatchIndex(d.Text[from:limit], -1) {
			start, end := from+m[2], from+m[3]
			v := strings.ReplaceAll(d.Text[start:end], " ", "")
			if !taken(d, start, end) && !strings.EqualFold(v, a.Value) && (shape(v) == shape(a.Value) || NearDuplicate(v, a.Value)) {
				return analysis.Annotation{Value: v, Span: analysis.Span{Start: start, End: end}}, true
			}
		}
	}
	for _, m := range re.FindAllStringSubmatchIndex(d.Text[from:limit], -1) {
		start, end := from+m[group], from+m[group+1]
		if letterAt(d.Text, start-1) || taken(d, start, end) {
			continue
		}
		raw := strings.TrimRight(d.Text[start:end], " ()-/.")
		end = start + len(raw)
		// a's value written in groups ("1180 392", "CL 00 77 812"): as
		// many groups from here.
		if groups := len(strings.Fields(a.Value)); groups > 1 && a.Key != "phone" {
			if e, ok := groupsFrom(d.Text, start, groups, limit); ok && strings.ContainsAny(d.Text[start:e], "0123456789") &&
				(shape(d.Text[start:e]) == shape(a.Value) || NearDuplicate(d.Text[start:e], a.Value)) {
				return analysis.Annotation{Value: d.Text[start:e], Span: analysis.Span{Start: start, End: e}}, true
			}
		}
		if !strings.ContainsAny(raw, "0123456789") {
			continue
		}
		if v, ok := sameShape(d, a, raw); ok {
			return analysis.Annotation{Value: v, Span: analysis.Span{Start: start, End: end}}, true
		}
	}
	return analysis.Annotation{}, false
}

// spokenRunRE is a number said digit by digit (see spokenDigitsRE).
var spokenRunRE = regexp.MustCompile(`(?:^|[^\pL\pN])(\d(?: \d){3,})\b`)

// groupsFrom is the end of n tokens from start, one space apart (at most
// limit).
func groupsFrom(text string, start, n, limit int) (int, bool) {
	end := start
	for g := 0; g < n; g++ {
		if g > 0 {
			if end >= limit || text[end] != ' ' {
				return 0, false
			}
			end++
		}
		m := tokenRE.FindStringIndex(text[end:limit])
		if m == nil || m[0] != 0 {
			return 0, false
		}
		end += m[1]
	}
	return end, true
}

// sameShape reports whether raw is a value of a's kind and shape, and its
// normalised value.
func sameShape(d *analysis.Doc, a analysis.Annotation, raw string) (string, bool) {
	switch a.Key {
	case "phone":
		region := d.Region
		if region == "" {
			region = languageRegions[d.Language]
		}
		num, err := phonenumbers.Parse(raw, region)
		// Possible will do: it corrects a phone number (as after a phone word).
		if err != nil || phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE {
			return "", false
		}
		return phonenumbers.Format(num, phonenumbers.E164), true
	case "version":
		if versionShape.MatchString(raw) && !dateLike.MatchString(raw) {
			return raw, true
		}
		return "", false
	case "email", "iban", "imei", PaymentCard, "tracking_number":
		return "", false // read by their shape: already annotated if there
	}
	if strings.Contains(raw, " ") || len(raw) < 4 || slices.ContainsFunc(notValues, func(re *regexp.Regexp) bool { return re.MatchString(raw) }) {
		return "", false
	}
	if shape(raw) == shape(a.Value) || NearDuplicate(raw, a.Value) {
		return raw, true
	}
	return "", false
}

// versionShape is a version number alone: "3.0.19".
var versionShape = regexp.MustCompile(`^v?\d{1,4}(?:\.\d{1,4}){1,3}$`)

// shape is s with every digit 9 and every letter a: "K-55810" is "a-99999".
func shape(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return '9'
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			return 'a'
		}
		return r
	}, strings.Join(strings.Fields(s), ""))
}

// NearDuplicate reports whether a and b (ignoring case and spaces) differ,
// by at most two edits or one swap of neighbours, and are at least five
// characters long: a value retyped with a slip ("55102398", "55102389").
func NearDuplicate(a, b string) bool {
	a, b = strings.ToLower(strings.Join(strings.Fields(a), "")), strings.ToLower(strings.Join(strings.Fields(b), ""))
	if a == b || len(a) < 5 || len(b) < 5 || len(a) > 2*MaxValue || len(b) > 2*MaxValue {
		return false
	}
	return editDistance(a, b) <= 2
}

// editDistance is the optimal string alignment distance of a and b (bytes):
// insertions, deletions, substitutions and swaps of neighbours.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// ofPrevious reads the corrections of the customer's previous message:
// a bare value here of the shape of one there, with a marker (or, as the
// whole message, one or two characters from it), corrects it; a
// retraction with no new value retracts the last one.
func (c Corrections) ofPrevious(d *analysis.Doc, lower string, marks []mark) {
	pd := analysis.Pipeline{Shapes{}, Labels{}}.Run(&analysis.Doc{Text: d.Previous, Region: d.Region, Language: d.Language})
	var before []analysis.Annotation
	for _, i := range ids(pd) {
		before = append(before, pd.Annotations[i])
	}
	if len(before) == 0 {
		return
	}
	// Values here of a kind given there, with a marker anywhere in a
	// short message, or near.
	corrected := map[string]bool{}
	for _, an := range d.Of(KindCorrection) {
		corrected[an.Key] = true
	}
	short := len(strings.TrimSpace(d.Text)) <= 160
	for _, i := range ids(d) {
		an := d.Annotations[i]
		if an.Superseded || corrected[an.Key] || earlierOfKind(d, an) {
			continue
		}
		for _, p := range before {
			if p.Key != an.Key || strings.EqualFold(p.Value, an.Value) {
				continue
			}
			renewed := replaceable[an.Key] && (hasWord(lower, oldWords) || hasWord(lower, newWords)) && !hasWord(lower, additions)
			if (len(marks) > 0 && short) || renewed || NearDuplicate(p.Value, an.Value) && !hasWord(lower, additions) {
				d.Add(c, analysis.Annotation{Kind: KindCorrection, Key: an.Key, Value: an.Value, Span: an.Span, Confidence: 0.85,
					Evidence: "corrects the " + an.Key + " of the previous message"})
				corrected[an.Key] = true
				break
			}
		}
	}
	// Bare values of the shape of one given there.
	whole := strings.Trim(d.Text, " \t\n.,;:!?*")
	for i := len(before) - 1; i >= 0; i-- {
		p := before[i]
		if corrected[p.Key] {
			continue
		}
		var b analysis.Annotation
		ok := false
		if len(marks) > 0 {
			b, ok = shapeToken(d, lower, p, 0, len(lower))
		} else if !strings.ContainsAny(whole, " \t\n") || p.Key == "phone" {
			b, ok = shapeToken(d, lower, p, 0, len(lower))
			// "*4417" on its own line: the chat's way to correct a word.
			star := strings.HasPrefix(strings.TrimSpace(d.Text), "*")
			ok = ok && len(strings.Trim(d.Text[b.Span.End:], " \t\n.,;:!?*")) == 0 && strings.Trim(d.Text[:b.Span.Start], " \t\n.,;:!?*#") == "" &&
				(NearDuplicate(b.Value, p.Value) || star && shape(b.Value) == shape(p.Value) || p.Key == "phone" && b.Value != p.Value)
		}
		if !ok || strings.EqualFold(b.Value, p.Value) {
			continue
		}
		add(d, c, p.Key, b.Value, b.Span.Start, b.Span.End, "corrects the "+p.Key+" of the previous message")
		d.Add(c, analysis.Annotation{Kind: KindCorrection, Key: p.Key, Value: b.Value, Span: b.Span, Confidence: 0.85,
			Evidence: "corrects the " + p.Key + " of the previous message"})
		corrected[p.Key] = true
	}
	// A retraction and nothing new: the last value given there was wrong.
	if len(corrected) == 0 && len(ids(d)) == 0 && slices.ContainsFunc(marks, func(m mark) bool { return m.retract }) {
		last := before[len(before)-1]
		d.Add(c, analysis.Annotation{Kind: KindRetraction, Key: last.Key, Confidence: 0.8,
			Evidence: "says the " + last.Key + " given before was wrong"})
	}
}

// ids are the indexes of d's identifiers in force, in text order.
func ids(d *analysis.Doc) []int {
	var out []int
	for i, an := range d.Annotations {
		if an.Kind == Kind {
			out = append(out, i)
		}
	}
	slices.SortStableFunc(out, func(a, b int) int { return d.Annotations[a].Span.Start - d.Annotations[b].Span.Start })
	return out
}

// nextID is the index of the first identifier starting after a, or -1.
func nextID(d *analysis.Doc, a analysis.Annotation) int {
	best := -1
	for i, an := range d.Annotations {
		if (an.Kind == Kind || an.Kind == KindRejected) && an.Span.Start >= a.Span.End && (best < 0 || an.Span.Start < d.Annotations[best].Span.Start) {
			best = i
		}
	}
	return best
}

// earlierOfKind reports whether d has a value of an's kind before it.
func earlierOfKind(d *analysis.Doc, an analysis.Annotation) bool {
	return slices.ContainsFunc(d.Annotations, func(o analysis.Annotation) bool {
		return o.Kind == Kind && o.Key == an.Key && o.Span.End <= an.Span.Start
	})
}

// findMarks finds the markers of list in lower: at the start of a word,
// whole unless a stem ('*'), and not inside one of labels (nil: no check).
func findMarks(lower string, list []string, retract bool, labels []labelAt) []mark {
	var out []mark
	// A label that holds the marker and is longer ("code d'erreur"), or
	// is the marker and has its value after it ("errore 0x80070005").
	inLabel := func(s, e int) bool {
		i, _ := slices.BinarySearchFunc(labels, s-60, func(l labelAt, p int) int { return l.start - p })
		for _, l := range labels[i:] {
			if l.start >= e {
				break
			}
			if s < l.end && l.start < e && (l.end-l.start > e-s || l.reach < len(lower) && lower[l.reach] >= '0' && lower[l.reach] <= '9') {
				return true
			}
		}
		return false
	}
	for _, w := range list {
		stem := strings.HasSuffix(w, "*")
		w = strings.TrimSuffix(w, "*")
		for i := 0; i < len(lower); {
			j := strings.Index(lower[i:], w)
			if j < 0 {
				break
			}
			s, e := i+j, i+j+len(w)
			i = e
			if wordChar(lower, s-1) || (!stem && wordChar(lower, e)) || inLabel(s, e) {
				continue
			}
			if stem {
				for e < len(lower) && wordChar(lower, e) {
					_, size := utf8.DecodeRuneInString(lower[e:])
					e += size
				}
			}
			out = append(out, mark{s, e, retract})
		}
	}
	return out
}

// wordChar reports whether the byte at i of s is part of a word (a
// letter, a digit, a multi-byte rune or an apostrophe).
func wordChar(s string, i int) bool {
	return i >= 0 && i < len(s) && (letterAt(s, i) || s[i] == '\'')
}

// startsWithNo is a "no" that starts the text before a comma, a dash or a
// value: "no, 448210", "nee - 448210".
func startsWithNo(lower string) (mark, bool) {
	t := strings.TrimLeft(lower, " \t\n")
	off := len(lower) - len(t)
	for _, w := range noWords {
		if strings.HasPrefix(t, w) && !wordChar(t, len(w)) {
			return mark{off, off + len(w), false}, true
		}
	}
	return mark{}, false
}

// wholeMarked reports whether a marker speaks for the whole text: one in
// the first line of a longer text (an e-mail's subject: "Re: correction").
func wholeMarked(marks []mark, lower string) bool {
	first := strings.IndexByte(lower, '\n')
	return first >= 0 && slices.ContainsFunc(marks, func(m mark) bool { return m.end <= first && !m.retract })
}

// markBetween reports whether a marker lies within [from, to).
func markBetween(marks []mark, from, to int) bool {
	return slices.ContainsFunc(marks, func(m mark) bool { return m.start >= from && m.end <= to })
}

// markNear reports whether a marker is shortly before span (markerReach)
// or right after it in the same clause.
func markNear(marks []mark, span analysis.Span, lower string) bool {
	return slices.ContainsFunc(marks, func(m mark) bool {
		if m.end <= span.Start {
			return span.Start-m.end <= markerReach
		}
		return m.start >= span.End && m.start-span.End <= 12 && !strings.ContainsAny(lower[span.End:m.start], ".!?\n")
	})
}

// hasWordBefore reports whether one of words ends within reach bytes
// before pos (as a whole word).
func hasWordBefore(lower string, pos int, words []string, reach int) bool {
	return hasWord(lower[max(0, pos-reach):pos], words)
}

func hasWord(s string, words []string) bool { return wordIndex(s, words) >= 0 }

// wordIndex is the offset after the first of words in s as a whole word,
// or -1.
func wordIndex(s string, words []string) int {
	best := -1
	for _, w := range words {
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], w)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(w)
			if !wordChar(s, at-1) && !wordChar(s, at+len(w)) && (best < 0 || at+len(w) < best) {
				best = at + len(w)
			}
		}
	}
	return best
}

// skipIntro returns the offset after the punctuation, intro words and
// fillers that follow a marker at pos.
func skipIntro(lower string, pos int) int {
	for {
		pos = skipRunes(lower, pos, " ,:;.-–—…!\t\n")
		i := slices.IndexFunc(introWords, func(w string) bool { return strings.HasPrefix(lower[pos:], w) && !wordChar(lower, pos+len(w)) })
		if i < 0 {
			i = slices.IndexFunc(fillers, func(w string) bool { return strings.HasPrefix(lower[pos:], w) && !wordChar(lower, pos+len(w)) })
			if i < 0 {
				return pos
			}
			pos += len(fillers[i])
			continue
		}
		pos += len(introWords[i])
	}
}

// skipFillers returns the offset after the punctuation and fillers after
// pos.
func skipFillers(lower string, pos int) int {
	for {
		pos = skipRunes(lower, pos, " ,:;.-–—…\t\n")
		i := slices.IndexFunc(fillers, func(w string) bool { return strings.HasPrefix(lower[pos:], w) && !wordChar(lower, pos+len(w)) })
		if i < 0 {
			return pos
		}
		pos += len(fillers[i])
	}
}

// skipRunes returns the offset after the runes of set at pos.
func skipRunes(s string, pos int, set string) int {
	for pos < len(s) {
		r, size := utf8.DecodeRuneInString(s[pos:])
		if !strings.ContainsRune(set, r) {
			break
		}
		pos += size
	}
	return pos
}
