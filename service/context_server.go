package service

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/audit"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/rpcerr"
	"github.com/rapporthq/rapport/service/watch"
	"go.einride.tech/aip/fieldmask"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// Limits of the context methods, as documented in the proto.
const (
	maxRecentLimit   = 20
	maxContextBatch  = 100
	maxTicketSubject = 500
)

// ContextStore is what the context handlers need from storage.
type ContextStore interface {
	SummaryStore
	ResolveIdentity(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (string, error)
	GetCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error)
	ListIssues(ctx context.Context, tenant, customerID string, f repository.IssueFilter, after *repository.Cursor, limit int) ([]*rapportv1.Issue, bool, error)
	ListInteractions(ctx context.Context, tenant, customerID string, f repository.InteractionFilter, after *repository.Cursor, limit int) ([]*rapportv1.Interaction, bool, error)
	ListFollowUps(ctx context.Context, tenant string, f repository.FollowUpFilter, after *repository.FollowUpCursor, limit int) ([]repository.FollowUpRow, bool, error)
	issueUpdater
}

type contextServer struct {
	rapportv1.UnimplementedContextServiceServer
	store   ContextStore
	watches *watch.Hub
	ids     identityNormalizer
	hints   customercontext.HintConfig
	logger  *slog.Logger
	now     func() time.Time
	heavy   *access.HeavyReads
	merges  aliases
	// rebuilds runs the rebuilds a read under a deadline does not wait for.
	rebuilds *rebuilder
}

// target is a customer named by resource name or by identity.
type target struct {
	name     string // as the caller wrote it, for errors
	identity *rapportv1.Identity
	id       string
	// complete asks for all-or-nothing: wait for a rebuild of the summary
	// rather than answer from the stored one (require_complete).
	complete bool
}

// parseTarget reads the customer/identity pair of a request: exactly one.
func (s *contextServer) parseTarget(customer, identity, customerField, identityField string) (target, error) {
	var v violations
	switch {
	case customer != "" && identity != "":
		v.add(identityField, "give %s or %s, not both", customerField, identityField)
		return target{}, v.err()
	case customer == "" && identity == "":
		v.add(customerField, "%s or %s is required", customerField, identityField)
		return target{}, v.err()
	case customer != "":
		id, err := parseCustomerName(customerField, customer)
		return target{name: customer, id: id}, err
	}
	t, value, err := s.ids.parseIdentity(identity)
	if err != nil {
		v.add(identityField, "%s", err.Error())
		return target{}, v.err()
	}
	return target{name: repository.IdentityKey(t, value), identity: &rapportv1.Identity{Type: t, Value: value}}, nil
}

// load returns the customer's decoded summary. By name it is one point
// read; by identity, two. A customer whose summary is missing, has no
// profile (a write that died half-way, or data from before summaries) or
// is marked stale (it lost the race with a write, on MongoDB) gets it
// rebuilt from the history on the spot; under a deadline, partial reports
// that the stale summary was used as it is (see loadSummary).
func (s *contextServer) load(ctx context.Context, tg target) (d customercontext.Decoded, partial bool, err error) {
	tenant := access.TenantOf(ctx)
	if tg.identity != nil {
		id, err := s.store.ResolveIdentity(ctx, tenant, tg.identity.GetType(), tg.identity.GetValue())
		if errors.Is(err, repository.ErrNotFound) {
			return customercontext.Decoded{}, false, rpcerr.NotFound(rpcerr.ReasonIdentityNotFound, "identity", tg.name)
		}
		if err != nil {
			return customercontext.Decoded{}, false, err
		}
		tg.id = id
		audit.NoteCustomer(ctx, repository.CustomerName(id))
	}
	d, partial, err = s.loadSummary(ctx, tenant, tg)
	if err != nil {
		return customercontext.Decoded{}, false, err
	}
	if survivor, ok := customercontext.AliasOf(d.Summary); ok {
		// A merged customer: its name and identities read the survivor
		// (one more point read, for merged customers only).
		if tg.id, err = parseCustomerName("", survivor); err != nil {
			return customercontext.Decoded{}, false, err
		}
		audit.NoteCustomer(ctx, survivor)
		if d, partial, err = s.loadSummary(ctx, tenant, tg); err != nil {
			return customercontext.Decoded{}, false, err
		}
	}
	if tg.identity != nil && !slices.ContainsFunc(d.Customer.GetIdentities(), func(id *rapportv1.Identity) bool {
		return id.GetType() == tg.identity.GetType() && id.GetValue() == tg.identity.GetValue()
	}) {
		return customercontext.Decoded{}, false, rpcerr.NotFound(rpcerr.ReasonIdentityNotFound, "identity", tg.name) // a stale claim
	}
	return d, partial, nil
}

