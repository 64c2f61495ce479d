// Package steps reads the troubleshooting steps a customer says were
// already tried, in their own words, in English, German, Spanish, French,
// Portuguese, Italian, Dutch and Polish: "I already restarted the router",
// "cleared the cache and cookies", "ya desinstalé la app", "ho già
// resettato il router", "ik heb de stekker eruit gehaald". It reads them
// by grammar, from one small table per language (grammar.go): who did it,
// a completed form of an action on the product, its object, and what
// cancels it (a negation, a plan, a question, someone else). A step is the
// customer's own phrase, trimmed. It favours precision: a question ("have
// you tried restarting?"), a plan ("I will try"), a negation ("I haven't
// tried rebooting") or the company's action is no step.
//
// It knows nothing of gRPC, storage or the clock; its cost is linear in the
// text (each word is looked at a bounded number of times).
package steps

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Kind is the kind of the annotations the analyzer adds.
const Kind = "step_tried"

// Limits.
const (
	// MaxSteps is the most steps read from one text.
	MaxSteps = 10
	// maxStep is the longest step shown, in characters (cut at a word).
	maxStep = 120
	// window is how many words before a verb are read for who did it.
	window = 12
	// reach is how many words after a verb a step may run.
	reach = 16
)

// Step is a step read: the phrase and where it is (byte offsets, End
// exclusive), with a confidence and the rule that read it.
type Step struct {
	Value      string
	Span       analysis.Span
	Language   string
	Confidence float64
	Evidence   string
}

// Analyzer adds the steps tried (Kind "step_tried", Value the phrase).
type Analyzer struct{}

// Name implements analysis.Analyzer.
func (Analyzer) Name() string { return "steps" }

// Analyze implements analysis.Analyzer.
func (a Analyzer) Analyze(d *analysis.Doc) {
	for _, s := range Find(d.Text) {
		d.Add(a, analysis.Annotation{Kind: Kind, Value: s.Value, Span: s.Span, Confidence: s.Confidence, Evidence: s.Evidence})
	}
}

// token is a word or a punctuation mark of the text.
type token struct {
	start, end int
	lower      string // lower case, ’ as '
	folded     string // lower, without diacritics
	punct      rune   // the mark, or 0 for a word
}

func (t token) word() bool { return t.punct == 0 }

// clauseEnd reports whether a mark ends a clause.
func (t token) clauseEnd() bool { return t.punct != 0 && t.punct != '¿' && t.punct != '¡' }

var fold = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// folded removes diacritics; ł is l.
func folded(s string) string {
	out, _, err := transform.String(fold, s)
	if err != nil {
		return s
	}
	return strings.ReplaceAll(out, "ł", "l")
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// tokenize splits text into words (letters, digits, inner apostrophes and
// hyphens) and the marks that end clauses.
func tokenize(text string) []token {
	var out []token
	wordStart := -1
	flush := func(end int) {
		if wordStart >= 0 {
			w := strings.TrimRight(text[wordStart:end], "'’-")
			if w != "" {
				lower := strings.ReplaceAll(strings.ToLower(w), "’", "'")
				f := lower
				if !ascii(lower) {
					f = folded(lower)
				}
				out = append(out, token{start: wordStart, end: wordStart + len(w), lower: lower, folded: f})
			}
			wordStart = -1
		}
	}
	for i, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '@' || r == '#':
			if wordStart < 0 {
				wordStart = i
			}
		case (r == '\'' || r == '’' || r == '-') && wordStart >= 0:
			// inner apostrophe or hyphen: part of the word
		case strings.ContainsRune(".,;:!?¿¡()\n\"“”«»", r):
			flush(i)
			out = append(out, token{start: i, end: i + utf8.RuneLen(r), punct: r})
		default:
			flush(i)
		}
	}
	flush(len(text))
	return out
}

// lexicon is the tables as sets.
type lexicon struct {
	g                                                                                      *grammar
	done, subjects, others, already, negations, plans                                      map[string]bool
	and, breaks, light, thirdAux, determiners, noElided, ownObjects, setup, clitics, folds map[string]bool
	contacts                                                                               map[string]bool
	notObjects                                                                             [][]string
}

func set(ws []string) map[string]bool {
	m := map[string]bool{}
	for _, w := range ws {
		m[w] = true
	}
	return m
}

