package customercontext

import (
	"github.com/jonreiter/govader"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// Label thresholds of VADER's compound score, as its authors recommend.
const (
	positiveThreshold = 0.05
	negativeThreshold = -0.05
)

// SentimentModel computes sentiment with VADER
// (github.com/jonreiter/govader, a port of the reference implementation),
// a lexicon and rule model for short, informal English text. The analyzer
// only reads its tables after construction, so one is shared by all calls.
type SentimentModel struct {
	vader *govader.SentimentIntensityAnalyzer
}

// NewSentimentModel loads the model.
func NewSentimentModel() *SentimentModel {
	return &SentimentModel{vader: govader.NewSentimentIntensityAnalyzer()}
}

// Compute returns the sentiment of text, marked computed.
func (m *SentimentModel) Compute(text string) *rapportv1.Sentiment {
	score := m.vader.PolarityScores(text).Compound
	score = roundScore(score)
	return &rapportv1.Sentiment{Score: score, Label: SentimentLabel(score), Source: rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED}
}

// SentimentLabel is the label of a score from -1 to 1.
func SentimentLabel(score float64) rapportv1.SentimentLabel {
	switch {
	case score >= positiveThreshold:
		return rapportv1.SentimentLabel_SENTIMENT_LABEL_POSITIVE
	case score <= negativeThreshold:
		return rapportv1.SentimentLabel_SENTIMENT_LABEL_NEGATIVE
	}
	return rapportv1.SentimentLabel_SENTIMENT_LABEL_NEUTRAL
}