// loadSummary reads and decodes a customer's summary, rebuilding it from
// the history when it is missing, has no profile or is stale. The rebuild
// runs in the background (see rebuilder): the read waits for it, but a
// read under a deadline that has a stale summary to fall back on waits
// only until its soft deadline (unless tg.complete), and then answers
// from the stale summary with partial true; the rebuild goes on.
func (s *contextServer) loadSummary(ctx context.Context, tenant string, tg target) (customercontext.Decoded, bool, error) {
	sum, err := s.store.GetSummary(ctx, tenant, tg.id)
	if err != nil && !errors.Is(err, repository.ErrNotFound) {
		return customercontext.Decoded{}, false, err
	}
	var d customercontext.Decoded
	ok := false
	if err == nil {
		if d, ok, err = customercontext.Decode(sum); err != nil {
			return customercontext.Decoded{}, false, err
		}
	}
	// A stale summary (a write could not merge into it, or lost a race with
	// other writers; the write was kept) is rebuilt, as the repository's
	// Summary.Stale documents, after making the issue links that may have
	// lost their race too.
	if ok && !sum.Stale {
		return d, false, nil
	}
	stale := sum != nil && sum.Stale
	run := func(ctx context.Context) (*repository.Summary, error) {
		if stale {
			if err := s.repairLinks(ctx, tenant, tg.id); err != nil {
				return nil, err
			}
		}
		sum, _, err := s.rebuild(ctx, tenant, tg.id)
		return sum, err
	}
	fallback := ok && !tg.complete // a stale summary to answer from
	_, hasDeadline := ctx.Deadline()
	var rebuilt *repository.Summary
	job := s.rebuilds.start(ctx, tenant, tg.id, run)
	switch {
	case job == nil && fallback && hasDeadline:
		// No room to rebuild in the background: answer now, the next
		// read rebuilds.
		return d, true, nil
	case job == nil:
		rebuilt, err = run(ctx)
	default:
		wait := ctx
		if fallback {
			var cancel context.CancelFunc
			wait, cancel = withSoftDeadline(ctx)
			defer cancel()
		}
		select {
		case <-job.done:
			rebuilt, err = job.sum, job.err
		case <-wait.Done():
			if ctx.Err() == nil && fallback {
				return d, true, nil
			}
			return customercontext.Decoded{}, false, ctx.Err()
		}
	}
	if err != nil {
		if errors.Is(err, repository.ErrNotFound) && tg.identity != nil {
			return customercontext.Decoded{}, false, rpcerr.NotFound(rpcerr.ReasonIdentityNotFound, "identity", tg.name)
		}
		return customercontext.Decoded{}, false, customerErr(err, repository.CustomerName(tg.id))
	}
	d, _, err = customercontext.Decode(rebuilt)
	return d, false, err
}

