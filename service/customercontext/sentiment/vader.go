package sentiment

import "github.com/jonreiter/govader"

func init() {
	Register("en", func() Scorer { return vaderScorer{govader.NewSentimentIntensityAnalyzer()} })
}

// vaderScorer scores English with VADER's compound score (Hutto and
// Gilbert, 2014; the reference implementation's rules: negation,
// intensifiers, capitals, "but", emoji).
type vaderScorer struct {
	v *govader.SentimentIntensityAnalyzer
}

// Score implements Scorer. VADER does not count its hits; Hits is 1 when
// the score is not 0.
func (s vaderScorer) Score(text string) Score {
	c := s.v.PolarityScores(text).Compound
	hits := 0
	if c != 0 {
		hits = 1
	}
	return Score{Value: c, Hits: hits, Resource: "vader"}
}
