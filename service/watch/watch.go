// Package watch tells WatchCustomerContext streams when a customer's
// summary changes: a Hub polls each watched customer's summary revision
// once per interval (shared by every stream on that customer), takes pushes
// from a change stream (Changed), coalesces notifications so that a slow
// reader gets the latest state rather than a backlog, and bounds the
// streams of the process and of each tenant.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/rpcerr"
	"google.golang.org/grpc/codes"
)

// Defaults of the hub.
const (
	defaultWatchPoll     = time.Second
	defaultMaxWatchCount = 1000
)

// ErrClosed is Subscribe's error once the hub is closed (the server is
// shutting down).
var ErrClosed = errors.New("watch hub closed")

// Store is what watching needs from storage.
type Store interface {
	GetSummary(ctx context.Context, tenant, customerID string) (*repository.Summary, error)
}

// Hub tells watch streams when a customer's summary changes. It polls
// each watched customer's summary revision (one point read per customer per
// interval, shared by all the streams watching that customer), which works
// on every store and sees changes made through any replica. Each stream
// holds one pending notification at most: a slow reader gets the latest
// state, not a backlog.
type Hub struct {
	store    Store
	interval time.Duration
	max      int
	// maxPerTenant bounds one tenant's streams, so that one tenant cannot
	// take them all.
	maxPerTenant int
	logger       *slog.Logger

	mu        sync.Mutex
	closed    bool
	streams   int
	perTenant map[string]int
	watched   map[string]*watchedCustomer
	wg        sync.WaitGroup
	stop      chan struct{}
}

type watchedCustomer struct {
	subs   map[chan struct{}]struct{}
	cancel context.CancelFunc
}

// New makes a hub that polls every interval (zero: 1s) and serves at most
// max streams (zero: 1000), of which at most maxPerTenant (zero: max) for
// one tenant. Close it to stop its pollers.
func New(store Store, interval time.Duration, max, maxPerTenant int, logger *slog.Logger) *Hub {
	if interval <= 0 {
		interval = defaultWatchPoll
	}
	if max <= 0 {
		max = defaultMaxWatchCount
	}
	if maxPerTenant <= 0 || maxPerTenant > max {
		maxPerTenant = max
	}
	return &Hub{store: store, interval: interval, max: max, maxPerTenant: maxPerTenant, logger: logger,
		watched: map[string]*watchedCustomer{}, perTenant: map[string]int{}, stop: make(chan struct{})}
}

// Subscribe registers a stream for a customer. The returned channel gets a
// value when the summary changes; done is closed when the hub shuts down;
// release must be called when the stream ends.
func (h *Hub) Subscribe(tenant, customerID string, revision int64) (notify <-chan struct{}, done <-chan struct{}, release func(), err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, nil, ErrClosed
	}
	if h.streams >= h.max {
		return nil, nil, nil, rpcerr.New(codes.ResourceExhausted, rpcerr.ReasonTooManyWatchStreams, "too many watch streams on this server; retry later", nil)
	}
	if h.perTenant[tenant] >= h.maxPerTenant {
		return nil, nil, nil, rpcerr.New(codes.ResourceExhausted, rpcerr.ReasonTooManyWatchStreams,
			fmt.Sprintf("your tenant has %d watch streams open on this server, its maximum; close some or retry later", h.perTenant[tenant]),
			map[string]string{"tenant": tenant})
	}
	key := tenant + "/" + customerID
	w := h.watched[key]
	if w == nil {
		ctx, cancel := context.WithCancel(context.Background())
		w = &watchedCustomer{subs: map[chan struct{}]struct{}{}, cancel: cancel}
		h.watched[key] = w
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.poll(ctx, tenant, customerID, key, revision)
		}()
	}
	ch := make(chan struct{}, 1)
	w.subs[ch] = struct{}{}
	h.streams++
	h.perTenant[tenant]++
	var once sync.Once
	release = func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.streams--
			if h.perTenant[tenant]--; h.perTenant[tenant] == 0 {
				delete(h.perTenant, tenant)
			}
			delete(w.subs, ch)
			if len(w.subs) == 0 && h.watched[key] == w {
				delete(h.watched, key)
				w.cancel()
			}
		})
	}
	return ch, h.stop, release, nil
}

// poll reads a customer's summary revision every interval and notifies the
// customer's streams when it moves, until ctx ends.
func (h *Hub) poll(ctx context.Context, tenant, customerID, key string, revision int64) {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		readCtx, cancel := context.WithTimeout(ctx, max(h.interval, time.Second))
		sum, err := h.store.GetSummary(readCtx, tenant, customerID)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				h.logger.DebugContext(ctx, "watch poll failed", "customer", customerID, "error", err)
			}
			continue
		}
		if sum.Revision == revision {
			continue
		}
		revision = sum.Revision
		h.mu.Lock()
		if w := h.watched[key]; w != nil {
			for ch := range w.subs {
				select {
				case ch <- struct{}{}:
				default: // one is pending already: the reader will see the latest
				}
			}
		}
		h.mu.Unlock()
	}
}

// Count is the number of open streams.
func (h *Hub) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams
}

// Changed notifies the streams of a customer at once (from a change
// stream), without waiting for the poller.
func (h *Hub) Changed(tenant, customerID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w := h.watched[tenant+"/"+customerID]; w != nil {
		for ch := range w.subs {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// Close ends every stream and poller and waits for the pollers.
func (h *Hub) Close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.stop)
		for _, w := range h.watched {
			w.cancel()
		}
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// Max is the most streams the hub serves at once.
func (h *Hub) Max() int { return h.max }

// MaxPerTenant is the most streams one tenant may hold.
func (h *Hub) MaxPerTenant() int { return h.maxPerTenant }
