package customercontext

import (
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

func TestSentiment(t *testing.T) {
	m := NewSentimentModel()
	for _, tc := range []struct {
		text string
		want rapportv1.SentimentLabel
	}{
		{"Thank you, this is wonderful, great help!", rapportv1.SentimentLabel_SENTIMENT_LABEL_POSITIVE},
		{"This is terrible and I am furious.", rapportv1.SentimentLabel_SENTIMENT_LABEL_NEGATIVE},
		{"The parcel left the depot on Tuesday.", rapportv1.SentimentLabel_SENTIMENT_LABEL_NEUTRAL},
	} {
		s := m.Compute(tc.text)
		if s.GetLabel() != tc.want || s.GetSource() != rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED || s.GetLabel() != SentimentLabel(s.GetScore()) {
			t.Errorf("%q: %v, want %v", tc.text, s, tc.want)
		}
	}
	for score, want := range map[float64]rapportv1.SentimentLabel{
		0.05: rapportv1.SentimentLabel_SENTIMENT_LABEL_POSITIVE, 0.049: rapportv1.SentimentLabel_SENTIMENT_LABEL_NEUTRAL,
		-0.05: rapportv1.SentimentLabel_SENTIMENT_LABEL_NEGATIVE, -0.049: rapportv1.SentimentLabel_SENTIMENT_LABEL_NEUTRAL,
	} {
		if got := SentimentLabel(score); got != want {
			t.Errorf("SentimentLabel(%v) = %v, want %v", score, got, want)
		}
	}
}
