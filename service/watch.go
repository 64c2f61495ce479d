package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/rpcerr"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Watch limits, as documented in the proto.
const (
	defaultHeartbeat     = 15 * time.Second
	maxHeartbeatSeconds  = 60
	defaultWatchPoll     = time.Second
	defaultMaxWatchCount = 1000
)

// errHubClosed ends watch streams when the server shuts down.
var errHubClosed = errors.New("watch hub closed")

// watchHub tells watch streams when a customer's summary changes. It polls
// each watched customer's summary revision (one point read per customer per
// interval, shared by all the streams watching that customer), which works
// on every store and sees changes made through any replica. Each stream
// holds one pending notification at most: a slow reader gets the latest
// state, not a backlog.
type watchHub struct {
	store    SummaryStore
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

func newWatchHub(store SummaryStore, interval time.Duration, max, maxPerTenant int, logger *slog.Logger) *watchHub {
	if interval <= 0 {
		interval = defaultWatchPoll
	}
	if max <= 0 {
		max = defaultMaxWatchCount
	}
	if maxPerTenant <= 0 || maxPerTenant > max {
		maxPerTenant = max
	}
	return &watchHub{store: store, interval: interval, max: max, maxPerTenant: maxPerTenant, logger: logger,
		watched: map[string]*watchedCustomer{}, perTenant: map[string]int{}, stop: make(chan struct{})}
}

// subscribe registers a stream for a customer. The returned channel gets a
// value when the summary changes; done is closed when the hub shuts down;
// release must be called when the stream ends.
func (h *watchHub) subscribe(tenant, customerID string, revision int64) (notify <-chan struct{}, done <-chan struct{}, release func(), err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, nil, errHubClosed
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
func (h *watchHub) poll(ctx context.Context, tenant, customerID, key string, revision int64) {
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

// count is the number of open streams.
func (h *watchHub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams
}

// changed notifies the streams of a customer at once (from a change
// stream), without waiting for the poller.
func (h *watchHub) changed(tenant, customerID string) {
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

// close ends every stream and poller and waits for the pollers.
func (h *watchHub) close() {
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

func (s *contextServer) WatchCustomerContext(req *rapportv1.WatchCustomerContextRequest, stream rapportv1.ContextService_WatchCustomerContextServer) error {
	ctx := stream.Context()
	inner := req.GetContext()
	if inner == nil {
		var v violations
		v.add("context", "is required")
		return v.err()
	}
	heartbeat := defaultHeartbeat
	if hs := req.GetHeartbeatSeconds(); hs != 0 {
		if hs < 1 || hs > maxHeartbeatSeconds {
			var v violations
			v.add("heartbeat_seconds", "must be between 1 and %d", maxHeartbeatSeconds)
			return v.err()
		}
		heartbeat = time.Duration(hs) * time.Second
	}
	tg, err := s.parseTarget(inner.GetCustomer(), inner.GetIdentity(), "context.customer", "context.identity")
	if err != nil {
		return err
	}
	opts, v := parseContextOptions(inner)
	if err := v.err(); err != nil {
		return err
	}
	d, err := s.load(ctx, tg)
	if err != nil {
		return err
	}
	tenant, customerID := access.TenantOf(ctx), d.Summary.CustomerID
	tg = target{name: d.Customer.GetName(), id: customerID} // follow the customer, not the identity
	notify, done, release, err := s.watches.subscribe(tenant, customerID, d.Summary.Revision)
	if errors.Is(err, errHubClosed) {
		return rpcerr.New(codes.Unavailable, rpcerr.ReasonShuttingDown, "the server is shutting down; reconnect", nil)
	}
	if err != nil {
		return err
	}
	defer release()

	send := func(d customercontext.Decoded) error {
		cc := customercontext.Build(d, s.now(), customercontext.Options{RecentLimit: opts.limit, Channel: opts.channel, Hints: s.hints, WithHints: opts.wants("hints")})
		opts.prune(cc)
		return stream.Send(&rapportv1.WatchCustomerContextResponse{Event: &rapportv1.WatchCustomerContextResponse_Context{Context: cc}})
	}
	if err := send(d); err != nil {
		return err
	}
	sent := d.Summary.Revision
	beat := time.NewTimer(heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			return rpcerr.New(codes.Unavailable, rpcerr.ReasonShuttingDown, "the server is shutting down; reconnect", nil)
		case <-beat.C:
			if err := stream.Send(&rapportv1.WatchCustomerContextResponse{Event: &rapportv1.WatchCustomerContextResponse_Heartbeat{Heartbeat: timestamppb.New(s.now())}}); err != nil {
				return err
			}
		case <-notify:
			d, err := s.load(ctx, tg)
			if err != nil {
				return err // the customer was erased, or the store failed
			}
			if d.Summary.Revision == sent {
				continue
			}
			if err := send(d); err != nil {
				return err
			}
			sent = d.Summary.Revision
		}
		beat.Reset(heartbeat)
	}
}
