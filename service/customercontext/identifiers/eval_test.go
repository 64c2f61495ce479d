package identifiers

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/evalset"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// The evaluation on the identifier sets written blind (../testdata/eval,
// see its README). The blind file is read only here, and only aggregate
// figures are printed: never an item, never what was missed. Each floor
// is a little under what was measured (BENCHMARKS.md); the test fails
// below it.

// pipeline is this package's analyzers in their order (as in
// customercontext.Analyzers).
var pipeline = analysis.Pipeline{Shapes{}, Labels{}, Corrections{}}

type evalItem struct {
	ID       string `json:"id"`
	Language string `json:"language"`
	Region   string `json:"region"`
	Messages []struct {
		Channel, Text, Subject string
	} `json:"messages"`
	Expected   []kv `json:"expected"`
	Superseded []kv `json:"superseded"`
	Invalid    []kv `json:"invalid"`
}

type kv struct{ Kind, Value string }

func norm(k, v string) string {
	return k + "\x00" + strings.ToLower(strings.Join(strings.Fields(v), ""))
}

type counts = evalset.Counts

// evalResult is the aggregate of one set.
type evalResult struct {
	all             counts
	byKind, byLang  map[string]*counts
	supersededShown int // a value the set says was superseded, shown as a fact
	supersededGold  int
	invalidShown    int
}

// conversation reads a conversation as the service does: each message with
// the one before it as Previous, corrections superseding earlier values.
func conversation(it evalItem) []Given {
	var given []Given
	prev := ""
	for n, m := range it.Messages {
		text := m.Text
		if m.Subject != "" {
			text = m.Subject + "\n" + text
		}
		d := pipeline.Run(&analysis.Doc{Text: text, Channel: m.Channel, Previous: prev, Region: it.Region, Language: it.Language})
		given = Follow(given, n, d)
		prev = m.Text
	}
	return given
}

func evaluate(t *testing.T, path string) evalResult {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := evalResult{byKind: map[string]*counts{}, byLang: map[string]*counts{}}
	bump := func(kind, lang string, fn func(*counts)) {
		for _, mk := range []struct {
			m map[string]*counts
			k string
		}{{r.byKind, kind}, {r.byLang, lang}} {
			if mk.m[mk.k] == nil {
				mk.m[mk.k] = &counts{}
			}
			fn(mk.m[mk.k])
		}
		fn(&r.all)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var it evalItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatal(err)
		}
		gold := map[string]bool{}
		for _, e := range it.Expected {
			gold[norm(e.Kind, e.Value)] = true
			bump(e.Kind, it.Language, func(c *counts) { c.Gold++ })
		}
		sup, inv := map[string]bool{}, map[string]bool{}
		for _, e := range it.Superseded {
			sup[norm(e.Kind, e.Value)] = true
		}
		r.supersededGold += len(it.Superseded)
		for _, e := range it.Invalid {
			inv[norm(e.Kind, e.Value)] = true
			if e.Kind == PaymentCard {
				inv[norm(e.Kind, e.Value[max(0, len(e.Value)-4):])] = true
			}
		}
		shown := map[string]bool{}
		var read []string
		report := func() {
			// A dev set may be read item by item, to tune on.
			if !strings.Contains(path, "-dev") || os.Getenv("RAPPORT_IDENTIFIERS_DEV_ITEMS") == "" {
				return
			}
			var want []string
			for k := range gold {
				want = append(want, strings.ReplaceAll(k, "\x00", "="))
			}
			sort.Strings(read)
			sort.Strings(want)
			if strings.Join(read, " ") != strings.Join(want, " ") {
				t.Logf("%s: read %q, labelled %q", it.ID, read, want)
			}
		}
		for _, g := range conversation(it) {
			k := norm(g.Key, g.Value)
			if g.SupersededBy >= 0 || shown[k] {
				continue
			}
			shown[k] = true
			read = append(read, strings.ReplaceAll(k, "\x00", "="))
			bump(g.Key, it.Language, func(c *counts) {
				c.Pred++
				if gold[k] {
					c.TP++
				}
			})
			if sup[k] {
				r.supersededShown++
			}
			if inv[k] {
				r.invalidShown++
			}
		}
		report()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r evalResult) print(t *testing.T, name string) {
	t.Logf("%s: all %v; superseded values shown %d of %d; invalid values shown %d", name, r.all, r.supersededShown, r.supersededGold, r.invalidShown)
	for _, m := range []map[string]*counts{r.byKind, r.byLang} {
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.Logf("%s  %-16s %v", name, k, *m[k])
		}
	}
}

// floors are the figures the sets must keep: a little under the measured
// ones (BENCHMARKS.md).
// maxSupersededShown is the target (0) on the dev set and the measured
// figure on the blind one, where the target is not met yet.
var floors = map[string]struct {
	precision, recall  float64
	maxSupersededShown int
}{
	"identifiers-dev.jsonl":   {0.98, 0.98, 0},
	"identifiers-dev2.jsonl":  {0.95, 0.92, 0},
	"identifiers-dev3.jsonl":  {0.96, 0.83, 0},
	"identifiers-blind.jsonl": {0.95, 0.83, 7},
}

func TestEvalIdentifiers(t *testing.T) {
	names := []string{"identifiers-dev.jsonl", "identifiers-dev2.jsonl", "identifiers-dev3.jsonl", "identifiers-blind.jsonl"}
	if only := os.Getenv("RAPPORT_IDENTIFIERS_SET"); only != "" {
		names = []string{only}
	}
	for _, name := range names {
		r := evaluate(t, filepath.Join(evalset.Dir(), name))
		r.print(t, name)
		fl := floors[name]
		if r.all.Precision() < fl.precision || r.all.Recall() < fl.recall {
			t.Errorf("%s: %v, floor P %.2f R %.2f", name, r.all, fl.precision, fl.recall)
		}
		if r.supersededShown > fl.maxSupersededShown {
			t.Errorf("%s: %d superseded values shown, want at most %d", name, r.supersededShown, fl.maxSupersededShown)
		}
		if r.invalidShown > 0 {
			t.Errorf("%s: %d values failing their check shown, want 0", name, r.invalidShown)
		}
	}
}
