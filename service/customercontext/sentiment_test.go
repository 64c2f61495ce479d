package customercontext

import (
	"fmt"
	"os"
	"strings"
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
		s := m.Compute(tc.text, "")
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

// TestLabelledSentimentByLanguage measures, on testdata/sentiment.txt,
// the language detection and the sentiment per language, and fails if
// detection falls below 0.9, English accuracy below 0.7, or if any text
// that is not English gets the English score (a text taken for another
// language is scored with that language's lexicon, and logged). This set was written
// by the team; the figures that count are on public text (packages
// language and sentiment, realdata_test.go). `go test -run
// LabelledSentiment -v` prints the figures in BENCHMARKS.md.
func TestLabelledSentimentByLanguage(t *testing.T) {
	data, err := os.ReadFile("testdata/sentiment.txt")
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]rapportv1.SentimentLabel{
		"neg": rapportv1.SentimentLabel_SENTIMENT_LABEL_NEGATIVE, "neu": rapportv1.SentimentLabel_SENTIMENT_LABEL_NEUTRAL, "pos": rapportv1.SentimentLabel_SENTIMENT_LABEL_POSITIVE,
	}
	type tally struct{ texts, detected, scored, correct int }
	by := map[string]*tally{}
	m := NewSentimentModel()
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, " | ", 3)
		if len(parts) != 3 {
			t.Fatalf("bad line %q", line)
		}
		lang, label, text := parts[0], labels[parts[1]], parts[2]
		if by[lang] == nil {
			by[lang] = &tally{}
		}
		tl := by[lang]
		tl.texts++
		s := m.Compute(text, "")
		if s.GetLanguage() == lang {
			tl.detected++
		} else {
			t.Logf("%s text detected as %q: %s", lang, s.GetLanguage(), text)
		}
		if s.GetSource() == rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED {
			tl.scored++
			if s.GetLabel() == label {
				tl.correct++
			} else if lang == "en" {
				t.Logf("en %s scored %v (%.2f): %s", parts[1], s.GetLabel(), s.GetScore(), text)
			}
		}
		if s.GetSource() == rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED && s.GetLanguage() == "en" && lang != "en" {
			t.Errorf("%s text scored as English: %v: %s", lang, s, text)
		}
	}
	for _, lang := range []string{"en", "de", "es", "fr", "pt"} {
		tl := by[lang]
		if tl == nil || tl.texts < 50 {
			t.Fatalf("%s: fewer than 50 labelled texts", lang)
		}
		detection := float64(tl.detected) / float64(tl.texts)
		accuracy := "not computed"
		if tl.scored > 0 {
			accuracy = fmt.Sprintf("%.3f of %d scored", float64(tl.correct)/float64(tl.scored), tl.scored)
		}
		t.Logf("%s: %d texts, language detected %.3f, sentiment accuracy %s", lang, tl.texts, detection, accuracy)
		if detection < 0.9 {
			t.Errorf("%s: language detection %.3f, want at least 0.9", lang, detection)
		}
	}
	if en := by["en"]; float64(en.correct)/float64(en.texts) < 0.7 {
		t.Errorf("English accuracy %d/%d, want at least 0.7", en.correct, en.texts)
	}
}
