package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

// pagingStore records how ExportCustomer reads interactions, and holds the
// read of the second page until the client has received an interaction:
// an export that read the whole history before sending would wait here.
type pagingStore struct {
	repositorytest.Store
	customerID string
	received   <-chan struct{}

	mu       sync.Mutex
	limits   []int
	gated    bool
	streamed bool
}

func (p *pagingStore) ListInteractions(ctx context.Context, tenant, customerID string, f repository.InteractionFilter, after *repository.Cursor, limit int) ([]*rapportv1.Interaction, bool, error) {
	if customerID == p.customerID {
		p.mu.Lock()
		p.limits = append(p.limits, limit)
		gate := after != nil && !p.gated
		p.gated = p.gated || gate
		p.mu.Unlock()
		if gate {
			select {
			case <-p.received:
				p.mu.Lock()
				p.streamed = true
				p.mu.Unlock()
			case <-time.After(10 * time.Second):
			case <-ctx.Done():
			}
		}
	}
	return p.Store.ListInteractions(ctx, tenant, customerID, f, after, limit)
}

// auditRecords returns the attributes of every ExportCustomer audit record
// in JSON logs.
func auditRecords(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(logs) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "audit: customer export" {
			out = append(out, rec)
		}
	}
	return out
}

// waitAudit waits until the logs hold n audit records and returns them.
func waitAudit(t *testing.T, logs *lockedBuffer, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		recs := auditRecords(t, logs.String())
		if len(recs) >= n || time.Now().After(deadline) {
			if len(recs) != n {
				t.Fatalf("%d audit records, want %d:\n%s", len(recs), n, logs.String())
			}
			return recs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exportAll reads a whole ExportCustomer stream.
func exportAll(ctx context.Context, ts *testServer, name string) ([]*rapportv1.ExportCustomerResponse, error) {
	stream, err := ts.customers.ExportCustomer(ctx, &rapportv1.ExportCustomerRequest{Name: name})
	if err != nil {
		return nil, err
	}
	var msgs []*rapportv1.ExportCustomerResponse
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return msgs, nil
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, m)
	}
}

