package service_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Recording a contact about an issue changes the issue (its interactions
// and facts), so its etag; the answer carries the new etag, which an
// UpdateIssue can use at once, while the etag read before is stale.
func TestRecordInteractionReturnsTheIssueEtag(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	before := ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Charged twice"})

	call := interaction(rapportv1.Channel_CHANNEL_VOICE, 0, "call-1")
	call.Issue = before.GetName()
	call.Facts = []*rapportv1.Fact{{Key: "order_number", Value: "A-1234"}}
	res := ts.record(t, parent, proto.Clone(call).(*rapportv1.Interaction))
	linked := res.GetIssue()
	if linked.GetName() != before.GetName() || linked.GetEtag() == before.GetEtag() || linked.GetInteractionCount() != 1 || len(linked.GetFacts()) != 1 {
		t.Fatalf("answer's issue %v, before %v", linked, before)
	}
	got, err := ts.issues.GetIssue(t.Context(), &rapportv1.GetIssueRequest{Name: before.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got.GetIssue(), linked) {
		t.Errorf("answer's issue %v, stored %v", linked, got.GetIssue())
	}
	// A replay links nothing new and answers with the issue as it is.
	if again := ts.record(t, parent, proto.Clone(call).(*rapportv1.Interaction)); !again.GetAlreadyRecorded() || again.GetIssue().GetEtag() != linked.GetEtag() {
		t.Errorf("replay: already %v, issue etag %q want %q", again.GetAlreadyRecorded(), again.GetIssue().GetEtag(), linked.GetEtag())
	}
	// Without an issue, no issue in the answer.
	if plain := ts.record(t, parent, interaction(rapportv1.Channel_CHANNEL_CHAT, 5, "chat-1")); plain.GetIssue() != nil {
		t.Errorf("interaction without an issue answered issue %v", plain.GetIssue())
	}

	update := func(etag string) error {
		_, err := ts.issues.UpdateIssue(t.Context(), &rapportv1.UpdateIssueRequest{
			Issue:      &rapportv1.Issue{Name: before.GetName(), Facts: []*rapportv1.Fact{{Key: "refund_id", Value: "R-9"}}, Etag: etag},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"facts"}},
		})
		return err
	}
	// The etag read before the contact would replace a fact it never saw.
	if code, info, _ := statusDetails(t, update(before.GetEtag())); code != codes.Aborted || info.GetReason() != "ETAG_MISMATCH" {
		t.Errorf("update with the etag read before the contact: %v %v, want ABORTED", code, info)
	}
	if err := update(linked.GetEtag()); err != nil {
		t.Errorf("update with the answer's etag: %v", err)
	}

	// A batch answers each item with its issue.
	batch, err := ts.interactions.BatchRecordInteractions(t.Context(), &rapportv1.BatchRecordInteractionsRequest{Requests: []*rapportv1.RecordInteractionRequest{
		{Parent: parent, Interaction: func() *rapportv1.Interaction {
			in := interaction(rapportv1.Channel_CHANNEL_EMAIL, 10, "mail-1")
			in.Issue = before.GetName()
			return in
		}()},
		{Parent: parent, Interaction: interaction(rapportv1.Channel_CHANNEL_EMAIL, 11, "mail-2")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	now, err := ts.issues.GetIssue(t.Context(), &rapportv1.GetIssueRequest{Name: before.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if r := batch.GetResults(); r[0].GetIssue().GetEtag() != now.GetIssue().GetEtag() || r[1].GetIssue() != nil {
		t.Errorf("batch issues %v / %v, stored etag %q", r[0].GetIssue(), r[1].GetIssue(), now.GetIssue().GetEtag())
	}
}

func countsOf(cc *rapportv1.CustomerContext) string {
	return fmt.Sprint(cc.GetContactCounts(), cc.GetRepeatContacts(), cc.GetLastContactTime().AsTime())
}

// A survey answered after the contact changes the latest satisfaction and
// the hints about it, and is not a contact: counts, repeats and the last
// contact stay as they were.
func TestLateSurveyChangesSatisfactionNotContacts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	chat := &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(26 * time.Hour), Summary: "Asked about a refund", Topics: []string{"billing"}, SourceSystem: "zendesk", SourceId: "t-1"}
	recorded := ts.record(t, parent, chat).GetInteraction()
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(25 * time.Hour), Summary: "Again", Topics: []string{"billing"}})
	before := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if before.GetSatisfaction().GetCsat() != nil || slices.Contains(hintCodes(before.GetHints()), "APOLOGIZE_LOW_CSAT") {
		t.Fatalf("satisfaction before any survey: %v", before.GetSatisfaction())
	}

	answered := ago(2 * time.Hour)
	req := &rapportv1.RecordSurveyRequest{
		Parent: parent, SourceSystem: "zendesk", SourceId: "t-1", RequestId: uuid.NewString(),
		Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(1), Nps: proto.Int32(3), AnswerTime: answered, Comment: "nobody called me back, secret-word-42"},
	}
	res, err := ts.interactions.RecordSurvey(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.GetAlreadyRecorded() || res.GetSuperseded() || res.GetInteraction().GetName() != recorded.GetName() ||
		res.GetInteraction().GetSurvey().GetCsat() != 1 || res.GetInteraction().GetSurvey().GetRequestId() != req.GetRequestId() {
		t.Fatalf("answer: %v", res)
	}
	after := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	sat := after.GetSatisfaction()
	if sat.GetCsat().GetValue() != 1 || sat.GetNps().GetValue() != 3 || sat.GetNpsCategory() != rapportv1.NpsCategory_NPS_CATEGORY_DETRACTOR ||
		!sat.GetCsat().GetTime().AsTime().Equal(answered.AsTime().Truncate(time.Millisecond)) || sat.GetCsat().GetInteraction() != recorded.GetName() {
		t.Errorf("satisfaction after the survey: %v", sat)
	}
	for _, code := range []string{"APOLOGIZE_LOW_CSAT", "APOLOGIZE_DETRACTOR"} {
		if !slices.Contains(hintCodes(after.GetHints()), code) {
			t.Errorf("hints %v lack %s", hintCodes(after.GetHints()), code)
		}
	}
	if countsOf(after) != countsOf(before) {
		t.Errorf("a survey changed the contacts:\n before %s\n after  %s", countsOf(before), countsOf(after))
	}
	for _, in := range after.GetRecentInteractions() {
		if in.GetName() == recorded.GetName() && (in.GetSurvey().GetCsat() != 1 || in.GetSurvey().GetComment() != "") {
			t.Errorf("recent interaction's survey %v: want the scores without the comment", in.GetSurvey())
		}
	}
	// The same answer again (by name this time is another request: same
	// request ID with the same content is a retry).
	if again, err := ts.interactions.RecordSurvey(t.Context(), proto.Clone(req).(*rapportv1.RecordSurveyRequest)); err != nil || !again.GetAlreadyRecorded() {
		t.Errorf("retry: %v, %v", again, err)
	}
	reused := proto.Clone(req).(*rapportv1.RecordSurveyRequest)
	reused.Survey.Csat = proto.Int32(5)
	if code, info, _ := statusDetails(t, func() error { _, err := ts.interactions.RecordSurvey(t.Context(), reused); return err }()); code != codes.FailedPrecondition || info.GetReason() != "REQUEST_ID_REUSED" {
		t.Errorf("request ID reused: %v %v", code, info)
	}
	// A second answer, given later, replaces the first whole: the customer
	// changed their mind after the call back.
	second, err := ts.interactions.RecordSurvey(t.Context(), &rapportv1.RecordSurveyRequest{
		Interaction: recorded.GetName(), RequestId: uuid.NewString(),
		Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(5), Nps: proto.Int32(9), AnswerTime: ago(time.Hour)},
	})
	if err != nil || second.GetSuperseded() {
		t.Fatalf("second answer: %v, %v", second, err)
	}
	// An older answer arriving late loses, whatever the order.
	late, err := ts.interactions.RecordSurvey(t.Context(), &rapportv1.RecordSurveyRequest{
		Interaction: recorded.GetName(), RequestId: uuid.NewString(),
		Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(2), AnswerTime: ago(3 * time.Hour)},
	})
	if err != nil || !late.GetSuperseded() || late.GetInteraction().GetSurvey().GetCsat() != 5 {
		t.Fatalf("older answer: %v, %v", late, err)
	}
	final := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if final.GetSatisfaction().GetCsat().GetValue() != 5 || final.GetSatisfaction().GetNpsCategory() != rapportv1.NpsCategory_NPS_CATEGORY_PROMOTER {
		t.Errorf("satisfaction after the second answer: %v", final.GetSatisfaction())
	}
	if codes := hintCodes(final.GetHints()); slices.Contains(codes, "APOLOGIZE_LOW_CSAT") || slices.Contains(codes, "APOLOGIZE_DETRACTOR") {
		t.Errorf("apology hints after a good second answer: %v", codes)
	}
	if countsOf(final) != countsOf(before) {
		t.Errorf("surveys changed the contacts: %s", countsOf(final))
	}
	// A rebuild from the history gives the same satisfaction.
	if _, err := ts.contexts.RebuildCustomerContext(t.Context(), &rapportv1.RebuildCustomerContextRequest{Customer: parent}); err != nil {
		t.Fatal(err)
	}
	rebuilt := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if !proto.Equal(rebuilt.GetSatisfaction(), final.GetSatisfaction()) || countsOf(rebuilt) != countsOf(before) {
		t.Errorf("rebuilt: %v %s, want %v %s", rebuilt.GetSatisfaction(), countsOf(rebuilt), final.GetSatisfaction(), countsOf(before))
	}
	// The comment is kept with the interaction only.
	got, err := ts.interactions.GetInteraction(t.Context(), &rapportv1.GetInteractionRequest{Name: recorded.GetName()})
	if err != nil || got.GetInteraction().GetSurvey().GetCsat() != 5 {
		t.Errorf("stored interaction %v, %v", got, err)
	}
	// The audit writer batches events (at most 200 ms): wait for all five.
	var events *rapportv1.ListAuditEventsResponse
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if events, err = ts.audit.ListAuditEvents(t.Context(), &rapportv1.ListAuditEventsRequest{Filter: `method = "/rapport.v1.InteractionService/RecordSurvey"`}); err != nil {
			t.Fatal(err)
		}
		if len(events.GetAuditEvents()) == 5 {
			break
		}
	}
	if n := len(events.GetAuditEvents()); n != 5 {
		t.Errorf("%d audit events of RecordSurvey, want 5", n)
	}
	for _, ev := range events.GetAuditEvents() {
		if strings.Contains(prototext.Format(ev), "secret-word") || !slices.Contains(ev.GetCustomers(), parent) {
			t.Errorf("audit event %v", ev)
		}
	}
}

func TestRecordSurveyRefusesBadInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	in := ts.record(t, parent, interaction(rapportv1.Channel_CHANNEL_CHAT, 0, "c-1")).GetInteraction()
	good := func() *rapportv1.RecordSurveyRequest {
		return &rapportv1.RecordSurveyRequest{Interaction: in.GetName(), RequestId: uuid.NewString(),
			Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(3), AnswerTime: at(30)}}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*rapportv1.RecordSurveyRequest)
		code  codes.Code
		field string
	}{
		{"no survey", func(r *rapportv1.RecordSurveyRequest) { r.Survey = nil }, codes.InvalidArgument, "survey"},
		{"no score", func(r *rapportv1.RecordSurveyRequest) { r.Survey.Csat = nil }, codes.InvalidArgument, "survey"},
		{"csat out of range", func(r *rapportv1.RecordSurveyRequest) { r.Survey.Csat = proto.Int32(6) }, codes.InvalidArgument, "survey.csat"},
		{"nps out of range", func(r *rapportv1.RecordSurveyRequest) { r.Survey.Nps = proto.Int32(11) }, codes.InvalidArgument, "survey.nps"},
		{"ces out of range", func(r *rapportv1.RecordSurveyRequest) { r.Survey.Ces = proto.Int32(0) }, codes.InvalidArgument, "survey.ces"},
		{"no answer time", func(r *rapportv1.RecordSurveyRequest) { r.Survey.AnswerTime = nil }, codes.InvalidArgument, "survey.answer_time"},
		{"answered in the future", func(r *rapportv1.RecordSurveyRequest) {
			r.Survey.AnswerTime = timestamppb.New(time.Now().Add(time.Hour))
		}, codes.InvalidArgument, "survey.answer_time"},
		{"answered before the contact", func(r *rapportv1.RecordSurveyRequest) { r.Survey.AnswerTime = at(-1) }, codes.InvalidArgument, "survey.answer_time"},
		{"comment too long", func(r *rapportv1.RecordSurveyRequest) { r.Survey.Comment = strings.Repeat("x", 2001) }, codes.InvalidArgument, "survey.comment"},
		{"no request ID", func(r *rapportv1.RecordSurveyRequest) { r.RequestId = "" }, codes.InvalidArgument, "request_id"},
		{"request ID not a UUID", func(r *rapportv1.RecordSurveyRequest) { r.RequestId = "r-1" }, codes.InvalidArgument, "request_id"},
		{"name and source", func(r *rapportv1.RecordSurveyRequest) { r.Parent, r.SourceSystem, r.SourceId = parent, "crm", "c-1" }, codes.InvalidArgument, "interaction"},
		{"bad name", func(r *rapportv1.RecordSurveyRequest) { r.Interaction = "interactions/x" }, codes.InvalidArgument, "interaction"},
		{"unknown interaction", func(r *rapportv1.RecordSurveyRequest) { r.Interaction = parent + "/interactions/nope" }, codes.NotFound, ""},
		{"unknown source record", func(r *rapportv1.RecordSurveyRequest) {
			r.Interaction, r.Parent, r.SourceSystem, r.SourceId = "", parent, "crm", "c-404"
		}, codes.NotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := good()
			tc.edit(req)
			_, err := ts.interactions.RecordSurvey(t.Context(), req)
			code, _, fields := statusDetails(t, err)
			if code != tc.code || (tc.field != "" && fields[tc.field] == "") {
				t.Errorf("%v %v, want %v on %q", code, fields, tc.code, tc.field)
			}
		})
	}
	// Nothing was stored by the refused calls.
	got, err := ts.interactions.GetInteraction(t.Context(), &rapportv1.GetInteractionRequest{Name: in.GetName()})
	if err != nil || got.GetInteraction().GetSurvey() != nil {
		t.Errorf("after refused answers: %v, %v", got.GetInteraction().GetSurvey(), err)
	}
	if _, err := ts.interactions.RecordSurvey(t.Context(), good()); err != nil {
		t.Errorf("good answer: %v", err)
	}
}
