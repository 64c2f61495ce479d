package service

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"io"
	"log/slog"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/audit"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/customercontext/statements"
	"github.com/rapporthq/rapport/service/retention"
	"github.com/rapporthq/rapport/service/rpcerr"
	"go.einride.tech/aip/filtering"
	"go.einride.tech/aip/resourceid"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// InteractionStore is what the interaction handlers need from storage.
type InteractionStore interface {
	Atomic
	GetCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error)
	UpdateCustomer(ctx context.Context, tenant, customerID, etag string, mutate func(*rapportv1.Customer) error) (*rapportv1.Customer, error)
	GetIssue(ctx context.Context, tenant, customerID, issueID string) (*rapportv1.Issue, error)
	UpdateIssue(ctx context.Context, tenant, customerID, issueID, etag string, mutate func(*rapportv1.Issue) error) (*rapportv1.Issue, error)
	RecordInteractions(ctx context.Context, tenant string, items []repository.NewInteraction) ([]repository.RecordResult, error)
	GetInteraction(ctx context.Context, tenant, customerID, interactionID string) (*rapportv1.Interaction, error)
	RecordSurvey(ctx context.Context, tenant string, a repository.SurveyAnswer) (repository.SurveyResult, error)
	ListInteractions(ctx context.Context, tenant, customerID string, f repository.InteractionFilter, after *repository.Cursor, limit int) ([]*rapportv1.Interaction, bool, error)
}

type interactionServer struct {
	rapportv1.UnimplementedInteractionServiceServer
	store     InteractionStore
	summaries summaries
	sentiment *customercontext.SentimentModel
	logger    *slog.Logger
	now       func() time.Time
	// retention stamps each interaction with its expiry.
	retention retention.Policy
	heavy     *access.HeavyReads
	merges    aliases
	// audit records the consent changes SMS keywords make.
	audit *audit.Writer
	// phoneRegion reads national phone numbers in text (Options.DefaultPhoneRegion).
	phoneRegion string
}

