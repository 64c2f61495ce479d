package service_test

import (
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
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
