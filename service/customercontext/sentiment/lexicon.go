package sentiment

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/spanish"
	"golang.org/x/text/unicode/norm"
)

//go:embed lexicons/*.json
var lexiconFiles embed.FS

// Language is how one language's lexicon is read: the table below is the
// whole of it, for a support team to read and change.
type Language struct {
	// File is the lexicon in lexicons/: a JSON object of word (or stem)
	// to polarity.
	File string
	// Resource names it, for the evidence of a score.
	Resource string
	// Scale is the largest polarity of the file (1 for SentiCon and
	// Pattern, 5 for AFINN): polarities are divided by it.
	Scale float64
	// Stem is the Snowball stemmer the lexicon's words were stemmed with
	// (nil: the words are as written).
	Stem func(*snowballstem.Env) bool
	// Stopwords is the file of the language's function words in lexicons/
	// (nlp.js's list; "" where it has none: German, Polish): they are never
	// looked up, as the stems of some collide with opinion words
	// ("sono" is not "suono").
	Stopwords string
	// Negations turn the polarity of the (up to negationReach) words after
	// them in their clause: nlp.js's list for the language, with the words it lacks
	// for French, Italian and Polish (its lists there are empty).
	Negations []string
	// Buts ("aber", "pero") shift the weight to what follows, as VADER's
	// rule does for English "but": words before count half, after half as
	// much again.
	Buts []string
	// Support are words of support conversations the general lexicons
	// lack, with their polarity (-1 to 1), looked up before the lexicon:
	// "works" is good news there, so "no funciona" is bad news.
	Support map[string]float64
	// Intensifiers make the next word's polarity half as strong again
	// ("sehr gut", "muy malo"), as VADER does for English.
	Intensifiers []string
}

