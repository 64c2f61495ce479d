package customercontext

import (
	"slices"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
)

// surveyTime is when an interaction's survey was answered: its answer
// time, or (answers from before answer times were kept) the contact's.
func surveyTime(in *rapportv1.Interaction) time.Time {
	if at := in.GetSurvey().GetAnswerTime(); at != nil {
		return at.AsTime()
	}
	return in.GetOccurTime().AsTime()
}

// applySurveyScores merges an interaction's survey answers into the
// latest scores, as of when they were answered.
func applySurveyScores(sum *repository.Summary, in *rapportv1.Interaction) {
	sv := in.GetSurvey()
	if sv == nil {
		return
	}
	t := surveyTime(in)
	setScore(&sum.CSAT, sv.Csat, t, in.GetName())
	setScore(&sum.NPS, sv.Nps, t, in.GetName())
	setScore(&sum.CES, sv.Ces, t, in.GetName())
}

// applySurvey merges survey answers that arrived after their interaction
// (RecordSurvey): not a contact, so only the latest scores and the recent
// interaction's copy change. The answers replace the interaction's earlier
// ones whole: a score the summary holds from that interaction and the new
// answer leaves out cannot be recomputed here (an older contact's score
// may be the latest now), so the summary is marked stale and the next read
// rebuilds it from the history.
func applySurvey(sum *repository.Summary, in *rapportv1.Interaction) error {
	sv := in.GetSurvey()
	for _, s := range []struct {
		have *repository.SummaryScore
		v    *int32
	}{{sum.CSAT, sv.Csat}, {sum.NPS, sv.Nps}, {sum.CES, sv.Ces}} {
		if s.v == nil && s.have != nil && s.have.Interaction == in.GetName() {
			sum.Stale = true
		}
	}
	applySurveyScores(sum, in)
	i := slices.IndexFunc(sum.Recent, func(r repository.SummaryInteraction) bool { return r.InteractionID == in.GetName() })
	if i < 0 {
		return nil
	}
	var slim rapportv1.Interaction
	if err := proto.Unmarshal(sum.Recent[i].Interaction, &slim); err != nil {
		return err
	}
	if have := slim.GetSurvey(); have != nil && have.GetRequestId() != sv.GetRequestId() && !repository.SurveyWins(sv, have) {
		return nil // a later answer is there already (concurrent answers)
	}
	slim.Survey = slimSurvey(sv)
	b, err := proto.Marshal(&slim)
	if err != nil {
		return err
	}
	sum.Recent[i].Interaction = b
	return nil
}

// slimSurvey is a survey as a context shows it: without the comment,
// which is the customer's own words (like an interaction's text).
func slimSurvey(sv *rapportv1.SurveyAnswers) *rapportv1.SurveyAnswers {
	if sv == nil || sv.GetComment() == "" {
		return sv
	}
	out := proto.CloneOf(sv)
	out.Comment = ""
	return out
}
