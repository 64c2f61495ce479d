package statements

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/evalset"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// The evaluation on the labelled sets written blind (../testdata/eval,
// see its README). The blind files are read only here, and only aggregate
// figures are printed: never an item, never what was missed. Each figure
// has a floor a little under what was measured (BENCHMARKS.md); the test
// fails below it.

// preferencePipeline is the statement analyzers of preferences in their
// order.
var preferencePipeline = analysis.Pipeline{OptOut{}, Preferences{}}

type counts = evalset.Counts

func printTable(t *testing.T, title string, by map[string]*counts) {
	t.Helper()
	var keys []string
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Logf("%s:", title)
	for _, k := range keys {
		t.Logf("  %-16s %s", k, by[k])
	}
}

func add(m map[string]*counts, k string, tp, pred, gold int) {
	if m[k] == nil {
		m[k] = &counts{}
	}
	m[k].TP += tp
	m[k].Pred += pred
	m[k].Gold += gold
}

// evalPreferences scores the preferences read in a set: a preference is
// right when its kind and value are (values compared ignoring case).
func evalPreferences(t *testing.T, file string) (all counts, byKind, byLang map[string]*counts) {
	byKind, byLang = map[string]*counts{}, map[string]*counts{}
	evalset.ReadLines(t, filepath.Join(evalset.Dir(), file), func(line []byte) {
		var item struct {
			Language, Channel, Text string
			Preferences             []struct{ Kind, Value string }
		}
		if err := json.Unmarshal(line, &item); err != nil {
			t.Fatal(err)
		}
		d := preferencePipeline.Run(&analysis.Doc{Text: item.Text, Channel: item.Channel})
		gold := map[string]bool{}
		for _, p := range item.Preferences {
			gold[p.Kind+"="+strings.ToLower(p.Value)] = true
			add(byKind, p.Kind, 0, 0, 1)
		}
		add(byLang, item.Language, 0, 0, len(gold))
		all.Gold += len(gold)
		for _, an := range d.Of(KindPreference) {
			tp := 0
			if gold[an.Key+"="+strings.ToLower(an.Value)] {
				tp = 1
			}
			add(byKind, an.Key, tp, 1, 0)
			add(byLang, item.Language, tp, 1, 0)
			all.TP += tp
			all.Pred++
		}
	})
	return all, byKind, byLang
}

// Floors: a little under the figures measured (BENCHMARKS.md).
var preferenceFloors = map[string]struct{ precision, recall float64 }{
	"preferences-dev.jsonl":   {0.95, 0.95},
	"preferences-blind.jsonl": {0.95, 0.55},
}

func TestEvalPreferences(t *testing.T) {
	for _, file := range []string{"preferences-dev.jsonl", "preferences-blind.jsonl"} {
		t.Run(file, func(t *testing.T) {
			all, byKind, byLang := evalPreferences(t, file)
			t.Logf("stated preferences, %s: %s", file, all)
			printTable(t, "by kind", byKind)
			printTable(t, "by language", byLang)
			fl := preferenceFloors[file]
			if all.Precision() < fl.precision || all.Recall() < fl.recall {
				t.Errorf("precision %.3f, recall %.3f: below the floor %.2f / %.2f", all.Precision(), all.Recall(), fl.precision, fl.recall)
			}
		})
	}
}

// evalRelapse scores the label of each text (relapse, closure, none).
func evalRelapse(t *testing.T, file string) (byLabel, byLang map[string]*counts) {
	byLabel, byLang = map[string]*counts{}, map[string]*counts{}
	evalset.ReadLines(t, filepath.Join(evalset.Dir(), file), func(line []byte) {
		var item struct{ Language, Channel, Text, Label string }
		if err := json.Unmarshal(line, &item); err != nil {
			t.Fatal(err)
		}
		got := Label(analysis.Pipeline{Relapse{}}.Run(&analysis.Doc{Text: item.Text, Channel: item.Channel}))
		if item.Label != "none" {
			add(byLabel, item.Label, 0, 0, 1)
			add(byLang, item.Language, 0, 0, 1)
		}
		if got != "" {
			tp := 0
			if got == item.Label {
				tp = 1
			}
			add(byLabel, got, tp, 1, 0)
			add(byLang, item.Language, tp, 1, 0)
		}
	})
	return byLabel, byLang
}

var relapseFloors = map[string]map[string]struct{ precision, recall float64 }{
	"relapse-dev.jsonl":   {KindRelapse: {0.95, 0.95}, KindClosure: {0.95, 0.95}},
	"relapse-blind.jsonl": {KindRelapse: {0.90, 0.28}, KindClosure: {0.80, 0.32}},
}

func TestEvalRelapse(t *testing.T) {
	for _, file := range []string{"relapse-dev.jsonl", "relapse-blind.jsonl"} {
		t.Run(file, func(t *testing.T) {
			byLabel, byLang := evalRelapse(t, file)
			printTable(t, "relapse and closure, "+file+", by label", byLabel)
			printTable(t, "by language (relapse and closure together)", byLang)
			for label, fl := range relapseFloors[file] {
				c := byLabel[label]
				if c == nil {
					c = &counts{}
				}
				if c.Precision() < fl.precision || c.Recall() < fl.recall {
					t.Errorf("%s: precision %.3f, recall %.3f: below the floor %.2f / %.2f", label, c.Precision(), c.Recall(), fl.precision, fl.recall)
				}
			}
		})
	}
}

// TestRealTextStatements reads the public real text (tweets and
// sentences, ../shared/data/realdata): none of it is a customer stating a
// preference to a support team, so every preference read is a false one;
// relapse and closure statements are counted (some tweets may really say
// something is back or works again) and reported per 1,000 texts.
func TestRealTextStatements(t *testing.T) {
	dir := os.Getenv("RAPPORT_REALDATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data", "realdata")
	}
	files := []string{"sentiment-dev.jsonl", "language-dev.jsonl"}
	if _, err := os.Stat(filepath.Join(dir, files[0])); err != nil {
		t.Skipf("the real public text is not here (%s): %v", dir, err)
	}
	n, prefs, relapses, closures := 0, 0, 0, 0
	for _, f := range files {
		evalset.ReadLines(t, filepath.Join(dir, f), func(line []byte) {
			var item struct{ Text string }
			if err := json.Unmarshal(line, &item); err != nil {
				t.Fatal(err)
			}
			n++
			d := analysis.Pipeline{OptOut{}, Preferences{}, Relapse{}}.Run(&analysis.Doc{Text: item.Text, Channel: "social"})
			prefs += len(d.Of(KindPreference))
			relapses += len(d.Of(KindRelapse))
			closures += len(d.Of(KindClosure))
		})
	}
	per := func(k int) float64 { return 1000 * float64(k) / float64(n) }
	t.Logf("real text, %d texts: preferences %d (%.1f per 1,000), relapse %d (%.1f), closure %d (%.1f)", n, prefs, per(prefs), relapses, per(relapses), closures, per(closures))
	if per(prefs) > 1 {
		t.Errorf("%.1f false preferences per 1,000 texts, want at most 1", per(prefs))
	}
	if per(relapses)+per(closures) > 10 {
		t.Errorf("%.1f relapse or closure statements per 1,000 texts, want at most 10", per(relapses)+per(closures))
	}
}
