package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
)

// statements counts the statements a store sends, by text.
type statements struct {
	mu sync.Mutex
	n  map[string]int
}

func (l *statements) hook(_ context.Context, query string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == nil {
		l.n = map[string]int{}
	}
	l.n[query]++
}

func (l *statements) count(query string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[query]
}

func openGroupStore(t *testing.T, opts ...Option) (*Store, *statements) {
	t.Helper()
	log := &statements{}
	s, err := Open(t.Context(), t.TempDir(), append(opts, WithStatementHook(log.hook))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, log
}

// grouped runs calls so that they form one group: a first call holds the
// writer while the others queue, in order, behind it; then it lets go. It
// returns each call's error.
func grouped(t *testing.T, s *Store, calls ...func() error) []error {
	t.Helper()
	hold, holding := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- s.Atomically(t.Context(), func(context.Context) error {
			close(holding)
			<-hold
			return nil
		})
	}()
	<-holding
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = call()
		}()
		waitQueued(t, s, i+1)
	}
	close(hold)
	wg.Wait()
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	return errs
}

// waitQueued waits until n calls wait for the writer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for {
		s.group.mu.Lock()
		queued := len(s.group.queue)
		s.group.mu.Unlock()
		if queued >= n {
			return
		}
		if t.Context().Err() != nil {
			t.Fatal("calls never queued")
		}
		time.Sleep(time.Millisecond)
	}
}

func create(ctx context.Context, s *Store, id string) error {
	_, err := s.CreateCustomer(ctx, "acme", repository.CreateRequest{CustomerID: id, Customer: &rapportv1.Customer{DisplayName: id}})
	return err
}

