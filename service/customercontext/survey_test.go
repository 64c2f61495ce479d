package customercontext

import (
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
)

func answered(in *rapportv1.Interaction, requestID string, at time.Time, csat *int32) *rapportv1.Interaction {
	out := proto.CloneOf(in)
	out.Survey = &rapportv1.SurveyAnswers{Csat: csat, Nps: proto.Int32(8), AnswerTime: ts(at), Comment: "their words", RequestId: requestID}
	return out
}

func TestApplySurvey(t *testing.T) {
	c := &rapportv1.Customer{Name: customer, Etag: "1", CreateTime: ts(daysAgo(400))}
	contact := interaction("a", daysAgo(3), voice, "billing")
	for _, tc := range []struct {
		name      string
		surveys   []*rapportv1.Interaction
		wantCSAT  int32 // 0: none
		wantTime  time.Time
		wantStale bool
		wantRecID string
	}{
		{"late answer", []*rapportv1.Interaction{answered(contact, "r1", daysAgo(2), proto.Int32(2))}, 2, daysAgo(2), false, "r1"},
		{"a later answer replaces it", []*rapportv1.Interaction{
			answered(contact, "r1", daysAgo(2), proto.Int32(2)), answered(contact, "r2", daysAgo(1), proto.Int32(5))}, 5, daysAgo(1), false, "r2"},
		{"an older answer applied after a newer one changes nothing", []*rapportv1.Interaction{
			answered(contact, "r2", daysAgo(1), proto.Int32(5)), answered(contact, "r1", daysAgo(2), proto.Int32(2))}, 5, daysAgo(1), false, "r2"},
		{"a later answer without the CSAT the summary holds from it: stale, rebuilt on read", []*rapportv1.Interaction{
			answered(contact, "r1", daysAgo(2), proto.Int32(2)), answered(contact, "r2", daysAgo(1), nil)}, 2, daysAgo(2), true, "r2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum := &repository.Summary{}
			mustApply(t, sum, Update{Customer: c, Interactions: []*rapportv1.Interaction{contact}})
			before := total(t, sum, 7)
			for _, sv := range tc.surveys {
				mustApply(t, sum, Update{Surveys: []*rapportv1.Interaction{sv}})
			}
			if got := total(t, sum, 7); got != before {
				t.Errorf("contacts %d after surveys, want %d", got, before)
			}
			switch {
			case tc.wantCSAT == 0 && sum.CSAT != nil, tc.wantCSAT != 0 && (sum.CSAT == nil || sum.CSAT.Value != tc.wantCSAT || !sum.CSAT.Time.Equal(tc.wantTime)):
				t.Errorf("CSAT %+v, want %d at %v", sum.CSAT, tc.wantCSAT, tc.wantTime)
			}
			if sum.Stale != tc.wantStale {
				t.Errorf("stale %v, want %v", sum.Stale, tc.wantStale)
			}
			d, _, err := Decode(sum)
			if err != nil {
				t.Fatal(err)
			}
			if sv := d.Recent[0].GetSurvey(); sv.GetRequestId() != tc.wantRecID || sv.GetComment() != "" {
				t.Errorf("recent copy's survey %v, want %s's without the comment", sv, tc.wantRecID)
			}
		})
	}
}