// Languages' lexicons (nlp.js 4.26.1, MIT: see NOTICE).
var lexicons = map[string]Language{
	"de": {File: "de.json", Resource: "nlp.js SentiCon de", Scale: 1, Stem: german.Stem,
		Negations:    []string{"nicht", "garnicht", "kein", "keine", "keines", "keinem", "keinen", "keiner", "keinesfalls", "keineswegs", "nie", "niemals", "nichts"},
		Buts:         []string{"aber", "sondern", "doch"},
		Support:      map[string]float64{"funktioniert": 0.5, "geht": 0.3, "klappt": 0.5, "gelöst": 0.5, "behoben": 0.5, "geholfen": 0.5},
		Intensifiers: []string{"sehr", "total", "extrem", "echt", "wirklich", "so", "voll", "richtig", "absolut", "äußerst", "super"}},
	"es": {File: "es.json", Resource: "nlp.js AFINN es", Scale: 5, Stem: spanish.Stem,
		Stopwords:    "stopwords-es.json",
		Negations:    []string{"no", "nunca", "jamás", "ni", "nada", "tampoco", "ningún", "ninguna", "ninguno"},
		Buts:         []string{"pero", "sino"},
		Support:      map[string]float64{"funciona": 0.5, "funcionan": 0.5, "anda": 0.3, "solucionado": 0.5, "resuelto": 0.5, "arreglado": 0.5, "ayudado": 0.5},
		Intensifiers: []string{"muy", "tan", "super", "súper", "demasiado", "totalmente", "realmente", "bastante", "sumamente"}},
	"fr": {File: "fr.json", Resource: "nlp.js Pattern fr", Scale: 1, Stem: french.Stem,
		Stopwords:    "stopwords-fr.json",
		Negations:    []string{"ne", "pas", "jamais", "rien", "aucun", "aucune", "ni", "n"},
		Buts:         []string{"mais"},
		Support:      map[string]float64{"fonctionne": 0.5, "marche": 0.3, "résolu": 0.5, "réglé": 0.5, "aidé": 0.5},
		Intensifiers: []string{"très", "trop", "vraiment", "tellement", "super", "extrêmement", "totalement", "si"}},
	"it": {File: "it.json", Resource: "nlp.js Pattern it", Scale: 1, Stem: italian.Stem,
		Stopwords:    "stopwords-it.json",
		Negations:    []string{"non", "mai", "niente", "nulla", "nessuno", "nessuna", "né"},
		Buts:         []string{"ma", "però"},
		Support:      map[string]float64{"funziona": 0.5, "va": 0.2, "risolto": 0.5, "aiutato": 0.5},
		Intensifiers: []string{"molto", "troppo", "davvero", "proprio", "tanto", "super", "veramente", "estremamente"}},
	"pt": {File: "pt.json", Resource: "nlp.js AFINN pt", Scale: 5, Stem: portuguese.Stem,
		Stopwords:    "stopwords-pt.json",
		Negations:    []string{"não", "nunca", "jamais", "nem", "tampouco", "nenhum", "nenhuma", "nada"},
		Buts:         []string{"mas", "porém"},
		Support:      map[string]float64{"funciona": 0.5, "funcionando": 0.5, "resolvido": 0.5, "resolveu": 0.5, "ajudou": 0.5},
		Intensifiers: []string{"muito", "muita", "tão", "super", "demais", "bastante", "realmente", "totalmente"}},
	"nl": {File: "nl.json", Resource: "nlp.js Pattern nl", Scale: 1, Stem: dutch.Stem,
		Stopwords:    "stopwords-nl.json",
		Negations:    []string{"niet", "nooit", "niemand", "niets", "nee", "neen", "geen"},
		Buts:         []string{"maar"},
		Support:      map[string]float64{"werkt": 0.5, "opgelost": 0.5, "geholpen": 0.5},
		Intensifiers: []string{"heel", "erg", "zeer", "super", "echt", "totaal", "enorm", "ontzettend"}},
	"pl": {File: "pl.json", Resource: "nlp.js AFINN pl", Scale: 5,
		Negations:    []string{"nie", "nigdy", "żaden", "żadna", "żadne", "ani", "nic"},
		Buts:         []string{"ale", "lecz"},
		Support:      map[string]float64{"działa": 0.5, "rozwiązany": 0.5, "rozwiązane": 0.5, "pomogło": 0.5, "naprawione": 0.5},
		Intensifiers: []string{"bardzo", "super", "naprawdę", "strasznie", "totalnie", "niesamowicie"}},
}

// emojiFile scores emoji in every language: the emoji of nlp.js's Polish
// AFINN file (polarity -5 to 5), which carry no language.
const emojiFile = "emoji.json"

// negationReach is how many words after a negation it turns, within its
// clause: VADER's three ("not at all good").
const negationReach = 3

// alpha is VADER's normalisation constant, on polarities scaled to -1..1
// (VADER's own are -4..4 with alpha 15): one strong word reads about
// ±0.7, two about ±0.9.
const alpha = 1.0

func init() {
	for lang, l := range lexicons {
		Register(lang, func() Scorer { return mustLexicon(l) })
	}
}

// lexiconScorer is a Scorer over one Language.
type lexiconScorer struct {
	Language
	words        map[string]float64
	emoji        map[string]float64
	negations    map[string]bool
	intensifiers map[string]bool
	buts         map[string]bool
	stopwords    map[string]bool
}

// mustLexicon reads a Language's files; they are part of the binary, so an
// error is a build mistake.
func mustLexicon(l Language) *lexiconScorer {
	s := &lexiconScorer{Language: l, words: map[string]float64{}, emoji: map[string]float64{},
		negations: set(l.Negations), intensifiers: set(l.Intensifiers), buts: set(l.Buts)}
	for _, f := range []struct {
		name  string
		scale float64
		into  map[string]float64
	}{{l.File, l.Scale, s.words}, {emojiFile, 5, s.emoji}} {
		b, err := lexiconFiles.ReadFile("lexicons/" + f.name)
		if err != nil {
			panic(fmt.Sprintf("sentiment: %v", err))
		}
		var m map[string]float64
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("sentiment: lexicons/%s: %v", f.name, err))
		}
		for k, v := range m {
			f.into[k] = v / f.scale
		}
	}
	if l.Stopwords != "" {
		b, err := lexiconFiles.ReadFile("lexicons/" + l.Stopwords)
		if err != nil {
			panic(fmt.Sprintf("sentiment: %v", err))
		}
		var words []string
		if err := json.Unmarshal(b, &words); err != nil {
			panic(fmt.Sprintf("sentiment: lexicons/%s: %v", l.Stopwords, err))
		}
		s.stopwords = set(words)
	}
	return s
}