func exists(t *testing.T, s *Store, id string) bool {
	t.Helper()
	_, err := s.GetCustomer(t.Context(), "acme", id)
	if err != nil && !errors.Is(err, repository.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// N concurrent writes queued behind a running one are one transaction:
// one BEGIN, one COMMIT, a savepoint each; each lands.
func TestGroupCommitIsOneTransaction(t *testing.T) {
	s, log := openGroupStore(t)
	const n = 16
	commits, begins := log.count("COMMIT"), log.count("BEGIN IMMEDIATE")
	groups, calls := s.GroupStats()
	var fns []func() error
	for i := range n {
		fns = append(fns, func() error { return create(t.Context(), s, fmt.Sprint("c", i)) })
	}
	for i, err := range grouped(t, s, fns...) {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	// The holder's transaction, then the group's.
	if got := log.count("COMMIT") - commits; got != 2 {
		t.Errorf("COMMITs = %d, want 2 (the holder's and the group's)", got)
	}
	if got := log.count("BEGIN IMMEDIATE") - begins; got != 2 {
		t.Errorf("BEGINs = %d, want 2", got)
	}
	if got := log.count("SAVEPOINT call"); got != n {
		t.Errorf("savepoints = %d, want %d", got, n)
	}
	g2, c2 := s.GroupStats()
	if g2-groups != 2 || c2-calls != n+1 {
		t.Errorf("GroupStats: %d commits holding %d calls, want 2 holding %d", g2-groups, c2-calls, n+1)
	}
	for i := range n {
		if !exists(t, s, fmt.Sprint("c", i)) {
			t.Errorf("c%d was acknowledged but is not stored", i)
		}
	}
}

// A group holds at most WithMaxGroup calls: 10 queued calls in groups of
// at most 4 are three commits.
func TestGroupCommitIsBounded(t *testing.T) {
	s, log := openGroupStore(t, WithMaxGroup(4))
	commits := log.count("COMMIT")
	var fns []func() error
	for i := range 10 {
		fns = append(fns, func() error { return create(t.Context(), s, fmt.Sprint("c", i)) })
	}
	for i, err := range grouped(t, s, fns...) {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if got := log.count("COMMIT") - commits; got != 1+3 {
		t.Errorf("COMMITs = %d, want 4 (the holder's, then groups of 4, 4 and 2)", got)
	}
}

// A writer alone runs as without grouping: no savepoint, one commit.
func TestGroupCommitAloneAddsNothing(t *testing.T) {
	s, log := openGroupStore(t)
	commits := log.count("COMMIT")
	for i := range 3 {
		if err := create(t.Context(), s, fmt.Sprint("c", i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := log.count("COMMIT") - commits; got != 3 {
		t.Errorf("COMMITs = %d, want 3", got)
	}
	if got := log.count("SAVEPOINT call"); got != 0 {
		t.Errorf("a writer alone sent %d savepoints", got)
	}
}

// A call of a group that fails (an error, a refusal of the store, a
// panic) fails alone: its writes are undone, the others land in the
// group's one commit.
func TestGroupCommitFailingCallFailsAlone(t *testing.T) {
	s, log := openGroupStore(t)
	errBoom := errors.New("boom")
	commits := log.count("COMMIT")
	errs := grouped(t, s,
		func() error { return create(t.Context(), s, "a") },
		func() error {
			return s.Atomically(t.Context(), func(ctx context.Context) error {
				if err := create(ctx, s, "b"); err != nil {
					return err
				}
				return errBoom
			})
		},
		func() error { return create(t.Context(), s, "a") }, // a is taken, in this very transaction
		func() (err error) {
			defer func() {
				if v := recover(); v != nil {
					err = fmt.Errorf("panicked: %v", v)
				}
			}()
			return s.Atomically(t.Context(), func(ctx context.Context) error {
				if err := create(ctx, s, "c"); err != nil {
					return err
				}
				panic("in fn")
			})
		},
		func() error { return create(t.Context(), s, "d") },
	)
	if errs[0] != nil || errs[4] != nil {
		t.Errorf("the good calls failed: %v, %v", errs[0], errs[4])
	}
	if !errors.Is(errs[1], errBoom) {
		t.Errorf("failing fn: %v, want its own error", errs[1])
	}
	if !errors.Is(errs[2], repository.ErrAlreadyExists) {
		t.Errorf("duplicate create: %v, want ErrAlreadyExists", errs[2])
	}
	if errs[3] == nil || !strings.Contains(errs[3].Error(), "panicked: in fn") {
		t.Errorf("panicking fn: %v, want its panic raised in its caller", errs[3])
	}
	for id, want := range map[string]bool{"a": true, "b": false, "c": false, "d": true} {
		if got := exists(t, s, id); got != want {
			t.Errorf("customer %s stored = %v, want %v", id, got, want)
		}
	}
	if got := log.count("COMMIT") - commits; got != 2 {
		t.Errorf("COMMITs = %d, want 2 (the holder's and the group's)", got)
	}
	if got := log.count("ROLLBACK TO call"); got != 3 {
		t.Errorf("rollbacks to a savepoint = %d, want 3", got)
	}
}

// When the group's COMMIT fails, each call it held is run again alone:
// the one that makes the commit fail gets the error, the others land.
// (A deferred foreign key is checked at COMMIT: a real failure of it.)
func TestGroupCommitFailedCommitRetriesEachAlone(t *testing.T) {
	s, log := openGroupStore(t)
	err := s.Atomically(t.Context(), func(ctx context.Context) error {
		for _, q := range []string{
			"CREATE TABLE gc_parent (id INTEGER PRIMARY KEY)",
			"CREATE TABLE gc_child (parent INTEGER REFERENCES gc_parent (id) DEFERRABLE INITIALLY DEFERRED)",
		} {
			if _, err := s.exec(ctx, txOf(ctx), q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	commits := log.count("COMMIT")
	errs := grouped(t, s,
		func() error { return create(t.Context(), s, "a") },
		func() error {
			return s.Atomically(t.Context(), func(ctx context.Context) error {
				_, err := s.exec(ctx, txOf(ctx), "INSERT INTO gc_child (parent) VALUES (42)")
				return err
			})
		},
		func() error { return create(t.Context(), s, "b") },
	)
	if errs[0] != nil || errs[2] != nil {
		t.Errorf("the good calls failed: %v, %v", errs[0], errs[2])
	}
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "FOREIGN KEY") {
		t.Errorf("the call that breaks the commit: %v, want its foreign key error", errs[1])
	}
	if !exists(t, s, "a") || !exists(t, s, "b") {
		t.Error("a call retried alone was acknowledged but is not stored")
	}
	var orphans int
	if err := s.read.QueryRowContext(t.Context(), "SELECT count(*) FROM gc_child").Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d rows of the failed commit are stored", orphans)
	}
	// The holder's, the group's (failed), then each of the three alone.
	if got := log.count("COMMIT") - commits; got != 5 {
		t.Errorf("COMMITs = %d, want 5", got)
	}
	// The writer is usable afterwards.
	if err := create(t.Context(), s, "c"); err != nil {
		t.Fatal(err)
	}
}

// Cancellation: a call cancelled while it waits leaves the queue and never
// runs; in a group, one cancelled before its fn starts is dropped, one
// cancelled while its fn runs is rolled back, and one cancelled after its
// fn ran is committed and says so.
func TestGroupCommitCancellation(t *testing.T) {
	s, _ := openGroupStore(t)
	t.Run("waiting", func(t *testing.T) {
		hold, holding := make(chan struct{}), make(chan struct{})
		holder := make(chan error, 1)
		go func() {
			holder <- s.Atomically(t.Context(), func(context.Context) error {
				close(holding)
				<-hold
				return nil
			})
		}()
		<-holding
		ctx, cancel := context.WithCancel(t.Context())
		var ran atomic.Bool
		got := make(chan error, 1)
		go func() {
			got <- s.Atomically(ctx, func(context.Context) error { ran.Store(true); return nil })
		}()
		waitQueued(t, s, 1)
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled while queued: %v, want context.Canceled", err)
		}
		close(hold)
		if err := <-holder; err != nil {
			t.Fatal(err)
		}
		if ran.Load() {
			t.Error("the fn of a call cancelled while queued ran")
		}
		s.group.mu.Lock()
		defer s.group.mu.Unlock()
		if len(s.group.queue) != 0 || s.group.leading {
			t.Errorf("queue %d, leading %v after the calls returned", len(s.group.queue), s.group.leading)
		}
	})
	t.Run("grouped", func(t *testing.T) {
		ctxA, cancelA := context.WithCancel(t.Context())
		ctxB, cancelB := context.WithCancel(t.Context())
		ctxD, cancelD := context.WithCancel(t.Context())
		defer cancelA()
		defer cancelD()
		var ranD atomic.Bool
		errs := grouped(t, s,
			func() error { return create(ctxA, s, "ga") },
			func() error {
				return s.Atomically(ctxB, func(ctx context.Context) error {
					if err := create(ctx, s, "gb"); err != nil {
						return err
					}
					cancelB()
					return nil
				})
			},
			func() error {
				return s.Atomically(t.Context(), func(ctx context.Context) error {
					cancelA() // after its fn ran
					cancelD() // before its fn starts
					return create(ctx, s, "gc")
				})
			},
			func() error {
				return s.Atomically(ctxD, func(ctx context.Context) error {
					ranD.Store(true)
					return create(ctx, s, "gd")
				})
			},
		)
		if errs[0] != nil {
			t.Errorf("cancelled after its fn ran: %v, want nil (it was committed)", errs[0])
		}
		if !errors.Is(errs[1], context.Canceled) {
			t.Errorf("cancelled while its fn ran: %v, want context.Canceled", errs[1])
		}
		if errs[2] != nil {
			t.Errorf("uncancelled call: %v", errs[2])
		}
		if !errors.Is(errs[3], context.Canceled) || ranD.Load() {
			t.Errorf("cancelled before its fn started: %v (fn ran: %v), want context.Canceled and no run", errs[3], ranD.Load())
		}
		for id, want := range map[string]bool{"ga": true, "gb": false, "gc": true, "gd": false} {
			if got := exists(t, s, id); got != want {
				t.Errorf("customer %s stored = %v, want %v", id, got, want)
			}
		}
	})
}

// The change feed hears of the summaries of the calls that committed, not
// of those rolled back in the same group.
func TestGroupCommitNotifiesCommittedCalls(t *testing.T) {
	s, _ := openGroupStore(t)
	for _, id := range []string{"a", "b", "c"} {
		if err := create(t.Context(), s, id); err != nil {
			t.Fatal(err)
		}
	}
	ch, stop := s.changes.subscribe()
	defer stop()
	update := func(id string, fail bool) func() error {
		return func() error {
			_, err := s.UpdateSummary(t.Context(), "acme", id, func(sum *repository.Summary) error {
				if fail {
					return errors.New("refused")
				}
				sum.Customer = []byte(id)
				return nil
			})
			return err
		}
	}
	errs := grouped(t, s, update("a", false), update("b", true), update("c", false))
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors %v", errs)
	}
	heard := map[string]bool{}
	for len(ch) > 0 {
		heard[(<-ch).CustomerID] = true
	}
	if !heard["a"] || heard["b"] || !heard["c"] {
		t.Errorf("notified %v, want a and c", heard)
	}
}
