package sqlite_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/sqlite"
)

// The worklist is O(page): every page of ListFollowUps, across the
// tenant, is one range of follow_ups_by_due (tenant, state, due_time,
// then the cursor), read in the index's order: no table scan, no sort,
// and no read of customers or summaries.
func TestListFollowUpsReadsAnIndexRangeByDueTime(t *testing.T) {
	var mu sync.Mutex
	var sent []string
	s, err := sqlite.Open(t.Context(), t.TempDir(), sqlite.WithStatementHook(func(_ context.Context, q string) {
		mu.Lock()
		sent = append(sent, q)
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, f := range []repository.FollowUpFilter{
		{State: 1},
		{State: 1, DueUntil: now},
		{State: 1, DueFrom: now.Add(-time.Hour), DueUntil: now, Reason: 2, Blocked: "", BlockedSet: true},
	} {
		mu.Lock()
		sent = nil
		mu.Unlock()
		if _, _, err := s.ListFollowUps(ctx, "acme", f, &repository.FollowUpCursor{DueTime: now.Add(-2 * time.Hour), CustomerID: "c", FollowUpID: "f"}, 50); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		queries := sent
		mu.Unlock()
		if len(queries) != 1 {
			t.Fatalf("%+v: %d statements for a page, want 1: %q", f, len(queries), queries)
		}
		plan, err := explain(planDB(t), queries[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(plan) != 1 || !strings.HasPrefix(plan[0], "SEARCH follow_ups USING INDEX follow_ups_by_due (tenant=? AND state=?") || !seeksRange(plan[0]) {
			t.Fatalf("%+v: plan %q, want one range search of follow_ups_by_due\n\t%s", f, plan, queries[0])
		}
		t.Logf("%s", plan[0])
	}
}
