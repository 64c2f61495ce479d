// Package sentiment scores the feeling of a customer's text in its own
// language: one Scorer per language, chosen by the language the text was
// detected in (package language). English is scored with VADER
// (github.com/jonreiter/govader); German, Spanish, French, Italian,
// Portuguese, Dutch and Polish with the sentiment lexicons that nlp.js
// ships (MIT; see NOTICE and lexicons/README.md), read the way their
// authors read them: words stemmed with the Snowball stemmer of the
// language and stripped of accents, a negation word turning the polarity of
// what follows it, summed. Emoji are scored in every language from one
// table. A model-backed scorer (a sidecar service) replaces a lexicon by
// registering itself for a language in place of it: nothing else changes.
//
// It knows nothing of gRPC, storage or the clock.
package sentiment

import (
	"math"
	"sync"
)

// Score is a scorer's reading of one text.
type Score struct {
	// Value is from -1 (most negative) to 1 (most positive).
	Value float64
	// Hits is how many words or emoji of the text the scorer knew (for a
	// lexicon); 0 with Value 0 is a text it read no feeling in.
	Hits int
	// Resource names what scored it ("vader", "nlp.js senticon de").
	Resource string
}

// Scorer scores text of one language. Implementations are safe for
// concurrent use.
type Scorer interface {
	Score(text string) Score
}

var (
	mu      sync.RWMutex
	scorers = map[string]func() Scorer{}
	built   = map[string]Scorer{}
)

// Register makes new the scorer of a language (ISO 639-1), replacing the
// one there was; it is built on first use.
func Register(lang string, new func() Scorer) {
	mu.Lock()
	defer mu.Unlock()
	scorers[lang] = new
	delete(built, lang)
}

// For returns the scorer of a language, or nil when there is none: text in
// that language is not scored.
func For(lang string) Scorer {
	mu.RLock()
	s, ok := built[lang]
	mu.RUnlock()
	if ok {
		return s
	}
	mu.Lock()
	defer mu.Unlock()
	if s, ok := built[lang]; ok {
		return s
	}
	new := scorers[lang]
	if new == nil {
		return nil
	}
	s = new()
	built[lang] = s
	return s
}

// Languages are the languages with a scorer.
func Languages() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(scorers))
	for l := range scorers {
		out = append(out, l)
	}
	return out
}

// normalize maps a sum of polarities to -1..1 the way VADER does
// (x / sqrt(x² + alpha)), so that one strong word is about ±0.5 and
// several approach ±1.
func normalize(sum, alpha float64) float64 {
	if sum == 0 {
		return 0
	}
	return sum / math.Sqrt(sum*sum+alpha)
}

// Threshold is where a score becomes a label: at or above it positive, at
// or below its negative negative, neutral between (VADER's authors'
// recommendation, kept for every language).
const Threshold = 0.05

// Label is the label of a score: "negative", "neutral" or "positive".
func Label(v float64) string {
	switch {
	case v >= Threshold:
		return "positive"
	case v <= -Threshold:
		return "negative"
	}
	return "neutral"
}
