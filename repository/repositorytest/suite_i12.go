package repositorytest

import (
	"errors"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func survey(csat int32, answered time.Time, comment string) *rapportv1.SurveyAnswers {
	return &rapportv1.SurveyAnswers{Csat: proto.Int32(csat), AnswerTime: timestamppb.New(answered), Comment: comment}
}

// testRecordSurveyLatestAnswerWins: a survey answer attaches to an
// interaction; a retry returns the first result; a request ID reused with
// other content is refused; of two answers the later (then the greater
// request ID) wins whatever the arrival order; a missing interaction
// stores nothing.
func testRecordSurveyLatestAnswerWins(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	create(t, s, tenant, "ada")
	record(t, s, tenant, newInteraction("ada", "i1", 1))
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	answer := func(id string, sv *rapportv1.SurveyAnswers) (repository.SurveyResult, error) {
		return s.RecordSurvey(ctx, tenant, repository.SurveyAnswer{CustomerID: "ada", InteractionID: "i1", RequestID: id, Fingerprint: "f-" + id + sv.GetComment(), Survey: sv})
	}
	res, err := answer("r2", survey(2, t0, "slow"))
	if err != nil || res.AlreadyRecorded || res.Superseded || res.Interaction.GetSurvey().GetCsat() != 2 || res.Interaction.GetSurvey().GetRequestId() != "r2" {
		t.Fatalf("first answer: %+v, %v", res, err)
	}
	if res, err := answer("r2", survey(2, t0, "slow")); err != nil || !res.AlreadyRecorded || res.Superseded {
		t.Errorf("retry: %+v, %v", res, err)
	}
	if _, err := answer("r2", survey(5, t0, "other")); !errors.Is(err, repository.ErrRequestReused) {
		t.Errorf("request ID reused: %v", err)
	}
	// An earlier answer, and one at the same time with a smaller request
	// ID, lose; the interaction keeps r2's.
	for _, id := range []string{"r1", "r0"} {
		at := t0.Add(-time.Hour)
		if id == "r0" {
			at = t0
		}
		res, err := answer(id, survey(5, at, ""))
		if err != nil || !res.Superseded || res.Interaction.GetSurvey().GetRequestId() != "r2" {
			t.Errorf("losing answer %s: %+v, %v", id, res, err)
		}
	}
	// A later one wins whole.
	res, err = answer("r3", &rapportv1.SurveyAnswers{Nps: proto.Int32(9), AnswerTime: timestamppb.New(t0.Add(time.Minute))})
	if err != nil || res.Superseded {
		t.Fatalf("later answer: %+v, %v", res, err)
	}
	got, err := s.GetInteraction(ctx, tenant, "ada", "i1")
	if err != nil {
		t.Fatal(err)
	}
	if sv := got.GetSurvey(); sv.Csat != nil || sv.GetNps() != 9 || sv.GetComment() != "" || sv.GetRequestId() != "r3" || !sv.GetAnswerTime().AsTime().Equal(t0.Add(time.Minute)) {
		t.Errorf("stored survey %v", sv)
	}
	if got.GetSummary() != "s i1" || got.GetOccurTime().AsTime() != time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC) {
		t.Errorf("the rest of the interaction changed: %v", got)
	}
	// The retry of a superseded answer still says superseded.
	if res, err := answer("r1", survey(5, t0.Add(-time.Hour), "")); err != nil || !res.AlreadyRecorded || !res.Superseded {
		t.Errorf("retry of a superseded answer: %+v, %v", res, err)
	}
	// A missing interaction, or another customer's, stores nothing.
	before := e.Count(t, s, "requests", tenant)
	for _, a := range []repository.SurveyAnswer{
		{CustomerID: "ada", InteractionID: "nope", RequestID: "r9", Fingerprint: "x", Survey: survey(1, t0, "")},
		{CustomerID: "bob", InteractionID: "i1", RequestID: "r8", Fingerprint: "x", Survey: survey(1, t0, "")},
	} {
		if _, err := s.RecordSurvey(ctx, tenant, a); !errors.Is(err, repository.ErrNotFound) {
			t.Errorf("answer for %s/%s: %v", a.CustomerID, a.InteractionID, err)
		}
	}
	if after := e.Count(t, s, "requests", tenant); after != before {
		t.Errorf("refused answers stored request records: %d -> %d", before, after)
	}
}

