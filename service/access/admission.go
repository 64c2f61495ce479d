package access

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rapporthq/rapport/service/rpcerr"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Work slots. The process has SlotsPerCore slots per core (GOMAXPROCS);
// a call holds as many as its cost (see Cost), at most SlotsPerCore (a
// core's worth), while its handler runs. One tenant holds at most half of
// them (at least a core's worth), so that on any machine of two cores or
// more a tenant's expensive calls leave CPU to the others.
const (
	SlotsPerCore = 8
	// DefaultTenantQueue is how many calls of one tenant may wait for
	// slots at once when Limits.MaxQueuedPerTenant is zero.
	DefaultTenantQueue = 64
	// DefaultTenantClass is the metrics class of tenants not in
	// Limits.TenantClasses.
	DefaultTenantClass = "default"
	// queueFullRetry is the RetryInfo of a call refused on a full queue.
	queueFullRetry = 500 * time.Millisecond
)

// slotsFor is how many work slots a call of cost units holds.
func slotsFor(cost int) int { return min(max(cost, 1), SlotsPerCore) }

// Admission runs every call (and every message of a client stream)
// through a per-tenant concurrency limit with a fair queue in front of it:
// a call takes its work slots before its handler runs, waiting in its
// tenant's queue while the process's slots are taken or its tenant holds
// its share; waiting calls are let in by weighted fair queuing across
// tenants (fairQueue), so that a tenant calling now and then goes ahead
// of another's backlog. A call whose tenant has MaxQueuedPerTenant calls
// waiting already is refused with RESOURCE_EXHAUSTED (TENANT_QUEUE_FULL,
// with RetryInfo); one whose deadline passes while it waits ends with
// DEADLINE_EXCEEDED, its work not started.
type Admission struct {
	slots, perTenant, maxQueued int
	wait                        time.Duration
	weights                     map[string]float64
	classes                     map[string]string

	mu   sync.Mutex
	q    *fairQueue
	free int

	queueTime *prometheus.HistogramVec
	rejected  *prometheus.CounterVec
	queued    *prometheus.GaugeVec
	charged   *prometheus.CounterVec
}

// NewAdmission builds the admission of l: its work slots (WorkSlots, or
// SlotsPerCore × GOMAXPROCS), the share one tenant may hold
// (TenantWorkSlots, or half, at least SlotsPerCore), the queue bound
// (MaxQueuedPerTenant), weights and classes; a call without a deadline
// waits at most l.DefaultDeadline (30 s if zero).
func NewAdmission(l Limits) *Admission {
	slots := l.WorkSlots
	if slots <= 0 {
		slots = SlotsPerCore * runtime.GOMAXPROCS(0)
	}
	per := l.TenantWorkSlots
	if per <= 0 {
		per = max(slots/2, SlotsPerCore)
	}
	per = min(per, slots)
	queue := l.MaxQueuedPerTenant
	if queue <= 0 {
		queue = DefaultTenantQueue
	}
	wait := l.DefaultDeadline
	if wait <= 0 {
		wait = 30 * time.Second
	}
	classLabel := []string{"class"}
	return &Admission{
		slots: slots, perTenant: per, maxQueued: queue, wait: wait,
		weights: l.TenantWeights, classes: l.TenantClasses,
		q: newFairQueue(), free: slots,
		queueTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rapport_admission_queue_seconds",
			Help:    "Time calls waited for work slots in their tenant's queue, by tenant class.",
			Buckets: []float64{.0001, .0005, .001, .005, .01, .05, .1, .5, 1, 5, 30},
		}, classLabel),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_admission_rejected_total",
			Help: "Calls refused by admission, by tenant class and reason: rate_limited (cost over the tenant's or credential's rate), queue_full (RESOURCE_EXHAUSTED), deadline (DEADLINE_EXCEEDED or cancelled while queued).",
		}, []string{"class", "reason"}),
		queued: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rapport_admission_queued",
			Help: "Calls waiting for work slots now, by tenant class.",
		}, classLabel),
		charged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_admission_cost_units_total",
			Help: "Cost units of the calls admitted, by tenant class (see README, Limits).",
		}, classLabel),
	}
}

// Collectors are the admission metrics, to register.
func (a *Admission) Collectors() []prometheus.Collector {
	return []prometheus.Collector{a.queueTime, a.rejected, a.queued, a.charged}
}

// Slots is the process's work slots; PerTenant, the most one tenant holds.
func (a *Admission) Slots() int     { return a.slots }
func (a *Admission) PerTenant() int { return a.perTenant }

func (a *Admission) class(tenant string) string {
	if c, ok := a.classes[tenant]; ok && c != "" {
		return c
	}
	return DefaultTenantClass
}

