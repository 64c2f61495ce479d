package service

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"go.einride.tech/aip/filtering"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// AuditStore is what the audit trail needs from storage.
type AuditStore interface {
	AppendAuditEvents(ctx context.Context, events []repository.AuditEvent) error
	ListAuditEvents(ctx context.Context, tenant string, f repository.AuditFilter, after *repository.Cursor, limit int) ([]repository.AuditEvent, bool, error)
}

// How the audit writer batches.
const (
	auditQueue     = 8192                   // events waiting to be written
	auditBatch     = 500                    // events per insert
	auditFlush     = 200 * time.Millisecond // longest an event waits for a batch
	auditEnqueueBy = time.Second            // longest a call waits for room in the queue
)

// auditor records every call that passed authentication and the rate
// limit: who, which method, which customers, how it ended. Calls hand their
// events to a queue; one writer stores them in batches, so that auditing a
// read costs the read no database round trip.
type auditor struct {
	store   AuditStore
	logger  *slog.Logger
	now     func() time.Time
	mu      sync.RWMutex
	closed  bool
	queue   chan repository.AuditEvent
	dropped prometheus.Counter
	written prometheus.Counter
}

func newAuditor(store AuditStore, logger *slog.Logger, now func() time.Time) *auditor {
	return &auditor{
		store: store, logger: logger, now: now,
		queue:   make(chan repository.AuditEvent, auditQueue),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "rapport_audit_events_dropped_total", Help: "Audit events lost because the queue stayed full (the database did not take them)."}),
		written: prometheus.NewCounter(prometheus.CounterOpts{Name: "rapport_audit_events_written_total", Help: "Audit events stored."}),
	}
}

// record queues the event of one finished call. When the queue is full (the
// database is slow to take events) the call waits for room, at most
// auditEnqueueBy, then the event is dropped and counted.
func (a *auditor) record(ctx context.Context, start time.Time, method string, err error) {
	p, n := access.PrincipalOf(ctx), notesOf(ctx)
	if p == nil || n == nil {
		return
	}
	code := "OK"
	if err != nil {
		st, _ := toStatus(err)
		code = rpccode.Code_name[int32(status.Code(st))]
	}
	id, uerr := uuid.NewV7()
	if uerr != nil {
		id = uuid.New()
	}
	n.mu.Lock()
	e := repository.AuditEvent{ID: id.String(), Tenant: p.Tenant, Time: start, Principal: p.ID,
		Method: method, Customers: slices.Clone(n.customers), Omitted: int32(n.omitted), Code: code}
	n.mu.Unlock()
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		a.dropped.Inc()
		a.logger.ErrorContext(ctx, "audit event after the audit writer stopped", "method", method, "principal", p.ID)
		return
	}
	select {
	case a.queue <- e:
		return
	default:
	}
	t := time.NewTimer(auditEnqueueBy)
	defer t.Stop()
	select {
	case a.queue <- e:
	case <-t.C:
		a.dropped.Inc()
		a.logger.ErrorContext(ctx, "audit queue full: event dropped", "method", method, "principal", p.ID, "customers", len(e.Customers))
	}
}

// run writes queued events in batches until close, then writes what is
// left and returns. A failed batch is retried (stored events are not
// duplicated) while the queue holds it back.
func (a *auditor) run() {
	batch := make([]repository.AuditEvent, 0, auditBatch)
	t := time.NewTicker(auditFlush)
	defer t.Stop()
	flush := func() {
		for attempt := 0; len(batch) > 0; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := a.store.AppendAuditEvents(ctx, batch)
			cancel()
			if err == nil {
				a.written.Add(float64(len(batch)))
				batch = batch[:0]
				return
			}
			a.logger.Error("audit events not stored; retrying", "events", len(batch), "attempt", attempt+1, "error", err)
			if attempt >= 30 {
				a.dropped.Add(float64(len(batch)))
				batch = batch[:0]
				return
			}
			time.Sleep(min(time.Duration(attempt+1)*200*time.Millisecond, 2*time.Second))
		}
	}
	for {
		select {
		case e, ok := <-a.queue:
			if !ok {
				flush()
				return
			}
			batch = append(batch, e)
			if len(batch) >= auditBatch {
				flush()
			}
		case <-t.C:
			flush()
		}
	}
}

// close stops taking events; run then writes what is queued and returns.
func (a *auditor) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.closed {
		a.closed = true
		close(a.queue)
	}
}

// interceptors record each call once it ends, with the customers named in
// its request messages (or noted by the handler, when it resolved one).
func (a *auditor) interceptors() (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		start := a.now()
		ctx = withNotes(ctx)
		noteRequestCustomers(ctx, req)
		resp, err := h(ctx, req)
		a.record(ctx, start, info.FullMethod, err)
		return resp, err
	}
	stream := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		start := a.now()
		ctx := withNotes(ss.Context())
		err := h(srv, &auditedStream{ServerStream: ss, ctx: ctx})
		a.record(ctx, start, info.FullMethod, err)
		return err
	}
	return unary, stream
}

// auditedStream notes the customers of every message the client sends,
// and gives the handler the context that holds the notes.
type auditedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *auditedStream) Context() context.Context { return s.ctx }

