package service_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// listCustomers pages through ListCustomers with filter, size a page, and
// checks that every page but the last is full.
func listCustomers(t *testing.T, ts *testServer, filter string, size int32) []*rapportv1.Customer {
	t.Helper()
	var all []*rapportv1.Customer
	req := &rapportv1.ListCustomersRequest{PageSize: size, Filter: filter}
	for range 1000 {
		res, err := ts.customers.ListCustomers(t.Context(), req)
		if err != nil {
			t.Fatalf("list %q: %v", filter, err)
		}
		all = append(all, res.GetCustomers()...)
		if res.GetNextPageToken() == "" {
			return all
		}
		if len(res.GetCustomers()) != int(size) {
			t.Errorf("a page of %d customers (filter %q) before the last, want %d", len(res.GetCustomers()), filter, size)
		}
		req.PageToken = res.GetNextPageToken()
	}
	t.Fatal("ListCustomers does not end")
	return nil
}

func names(cs []*rapportv1.Customer) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.GetName())
	}
	return out
}

// ListCustomers shows a merged customer under its survivor only (in
// merged_customers, with the profile GetCustomer shows), in full pages
// however many merged customers lie between; `merged = true` lists the
// merged ones, each its own record naming its survivor; an unmerge lists
// the customer again.
func TestListCustomersShowsMergedCustomersUnderTheirSurvivor(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	create := func(id, display string) {
		t.Helper()
		if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: id, Customer: &rapportv1.Customer{DisplayName: display}}); err != nil {
			t.Fatal(err)
		}
	}
	create("ada", "Ada Lovelace")
	create("zed", "Zed")
	var halves []string
	for i := range 12 {
		id := fmt.Sprintf("dup-%02d", i)
		create(id, "Ada L. "+id)
		halves = append(halves, "customers/"+id)
		if _, err := ts.customers.MergeCustomers(ctx, &rapportv1.MergeCustomersRequest{Customer: "customers/ada", MergedCustomer: "customers/" + id}); err != nil {
			t.Fatal(err)
		}
	}
	for _, size := range []int32{1, 2, 50} {
		for _, filter := range []string{"", "merged = false"} {
			list := listCustomers(t, ts, filter, size)
			if got := names(list); !slices.Equal(got, []string{"customers/ada", "customers/zed"}) {
				t.Errorf("listed (filter %q, pages of %d): %v", filter, size, got)
				continue
			}
			got, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: "customers/ada"})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(list[0].GetMergedCustomers(), halves) || list[0].GetEtag() != got.GetCustomer().GetEtag() || list[0].GetMergedInto() != "" {
				t.Errorf("the survivor as listed: %v\nas GetCustomer shows it: %v", list[0], got.GetCustomer())
			}
		}
	}
	// After ada, one page of one: zed, over the twelve merged customers.
	first, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	next, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 1, PageToken: first.GetNextPageToken()})
	if err != nil || !slices.Equal(names(next.GetCustomers()), []string{"customers/zed"}) || next.GetNextPageToken() != "" {
		t.Errorf("the page after ada: %v, %v", next, err)
	}
	merged := listCustomers(t, ts, "merged = true", 5)
	if !slices.Equal(names(merged), halves) {
		t.Errorf("merged ones: %v, want %v", names(merged), halves)
	}
	for _, c := range merged {
		if c.GetMergedInto() != "customers/ada" || c.GetDisplayName() != "Ada L. "+c.GetName()[len("customers/"):] || len(c.GetMergedCustomers()) != 0 {
			t.Errorf("a merged customer as listed: %v", c)
		}
	}
	// A token is bound to its filter.
	_, err = ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 1, Filter: "merged = true", PageToken: first.GetNextPageToken()})
	if code, _, fields := statusDetails(t, err); code != codes.InvalidArgument || fields["page_token"] == "" {
		t.Errorf("a token with another filter: %v %v", code, fields)
	}
	for _, bad := range []string{"merged = 1", "merged != true", "display_name = \"Ada\"", "merged = true AND merged = false", "merged", "merged = maybe"} {
		_, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{Filter: bad})
		if code, info, fields := statusDetails(t, err); code != codes.InvalidArgument || info.GetReason() == "" || fields["filter"] == "" {
			t.Errorf("filter %q: %v %v %v", bad, code, info, fields)
		}
	}
	if _, err := ts.customers.UnmergeCustomer(ctx, &rapportv1.UnmergeCustomerRequest{Name: "customers/ada/merges/dup-03"}); err != nil {
		t.Fatal(err)
	}
	if got := names(listCustomers(t, ts, "", 2)); !slices.Equal(got, []string{"customers/ada", "customers/dup-03", "customers/zed"}) {
		t.Errorf("after the unmerge: %v", got)
	}
	if got := listCustomers(t, ts, "merged = true", 50); len(got) != 11 || slices.Contains(names(got), "customers/dup-03") {
		t.Errorf("merged ones after the unmerge: %v", names(got))
	}
}

