package service

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/audit"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/followups"
	"github.com/rapporthq/rapport/service/rpcerr"
	"go.einride.tech/aip/filtering"
	"go.einride.tech/aip/pagination"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// FollowUpStore is what the follow-up worklist needs from storage: the
// index, and the summaries that hold each follow-up's state.
type FollowUpStore interface {
	Atomic
	WriteFollowUps(ctx context.Context, tenant string, put []repository.FollowUpRow, remove []repository.FollowUpKey) error
	ListFollowUps(ctx context.Context, tenant string, f repository.FollowUpFilter, after *repository.FollowUpCursor, limit int) ([]repository.FollowUpRow, bool, error)
	UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*repository.Summary) error) (*repository.Summary, error)
}

const (
	followUpOpen      = rapportv1.FollowUpState_FOLLOW_UP_STATE_OPEN
	followUpCompleted = rapportv1.FollowUpState_FOLLOW_UP_STATE_COMPLETED
	// keepCompleted is how long a completed follow-up is kept (and
	// listed); so long after, its evidence is out of every rule's window
	// and it cannot be derived again.
	keepCompleted = 90 * 24 * time.Hour
	// maxSnooze bounds a snooze.
	maxSnooze = 90 * 24 * time.Hour
)

// followUpName is a follow-up's resource name.
func followUpName(customerID, id string) string {
	return repository.CustomerName(customerID) + "/followUps/" + id
}

func parseFollowUpName(field, name string) (customer, id string, err error) {
	err = parseName(field, name, "customers/{customer}/followUps/{follow_up}", "customers/ada/followUps/f0123456789abcdef01234567", &customer, &id)
	return customer, id, err
}

// followUpChanges are the index writes that a summary's follow-ups need.
type followUpChanges struct {
	put    []repository.FollowUpRow
	remove []repository.FollowUpKey
}

func (c *followUpChanges) add(o followUpChanges) {
	c.put = append(c.put, o.put...)
	c.remove = append(c.remove, o.remove...)
}

func (c followUpChanges) empty() bool { return len(c.put) == 0 && len(c.remove) == 0 }

// indexRow is a follow-up's index entry.
func indexRow(customerID string, fu *rapportv1.FollowUp) (repository.FollowUpRow, error) {
	b, err := proto.Marshal(fu)
	return repository.FollowUpRow{CustomerID: customerID, FollowUpID: lastSegment(fu.GetName()), State: int32(fu.GetState()), Reason: int32(fu.GetReason()),
		Blocked: fu.GetBlocked(), DueTime: fu.GetDueTime().AsTime(), FollowUp: b}, err
}

// followUpRows are the index entries of every follow-up of a summary.
func followUpRows(sum *repository.Summary) []repository.FollowUpRow {
	var rows []repository.FollowUpRow
	for _, f := range sum.FollowUps {
		fu := &rapportv1.FollowUp{}
		if proto.Unmarshal(f.FollowUp, fu) != nil {
			continue
		}
		rows = append(rows, repository.FollowUpRow{CustomerID: sum.CustomerID, FollowUpID: f.ID, State: int32(fu.GetState()), Reason: int32(fu.GetReason()),
			Blocked: fu.GetBlocked(), DueTime: fu.GetDueTime().AsTime(), FollowUp: f.FollowUp})
	}
	return rows
}

// dropFollowUpsAbout removes a summary's follow-ups whose subject is under
// prefix (another customer's history), and returns their index keys.
func dropFollowUpsAbout(sum *repository.Summary, prefix string) []repository.FollowUpKey {
	var gone []repository.FollowUpKey
	kept := sum.FollowUps[:0]
	for _, f := range sum.FollowUps {
		fu := &rapportv1.FollowUp{}
		if proto.Unmarshal(f.FollowUp, fu) == nil && len(fu.GetEvidence()) > 0 && strings.HasPrefix(fu.GetEvidence()[0], prefix) {
			gone = append(gone, repository.FollowUpKey{CustomerID: sum.CustomerID, FollowUpID: f.ID})
			continue
		}
		kept = append(kept, f)
	}
	sum.FollowUps = kept
	return gone
}

