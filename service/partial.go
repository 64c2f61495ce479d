package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/rpcerr"
	"google.golang.org/grpc/codes"
)

// Partial answers under a deadline (see GetCustomerContext and
// BatchGetCustomerContexts in the proto).
const (
	// deadlineMargin is the least time kept before the caller's deadline to
	// send what is ready (at most half the time left).
	deadlineMargin = 50 * time.Millisecond
	// maxBackgroundRebuilds bounds the rebuilds that go on after the read
	// that started them answered, per process; beyond, a read that cannot
	// wait answers from the stored summary and the next read rebuilds.
	maxBackgroundRebuilds = 8
	// backgroundRebuildTimeout bounds the life of a background rebuild.
	backgroundRebuildTimeout = 2 * time.Minute
	// reasonNotDone is the reason of a batch item not done before the
	// deadline.
	reasonNotDone = "NOT_DONE_BEFORE_DEADLINE"
	// missingRebuild names what a context built from a stale summary
	// misses.
	missingRebuild = "rebuild pending"
)

// softDeadline returns ctx's deadline less the margin: the time by which
// an answer with what is ready is sent. ok is false without a deadline.
// The margin is the larger of 10% of the time left and deadlineMargin, at
// most half the time left.
func softDeadline(ctx context.Context, now time.Time) (time.Time, bool) {
	d, ok := ctx.Deadline()
	if !ok {
		return time.Time{}, false
	}
	left := d.Sub(now)
	margin := max(left/10, min(deadlineMargin, left/2))
	return d.Add(-margin), true
}

// withSoftDeadline is ctx ending at its soft deadline (unchanged without a
// deadline).
func withSoftDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	soft, ok := softDeadline(ctx, time.Now())
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, soft)
}

// notDoneErr is the error of a batch item not done before the deadline.
func notDoneErr() error {
	return rpcerr.New(codes.DeadlineExceeded, reasonNotDone, "not done before the deadline; ask for it again", nil)
}

// rebuildJob is one background rebuild of a customer's summary.
type rebuildJob struct {
	done chan struct{}
	sum  *repository.Summary
	err  error
}

// rebuilder runs summary rebuilds that outlive the read that started them:
// at most one per customer at a time (a second read waits for the same
// one), at most maxBackgroundRebuilds per process, each bounded in time.
// Each still takes a heavy-read slot of its tenant (see rebuild). Close
// cancels them and waits for them.
type rebuilder struct {
	logger  *slog.Logger
	mu      sync.Mutex
	running map[string]*rebuildJob
	slots   chan struct{}
	stop    context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func newRebuilder(logger *slog.Logger) *rebuilder {
	stop, cancel := context.WithCancel(context.Background())
	return &rebuilder{logger: logger, running: map[string]*rebuildJob{}, slots: make(chan struct{}, maxBackgroundRebuilds), stop: stop, cancel: cancel}
}

// start returns the running rebuild of the customer, or starts run in the
// background with ctx's values (tenant, trace) but not its deadline nor
// cancellation. It returns nil when maxBackgroundRebuilds run already or
// the rebuilder is closed: the caller rebuilds in the foreground, or
// answers without.
func (r *rebuilder) start(ctx context.Context, tenant, customerID string, run func(context.Context) (*repository.Summary, error)) *rebuildJob {
	key := tenant + "\x00" + customerID
	r.mu.Lock()
	defer r.mu.Unlock()
	if j := r.running[key]; j != nil {
		return j
	}
	if r.stop.Err() != nil {
		return nil
	}
	select {
	case r.slots <- struct{}{}:
	default:
		return nil
	}
	j := &rebuildJob{done: make(chan struct{})}
	r.running[key] = j
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundRebuildTimeout)
	stop := context.AfterFunc(r.stop, cancel)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() { <-r.slots }()
		defer cancel()
		defer stop()
		j.sum, j.err = run(bctx)
		if j.err != nil && bctx.Err() == nil {
			r.logger.WarnContext(bctx, "background rebuild of a summary failed; the next read tries again", "customer", repository.CustomerName(customerID), "error", j.err)
		}
		r.mu.Lock()
		delete(r.running, key)
		r.mu.Unlock()
		close(j.done)
	}()
	return j
}

// Close cancels the background rebuilds and waits for them to end.
func (r *rebuilder) Close() {
	r.mu.Lock()
	r.cancel()
	r.mu.Unlock()
	r.wg.Wait()
}
