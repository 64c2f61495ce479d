package service

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
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
	logger    *slog.Logger
	merges    aliases
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
	created, already, err := s.create(ctx, req, false)
	if err != nil {
		return nil, err
	}
	return &rapportv1.CreateIssueResponse{Issue: created, AlreadyCreated: already}, nil
}

// create validates and stores one issue, new or back-filled with its past,
// and reports whether it was created before (a retry, or a replayed
// source record). requireKey demands a source record or request ID.
func (s *issueServer) create(ctx context.Context, req *rapportv1.CreateIssueRequest, requireKey bool) (*rapportv1.Issue, bool, error) {
	customerID, err := parseCustomerName("parent", req.GetParent())
	if err != nil {
		return nil, false, err
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
		is.ResolveTime, is.CreateTime, is.UpdateTime = nil, nil, nil
		v = append(v, normalizeIssue("issue", is, s.now())...)
		v = append(v, backfillIssue("issue", is, s.now())...)
	}
	v.userID("issue_id", req.GetIssueId())
	v.requestID("request_id", req.GetRequestId())
	hasSource := is.GetSourceSystem() != "" && is.GetSourceId() != ""
	if requireKey && !hasSource && req.GetRequestId() == "" {
		v.add("issue.source_id", "an import needs issue.source_system and issue.source_id (or a request_id) on every item, so that a replay creates nothing twice")
	}
	if err := v.err(); err != nil {
		return nil, false, err
	}
	issueID := req.GetIssueId()
	if issueID == "" {
		issueID = resourceid.NewSystemGenerated()
	}
	fp := proto.Clone(is).(*rapportv1.Issue)
	for _, f := range fp.GetFacts() {
		f.GiveTime = nil
	}
	requestID, print := req.GetRequestId(), fingerprint(&rapportv1.CreateIssueRequest{Parent: req.GetParent(), Issue: fp, IssueId: req.GetIssueId()})
	if hasSource {
		// The source record is the key, and the first copy wins: the
		// fingerprint holds only what it belongs to.
		requestID = sourceRequestID(is.GetSourceSystem(), is.GetSourceId())
		print = fingerprint(&rapportv1.CreateIssueRequest{Parent: req.GetParent(), Issue: &rapportv1.Issue{SourceSystem: is.GetSourceSystem(), SourceId: is.GetSourceId()}})
	}
	var created *rapportv1.Issue
	var replayed bool
	err = s.store.Atomically(ctx, func(ctx context.Context) (err error) {
		created, err = s.store.CreateIssue(ctx, access.TenantOf(ctx), repository.CreateIssueRequest{
			CustomerID:  customerID,
			IssueID:     issueID,
			RequestID:   requestID,
			Fingerprint: print,
			Issue:       is,
			Replayed:    &replayed,
		})
		if err != nil {
			return err
		}
		return s.summaries.update(ctx, access.TenantOf(ctx), customerID, customercontext.Update{Issues: []*rapportv1.Issue{created}})
	})
	switch {
	case errors.Is(err, repository.ErrNotFound):
		return nil, false, rpcerr.NotFound(rpcerr.ReasonCustomerNotFound, "customer", req.GetParent())
	case hasSource && errors.Is(err, repository.ErrRequestReused):
		return nil, false, rpcerr.New(codes.AlreadyExists, rpcerr.ReasonSourceOfOtherCustomer, "this source record was created as an issue of another customer", nil)
	case err != nil:
		return nil, false, issueErr(err, "")
	}
	return created, replayed, nil
}

// sourceNamespace makes the request IDs of source-keyed creates (see
// sourceRequestID).
var sourceNamespace = uuid.MustParse("6f1c0a52-4a7e-4b0c-9a43-2f0e5c1d9b11")

// sourceRequestID is the request ID that makes a create keyed by its
// source record idempotent: a name-based UUID of the record, which no
// client's random UUID collides with.
func sourceRequestID(system, id string) string {
	return uuid.NewSHA1(sourceNamespace, []byte(system+"\x00"+id)).String()
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
			is.StatusHistory, is.SourceSystem, is.SourceId = before.GetStatusHistory(), before.GetSourceSystem(), before.GetSourceId()
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
	moveStatus(is, &rapportv1.IssueStatusChange{Status: to, ChangeTime: timestamppb.New(now), Resolution: resolutionOf(to, is.GetResolution())})
	return nil
}

// resolutionOf is the resolution a move to status records: the issue's,
// for a move that resolves or closes it.
func resolutionOf(to issueStatus, resolution string) string {
	if to == statusResolved || to == statusClosed {
		return resolution
	}
	return ""
}

// moveStatus applies one legal status move to an issue and keeps its
// bookkeeping: status, resolve time, reopen count, and the history (the
// latest maxStatusHistory moves).
func moveStatus(is *rapportv1.Issue, c *rapportv1.IssueStatusChange) {
	is.Status = c.GetStatus()
	switch c.GetStatus() {
	case statusResolved:
		is.ResolveTime = c.GetChangeTime()
	case statusReopened:
		is.ReopenCount++
		is.ResolveTime = nil
	}
	is.StatusHistory = append(is.StatusHistory, c)
	if n := len(is.StatusHistory); n > maxStatusHistory {
		is.StatusHistory = is.StatusHistory[n-maxStatusHistory:]
	}
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
			survivor, halves, err := s.merges.expand(ctx, access.TenantOf(ctx), customerID)
			if err != nil {
				return nil, false, err
			}
			f.AlsoCustomers = halves
			return s.store.ListIssues(ctx, access.TenantOf(ctx), survivor, f, after, size)
		}, issueCursor)
	if err != nil {
		return nil, err
	}
	return &rapportv1.ListIssuesResponse{Issues: list, NextPageToken: next}, nil
}