var lexicons = func() []*lexicon {
	var out []*lexicon
	for _, g := range grammars {
		l := &lexicon{g: g, done: set(g.done), subjects: set(g.subjects), others: set(g.others),
			already: map[string]bool{}, negations: set(g.negations), plans: set(g.plans), and: set(g.and),
			breaks: set(g.breaks), light: set(g.light), thirdAux: set(g.thirdAux), determiners: set(g.determiners), ownObjects: set(g.ownObjects), setup: set(g.setup), clitics: set(g.clitics),
			noElided: set(g.noElided), folds: map[string]bool{}, contacts: set(g.contacts)}
		for _, w := range g.already {
			l.already[folded(w)] = true
		}
		for _, n := range g.notObjects {
			l.notObjects = append(l.notObjects, strings.Fields(n))
		}
		// Polish is often written without its diacritics ("wyczyscilem");
		// its past forms say who did it, so a folded one is safe to read.
		if g.lang == "pl" {
			for _, f := range g.done {
				l.folds[folded(f)] = true
			}
		}
		out = append(out, l)
	}
	return out
}()

// isDone reports whether t is a completed form in l, and whether it was
// read exactly (not only without its diacritics).
func (l *lexicon) isDone(t token) (ok, exact bool) {
	if !t.word() {
		return false, false
	}
	if l.done[t.lower] || l.contacts[t.lower] {
		return true, true
	}
	return l.folds[t.folded], false
}

func (l *lexicon) firstPerson(t token) bool {
	for _, e := range l.g.firstPerson {
		if strings.HasSuffix(t.lower, e) || strings.HasSuffix(t.folded, folded(e)) {
			return true
		}
	}
	return false
}

// thirdPerson reports whether the form says someone else did it.
func (l *lexicon) thirdPerson(t token) bool {
	for _, e := range l.g.thirdPerson {
		if strings.HasSuffix(t.lower, e) {
			return true
		}
	}
	return false
}

func (l *lexicon) isAlready(t token) bool { return t.word() && l.already[t.folded] }

func (l *lexicon) negates(t token) bool {
	return t.word() && (l.negations[t.lower] || l.negations[t.folded] || (l.g.lang == "en" && strings.HasSuffix(t.lower, "n't")) ||
		(l.g.lang == "fr" && (strings.HasPrefix(t.lower, "n'"))))
}

func (l *lexicon) breaksAt(t token) bool { return t.clauseEnd() || (t.word() && l.breaks[t.lower]) }

// verdict is what was decided for a completed form.
type verdict struct {
	accepted, cancelled bool
	// negated: cancelled by a negation or a plan before the form.
	negated    bool
	confidence float64
	evidence   string
}

// Find reads the steps tried in text, in the order they appear, each once
// (ignoring case), at most MaxSteps.
func Find(text string) []Step {
	toks := tokenize(text)
	var out []Step
	seen := map[string]bool{}
	consumed := map[int]bool{}
	// Verdicts once per word and language: a step joined to the one before
	// it asks that one's verdict, which keeps the cost linear.
	memo := make([]map[int]verdict, len(lexicons))
	for n := range memo {
		memo[n] = map[int]verdict{}
	}
	for i := range toks {
		if len(out) >= MaxSteps {
			break
		}
		if consumed[i] || !toks[i].word() {
			continue
		}
		// A language that knows the form and reads a negation or a plan
		// before it speaks for every language: "No he reiniciado nada" is
		// no Portuguese "object + participle".
		vetoed := false
		for n, l := range lexicons {
			if ok, exact := l.isDone(toks[i]); ok && l.judge(toks, i, exact, memo[n]).negated {
				vetoed = true
				break
			}
		}
		for n, l := range lexicons {
			if vetoed {
				break
			}
			ok, exact := l.isDone(toks[i])
			if !ok {
				continue
			}
			v := l.judge(toks, i, exact, memo[n])
			if !v.accepted {
				continue
			}
			start, end, last := l.extent(toks, i, consumed)
			if start < 0 {
				continue
			}
			for k := i + 1; k <= last; k++ {
				consumed[k] = true
			}
			value := cutAtWord(text[start:end], maxStep)
			key := strings.ToLower(value)
			if seen[key] {
				break
			}
			seen[key] = true
			out = append(out, Step{Value: value, Span: analysis.Span{Start: start, End: start + len(value)},
				Language: l.g.lang, Confidence: v.confidence, Evidence: v.evidence})
			break
		}
	}
	return out
}

