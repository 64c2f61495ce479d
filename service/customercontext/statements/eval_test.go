package statements

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
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
			ID, Language, Channel, Text string
			Preferences                 []struct{ Kind, Value string }
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
		var read []string
		for _, an := range d.Of(KindPreference) {
			read = append(read, an.Key+"="+strings.ToLower(an.Value))
		}
		if strings.Contains(file, "-dev") && os.Getenv("RAPPORT_PREFS_DEV_ITEMS") != "" {
			// A dev set may be read item by item, to tune on.
			var want []string
			for k := range gold {
				want = append(want, k)
			}
			sort.Strings(want)
			if got := slices.Sorted(slices.Values(read)); !slices.Equal(got, want) {
				t.Logf("%s: read %q, labelled %q", item.ID, got, want)
			}
		}
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
	"preferences-dev2.jsonl":  {0.95, 0.65},
	"preferences-blind.jsonl": {0.95, 0.60},
}

func TestEvalPreferences(t *testing.T) {
	for _, file := range []string{"preferences-dev.jsonl", "preferences-dev2.jsonl", "preferences-blind.jsonl"} {
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
	dir := evalset.RealData(t)
	files := []string{"sentiment-dev.jsonl", "language-dev.jsonl"}
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

// evalUpset scores, per text, whether it was read as upset (any KindUpset
// annotation) and as a churn threat, by language and by category (the
// category counts only upset; a category of calm texts has no gold, so its
// predictions are its false positives). The text's language is Und (every
// language's rules), or with withLang the set's language, as the language
// analyzer would set it.
func evalUpset(t *testing.T, file string, withLang bool) (upset, churn counts, upsetByLang, churnByLang, byCategory map[string]*counts) {
	upsetByLang, churnByLang, byCategory = map[string]*counts{}, map[string]*counts{}, map[string]*counts{}
	evalset.ReadLines(t, filepath.Join(evalset.Dir(), file), func(line []byte) {
		var item struct {
			Language, Channel, Text, Category string
			Upset                             bool
			ChurnThreat                       bool `json:"churn_threat"`
		}
		if err := json.Unmarshal(line, &item); err != nil {
			t.Fatal(err)
		}
		lang := analysis.Und
		if withLang {
			lang = item.Language
		}
		d := analysis.Pipeline{Upset{}}.Run(&analysis.Doc{Text: item.Text, Channel: item.Channel, Language: lang})
		score := func(all *counts, byLang map[string]*counts, got, gold bool, byCat map[string]*counts) {
			tp, pred, g := 0, 0, 0
			if got {
				pred = 1
			}
			if gold {
				g = 1
			}
			if got && gold {
				tp = 1
			}
			all.TP += tp
			all.Pred += pred
			all.Gold += g
			add(byLang, item.Language, tp, pred, g)
			if byCat != nil {
				add(byCat, item.Category, tp, pred, g)
			}
		}
		score(&upset, upsetByLang, IsUpset(d), item.Upset, byCategory)
		score(&churn, churnByLang, len(d.Of(KindChurnThreat)) > 0, item.ChurnThreat, nil)
	})
	return upset, churn, upsetByLang, churnByLang, byCategory
}

// upsetFloors are a little under the figures measured (BENCHMARKS.md):
// upset, then churn threat, each precision and recall.
type floor struct{ precision, recall float64 }

var upsetFloors = map[string]struct{ upset, churn floor }{
	"upset-dev.jsonl":   {upset: floor{0.95, 0.95}, churn: floor{0.95, 0.95}},
	"upset-blind.jsonl": {upset: floor{0.95, 0.68}, churn: floor{0.95, 0.58}},
}

func TestEvalUpset(t *testing.T) {
	for _, file := range []string{"upset-dev.jsonl", "upset-blind.jsonl"} {
		t.Run(file, func(t *testing.T) {
			upset, churn, upsetByLang, churnByLang, byCategory := evalUpset(t, file, false)
			t.Logf("upset, %s: %s", file, upset)
			printTable(t, "upset by language", upsetByLang)
			printTable(t, "upset by category (calm categories: predictions are false positives)", byCategory)
			t.Logf("churn threat, %s: %s", file, churn)
			printTable(t, "churn threat by language", churnByLang)
			u, c, _, _, _ := evalUpset(t, file, true)
			t.Logf("with the text's language set (the rules of that language only): upset %s; churn threat %s", u, c)
			fl := upsetFloors[file]
			if upset.Precision() < fl.upset.precision || upset.Recall() < fl.upset.recall {
				t.Errorf("upset: precision %.3f, recall %.3f: below the floor %.2f / %.2f", upset.Precision(), upset.Recall(), fl.upset.precision, fl.upset.recall)
			}
			if churn.Precision() < fl.churn.precision || churn.Recall() < fl.churn.recall {
				t.Errorf("churn threat: precision %.3f, recall %.3f: below the floor %.2f / %.2f", churn.Precision(), churn.Recall(), fl.churn.precision, fl.churn.recall)
			}
		})
	}
}

// TestRealTextUpset reads the public real text (../shared/data/realdata)
// for upset, and reports the rate per language and per gold sentiment
// label: the tweets are not support texts, so the rate is informative and
// no target (a negative tweet may well be upset; a Wikipedia sentence is
// not).
func TestRealTextUpset(t *testing.T) {
	dir := evalset.RealData(t)
	files := []string{"sentiment-dev.jsonl", "language-dev.jsonl"}
	n, upset, churn := 0, 0, 0
	byLang, byLabel, byKey := map[string]*counts{}, map[string]*counts{}, map[string]int{}
	for _, f := range files {
		evalset.ReadLines(t, filepath.Join(dir, f), func(line []byte) {
			var item struct{ Text, Language, Label string }
			if err := json.Unmarshal(line, &item); err != nil {
				t.Fatal(err)
			}
			n++
			d := analysis.Pipeline{Upset{}}.Run(&analysis.Doc{Text: item.Text, Channel: "social", Language: analysis.Und})
			u := 0
			if IsUpset(d) {
				u = 1
				upset++
			}
			if len(d.Of(KindChurnThreat)) > 0 {
				churn++
			}
			for _, an := range d.Of(KindUpset) {
				byKey[an.Key]++
			}
			// Pred counts the upset texts, Gold all texts: the "precision"
			// column is the rate.
			add(byLang, item.Language, 0, u, 1)
			if item.Label != "" {
				add(byLabel, item.Label, 0, u, 1)
			}
		})
	}
	t.Logf("real text, %d texts: upset %d (%.1f%%), churn threat %d", n, upset, 100*float64(upset)/float64(n), churn)
	for _, m := range []struct {
		title string
		by    map[string]*counts
	}{{"by language", byLang}, {"by gold sentiment (tweets)", byLabel}} {
		var keys []string
		for k := range m.by {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Logf("%s:", m.title)
		for _, k := range keys {
			t.Logf("  %-10s %3d of %3d upset (%.1f%%)", k, m.by[k].Pred, m.by[k].Gold, 100*float64(m.by[k].Pred)/float64(m.by[k].Gold))
		}
	}
	t.Logf("by reason: %v", byKey)
}