// Merges that would chain, sent at once to two servers on one store (two
// replicas): at most one of each pair is made, the other is refused with
// MERGE_CONFLICT, and every name resolves in one step.
func TestMergesRacingThroughTwoServersNeverChain(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	one := startServer(t, store, service.Options{})
	two := startServer(t, engine().Reopen(t, store, repositorytest.Options{}), service.Options{})
	ctx := t.Context()
	const rounds = 6
	made := 0
	for i := range rounds {
		x, y, z := fmt.Sprintf("customers/x%d", i), fmt.Sprintf("customers/y%d", i), fmt.Sprintf("customers/z%d", i)
		for _, name := range []string{x, y, z} {
			if _, err := one.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: name[len("customers/"):], Customer: &rapportv1.Customer{DisplayName: name}}); err != nil {
				t.Fatal(err)
			}
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, r := range []struct {
			ts  *testServer
			req *rapportv1.MergeCustomersRequest
		}{
			{one, &rapportv1.MergeCustomersRequest{Customer: y, MergedCustomer: x}},
			{two, &rapportv1.MergeCustomersRequest{Customer: z, MergedCustomer: y}},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[j] = r.ts.customers.MergeCustomers(ctx, r.req)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			if code, info, _ := statusDetails(t, err); code != codes.FailedPrecondition || info.GetReason() != "MERGE_CONFLICT" {
				if st, _ := status.FromError(err); st.Code() != codes.Aborted {
					t.Errorf("the losing merge: %v %v, want FAILED_PRECONDITION MERGE_CONFLICT", code, info)
				}
			}
		}
		if ok > 1 {
			t.Errorf("round %d: both merges made: %s into %s into %s", i, x, y, z)
		}
		made += ok
		// Every name resolves to a customer that is not merged.
		for _, ts := range []*testServer{one, two} {
			for _, name := range []string{x, y, z} {
				c, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: name})
				if err != nil {
					t.Fatal(err)
				}
				if c.GetCustomer().GetName() == name {
					continue
				}
				if again, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: c.GetCustomer().GetName()}); err != nil || again.GetCustomer().GetName() != c.GetCustomer().GetName() {
					t.Errorf("%s resolves to %s, which resolves to %v (%v)", name, c.GetCustomer().GetName(), again.GetCustomer().GetName(), err)
				}
			}
		}
	}
	t.Logf("%d of %d races made one merge", made, rounds)
	for _, ts := range []*testServer{one, two} {
		merged := listCustomers(t, ts, "merged = true", 100)
		listed := listCustomers(t, ts, "", 100)
		if len(merged) != made || len(listed) != 3*rounds-made {
			t.Errorf("%d listed and %d merged, want %d and %d", len(listed), len(merged), 3*rounds-made, made)
		}
	}
}

// A page of ListCustomers costs the same number of round trips whatever
// its size: the page, and one read of the merges into any of its
// customers (plus each merged half's profile, for the survivors shown
// with theirs).
func TestListCustomersPageIsTwoReads(t *testing.T) {
	t.Parallel()
	var counter commandCounter
	ts := startServer(t, counter.store(t), service.Options{})
	ctx := t.Context()
	for i := range 40 {
		if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: fmt.Sprintf("c%02d", i), Customer: &rapportv1.Customer{DisplayName: "C"}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, size := range []int32{10, 40} {
		n := counter.during(func() {
			if _, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: size}); err != nil {
				t.Fatal(err)
			}
		})
		if n["read"] != 2 {
			t.Errorf("a page of %d: %v round trips, want 2 reads", size, n)
		}
	}
	for _, half := range []string{"customers/c05", "customers/c06"} {
		if _, err := ts.customers.MergeCustomers(ctx, &rapportv1.MergeCustomersRequest{Customer: "customers/c01", MergedCustomer: half}); err != nil {
			t.Fatal(err)
		}
	}
	var page *rapportv1.ListCustomersResponse
	n := counter.during(func() {
		var err error
		if page, err = ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 40}); err != nil {
			t.Fatal(err)
		}
	})
	if n["read"] != 4 || len(page.GetCustomers()) != 38 || !slices.Equal(page.GetCustomers()[1].GetMergedCustomers(), []string{"customers/c05", "customers/c06"}) {
		t.Errorf("a page of 38 with a survivor of two: %v round trips (want 4 reads), %d customers, %v", n, len(page.GetCustomers()), page.GetCustomers()[1])
	}
}
