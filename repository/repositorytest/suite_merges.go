package repositorytest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
)

// listAll pages through ListCustomers with f, size customers a page, and
// checks that every page but the last is full: skipping customers of the
// other kind never makes a page short.
func listAll(t *testing.T, s Store, f repository.CustomerFilter, size int) []string {
	t.Helper()
	var got []string
	after := ""
	for range 1000 {
		page, more, err := s.ListCustomers(t.Context(), tenant, f, after, size)
		if err != nil {
			t.Fatal(err)
		}
		if more && len(page) != size {
			t.Errorf("a page of %d customers (merged %v) with more to follow, want %d", len(page), f.Merged, size)
		}
		for _, c := range page {
			name := c.GetName()
			if f.Merged {
				name += ">" + c.GetMergedInto()
			} else if c.GetMergedInto() != "" {
				t.Errorf("%s listed with merged_into %q", c.GetName(), c.GetMergedInto())
			}
			got = append(got, name)
		}
		if !more {
			return got
		}
		if len(page) == 0 {
			t.Fatal("an empty page with more to follow")
		}
		after = page[len(page)-1].GetName()[len("customers/"):]
	}
	t.Fatal("ListCustomers does not end")
	return nil
}

// testListCustomersSkipsMergedCustomers: a customer merged into another is
// not listed as its own entry, and a full page follows however many merged
// customers lie between two listed ones; the merged ones are listed on
// their own (merged_into naming the survivor); an update of a merged
// customer keeps it merged; an unmerge and an erasure of the survivor
// list the halves again.
func testListCustomersSkipsMergedCustomers(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	var halves []string
	for _, id := range []string{"a1", "a2", "z1", "z2"} {
		create(t, s, tenant, id)
	}
	for i := range 40 {
		id := fmt.Sprintf("m%02d", i)
		create(t, s, tenant, id)
		halves = append(halves, id)
		if _, _, err := s.MergeCustomers(ctx, tenant, repository.Merge{Survivor: "a2", Merged: id, MergeTime: time.Unix(int64(i), 0)}); err != nil {
			t.Fatal(err)
		}
	}
	create(t, s, "acme-2", "m00") // another tenant's namesake, not merged
	// One merged customer changed afterwards: still merged.
	if _, err := s.UpdateCustomer(ctx, tenant, "m07", "", func(c *rapportv1.Customer) error {
		c.DisplayName = "Changed"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"customers/a1", "customers/a2", "customers/z1", "customers/z2"}
	for _, size := range []int{1, 2, 3, 500} {
		if got := listAll(t, s, repository.CustomerFilter{}, size); !slices.Equal(got, want) {
			t.Errorf("listed by %d: %v, want %v", size, got, want)
		}
	}
	// After a2, one page of one: z1, over the 40 merged customers.
	if page, more, err := s.ListCustomers(ctx, tenant, repository.CustomerFilter{}, "a2", 1); err != nil || len(page) != 1 || page[0].GetName() != "customers/z1" || !more {
		t.Errorf("the page after a2: %v, %v, %v", page, more, err)
	}
	var wantMerged []string
	for _, id := range halves {
		wantMerged = append(wantMerged, "customers/"+id+">customers/a2")
	}
	if got := listAll(t, s, repository.CustomerFilter{Merged: true}, 7); !slices.Equal(got, wantMerged) {
		t.Errorf("merged ones: %v, want %v", got, wantMerged)
	}
	if err := s.UnmergeCustomers(ctx, tenant, "a2", "m07"); err != nil {
		t.Fatal(err)
	}
	want = []string{"customers/a1", "customers/a2", "customers/m07", "customers/z1", "customers/z2"}
	if got := listAll(t, s, repository.CustomerFilter{}, 2); !slices.Equal(got, want) {
		t.Errorf("after unmerging m07: %v, want %v", got, want)
	}
	if got := listAll(t, s, repository.CustomerFilter{Merged: true}, 50); len(got) != 39 || slices.Contains(got, "customers/m07>customers/a2") {
		t.Errorf("merged ones after unmerging m07: %v", got)
	}
	// The survivor erased alone (the service erases its halves first): its
	// halves are customers of their own again.
	if _, err := s.DeleteCustomer(ctx, tenant, "a2", ""); err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, s, repository.CustomerFilter{}, 100); len(got) != 43 {
		t.Errorf("after erasing the survivor: %d listed, want 43: %v", len(got), got)
	}
	if got := listAll(t, s, repository.CustomerFilter{Merged: true}, 10); len(got) != 0 {
		t.Errorf("merged ones after erasing the survivor: %v", got)
	}
}

