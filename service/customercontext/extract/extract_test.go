package extract

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// labelled is one sentence of testdata/facts.txt.
type labelled struct {
	lang, text string
	want       []Fact
}

func readLabelled(t *testing.T) []labelled {
	t.Helper()
	f, err := os.Open("testdata/facts.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		head, facts, ok := strings.Cut(line, " || ")
		if !ok {
			facts, head, ok = "", strings.TrimSuffix(line, " ||"), strings.HasSuffix(line, " ||")
		}
		lang, text, ok2 := strings.Cut(head, " | ")
		if !ok || !ok2 {
			t.Fatalf("bad line %q", line)
		}
		l := labelled{lang: lang, text: text}
		for _, kv := range strings.Split(facts, " ;; ") {
			if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
				l.want = append(l.want, Fact{Key: k, Value: v})
			}
		}
		out = append(out, l)
	}
	return out
}

// matches reports whether a fact read is the labelled one: the same key,
// and for identifiers the same value (ignoring case), for steps one value
// containing the other.
func matches(got, want Fact) bool {
	if got.Key != want.Key {
		return false
	}
	if got.Key != stepKey {
		return strings.EqualFold(got.Value, want.Value)
	}
	g, w := strings.ToLower(got.Value), strings.ToLower(want.Value)
	return strings.Contains(g, w) || strings.Contains(w, g)
}

// score counts true positives, false positives and false negatives, for
// identifiers and for steps.
type score struct{ tp, fp, fn int }

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

func kind(f Fact) string {
	if f.Key == stepKey {
		return "steps"
	}
	return "identifiers"
}

// TestLabelledPrecisionRecall measures the extractor on the labelled set
// and fails below the targets: precision 0.95 for both kinds, recall 0.8
// for identifiers and 0.6 for steps tried. `go test -run Labelled -v`
// prints the scores per language (BENCHMARKS.md).
func TestLabelledPrecisionRecall(t *testing.T) {
	set := readLabelled(t)
	if len(set) < 200 {
		t.Fatalf("%d labelled sentences, want at least 200", len(set))
	}
	scores := map[string]*score{}
	add := func(lang, k string, f func(*score)) {
		for _, key := range []string{"all " + k, lang + " " + k} {
			if scores[key] == nil {
				scores[key] = &score{}
			}
			f(scores[key])
		}
	}
	for _, l := range set {
		got := Facts(l.text)
		used := make([]bool, len(l.want))
		for _, g := range got {
			if g.Value != l.text[g.Start:g.End] {
				t.Errorf("%q: span %d-%d is %q, not the value %q", l.text, g.Start, g.End, l.text[g.Start:g.End], g.Value)
			}
			i := slices.IndexFunc(l.want, func(w Fact) bool { return matches(g, w) })
			for i >= 0 && used[i] {
				j := slices.IndexFunc(l.want[i+1:], func(w Fact) bool { return matches(g, w) })
				if j < 0 {
					i = -1
				} else {
					i += 1 + j
				}
			}
			if i < 0 {
				add(l.lang, kind(g), func(s *score) { s.fp++ })
				t.Logf("wrong: %s %q in %q", g.Key, g.Value, l.text)
				continue
			}
			used[i] = true
			add(l.lang, kind(g), func(s *score) { s.tp++ })
		}
		for i, w := range l.want {
			if !used[i] {
				add(l.lang, kind(w), func(s *score) { s.fn++ })
				t.Logf("missed: %s %q in %q", w.Key, w.Value, l.text)
			}
		}
	}
	var keys []string
	for k := range scores {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := scores[k]
		t.Logf("%-16s precision %.3f recall %.3f (tp %d, fp %d, fn %d)", k, s.precision(), s.recall(), s.tp, s.fp, s.fn)
	}
	targets := []struct {
		kind              string
		precision, recall float64
	}{{"identifiers", 0.95, 0.8}, {"steps", 0.95, 0.6}}
	for _, tg := range targets {
		s := scores["all "+tg.kind]
		if s == nil {
			t.Fatalf("no %s in the set", tg.kind)
		}
		if s.precision() < tg.precision || s.recall() < tg.recall {
			t.Errorf("%s: precision %.3f (target %.2f), recall %.3f (target %.2f)", tg.kind, s.precision(), tg.precision, s.recall(), tg.recall)
		}
	}
}

func TestFacts(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"", nil},
		{"Order A-1234, then order a-1234 again.", []string{"order_number=A-1234"}},
		{"order 1234 invoice 5678", []string{"order_number=1234", "invoice_number=5678"}},
		{"I already restarted the router but it still drops.", []string{"step_tried=restarted the router"}},
		{"ordered on 12/03/2025 for 49.99", nil},
	} {
		var got []string
		for _, f := range Facts(tc.text) {
			got = append(got, fmt.Sprintf("%s=%s", f.Key, f.Value))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Facts(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// At most MaxFacts from one text, however many it holds.
func TestFactsBounded(t *testing.T) {
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "order %d. ", 10000+i)
	}
	if n := len(Facts(b.String())); n != MaxFacts {
		t.Errorf("%d facts, want %d", n, MaxFacts)
	}
}

// BenchmarkFacts reads a text of the largest size an interaction may have
// (64 KiB), made of labelled sentences.
func BenchmarkFacts(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 64<<10 {
		sb.WriteString("Hi, my order number is A-48213 and it never came. I already restarted the router twice. The parcel left on Tuesday. ")
	}
	text := sb.String()[:64<<10]
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Facts(text)
	}
}