// outcome is the result of recording one item: the interaction, or an error
// (a status, or a repository error that toStatus maps).
type outcome struct {
	interaction *rapportv1.Interaction
	already     bool
	// issue is the linked issue after the link, with its new etag.
	issue *rapportv1.Issue
	err   error
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// derivedID makes an interaction ID from what identifies a record, so that
// the same record always gets the same ID (and the database's _id
// uniqueness makes recording idempotent).
func derivedID(prefix string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return prefix + idEncoding.EncodeToString(h.Sum(nil)[:15])
}

// record validates and stores items (of any customers) and links them to
// their issues. Each item gets an outcome, in order; invalid items store
// nothing. requireKey demands a source ID or request ID on every item.
func (s *interactionServer) record(ctx context.Context, reqs []*rapportv1.RecordInteractionRequest, requireKey bool) []outcome {
	tenant := access.TenantOf(ctx)
	now := s.now()
	outcomes := make([]outcome, len(reqs))
	var items []repository.NewInteraction
	var itemIndex []int
	issues := map[[2]string]error{}
	for i, req := range reqs {
		if err := ctx.Err(); err != nil {
			// The caller went away (or its deadline passed): check and
			// analyse no more, and store nothing.
			return cancelled(outcomes, err)
		}
		var v violations
		customerID, err := parseCustomerName("parent", req.GetParent())
		if err != nil {
			outcomes[i].err = err
			continue
		}
		in := req.GetInteraction()
		if in == nil {
			v.add("interaction", "is required")
			outcomes[i].err = v.err()
			continue
		}
		v = append(v, s.normalizeInteraction("interaction", in, now)...)
		var issueID string
		if in.GetIssue() != "" {
			issueCustomer, id, err := parseIssueName("interaction.issue", in.GetIssue())
			switch {
			case err != nil:
				v.add("interaction.issue", "must be an issue name such as %s/issues/refund", req.GetParent())
			case issueCustomer != customerID:
				v.add("interaction.issue", "must be an issue of %s", req.GetParent())
			default:
				issueID = id
			}
		}
		v.requestID("request_id", req.GetRequestId())
		hasSource := in.GetSourceSystem() != "" && in.GetSourceId() != ""
		if requireKey && !hasSource && req.GetRequestId() == "" {
			v.add("interaction.source_id", "an import needs source_system and source_id (or a request_id) on every item, so that a replay creates nothing twice")
		}
		if err := v.err(); err != nil {
			outcomes[i].err = err
			continue
		}
		item := repository.NewInteraction{CustomerID: customerID, IssueID: issueID, Retention: s.retention.For(tenant), Interaction: in}
		item.Fingerprint = fingerprint(&rapportv1.RecordInteractionRequest{Parent: req.GetParent(), Interaction: in})
		switch {
		case hasSource:
			item.InteractionID = derivedID("s", in.GetSourceSystem(), in.GetSourceId())
		case req.GetRequestId() != "":
			item.InteractionID = derivedID("r", req.GetRequestId())
			item.CheckFingerprint = true
		default:
			item.InteractionID = resourceid.NewSystemGenerated()
		}
		// The issue must exist: one point read per issue and call. (The
		// store finds the customers that do not exist, all in one query.)
		if issueID != "" {
			key := [2]string{customerID, issueID}
			if _, seen := issues[key]; !seen {
				_, issues[key] = s.store.GetIssue(ctx, tenant, customerID, issueID)
			}
			if err := issues[key]; err != nil {
				outcomes[i].err = issueErr(err, in.GetIssue())
				continue
			}
		}
		items = append(items, item)
		itemIndex = append(itemIndex, i)
	}
	if len(items) == 0 {
		return outcomes
	}
	var changes []consentChange
	// The interactions, their issue links, the customers' summaries and the
	// consent changes of SMS keywords: one unit (see Atomic). A failure of any fails every item, which the
	// client retries: on MongoDB the retry repairs what landed.
	err := s.store.Atomically(ctx, func(ctx context.Context) error {
		results, err := s.store.RecordInteractions(ctx, tenant, items)
		if err != nil {
			return err
		}
		for k, r := range results {
			i := itemIndex[k]
			switch {
			case errors.Is(r.Err, repository.ErrRequestReused):
				outcomes[i].err = rpcerr.New(codes.FailedPrecondition, rpcerr.ReasonRequestIDReused, "request_id was already used for a different interaction", nil)
			case errors.As(r.Err, new(*repository.SourceConflictError)):
				outcomes[i].err = rpcerr.New(codes.AlreadyExists, rpcerr.ReasonSourceOfOtherCustomer,
					"this source record (or request) was recorded for another customer", nil)
			case errors.Is(r.Err, repository.ErrNotFound):
				outcomes[i].err = customerErr(r.Err, reqs[i].GetParent())
			case r.Err != nil:
				outcomes[i].err = r.Err
			default:
				outcomes[i] = outcome{interaction: r.Interaction, already: r.AlreadyRecorded}
			}
		}
		repair := map[string]bool{}
		linked, err := s.linkIssues(ctx, tenant, items, itemIndex, outcomes, repair)
		if err != nil {
			return err
		}
		if err := s.keepSummaries(ctx, tenant, items, itemIndex, outcomes, linked, repair); err != nil {
			return err
		}
		changes, err = s.applySMSKeywords(ctx, tenant, items, itemIndex, outcomes)
		return err
	})
	if err == nil {
		for _, c := range changes {
			s.audit.Change(ctx, c.method, c.customer, c.interaction)
		}
	}
	if err != nil {
		for _, i := range itemIndex {
			if outcomes[i].err == nil {
				outcomes[i] = outcome{err: err}
			}
		}
	}
	return outcomes
}

// cancelled fails every item of a call whose context ended before its
// items were stored (an item already refused keeps its own error).
func cancelled(outcomes []outcome, err error) []outcome {
	st := status.FromContextError(err).Err()
	for i := range outcomes {
		if outcomes[i].err == nil {
			outcomes[i].err = st
		}
	}
	return outcomes
}

// consentChange is a consent an SMS keyword changed, for the audit trail.
type consentChange struct{ method, customer, interaction string }

// liveKeyword: an SMS keyword that occurred at most this long before it was
// recorded is live, and applies whatever the consent's last change; an
// older one (a back-fill) applies only if it is newer than that change.
const liveKeyword = time.Hour

// applySMSKeywords applies the SMS opt-out and opt-in keywords among the
// newly recorded interactions: an inbound SMS that is STOP (STOPALL,
// UNSUBSCRIBE, CANCEL, END, QUIT) as a whole withdraws the customer's SMS
// consent at once; START (UNSTOP, YES) gives it back. A retried or replayed
// one changes nothing, nor does a back-filled one (see liveKeyword) older
// than the SMS consent's last change; a consent already so is left alone.
// The customer's summary follows.
func (s *interactionServer) applySMSKeywords(ctx context.Context, tenant string, items []repository.NewInteraction, itemIndex []int, outcomes []outcome) ([]consentChange, error) {
	var changes []consentChange
	for k, it := range items {
		o := outcomes[itemIndex[k]]
		if o.err != nil || o.already {
			continue // a retry or replay: applied the first time
		}
		kw := customercontext.SMSKeyword(o.interaction)
		if kw == "" {
			continue
		}
		want, method := rapportv1.ConsentStatus_CONSENT_STATUS_DENIED, "rapport.v1.Consent/SMS_WITHDRAWN"
		if kw == statements.SMSOptIn {
			want, method = rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED, "rapport.v1.Consent/SMS_GRANTED"
		}
		at := o.interaction.GetOccurTime().AsTime()
		live := s.now().Sub(at) <= liveKeyword
		changed := false
		updated, err := s.store.UpdateCustomer(ctx, tenant, it.CustomerID, "", func(c *rapportv1.Customer) error {
			if c.Preferences == nil {
				c.Preferences = &rapportv1.Preferences{}
			}
			for _, cs := range c.Preferences.Consents {
				if cs.GetChannel() != rapportv1.Channel_CHANNEL_SMS {
					continue
				}
				if cs.GetStatus() == want || (!live && cs.GetUpdateTime() != nil && !at.After(cs.GetUpdateTime().AsTime())) {
					return errNoConsentChange
				}
				cs.Status, changed = want, true
				return nil
			}
			c.Preferences.Consents = append(c.Preferences.Consents, &rapportv1.ChannelConsent{Channel: rapportv1.Channel_CHANNEL_SMS, Status: want})
			changed = true
			return nil
		})
		switch {
		case errors.Is(err, errNoConsentChange) || errors.Is(err, repository.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		case !changed:
			continue
		}
		if updated, err = s.merges.view(ctx, tenant, updated); err != nil {
			return nil, err
		}
		if err := s.summaries.update(ctx, tenant, it.CustomerID, customercontext.Update{Customer: updated}); err != nil {
			return nil, err
		}
		changes = append(changes, consentChange{method, updated.GetName(), o.interaction.GetName()})
	}
	return changes, nil
}

// errNoConsentChange stops a consent update that would change nothing.
var errNoConsentChange = errors.New("no consent change")

// keepSummaries applies the recorded interactions (new, or found again on a
// retry) and the issues they changed to each customer's context summary: one
// update per customer. An error stops it: the call fails, the client
// retries, and the retry repairs the summary.
func (s *interactionServer) keepSummaries(ctx context.Context, tenant string, items []repository.NewInteraction, itemIndex []int, outcomes []outcome, linked map[string][]*rapportv1.Issue, stale map[string]bool) error {
	byCustomer := map[string][]int{}
	var order []string
	for k, it := range items {
		i := itemIndex[k]
		if outcomes[i].err != nil {
			continue
		}
		if byCustomer[it.CustomerID] == nil {
			order = append(order, it.CustomerID)
		}
		byCustomer[it.CustomerID] = append(byCustomer[it.CustomerID], i)
	}
	updates := make(map[string]customercontext.Update, len(order))
	for _, customerID := range order {
		u := customercontext.Update{Issues: linked[customerID], Replayed: map[string]bool{}}
		for _, i := range byCustomer[customerID] {
			u.Interactions = append(u.Interactions, outcomes[i].interaction)
			if outcomes[i].already {
				u.Replayed[outcomes[i].interaction.GetName()] = true
			}
		}
		updates[customerID] = u
	}
	return s.summaries.updateMany(ctx, tenant, updates, order, stale)
}

// linkIssues adds recorded interactions (new, or found again on a retry, so
// that a retry repairs a link the first attempt did not make) to their
// issues, with the facts they carry: one optimistic update per issue. An
// error stops it (see keepSummaries).
func (s *interactionServer) linkIssues(ctx context.Context, tenant string, items []repository.NewInteraction, itemIndex []int, outcomes []outcome, repair map[string]bool) (map[string][]*rapportv1.Issue, error) {
	linked := map[string][]*rapportv1.Issue{}
	byIssue := map[[2]string][]int{}
	var order [][2]string
	for k, it := range items {
		i := itemIndex[k]
		if it.IssueID == "" || outcomes[i].err != nil {
			continue
		}
		key := [2]string{it.CustomerID, it.IssueID}
		if byIssue[key] == nil {
			order = append(order, key)
		}
		byIssue[key] = append(byIssue[key], i)
	}
	for _, key := range order {
		idx := byIssue[key]
		var ins []*rapportv1.Interaction
		for _, i := range idx {
			ins = append(ins, outcomes[i].interaction)
		}
		updated, err := linkToIssue(ctx, s.store, tenant, key[0], key[1], ins)
		switch {
		case err == nil:
			linked[key[0]] = append(linked[key[0]], updated)
		case errors.Is(err, errUnchanged):
			// Linked before (a retry): the answer carries the issue as it
			// is. A summary missing this issue's latest state is repaired
			// by a rebuild.
			if updated, err = s.store.GetIssue(ctx, tenant, key[0], key[1]); err != nil {
				return nil, err
			}
		case errors.Is(err, repository.ErrContention):
			// The interactions are stored; their link lost the race to
			// other writers of the issue (MongoDB). The summary is marked
			// stale, and the next read makes the link (repairLinks) and
			// rebuilds it: the write is answered as it is, kept, with no
			// issue (its etag will change again when the link is made).
			repair[key[0]] = true
			continue
		default:
			return nil, err
		}
		for _, i := range idx {
			outcomes[i].issue = updated
		}
	}
	return linked, nil
}

// issueUpdater is what linking interactions to an issue needs.
type issueUpdater interface {
	UpdateIssue(ctx context.Context, tenant, customerID, issueID, etag string, mutate func(*rapportv1.Issue) error) (*rapportv1.Issue, error)
}

// linkToIssue adds interactions and the facts they give to their issue in
// one optimistic update, or returns errUnchanged if they were linked
// already.
func linkToIssue(ctx context.Context, store issueUpdater, tenant, customerID, issueID string, ins []*rapportv1.Interaction) (*rapportv1.Issue, error) {
	return store.UpdateIssue(ctx, tenant, customerID, issueID, "", func(is *rapportv1.Issue) error {
		changed := false
		for _, in := range ins {
			changed = customercontext.LinkInteraction(is, in, maxIssueFacts) || changed
		}
		if !changed {
			return errUnchanged
		}
		return nil
	})
}

// errUnchanged tells the store that a mutation changed nothing to save.
var errUnchanged = errors.New("unchanged")

func (s *interactionServer) RecordInteraction(ctx context.Context, req *rapportv1.RecordInteractionRequest) (*rapportv1.RecordInteractionResponse, error) {
	o := s.record(ctx, []*rapportv1.RecordInteractionRequest{req}, false)[0]
	if o.err != nil {
		return nil, o.err
	}
	return &rapportv1.RecordInteractionResponse{Interaction: o.interaction, AlreadyRecorded: o.already, Issue: o.issue}, nil
}

// checkBatchSize refuses an empty or oversized list of items.
func checkBatchSize(n int) error {
	var v violations
	switch {
	case n == 0:
		v.add("requests", "must have at least one item")
	case n > maxBatchItems:
		v.add("requests", "must have at most %d items (got %d)", maxBatchItems, n)
	}
	return v.err()
}

func (s *interactionServer) BatchRecordInteractions(ctx context.Context, req *rapportv1.BatchRecordInteractionsRequest) (*rapportv1.BatchRecordInteractionsResponse, error) {
	if err := checkBatchSize(len(req.GetRequests())); err != nil {
		return nil, err
	}
	outcomes := s.record(ctx, req.GetRequests(), false)
	resp := &rapportv1.BatchRecordInteractionsResponse{Results: make([]*rapportv1.RecordResult, len(outcomes))}
	for i, o := range outcomes {
		resp.Results[i] = &rapportv1.RecordResult{Interaction: o.interaction, AlreadyRecorded: o.already, Issue: o.issue, Error: itemError(ctx, s.logger, o.err)}
	}
	return resp, nil
}

func (s *interactionServer) ImportInteractions(stream rapportv1.InteractionService_ImportInteractionsServer) error {
	var totals rapportv1.ImportInteractionsResponse
	return serveImport(stream, (*rapportv1.ImportInteractionsRequest).GetRequests, func(ctx context.Context, msg *rapportv1.ImportInteractionsRequest) *rapportv1.ImportInteractionsResponse {
		resp := &rapportv1.ImportInteractionsResponse{}
		for i, o := range s.record(ctx, msg.GetRequests(), true) {
			totals.Received++
			switch {
			case o.err != nil:
				totals.Failed++
				resp.Failures = append(resp.Failures, &rapportv1.ImportFailure{Index: int32(i), Error: itemError(ctx, s.logger, o.err)})
			case o.already:
				totals.AlreadyRecorded++
			default:
				totals.Recorded++
			}
		}
		resp.Received, resp.Recorded, resp.AlreadyRecorded, resp.Failed = totals.Received, totals.Recorded, totals.AlreadyRecorded, totals.Failed
		return resp
	})
}

// serveImport serves a bulk import stream: each message, of 1 to
// maxBatchItems items, is handled and answered in turn, until the client
// closes its side.
func serveImport[Req, Resp any, Item any](stream grpc.BidiStreamingServer[Req, Resp], items func(*Req) []Item, handle func(context.Context, *Req) *Resp) error {
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := checkBatchSize(len(items(msg))); err != nil {
			return err
		}
		if err := stream.Send(handle(stream.Context(), msg)); err != nil {
			return err
		}
	}
}

// itemError turns an item's error into the ItemError of a batch result,
// logging errors whose text the client does not see.
func itemError(ctx context.Context, logger *slog.Logger, err error) *rapportv1.ItemError {
	if err == nil {
		return nil
	}
	stErr, ok := toStatus(err)
	if !ok {
		logger.ErrorContext(ctx, "batch item failed", "error", err)
	}
	st := status.Convert(stErr)
	ie := &rapportv1.ItemError{Code: code.Code_name[int32(st.Code())], Message: st.Message()}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			ie.Reason = d.GetReason()
		case *errdetails.BadRequest:
			for _, fv := range d.GetFieldViolations() {
				ie.FieldViolations = append(ie.FieldViolations, &rapportv1.FieldViolation{Field: fv.GetField(), Description: fv.GetDescription()})
			}
		}
	}
	return ie
}

