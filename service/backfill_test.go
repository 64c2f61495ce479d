package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func daysAgo(n int) *timestamppb.Timestamp {
	return timestamppb.New(time.Now().Add(-time.Duration(n) * 24 * time.Hour).Truncate(time.Millisecond))
}

func move(st rapportv1.IssueStatus, t *timestamppb.Timestamp, resolution string) *rapportv1.IssueStatusChange {
	return &rapportv1.IssueStatusChange{Status: st, ChangeTime: t, Resolution: resolution}
}

// importIssues streams the messages, one answer each, and returns the
// answers.
func (ts *testServer) importIssues(t *testing.T, msgs ...[]*rapportv1.CreateIssueRequest) []*rapportv1.ImportIssuesResponse {
	t.Helper()
	stream, err := ts.issues.ImportIssues(t.Context())
	var reqs []*rapportv1.ImportIssuesRequest
	for _, m := range msgs {
		reqs = append(reqs, &rapportv1.ImportIssuesRequest{Requests: m})
	}
	return driveImport(t, stream, err, reqs)
}

// A migration from another helpdesk: a customer with their real start, two
// issues with their past and the contacts about them. Replayed, it creates
// nothing new; the follow-up and the tenure show the real dates.
func TestMigrationReplayedTwiceCreatesNothingNew(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	since := daysAgo(800)
	created, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: "ada", RequestId: "7b0e3f52-5d1c-4c55-9c2a-0f6b1d2e3a41",
		Customer: &rapportv1.Customer{DisplayName: "Ada", CustomerSince: since}})
	if err != nil {
		t.Fatal(err)
	}
	parent := created.GetCustomer().GetName()
	const (
		open     = rapportv1.IssueStatus_ISSUE_STATUS_OPEN
		resolved = rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED
		reopened = rapportv1.IssueStatus_ISSUE_STATUS_REOPENED
		closed   = rapportv1.IssueStatus_ISSUE_STATUS_CLOSED
	)
	old := &rapportv1.Issue{Title: "Router drops the line", Topic: "network", OpenTime: daysAgo(400), SourceSystem: "zendesk", SourceId: "T-100",
		StatusHistory: []*rapportv1.IssueStatusChange{
			move(resolved, daysAgo(390), "Replaced the router"),
			move(reopened, daysAgo(385), ""),
			move(resolved, daysAgo(380), "Replaced the cable"),
			move(closed, daysAgo(370), ""),
		}}
	recent := &rapportv1.Issue{Title: "Charged twice", Topic: "billing", OpenTime: daysAgo(12), SourceSystem: "zendesk", SourceId: "T-200",
		StatusHistory: []*rapportv1.IssueStatusChange{move(resolved, daysAgo(3), "Refunded the second charge")}}
	pending := &rapportv1.Issue{Title: "Address change", OpenTime: daysAgo(2), SourceSystem: "zendesk", SourceId: "T-300"}
	migration := []*rapportv1.CreateIssueRequest{
		{Parent: parent, Issue: old}, {Parent: parent, Issue: recent}, {Parent: parent, Issue: pending},
	}
	contacts := func() []*rapportv1.RecordInteractionRequest {
		var out []*rapportv1.RecordInteractionRequest
		for i, d := range []int{12, 11, 4} {
			out = append(out, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: &rapportv1.Interaction{
				Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: daysAgo(d), Summary: "about the double charge", Topics: []string{"billing"},
				SourceSystem: "zendesk", SourceId: "C-" + string(rune('1'+i))}})
		}
		return out
	}

	first := ts.importIssues(t, proto.Clone(&rapportv1.ImportIssuesRequest{Requests: migration}).(*rapportv1.ImportIssuesRequest).GetRequests())
	if r := first[0]; r.GetCreated() != 3 || r.GetFailed() != 0 {
		t.Fatalf("first import: %v", r)
	}
	list, err := ts.issues.ListIssues(t.Context(), &rapportv1.ListIssuesRequest{Parent: parent})
	if err != nil {
		t.Fatal(err)
	}
	var recentName string
	for _, is := range list.GetIssues() {
		if is.GetSourceId() == "T-200" {
			recentName = is.GetName()
		}
	}
	record := func() {
		for _, req := range contacts() {
			req.Interaction.Issue = recentName
			if _, err := ts.interactions.RecordInteraction(t.Context(), req); err != nil {
				t.Fatal(err)
			}
		}
	}
	record()
	before, err := ts.issues.ListIssues(t.Context(), &rapportv1.ListIssuesRequest{Parent: parent})
	if err != nil {
		t.Fatal(err)
	}
	ctxBefore := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})

	// Replayed twice, the second time in two messages with changed titles:
	// the first copy wins.
	again := ts.importIssues(t, migration)
	changed := proto.Clone(&rapportv1.ImportIssuesRequest{Requests: migration}).(*rapportv1.ImportIssuesRequest).GetRequests()
	for _, r := range changed {
		r.Issue.Title += " (edited)"
	}
	twice := ts.importIssues(t, changed[:1], changed[1:])
	if r := again[0]; r.GetCreated() != 0 || r.GetAlreadyCreated() != 3 {
		t.Errorf("replay: %v", r)
	}
	if r := twice[1]; r.GetReceived() != 3 || r.GetCreated() != 0 || r.GetAlreadyCreated() != 3 {
		t.Errorf("second replay: %v", r)
	}
	record()
	after, err := ts.issues.ListIssues(t.Context(), &rapportv1.ListIssuesRequest{Parent: parent})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(before, after) {
		t.Errorf("the replays changed the issues:\n%v\n%v", before, after)
	}
	if len(after.GetIssues()) != 3 || after.GetIssues()[0].GetSourceId() != "T-300" || after.GetIssues()[2].GetSourceId() != "T-100" {
		t.Errorf("issues not newest first by their real open time: %v", after.GetIssues())
	}
	ctxAfter := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if countsOf(ctxAfter) != countsOf(ctxBefore) {
		t.Errorf("the replays changed the contacts: %s / %s", countsOf(ctxBefore), countsOf(ctxAfter))
	}

	// The past as the issues tell it.
	byID := map[string]*rapportv1.Issue{}
	for _, is := range after.GetIssues() {
		byID[is.GetSourceId()] = is
	}
	o := byID["T-100"]
	if o.GetStatus() != closed || o.GetReopenCount() != 1 || o.GetResolveTime().AsTime().Sub(daysAgo(380).AsTime()).Abs() > time.Minute ||
		o.GetResolution() != "Replaced the cable" || len(o.GetStatusHistory()) != 4 || o.GetUpdateTime().AsTime().After(daysAgo(369).AsTime()) {
		t.Errorf("the old issue: %v", o)
	}
	if r := byID["T-200"]; r.GetStatus() != resolved || r.GetResolveTime().AsTime().Sub(daysAgo(3).AsTime()).Abs() > time.Minute || r.GetOpenTime().AsTime().Sub(daysAgo(12).AsTime()).Abs() > time.Minute {
		t.Errorf("the recent issue: %v", r)
	}
	if p := byID["T-300"]; p.GetStatus() != open || len(p.GetStatusHistory()) != 0 {
		t.Errorf("the open issue: %v", p)
	}

	// The context: tenure from the real start, a follow-up on the issue
	// resolved three days ago (not today), nothing about the one closed a
	// year ago, and repeat contacts from the contacts' real times.
	cc := ctxAfter
	if d := cc.GetCustomerSince().AsTime().Sub(since.AsTime()).Abs(); d > time.Second || cc.GetTenureDays() < 799 || cc.GetTenureDays() > 800 {
		t.Errorf("customer since %v, tenure %d days; want %v, 800", cc.GetCustomerSince().AsTime(), cc.GetTenureDays(), since.AsTime())
	}
	var follow *rapportv1.Hint
	for _, h := range cc.GetHints() {
		if h.GetCode() == "FOLLOW_UP_RESOLVED" {
			if follow != nil {
				t.Errorf("two follow-ups: %v", cc.GetHints())
			}
			follow = h
		}
	}
	wantDate := byID["T-200"].GetResolveTime().AsTime().Format("Mon 2 Jan")
	if follow == nil || !strings.Contains(follow.GetText(), wantDate) || !slices.Contains(follow.GetEvidence(), byID["T-200"].GetName()) {
		t.Errorf("follow-up %v, want one about %s resolved on %s", follow, byID["T-200"].GetName(), wantDate)
	}
	for _, is := range cc.GetRecentlyResolvedIssues() {
		if is.GetSourceId() == "T-100" {
			t.Errorf("an issue closed a year ago is recently resolved: %v", is)
		}
	}
	var total7 int32
	for _, c := range cc.GetContactCounts() {
		if c.GetDays() == 7 {
			total7 = c.GetTotal()
		}
		if c.GetDays() == 30 && c.GetTotal() != 3 {
			t.Errorf("30-day contacts %d, want 3", c.GetTotal())
		}
	}
	if total7 != 1 {
		t.Errorf("7-day contacts %d, want 1 (the others were 11 and 12 days ago)", total7)
	}

	// Another customer's issue with the same source record is refused.
	bob := ts.newCustomer(t, "bob")
	_, err = ts.issues.CreateIssue(t.Context(), &rapportv1.CreateIssueRequest{Parent: bob, Issue: &rapportv1.Issue{Title: "x", SourceSystem: "zendesk", SourceId: "T-100"}})
	if code, info, _ := statusDetails(t, err); code != codes.AlreadyExists || info.GetReason() != "SOURCE_RECORD_OF_OTHER_CUSTOMER" {
		t.Errorf("same source for another customer: %v %v", code, info)
	}
	// CreateIssue with a source says when it found the first copy.
	res, err := ts.issues.CreateIssue(t.Context(), &rapportv1.CreateIssueRequest{Parent: parent, Issue: &rapportv1.Issue{Title: "other", SourceSystem: "zendesk", SourceId: "T-300"}})
	if err != nil || !res.GetAlreadyCreated() || res.GetIssue().GetTitle() != "Address change" {
		t.Errorf("CreateIssue replaying a source record: %v, %v", res, err)
	}
}

