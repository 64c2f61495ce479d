package access

import (
	"fmt"
	"strings"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/protobuf/proto"
)

// drain dispatches one call at a time (one slot, finished before the next
// is let in) and returns the tenants in the order they ran.
func drain(q *fairQueue, n int) string {
	var order []string
	for range n {
		w := q.next(1, 1)
		if w == nil {
			break
		}
		order = append(order, w.tenant)
		q.done(w)
	}
	return strings.Join(order, "")
}

func TestFairQueueSharesByWeight(t *testing.T) {
	t.Parallel()
	q := newFairQueue()
	for range 30 {
		q.push("a", 2, 1, 1)
		q.push("b", 1, 1, 1)
	}
	got := drain(q, 30)
	if a, b := strings.Count(got, "a"), strings.Count(got, "b"); a != 20 || b != 10 {
		t.Errorf("first 30 calls ran %q: a %d, b %d; want 20 and 10 (weights 2:1)", got, a, b)
	}
	// Equal weights alternate, whatever the order they queued in.
	q = newFairQueue()
	for range 4 {
		q.push("x", 1, 1, 1)
	}
	for range 4 {
		q.push("y", 1, 1, 1)
	}
	if got := drain(q, 8); got != "xyxyxyxy" {
		t.Errorf("equal weights ran %q, want xyxyxyxy", got)
	}
}

func TestFairQueueCostAdvancesTags(t *testing.T) {
	t.Parallel()
	// A tenant of 500-unit calls and one of 1-unit calls, both with a
	// backlog: the cheap tenant runs 500 calls for each expensive one.
	q := newFairQueue()
	for range 3 {
		q.push("h", 1, 500, 1)
	}
	for range 1200 {
		q.push("c", 1, 1, 1)
	}
	got := drain(q, 1203)
	if want := "h" + strings.Repeat("c", 500) + "h" + strings.Repeat("c", 500) + "h" + strings.Repeat("c", 200); got != want {
		t.Errorf("order: %d h in %q...; want each h after 500 c", strings.Count(got, "h"), got[:min(len(got), 40)])
	}
}

func TestFairQueueCalmAheadOfBacklog(t *testing.T) {
	t.Parallel()
	q := newFairQueue()
	const slots, perTenant = 16, 8
	free := slots
	// The heavy tenant queues 10 calls of a core's worth each.
	for range 10 {
		q.push("heavy", 1, 1000, 8)
	}
	running := q.next(free, perTenant)
	if running == nil || running.tenant != "heavy" {
		t.Fatalf("first call: %+v", running)
	}
	free -= running.slots
	// At its share (8 of 16 slots), the heavy tenant waits; the calm
	// tenant's call arrives after its backlog and runs at once.
	if w := q.next(free, perTenant); w != nil {
		t.Fatalf("a second heavy call ran beyond the tenant's share: %+v", w)
	}
	q.push("calm", 1, 1, 1)
	calm := q.next(free, perTenant)
	if calm == nil || calm.tenant != "calm" {
		t.Fatalf("the calm call did not run beside the heavy one: %+v", calm)
	}
	free -= calm.slots
	q.done(calm)
	free += calm.slots
	// When the heavy call ends, a calm call queued then still goes first.
	q.push("calm", 1, 1, 1)
	q.done(running)
	free += running.slots
	if w := q.next(free, perTenant); w == nil || w.tenant != "calm" {
		t.Fatalf("after the heavy call, %+v ran first; want the calm call", w)
	}
}

func TestFairQueueLargeCallIsNotStarved(t *testing.T) {
	t.Parallel()
	q := newFairQueue()
	small := q.push("a", 1, 1, 1)
	if q.next(8, 8) != small {
		t.Fatal("the first call did not run")
	}
	big := q.push("b", 1, 8, 8) // needs every slot: waits for the small one
	q.push("a", 1, 1, 1)        // queued later, with a later tag
	if w := q.next(7, 8); w != nil {
		t.Fatalf("%+v ran past the large call waiting for slots", w)
	}
	q.done(small)
	if w := q.next(8, 8); w != big {
		t.Fatalf("%+v ran; want the large call", w)
	}
}

