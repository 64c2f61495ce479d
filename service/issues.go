package service

import (
	"context"
	"errors"
	"slices"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/rpcerr"
	"go.einride.tech/aip/fieldmask"
	"go.einride.tech/aip/filtering"
	"go.einride.tech/aip/resourceid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// IssueStore is what the issue handlers need from storage.
type IssueStore interface {
	Atomic
	CreateIssue(ctx context.Context, tenant string, req repository.CreateIssueRequest) (*rapportv1.Issue, error)
	GetIssue(ctx context.Context, tenant, customerID, issueID string) (*rapportv1.Issue, error)
	UpdateIssue(ctx context.Context, tenant, customerID, issueID, etag string, mutate func(*rapportv1.Issue) error) (*rapportv1.Issue, error)
	ListIssues(ctx context.Context, tenant, customerID string, f repository.IssueFilter, after *repository.Cursor, limit int) ([]*rapportv1.Issue, bool, error)
	GetCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error)
}

type issueServer struct {
	rapportv1.UnimplementedIssueServiceServer
	store     IssueStore
	summaries summaries
	now       func() time.Time
	heavy     *access.HeavyReads
}

type issueStatus = rapportv1.IssueStatus

const (
	statusOpen     = rapportv1.IssueStatus_ISSUE_STATUS_OPEN
	statusPending  = rapportv1.IssueStatus_ISSUE_STATUS_PENDING
	statusResolved = rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED
	statusReopened = rapportv1.IssueStatus_ISSUE_STATUS_REOPENED
	statusClosed   = rapportv1.IssueStatus_ISSUE_STATUS_CLOSED
)

// issueLifecycle lists the legal status moves, as documented on Issue.
var issueLifecycle = map[issueStatus][]issueStatus{
	statusOpen:     {statusPending, statusResolved, statusClosed},
	statusPending:  {statusOpen, statusResolved, statusClosed},
	statusResolved: {statusReopened, statusClosed},
	statusReopened: {statusPending, statusResolved, statusClosed},
	statusClosed:   nil,
}

var updatableIssuePaths = []string{"title", "topic", "priority", "status", "resolution", "facts"}

// issueErr reports a missing issue as NOT_FOUND naming it.
func issueErr(err error, name string) error {
	if errors.Is(err, repository.ErrNotFound) {
		return rpcerr.NotFound(rpcerr.ReasonIssueNotFound, "issue", name)
	}
	if errors.Is(err, repository.ErrAlreadyExists) {
		return rpcerr.New(codes.AlreadyExists, rpcerr.ReasonIssueAlreadyExists, "the issue already exists", nil)
	}
	return err
}

// normalizeIssue checks the client-settable fields of an issue.
func normalizeIssue(prefix string, is *rapportv1.Issue, now time.Time) violations {
	var v violations
	v.text(prefix+".title", is.GetTitle(), maxIssueTitle, true, false)
	if is.GetTopic() != "" {
		is.Topic, _ = v.topic(prefix+".topic", is.GetTopic())
	}
	v.enum(prefix+".priority", is.GetPriority(), false)
	v.enum(prefix+".status", is.GetStatus(), false)
	v.text(prefix+".resolution", is.GetResolution(), maxResolution, false, true)
	is.Facts = normalizeFacts(&v, prefix+".facts", is.GetFacts(), maxIssueFacts)
	for _, f := range is.Facts {
		if f.GetGiveTime() == nil {
			f.GiveTime = timestamppb.New(now)
		}
	}
	return v
}

