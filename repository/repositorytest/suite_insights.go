package repositorytest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

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

// testContactMarks: MarkContacted returns the keys it marked first (per
// tenant and person; of writers racing on one key, exactly one);
// ListContacted and ReplaceContacted read and set a person's marks; the
// retention purge deletes the marks of periods that ended before its
// cutoff, an erasure the customer's, ClearInsights the tenant's.
func testContactMarks(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	for _, id := range []string{"ada", "marked-bob"} {
		create(t, s, tenant, id)
	}
	k := func(g, day, dim, value string) repository.InsightKey {
		return repository.InsightKey{Granularity: g, Day: day, Dim: dim, Value: value}
	}
	k1, k2, k3 := k("D", "2026-01-05", "", ""), k("W", "2026-01-05", "channel", "chat"), k("M", "2026-01-01", "agent", "a/b c")
	mark := func(tenant, id string, keys ...repository.InsightKey) []repository.InsightKey {
		t.Helper()
		got, err := s.MarkContacted(ctx, tenant, id, keys)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	set := func(keys []repository.InsightKey) map[repository.InsightKey]bool {
		m := map[repository.InsightKey]bool{}
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	list := func(id string) map[repository.InsightKey]bool {
		t.Helper()
		got, err := s.ListContacted(ctx, tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		return set(got)
	}
	if got := set(mark(tenant, "ada", k1, k2)); len(got) != 2 || !got[k1] || !got[k2] {
		t.Errorf("first marks: %v", got)
	}
	if got := mark(tenant, "ada", k2, k3); len(got) != 1 || got[0] != k3 {
		t.Errorf("k2 again and k3: %v, want k3 only", got)
	}
	// Counter is not part of a mark.
	if got := mark(tenant, "ada", repository.InsightKey{Granularity: "D", Day: "2026-01-05", Counter: "customers"}); len(got) != 0 {
		t.Errorf("k1 with a counter: %v, want marked before", got)
	}
	if got := mark("globex", "ada", k1); len(got) != 1 {
		t.Errorf("another tenant's: %v", got)
	}
	if got := mark(tenant, "marked-bob", k1, k("D", "2020-01-01", "", "")); len(got) != 2 {
		t.Errorf("another person's: %v", got)
	}
	if got := list("ada"); len(got) != 3 || !got[k1] || !got[k2] || !got[k3] {
		t.Errorf("ada's marks: %v", got)
	}

	// Writers racing on one key: one marks it.
	k4 := k("D", "2026-01-06", "", "")
	const writers = 16
	var wg sync.WaitGroup
	firsts := make(chan int, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.MarkContacted(ctx, tenant, "ada", []repository.InsightKey{k4})
			if err != nil {
				t.Errorf("a racing mark: %v", err)
			}
			firsts <- len(got)
		}()
	}
	wg.Wait()
	close(firsts)
	n := 0
	for f := range firsts {
		n += f
	}
	if n != 1 {
		t.Errorf("%d racing writers marked one key %d times, want once", writers, n)
	}

	if err := s.ReplaceContacted(ctx, tenant, "ada", []repository.InsightKey{k3}); err != nil {
		t.Fatal(err)
	}
	if got := list("ada"); len(got) != 1 || !got[k3] {
		t.Errorf("after a replace: %v", got)
	}

	// The retention purge: a period 31 days or more before the cutoff.
	if _, err := s.DeleteInteractionsBefore(ctx, repository.TenantScope{Tenant: tenant}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if got := list("marked-bob"); len(got) != 1 || !got[k1] {
		t.Errorf("bob's marks after the purge: %v, want the 2026 one", got)
	}
	// An erasure.
	if _, err := s.DeleteCustomer(ctx, tenant, "marked-bob", ""); err != nil {
		t.Fatal(err)
	}
	if got := list("marked-bob"); len(got) != 0 {
		t.Errorf("an erased customer's marks: %v", got)
	}
	if rows := mentions(t, e, s, "marked-bob"); len(rows) != 0 {
		t.Errorf("stored rows name the erased customer: %v", rows)
	}
	if err := s.ClearInsights(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	if got := list("ada"); len(got) != 0 {
		t.Errorf("after a clear: %v", got)
	}
	if got, err := s.ListContacted(ctx, "globex", "ada"); err != nil || len(got) != 1 {
		t.Errorf("the other tenant's after a clear: %v %v", got, err)
	}
	if err := s.ReplaceContacted(ctx, tenant, "ada", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkContacted(ctx, "a/b", "ada", []repository.InsightKey{k1}); err == nil {
		t.Error("an invalid tenant was accepted")
	}
}
