package customercontext

import (
	"bufio"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// The labelled sentences of testdata/facts.txt (216: en, de, es, fr, pt),
// written by the engineer who wrote the first rule table, next to it (so
// optimistic; see BENCHMARKS.md), read through ExtractFacts as an
// interaction's text is on the write path: the identifiers and the steps
// already tried. The set's account_number is the identifiers' customer
// number. An identifier counts as found with the same key and value
// (ignoring case and spaces), a step when one contains the other. The
// test fails below the floors, a little under what is measured.
func TestLabelledFacts(t *testing.T) {
	f, err := os.Open("testdata/facts.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	regions := map[string]string{"en": "GB", "de": "DE", "es": "ES", "fr": "FR", "pt": "PT"}
	type score struct{ tp, fp, fn int }
	scores := map[string]*score{}
	bump := func(k string, fn func(*score)) {
		if scores[k] == nil {
			scores[k] = &score{}
		}
		fn(scores[k])
	}
	kind := func(key string) string {
		if key == stepTried {
			return "steps"
		}
		return "identifiers"
	}
	same := func(key, got, want string) bool {
		g, w := strings.ToLower(strings.Join(strings.Fields(got), "")), strings.ToLower(strings.Join(strings.Fields(want), ""))
		if key == stepTried {
			return strings.Contains(g, w) || strings.Contains(w, g)
		}
		return g == w
	}
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		head, facts, _ := strings.Cut(line, " ||")
		lang, text, ok := strings.Cut(head, " | ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		n++
		type kv struct{ key, value string }
		var want []kv
		for _, p := range strings.Split(facts, " ;; ") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok {
				if k == "account_number" {
					k = "customer_number"
				}
				want = append(want, kv{k, v})
			}
		}
		used := make([]bool, len(want))
		in := &rapportv1.Interaction{Text: text, Channel: rapportv1.Channel_CHANNEL_CHAT}
		for _, g := range ExtractFacts(in, regions[lang]) {
			i := slices.IndexFunc(want, func(w kv) bool { return w.key == g.GetKey() && same(w.key, g.GetValue(), w.value) })
			for i >= 0 && used[i] {
				j := slices.IndexFunc(want[i+1:], func(w kv) bool { return w.key == g.GetKey() && same(w.key, g.GetValue(), w.value) })
				if j < 0 {
					i = -1
				} else {
					i += 1 + j
				}
			}
			if i < 0 {
				bump(kind(g.GetKey()), func(s *score) { s.fp++ })
				t.Logf("not labelled: %s=%q in %q", g.GetKey(), g.GetValue(), text)
				continue
			}
			used[i] = true
			bump(kind(g.GetKey()), func(s *score) { s.tp++ })
		}
		for i, w := range want {
			if !used[i] {
				bump(kind(w.key), func(s *score) { s.fn++ })
				t.Logf("missed: %s=%q in %q", w.key, w.value, text)
			}
		}
	}
	if n < 200 {
		t.Fatalf("%d labelled sentences, want at least 200", n)
	}
	floors := map[string][2]float64{"identifiers": {0.98, 0.92}, "steps": {0.98, 0.95}}
	var keys []string
	for k := range scores {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := scores[k]
		p, r := float64(s.tp)/float64(max(1, s.tp+s.fp)), float64(s.tp)/float64(max(1, s.tp+s.fn))
		t.Logf("%-12s precision %.3f (%d/%d) recall %.3f (%d/%d)", k, p, s.tp, s.tp+s.fp, r, s.tp, s.tp+s.fn)
		if fl := floors[k]; p < fl[0] || r < fl[1] {
			t.Errorf("%s: precision %.3f, recall %.3f; floor %.2f, %.2f", k, p, r, fl[0], fl[1])
		}
	}
}
