package identifiers

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// correctionMarkers say the value after them replaces one given before, in
// the eight supported languages (lower case).
var correctionMarkers = []string{
	"sorry", "i meant", "i mean", "correction", "typo", "actually", "my mistake", "my bad", "should be", "should read", "wrong", "incorrect",
	"the right one", "the correct one", "correct one is", "correct number", "oops", "scratch that", "rather", "instead", "not that", "ignore", // en
	"korrektur", "ich meinte", "vertippt", "berichtigung", "richtig ist", "richtige", "korrekte", "falsch", "entschuldigung", "sorry",
	"verschrieben", "stattdessen", "nicht die", "sondern", "ignorieren", // de
	"perdón", "perdon", "corrijo", "corrección", "me equivoqué", "quise decir", "quería decir", "disculpa", "equivocad", "incorrect",
	"la correcta", "el correcto", "mejor dicho", "en realidad", "sino", "ignor", // es
	"pardon", "rectification", "correction", "faute de frappe", "je voulais dire", "je me suis trompé", "erreur", "erroné", "incorrect",
	"le bon", "la bonne", "plutôt", "en fait", "au lieu", "ignorez", // fr
	"desculpe", "desculpa", "correção", "correcção", "enganei-me", "enganei me", "queria dizer", "aliás", "engano", "errad", "incorret",
	"o correto", "a correta", "o certo", "ou melhor", "na verdade", "em vez", "ignor", // pt
	"scusi", "scusa", "correzione", "ho sbagliato", "volevo dire", "errore", "errat", "sbagliat", "quello giusto", "quella giusta",
	"il corretto", "la corretta", "anzi", "o meglio", "invece", "ignorate", // it
	"correctie", "typfout", "ik bedoel", "bedoelde", "verkeerd", "fout", "onjuist", "de juiste", "het juiste", "eigenlijk", "in plaats", "negeer", // nl
	"przepraszam", "poprawka", "literówka", "pomyłka", "miało być", "ma być", "chodziło mi", "pomyliłem", "pomyliłam", "błędn", "zły", "zła",
	"prawidłow", "poprawn", "właściwie", "a raczej", "zamiast", "zignoruj", // pl
}

// introWords may stand between a marker and the new value: "sorry, it's",
// "perdón, es".
var introWords = []string{"it's", "it is", "its", "the right one is", "es", "c'est", "é", "è", "is", "ist", "het is", "to", "moet", "natürlich", "natuurlijk", "lautet", "son", "sont", "são", "sono", "jest", "zijn"}

// markerReach is how far before a value (bytes) a marker says it corrects
// a value of an earlier message.
const markerReach = 80

// Corrections reads corrections: a marker between two values of one kind
// in the text marks the first superseded ("K-55810, sorry, K-55801"); a
// marker then a bare value after a labelled one gives the bare value the
// label's kind ("account no. 55102398, I meant 55102389"); a marker before
// a value with no earlier value of its kind in the text says it replaces
// the one given earlier in the conversation (KindCorrection).
type Corrections struct{}

// Name implements analysis.Analyzer.
func (Corrections) Name() string { return "corrections" }

// Analyze implements analysis.Analyzer.
func (c Corrections) Analyze(d *analysis.Doc) {
	lower := strings.ToLower(d.Text)
	if !containsAny(lower, correctionMarkers) {
		return
	}
	c.bareValues(d, lower)
	ids := func() []int {
		var out []int
		for i, an := range d.Annotations {
			if an.Kind == Kind {
				out = append(out, i)
			}
		}
		slices.SortFunc(out, func(a, b int) int { return d.Annotations[a].Span.Start - d.Annotations[b].Span.Start })
		return out
	}()
	for n, i := range ids {
		an := d.Annotations[i]
		earlier := -1
		for _, j := range ids[:n] {
			if d.Annotations[j].Key == an.Key && !d.Annotations[j].Superseded {
				earlier = j
			}
		}
		if earlier >= 0 {
			if containsAny(lower[d.Annotations[earlier].Span.End:an.Span.Start], correctionMarkers) {
				d.Annotations[earlier].Superseded = true
			}
			continue
		}
		// A correction of an earlier message: a marker shortly before.
		if containsAny(lower[max(0, an.Span.Start-markerReach):an.Span.Start], correctionMarkers) {
			d.Add(c, analysis.Annotation{Kind: KindCorrection, Key: an.Key, Value: an.Value, Span: an.Span, Confidence: 0.9,
				Evidence: "a correction marker before it: it replaces the " + an.Key + " given before"})
		}
	}
}

// bareValues reads a value with no label after a labelled identifier and a
// marker: it is of the labelled one's kind.
func (c Corrections) bareValues(d *analysis.Doc, lower string) {
	for _, an := range slices.Clone(d.Annotations) {
		if an.Kind != Kind || an.Analyzer != (Labels{}).Name() {
			continue
		}
		p := an.Span.End
		for p < len(lower) {
			r, size := utf8.DecodeRuneInString(lower[p:])
			if !strings.ContainsRune(" ,;.:-–—()", r) {
				break
			}
			p += size
		}
		marker := ""
		for _, m := range correctionMarkers {
			if strings.HasPrefix(lower[p:], m) && len(m) > len(marker) {
				marker = m
			}
		}
		if marker == "" {
			continue
		}
		p += len(marker)
		for {
			for p < len(lower) && strings.ContainsRune(" ,:", rune(lower[p])) {
				p++
			}
			i := slices.IndexFunc(introWords, func(w string) bool { return strings.HasPrefix(lower[p:], w) && !letterAt(lower, p+len(w)) })
			if i < 0 {
				break
			}
			p += len(introWords[i])
		}
		if v, start, end, ok := readValue(d.Text, p, an.Key); ok {
			add(d, c, an.Key, v, start, end, "after a correction of a "+an.Key)
		}
	}
}
