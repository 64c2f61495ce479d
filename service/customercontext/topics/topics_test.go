package topics

import (
	"fmt"
	"maps"
	"testing"
)

func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"billing", "billing"},
		{"Invoice", "billing"},
		{"payments", "billing"},
		{"Rechnungen", "billing"},
		{"facturas", "billing"},
		{"routers", "connectivity"},
		{"WLAN", "connectivity"},
		{"Double charge", "billing"},
		{"deliveries", "delivery"},
		{"onboarding", "onboard"}, // unknown: its English stem
		{"returns", "return"},
	} {
		if got := Default.Canonical(tc.in); got != tc.want {
			t.Errorf("Canonical(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGroups(t *testing.T) {
	for _, tc := range []struct{ text, group, word string }{
		{"the wifi drops are back", "connectivity", "wifi"},
		{"Ich habe zwei Rechnungen bekommen", "billing", "rechnungen"},
		{"no dial tone on the landline", "landline", "dial tone"},
		{"the app crashes", "", ""},
	} {
		got := Default.Groups(tc.text)
		if tc.group == "" {
			if len(got) != 0 {
				t.Errorf("%q: %v, want none", tc.text, got)
			}
			continue
		}
		if got[tc.group] != tc.word {
			t.Errorf("%q: %v, want %s by %q", tc.text, got, tc.group, tc.word)
		}
	}
}

func TestCustomTable(t *testing.T) {
	tab := New([][]string{{"energy", "electricity", "gas", "meter"}})
	if got := tab.Canonical("meters"); got != "energy" {
		t.Errorf("Canonical(meters) = %q, want energy", got)
	}
	if got := tab.Canonical("invoice"); got != "invoic" {
		t.Errorf("a tenant table replaces the default: Canonical(invoice) = %q, want its stem", got)
	}
}

// The memo of stemmed words changes no answer: a word looked up a second
// time, or after the memo is full, reads as on a fresh table.
func TestMemoisedLookupsAnswerAsFresh(t *testing.T) {
	words := []string{"Invoices", "routers", "paquetes", "rechnungen", "verbinding", "walking", "billing", "television", "tv", "zzqx"}
	fresh := func(w string) (string, map[string]string) {
		tab := New(DefaultGroups)
		return tab.Canonical(w), tab.Groups("about " + w + " again")
	}
	tab := New(DefaultGroups)
	for round := range 3 {
		if round == 2 {
			for i := range maxSeen + 10 { // fill the memo past its bound
				tab.lookup(fmt.Sprint("filler", i))
			}
			if n := tab.seenLen.Load(); n > maxSeen {
				t.Fatalf("memo holds %d words, bound %d", n, maxSeen)
			}
		}
		for _, w := range words {
			wantC, wantG := fresh(w)
			if got := tab.Canonical(w); got != wantC {
				t.Errorf("round %d: Canonical(%q) = %q, fresh table says %q", round, w, got, wantC)
			}
			if got := tab.Groups("about " + w + " again"); !maps.Equal(got, wantG) {
				t.Errorf("round %d: Groups(%q) = %v, fresh table says %v", round, w, got, wantG)
			}
		}
	}
}