// indexedFollowUps reads a customer's follow-ups back from the index (open
// and completed), for a summary that was lost: their states and due times
// come back, the request IDs they remembered do not.
func indexedFollowUps(ctx context.Context, store interface {
	ListFollowUps(ctx context.Context, tenant string, f repository.FollowUpFilter, after *repository.FollowUpCursor, limit int) ([]repository.FollowUpRow, bool, error)
}, tenant, customerID string) ([]repository.SummaryFollowUp, error) {
	var out []repository.SummaryFollowUp
	for _, st := range []rapportv1.FollowUpState{followUpOpen, followUpCompleted} {
		var after *repository.FollowUpCursor
		for {
			rows, more, err := store.ListFollowUps(ctx, tenant, repository.FollowUpFilter{State: int32(st), CustomerID: customerID}, after, maxPageSize)
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				out = append(out, repository.SummaryFollowUp{ID: r.FollowUpID, FollowUp: r.FollowUp})
			}
			if !more {
				break
			}
			last := rows[len(rows)-1]
			after = &repository.FollowUpCursor{DueTime: last.DueTime, CustomerID: last.CustomerID, FollowUpID: last.FollowUpID}
		}
	}
	slices.SortFunc(out, func(a, b repository.SummaryFollowUp) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func lastSegment(name string) string { return name[strings.LastIndexByte(name, '/')+1:] }

// planFollowUp sets a follow-up's due time, channel and blocked reason
// from the customer's preferences, as of when it became owed or the end of
// its snooze, whichever is later. It reports whether they changed.
func planFollowUp(fu *rapportv1.FollowUp, cc *rapportv1.CustomerContext) bool {
	from := fu.GetCreateTime().AsTime()
	if st := fu.GetSnoozeTime(); st != nil && st.AsTime().After(from) {
		from = st.AsTime()
	}
	w := followups.Plan(cc.GetProfile().GetPreferences(), cc.GetStatedPreferences(), fu.GetSourceChannel(), from)
	due := timestamppb.New(repository.Truncate(w.Due))
	changed := !proto.Equal(due, fu.GetDueTime()) || w.Channel != fu.GetChannel() || w.Blocked != fu.GetBlocked()
	fu.DueTime, fu.Channel, fu.Blocked = due, w.Channel, w.Blocked
	return changed
}

// deriveFollowUps brings a summary's follow-ups up to date after a write
// was applied to it (the rules of service/followups over the context the
// summary gives), and returns the index writes it needs. A merged
// customer's summary (an alias) and one without a profile have none.
func deriveFollowUps(sum *repository.Summary, now time.Time, hints customercontext.HintConfig) (followUpChanges, error) {
	var ch followUpChanges
	if _, alias := customercontext.AliasOf(sum); alias {
		return ch, nil
	}
	d, ok, err := customercontext.Decode(sum)
	if err != nil || !ok {
		return ch, err
	}
	cc := customercontext.Build(d, now, customercontext.Options{RecentLimit: len(d.Recent), Hints: hints, WithHints: true})
	owed := followups.OwedFollowUps(followups.Input{Context: cc, Now: now,
		Config: followups.Config{NegativeScore: hints.NegativeScore, WindowDays: hints.FollowUpDays}})
	existing := make([]*rapportv1.FollowUp, len(sum.FollowUps))
	byID := map[string]int{}
	for i, f := range sum.FollowUps {
		existing[i] = &rapportv1.FollowUp{}
		if err := proto.Unmarshal(f.FollowUp, existing[i]); err != nil {
			return ch, repository.ErrCorruptSummary
		}
		byID[f.ID] = i
	}
	openOf := func(r rapportv1.FollowUpReason) bool {
		return slices.ContainsFunc(existing, func(fu *rapportv1.FollowUp) bool { return fu.GetReason() == r && fu.GetState() == followUpOpen })
	}
	changed := map[string]bool{}
	for _, o := range owed {
		id := followups.ID(o.Reason, o.Subject())
		if _, seen := byID[id]; seen || (followups.OnePerCustomer(o.Reason) && openOf(o.Reason)) {
			continue
		}
		fu := &rapportv1.FollowUp{Name: followUpName(sum.CustomerID, id), Customer: repository.CustomerName(sum.CustomerID), Reason: o.Reason,
			ReasonText: followups.ReasonText[o.Reason], Evidence: o.Evidence, State: followUpOpen, CreateTime: timestamppb.New(repository.Truncate(now)),
			SourceChannel: o.Channel}
		byID[id] = len(existing)
		existing = append(existing, fu)
		sum.FollowUps = append(sum.FollowUps, repository.SummaryFollowUp{ID: id})
		changed[id] = true
	}
	var keep []repository.SummaryFollowUp
	for i, fu := range existing {
		f := sum.FollowUps[i]
		id := f.ID
		switch {
		case fu.GetState() == followUpOpen && followups.Void(cc, fu.GetReason(), fu.GetEvidence()[0]),
			fu.GetState() == followUpCompleted && now.Sub(fu.GetCompleteTime().AsTime()) > keepCompleted:
			if !changed[id] {
				ch.remove = append(ch.remove, repository.FollowUpKey{CustomerID: sum.CustomerID, FollowUpID: id})
			}
			continue
		case fu.GetState() == followUpOpen && planFollowUp(fu, cc):
			changed[id] = true
		}
		if changed[id] {
			if f.FollowUp, err = proto.Marshal(fu); err != nil {
				return ch, err
			}
			row, err := indexRow(sum.CustomerID, fu)
			if err != nil {
				return ch, err
			}
			ch.put = append(ch.put, row)
		}
		keep = append(keep, f)
	}
	slices.SortFunc(keep, func(a, b repository.SummaryFollowUp) int { return cmp.Compare(a.ID, b.ID) })
	sum.FollowUps = keep
	return ch, nil
}

// writeFollowUps writes the index changes of the summaries just saved.
func writeFollowUps(ctx context.Context, store FollowUpWriter, tenant string, changes map[string]followUpChanges) error {
	var all followUpChanges
	for _, id := range slices.Sorted(mapKeys(changes)) {
		all.add(changes[id])
	}
	if all.empty() {
		return nil
	}
	return store.WriteFollowUps(ctx, tenant, all.put, all.remove)
}

// FollowUpWriter writes the follow-up index.
type FollowUpWriter interface {
	WriteFollowUps(ctx context.Context, tenant string, put []repository.FollowUpRow, remove []repository.FollowUpKey) error
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

type followUpServer struct {
	rapportv1.UnimplementedFollowUpServiceServer
	store FollowUpStore
	now   func() time.Time
	hints customercontext.HintConfig
	heavy *access.HeavyReads
	// interactions records a completion in the customer's history.
	interactions *interactionServer
}

// completionSource is the source system of the interactions that record
// completed follow-ups (the follow-up's ID is the source ID: one per
// follow-up, however many times its completion is retried).
const completionSource = "rapport.follow-ups"

// completionChannel is the channel a completion is recorded on: the one
// the caller said, else the follow-up's, else its evidence's.
func completionChannel(fu *rapportv1.FollowUp, said rapportv1.Channel) rapportv1.Channel {
	for _, c := range []rapportv1.Channel{said, fu.GetCompleteChannel(), fu.GetChannel(), fu.GetSourceChannel()} {
		if c != rapportv1.Channel_CHANNEL_UNSPECIFIED {
			return c
		}
	}
	return rapportv1.Channel_CHANNEL_UNSPECIFIED
}

// recordCompletion records a completed follow-up in the customer's
// history: an outbound interaction on the channel used, at its completion
// time. Idempotent (its source record is the follow-up), so a retry of
// CompleteFollowUp repairs a completion whose record failed.
func (s *followUpServer) recordCompletion(ctx context.Context, customerID string, fu *rapportv1.FollowUp) error {
	o := s.interactions.record(ctx, []*rapportv1.RecordInteractionRequest{{Parent: repository.CustomerName(customerID), Interaction: &rapportv1.Interaction{
		Channel: completionChannel(fu, rapportv1.Channel_CHANNEL_UNSPECIFIED), Direction: rapportv1.Direction_DIRECTION_OUTBOUND,
		OccurTime: fu.GetCompleteTime(), Summary: "Follow-up completed (" + fu.GetName() + "): " + fu.GetReasonText(),
		SourceSystem: completionSource, SourceId: lastSegment(fu.GetName()),
	}}}, false)[0]
	return o.err
}

var followUpFilterDecls = mustDeclarations(
	filtering.DeclareEnumIdent("state", rapportv1.FollowUpState(0).Type()),
	filtering.DeclareEnumIdent("reason", rapportv1.FollowUpReason(0).Type()),
	filtering.DeclareIdent("due_time", filtering.TypeTimestamp),
	filtering.DeclareIdent("blocked", filtering.TypeString),
)

// followUpFilter reads ListFollowUps' filter.
func followUpFilter(filter string) (repository.FollowUpFilter, error) {
	f := repository.FollowUpFilter{State: int32(followUpOpen)}
	terms, err := parseFilter(filter, followUpFilterDecls)
	if err != nil {
		return f, err
	}
	seen := map[string]bool{}
	for _, t := range terms {
		eq := t.op == filtering.FunctionEquals
		if eq && seen[t.field] {
			return f, errors.New("a field can be compared with = once (conditions are joined by AND)")
		}
		seen[t.field] = eq
		switch {
		case t.field == "state" && eq:
			f.State = rapportv1.FollowUpState_value[t.str]
			if f.State == 0 {
				return f, errors.New("state must be FOLLOW_UP_STATE_OPEN or FOLLOW_UP_STATE_COMPLETED")
			}
		case t.field == "reason" && eq:
			f.Reason = rapportv1.FollowUpReason_value[t.str]
		case t.field == "blocked" && eq:
			f.Blocked, f.BlockedSet = t.str, true
		case t.field == "due_time" && !t.time.IsZero():
			// Times are kept to the millisecond: <= t is < t+1ms, > t is >= t+1ms.
			at := repository.Truncate(t.time)
			switch t.op {
			case filtering.FunctionLessThan:
				f.DueUntil = earlier(f.DueUntil, at)
			case filtering.FunctionLessEquals:
				f.DueUntil = earlier(f.DueUntil, at.Add(time.Millisecond))
			case filtering.FunctionGreaterEquals:
				f.DueFrom = later(f.DueFrom, at)
			case filtering.FunctionGreaterThan:
				f.DueFrom = later(f.DueFrom, at.Add(time.Millisecond))
			default:
				return f, errors.New("due_time is compared with <, <=, > or >=")
			}
		case t.field == "due_time":
			return f, errors.New("due_time must be compared with an RFC 3339 time, e.g. \"2026-12-08T00:00:00Z\"")
		default:
			return f, errors.New("unsupported comparison on " + t.field + "; see the filter's documentation")
		}
	}
	return f, nil
}

func earlier(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (s *followUpServer) ListFollowUps(ctx context.Context, req *rapportv1.ListFollowUpsRequest) (*rapportv1.ListFollowUpsResponse, error) {
	var v violations
	customerID := ""
	if req.GetParent() != "customers/-" {
		var err error
		if customerID, err = parseCustomerName("parent", req.GetParent()); err != nil {
			return nil, err
		}
		audit.NoteCustomer(ctx, repository.CustomerName(customerID))
	}
	f, ferr := followUpFilter(req.GetFilter())
	f.CustomerID = customerID
	size := pageSize(&v, req.GetPageSize())
	if ferr != nil {
		v.add("filter", "%s", ferr.Error())
	}
	checksum, err := pageChecksum(ctx, req)
	if err != nil {
		return nil, err
	}
	var tok historyPageToken
	decodeHistoryToken(&v, req.GetPageToken(), checksum, &tok)
	var after *repository.FollowUpCursor
	if tok.ID != "" {
		c, id, ok := strings.Cut(tok.ID, "/")
		if !ok {
			v.add("page_token", "is not a page token of this request; start again without one")
		}
		after = &repository.FollowUpCursor{DueTime: tok.Time, CustomerID: c, FollowUpID: id}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if size > heavyPageSize {
		var release func()
		if ctx, release, err = s.heavy.Acquire(ctx, access.TenantOf(ctx)); err != nil {
			return nil, err
		}
		defer release()
	}
	rows, more, err := s.store.ListFollowUps(ctx, access.TenantOf(ctx), f, after, size)
	if err != nil {
		return nil, err
	}
	resp := &rapportv1.ListFollowUpsResponse{}
	for _, r := range rows {
		fu := &rapportv1.FollowUp{}
		if err := proto.Unmarshal(r.FollowUp, fu); err != nil {
			return nil, err
		}
		resp.FollowUps = append(resp.FollowUps, fu)
	}
	if more {
		last := rows[len(rows)-1]
		resp.NextPageToken = pagination.EncodePageTokenStruct(historyPageToken{Time: last.DueTime, ID: last.CustomerID + "/" + last.FollowUpID, Checksum: checksum})
	}
	return resp, nil
}

// errFollowUpUnchanged ends a summary update that has nothing to write
// (a retry, a second completion).
var errFollowUpUnchanged = errors.New("follow-up unchanged")

// changeFollowUp applies change to a follow-up in its customer's summary
// and writes its index entry, in one Atomically. A request ID already
// used on it with the same request returns the first result; with a
// different request, REQUEST_ID_REUSED. change returns the response to
// give, or errFollowUpUnchanged with it to write nothing.
func (s *followUpServer) changeFollowUp(ctx context.Context, name, requestID string, req proto.Message, resp proto.Message,
	change func(fu *rapportv1.FollowUp, cc *rapportv1.CustomerContext) error) error {
	customerID, id, err := parseFollowUpName("name", name)
	if err != nil {
		return err
	}
	audit.NoteCustomer(ctx, repository.CustomerName(customerID))
	tenant := access.TenantOf(ctx)
	key := ""
	if requestID != "" {
		key = requestID + "/" + fingerprint(req)
	}
	now := s.now()
	notFound := rpcerr.NotFound(rpcerr.ReasonFollowUpNotFound, "follow-up", followUpName(customerID, id))
	var row repository.FollowUpRow
	err = s.store.Atomically(ctx, func(ctx context.Context) error {
		_, err := s.store.UpdateSummary(ctx, tenant, customerID, func(sum *repository.Summary) error {
			i := slices.IndexFunc(sum.FollowUps, func(f repository.SummaryFollowUp) bool { return f.ID == id })
			if _, alias := customercontext.AliasOf(sum); alias || i < 0 {
				return notFound
			}
			f := &sum.FollowUps[i]
			if key != "" && f.RequestID == key {
				if err := proto.Unmarshal(f.Result, resp); err != nil {
					return err
				}
				return errFollowUpUnchanged
			}
			if requestID != "" && strings.HasPrefix(f.RequestID, requestID+"/") {
				return rpcerr.New(codes.FailedPrecondition, rpcerr.ReasonRequestIDReused, "request_id was already used for a different request on this follow-up", nil)
			}
			fu := &rapportv1.FollowUp{}
			if err := proto.Unmarshal(f.FollowUp, fu); err != nil {
				return repository.ErrCorruptSummary
			}
			d, _, err := customercontext.Decode(sum)
			if err != nil {
				return err
			}
			cc := customercontext.Build(d, now, customercontext.Options{RecentLimit: len(d.Recent), Hints: s.hints})
			if err := change(fu, cc); err != nil {
				return err
			}
			if f.FollowUp, err = proto.Marshal(fu); err != nil {
				return err
			}
			if key != "" {
				f.RequestID = key
				if f.Result, err = proto.Marshal(resp); err != nil {
					return err
				}
			}
			row, err = indexRow(customerID, fu)
			return err
		})
		switch {
		case errors.Is(err, errFollowUpUnchanged):
			return nil
		case errors.Is(err, repository.ErrNotFound):
			return notFound
		case err != nil:
			return err
		}
		return s.store.WriteFollowUps(ctx, tenant, []repository.FollowUpRow{row}, nil)
	})
	return err
}

func (s *followUpServer) CompleteFollowUp(ctx context.Context, req *rapportv1.CompleteFollowUpRequest) (*rapportv1.CompleteFollowUpResponse, error) {
	var v violations
	if req.GetChannel() != rapportv1.Channel_CHANNEL_UNSPECIFIED {
		v.enum("channel", req.GetChannel(), false)
	}
	v.requestID("request_id", req.GetRequestId())
	if _, _, err := parseFollowUpName("name", req.GetName()); err != nil {
		return nil, err
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	resp := &rapportv1.CompleteFollowUpResponse{}
	err := s.changeFollowUp(ctx, req.GetName(), req.GetRequestId(), req, resp, func(fu *rapportv1.FollowUp, _ *rapportv1.CustomerContext) error {
		if fu.GetState() == followUpCompleted {
			resp.FollowUp, resp.AlreadyCompleted = fu, true
			return errFollowUpUnchanged
		}
		if completionChannel(fu, req.GetChannel()) == rapportv1.Channel_CHANNEL_UNSPECIFIED {
			return rpcerr.New(codes.FailedPrecondition, rpcerr.ReasonFollowUpChannelRequired,
				"the follow-up has no channel (no consented channel): say in channel how the customer was reached", nil)
		}
		fu.State, fu.CompleteTime = followUpCompleted, timestamppb.New(repository.Truncate(s.now()))
		fu.CompleteChannel = completionChannel(fu, req.GetChannel())
		resp.FollowUp = fu
		return nil
	})
	if err != nil {
		return nil, err
	}
	customerID, _, _ := parseFollowUpName("name", req.GetName())
	if err := s.recordCompletion(ctx, customerID, resp.GetFollowUp()); err != nil {
		return nil, err
	}
	return resp, nil
}

func (s *followUpServer) SnoozeFollowUp(ctx context.Context, req *rapportv1.SnoozeFollowUpRequest) (*rapportv1.SnoozeFollowUpResponse, error) {
	var v violations
	now := s.now()
	switch st := req.GetSnoozeTime(); {
	case st == nil:
		v.add("snooze_time", "is required")
	case !st.IsValid():
		v.add("snooze_time", "is not a valid time")
	case !st.AsTime().After(now):
		v.add("snooze_time", "must be in the future")
	case st.AsTime().After(now.Add(maxSnooze)):
		v.add("snooze_time", "must be at most 90 days ahead")
	}
	v.requestID("request_id", req.GetRequestId())
	if _, _, err := parseFollowUpName("name", req.GetName()); err != nil {
		return nil, err
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	resp := &rapportv1.SnoozeFollowUpResponse{}
	err := s.changeFollowUp(ctx, req.GetName(), req.GetRequestId(), req, resp, func(fu *rapportv1.FollowUp, cc *rapportv1.CustomerContext) error {
		if fu.GetState() == followUpCompleted {
			return rpcerr.New(codes.FailedPrecondition, rpcerr.ReasonFollowUpCompleted, "the follow-up is completed: it cannot be snoozed", nil)
		}
		fu.SnoozeTime = timestamppb.New(repository.Truncate(req.GetSnoozeTime().AsTime()))
		planFollowUp(fu, cc)
		resp.FollowUp = fu
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
