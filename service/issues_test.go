package service_test

import (
	"fmt"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func (ts *testServer) newIssue(t *testing.T, parent, id string, is *rapportv1.Issue) *rapportv1.Issue {
	t.Helper()
	res, err := ts.issues.CreateIssue(t.Context(), &rapportv1.CreateIssueRequest{Parent: parent, IssueId: id, Issue: is})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetIssue()
}

func (ts *testServer) setStatus(t *testing.T, name string, st rapportv1.IssueStatus) (*rapportv1.Issue, error) {
	t.Helper()
	res, err := ts.issues.UpdateIssue(t.Context(), &rapportv1.UpdateIssueRequest{
		Issue:      &rapportv1.Issue{Name: name, Status: st, Resolution: "done"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status", "resolution"}},
	})
	return res.GetIssue(), err
}

func TestIssueLifecycle(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	is := ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Charged twice", Topic: "Billing", Priority: rapportv1.Priority_PRIORITY_HIGH})
	if is.GetStatus() != rapportv1.IssueStatus_ISSUE_STATUS_OPEN || is.GetOpenTime() == nil || is.GetTopic() != "billing" || is.GetName() != parent+"/issues/refund" {
		t.Fatalf("created %v", is)
	}
	const (
		open     = rapportv1.IssueStatus_ISSUE_STATUS_OPEN
		pending  = rapportv1.IssueStatus_ISSUE_STATUS_PENDING
		resolved = rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED
		reopened = rapportv1.IssueStatus_ISSUE_STATUS_REOPENED
		closed   = rapportv1.IssueStatus_ISSUE_STATUS_CLOSED
	)
	steps := []struct {
		to    rapportv1.IssueStatus
		legal bool
	}{
		{reopened, false}, // open -> reopened
		{pending, true},
		{reopened, false}, // pending -> reopened
		{open, true},
		{resolved, true},
		{open, false}, // resolved -> open: must reopen
		{pending, false},
		{reopened, true},
		{resolved, true},
		{reopened, true},
		{closed, true},
		{open, false}, // closed is final
		{reopened, false},
	}
	current := is
	for i, st := range steps {
		got, err := ts.setStatus(t, is.GetName(), st.to)
		if !st.legal {
			code, info, _ := statusDetails(t, err)
			if code != codes.FailedPrecondition || info.GetReason() != "ILLEGAL_STATUS_CHANGE" {
				t.Fatalf("step %d %v -> %v: %v %v, want FAILED_PRECONDITION", i, current.GetStatus(), st.to, code, info)
			}
			after, _ := ts.issues.GetIssue(t.Context(), &rapportv1.GetIssueRequest{Name: is.GetName()})
			if after.GetIssue().GetEtag() != current.GetEtag() {
				t.Fatalf("step %d: a refused move changed the issue", i)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %v -> %v: %v", i, current.GetStatus(), st.to, err)
		}
		if got.GetStatus() != st.to {
			t.Fatalf("step %d: status %v", i, got.GetStatus())
		}
		if (st.to == resolved) != (got.GetResolveTime() != nil) && st.to != closed {
			t.Errorf("step %d: resolve time %v with status %v", i, got.GetResolveTime(), st.to)
		}
		current = got
	}
	if current.GetReopenCount() != 2 {
		t.Errorf("reopen count %d, want 2", current.GetReopenCount())
	}
	// Every legal move is in the status history, in order, with its time.
	var moves []rapportv1.IssueStatus
	for _, st := range steps {
		if st.legal {
			moves = append(moves, st.to)
		}
	}
	if h := current.GetStatusHistory(); len(h) != len(moves) {
		t.Errorf("status history %v, want the %d legal moves", h, len(moves))
	} else {
		for i, c := range h {
			if c.GetStatus() != moves[i] || c.GetChangeTime() == nil || (i > 0 && c.GetChangeTime().AsTime().Before(h[i-1].GetChangeTime().AsTime())) {
				t.Errorf("status history[%d] = %v, want %v", i, c, moves[i])
			}
		}
	}
	// Output-only fields cannot be set through an update.
	_, err := ts.issues.UpdateIssue(t.Context(), &rapportv1.UpdateIssueRequest{
		Issue: &rapportv1.Issue{Name: is.GetName(), ReopenCount: 0}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"reopen_count"}},
	})
	if code, _, fields := statusDetails(t, err); code != codes.InvalidArgument || fields["update_mask"] == "" {
		t.Errorf("update of reopen_count: %v %v", code, fields)
	}
	// A stale etag.
	_, err = ts.issues.UpdateIssue(t.Context(), &rapportv1.UpdateIssueRequest{
		Issue: &rapportv1.Issue{Name: is.GetName(), Title: "x", Etag: is.GetEtag()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}},
	})
	if code, _, _ := statusDetails(t, err); code != codes.Aborted {
		t.Errorf("stale etag: %v", code)
	}
}