// judge decides whether the completed form at i is a step the customer
// tried.
func (l *lexicon) judge(toks []token, i int, exact bool, memo map[int]verdict) verdict {
	if v, ok := memo[i]; ok {
		return v
	}
	v := l.judgeOnce(toks, i, exact, memo)
	memo[i] = v
	return v
}

func (l *lexicon) judgeOnce(toks []token, i int, exact bool, memo map[int]verdict) verdict {
	form := toks[i].lower
	// What follows: a question mark before the clause ends is a question;
	// some objects make it no step ("tried to call you").
	for k := i + 1; k < len(toks) && k <= i+reach; k++ {
		if toks[k].punct == '?' {
			return verdict{cancelled: true}
		}
		if l.breaksAt(toks[k]) {
			break
		}
	}
	for _, no := range l.notObjects {
		if matchAt(toks, i+1, no) {
			return verdict{cancelled: true}
		}
	}
	if ws, ok := l.g.needs[form]; ok && !l.hasNear(toks, i, ws) {
		return verdict{}
	}
	// What comes before, back to the clause's start (at most window
	// words): negations and plans since the previous step; the subject
	// nearest the verb.
	var subject, other, marker, aux bool
	prev, before := -1, 0
	subjectSincePrev := false
	for k := i - 1; k >= 0 && k >= i-window; k-- {
		t := toks[k]
		if t.punct == '¿' {
			return verdict{cancelled: true}
		}
		if prev < 0 && t.word() && l.negates(t) {
			// Before a clause break: "je n'ai rien redémarré".
			return verdict{cancelled: true, negated: true}
		}
		if l.breaksAt(t) {
			break
		}
		if ok, _ := l.isDone(t); ok && prev < 0 {
			prev = k
		}
		if prev < 0 && (l.negates(t) || l.plans[t.lower]) {
			return verdict{cancelled: true, negated: true}
		}
		if !subject && !other {
			switch {
			case l.subjects[t.lower] || l.subjects[t.folded]:
				subject = true
				subjectSincePrev = prev < 0
			case l.others[t.lower]:
				other = true
			}
		}
		if l.isAlready(t) {
			marker = true
		}
		if l.thirdAux[t.lower] {
			aux = true
		}
		if !l.isAlready(t) && !l.and[t.lower] {
			before++
		}
	}
	if other {
		return verdict{cancelled: true}
	}
	if l.contacts[form] || l.contacts[toks[i].folded] {
		// A contact is a step only when said to be done already.
		after := false
		for k := i + 1; k < len(toks) && k <= i+3 && !l.breaksAt(toks[k]); k++ {
			after = after || l.isAlready(toks[k])
		}
		if !marker && !after {
			return verdict{}
		}
	}
	if prev >= 0 {
		// Joined to a step before it in the same clause: it shares its
		// subject and its fate.
		if pv := l.judge(toks, prev, true, memo); pv.cancelled || !pv.accepted {
			// (Unless the step before was merely no step and this form
			// says "I" itself: "liguei no cabo e mudei o DNS".)
			if !subjectSincePrev && (pv.cancelled || !l.firstPerson(toks[i])) {
				return verdict{cancelled: true}
			}
		} else if !subjectSincePrev {
			return pv
		}
	}
	switch {
	case subject:
		return verdict{accepted: true, confidence: 0.9, evidence: l.g.lang + ": the customer (or someone at home) + completed form \"" + form + "\""}
	case l.firstPerson(toks[i]):
		return verdict{accepted: true, confidence: 0.9, evidence: l.g.lang + ": first-person past \"" + form + "\""}
	}
	for k := i + 1; k < len(toks) && k <= i+3 && !marker; k++ {
		if l.breaksAt(toks[k]) {
			break
		}
		marker = l.isAlready(toks[k])
	}
	if marker {
		return verdict{accepted: true, confidence: 0.8, evidence: l.g.lang + ": \"already\" + completed form \"" + form + "\""}
	}
	// No subject said: at the start of a clause ("cleared cache already"),
	// or in German and Dutch after a short object ("cache gelöscht").
	// (A German or Dutch participle ends its clause; one with words after
	// it is a verb in the present: "Stephano beendet seine Karriere".)
	ends := i+1 == len(toks) || l.breaksAt(toks[i+1]) || l.and[toks[i+1].lower]
	elided := (!l.noElided[form] || (i+1 < len(toks) && l.ownObjects[toks[i+1].lower] && !l.setup[form])) && !l.thirdPerson(toks[i])
	if exact && !aux && elided && (before == 0 || (l.g.verbFinal && before <= 3 && ends)) {
		return verdict{accepted: true, confidence: 0.7, evidence: l.g.lang + ": completed form \"" + form + "\" with the subject left out"}
	}
	// Telegraphic: "cache cleared, app reinstalled", "router riavviato".
	if exact && !aux && before >= 1 && before <= 3 && l.telegraphic(form) && (i+1 == len(toks) || l.breaksAt(toks[i+1])) {
		return verdict{accepted: true, confidence: 0.6, evidence: l.g.lang + ": object + participle \"" + form + "\", no subject"}
	}
	return verdict{}
}

