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
	// TenantRate is the sustained calls per second of one tenant, all its
	// credentials together, with bursts of up to TenantBurst calls. Zero
	// means no tenant limit.
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
// bucket, or refuses the call, noting when to retry.
func (l *rateLimiter) Limit(ctx context.Context) error {
	c := callOf(ctx)
	if c == nil {
		return nil
	}
	now := l.now()
	var delay time.Duration
	var taken []*rate.Reservation
	for _, b := range l.buckets(c.principal) {
		r := b.ReserveN(now, 1)
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

// wait takes a token from the caller's buckets, waiting until they have
// one (or ctx ends): the pace of a client stream's messages.
func (l *rateLimiter) wait(ctx context.Context) error {
	c := callOf(ctx)
	if c == nil {
		return nil
	}
	now := l.now()
	var delay time.Duration
	for _, b := range l.buckets(c.principal) {
		delay = max(delay, b.ReserveN(now, 1).DelayFrom(now))
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

// pacedStream makes every message of a client stream after the first (which
// the ratelimit interceptor charged) take a token too, waiting for it: an
// import streams at its tenant's rate instead of around it.
type pacedStream struct {
	grpc.ServerStream
	l        *rateLimiter
	received int
}

func (s *pacedStream) RecvMsg(m any) error {
	if s.received > 0 {
		if err := s.l.wait(s.Context()); err != nil {
			return err
		}
	}
	s.received++
	return s.ServerStream.RecvMsg(m)
}

// RateLimitInterceptors are go-grpc-middleware's ratelimit interceptors,
// with a token bucket per tenant and per credential as l says, and with
// the refusal made actionable: RESOURCE_EXHAUSTED carries RetryInfo (when
// the caller's bucket has a token again) and a QuotaFailure. Client
// streams pay a token per message. They run after authentication.
func RateLimitInterceptors(limits Limits, now func() time.Time) ([]grpc.UnaryServerInterceptor, []grpc.StreamServerInterceptor) {
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
		subject := "tenant " + c.principal.Tenant + " or credential " + c.principal.ID
		return rpcerr.New(codes.ResourceExhausted, rpcerr.ReasonRateLimited,
			fmt.Sprintf("rate limit of %s exceeded; retry in %v", subject, d.Round(time.Millisecond)),
			map[string]string{"tenant": c.principal.Tenant, "principal": c.principal.ID},
			&errdetails.RetryInfo{RetryDelay: durationpb.New(d)},
			&errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{{
				Subject: subject, Description: "calls per second"}}})
	}
	unary := []grpc.UnaryServerInterceptor{
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			resp, err := h(ctx, req)
			return resp, enrich(ctx, err)
		},
		ratelimit.UnaryServerInterceptor(l),
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