// rebuild recomputes a customer's summary from the stored history. The
// history is read inside the optimistic update, so a write that lands
// meanwhile makes the save retry with it included.
func (s *contextServer) rebuild(ctx context.Context, tenant, customerID string) (*repository.Summary, int64, error) {
	ctx, release, err := s.heavy.Acquire(ctx, tenant)
	if err != nil {
		return nil, 0, err
	}
	defer release()
	var read int64
	now := s.now()
	// A merged customer's summary is the mark that sends readers to the
	// survivor; a survivor's holds its halves' histories too.
	survivor, err := s.merges.survivor(ctx, tenant, customerID)
	if err != nil {
		return nil, 0, err
	}
	if survivor != customerID {
		sum, err := s.store.UpdateSummary(ctx, tenant, customerID, func(sum *repository.Summary) error {
			return customercontext.MakeAlias(sum, repository.CustomerName(survivor))
		})
		return sum, 0, err
	}
	halves, _, err := s.merges.halves(ctx, tenant, customerID)
	if err != nil {
		return nil, 0, err
	}
	sum, err := s.store.UpdateSummary(ctx, tenant, customerID, func(sum *repository.Summary) error {
		c, err := s.store.GetCustomer(ctx, tenant, customerID)
		if err != nil {
			return err
		}
		if c, err = s.merges.view(ctx, tenant, c); err != nil {
			return err
		}
		u := customercontext.Update{Customer: c}
		if u.Issues, err = allPages(func(after *repository.Cursor, size int) ([]*rapportv1.Issue, bool, error) {
			return s.store.ListIssues(ctx, tenant, customerID, repository.IssueFilter{AlsoCustomers: halves}, after, size)
		}, issueCursor); err != nil {
			return err
		}
		// The summary keeps no text: dropped as each page is read, a long
		// history is held in a fraction of its size.
		if u.Interactions, err = allPages(func(after *repository.Cursor, size int) ([]*rapportv1.Interaction, bool, error) {
			page, more, err := s.store.ListInteractions(ctx, tenant, customerID, repository.InteractionFilter{AlsoCustomers: halves}, after, size)
			for _, in := range page {
				in.Text = ""
			}
			return page, more, err
		}, interactionCursor); err != nil {
			return err
		}
		read = int64(len(u.Interactions))
		// The follow-ups' state lives in the summary: kept whole; a lost
		// or unreadable summary (no profile) gets them back from the index.
		followUps := sum.FollowUps
		if sum.Customer == nil && len(followUps) == 0 {
			if followUps, err = indexedFollowUps(ctx, s.store, tenant, customerID); err != nil {
				return err
			}
		}
		*sum = repository.Summary{Tenant: tenant, CustomerID: customerID, Revision: sum.Revision, FollowUps: followUps}
		return u.Apply(sum, now)
	})
	return sum, read, err
}

