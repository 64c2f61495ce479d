package steps

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/evalset"
)

// The evaluation on the labelled sets written blind (../testdata/eval,
// see its README). The blind file is read only here, and only aggregate
// figures are printed: never an item, never what was missed or read
// wrongly. Each figure has a floor a little under what was measured
// (BENCHMARKS.md); the test fails below it.

type counts = evalset.Counts

// same reports whether a step read is a labelled one: one phrase contains
// the other, ignoring case (the labels are the customer's words, as are
// the steps read; where each ends is a matter of taste).
func same(got, want string) bool {
	g, w := strings.ToLower(strings.TrimSpace(got)), strings.ToLower(strings.TrimSpace(want))
	return g != "" && w != "" && (strings.Contains(g, w) || strings.Contains(w, g))
}

// score matches the steps read in one text to the labelled ones, each
// labelled step at most once.
func score(got []Step, want []string) (tp int) {
	used := make([]bool, len(want))
	for _, g := range got {
		for j, w := range want {
			if !used[j] && same(g.Value, w) {
				used[j] = true
				tp++
				break
			}
		}
	}
	return tp
}

type evalItem struct {
	ID, Language, Channel, Text string
	Steps                       []string
}

// evalSteps scores a set, overall and by language.
func evalSteps(t *testing.T, file string, each func(evalItem, []Step)) (all counts, byLang map[string]*counts) {
	byLang = map[string]*counts{}
	evalset.ReadLines(t, filepath.Join(evalset.Dir(), file), func(line []byte) {
		var item evalItem
		if err := json.Unmarshal(line, &item); err != nil {
			t.Fatal(err)
		}
		got := Find(item.Text)
		for _, s := range got {
			if item.Text[s.Span.Start:s.Span.End] != s.Value {
				t.Errorf("a step's span is not its value") // says nothing of the item
			}
		}
		tp := score(got, item.Steps)
		c := byLang[item.Language]
		if c == nil {
			c = &counts{}
			byLang[item.Language] = c
		}
		c.TP, c.Pred, c.Gold = c.TP+tp, c.Pred+len(got), c.Gold+len(item.Steps)
		all.TP, all.Pred, all.Gold = all.TP+tp, all.Pred+len(got), all.Gold+len(item.Steps)
		if each != nil {
			each(item, got)
		}
	})
	return all, byLang
}

// Floors: a little under the figures measured (BENCHMARKS.md).
var stepFloors = map[string]struct{ precision, recall float64 }{
	"steps-dev.jsonl":   {0.97, 0.95},
	"steps-dev2.jsonl":  {0.91, 0.79},
	"steps-blind.jsonl": {0.97, 0.70},
}

func TestEvalSteps(t *testing.T) {
	for _, file := range []string{"steps-dev.jsonl", "steps-dev2.jsonl", "steps-blind.jsonl"} {
		t.Run(file, func(t *testing.T) {
			var each func(evalItem, []Step)
			if strings.HasPrefix(file, "steps-dev") && os.Getenv("RAPPORT_STEPS_DEV_ITEMS") != "" {
				// The dev set may be read item by item, to tune on.
				each = func(it evalItem, got []Step) {
					var vs []string
					for _, s := range got {
						vs = append(vs, s.Value)
					}
					if score(got, it.Steps) != len(it.Steps) || len(got) != len(it.Steps) {
						t.Logf("%s: read %q, labelled %q", it.ID, vs, it.Steps)
					}
				}
			}
			all, byLang := evalSteps(t, file, each)
			t.Logf("steps tried, %s: %s", file, all)
			var langs []string
			for l := range byLang {
				langs = append(langs, l)
			}
			sort.Strings(langs)
			for _, l := range langs {
				t.Logf("  %-4s %s", l, byLang[l])
			}
			fl := stepFloors[file]
			if all.Precision() < fl.precision || all.Recall() < fl.recall {
				t.Errorf("precision %.3f, recall %.3f: below the floor %.2f / %.2f", all.Precision(), all.Recall(), fl.precision, fl.recall)
			}
		})
	}
}

// TestRealTextSteps reads the public real text (tweets and sentences in
// ten languages, ../shared/data/realdata): none of it is a customer
// writing to a support desk, though a tweet may really say a step was
// tried; the rate of steps read is reported per 1,000 texts and bounded.
// RAPPORT_SHOW_REALDATA_STEPS=1 logs the steps read, to look at them (they
// are not to be copied anywhere).
// maxRealStepsPer1000 bounds the steps read on the real text (BENCHMARKS.md).
const maxRealStepsPer1000 = 5.0

func TestRealTextSteps(t *testing.T) {
	dir := evalset.RealData(t)
	files := []string{"sentiment-dev.jsonl", "language-dev.jsonl"}
	n, read := 0, 0
	byLang := map[string]int{}
	for _, f := range files {
		evalset.ReadLines(t, filepath.Join(dir, f), func(line []byte) {
			var item struct{ Text, Language string }
			if err := json.Unmarshal(line, &item); err != nil {
				t.Fatal(err)
			}
			n++
			got := Find(item.Text)
			read += len(got)
			byLang[item.Language] += len(got)
			if os.Getenv("RAPPORT_SHOW_REALDATA_STEPS") != "" {
				for _, s := range got {
					t.Logf("%s: %q in %q", item.Language, s.Value, item.Text)
				}
			}
		})
	}
	per := 1000 * float64(read) / float64(n)
	t.Logf("real text, %d texts: %d steps tried read (%.1f per 1,000); by language %v", n, read, per, byLang)
	if per > maxRealStepsPer1000 {
		t.Errorf("%.1f steps per 1,000 texts, above the bound %.1f", per, maxRealStepsPer1000)
	}
}
