package service

import (
	"github.com/jonreiter/govader"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// Label thresholds of VADER's compound score, as its authors recommend.
const (
	positiveThreshold = 0.05
	negativeThreshold = -0.05
)

// sentimentModel computes sentiment with VADER
// (github.com/jonreiter/govader, a port of the reference implementation),
// a lexicon and rule model for short, informal English text. The analyzer
// only reads its tables after construction, so one is shared by all calls.
type sentimentModel struct {
	vader *govader.SentimentIntensityAnalyzer
}

func newSentimentModel() *sentimentModel {
	return &sentimentModel{vader: govader.NewSentimentIntensityAnalyzer()}
}

// compute returns the sentiment of text, marked computed.
func (m *sentimentModel) compute(text string) *rapportv1.Sentiment {
	score := m.vader.PolarityScores(text).Compound
	score = roundScore(score)
	return &rapportv1.Sentiment{Score: score, Label: labelOf(score), Source: rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED}
}

func labelOf(score float64) rapportv1.SentimentLabel {
	switch {
	case score >= positiveThreshold:
		return rapportv1.SentimentLabel_SENTIMENT_LABEL_POSITIVE
	case score <= negativeThreshold:
		return rapportv1.SentimentLabel_SENTIMENT_LABEL_NEGATIVE
	}
	return rapportv1.SentimentLabel_SENTIMENT_LABEL_NEUTRAL
}
