package service

import (
	"context"
	"errors"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/audit"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/rpcerr"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

// maxSurveyComment is the limit of a survey answer's comment, as
// documented in the proto.
const maxSurveyComment = 2000

// checkSurvey checks survey answers (with an interaction, or later with
// RecordSurvey): scores in their ranges, the comment bounded, the answer
// time valid and not in the future; the caller checks it against the
// interaction's time. requireAnswer demands a score and an answer time.
func checkSurvey(v *violations, prefix string, sv *rapportv1.SurveyAnswers, now time.Time, requireAnswer bool) {
	check := func(field string, val *int32, lo, hi int32) {
		if val != nil && (*val < lo || *val > hi) {
			v.add(prefix+"."+field, "must be between %d and %d (got %d)", lo, hi, *val)
		}
	}
	check("csat", sv.Csat, 1, 5)
	check("nps", sv.Nps, 0, 10)
	check("ces", sv.Ces, 1, 7)
	if requireAnswer && sv.Csat == nil && sv.Nps == nil && sv.Ces == nil {
		v.add(prefix, "needs at least one of csat, nps and ces")
	}
	v.text(prefix+".comment", sv.GetComment(), maxSurveyComment, false, true)
	switch at := sv.GetAnswerTime(); {
	case at == nil:
		if requireAnswer {
			v.add(prefix+".answer_time", "is required")
		}
	case !at.IsValid():
		v.add(prefix+".answer_time", "is not a valid time")
	case at.AsTime().After(now.Add(maxFutureSkew)):
		v.add(prefix+".answer_time", "is in the future")
	}
	sv.RequestId = ""
}

// surveyBeforeContact adds a violation when the answer time is before the
// interaction it rates.
func surveyBeforeContact(v *violations, prefix string, sv *rapportv1.SurveyAnswers, in *rapportv1.Interaction) {
	if at := sv.GetAnswerTime(); at != nil && at.AsTime().Before(in.GetOccurTime().AsTime()) {
		v.add(prefix+".answer_time", "must not be before the interaction's occur_time (%s)", in.GetOccurTime().AsTime().Format(time.RFC3339))
	}
}

func (s *interactionServer) RecordSurvey(ctx context.Context, req *rapportv1.RecordSurveyRequest) (*rapportv1.RecordSurveyResponse, error) {
	var v violations
	var customerID, interactionID string
	switch {
	case req.GetInteraction() != "" && (req.GetParent() != "" || req.GetSourceSystem() != "" || req.GetSourceId() != ""):
		v.add("interaction", "name the interaction by interaction, or by parent, source_system and source_id, not both")
	case req.GetInteraction() != "":
		var err error
		if customerID, interactionID, err = parseInteractionName("interaction", req.GetInteraction()); err != nil {
			return nil, err
		}
	default:
		var err error
		if customerID, err = parseCustomerName("parent", req.GetParent()); err != nil {
			return nil, err
		}
		if !sourceSystemPattern.MatchString(req.GetSourceSystem()) {
			v.add("source_system", "must be 1 to 64 characters of a-z, 0-9, ., _ and -")
		}
		v.text("source_id", req.GetSourceId(), maxSourceID, true, false)
		interactionID = derivedID("s", req.GetSourceSystem(), req.GetSourceId())
	}
	sv := proto.CloneOf(req.GetSurvey())
	if sv == nil {
		v.add("survey", "is required")
	} else {
		checkSurvey(&v, "survey", sv, s.now(), true)
	}
	if req.GetRequestId() == "" {
		v.add("request_id", "is required: the survey system's idempotency key for this answer (a UUID)")
	}
	v.requestID("request_id", req.GetRequestId())
	if err := v.err(); err != nil {
		return nil, err
	}
	audit.NoteCustomer(ctx, repository.CustomerName(customerID))
	tenant := access.TenantOf(ctx)
	name := repository.InteractionName(customerID, interactionID)
	notFound := func(err error) error {
		if errors.Is(err, repository.ErrNotFound) {
			return rpcerr.NotFound(rpcerr.ReasonInteractionNotFound, "interaction", name)
		}
		return err
	}
	in, err := s.store.GetInteraction(ctx, tenant, customerID, interactionID)
	if err != nil {
		return nil, notFound(err)
	}
	surveyBeforeContact(&v, "survey", sv, in)
	if err := v.err(); err != nil {
		return nil, err
	}
	var res repository.SurveyResult
	err = s.store.Atomically(ctx, func(ctx context.Context) (err error) {
		res, err = s.store.RecordSurvey(ctx, tenant, repository.SurveyAnswer{
			CustomerID: customerID, InteractionID: interactionID, RequestID: req.GetRequestId(),
			Fingerprint: fingerprint(&rapportv1.RecordSurveyRequest{Interaction: name, Survey: sv}),
			Survey:      sv,
		})
		if err != nil {
			return err
		}
		// A retry applies the stored answer again: merging is idempotent,
		// and it repairs a summary the first attempt did not reach.
		return s.summaries.update(ctx, tenant, customerID, customercontext.Update{Surveys: []*rapportv1.Interaction{res.Interaction}})
	})
	switch {
	case errors.Is(err, repository.ErrRequestReused):
		return nil, rpcerr.New(codes.FailedPrecondition, rpcerr.ReasonRequestIDReused, "request_id was already used for a different survey answer", nil)
	case err != nil:
		return nil, notFound(err)
	}
	return &rapportv1.RecordSurveyResponse{Interaction: res.Interaction, AlreadyRecorded: res.AlreadyRecorded, Superseded: res.Superseded}, nil
}