func TestFairQueueRemoveAndForget(t *testing.T) {
	t.Parallel()
	q := newFairQueue()
	a := q.push("a", 1, 1, 1)
	b := q.push("b", 1, 1, 1)
	q.remove(a)
	if q.queued("a") != 0 {
		t.Errorf("a still queued")
	}
	w := q.next(1, 1)
	if w != b {
		t.Fatalf("%+v ran; want b", w)
	}
	q.done(w)
	// Many tenants calling once each: the idle ones are forgotten.
	for i := range 10 * maxIdleFlows {
		w := q.push(fmt.Sprint("t", i), 1, 1, 1)
		if q.next(1, 1) != w {
			t.Fatal("the only call did not run")
		}
		q.done(w)
	}
	if n := len(q.flows); n > maxIdleFlows {
		t.Errorf("%d idle tenants kept, want at most %d", n, maxIdleFlows)
	}
}

func TestCost(t *testing.T) {
	t.Parallel()
	batch := func(n, text int) *rapportv1.BatchRecordInteractionsRequest {
		r := &rapportv1.BatchRecordInteractionsRequest{}
		for range n {
			r.Requests = append(r.Requests, &rapportv1.RecordInteractionRequest{Parent: "customers/ada",
				Interaction: &rapportv1.Interaction{Text: strings.Repeat("x", text)}})
		}
		return r
	}
	contexts := &rapportv1.BatchGetCustomerContextsRequest{}
	for range 100 {
		contexts.Requests = append(contexts.Requests, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"})
	}
	for _, tc := range []struct {
		name string
		req  any
		want int
	}{
		{"a get", &rapportv1.GetCustomerRequest{Name: "customers/ada"}, 1},
		{"not a message", "x", 1},
		{"64 KiB of text", &rapportv1.RecordInteractionRequest{Interaction: &rapportv1.Interaction{Text: strings.Repeat("x", 64<<10)}}, 5},
		{"500 small items", batch(500, 10), 500 + sizeUnits(batch(500, 10))},
		{"500 items of 16 KiB", batch(500, 16<<10), 500 + sizeUnits(batch(500, 16<<10))},
		{"100 contexts", contexts, 100},
		{"page of 500", &rapportv1.ListInteractionsRequest{Parent: "customers/ada", PageSize: 500}, 10},
		{"default page", &rapportv1.ListCustomersRequest{}, 1},
		{"page of 100", &rapportv1.ListCustomersRequest{PageSize: 100}, 2},
		{"page of 1", &rapportv1.ListCustomersRequest{PageSize: 1}, 1},
		{"an import message", &rapportv1.ImportIssuesRequest{Requests: make([]*rapportv1.CreateIssueRequest, 200)}, 200},
	} {
		if got := Cost(tc.req); got != tc.want {
			t.Errorf("%s: cost %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := Cost(batch(500, 16<<10)); got < 1000 {
		t.Errorf("500 items of 16 KiB cost %d, want at least 1000", got)
	}
}

func TestPerReplica(t *testing.T) {
	t.Parallel()
	l := Limits{TenantRate: 1000, TenantBurst: 2000, KeyRate: 500, KeyBurst: 3, Replicas: 4}.PerReplica()
	if l.TenantRate != 250 || l.TenantBurst != 500 || l.KeyRate != 125 || l.KeyBurst != 1 || l.MaxHeavyReadsPerTenant != 1 {
		t.Errorf("a quarter of the limits: %+v", l)
	}
	if one := (Limits{TenantRate: 10, MaxHeavyReadsPerTenant: 6}).PerReplica(); one.TenantRate != 10 || one.MaxHeavyReadsPerTenant != 6 {
		t.Errorf("one replica changed the limits: %+v", one)
	}
}

// sizeUnits is the size units of a request (1 per 16 KiB).
func sizeUnits(m proto.Message) int { return proto.Size(m) / CostTextBytes }