func (s *issueServer) CreateIssue(ctx context.Context, req *rapportv1.CreateIssueRequest) (*rapportv1.CreateIssueResponse, error) {
	customerID, err := parseCustomerName("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	var v violations
	is := proto.Clone(req.GetIssue()).(*rapportv1.Issue)
	if req.GetIssue() == nil {
		v.add("issue", "is required")
	} else {
		for _, f := range is.GetFacts() {
			f.Interaction = ""
		}
		is.Name, is.Etag, is.Interactions, is.InteractionCount, is.ReopenCount = "", "", nil, 0, 0
		is.OpenTime, is.ResolveTime, is.CreateTime, is.UpdateTime = nil, nil, nil, nil
		if st := is.GetStatus(); st != rapportv1.IssueStatus_ISSUE_STATUS_UNSPECIFIED && st != statusOpen {
			v.add("issue.status", "a new issue is OPEN; change its status with UpdateIssue")
		}
		v = append(v, normalizeIssue("issue", is, s.now())...)
	}
	v.userID("issue_id", req.GetIssueId())
	v.requestID("request_id", req.GetRequestId())
	if err := v.err(); err != nil {
		return nil, err
	}
	issueID := req.GetIssueId()
	if issueID == "" {
		issueID = resourceid.NewSystemGenerated()
	}
	fp := proto.Clone(is).(*rapportv1.Issue)
	for _, f := range fp.GetFacts() {
		f.GiveTime = nil
	}
	var created *rapportv1.Issue
	err = s.store.Atomically(ctx, func(ctx context.Context) (err error) {
		created, err = s.store.CreateIssue(ctx, access.TenantOf(ctx), repository.CreateIssueRequest{
			CustomerID:  customerID,
			IssueID:     issueID,
			RequestID:   req.GetRequestId(),
			Fingerprint: fingerprint(&rapportv1.CreateIssueRequest{Parent: req.GetParent(), Issue: fp, IssueId: req.GetIssueId()}),
			Issue:       is,
		})
		if err != nil {
			return err
		}
		return s.summaries.update(ctx, access.TenantOf(ctx), customerID, customercontext.Update{Issues: []*rapportv1.Issue{created}})
	})
	if errors.Is(err, repository.ErrNotFound) {
		return nil, rpcerr.NotFound(rpcerr.ReasonCustomerNotFound, "customer", req.GetParent())
	}
	if err != nil {
		return nil, issueErr(err, "")
	}
	return &rapportv1.CreateIssueResponse{Issue: created}, nil
}

func (s *issueServer) GetIssue(ctx context.Context, req *rapportv1.GetIssueRequest) (*rapportv1.GetIssueResponse, error) {
	customerID, issueID, err := parseIssueName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	is, err := s.store.GetIssue(ctx, access.TenantOf(ctx), customerID, issueID)
	if err != nil {
		return nil, issueErr(err, req.GetName())
	}
	return &rapportv1.GetIssueResponse{Issue: is}, nil
}

func (s *issueServer) UpdateIssue(ctx context.Context, req *rapportv1.UpdateIssueRequest) (*rapportv1.UpdateIssueResponse, error) {
	var v violations
	in := req.GetIssue()
	if in == nil {
		v.add("issue", "is required")
		return nil, v.err()
	}
	customerID, issueID, err := parseIssueName("issue.name", in.GetName())
	if err != nil {
		return nil, err
	}
	mask := req.GetUpdateMask()
	// The count limits come before any work per item, and before the
	// update (normalizeIssue checks the rest inside it).
	v.tooMany("issue.facts", len(in.GetFacts()), maxIssueFacts)
	if v.tooMany("update_mask.paths", len(mask.GetPaths()), maxMaskPaths) {
		return nil, v.err()
	}
	if err := fieldmask.Validate(mask, in); err != nil {
		v.add("update_mask", "%s", err.Error())
	} else {
		for _, p := range mask.GetPaths() {
			if !slices.Contains(updatableIssuePaths, p) {
				v.add("update_mask", "%q cannot be changed; changeable: %v", p, updatableIssuePaths)
			}
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	now := s.now()
	var updated *rapportv1.Issue
	err = s.store.Atomically(ctx, func(ctx context.Context) (err error) {
		updated, err = s.store.UpdateIssue(ctx, access.TenantOf(ctx), customerID, issueID, in.GetEtag(), func(is *rapportv1.Issue) error {
			before := proto.Clone(is).(*rapportv1.Issue)
			fieldmask.Update(mask, is, in)
			// Output-only fields come from the stored issue, whatever was sent.
			is.Name, is.Interactions, is.InteractionCount, is.ReopenCount, is.ResolveTime =
				before.GetName(), before.GetInteractions(), before.GetInteractionCount(), before.GetReopenCount(), before.GetResolveTime()
			// Facts already there keep where and when they were first given.
			given := make(map[customercontext.FactID]*rapportv1.Fact, len(before.GetFacts()))
			for _, old := range before.GetFacts() {
				given[customercontext.FactKey(old)] = old
			}
			for _, f := range is.GetFacts() {
				f.GiveTime, f.Interaction = nil, ""
				if old, ok := given[customercontext.FactKey(f)]; ok {
					f.Channel, f.GiveTime, f.Interaction = old.GetChannel(), old.GetGiveTime(), old.GetInteraction()
				}
			}
			if v := normalizeIssue("issue", is, now); len(v) > 0 {
				return v.err()
			}
			return applyStatusChange(before, is, now)
		})
		if err != nil {
			return err
		}
		return s.summaries.update(ctx, access.TenantOf(ctx), customerID, customercontext.Update{Issues: []*rapportv1.Issue{updated}})
	})
	if err != nil {
		return nil, issueErr(err, in.GetName())
	}
	return &rapportv1.UpdateIssueResponse{Issue: updated}, nil
}

// applyStatusChange checks the move from before.status to is.status against
// the lifecycle and keeps the bookkeeping: resolve time, reopen count.
func applyStatusChange(before, is *rapportv1.Issue, now time.Time) error {
	from, to := before.GetStatus(), is.GetStatus()
	if to == rapportv1.IssueStatus_ISSUE_STATUS_UNSPECIFIED {
		is.Status = from
		return nil
	}
	if from == to {
		return nil
	}
	if !slices.Contains(issueLifecycle[from], to) {
		return rpcerr.New(codes.FailedPrecondition, rpcerr.ReasonIllegalStatusChange,
			"an issue cannot move from "+from.String()+" to "+to.String(),
			map[string]string{"from": from.String(), "to": to.String()})
	}
	switch to {
	case statusResolved:
		is.ResolveTime = timestamppb.New(now)
	case statusReopened:
		is.ReopenCount++
		is.ResolveTime = nil
	}
	return nil
}

var issueFilterDecls = mustDeclarations(
	filtering.DeclareEnumIdent("status", rapportv1.IssueStatus(0).Type()),
	filtering.DeclareEnumIdent("priority", rapportv1.Priority(0).Type()),
	filtering.DeclareIdent("topic", filtering.TypeString),
)

func issueFilter(filter string) (repository.IssueFilter, error) {
	var f repository.IssueFilter
	terms, err := parseFilter(filter, issueFilterDecls)
	if err != nil {
		return f, err
	}
	for _, t := range terms {
		eq, ne := t.op == filtering.FunctionEquals, t.op == filtering.FunctionNotEquals
		switch {
		case t.field == "status" && eq:
			f.Statuses = append(f.Statuses, rapportv1.IssueStatus(rapportv1.IssueStatus_value[t.str]))
		case t.field == "status" && ne:
			f.NotStatuses = append(f.NotStatuses, rapportv1.IssueStatus(rapportv1.IssueStatus_value[t.str]))
		case t.field == "priority" && eq:
			f.Priorities = append(f.Priorities, rapportv1.Priority(rapportv1.Priority_value[t.str]))
		case t.field == "priority" && ne:
			f.NotPriorities = append(f.NotPriorities, rapportv1.Priority(rapportv1.Priority_value[t.str]))
		case t.field == "topic" && eq:
			f.Topic, _ = normalizeTopic(t.str)
		default:
			return f, errors.New("unsupported comparison on " + t.field + "; see the filter's documentation")
		}
	}
	if len(f.Statuses) > 1 || len(f.Priorities) > 1 {
		return f, errors.New("a field can be compared with = once (conditions are joined by AND)")
	}
	return f, nil
}

func (s *issueServer) ListIssues(ctx context.Context, req *rapportv1.ListIssuesRequest) (*rapportv1.ListIssuesResponse, error) {
	f, ferr := issueFilter(req.GetFilter())
	list, next, err := newestFirstPage(ctx, s.heavy, req, req.GetParent(), ferr, s.store.GetCustomer,
		func(customerID string, after *repository.Cursor, size int) ([]*rapportv1.Issue, bool, error) {
			return s.store.ListIssues(ctx, access.TenantOf(ctx), customerID, f, after, size)
		}, issueCursor)
	if err != nil {
		return nil, err
	}
	return &rapportv1.ListIssuesResponse{Issues: list, NextPageToken: next}, nil
}
