package repositorytest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository"
)

// followUpRows lists every index entry matching f, pages of size.
func followUpRows(t *testing.T, s Store, tenant string, f repository.FollowUpFilter, size int) []string {
	t.Helper()
	var out []string
	var after *repository.FollowUpCursor
	for {
		page, more, err := s.ListFollowUps(context.Background(), tenant, f, after, size)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > size || (more && len(page) != size) {
			t.Fatalf("page of %d (size %d, more %v)", len(page), size, more)
		}
		for _, r := range page {
			out = append(out, r.CustomerID+"/"+r.FollowUpID)
		}
		if !more {
			return out
		}
		last := page[len(page)-1]
		after = &repository.FollowUpCursor{DueTime: last.DueTime, CustomerID: last.CustomerID, FollowUpID: last.FollowUpID}
	}
}

// testFollowUpIndexByDueTime: the index lists a state's entries by due
// time (then customer, ID; equal due times included), in keyset pages,
// bounded by a due-time range, filtered by reason and blocked, within the
// tenant; an upsert moves an entry, a removal drops it.
func testFollowUpIndexByDueTime(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := context.Background()
	base := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, c := range []string{"c0", "c1", "c2"} {
		create(t, s, tenant, c)
	}
	var rows []repository.FollowUpRow
	for i := range 9 {
		c := fmt.Sprintf("c%d", i%3)
		rows = append(rows, repository.FollowUpRow{CustomerID: c, FollowUpID: fmt.Sprintf("f%d", i), State: 1, Reason: int32(1 + i%2),
			DueTime: base.Add(time.Duration(i/2) * time.Hour), FollowUp: []byte{byte(i)}})
	}
	rows[8].Blocked = "NO_CONSENTED_CHANNEL"
	if err := s.WriteFollowUps(ctx, tenant, rows, nil); err != nil {
		t.Fatal(err)
	}
	create(t, s, "other", "c0")
	if err := s.WriteFollowUps(ctx, "other", []repository.FollowUpRow{{CustomerID: "c0", FollowUpID: "f0", State: 1, Reason: 1, DueTime: base}}, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"c0/f0", "c1/f1", "c0/f3", "c2/f2", "c1/f4", "c2/f5", "c0/f6", "c1/f7", "c2/f8"}
	for _, size := range []int{1, 2, 4, 100} {
		if got := followUpRows(t, s, tenant, repository.FollowUpFilter{State: 1}, size); !slices.Equal(got, want) {
			t.Fatalf("size %d: %v, want %v", size, got, want)
		}
	}
	page, _, err := s.ListFollowUps(ctx, tenant, repository.FollowUpFilter{State: 1}, nil, 1)
	if err != nil || len(page) != 1 || page[0].Reason != 1 || !page[0].DueTime.Equal(base) || string(page[0].FollowUp) != "\x00" {
		t.Fatalf("row not kept as written: %+v %v", page, err)
	}
	ranged := repository.FollowUpFilter{State: 1, DueFrom: base.Add(time.Hour), DueUntil: base.Add(3 * time.Hour)}
	if got := followUpRows(t, s, tenant, ranged, 2); !slices.Equal(got, want[2:6]) {
		t.Fatalf("range: %v, want %v", got, want[2:6])
	}
	if got := followUpRows(t, s, tenant, repository.FollowUpFilter{State: 1, Reason: 2}, 2); !slices.Equal(got, []string{"c1/f1", "c0/f3", "c2/f5", "c1/f7"}) {
		t.Fatalf("reason: %v", got)
	}
	if got := followUpRows(t, s, tenant, repository.FollowUpFilter{State: 1, BlockedSet: true}, 3); len(got) != 8 || slices.Contains(got, "c2/f8") {
		t.Fatalf("not blocked: %v", got)
	}
	if got := followUpRows(t, s, tenant, repository.FollowUpFilter{State: 1, CustomerID: "c1"}, 2); !slices.Equal(got, []string{"c1/f1", "c1/f4", "c1/f7"}) {
		t.Fatalf("one customer: %v", got)
	}
	if got := followUpRows(t, s, "other", repository.FollowUpFilter{State: 1}, 10); !slices.Equal(got, []string{"c0/f0"}) {
		t.Fatalf("other tenant: %v", got)
	}
	// Complete one, move one later, remove one.
	done := rows[0]
	done.State = 2
	later := rows[1]
	later.DueTime = base.Add(10 * time.Hour)
	if err := s.WriteFollowUps(ctx, tenant, []repository.FollowUpRow{done, later}, []repository.FollowUpKey{{CustomerID: "c2", FollowUpID: "f2"}}); err != nil {
		t.Fatal(err)
	}
	if got := followUpRows(t, s, tenant, repository.FollowUpFilter{State: 1}, 3); !slices.Equal(got, []string{"c0/f3", "c1/f4", "c2/f5", "c0/f6", "c1/f7", "c2/f8", "c1/f1"}) {
		t.Fatalf("after changes: %v", got)
	}
	if got := followUpRows(t, s, tenant, repository.FollowUpFilter{State: 2}, 3); !slices.Equal(got, []string{"c0/f0"}) {
		t.Fatalf("completed: %v", got)
	}
}

// testFollowUpsErasedWithTheCustomer: DeleteCustomer removes the
// customer's index entries, and only theirs.
func testFollowUpsErasedWithTheCustomer(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := context.Background()
	create(t, s, tenant, "gone")
	create(t, s, tenant, "kept")
	now := time.Now()
	if err := s.WriteFollowUps(ctx, tenant, []repository.FollowUpRow{
		{CustomerID: "gone", FollowUpID: "f1", State: 1, Reason: 1, DueTime: now},
		{CustomerID: "gone", FollowUpID: "f2", State: 2, Reason: 1, DueTime: now},
		{CustomerID: "kept", FollowUpID: "f1", State: 1, Reason: 1, DueTime: now},
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteCustomer(ctx, tenant, "gone", ""); err != nil {
		t.Fatal(err)
	}
	for _, st := range []int32{1, 2} {
		for _, r := range followUpRows(t, s, tenant, repository.FollowUpFilter{State: st}, 10) {
			if r != "kept/f1" {
				t.Fatalf("left after erasure: %s", r)
			}
		}
	}
	if got := followUpRows(t, s, tenant, repository.FollowUpFilter{State: 1}, 10); !slices.Equal(got, []string{"kept/f1"}) {
		t.Fatalf("kept customer's: %v", got)
	}
}