// Score implements Scorer.
func (s *lexiconScorer) Score(text string) Score {
	before, after, hits := 0.0, 0.0, 0
	sum, butSeen := &before, false
	negated, boost := 0, 1.0 // negated: words left in a negation's reach
	for _, t := range tokens(text) {
		switch {
		case t.clauseEnd:
			negated, boost = 0, 1
			continue
		case t.emoji:
			if v, ok := s.emoji[t.text]; ok {
				*sum += v
				hits++
			}
			continue
		}
		w := strings.ToLower(t.text)
		if s.negations[w] {
			negated = negationReach
			continue
		}
		if s.buts[w] && !butSeen {
			sum, butSeen = &after, true
			continue
		}
		if s.intensifiers[w] {
			boost = 1.5
			continue
		}
		reached := negated > 0
		if negated > 0 {
			negated--
		}
		if s.stopwords[w] {
			continue
		}
		v, ok := s.lookup(w)
		if !ok {
			continue
		}
		if reached {
			v = -v
		}
		*sum += v * boost
		boost = 1
		hits++
	}
	total := before
	if butSeen {
		total = before*0.5 + after*1.5
	}
	return Score{Value: normalize(total, alpha), Hits: hits, Resource: s.Resource}
}

// lookup finds a word in the lexicon as written, without accents, and as
// its Snowball stem without accents (how nlp.js built the stemmed ones).
func (s *lexiconScorer) lookup(w string) (float64, bool) {
	if v, ok := s.Support[w]; ok {
		return v, true
	}
	if v, ok := s.words[w]; ok {
		return v, true
	}
	plain := stripAccents(w)
	if v, ok := s.words[plain]; ok {
		return v, true
	}
	if s.Stem == nil {
		return 0, false
	}
	env := snowballstem.NewEnv(w)
	s.Stem(env)
	v, ok := s.words[stripAccents(env.Current())]
	return v, ok
}

// token is a word, an emoji or the end of a clause.
type token struct {
	text             string
	emoji, clauseEnd bool
}

// tokens splits text into words (letters and apostrophes inside them),
// emoji (one symbol each) and clause ends (. , ; : ! ? and line breaks).
func tokens(text string) []token {
	var out []token
	start := -1
	flush := func(end int) {
		if start >= 0 {
			out = append(out, token{text: strings.Trim(text[start:end], "'’")})
			start = -1
		}
	}
	for i, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsMark(r) || ((r == '\'' || r == '’') && start >= 0):
			if start < 0 {
				start = i
			}
		case unicode.Is(unicode.So, r):
			flush(i)
			out = append(out, token{text: string(r), emoji: true})
		case strings.ContainsRune(".,;:!?\n", r):
			flush(i)
			out = append(out, token{clauseEnd: true})
		default:
			flush(i)
		}
	}
	flush(len(text))
	return out
}

// stripAccents removes combining marks: "não" → "nao".
func stripAccents(s string) string {
	d := norm.NFD.String(s)
	b := make([]rune, 0, len(d))
	for _, r := range d {
		if !unicode.Is(unicode.Mn, r) {
			b = append(b, r)
		}
	}
	return norm.NFC.String(string(b))
}

// set is a set of words, lower case.
func set(words []string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[strings.ToLower(w)] = true
	}
	return m
}
