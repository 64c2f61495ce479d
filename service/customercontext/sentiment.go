package customercontext

import (
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext/language"
	"github.com/rapporthq/rapport/service/customercontext/sentiment"
)

// Label thresholds of a score, VADER's authors' recommendation, kept for
// every language (sentiment.Threshold).
const (
	positiveThreshold = sentiment.Threshold
	negativeThreshold = -sentiment.Threshold
)

// SentimentModel scores text in its own language: package language tells
// the language, package sentiment holds a Scorer per language (VADER for
// English, a lexicon for German, Spanish, French, Italian, Portuguese,
// Dutch and Polish). Scorers only read their tables after construction, so
// one model is shared by all calls.
type SentimentModel struct{}

// NewSentimentModel loads the language detector's models (once per
// process: see language.Load) and returns the model.
func NewSentimentModel() *SentimentModel {
	language.Load()
	return &SentimentModel{}
}

// Compute returns the sentiment of text in its language, with prior (the
// customer's preferred language, BCP 47, or "") settling an ambiguous
// text: computed, with the scorer named, when the language has a scorer;
// otherwise not computed, with the language ("und" when it cannot be
// told, "ar" or "hi" for languages with no scorer). Text is never given
// another language's score.
func (m *SentimentModel) Compute(text, prior string) *rapportv1.Sentiment {
	lang := language.Detect(text, prior)
	sc := sentiment.For(lang.Code)
	if sc == nil {
		return &rapportv1.Sentiment{Source: rapportv1.SentimentSource_SENTIMENT_SOURCE_NOT_COMPUTED, Language: lang.Code, Mixed: lang.Mixed}
	}
	s := sc.Score(text)
	score := roundScore(s.Value)
	return &rapportv1.Sentiment{Score: score, Label: SentimentLabel(score), Source: rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED,
		Language: lang.Code, Mixed: lang.Mixed, Scorer: s.Resource}
}

// scored reports whether s is a sentiment with a score (given or
// computed): those not computed count in no trend and call for no apology.
func scored(s *rapportv1.Sentiment) bool {
	return s != nil && s.GetSource() != rapportv1.SentimentSource_SENTIMENT_SOURCE_NOT_COMPUTED
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