func (s *auditedStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		noteRequestCustomers(s.Context(), m)
	}
	return err
}

// notes are the customers a call touched, for its audit event.
type notes struct {
	mu        sync.Mutex
	customers []string
	omitted   int
}

// maxNotedCustomers bounds the customers one call's audit event lists;
// further ones are only counted.
const maxNotedCustomers = 500

type notesKey struct{}

// withNotes gives an authenticated call (one with a principal) the notes
// of the customers it touches.
func withNotes(ctx context.Context) context.Context {
	if access.PrincipalOf(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, notesKey{}, &notes{})
}

func notesOf(ctx context.Context) *notes {
	n, _ := ctx.Value(notesKey{}).(*notes)
	return n
}

// noteCustomer records that the call touched the named customer
// ("customers/{id}"), for the audit trail.
func noteCustomer(ctx context.Context, name string) {
	n := notesOf(ctx)
	if n == nil || name == "" {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case slices.Contains(n.customers, name):
	case len(n.customers) < maxNotedCustomers:
		n.customers = append(n.customers, name)
	default:
		n.omitted++
	}
}

// noteRequestCustomers notes every customer a request names: string fields
// called name, parent or customer holding "customers/{id}...", at any
// depth of the message.
func noteRequestCustomers(ctx context.Context, req any) {
	if m, ok := req.(proto.Message); ok {
		walkCustomers(ctx, m.ProtoReflect(), 0)
	}
}

func walkCustomers(ctx context.Context, m protoreflect.Message, depth int) {
	if depth > 4 {
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.IsMap():
			switch fd.Name() {
			case "name", "parent", "customer":
				if c := customerOfName(v.String()); c != "" {
					noteCustomer(ctx, c)
				}
			}
		case fd.Kind() == protoreflect.MessageKind && fd.IsList():
			l := v.List()
			for i := range l.Len() {
				walkCustomers(ctx, l.Get(i).Message(), depth+1)
			}
		case fd.Kind() == protoreflect.MessageKind && !fd.IsMap():
			walkCustomers(ctx, v.Message(), depth+1)
		}
		return true
	})
}

// customerOfName returns "customers/{id}" of a resource name under a
// customer, or "" unless the ID is a valid customer ID: the audit trail
// never stores whatever text a caller put in a name.
func customerOfName(name string) string {
	rest, ok := strings.CutPrefix(name, "customers/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	if !validCustomerID(id) {
		return ""
	}
	return "customers/" + id
}

// auditServer serves the audit trail.
type auditServer struct {
	rapportv1.UnimplementedAuditServiceServer
	store AuditStore
}

var auditFilterDecls = mustDeclarations(
	filtering.DeclareIdent("customer", filtering.TypeString),
	filtering.DeclareIdent("principal", filtering.TypeString),
	filtering.DeclareIdent("method", filtering.TypeString),
	filtering.DeclareIdent("code", filtering.TypeString),
	filtering.DeclareIdent("time", filtering.TypeTimestamp),
)

func parseAuditFilter(filter string) (repository.AuditFilter, error) {
	var f repository.AuditFilter
	terms, err := parseFilter(filter, auditFilterDecls)
	if err != nil {
		return f, err
	}
	ops := map[string]string{
		filtering.FunctionLessThan: "$lt", filtering.FunctionLessEquals: "$lte",
		filtering.FunctionGreaterThan: "$gt", filtering.FunctionGreaterEquals: "$gte",
	}
	for _, t := range terms {
		if t.field == "time" {
			op, ok := ops[t.op]
			if !ok || t.time.IsZero() {
				return f, fmt.Errorf("time takes <, <=, > or >= and an RFC 3339 timestamp")
			}
			f.Times = append(f.Times, repository.TimeCondition{Op: op, Time: t.time})
			continue
		}
		if t.op != filtering.FunctionEquals {
			return f, fmt.Errorf("%s takes only =", t.field)
		}
		switch t.field {
		case "customer":
			f.Customer = t.str
		case "principal":
			f.Principal = t.str
		case "method":
			f.Method = t.str
		case "code":
			f.Code = t.str
		}
	}
	return f, nil
}

func (s *auditServer) ListAuditEvents(ctx context.Context, req *rapportv1.ListAuditEventsRequest) (*rapportv1.ListAuditEventsResponse, error) {
	f, ferr := parseAuditFilter(req.GetFilter())
	size, after, checksum, err := startPage(ctx, req, ferr)
	if err != nil {
		return nil, err
	}
	events, more, err := s.store.ListAuditEvents(ctx, access.TenantOf(ctx), f, after, size)
	if err != nil {
		return nil, err
	}
	resp := &rapportv1.ListAuditEventsResponse{AuditEvents: make([]*rapportv1.AuditEvent, len(events))}
	for i, e := range events {
		resp.AuditEvents[i] = &rapportv1.AuditEvent{Name: "auditEvents/" + e.ID, Time: timestamppb.New(e.Time),
			Principal: e.Principal, Method: e.Method, Customers: e.Customers, CustomersOmitted: e.Omitted, Code: e.Code}
	}
	if more {
		last := events[len(events)-1]
		resp.NextPageToken = nextPageToken(repository.Cursor{Time: last.Time, ID: last.ID}, checksum)
	}
	return resp, nil
}