// telegraphic reports whether form may end a clause after its object with
// no subject.
func (l *lexicon) telegraphic(form string) bool {
	if slices.Contains(l.g.telegraphic, form) {
		return true
	}
	for _, e := range l.g.participles {
		if strings.HasSuffix(form, e) {
			return true
		}
	}
	return false
}

// hasNear reports whether one of ws is among the few words after i (in
// German and Dutch, before it too).
func (l *lexicon) hasNear(toks []token, i int, ws []string) bool {
	from, to := i+1, i+4
	if l.g.verbFinal {
		from = i - 5
	}
	for k := max(from, 0); k < len(toks) && k <= to; k++ {
		if k != i && toks[k].word() && slices.Contains(ws, toks[k].lower) {
			return true
		}
	}
	return false
}

// matchAt reports whether the words from i are ws.
func matchAt(toks []token, i int, ws []string) bool {
	for j, w := range ws {
		if i+j >= len(toks) || !toks[i+j].word() || toks[i+j].lower != w {
			return false
		}
	}
	return true
}

// extent is where the step of the completed form at i runs, and the last
// token it takes (a light step joined to it is taken with it).
func (l *lexicon) extent(toks []token, i int, consumed map[int]bool) (start, end, last int) {
	start, end, last = toks[i].start, toks[i].end, i
	if l.g.verbFinal {
		// The object is before the participle: from after the subject,
		// auxiliary, "and" or clause start, leading "already" skipped.
		k := i - 1
		for ; k >= 0 && k >= i-window; k-- {
			t := toks[k]
			if l.breaksAt(t) || l.subjects[t.lower] || l.thirdAux[t.lower] || l.and[t.lower] {
				break
			}
			if ok, _ := l.isDone(t); ok {
				break
			}
		}
		first := k + 1
		for first < i && l.isAlready(toks[first]) {
			first++
		}
		if first < i {
			start = toks[first].start
			// A next participle with only light words before it joins:
			// "den Stecker gezogen und wieder eingesteckt".
			if j, ok := l.lightNext(toks, i); ok {
				end, last = toks[j].end, j
			}
			return start, end, last
		}
	}
	// An object pronoun before the verb (or before its auxiliary) starts
	// the step: "lo desenchufé", "la he dejado enfriar".
	if k := i - 1; k >= 0 && (l.clitics[toks[k].lower] || k > 0 && l.subjects[toks[k].lower] && l.clitics[toks[k-1].lower]) {
		if !l.clitics[toks[k].lower] {
			k--
		}
		start = toks[k].start
	} else if elidedObject(toks, i) {
		start = toks[i-1].start // "je l'ai dissociée", "l'ho spenta"
	}
	// The object follows the verb: to the end of the clause, or to "and"
	// before the next step or a new clause.
	words := 1
	for k := i + 1; k < len(toks) && k <= i+reach; k++ {
		t := toks[k]
		if l.breaksAt(t) || l.negates(t) {
			break
		}
		if l.and[t.lower] {
			if j, m, ok := l.lightAfter(toks, k); ok {
				// "unplugged it and plugged it back in": the second half
				// has no object of its own.
				end, last = toks[m].end, m
				_ = j
				break
			}
			if l.stepAfter(toks, k) {
				if words == 1 {
					// "spento e riacceso due volte", "unplugged and
					// replugged the cable": one object for both.
					continue
				}
				break
			}
			// A step with its object ends at "and": what follows is most
			// often a new clause ("llamé al banco y dicen que...").
			if l.g.stopAtAnd || (words >= 3 && l.restLen(toks, k) > 2) || k+1 >= len(toks) || !toks[k+1].word() {
				break
			}
			n := toks[k+1]
			if l.subjects[n.lower] || l.others[n.lower] || l.negates(n) || l.determiners[n.lower] || l.breaks[n.lower] || l.isAlready(n) {
				break
			}
		}
		if l.isAlready(t) {
			// "cleared cache already": the marker is not part of the step.
			continue
		}
		end, last = t.end, k
		words++
	}
	if words < 2 {
		// Nothing after the verb: the object is before it, with no
		// subject ("Cache cleared", "router riavviato").
		k := i - 1
		for k >= 0 && k >= i-3 && !l.breaksAt(toks[k]) {
			k--
		}
		if k+1 < i && (k < 0 || l.breaksAt(toks[k])) {
			for m := k + 1; m < i; m++ {
				t := toks[m]
				if !l.subjects[t.lower] && !l.thirdAux[t.lower] && !l.isAlready(t) && !l.and[t.lower] {
					return toks[m].start, toks[i].end, i
				}
			}
		}
		if elidedObject(toks, i) {
			return toks[i-1].start, toks[i].end, i
		}
		return -1, -1, i
	}
	return start, end, last
}

