package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
)

// Group commit: the writes of concurrent calls share one transaction and
// its commit (one fsync of the log under synchronous=FULL), so that the
// throughput of writes grows with the number of writers instead of
// stopping at one fsync per call.
//
// Every top-level Atomically call joins a queue. The first call to find no
// leader leads: it takes the calls queued (itself first, at most
// WithMaxGroup), runs them in one transaction, answers them, and hands the
// lead to the first call still queued. There is no timer: a writer alone
// takes a group of one and runs exactly as without grouping (no
// savepoints, no added wait); while a group commits, the calls that arrive
// queue up and form the next group.
//
// In a group of several calls:
//   - each call's fn runs inside its own SAVEPOINT; a fn that fails (or
//     panics) is rolled back to its savepoint and gets its own error (or
//     panic, raised again in its caller's goroutine); the others go on;
//   - a call whose context is done before its fn starts is dropped with the
//     context's error; its fn runs with a context that keeps the caller's
//     values but not its cancellation (an interrupted statement may roll
//     back the whole shared transaction), and a call cancelled while its
//     fn ran is rolled back to its savepoint and gets the context's error;
//     once its fn has returned, the call is committed or not with the
//     group, and is answered with what happened to it;
//   - if the group's transaction breaks (a savepoint cannot be released or
//     rolled back to: SQLite rolled the whole transaction back) or its
//     COMMIT fails, nothing of it landed, and each call that was held is
//     run again alone, in a transaction of its own, before it is answered:
//     a failing call fails only itself;
//   - each call is acknowledged once the commit that holds it returned, so
//     it is as durable as the configured synchronous makes a commit, and
//     the caller's next read sees it; the change feed is told of each
//     committed call's summaries, and a call that erased personal data
//     has the log truncated before it is answered.

// DefaultMaxGroup bounds the calls one transaction holds (WithMaxGroup): a
// group's latency is the sum of its calls', and a failed commit reruns
// each alone.
const DefaultMaxGroup = 64

// WithMaxGroup sets how many concurrent write calls may share one
// transaction (default DefaultMaxGroup); 1 turns group commit off: each
// call then commits alone, as the store did before it grouped.
func WithMaxGroup(n int) Option { return func(s *Store) { s.maxGroup = max(1, n) } }

// writeCall is one top-level Atomically call waiting for, or in, a group.
type writeCall struct {
	ctx context.Context
	fn  func(ctx context.Context) error
	// done receives one message: the call's answer, or that it leads.
	done chan callDone
	// taken and led are guarded by committer.mu: the call is in a group
	// being run, or has been told to lead.
	taken, led bool
	// The answer, set by the group's leader.
	err      error
	panicked bool
	panicVal any
	// t is the call's view of the shared transaction once its fn ran.
	t *txn
}

type callDone struct{ lead bool }

// committer is the queue of write calls and whether one leads.
type committer struct {
	mu      sync.Mutex
	queue   []*writeCall
	leading bool
	// commits and calls count the transactions committed and the calls
	// they held (Store.GroupStats).
	commits, calls atomic.Int64
}

// GroupStats reports the write transactions this store committed and the
// Atomically calls they held, since it opened: calls/commits is the mean
// group size.
func (s *Store) GroupStats() (commits, calls int64) {
	return s.group.commits.Load(), s.group.calls.Load()
}

// atomically runs a top-level Atomically call through the group commit.
func (s *Store) atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &writeCall{ctx: ctx, fn: fn, done: make(chan callDone, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if !g.leading {
		g.leading, c.led = true, true
	}
	lead := c.led
	g.mu.Unlock()
	if !lead {
		var d callDone
		select {
		case d = <-c.done:
		case <-ctx.Done():
			g.mu.Lock()
			if !c.taken && !c.led {
				for i, q := range g.queue {
					if q == c {
						g.queue = append(g.queue[:i], g.queue[i+1:]...)
						break
					}
				}
				g.mu.Unlock()
				return ctx.Err()
			}
			g.mu.Unlock()
			// Its fn may be running: wait for the truth.
			d = <-c.done
		}
		lead = d.lead
	}
	if lead {
		s.leadGroup()
	}
	if c.panicked {
		panic(c.panicVal)
	}
	return c.err
}

// leadGroup runs one group, the leader's own call first, answers its other
// calls and passes the lead on.
func (s *Store) leadGroup() {
	g := &s.group
	g.mu.Lock()
	n := min(len(g.queue), s.maxGroup)
	group := make([]*writeCall, n)
	copy(group, g.queue[:n])
	g.queue = append(g.queue[:0], g.queue[n:]...)
	for _, c := range group {
		c.taken = true
	}
	g.mu.Unlock()

	s.runGroup(group)

	for _, c := range group[1:] {
		c.done <- callDone{}
	}
	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		next.led = true
		next.done <- callDone{lead: true}
	} else {
		g.leading = false
	}
	g.mu.Unlock()
}