// testBackfilledIssueAndCustomerRoundTrip: an issue created with its past
// keeps its status, open and update times, history and source record; a
// retry with the request ID says it replayed; a customer keeps its
// customer-since time.
func testBackfilledIssueAndCustomerRoundTrip(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	since := time.Date(2019, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	c := newCustomer("Ada")
	c.CustomerSince = timestamppb.New(since)
	if _, err := s.CreateCustomer(ctx, tenant, repository.CreateRequest{CustomerID: "ada", Customer: c}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetCustomer(ctx, tenant, "ada"); err != nil || !got.GetCustomerSince().AsTime().Equal(since) {
		t.Fatalf("customer since %v, %v", got.GetCustomerSince(), err)
	}
	opened, resolved := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	is := &rapportv1.Issue{Title: "old", Status: rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, OpenTime: timestamppb.New(opened), UpdateTime: timestamppb.New(resolved),
		ResolveTime: timestamppb.New(resolved), SourceSystem: "zendesk", SourceId: "T-1",
		StatusHistory: []*rapportv1.IssueStatusChange{{Status: rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, ChangeTime: timestamppb.New(resolved), Resolution: "done"}}}
	var replayed bool
	req := repository.CreateIssueRequest{CustomerID: "ada", IssueID: "old", RequestID: "src-1", Fingerprint: "f", Issue: proto.CloneOf(is), Replayed: &replayed}
	first, err := s.CreateIssue(ctx, tenant, req)
	if err != nil || replayed {
		t.Fatalf("create: %v, replayed %v", err, replayed)
	}
	got, err := s.GetIssue(ctx, tenant, "ada", "old")
	if err != nil {
		t.Fatal(err)
	}
	if got.GetStatus() != is.GetStatus() || !got.GetOpenTime().AsTime().Equal(opened) || !got.GetUpdateTime().AsTime().Equal(resolved) ||
		got.GetCreateTime().AsTime().Before(time.Now().Add(-time.Hour)) || got.GetSourceId() != "T-1" || got.GetSourceSystem() != "zendesk" ||
		len(got.GetStatusHistory()) != 1 || got.GetStatusHistory()[0].GetResolution() != "done" || !proto.Equal(got, first) {
		t.Errorf("stored %v\nreturned %v", got, first)
	}
	req.Issue, req.IssueID = proto.CloneOf(is), "other"
	again, err := s.CreateIssue(ctx, tenant, req)
	if err != nil || !replayed || !proto.Equal(again, got) {
		t.Errorf("retry: %v, replayed %v, %v", again, replayed, err)
	}
	// Without a past, a new issue is OPEN, opened now.
	fresh, err := s.CreateIssue(ctx, tenant, repository.CreateIssueRequest{CustomerID: "ada", IssueID: "new", Issue: &rapportv1.Issue{Title: "new"}})
	if err != nil || fresh.GetStatus() != rapportv1.IssueStatus_ISSUE_STATUS_OPEN || !fresh.GetOpenTime().AsTime().Equal(fresh.GetCreateTime().AsTime()) {
		t.Errorf("new issue %v, %v", fresh, err)
	}
}

// testConcurrentSurveyAnswersConverge: answers sent at once, in any
// order, leave the interaction with the one answered last.
func testConcurrentSurveyAnswersConverge(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	record(t, s, tenant, newInteraction("ada", "i1", 1))
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			id := string(rune('a' + i))
			_, err := s.RecordSurvey(t.Context(), tenant, repository.SurveyAnswer{CustomerID: "ada", InteractionID: "i1", RequestID: id, Fingerprint: id,
				Survey: survey(int32(1+i%5), t0.Add(time.Duration((i*5)%n)*time.Minute), "")})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	got, err := s.GetInteraction(t.Context(), tenant, "ada", "i1")
	if err != nil {
		t.Fatal(err)
	}
	// (i*5)%8 is 7 for i = 3: answer "d" is the latest.
	if sv := got.GetSurvey(); sv.GetRequestId() != "d" || !sv.GetAnswerTime().AsTime().Equal(t0.Add(7*time.Minute)) {
		t.Errorf("survey after concurrent answers: %v, want d's", sv)
	}
}

// testMergesRecordedListedAndUndone: a merge is recorded once (a retry
// finds it), refuses chains and missing customers, lists the halves'
// records with the survivor's, is undone, and goes with an erasure.
func testMergesRecordedListedAndUndone(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	for _, id := range []string{"ada", "bob", "cy", "dee"} {
		create(t, s, tenant, id)
	}
	record(t, s, tenant, newInteraction("ada", "a1", 1), newInteraction("bob", "b1", 2), newInteraction("cy", "c1", 3))
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	m, already, err := s.MergeCustomers(ctx, tenant, repository.Merge{Survivor: "ada", Merged: "bob", Rule: 2, MergeTime: at})
	if err != nil || already || m.Survivor != "ada" || m.Merged != "bob" || m.Rule != 2 || !m.MergeTime.Equal(at) {
		t.Fatalf("merge: %+v %v %v", m, already, err)
	}
	if again, already, err := s.MergeCustomers(ctx, tenant, repository.Merge{Survivor: "ada", Merged: "bob", Rule: 1, MergeTime: at.Add(time.Hour)}); err != nil || !already || again != m {
		t.Errorf("retry: %+v %v %v", again, already, err)
	}
	for _, bad := range []repository.Merge{
		{Survivor: "cy", Merged: "bob"},  // bob is merged into ada
		{Survivor: "bob", Merged: "cy"},  // bob is itself merged
		{Survivor: "cy", Merged: "ada"},  // customers are merged into ada
		{Survivor: "ada", Merged: "ada"}, // itself: refused as a chain (ada has merges)
	} {
		if _, _, err := s.MergeCustomers(ctx, tenant, bad); !errors.Is(err, repository.ErrMergeConflict) {
			t.Errorf("merge %s into %s: %v, want ErrMergeConflict", bad.Merged, bad.Survivor, err)
		}
	}
	if _, _, err := s.MergeCustomers(ctx, tenant, repository.Merge{Survivor: "ada", Merged: "nobody"}); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("merge of a missing customer: %v", err)
	}
	if _, _, err := s.MergeCustomers(ctx, "other", repository.Merge{Survivor: "ada", Merged: "cy"}); err == nil {
		t.Errorf("merge across tenants: %v", err)
	}
	if into, err := s.MergedInto(ctx, tenant, "bob"); err != nil || into != "ada" {
		t.Errorf("bob merged into %q, %v", into, err)
	}
	if into, err := s.MergedInto(ctx, tenant, "cy"); err != nil || into != "" {
		t.Errorf("cy merged into %q, %v", into, err)
	}
	if _, _, err := s.MergeCustomers(ctx, tenant, repository.Merge{Survivor: "ada", Merged: "cy", MergeTime: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListMerges(ctx, tenant, "ada")
	if err != nil || len(list) != 2 || list[0].Merged != "bob" || list[1].Merged != "cy" {
		t.Errorf("merges into ada: %+v, %v", list, err)
	}
	// The halves' records are listed with the survivor's, newest first.
	page, _, err := s.ListInteractions(ctx, tenant, "ada", repository.InteractionFilter{AlsoCustomers: []string{"bob", "cy"}}, nil, 10)
	if err != nil || len(page) != 3 || page[0].GetName() != "customers/cy/interactions/c1" || page[2].GetName() != "customers/ada/interactions/a1" {
		t.Errorf("interactions of ada with her halves: %v, %v", page, err)
	}
	// A write that reads whom its customer counts as says so as MergedInto
	// (a replay too).
	checkSurvivors(t, record(t, s, tenant, newInteraction("bob", "b2", 4), newInteraction("cy", "c2", 5), newInteraction("ada", "a2", 6), newInteraction("bob", "b1", 2)),
		"ada", "ada", "ada", "ada")
	checkSurvivors(t, record(t, s, tenant, newInteraction("dee", "d1", 4)), "dee")
	if err := s.UnmergeCustomers(ctx, tenant, "ada", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := s.UnmergeCustomers(ctx, tenant, "ada", "bob"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("unmerge twice: %v", err)
	}
	if into, err := s.MergedInto(ctx, tenant, "bob"); err != nil || into != "" {
		t.Errorf("bob after the unmerge: %q, %v", into, err)
	}
	checkSurvivors(t, record(t, s, tenant, newInteraction("bob", "b3", 7)), "bob")
	// Erasure of the survivor, and of a merged half, leaves no merge.
	if _, _, err := s.MergeCustomers(ctx, tenant, repository.Merge{Survivor: "dee", Merged: "bob"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"ada", "bob"} {
		if _, err := s.DeleteCustomer(ctx, tenant, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.Count(t, s, "merges", tenant); n != 0 {
		t.Errorf("%d merges left after the erasures", n)
	}
}

// checkSurvivors checks the Survivor of each result: want, or empty (not
// read by the write).
func checkSurvivors(t *testing.T, res []repository.RecordResult, want ...string) {
	t.Helper()
	for i, r := range res {
		if r.Err != nil {
			t.Errorf("item %d: %v", i, r.Err)
		} else if r.Survivor != "" && r.Survivor != want[i] {
			t.Errorf("item %d counts as %q, want %q", i, r.Survivor, want[i])
		}
	}
}