// elidedObject reports whether the object of the form at i is a pronoun
// elided onto its auxiliary just before it: "l'ho spento" (it), "je l'ai
// rebranché" (fr).
func elidedObject(toks []token, i int) bool {
	return i > 0 && strings.HasPrefix(toks[i-1].lower, "l'") && len(toks[i-1].lower) > 2
}

// restLen counts the words after k to the end of its clause (at most
// reach).
func (l *lexicon) restLen(toks []token, k int) int {
	n := 0
	for j := k + 1; j < len(toks) && j <= k+reach && !l.breaksAt(toks[j]); j++ {
		n++
	}
	return n
}

// stepAfter reports whether a completed form follows "and" at k within
// two words (an auxiliary or "already" between).
func (l *lexicon) stepAfter(toks []token, k int) bool {
	for j := k + 1; j < len(toks) && j <= k+3; j++ {
		if ok, _ := l.isDone(toks[j]); ok {
			return true
		}
		if !toks[j].word() {
			return false
		}
	}
	return false
}

// lightAfter finds, after "and" at k, a completed form whose object is
// only light words: it returns the form and the last word of the object.
func (l *lexicon) lightAfter(toks []token, k int) (j, m int, ok bool) {
	j = k + 1
	if j >= len(toks) {
		return 0, 0, false
	}
	if done, _ := l.isDone(toks[j]); !done {
		return 0, 0, false
	}
	m = j
	for n := j + 1; n < len(toks) && n <= j+reach; n++ {
		t := toks[n]
		if l.breaksAt(t) || l.and[t.lower] {
			break
		}
		if !l.light[t.lower] {
			return 0, 0, false
		}
		m = n
	}
	return j, m, true
}

// lightNext finds, after the step ending at i, "and" and a completed form
// with only light words between: a second half of the same step ("unplugged
// it and plugged it back in").
func (l *lexicon) lightNext(toks []token, i int) (int, bool) {
	j := i + 1
	for j < len(toks) && j <= i+reach && toks[j].word() && !l.and[toks[j].lower] {
		if !l.light[toks[j].lower] {
			return 0, false
		}
		j++
	}
	if j >= len(toks) || !toks[j].word() || !l.and[toks[j].lower] {
		return 0, false
	}
	for k := j + 1; k < len(toks) && k <= j+4; k++ {
		t := toks[k]
		if ok, _ := l.isDone(t); ok {
			return k, true
		}
		if !t.word() || !l.light[t.lower] {
			return 0, false
		}
	}
	return 0, false
}

// cutAtWord cuts s to at most n characters, at the last space before.
func cutAtWord(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := string([]rune(s)[:n])
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return cut
}