// mergeRace is two merges that would chain (X into Y while Y goes into Z)
// or loop (P into Q while Q goes into P).
type mergeRace struct{ first, second repository.Merge }

// mergeRaces creates the customers of rounds races of each kind.
func mergeRaces(t *testing.T, s Store, rounds int) []mergeRace {
	t.Helper()
	var races []mergeRace
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range rounds {
		x, y, z := fmt.Sprintf("x%02d", i), fmt.Sprintf("y%02d", i), fmt.Sprintf("z%02d", i)
		p, q := fmt.Sprintf("p%02d", i), fmt.Sprintf("q%02d", i)
		for _, id := range []string{x, y, z, p, q} {
			create(t, s, tenant, id)
		}
		races = append(races,
			mergeRace{repository.Merge{Survivor: y, Merged: x, MergeTime: at}, repository.Merge{Survivor: z, Merged: y, MergeTime: at}},
			mergeRace{repository.Merge{Survivor: q, Merged: p, MergeTime: at}, repository.Merge{Survivor: p, Merged: q, MergeTime: at}})
	}
	return races
}

// judgeRaces checks the outcome of merge races (errs[i] for races[i]'s
// two merges): at most one of each is made, the other refused with
// ErrMergeConflict (or ErrContention); whatever the interleaving, no
// merged customer is a survivor, on any of stores, and the merged ones
// ListCustomers lists are those merged.
func judgeRaces(t *testing.T, races []mergeRace, errs [][2]error, stores ...Store) {
	t.Helper()
	ctx := t.Context()
	var wins, both, neither int
	for i, r := range races {
		ok := 0
		for j, err := range errs[i] {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, repository.ErrMergeConflict) && !errors.Is(err, repository.ErrContention):
				t.Errorf("merge %d of %+v: %v, want success or ErrMergeConflict", j, r, err)
			}
		}
		switch ok {
		case 2:
			both++
			t.Errorf("both merges made: %+v", r)
		case 1:
			wins++
		default:
			neither++
		}
	}
	t.Logf("%d races: one merge made in %d, both refused in %d, both made in %d", len(races), wins, neither, both)
	var merged []string
	for _, s := range stores {
		merged = merged[:0]
		for _, r := range races {
			for _, id := range []string{r.first.Merged, r.second.Merged} {
				into, err := s.MergedInto(ctx, tenant, id)
				if err != nil {
					t.Fatal(err)
				}
				if into == "" {
					continue
				}
				merged = append(merged, "customers/"+id+">customers/"+into)
				if next, err := s.MergedInto(ctx, tenant, into); err != nil || next != "" {
					t.Errorf("a chain: %s into %s into %q (%v)", id, into, next, err)
				}
				if into2, err := s.ListMerges(ctx, tenant, id); err != nil || len(into2) > 0 {
					t.Errorf("%s is merged into %s and has merges into it: %v (%v)", id, into, into2, err)
				}
			}
		}
		slices.Sort(merged)
		if got := listAll(t, s, repository.CustomerFilter{Merged: true}, 100); !slices.Equal(got, merged) {
			t.Errorf("listed as merged: %v, want %v", got, merged)
		}
	}
	if len(merged) == 0 {
		t.Error("no merge was made at all")
	}
}

