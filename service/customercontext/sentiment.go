package customercontext

import (
	"unicode"

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

// Compute returns the sentiment of text, in its language: English text
// is scored and marked computed, and so is text of too few words to tell
// its language if all its letters are ASCII ("Awesome!!"); other text is
// marked not computed, with its language if known, because no model for it
// is at hand: an English lexicon on German or French text scores the wrong
// words ("tout", "sin") or none.
func (m *SentimentModel) Compute(text string) *rapportv1.Sentiment {
	lang := DetectLanguage(text, "")
	if lang != English && (lang != "" || !asciiLetters(text)) {
		return &rapportv1.Sentiment{Source: rapportv1.SentimentSource_SENTIMENT_SOURCE_NOT_COMPUTED, Language: lang}
	}
	score := m.vader.PolarityScores(text).Compound
	score = roundScore(score)
	return &rapportv1.Sentiment{Score: score, Label: SentimentLabel(score), Source: rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED, Language: lang}
}

// asciiLetters reports whether every letter of s is an ASCII one.
func asciiLetters(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			return false
		}
	}
	return true
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