func (s *interactionServer) GetInteraction(ctx context.Context, req *rapportv1.GetInteractionRequest) (*rapportv1.GetInteractionResponse, error) {
	customerID, id, err := parseInteractionName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	in, err := s.store.GetInteraction(ctx, access.TenantOf(ctx), customerID, id)
	if errors.Is(err, repository.ErrNotFound) {
		return nil, rpcerr.NotFound(rpcerr.ReasonInteractionNotFound, "interaction", req.GetName())
	}
	if err != nil {
		return nil, err
	}
	return &rapportv1.GetInteractionResponse{Interaction: in}, nil
}

var interactionFilterDecls = mustDeclarations(
	filtering.DeclareEnumIdent("channel", rapportv1.Channel(0).Type()),
	filtering.DeclareIdent("occur_time", filtering.TypeTimestamp),
	filtering.DeclareIdent("topics", filtering.TypeList(filtering.TypeString)),
	filtering.DeclareIdent("issue", filtering.TypeString),
)

// interactionFilter turns a ListInteractions filter into a repository one.
func interactionFilter(filter, parent string) (repository.InteractionFilter, error) {
	var f repository.InteractionFilter
	terms, err := parseFilter(filter, interactionFilterDecls)
	if err != nil {
		return f, err
	}
	for _, t := range terms {
		switch {
		case t.field == "channel" && t.op == filtering.FunctionEquals:
			f.Channels = append(f.Channels, rapportv1.Channel(rapportv1.Channel_value[t.str]))
		case t.field == "occur_time" && !t.time.IsZero() && (t.op == filtering.FunctionGreaterThan || t.op == filtering.FunctionGreaterEquals):
			f.After, f.AfterInclusive = t.time, t.op == filtering.FunctionGreaterEquals
		case t.field == "occur_time" && !t.time.IsZero() && (t.op == filtering.FunctionLessThan || t.op == filtering.FunctionLessEquals):
			f.Before, f.BeforeInclusive = t.time, t.op == filtering.FunctionLessEquals
		case t.field == "topics" && t.op == filtering.FunctionHas:
			topic, _ := normalizeTopic(t.str)
			f.Topics = append(f.Topics, topic)
		case t.field == "issue" && t.op == filtering.FunctionEquals:
			customer, issue, err := parseIssueName("filter", t.str)
			if err != nil || repository.CustomerName(customer) != parent {
				return f, errors.New("issue must be an issue of the parent, e.g. " + parent + "/issues/refund")
			}
			f.IssueID = issue
		default:
			return f, errors.New("unsupported comparison on " + t.field + "; see the filter's documentation")
		}
	}
	if len(f.Channels) > 1 {
		return f, errors.New("channel can be compared once")
	}
	return f, nil
}

func (s *interactionServer) ListInteractions(ctx context.Context, req *rapportv1.ListInteractionsRequest) (*rapportv1.ListInteractionsResponse, error) {
	f, ferr := interactionFilter(req.GetFilter(), req.GetParent())
	list, next, err := newestFirstPage(ctx, s.heavy, req, req.GetParent(), ferr, s.store.GetCustomer,
		func(customerID string, after *repository.Cursor, size int) ([]*rapportv1.Interaction, bool, error) {
			survivor, halves, err := s.merges.expand(ctx, access.TenantOf(ctx), customerID)
			if err != nil {
				return nil, false, err
			}
			f.AlsoCustomers = halves
			return s.store.ListInteractions(ctx, access.TenantOf(ctx), survivor, f, after, size)
		}, interactionCursor)
	if err != nil {
		return nil, err
	}
	return &rapportv1.ListInteractionsResponse{Interactions: list, NextPageToken: next}, nil
}