// runGroup runs the calls of one group and sets each one's answer.
func (s *Store) runGroup(group []*writeCall) {
	if len(group) == 1 {
		s.runAlone(group[0])
		return
	}
	// The shared transaction belongs to no caller: the leader's context
	// carries its trace, not its cancellation.
	base := context.WithoutCancel(group[0].ctx)
	end := s.observe(base, "BEGIN IMMEDIATE")
	tx, err := s.write.BeginTx(base, nil)
	end(err)
	if err != nil {
		for _, c := range group {
			c.err = dbErr("begin", err)
		}
		return
	}
	defer s.writeStmts.flush(base, s.write)
	var held, again []*writeCall
	broken := false
	for i, c := range group {
		if err := c.ctx.Err(); err != nil {
			c.err = err
			continue
		}
		if err := s.groupExec(base, tx, "SAVEPOINT call"); err != nil {
			broken, again = true, group[i:]
			break
		}
		t := &txn{tx: tx}
		s.runFn(c, context.WithValue(context.WithoutCancel(c.ctx), txKey{}, t))
		if c.err == nil && !c.panicked {
			// Cancelled while its fn ran: not committed.
			c.err = c.ctx.Err()
		}
		if c.err != nil || c.panicked {
			if s.groupExec(base, tx, "ROLLBACK TO call") != nil || s.groupExec(base, tx, "RELEASE call") != nil {
				broken, again = true, group[i+1:]
				break
			}
			continue
		}
		if err := s.groupExec(base, tx, "RELEASE call"); err != nil {
			c.err = nil
			broken, again = true, group[i:]
			break
		}
		c.t = t
		held = append(held, c)
	}
	if broken {
		_ = tx.Rollback()
		s.retryAlone(append(held, again...))
		return
	}
	end = s.observe(base, "COMMIT")
	err = tx.Commit()
	end(err)
	if err != nil {
		// A failed COMMIT may leave SQLite's transaction open on the
		// connection that database/sql takes back: end it.
		s.observe(base, "ROLLBACK")(nil)
		_, _ = s.write.ExecContext(base, "ROLLBACK")
		s.retryAlone(held)
		return
	}
	s.group.commits.Add(1)
	s.group.calls.Add(int64(len(held)))
	s.afterCommit(held)
}

// retryAlone runs again, each in a transaction of its own, the calls of a
// group that did not land.
func (s *Store) retryAlone(calls []*writeCall) {
	for _, c := range calls {
		c.err, c.panicked, c.panicVal, c.t = nil, false, nil, nil
		s.runAlone(c)
	}
}

// afterCommit tells the change feed what the committed calls changed and,
// when one of them erased personal data, truncates the log before they
// are answered.
func (s *Store) afterCommit(calls []*writeCall) {
	var erased []*writeCall
	for _, c := range calls {
		for ref := range c.t.changed {
			s.changes.notify(ref)
		}
		if c.t.erased {
			erased = append(erased, c)
		}
	}
	if len(erased) == 0 {
		return
	}
	err := s.truncateLog(erased[0].ctx)
	for _, c := range erased {
		c.err = err
	}
}

// runAlone runs one call in a transaction of its own (the single writer's
// path: the statements it sends are those of a call without grouping).
func (s *Store) runAlone(c *writeCall) {
	ctx := c.ctx
	if err := ctx.Err(); err != nil {
		c.err = err
		return
	}
	end := s.observe(ctx, "BEGIN IMMEDIATE")
	tx, err := s.write.BeginTx(context.WithoutCancel(ctx), nil)
	end(err)
	if err != nil {
		c.err = dbErr("begin", err)
		return
	}
	t := &txn{tx: tx}
	// Once the transaction ends, the writer's connection is free: prepare
	// the statements it ran unprepared (only until each has been seen).
	defer s.writeStmts.flush(context.WithoutCancel(ctx), s.write)
	s.runFn(c, context.WithValue(ctx, txKey{}, t))
	if c.err == nil && !c.panicked {
		// Cancelled while its fn ran: not committed (as in a group).
		c.err = ctx.Err()
	}
	if c.err != nil || c.panicked {
		_ = tx.Rollback()
		return
	}
	end = s.observe(ctx, "COMMIT")
	err = tx.Commit()
	end(err)
	if err != nil {
		s.observe(ctx, "ROLLBACK")(nil)
		_, _ = s.write.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		c.err = dbErr("commit", err)
		return
	}
	s.group.commits.Add(1)
	s.group.calls.Add(1)
	c.t = t
	s.afterCommit([]*writeCall{c})
}

// runFn runs c's fn with ctx and keeps its error, or its panic for its
// caller's goroutine (the leader's may be another's).
func (s *Store) runFn(c *writeCall, ctx context.Context) {
	defer func() {
		if v := recover(); v != nil {
			c.panicked, c.panicVal = true, v
		}
	}()
	c.err = c.fn(ctx)
}

// groupExec runs a savepoint statement of the group's transaction.
func (s *Store) groupExec(ctx context.Context, tx *sql.Tx, query string) error {
	end := s.observe(ctx, query)
	_, err := tx.ExecContext(ctx, query)
	end(err)
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	return nil
}
