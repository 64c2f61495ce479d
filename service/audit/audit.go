// Package audit writes the audit trail: an interceptor that records every
// call that passed authentication and the rate limit (who, which method,
// which customers, how it ended), and a writer that stores the events in
// batches from a bounded queue, counting what it writes and what it drops.
// Handlers add the customers they resolve themselves with NoteCustomer.
// Reading the trail (the AuditService handler) is service's.
package audit

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Store is what writing the audit trail needs from storage.
type Store interface {
	AppendAuditEvents(ctx context.Context, events []repository.AuditEvent) error
}

// Collectors are the writer's metrics: events written and dropped.
func (a *Writer) Collectors() []prometheus.Collector {
	return []prometheus.Collector{a.dropped, a.written}
}

// How the audit writer batches.
const (
	auditQueue     = 8192                   // events waiting to be written
	auditBatch     = 500                    // events per insert
	auditFlush     = 200 * time.Millisecond // longest an event waits for a batch
	auditEnqueueBy = time.Second            // longest a call waits for room in the queue
)

// Writer records every call that passed authentication and the rate
// limit: who, which method, which customers, how it ended. Calls hand their
// events to a queue; one writer stores them in batches, so that auditing a
// read costs the read no database round trip.
type Writer struct {
	store   Store
	logger  *slog.Logger
	now     func() time.Time
	mu      sync.RWMutex
	closed  bool
	queue   chan repository.AuditEvent
	dropped prometheus.Counter
	written prometheus.Counter
	// codeOf and customerOf are Options.Code and Options.Customer.
	codeOf     func(error) codes.Code
	customerOf func(name string) string
}

// Options configure a Writer. Every field is required.
type Options struct {
	Store  Store
	Logger *slog.Logger
	// Now is the clock of the events' times.
	Now func() time.Time
	// Code is the status code an error ends a call with, as the client
	// sees it.
	Code func(error) codes.Code
	// Customer returns "customers/{id}" of a resource name under a valid
	// customer, or "": the audit trail never stores whatever text a caller
	// put in a name.
	Customer func(name string) string
}

// New makes a Writer; Run it while serving.
func New(o Options) *Writer {
	return &Writer{
		store: o.Store, logger: o.Logger, now: o.Now, codeOf: o.Code, customerOf: o.Customer,
		queue:   make(chan repository.AuditEvent, auditQueue),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "rapport_audit_events_dropped_total", Help: "Audit events lost because the queue stayed full (the database did not take them)."}),
		written: prometheus.NewCounter(prometheus.CounterOpts{Name: "rapport_audit_events_written_total", Help: "Audit events stored."}),
	}
}

// record queues the event of one finished call. When the queue is full (the
// database is slow to take events) the call waits for room, at most
// auditEnqueueBy, then the event is dropped and counted.
func (a *Writer) record(ctx context.Context, start time.Time, method string, err error) {
	p, n := access.PrincipalOf(ctx), notesOf(ctx)
	if p == nil || n == nil {
		return
	}
	code := "OK"
	if err != nil {
		code = rpccode.Code_name[int32(a.codeOf(err))]
	}
	id, uerr := uuid.NewV7()
	if uerr != nil {
		id = uuid.New()
	}
	n.mu.Lock()
	e := repository.AuditEvent{ID: id.String(), Tenant: p.Tenant, Time: start, Principal: p.ID,
		Method: method, Customers: slices.Clone(n.customers), Omitted: int32(n.omitted), Code: code}
	n.mu.Unlock()
	a.enqueue(ctx, e)
}

// Change records, as an event of its own, a change the service made of its
// own accord during a call, such as an SMS consent withdrawn by a STOP:
// method names the change ("rapport.v1.Consent/SMS_WITHDRAWN"), names are
// the resource names it concerns (the customer, and the interaction that
// made it). Its principal is the call's. A nil Writer records nothing.
func (a *Writer) Change(ctx context.Context, method string, names ...string) {
	p := access.PrincipalOf(ctx)
	if a == nil || p == nil {
		return
	}
	id, err := uuid.NewV7()
	if err != nil {
		id = uuid.New()
	}
	a.enqueue(ctx, repository.AuditEvent{ID: id.String(), Tenant: p.Tenant, Time: a.now(), Principal: p.ID,
		Method: method, Customers: slices.Clone(names), Code: "OK"})
}

// enqueue queues an event (see record).
func (a *Writer) enqueue(ctx context.Context, e repository.AuditEvent) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		a.dropped.Inc()
		a.logger.ErrorContext(ctx, "audit event after the audit writer stopped", "method", e.Method, "principal", e.Principal)
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
		a.logger.ErrorContext(ctx, "audit queue full: event dropped", "method", e.Method, "principal", e.Principal, "customers", len(e.Customers))
	}
}

// Run writes queued events in batches until close, then writes what is
// left and returns. A failed batch is retried (stored events are not
// duplicated) while the queue holds it back.
func (a *Writer) Run() {
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

// Close stops taking events; Run then writes what is queued and returns.
func (a *Writer) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.closed {
		a.closed = true
		close(a.queue)
	}
}

// Interceptors record each call once it ends, with the customers named in
// its request messages (or noted by the handler, when it resolved one).
func (a *Writer) Interceptors() (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		start := a.now()
		ctx = withNotes(ctx)
		a.noteRequestCustomers(ctx, req)
		resp, err := h(ctx, req)
		a.record(ctx, start, info.FullMethod, err)
		return resp, err
	}
	stream := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		start := a.now()
		ctx := withNotes(ss.Context())
		err := h(srv, &auditedStream{ServerStream: ss, ctx: ctx, w: a})
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
	w   *Writer
}

func (s *auditedStream) Context() context.Context { return s.ctx }

func (s *auditedStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.w.noteRequestCustomers(s.Context(), m)
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

// NoteCustomer records that the call touched the named customer
// ("customers/{id}"), for the audit trail.
func NoteCustomer(ctx context.Context, name string) {
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
func (a *Writer) noteRequestCustomers(ctx context.Context, req any) {
	if m, ok := req.(proto.Message); ok {
		a.walkCustomers(ctx, m.ProtoReflect(), 0)
	}
}

func (a *Writer) walkCustomers(ctx context.Context, m protoreflect.Message, depth int) {
	if depth > 4 {
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.IsMap():
			switch fd.Name() {
			case "name", "parent", "customer":
				if c := a.customerOf(v.String()); c != "" {
					NoteCustomer(ctx, c)
				}
			}
		case fd.Kind() == protoreflect.MessageKind && fd.IsList():
			l := v.List()
			for i := range l.Len() {
				a.walkCustomers(ctx, l.Get(i).Message(), depth+1)
			}
		case fd.Kind() == protoreflect.MessageKind && !fd.IsMap():
			a.walkCustomers(ctx, v.Message(), depth+1)
		}
		return true
	})
}
