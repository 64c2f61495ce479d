package access

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/ratelimit"
	"github.com/rapporthq/rapport/service/rpcerr"
	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Limits bound what one caller, one call and one connection may take.
type Limits struct {
	// TenantRate is the sustained cost units per second of one tenant, all
	// its credentials together, with bursts of up to TenantBurst units (a
	// simple call costs 1, a batch of 500 items at least 500: see Cost). A
	// call costing more than the burst takes the whole burst. Zero means no
	// tenant limit.
	TenantRate  float64
	TenantBurst int
	// KeyRate and KeyBurst limit one credential (API key or JWT subject)
	// the same way. Zero means no per-credential limit.
	KeyRate  float64
	KeyBurst int
	// DefaultDeadline applies to unary calls that set none; zero means 30s.
	// Streams (import, watch, export) run as long as their caller wants.
	DefaultDeadline time.Duration
	// MaxConcurrentStreams is the most calls one connection may have open
	// at once; zero means 1000.
	MaxConcurrentStreams uint32
	// MaxHeavyReadsPerTenant bounds one tenant's heavy reads at once in
	// the process (see HeavyReads); zero means DefaultHeavyReadsPerTenant.
	MaxHeavyReadsPerTenant int
	// WorkSlots are the process's work slots (see Admission); zero means
	// SlotsPerCore × GOMAXPROCS. TenantWorkSlots is the most one tenant
	// holds at once; zero means half of them, at least SlotsPerCore.
	WorkSlots, TenantWorkSlots int
	// MaxQueuedPerTenant is how many calls of one tenant may wait for work
	// slots at once; zero means DefaultTenantQueue.
	MaxQueuedPerTenant int
	// TenantWeights are tenants' shares of the work slots when tenants
	// wait for them (default 1 each): a tenant of weight 2 gets twice the
	// cost units of one of weight 1 while both keep queueing.
	TenantWeights map[string]float64
	// TenantClasses name tenants' classes in the metrics (never the
	// tenant IDs); tenants not listed are DefaultTenantClass.
	TenantClasses map[string]string
	// Replicas is how many replicas share the store and the tenants'
	// traffic: PerReplica divides the per-tenant and per-credential rates,
	// bursts and heavy-read slots by it. Zero means 1.
	Replicas int
}

// PerReplica is l with the limits of a tenant and of a credential divided
// by the replica count (at least 1 of each burst and slot), so that N
// replicas together allow about what one process does: rates, bursts and
// heavy reads. Work slots and queues are the process's own (its cores).
func (l Limits) PerReplica() Limits {
	n := l.Replicas
	if n <= 1 {
		return l
	}
	l.TenantRate /= float64(n)
	l.KeyRate /= float64(n)
	if l.TenantBurst > 0 {
		l.TenantBurst = max(1, l.TenantBurst/n)
	}
	if l.KeyBurst > 0 {
		l.KeyBurst = max(1, l.KeyBurst/n)
	}
	heavy := l.MaxHeavyReadsPerTenant
	if heavy <= 0 {
		heavy = DefaultHeavyReadsPerTenant
	}
	l.MaxHeavyReadsPerTenant = max(1, heavy/n)
	return l
}

// rateLimiter is the ratelimit interceptor's Limiter: a token bucket per
// tenant and per credential (golang.org/x/time/rate).
type rateLimiter struct {
	limits  Limits
	now     func() time.Time
	mu      sync.Mutex
	tenants map[string]*rate.Limiter
	keys    map[string]*rate.Limiter
}

// maxBuckets bounds the buckets kept; past it they start afresh (full).
const maxBuckets = 100000

var errRateLimited = errors.New("rate limit exceeded")

func newRateLimiter(l Limits, now func() time.Time) *rateLimiter {
	return &rateLimiter{limits: l, now: now, tenants: map[string]*rate.Limiter{}, keys: map[string]*rate.Limiter{}}
}

func bucket(m map[string]*rate.Limiter, key string, r float64, burst int) *rate.Limiter {
	if r <= 0 {
		return nil
	}
	l, ok := m[key]
	if !ok {
		if len(m) >= maxBuckets {
			clear(m)
		}
		l = rate.NewLimiter(rate.Limit(r), max(burst, 1))
		m[key] = l
	}
	return l
}

// buckets are the token buckets p draws on: its tenant's and its own,
// those that have a limit.
func (l *rateLimiter) buckets(p *Principal) []*rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*rate.Limiter
	if b := bucket(l.tenants, p.Tenant, l.limits.TenantRate, l.limits.TenantBurst); b != nil {
		out = append(out, b)
	}
	if b := bucket(l.keys, p.Tenant+"\x00"+p.ID, l.limits.KeyRate, l.limits.KeyBurst); b != nil {
		out = append(out, b)
	}
	return out
}