func TestBackfillRefusesBadHistory(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	resolved, reopened, closed := rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, rapportv1.IssueStatus_ISSUE_STATUS_REOPENED, rapportv1.IssueStatus_ISSUE_STATUS_CLOSED
	future := timestamppb.New(time.Now().Add(time.Hour))
	for _, tc := range []struct {
		name  string
		issue *rapportv1.Issue
		field string
	}{
		{"open time in the future", &rapportv1.Issue{OpenTime: future}, "issue.open_time"},
		{"open time before 1990", &rapportv1.Issue{OpenTime: timestamppb.New(time.Date(1989, 1, 1, 0, 0, 0, 0, time.UTC))}, "issue.open_time"},
		{"history without open time", &rapportv1.Issue{StatusHistory: []*rapportv1.IssueStatusChange{move(resolved, daysAgo(1), "")}}, "issue.open_time"},
		{"illegal move", &rapportv1.Issue{OpenTime: daysAgo(5), StatusHistory: []*rapportv1.IssueStatusChange{move(reopened, daysAgo(1), "")}}, "issue.status_history[0].status"},
		{"move after closed", &rapportv1.Issue{OpenTime: daysAgo(5), StatusHistory: []*rapportv1.IssueStatusChange{move(closed, daysAgo(2), ""), move(reopened, daysAgo(1), "")}}, "issue.status_history[1].status"},
		{"unspecified move", &rapportv1.Issue{OpenTime: daysAgo(5), StatusHistory: []*rapportv1.IssueStatusChange{move(0, daysAgo(1), "")}}, "issue.status_history[0].status"},
		{"move before open", &rapportv1.Issue{OpenTime: daysAgo(5), StatusHistory: []*rapportv1.IssueStatusChange{move(resolved, daysAgo(6), "")}}, "issue.status_history[0].change_time"},
		{"moves out of order", &rapportv1.Issue{OpenTime: daysAgo(5), StatusHistory: []*rapportv1.IssueStatusChange{move(resolved, daysAgo(2), ""), move(reopened, daysAgo(3), "")}}, "issue.status_history[1].change_time"},
		{"move in the future", &rapportv1.Issue{OpenTime: daysAgo(5), StatusHistory: []*rapportv1.IssueStatusChange{move(resolved, future, "")}}, "issue.status_history[0].change_time"},
		{"move without time", &rapportv1.Issue{OpenTime: daysAgo(5), StatusHistory: []*rapportv1.IssueStatusChange{move(resolved, nil, "")}}, "issue.status_history[0].change_time"},
		{"status not the last move", &rapportv1.Issue{OpenTime: daysAgo(5), Status: closed, StatusHistory: []*rapportv1.IssueStatusChange{move(resolved, daysAgo(1), "")}}, "issue.status"},
		{"status without history", &rapportv1.Issue{Status: resolved}, "issue.status"},
		{"too long a history", &rapportv1.Issue{OpenTime: daysAgo(5), StatusHistory: make([]*rapportv1.IssueStatusChange, 101)}, "issue.status_history"},
		{"source id alone", &rapportv1.Issue{SourceId: "1"}, "issue.source_id"},
		{"bad source system", &rapportv1.Issue{SourceSystem: "Zen Desk", SourceId: "1"}, "issue.source_system"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.issue.Title = "t"
			_, err := ts.issues.CreateIssue(t.Context(), &rapportv1.CreateIssueRequest{Parent: parent, Issue: tc.issue})
			if code, _, fields := statusDetails(t, err); code != codes.InvalidArgument || fields[tc.field] == "" {
				t.Errorf("%v %v, want INVALID_ARGUMENT on %s", code, fields, tc.field)
			}
		})
	}
	// Customer since in the future.
	_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{Customer: &rapportv1.Customer{DisplayName: "x", CustomerSince: future}})
	if code, _, fields := statusDetails(t, err); code != codes.InvalidArgument || fields["customer.customer_since"] == "" {
		t.Errorf("customer since in the future: %v %v", code, fields)
	}
	// An import item without a key is refused, the others stored.
	res := ts.importIssues(t, []*rapportv1.CreateIssueRequest{
		{Parent: parent, Issue: &rapportv1.Issue{Title: "no key"}},
		{Parent: parent, Issue: &rapportv1.Issue{Title: "keyed", SourceSystem: "crm", SourceId: "9"}},
	})[0]
	if res.GetCreated() != 1 || res.GetFailed() != 1 || len(res.GetFailures()) != 1 || res.GetFailures()[0].GetIndex() != 0 ||
		res.GetFailures()[0].GetError().GetCode() != "INVALID_ARGUMENT" {
		t.Errorf("import with a keyless item: %v", res)
	}
	list, err := ts.issues.ListIssues(t.Context(), &rapportv1.ListIssuesRequest{Parent: parent})
	if err != nil || len(list.GetIssues()) != 1 {
		t.Errorf("refused creates stored issues: %v, %v", list.GetIssues(), err)
	}
}