// TestExportCustomerSendsEverythingInOrder exports a customer with
// identities, 1,203 interactions (three pages of the history, with equal
// occur_times across page boundaries) and issues with facts: every item
// comes once, in full, in the documented order, nothing of another
// customer comes, the history is read and sent a page at a time, and the
// call is audited.
func TestExportCustomerSendsEverythingInOrder(t *testing.T) {
	t.Parallel()
	const n = 1203
	received := make(chan struct{})
	repo := newStore(t)
	store := &pagingStore{Store: repo, customerID: "ada", received: received}
	var logs lockedBuffer
	ts := startServer(t, store, service.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx := t.Context()

	created, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: ada()})
	if err != nil {
		t.Fatal(err)
	}
	parent := created.GetCustomer().GetName()
	refund := ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Charged twice", Topic: "billing",
		Facts: []*rapportv1.Fact{{Key: "order_number", Value: "A-1234"}}})
	ts.newIssue(t, parent, "outage", &rapportv1.Issue{Title: "App down"})
	login := ts.newIssue(t, parent, "login", &rapportv1.Issue{Title: "Cannot log in"})
	if _, err := ts.setStatus(t, login.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED); err != nil {
		t.Fatal(err)
	}

	// Another customer, whose records must not appear.
	other := ts.newCustomer(t, "grace")
	ts.newIssue(t, other, "refund", &rapportv1.Issue{Title: "Grace's refund"})
	for i := range 3 {
		in := interaction(rapportv1.Channel_CHANNEL_CHAT, i, fmt.Sprint("grace-", i))
		in.Text = "grace's words"
		ts.record(t, other, in)
	}

	recorded := map[string]*rapportv1.Interaction{}
	var batch []*rapportv1.RecordInteractionRequest
	flush := func() {
		res, err := ts.interactions.BatchRecordInteractions(ctx, &rapportv1.BatchRecordInteractionsRequest{Requests: batch}, grpc.MaxCallRecvMsgSize(64<<20))
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res.GetResults() {
			if r.GetError() != nil {
				t.Fatalf("item %d: %v", i, r.GetError())
			}
			recorded[r.GetInteraction().GetName()] = r.GetInteraction()
		}
		batch = nil
	}
	for i := range n {
		// Three interactions per minute: pages end inside a group of equal
		// occur_times.
		in := interaction(rapportv1.Channel(i%7+1), i/3, fmt.Sprint("crm-", i))
		in.Text = fmt.Sprintf("Transcript %d: the customer explained the problem at length.", i)
		req := &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in}
		if i%7 == 0 { // no source record: keyed by request_id
			in.SourceSystem, in.SourceId = "", ""
			req.RequestId = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		}
		if i%50 == 0 {
			in.Issue = refund.GetName()
			in.Facts = []*rapportv1.Fact{{Key: "step_tried", Value: fmt.Sprint("step ", i)}}
		}
		batch = append(batch, req)
		if len(batch) == 500 {
			flush()
		}
	}
	flush()
	if len(recorded) != n {
		t.Fatalf("recorded %d interactions, want %d", len(recorded), n)
	}

	// Only the export's reads count: recording read the customer's recent
	// history too (the insight rollups' distinct count of customers).
	store.mu.Lock()
	store.limits, store.gated = nil, false
	store.mu.Unlock()
	stream, err := ts.customers.ExportCustomer(ctx, &rapportv1.ExportCustomerRequest{Name: parent})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []*rapportv1.ExportCustomerResponse
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %d messages: %v", len(msgs), err)
		}
		if m.GetInteraction() != nil && received != nil {
			close(received)
			received = nil
		}
		msgs = append(msgs, m)
	}
	store.mu.Lock()
	limits, streamed := store.limits, store.streamed
	store.mu.Unlock()

	// The order: one customer, the interactions, the issues, one context.
	var (
		customers    []*rapportv1.Customer
		interactions []*rapportv1.Interaction
		issues       []*rapportv1.Issue
		contexts     []*rapportv1.CustomerContext
	)
	phase := 0
	for i, m := range msgs {
		var p int
		switch item := m.GetItem().(type) {
		case *rapportv1.ExportCustomerResponse_Customer:
			p = 1
			customers = append(customers, item.Customer)
		case *rapportv1.ExportCustomerResponse_Interaction:
			p = 2
			interactions = append(interactions, item.Interaction)
		case *rapportv1.ExportCustomerResponse_Issue:
			p = 3
			issues = append(issues, item.Issue)
		case *rapportv1.ExportCustomerResponse_Context:
			p = 4
			contexts = append(contexts, item.Context)
		default:
			t.Fatalf("message %d has no item: %v", i, m)
		}
		if p < phase {
			t.Fatalf("message %d (%T) comes after a later kind", i, m.GetItem())
		}
		phase = p
	}
	if len(customers) != 1 || len(interactions) != n || len(issues) != 3 || len(contexts) != 1 {
		t.Fatalf("got %d customers, %d interactions, %d issues, %d contexts; want 1, %d, 3, 1",
			len(customers), len(interactions), len(issues), len(contexts), n)
	}
	if _, ok := msgs[0].GetItem().(*rapportv1.ExportCustomerResponse_Customer); !ok {
		t.Errorf("first message is %T, want the customer", msgs[0].GetItem())
	}
	if _, ok := msgs[len(msgs)-1].GetItem().(*rapportv1.ExportCustomerResponse_Context); !ok {
		t.Errorf("last message is %T, want the context", msgs[len(msgs)-1].GetItem())
	}

	// The customer, with identities and preferences, as stored.
	got, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: parent})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got.GetCustomer(), customers[0], protocmp.Transform()); diff != "" {
		t.Errorf("exported customer differs from GetCustomer (-get +export):\n%s", diff)
	}
	if len(customers[0].GetIdentities()) != 3 || customers[0].GetPreferences().GetTimeZone() != "Europe/London" {
		t.Errorf("customer without identities or preferences: %v", customers[0])
	}

	// Every interaction once, in full, newest first (occur_time, then ID),
	// in the order ListInteractions pages through them.
	seen := map[string]bool{}
	for i, in := range interactions {
		want, ok := recorded[in.GetName()]
		switch {
		case !ok:
			t.Fatalf("exported %s, which was not recorded for %s", in.GetName(), parent)
		case seen[in.GetName()]:
			t.Fatalf("exported %s twice", in.GetName())
		case !proto.Equal(in, want):
			t.Fatalf("exported %s differs from what was recorded:\n%s", in.GetName(), cmp.Diff(want, in, protocmp.Transform()))
		case in.GetText() == "":
			t.Fatalf("exported %s without its text", in.GetName())
		}
		seen[in.GetName()] = true
		if i > 0 {
			prev := interactions[i-1]
			pt, ct := prev.GetOccurTime().AsTime(), in.GetOccurTime().AsTime()
			if pt.Before(ct) || (pt.Equal(ct) && prev.GetName() <= in.GetName()) {
				t.Fatalf("interactions %d and %d out of order: %s %v, %s %v", i-1, i, prev.GetName(), pt, in.GetName(), ct)
			}
		}
	}
	var listed []string
	for token := ""; ; {
		page, err := ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: parent, PageSize: 500, PageToken: token},
			grpc.MaxCallRecvMsgSize(64<<20))
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range page.GetInteractions() {
			listed = append(listed, in.GetName())
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	for i := range listed {
		if listed[i] != interactions[i].GetName() {
			t.Fatalf("interaction %d: exported %s, ListInteractions has %s", i, interactions[i].GetName(), listed[i])
		}
	}

	// Every issue with its facts, as ListIssues returns them.
	list, err := ts.issues.ListIssues(ctx, &rapportv1.ListIssuesRequest{Parent: parent})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(list.GetIssues(), issues, protocmp.Transform()); diff != "" {
		t.Errorf("exported issues differ from ListIssues (-list +export):\n%s", diff)
	}
	for _, is := range issues {
		if is.GetName() == refund.GetName() && len(is.GetFacts()) != 1+(n+49)/50 {
			t.Errorf("refund issue has %d facts, want %d", len(is.GetFacts()), 1+(n+49)/50)
		}
	}

	// The context, as GetCustomerContext builds it.
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	// The contact-window hint says the time of day: the two reads may be a
	// minute apart.
	for _, c := range []*rapportv1.CustomerContext{cc, contexts[0]} {
		for _, h := range c.GetHints() {
			if h.GetType() == rapportv1.HintType_HINT_TYPE_RESPECT_CONTACT_WINDOW {
				h.Text = ""
			}
		}
	}
	if diff := cmp.Diff(cc, contexts[0], protocmp.Transform(), protocmp.IgnoreFields(&rapportv1.CustomerContext{}, "compute_time")); diff != "" {
		t.Errorf("exported context differs from GetCustomerContext (-get +export):\n%s", diff)
	}

	// Read a page at a time, and sent before the next page was read.
	if len(limits) != (n+99)/100 || slices.ContainsFunc(limits, func(l int) bool { return l != 100 }) {
		t.Errorf("the history was read with limits %v, want %d pages of 100", limits, (n+99)/100)
	}
	if !streamed {
		t.Error("the second page was read before the client received anything from the first")
	}

	// Audited: the completed export, then one cut short by the client.
	recs := waitAudit(t, &logs, 1)
	want := map[string]any{"audit": true, "tenant": access.DefaultTenant, "customer": parent, "complete": true,
		"customer_sent": true, "interactions_sent": float64(n), "issues_sent": float64(3), "code": "OK"}
	for k, v := range want {
		if recs[0][k] != v {
			t.Errorf("audit record %s = %v, want %v (%v)", k, recs[0][k], v, recs[0])
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cut, err := ts.customers.ExportCustomer(cctx, &rapportv1.ExportCustomerRequest{Name: parent})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := cut.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	recs = waitAudit(t, &logs, 2)
	if recs[1]["complete"] != false || recs[1]["code"] != "Canceled" || recs[1]["customer"] != parent {
		t.Errorf("audit record of a cancelled export: %v", recs[1])
	}
}

// TestExportCustomerErrors: an unknown or erased customer is NOT_FOUND, a bad
// name INVALID_ARGUMENT with a field violation; each is audited.
func TestExportCustomerErrors(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	ts := startServer(t, mustStore(t), service.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx := t.Context()
	erased := ts.newCustomer(t, "erased")
	if _, err := ts.customers.DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: erased}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"customers/nobody", erased} {
		msgs, err := exportAll(ctx, ts, name)
		code, info, _ := statusDetails(t, err)
		if code != codes.NotFound || info.GetReason() != "CUSTOMER_NOT_FOUND" || info.GetMetadata()["resource"] != name || len(msgs) != 0 {
			t.Errorf("export %s: %v (%v), %d messages; want NOT_FOUND CUSTOMER_NOT_FOUND and none", name, err, info, len(msgs))
		}
	}
	bad := []string{"", "customers/", "customers/Ada Lovelace", "customers/ada/issues/refund", "people/ada", "ada"}
	for _, name := range bad {
		msgs, err := exportAll(ctx, ts, name)
		code, info, fields := statusDetails(t, err)
		if code != codes.InvalidArgument || info.GetReason() != "INVALID_FIELD" || fields["name"] == "" || len(msgs) != 0 {
			t.Errorf("export %q: %v %v, %d messages; want INVALID_ARGUMENT on name and none", name, code, fields, len(msgs))
		}
	}
	recs := waitAudit(t, &logs, 2+len(bad))
	for _, r := range recs[:2] {
		if r["code"] != "NotFound" || r["complete"] != false || r["customer_sent"] != false {
			t.Errorf("audit record of a NOT_FOUND export: %v", r)
		}
	}
	for _, r := range recs[2:] {
		if r["code"] != "InvalidArgument" || r["complete"] != false {
			t.Errorf("audit record of a refused export: %v", r)
		}
	}
}