// Limit takes a token from the caller's tenant bucket and credential
// bucket, or refuses the call, noting when to retry: the opening of a
// stream.
func (l *rateLimiter) Limit(ctx context.Context) error { return l.limitN(ctx, 1) }

// limitN takes cost tokens (at most each bucket's burst) from the caller's
// buckets, or none and refuses the call, noting when to retry.
func (l *rateLimiter) limitN(ctx context.Context, cost int) error {
	c := callOf(ctx)
	if c == nil {
		return nil
	}
	now := l.now()
	var delay time.Duration
	var taken []*rate.Reservation
	for _, b := range l.buckets(c.principal) {
		r := b.ReserveN(now, min(cost, b.Burst()))
		taken = append(taken, r)
		if !r.OK() {
			delay = time.Duration(math.MaxInt64)
			continue
		}
		delay = max(delay, r.DelayFrom(now))
	}
	if delay == 0 {
		return nil
	}
	for _, r := range taken {
		r.CancelAt(now)
	}
	c.mu.Lock()
	c.retryAfter = max(delay, time.Millisecond)
	c.mu.Unlock()
	return errRateLimited
}

// wait takes cost tokens (at most each bucket's burst) from the caller's
// buckets, waiting until they have them (or ctx ends): the pace of a
// client stream's messages.
func (l *rateLimiter) wait(ctx context.Context, cost int) error {
	c := callOf(ctx)
	if c == nil {
		return nil
	}
	now := l.now()
	var delay time.Duration
	for _, b := range l.buckets(c.principal) {
		delay = max(delay, b.ReserveN(now, min(cost, b.Burst())).DelayFrom(now))
	}
	if delay == 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pacedStream makes every message of a client stream (whose opening the
// ratelimit interceptor charged 1) take its cost in tokens too, once
// decoded, waiting for them: an import streams at its tenant's rate
// instead of around it.
type pacedStream struct {
	grpc.ServerStream
	l *rateLimiter
}

func (s *pacedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.l.wait(s.Context(), Cost(m))
}

// RateLimitInterceptors charge each call its cost (see Cost) in tokens of
// a token bucket per tenant and per credential as l says, with the
// refusal made actionable: RESOURCE_EXHAUSTED carries RetryInfo (when the
// caller's buckets have the tokens again) and a QuotaFailure. Stream
// openings go through go-grpc-middleware's ratelimit interceptor (1
// token); client streams pay each message's cost. Refusals are counted in
// adm's metrics by tenant class (adm may be nil). They run after
// authentication.
func RateLimitInterceptors(limits Limits, now func() time.Time, adm *Admission) ([]grpc.UnaryServerInterceptor, []grpc.StreamServerInterceptor) {
	l := newRateLimiter(limits, now)
	enrich := func(ctx context.Context, err error) error {
		c := callOf(ctx)
		if err == nil || c == nil || status.Code(err) != codes.ResourceExhausted {
			return err
		}
		c.mu.Lock()
		d := c.retryAfter
		c.mu.Unlock()
		if d == 0 {
			return err
		}
		adm.reject(c.principal.Tenant, "rate_limited")
		subject := "tenant " + c.principal.Tenant + " or credential " + c.principal.ID
		return rpcerr.New(codes.ResourceExhausted, rpcerr.ReasonRateLimited,
			fmt.Sprintf("rate limit of %s exceeded; retry in %v", subject, d.Round(time.Millisecond)),
			map[string]string{"tenant": c.principal.Tenant, "principal": c.principal.ID},
			&errdetails.RetryInfo{RetryDelay: durationpb.New(d)},
			&errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{{
				Subject: subject, Description: "cost units per second"}}})
	}
	unary := []grpc.UnaryServerInterceptor{
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			resp, err := h(ctx, req)
			return resp, enrich(ctx, err)
		},
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := l.limitN(ctx, Cost(req)); err != nil {
				return nil, status.Errorf(codes.ResourceExhausted, "%s is refused: %v", info.FullMethod, err)
			}
			return h(ctx, req)
		},
	}
	stream := []grpc.StreamServerInterceptor{
		func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			return enrich(ss.Context(), h(srv, ss))
		},
		ratelimit.StreamServerInterceptor(l),
		func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if info.IsClientStream {
				ss = &pacedStream{ServerStream: ss, l: l}
			}
			return h(srv, ss)
		},
	}
	return unary, stream
}

// DefaultDeadline gives unary calls without a deadline one.
func DefaultDeadline(d time.Duration) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return h(ctx, req)
	}
}