// testConcurrentMergesNeverChain: merges that would chain or loop race
// through two stores on the same data, as two replicas would (goroutines
// of this process, each store with its own connections): see judgeRaces.
func testConcurrentMergesNeverChain(t *testing.T, e Engine) {
	a := e.New(t, Options{})
	b := e.Reopen(t, a, Options{})
	races := mergeRaces(t, a, 12)
	errs := make([][2]error, len(races))
	for i, r := range races {
		start := make(chan struct{})
		var wg sync.WaitGroup
		for j, m := range []repository.Merge{r.first, r.second} {
			s := []Store{a, b}[j]
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, errs[i][j] = s.MergeCustomers(t.Context(), tenant, m)
			}()
		}
		close(start)
		wg.Wait()
	}
	judgeRaces(t, races, errs, a, b)
}

// testMergesFromTwoProcessesNeverChain: the same races between this
// process and another (this test binary again, MergeInAnotherProcess) on
// the same data: the embedded store's file, or the MongoDB database.
// Every race starts at once, half of each in either process.
func testMergesFromTwoProcessesNeverChain(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	races := mergeRaces(t, s, 20)
	var theirs []repository.Merge
	for _, r := range races {
		theirs = append(theirs, r.second)
	}
	other := MergeInAnotherProcess(t, s, tenant, theirs)
	errs := make([][2]error, len(races))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range races {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, _, errs[i][0] = s.MergeCustomers(t.Context(), tenant, r.first)
		}()
	}
	other.Start(t)
	close(start)
	wg.Wait()
	for i, err := range other.Wait(t) {
		errs[i][1] = err
	}
	judgeRaces(t, races, errs, s)
}

// testConcurrentRetriesOfOneMerge: the same merge sent several times at
// once (a client's retries racing its first attempt), through two stores:
// every one succeeds, one makes it, the others answer it already made.
func testConcurrentRetriesOfOneMerge(t *testing.T, e Engine) {
	a := e.New(t, Options{})
	b := e.Reopen(t, a, Options{})
	create(t, a, tenant, "ada")
	create(t, a, tenant, "bob")
	const n = 6
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs, already := make([]error, n), make([]bool, n)
	for i := range n {
		s := []Store{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, already[i], errs[i] = s.MergeCustomers(t.Context(), tenant, repository.Merge{Survivor: "ada", Merged: "bob", MergeTime: time.Unix(int64(i), 0)})
		}()
	}
	close(start)
	wg.Wait()
	made := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("merge %d: %v", i, errs[i])
		}
		if !already[i] {
			made++
		}
	}
	if made != 1 {
		t.Errorf("%d of %d merges say they made it, want 1", made, n)
	}
	if got := listAll(t, a, repository.CustomerFilter{Merged: true}, 10); !slices.Equal(got, []string{"customers/bob>customers/ada"}) {
		t.Errorf("merged ones: %v", got)
	}
}

// testListMergesIntoSeveralSurvivors: the merges into a page's customers,
// in one call, each survivor's oldest first, of the tenant only.
func testListMergesIntoSeveralSurvivors(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	for _, id := range []string{"ada", "bob", "cy", "dee", "eve", "zed"} {
		create(t, s, tenant, id)
	}
	create(t, s, "acme-2", "ada")
	create(t, s, "acme-2", "bob")
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []repository.Merge{
		{Survivor: "ada", Merged: "cy", MergeTime: at.Add(time.Minute)},
		{Survivor: "ada", Merged: "bob", MergeTime: at.Add(2 * time.Minute)},
		{Survivor: "dee", Merged: "eve", MergeTime: at},
	} {
		if _, _, err := s.MergeCustomers(ctx, tenant, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.MergeCustomers(ctx, "acme-2", repository.Merge{Survivor: "ada", Merged: "bob", MergeTime: at}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListMergesInto(ctx, tenant, []string{"zed", "dee", "bob", "ada"})
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for _, m := range got {
		pairs = append(pairs, m.Merged+">"+m.Survivor)
	}
	if want := []string{"cy>ada", "bob>ada", "eve>dee"}; !slices.Equal(pairs, want) {
		t.Errorf("merges into the page: %v, want %v", pairs, want)
	}
	if got, err := s.ListMergesInto(ctx, tenant, nil); err != nil || len(got) != 0 {
		t.Errorf("merges into no customer: %v, %v", got, err)
	}
}