func TestFactsAlreadyGivenAreDeduplicated(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	is := ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Charged twice", Facts: []*rapportv1.Fact{{Key: "identity_verified", Value: "yes"}}})

	call := interaction(rapportv1.Channel_CHANNEL_VOICE, 0, "call-1")
	call.Issue = is.GetName()
	call.Facts = []*rapportv1.Fact{{Key: "order_number", Value: "A-1234"}, {Key: "step_tried", Value: "restarted the app"}}
	first := ts.record(t, parent, call).GetInteraction()

	chat := interaction(rapportv1.Channel_CHANNEL_CHAT, 60, "chat-1")
	chat.Issue = is.GetName()
	chat.Facts = []*rapportv1.Fact{{Key: "order_number", Value: " a-1234 "}, {Key: "step_tried", Value: "reinstalled the app"}, {Key: "identity_verified", Value: "YES"}}
	second := ts.record(t, parent, chat).GetInteraction()
	// A replay of the chat changes nothing.
	ts.record(t, parent, proto.Clone(chat).(*rapportv1.Interaction))

	got, err := ts.issues.GetIssue(t.Context(), &rapportv1.GetIssueRequest{Name: is.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	g := got.GetIssue()
	if g.GetInteractionCount() != 2 || len(g.GetInteractions()) != 2 || g.GetInteractions()[0] != first.GetName() || g.GetInteractions()[1] != second.GetName() {
		t.Errorf("linked interactions %v (count %d)", g.GetInteractions(), g.GetInteractionCount())
	}
	facts := map[string]*rapportv1.Fact{}
	for _, f := range g.GetFacts() {
		facts[f.GetKey()+"="+f.GetValue()] = f
	}
	if len(g.GetFacts()) != 4 {
		t.Errorf("facts %v, want 4 distinct", g.GetFacts())
	}
	order := facts["order_number=A-1234"]
	if order.GetChannel() != rapportv1.Channel_CHANNEL_VOICE || order.GetInteraction() != first.GetName() || !order.GetGiveTime().AsTime().Equal(call.GetOccurTime().AsTime()) {
		t.Errorf("order number should keep its first giving (the call): %v", order)
	}
	if f := facts["step_tried=reinstalled the app"]; f.GetChannel() != rapportv1.Channel_CHANNEL_CHAT {
		t.Errorf("new fact from the chat: %v", f)
	}
	// Given on create (now) and in the back-dated chat: the earlier giving,
	// the chat's, is kept.
	if f := facts["identity_verified=YES"]; f.GetInteraction() != second.GetName() {
		t.Errorf("identity_verified should keep its earliest giving (the chat): %v", g.GetFacts())
	}
	// Replacing facts through UpdateIssue keeps the provenance of those kept.
	upd, err := ts.issues.UpdateIssue(t.Context(), &rapportv1.UpdateIssueRequest{
		Issue:      &rapportv1.Issue{Name: is.GetName(), Facts: []*rapportv1.Fact{{Key: "order_number", Value: "A-1234"}, {Key: "refund_id", Value: "R-9"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"facts"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if fs := upd.GetIssue().GetFacts(); len(fs) != 2 || fs[0].GetInteraction() != first.GetName() || fs[1].GetGiveTime() == nil {
		t.Errorf("after replacing facts: %v", fs)
	}
}

func TestCreateIssueRetriesAndBadInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	parent := ts.newCustomer(t, "ada")
	req := &rapportv1.CreateIssueRequest{Parent: parent, RequestId: "3e5d0a4c-8a1b-4f0e-9c0e-2b9d1f6f7a11", Issue: &rapportv1.Issue{Title: "Late delivery"}}
	first, err := ts.issues.CreateIssue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ts.issues.CreateIssue(ctx, req)
	if err != nil || again.GetIssue().GetName() != first.GetIssue().GetName() {
		t.Fatalf("retry = %v, %v", again, err)
	}
	list, _ := ts.issues.ListIssues(ctx, &rapportv1.ListIssuesRequest{Parent: parent})
	if len(list.GetIssues()) != 1 {
		t.Errorf("%d issues after a retry", len(list.GetIssues()))
	}
	for _, tc := range []struct {
		name  string
		req   *rapportv1.CreateIssueRequest
		code  codes.Code
		field string
	}{
		{"unknown customer", &rapportv1.CreateIssueRequest{Parent: "customers/nobody", Issue: &rapportv1.Issue{Title: "x"}}, codes.NotFound, ""},
		{"no title", &rapportv1.CreateIssueRequest{Parent: parent, Issue: &rapportv1.Issue{}}, codes.InvalidArgument, "issue.title"},
		{"not open", &rapportv1.CreateIssueRequest{Parent: parent, Issue: &rapportv1.Issue{Title: "x", Status: rapportv1.IssueStatus_ISSUE_STATUS_CLOSED}}, codes.InvalidArgument, "issue.status"},
		{"unknown priority", &rapportv1.CreateIssueRequest{Parent: parent, Issue: &rapportv1.Issue{Title: "x", Priority: 9}}, codes.InvalidArgument, "issue.priority"},
		{"bad id", &rapportv1.CreateIssueRequest{Parent: parent, IssueId: "-x", Issue: &rapportv1.Issue{Title: "x"}}, codes.InvalidArgument, "issue_id"},
		{"taken id", &rapportv1.CreateIssueRequest{Parent: parent, IssueId: "dup", Issue: &rapportv1.Issue{Title: "x"}}, codes.AlreadyExists, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "taken id" {
				ts.newIssue(t, parent, "dup", &rapportv1.Issue{Title: "first"})
			}
			_, err := ts.issues.CreateIssue(ctx, tc.req)
			code, _, fields := statusDetails(t, err)
			if code != tc.code {
				t.Fatalf("got %v %v, want %v", code, fields, tc.code)
			}
			if _, ok := fields[tc.field]; tc.field != "" && !ok {
				t.Errorf("violations %v do not name %s", fields, tc.field)
			}
		})
	}
	_, err = ts.issues.GetIssue(ctx, &rapportv1.GetIssueRequest{Name: parent + "/issues/nope"})
	if code, info, _ := statusDetails(t, err); code != codes.NotFound || info.GetReason() != "ISSUE_NOT_FOUND" {
		t.Errorf("missing issue: %v %v", code, info)
	}
}

func TestListIssuesByStatusNewestFirst(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	parent := ts.newCustomer(t, "ada")
	var names []string
	for i := range 12 {
		is := ts.newIssue(t, parent, fmt.Sprintf("i%02d", i), &rapportv1.Issue{Title: fmt.Sprint("Issue ", i), Topic: []string{"billing", "delivery"}[i%2]})
		names = append(names, is.GetName())
		if i%3 == 0 {
			if _, err := ts.setStatus(t, is.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED); err != nil {
				t.Fatal(err)
			}
		}
	}
	collect := func(filter string) []string {
		var out []string
		req := &rapportv1.ListIssuesRequest{Parent: parent, Filter: filter, PageSize: 4}
		for {
			res, err := ts.issues.ListIssues(ctx, req)
			if err != nil {
				t.Fatalf("%q: %v", filter, err)
			}
			for _, is := range res.GetIssues() {
				out = append(out, is.GetName())
			}
			if res.GetNextPageToken() == "" {
				return out
			}
			req.PageToken = res.GetNextPageToken()
		}
	}
	all := collect("")
	if len(all) != 12 {
		t.Fatalf("listed %d issues", len(all))
	}
	for i := range all {
		if all[i] != names[len(names)-1-i] {
			t.Fatalf("order %v, want newest first", all)
		}
	}
	if got := collect("status = ISSUE_STATUS_RESOLVED"); len(got) != 4 {
		t.Errorf("resolved: %v", got)
	}
	if got := collect(`status != ISSUE_STATUS_RESOLVED AND topic = "billing"`); len(got) != 4 {
		t.Errorf("unresolved billing: %v", got)
	}
	_, err := ts.issues.ListIssues(ctx, &rapportv1.ListIssuesRequest{Parent: parent, Filter: "status = ISSUE_STATUS_OPEN OR topic = \"x\""})
	if code, _, fields := statusDetails(t, err); code != codes.InvalidArgument || fields["filter"] == "" {
		t.Errorf("OR filter: %v %v", code, fields)
	}
}

func TestDeleteCustomerErasesHistory(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	parent := ts.newCustomer(t, "ada")
	is := ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Refund"})
	for i := range 3 {
		in := interaction(rapportv1.Channel_CHANNEL_EMAIL, i, fmt.Sprint("e-", i))
		in.Issue = is.GetName()
		ts.record(t, parent, in)
	}
	res, err := ts.customers.DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: parent})
	if err != nil {
		t.Fatal(err)
	}
	if res.GetInteractionsDeleted() != 3 || res.GetIssuesDeleted() != 1 {
		t.Errorf("delete said %v", res)
	}
	// Recreated under the same name, the customer starts with no history,
	// and the old source records can be recorded again.
	ts.newCustomer(t, "ada")
	list, _ := ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: parent})
	if len(list.GetInteractions()) != 0 {
		t.Errorf("history survived erasure: %v", list.GetInteractions())
	}
	if r := ts.record(t, parent, interaction(rapportv1.Channel_CHANNEL_EMAIL, 0, "e-0")); r.GetAlreadyRecorded() {
		t.Error("an erased interaction still counts as recorded")
	}
}

func TestConcurrentRecordsLinkEveryInteraction(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	is := ts.newIssue(t, parent, "outage", &rapportv1.Issue{Title: "Outage"})
	const writers = 8
	errs := make(chan error, writers)
	for i := range writers {
		go func() {
			in := interaction(rapportv1.Channel_CHANNEL_CHAT, i, fmt.Sprint("c-", i))
			in.Issue = is.GetName()
			in.Facts = []*rapportv1.Fact{{Key: "step_tried", Value: fmt.Sprint("step ", i)}}
			_, err := ts.interactions.RecordInteraction(t.Context(), &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
			errs <- err
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got, err := ts.issues.GetIssue(t.Context(), &rapportv1.GetIssueRequest{Name: is.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if g := got.GetIssue(); g.GetInteractionCount() != writers || len(g.GetFacts()) != writers {
		t.Errorf("%d interactions and %d facts linked, want %d of each", g.GetInteractionCount(), len(g.GetFacts()), writers)
	}
}