func (a *Admission) weight(tenant string) float64 {
	if w, ok := a.weights[tenant]; ok && w > 0 {
		return w
	}
	return 1
}

// reject counts a refusal of reason for tenant (nil-safe for callers
// without admission).
func (a *Admission) reject(tenant, reason string) {
	if a != nil {
		a.rejected.WithLabelValues(a.class(tenant), reason).Inc()
	}
}

// dispatchLocked lets in the waiting calls that may run now.
func (a *Admission) dispatchLocked() {
	for {
		w := a.q.next(a.free, a.perTenant)
		if w == nil {
			return
		}
		a.free -= w.slots
		a.queued.WithLabelValues(a.class(w.tenant)).Dec()
		close(w.ready)
	}
}

// Acquire waits for the work slots of a call of tenant costing cost units
// and returns the function that gives them back, or the status that
// refuses the call.
func (a *Admission) Acquire(ctx context.Context, tenant string, cost int) (func(), error) {
	class := a.class(tenant)
	a.mu.Lock()
	if a.q.queued(tenant) >= a.maxQueued {
		a.mu.Unlock()
		a.reject(tenant, "queue_full")
		return nil, rpcerr.New(codes.ResourceExhausted, rpcerr.ReasonTenantQueueFull,
			fmt.Sprintf("tenant %s has %d calls waiting for the server already; retry in %v", tenant, a.maxQueued, queueFullRetry),
			map[string]string{"tenant": tenant},
			&errdetails.RetryInfo{RetryDelay: durationpb.New(queueFullRetry)},
			&errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{{
				Subject: "tenant " + tenant, Description: "calls waiting at once"}}})
	}
	w := a.q.push(tenant, a.weight(tenant), cost, slotsFor(cost))
	a.queued.WithLabelValues(class).Inc()
	a.dispatchLocked()
	a.mu.Unlock()
	release := func() {
		a.mu.Lock()
		a.free += w.slots
		a.q.done(w)
		a.dispatchLocked()
		a.mu.Unlock()
	}
	select {
	case <-w.ready:
		a.charged.WithLabelValues(class).Add(float64(cost))
		return sync.OnceFunc(release), nil
	default:
	}
	start := time.Now()
	var timeout <-chan time.Time
	if _, ok := ctx.Deadline(); !ok {
		t := time.NewTimer(a.wait)
		defer t.Stop()
		timeout = t.C
	}
	var err error
	select {
	case <-w.ready:
		a.queueTime.WithLabelValues(class).Observe(time.Since(start).Seconds())
		a.charged.WithLabelValues(class).Add(float64(cost))
		return sync.OnceFunc(release), nil
	case <-ctx.Done():
		err = status.FromContextError(ctx.Err()).Err()
	case <-timeout:
		err = status.Errorf(codes.DeadlineExceeded, "waited %v for the server's work slots", a.wait)
	}
	a.mu.Lock()
	if w.dispatched {
		// Let in just as it gave up: give the slots back.
		a.free += w.slots
		a.q.done(w)
		a.dispatchLocked()
	} else {
		a.q.remove(w)
		a.queued.WithLabelValues(class).Dec()
	}
	a.mu.Unlock()
	a.queueTime.WithLabelValues(class).Observe(time.Since(start).Seconds())
	a.reject(tenant, "deadline")
	return nil, err
}

// Interceptors admit each unary call by the cost of its request, and each
// message of a client stream by its own cost (holding the slots until the
// handler asks for the next message or returns). Server streams (exports,
// watches) are bounded by the heavy-read slots and watch limits instead:
// they spend most of their time waiting for the client. They run after
// authentication and the rate limits.
func (a *Admission) Interceptors() (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		c := callOf(ctx)
		if c == nil {
			return h(ctx, req)
		}
		release, err := a.Acquire(ctx, c.principal.Tenant, Cost(req))
		if err != nil {
			return nil, err
		}
		defer release()
		return h(ctx, req)
	}
	stream := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		c := callOf(ss.Context())
		if c == nil || !info.IsClientStream {
			return h(srv, ss)
		}
		as := &admittedStream{ServerStream: ss, a: a, tenant: c.principal.Tenant}
		defer as.releaseHeld()
		return h(srv, as)
	}
	return unary, stream
}

// admittedStream holds the work slots of the message its handler works on.
type admittedStream struct {
	grpc.ServerStream
	a       *Admission
	tenant  string
	release func()
}

func (s *admittedStream) releaseHeld() {
	if s.release != nil {
		s.release()
		s.release = nil
	}
}

func (s *admittedStream) RecvMsg(m any) error {
	s.releaseHeld()
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	release, err := s.a.Acquire(s.Context(), s.tenant, Cost(m))
	if err != nil {
		return err
	}
	s.release = release
	return nil
}
