package repositorytest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/rapporthq/rapport/repository"
)

// testInsightRollupsAddReadClear: AddInsights adds to counters (creating
// them), negative amounts included; ReadInsights reads one granularity's
// days in [From, To) of the dimensions asked (and counters, when given),
// of the tenant only; ClearInsights empties one tenant's; an Atomically
// unit that fails leaves the counters as they were where the store has
// transactions.
func testInsightRollupsAddReadClear(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	k := func(g, day, dim, value, c string, n int64) repository.InsightRow {
		return repository.InsightRow{InsightKey: repository.InsightKey{Granularity: g, Day: day, Dim: dim, Value: value, Counter: c}, N: n}
	}
	rows := []repository.InsightRow{
		k("D", "2026-01-01", "", "", "contacts", 2),
		k("D", "2026-01-01", "", "", "csat_n", 1),
		k("D", "2026-01-02", "channel", "chat", "contacts", 1),
		k("D", "2026-01-02", "channel", "a/b c", "contacts", 1), // any value
		k("D", "2026-02-01", "", "", "contacts", 5),
		k("M", "2026-01-01", "", "", "customers", 1),
	}
	if err := s.AddInsights(ctx, tenant, rows); err != nil {
		t.Fatal(err)
	}
	if err := s.AddInsights(ctx, "globex", rows[:1]); err != nil {
		t.Fatal(err)
	}
	if err := s.AddInsights(ctx, tenant, []repository.InsightRow{k("D", "2026-01-01", "", "", "contacts", -1), k("D", "2026-01-01", "", "", "csat_n", -1)}); err != nil {
		t.Fatal(err)
	}
	read := func(q repository.InsightQuery) map[repository.InsightKey]int64 {
		t.Helper()
		got, err := s.ReadInsights(ctx, tenant, q)
		if err != nil {
			t.Fatal(err)
		}
		m := map[repository.InsightKey]int64{}
		for _, r := range got {
			m[r.InsightKey] += r.N
		}
		return m
	}
	got := read(repository.InsightQuery{Granularity: "D", From: "2026-01-01", To: "2026-02-01", Dims: []string{"", "channel"}})
	want := map[repository.InsightKey]int64{rows[0].InsightKey: 1, rows[2].InsightKey: 1, rows[3].InsightKey: 1}
	if len(got) != len(want) || got[rows[0].InsightKey] != 1 || got[rows[2].InsightKey] != 1 || got[rows[3].InsightKey] != 1 {
		t.Errorf("January's days: %v, want %v (zeros left out, February out)", got, want)
	}
	if got := read(repository.InsightQuery{Granularity: "D", From: "2026-01-01", To: "2026-03-01", Dims: []string{""}, Counters: []string{"csat_n"}}); len(got) != 0 {
		t.Errorf("a counter at zero: %v", got)
	}
	if got := read(repository.InsightQuery{Granularity: "M", From: "2026-01-01", To: "2026-02-01", Dims: []string{""}, Counters: []string{"customers"}}); got[rows[5].InsightKey] != 1 || len(got) != 1 {
		t.Errorf("months: %v", got)
	}
	if e.Name() == "sqlite" { // MongoDB has no transaction on this path
		refuse := errors.New("refused")
		err := s.Atomically(ctx, func(ctx context.Context) error {
			if err := s.AddInsights(ctx, tenant, []repository.InsightRow{k("D", "2026-02-01", "", "", "contacts", 100)}); err != nil {
				return err
			}
			return refuse
		})
		if !errors.Is(err, refuse) {
			t.Fatal(err)
		}
		if got := read(repository.InsightQuery{Granularity: "D", From: "2026-02-01", To: "2026-02-02", Dims: []string{""}}); got[rows[4].InsightKey] != 5 {
			t.Errorf("a failed unit's increment landed: %v", got)
		}
	}
	if err := s.ClearInsights(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	if got := read(repository.InsightQuery{Granularity: "D", From: "0000", To: "9999", Dims: []string{"", "channel"}}); len(got) != 0 {
		t.Errorf("after a clear: %v", got)
	}
	other, err := s.ReadInsights(ctx, "globex", repository.InsightQuery{Granularity: "D", From: "0000", To: "9999", Dims: []string{""}})
	if err != nil || len(other) != 1 || other[0].N != 2 {
		t.Errorf("the other tenant's after a clear: %v, %v", other, err)
	}
	if err := s.AddInsights(ctx, "a/b", rows); err == nil {
		t.Error("an invalid tenant was accepted")
	}
}

// testInsightRollupsConcurrentAdds: writers adding to a counter that does
// not exist yet, all at once, lose no increment (on MongoDB, two upserts
// of one new document race for its insert).
func testInsightRollupsConcurrentAdds(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	row := repository.InsightRow{InsightKey: repository.InsightKey{Granularity: "D", Day: "2026-03-01", Counter: "contacts"}, N: 1}
	const writers = 16
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.AddInsights(t.Context(), tenant, []repository.InsightRow{row})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a concurrent add: %v", err)
		}
	}
	got, err := s.ReadInsights(t.Context(), tenant, repository.InsightQuery{Granularity: "D", From: "2026-03-01", To: "2026-03-02", Dims: []string{""}})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, r := range got {
		n += r.N
	}
	if n != writers {
		t.Errorf("%d concurrent adds of 1 read back %d", writers, n)
	}
}
