package access

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rapporthq/rapport/service/rpcerr"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
)

// DefaultHeavyReadsPerTenant is how many heavy reads one tenant may run at
// once in a process when Limits.MaxHeavyReadsPerTenant is zero.
const DefaultHeavyReadsPerTenant = 4

// heavyReadWait is how long a heavy read waits for one of its tenant's
// slots before it is refused.
const heavyReadWait = 5 * time.Second

// HeavyReads bounds the heavy reads (exports, rebuilds of a context from
// the history, long list pages) each tenant runs at once: each holds pages
// of history in memory, so that without a bound a tenant's concurrent
// exports of a long history grew the process by gigabytes. A read beyond
// the bound waits for a slot (at most 5 s, or its deadline), then is
// refused with RESOURCE_EXHAUSTED.
type HeavyReads struct {
	max   int
	mu    sync.Mutex
	slots map[string]chan struct{}
}

// NewHeavyReads allows max heavy reads per tenant at once; zero means
// DefaultHeavyReadsPerTenant.
func NewHeavyReads(max int) *HeavyReads {
	if max <= 0 {
		max = DefaultHeavyReadsPerTenant
	}
	return &HeavyReads{max: max, slots: map[string]chan struct{}{}}
}

type heavyKey struct{}

// Acquire takes one of tenant's slots, waiting for one, and returns the
// context to read in and the function that gives the slot back. A context
// that holds a slot already (an export that rebuilds the context it ends
// with) takes no second one, so that readers never wait for themselves.
func (h *HeavyReads) Acquire(ctx context.Context, tenant string) (context.Context, func(), error) {
	if ctx.Value(heavyKey{}) != nil {
		return ctx, func() {}, nil
	}
	h.mu.Lock()
	sem, ok := h.slots[tenant]
	if !ok {
		sem = make(chan struct{}, h.max)
		h.slots[tenant] = sem
	}
	h.mu.Unlock()
	t := time.NewTimer(heavyReadWait)
	defer t.Stop()
	select {
	case sem <- struct{}{}:
		return context.WithValue(ctx, heavyKey{}, true), func() { <-sem }, nil
	case <-ctx.Done():
		return ctx, nil, ctx.Err()
	case <-t.C:
		return ctx, nil, rpcerr.New(codes.ResourceExhausted, rpcerr.ReasonTooManyHeavyReads,
			fmt.Sprintf("tenant %s runs %d heavy reads (exports, rebuilds, long pages) already; retry", tenant, h.max),
			map[string]string{"tenant": tenant},
			&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Second)},
			&errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{{
				Subject: "tenant " + tenant, Description: "concurrent heavy reads"}}})
	}
}
