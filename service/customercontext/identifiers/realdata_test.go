package identifiers

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
	"github.com/rapporthq/rapport/service/customercontext/evalset"
)

// No tweet or sentence of the real public text is a customer giving an
// identifier: every one read is a false positive. Target ≤ 1 per 1,000.
func TestRealTextFalseIdentifiers(t *testing.T) {
	dir := evalset.RealData(t)
	texts, falses := 0, 0
	byKind := map[string]int{}
	for _, name := range []string{"sentiment-dev.jsonl", "language-dev.jsonl"} {
		evalset.ReadLines(t, filepath.Join(dir, name), func(b []byte) {
			var it struct{ Text, Language string }
			if err := json.Unmarshal(b, &it); err != nil {
				t.Fatal(err)
			}
			texts++
			cur, _ := Read(pipeline.Run(&analysis.Doc{Text: it.Text, Channel: "social", Language: it.Language}))
			falses += len(cur)
			for _, an := range cur {
				byKind[an.Key]++
			}
		})
	}
	rate := 1000 * float64(falses) / float64(texts)
	t.Logf("real public text: %d false identifiers in %d texts (%.2f per 1,000), by kind %v", falses, texts, rate, byKind)
	if rate > 1 {
		t.Errorf("%.2f false identifiers per 1,000 texts, want at most 1", rate)
	}
}

// The ABCD sample: the customer's turns in order, each with the turn
// before it (the agent's question, or the customer's own last line) as
// Previous; usernames are not identifiers Rapport reads.
func TestRealTextABCD(t *testing.T) {
	dir := evalset.RealData(t)
	keys := map[string]string{"email": "email", "phone": "phone", "order_id": "order_number"}
	found, gold, wrong := 0, 0, 0
	evalset.ReadLines(t, filepath.Join(dir, "facts-dev-abcd-sample.jsonl"), func(b []byte) {
		var it struct {
			Turns    []struct{ Speaker, Text string }
			Expected map[string]string
		}
		if err := json.Unmarshal(b, &it); err != nil {
			t.Fatal(err)
		}
		var given []Given
		prev := ""
		for n, turn := range it.Turns {
			if turn.Speaker == "customer" {
				given = Follow(given, n, pipeline.Run(&analysis.Doc{Text: turn.Text, Channel: "chat", Previous: prev, Region: "US", Language: "en"}))
			}
			prev = turn.Text
		}
		want := map[string]bool{}
		for k, v := range it.Expected {
			if key, ok := keys[k]; ok {
				gold++
				want[norm(key, v)] = true
			}
		}
		for _, g := range given {
			switch {
			case g.SupersededBy >= 0:
			case want[norm(g.Key, g.Value)] || (g.Key == "phone" && want[norm("phone", it.Expected["phone"])] && strings.HasSuffix(g.Value, onlyDigits(it.Expected["phone"]))):
				found++
			default:
				wrong++
			}
		}
	})
	t.Logf("ABCD sample: %d of %d identifiers (e-mail, phone, order ID) read, %d wrong", found, gold, wrong)
	if wrong > 0 || found < 4 {
		t.Errorf("ABCD sample: %d of %d read, %d wrong; want at least 4 and none wrong", found, gold, wrong)
	}
}