// repairLinks links each of the customer's interactions recorded with an
// issue to that issue, where it is not already: a stale summary may hide a
// link that lost the race to other writers of the issue (the interaction
// was kept; see linkIssues). It reads the history without its text, and
// changes only the issues that miss a link. An error leaves the summary
// stale, so that the next read tries again.
func (s *contextServer) repairLinks(ctx context.Context, tenant, customerID string) error {
	ctx, release, err := s.heavy.Acquire(ctx, tenant)
	if err != nil {
		return err
	}
	defer release()
	byIssue := map[string][]*rapportv1.Interaction{}
	var order []string
	err = eachPage(func(after *repository.Cursor, size int) ([]*rapportv1.Interaction, bool, error) {
		return s.store.ListInteractions(ctx, tenant, customerID, repository.InteractionFilter{}, after, size)
	}, interactionCursor, func(page []*rapportv1.Interaction) error {
		for _, in := range page {
			if in.GetIssue() == "" {
				continue
			}
			in.Text = ""
			if byIssue[in.GetIssue()] == nil {
				order = append(order, in.GetIssue())
			}
			byIssue[in.GetIssue()] = append(byIssue[in.GetIssue()], in)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range order {
		ins := byIssue[name]
		slices.Reverse(ins) // oldest first, as they were linked
		_, issueID, _ := parseIssueName("", name)
		_, err := linkToIssue(ctx, s.store, tenant, customerID, issueID, ins)
		if err != nil && !errors.Is(err, errUnchanged) && !errors.Is(err, repository.ErrNotFound) {
			return err
		}
	}
	return nil
}

// contextOptions are the parts of a GetCustomerContextRequest that shape
// the answer.
type contextOptions struct {
	mask    *fieldmaskpb.FieldMask
	limit   int
	channel rapportv1.Channel
}

// parseContextOptions validates read mask, limit and channel.
func parseContextOptions(req *rapportv1.GetCustomerContextRequest) (contextOptions, violations) {
	var v violations
	o := contextOptions{mask: req.GetReadMask(), limit: customercontext.DefaultRecentLimit, channel: req.GetChannel()}
	if v.tooMany("read_mask.paths", len(o.mask.GetPaths()), maxMaskPaths) {
		return o, v
	}
	if err := fieldmask.Validate(o.mask, &rapportv1.CustomerContext{}); err != nil {
		v.add("read_mask", "%s", err.Error())
	} else if !fieldmask.IsFullReplacement(o.mask) {
		for _, p := range o.mask.GetPaths() {
			if strings.Contains(p, ".") {
				v.add("read_mask", "%q: only top-level fields of CustomerContext can be selected", p)
			}
		}
	}
	if req.RecentInteractionLimit != nil {
		switch l := req.GetRecentInteractionLimit(); {
		case l < 0 || l > maxRecentLimit:
			v.add("recent_interaction_limit", "must be between 0 and %d (got %d)", maxRecentLimit, l)
		default:
			o.limit = int(l)
		}
	}
	v.enum("channel", o.channel, false)
	return o, v
}

// wants reports whether the mask selects a top-level field.
func (o contextOptions) wants(field string) bool {
	return len(o.mask.GetPaths()) == 0 || fieldmask.IsFullReplacement(o.mask) || slices.Contains(o.mask.GetPaths(), field)
}

// prune clears the fields the mask does not select; `customer`, `partial`
// and `missing` stay.
func (o contextOptions) prune(cc *rapportv1.CustomerContext) {
	m := cc.ProtoReflect()
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if name := string(fd.Name()); name != "customer" && name != "partial" && name != "missing" && !o.wants(name) {
			m.Clear(fd)
		}
	}
}

func (s *contextServer) getContext(ctx context.Context, req *rapportv1.GetCustomerContextRequest) (*rapportv1.CustomerContext, error) {
	tg, err := s.parseTarget(req.GetCustomer(), req.GetIdentity(), "customer", "identity")
	if err != nil {
		return nil, err
	}
	opts, v := parseContextOptions(req)
	if err := v.err(); err != nil {
		return nil, err
	}
	tg.complete = req.GetRequireComplete()
	d, partial, err := s.load(ctx, tg)
	if err != nil {
		return nil, err
	}
	cc := customercontext.Build(d, s.now(), customercontext.Options{RecentLimit: opts.limit, Channel: opts.channel, Hints: s.hints, WithHints: opts.wants("hints")})
	markPartial(cc, partial)
	opts.prune(cc)
	return cc, nil
}

func (s *contextServer) GetCustomerContext(ctx context.Context, req *rapportv1.GetCustomerContextRequest) (*rapportv1.GetCustomerContextResponse, error) {
	cc, err := s.getContext(ctx, req)
	if err != nil {
		return nil, err
	}
	return &rapportv1.GetCustomerContextResponse{Context: cc}, nil
}

func (s *contextServer) BatchGetCustomerContexts(ctx context.Context, req *rapportv1.BatchGetCustomerContextsRequest) (*rapportv1.BatchGetCustomerContextsResponse, error) {
	var v violations
	if n := len(req.GetRequests()); n == 0 || n > maxContextBatch {
		v.add("requests", "must have 1 to %d items (got %d)", maxContextBatch, n)
		return nil, v.err()
	}
	resp := &rapportv1.BatchGetCustomerContextsResponse{}
	if req.GetRequireComplete() {
		for _, r := range req.GetRequests() {
			r = proto.CloneOf(r)
			r.RequireComplete = true
			cc, err := s.getContext(ctx, r)
			resp.Results = append(resp.Results, &rapportv1.ContextResult{Context: cc, Error: itemError(ctx, s.logger, err)})
		}
		if err := ctx.Err(); err != nil {
			return nil, err // all or nothing: the deadline came first
		}
		return resp, nil
	}
	// The items are read until the soft deadline; those not done by then
	// are answered as such, while the caller still listens.
	soft, cancel := withSoftDeadline(ctx)
	defer cancel()
	for _, r := range req.GetRequests() {
		var cc *rapportv1.CustomerContext
		err := soft.Err()
		if err == nil {
			cc, err = s.getContext(soft, r)
		}
		if err != nil && soft.Err() != nil && ctx.Err() == nil {
			cc, err = nil, notDoneErr()
			resp.Partial = true
			resp.Missing = append(resp.Missing, cmp.Or(r.GetCustomer(), r.GetIdentity()))
		}
		resp.Results = append(resp.Results, &rapportv1.ContextResult{Context: cc, Error: itemError(ctx, s.logger, err)})
	}
	return resp, nil
}

func (s *contextServer) GetPersonalizationHints(ctx context.Context, req *rapportv1.GetPersonalizationHintsRequest) (*rapportv1.GetPersonalizationHintsResponse, error) {
	tg, err := s.parseTarget(req.GetCustomer(), req.GetIdentity(), "customer", "identity")
	if err != nil {
		return nil, err
	}
	var v violations
	v.enum("channel", req.GetChannel(), false)
	if err := v.err(); err != nil {
		return nil, err
	}
	// The response has no room to say it is partial: hints from a stale
	// summary wait for its rebuild, as they always did.
	tg.complete = true
	cc, err := s.hintsContext(ctx, tg, req.GetChannel())
	if err != nil {
		return nil, err
	}
	return &rapportv1.GetPersonalizationHintsResponse{Customer: cc.GetCustomer(), Hints: cc.GetHints()}, nil
}

// hintsContext is the context computed for its hints, without recent
// interactions: what bots and ticketing need.
func (s *contextServer) hintsContext(ctx context.Context, tg target, channel rapportv1.Channel) (*rapportv1.CustomerContext, error) {
	d, partial, err := s.load(ctx, tg)
	if err != nil {
		return nil, err
	}
	cc := customercontext.Build(d, s.now(), customercontext.Options{Channel: channel, Hints: s.hints, WithHints: true})
	markPartial(cc, partial)
	return cc, nil
}

func (s *contextServer) EnrichTicket(ctx context.Context, req *rapportv1.EnrichTicketRequest) (*rapportv1.EnrichTicketResponse, error) {
	var v violations
	tg, err := s.parseTarget("", req.GetRequester(), "requester", "requester")
	if err != nil {
		return nil, err
	}
	v.text("subject", req.GetSubject(), maxTicketSubject, false, false)
	v.enum("channel", req.GetChannel(), false)
	topic := ""
	if req.GetTopic() != "" {
		topic, _ = v.topic("topic", req.GetTopic())
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	tg.complete = req.GetRequireComplete()
	cc, err := s.hintsContext(ctx, tg, req.GetChannel())
	if err != nil {
		return nil, err
	}
	issue, reason := customercontext.LikelyIssue(cc.GetOpenIssues(), req.GetSubject(), topic)
	return &rapportv1.EnrichTicketResponse{Customer: cc.GetProfile(), LikelyIssue: issue, MatchReason: reason, Hints: cc.GetHints(), Partial: cc.GetPartial(), Missing: cc.GetMissing()}, nil
}

func (s *contextServer) RebuildCustomerContext(ctx context.Context, req *rapportv1.RebuildCustomerContextRequest) (*rapportv1.RebuildCustomerContextResponse, error) {
	id, err := parseCustomerName("customer", req.GetCustomer())
	if err != nil {
		return nil, err
	}
	tenant := access.TenantOf(ctx)
	if id, err = s.merges.survivor(ctx, tenant, id); err != nil {
		return nil, err
	}
	sum, read, err := s.rebuild(ctx, tenant, id)
	if err != nil {
		return nil, customerErr(err, req.GetCustomer())
	}
	d, _, err := customercontext.Decode(sum)
	if err != nil {
		return nil, err
	}
	return &rapportv1.RebuildCustomerContextResponse{
		Context:          customercontext.Build(d, s.now(), customercontext.Options{RecentLimit: customercontext.DefaultRecentLimit, Hints: s.hints, WithHints: true}),
		InteractionsRead: read,
	}, nil
}

// markPartial marks a context built from a stale summary, as the proto's
// CustomerContext.partial documents.
func markPartial(cc *rapportv1.CustomerContext, partial bool) {
	if partial {
		cc.Partial, cc.Missing = true, []string{missingRebuild}
	}
}
