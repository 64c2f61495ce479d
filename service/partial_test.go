package service_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// slowStore holds the summary reads of some customers, and the history
// reads (what a rebuild does), until they are let go or the call's context
// ends: a store made slow where the test chooses.
type slowStore struct {
	repositorytest.Store
	mu       sync.Mutex
	held     map[string]bool // customer IDs whose summary reads are held
	history  bool            // history reads are held
	released chan struct{}   // closed to let every held read go
	// historyNow and historyMost count the history reads in progress, now
	// and at most.
	historyNow, historyMost atomic.Int64
}

func newSlowStore(t *testing.T) *slowStore {
	return &slowStore{Store: newStore(t), held: map[string]bool{}, released: make(chan struct{})}
}

func (s *slowStore) hold(customerIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range customerIDs {
		s.held[id] = true
	}
}

func (s *slowStore) holdHistory() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.history = true
}

// release lets every held read go, and those to come.
func (s *slowStore) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held, s.history = map[string]bool{}, false
	close(s.released)
}

func (s *slowStore) wait(ctx context.Context, held bool) error {
	if !held {
		return nil
	}
	select {
	case <-s.released:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *slowStore) GetSummary(ctx context.Context, tenant, customerID string) (*repository.Summary, error) {
	s.mu.Lock()
	held := s.held[customerID]
	s.mu.Unlock()
	if err := s.wait(ctx, held); err != nil {
		return nil, err
	}
	return s.Store.GetSummary(ctx, tenant, customerID)
}

func (s *slowStore) ListInteractions(ctx context.Context, tenant, customerID string, f repository.InteractionFilter, after *repository.Cursor, limit int) ([]*rapportv1.Interaction, bool, error) {
	if n := s.historyNow.Add(1); n > s.historyMost.Load() {
		s.historyMost.Store(n) // racy maximum, but never above the true one
	}
	defer s.historyNow.Add(-1)
	s.mu.Lock()
	held := s.history
	s.mu.Unlock()
	if err := s.wait(ctx, held); err != nil {
		return nil, false, err
	}
	return s.Store.ListInteractions(ctx, tenant, customerID, f, after, limit)
}

// A batch under a short deadline answers with the items done before it,
// the others marked as not done and named, instead of DEADLINE_EXCEEDED
// for everything; all-or-nothing gets DEADLINE_EXCEEDED; with time enough
// every item is done.
func TestBatchGetPartialUnderDeadline(t *testing.T) {
	t.Parallel()
	store := newSlowStore(t)
	ts := startServer(t, store, service.Options{})
	ada, bob, cy := ts.newCustomer(t, "ada"), ts.newCustomer(t, "bob"), ts.newCustomer(t, "cy")
	req := &rapportv1.BatchGetCustomerContextsRequest{Requests: []*rapportv1.GetCustomerContextRequest{
		{Customer: ada}, {Customer: bob}, {Customer: cy}, {Customer: "customers/nobody"},
	}}
	store.hold("bob") // bob's summary read never ends before the deadline

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	res, err := ts.contexts.BatchGetCustomerContexts(ctx, req)
	if err != nil {
		t.Fatalf("BatchGetCustomerContexts under a deadline: %v, want the items done", err)
	}
	if !res.GetPartial() {
		t.Error("partial not set")
	}
	if want := []string{bob, cy, "customers/nobody"}; !slices.Equal(res.GetMissing(), want) {
		t.Errorf("missing %q, want %q", res.GetMissing(), want)
	}
	rs := res.GetResults()
	if len(rs) != 4 {
		t.Fatalf("%d results, want 4", len(rs))
	}
	if rs[0].GetError() != nil || rs[0].GetContext().GetCustomer() != ada || rs[0].GetContext().GetPartial() {
		t.Errorf("ada: %v, want her complete context", rs[0])
	}
	for i, name := range []string{bob, cy} {
		r := rs[i+1]
		if r.GetContext() != nil || r.GetError().GetCode() != "DEADLINE_EXCEEDED" || r.GetError().GetReason() != "NOT_DONE_BEFORE_DEADLINE" {
			t.Errorf("%s: %v, want DEADLINE_EXCEEDED NOT_DONE_BEFORE_DEADLINE", name, r)
		}
	}
	// An item not done is named even when it would have failed.
	if r := rs[3]; r.GetError().GetReason() != "NOT_DONE_BEFORE_DEADLINE" {
		t.Errorf("nobody: %v, want not done", r)
	}

	// All-or-nothing: today's behaviour.
	ctx, cancel = context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	all := &rapportv1.BatchGetCustomerContextsRequest{Requests: req.GetRequests(), RequireComplete: true}
	if _, err := ts.contexts.BatchGetCustomerContexts(ctx, all); status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("require_complete under a deadline: %v, want DEADLINE_EXCEEDED", err)
	}

	// With time enough, every item is done.
	store.release()
	ctx, cancel = context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, r := range []*rapportv1.BatchGetCustomerContextsRequest{req, all} {
		res, err := ts.contexts.BatchGetCustomerContexts(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if res.GetPartial() || len(res.GetMissing()) != 0 {
			t.Errorf("require_complete %v: partial %v, missing %q with time enough", r.GetRequireComplete(), res.GetPartial(), res.GetMissing())
		}
		for i, name := range []string{ada, bob, cy} {
			if got := res.GetResults()[i]; got.GetContext().GetCustomer() != name || got.GetContext().GetPartial() {
				t.Errorf("%s: %v, want the complete context", name, got)
			}
		}
		if got := res.GetResults()[3].GetError().GetReason(); got != "CUSTOMER_NOT_FOUND" {
			t.Errorf("nobody: %s, want CUSTOMER_NOT_FOUND", got)
		}
	}
}

// A stale summary whose rebuild would not finish before the deadline: the
// context is answered from the stored summary as it is, marked partial
// with the rebuild pending, and the rebuild finishes in the background;
// all-or-nothing (and GetPersonalizationHints, which cannot say partial)
// gets DEADLINE_EXCEEDED; EnrichTicket answers partial too.
func TestGetCustomerContextPartialWhileRebuilding(t *testing.T) {
	t.Parallel()
	store := newSlowStore(t)
	ts := startServer(t, store, service.Options{})
	_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{
		DisplayName: "Ada Lovelace", Identities: []*rapportv1.Identity{{Type: emailType, Value: "ada@example.com"}}}})
	if err != nil {
		t.Fatal(err)
	}
	parent := "customers/ada"
	for i := range 3 {
		ts.record(t, parent, interaction(rapportv1.Channel_CHANNEL_EMAIL, i, ""))
	}
	if _, err := store.UpdateSummary(t.Context(), access.DefaultTenant, "ada", func(sum *repository.Summary) error { sum.Stale = true; return nil }); err != nil {
		t.Fatal(err)
	}
	store.holdHistory() // the rebuild reads the history: held

	short := func(d time.Duration) context.Context {
		ctx, cancel := context.WithTimeout(t.Context(), d)
		t.Cleanup(cancel)
		return ctx
	}
	for _, req := range []*rapportv1.GetCustomerContextRequest{
		{Customer: parent},
		{Identity: "email:ada@example.com", ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"profile"}}},
	} {
		res, err := ts.contexts.GetCustomerContext(short(2*time.Second), req)
		if err != nil {
			t.Fatalf("GetCustomerContext(%v) while the rebuild runs: %v, want a partial context", req, err)
		}
		cc := res.GetContext()
		if !cc.GetPartial() || !slices.Equal(cc.GetMissing(), []string{"rebuild pending"}) {
			t.Errorf("partial %v, missing %q; want partial, rebuild pending", cc.GetPartial(), cc.GetMissing())
		}
		if cc.GetCustomer() != parent || cc.GetProfile().GetDisplayName() != "Ada Lovelace" {
			t.Errorf("context %v, want Ada's from the stored summary", cc)
		}
	}
	enriched, err := ts.contexts.EnrichTicket(short(2*time.Second), &rapportv1.EnrichTicketRequest{Requester: "email:ada@example.com", Subject: "hello"})
	if err != nil {
		t.Fatalf("EnrichTicket while the rebuild runs: %v", err)
	}
	if !enriched.GetPartial() || !slices.Equal(enriched.GetMissing(), []string{"rebuild pending"}) || enriched.GetCustomer().GetName() != parent {
		t.Errorf("EnrichTicket: partial %v, missing %q, customer %q", enriched.GetPartial(), enriched.GetMissing(), enriched.GetCustomer().GetName())
	}
	// In a batch, the item is partial itself; the batch is not.
	batch, err := ts.contexts.BatchGetCustomerContexts(short(2*time.Second), &rapportv1.BatchGetCustomerContextsRequest{
		Requests: []*rapportv1.GetCustomerContextRequest{{Customer: parent}}})
	if err != nil {
		t.Fatal(err)
	}
	if batch.GetPartial() || !batch.GetResults()[0].GetContext().GetPartial() {
		t.Errorf("batch partial %v, item %v; want the item partial only", batch.GetPartial(), batch.GetResults()[0])
	}

	// All-or-nothing: today's behaviour.
	for _, call := range []func(context.Context) error{
		func(ctx context.Context) error {
			_, err := ts.contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: parent, RequireComplete: true})
			return err
		},
		func(ctx context.Context) error {
			_, err := ts.contexts.EnrichTicket(ctx, &rapportv1.EnrichTicketRequest{Requester: "email:ada@example.com", RequireComplete: true})
			return err
		},
		// GetPersonalizationHints cannot say it is partial: always complete.
		func(ctx context.Context) error {
			_, err := ts.contexts.GetPersonalizationHints(ctx, &rapportv1.GetPersonalizationHintsRequest{Customer: parent})
			return err
		},
	} {
		if err := call(short(300 * time.Millisecond)); status.Code(err) != codes.DeadlineExceeded {
			t.Errorf("require_complete while the rebuild runs: %v, want DEADLINE_EXCEEDED", err)
		}
	}

	// The rebuild finishes in the background: once the store answers, the
	// summary is no longer stale, with no read waiting for it.
	store.release()
	deadline := time.Now().Add(30 * time.Second)
	for {
		sum, err := store.Store.GetSummary(t.Context(), access.DefaultTenant, "ada")
		if err != nil {
			t.Fatal(err)
		}
		if !sum.Stale {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the summary is still stale 30 s after the store answers again")
		}
		time.Sleep(10 * time.Millisecond)
	}
	res, err := ts.contexts.GetCustomerContext(short(30*time.Second), &rapportv1.GetCustomerContextRequest{Customer: parent})
	if err != nil {
		t.Fatal(err)
	}
	if cc := res.GetContext(); cc.GetPartial() || len(cc.GetMissing()) != 0 || len(cc.GetRecentInteractions()) != 3 {
		t.Errorf("after the rebuild: partial %v, missing %q, %d recent; want complete with 3", cc.GetPartial(), cc.GetMissing(), len(cc.GetRecentInteractions()))
	}
}

// A stale summary read with plenty of time waits for its rebuild: the
// answer is complete.
func TestGetCustomerContextCompleteWithTimeEnough(t *testing.T) {
	t.Parallel()
	store := newSlowStore(t)
	ts := startServer(t, store, service.Options{})
	parent := ts.newCustomer(t, "ada")
	ts.record(t, parent, interaction(rapportv1.Channel_CHANNEL_CHAT, 1, ""))
	if _, err := store.UpdateSummary(t.Context(), access.DefaultTenant, "ada", func(sum *repository.Summary) error { sum.Stale = true; return nil }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	res, err := ts.contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if err != nil {
		t.Fatal(err)
	}
	if cc := res.GetContext(); cc.GetPartial() || len(cc.GetRecentInteractions()) != 1 {
		t.Errorf("partial %v, %d recent; want complete with 1", cc.GetPartial(), len(cc.GetRecentInteractions()))
	}
	if sum, err := store.Store.GetSummary(t.Context(), access.DefaultTenant, "ada"); err != nil || sum.Stale {
		t.Errorf("summary after the read: %v, %v; want rebuilt", sum, err)
	}
}

// Many reads of one stale customer under short deadlines share one
// background rebuild: each answers partial, and the history is read by
// one rebuild at a time, not one per read.
func TestConcurrentPartialReadsShareOneRebuild(t *testing.T) {
	t.Parallel()
	store := newSlowStore(t)
	ts := startServer(t, store, service.Options{})
	parent := ts.newCustomer(t, "ada")
	ts.record(t, parent, interaction(rapportv1.Channel_CHANNEL_CHAT, 1, ""))
	if _, err := store.UpdateSummary(t.Context(), access.DefaultTenant, "ada", func(sum *repository.Summary) error { sum.Stale = true; return nil }); err != nil {
		t.Fatal(err)
	}
	store.holdHistory()
	var wg sync.WaitGroup
	var partial atomic.Int64
	for range 20 {
		wg.Go(func() {
			// Time enough to answer after the margin on a loaded machine.
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			res, err := ts.contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: parent})
			if err != nil {
				t.Errorf("GetCustomerContext: %v", err)
				return
			}
			if res.GetContext().GetPartial() {
				partial.Add(1)
			}
		})
	}
	wg.Wait()
	if partial.Load() != 20 {
		t.Errorf("%d of 20 reads partial, want all", partial.Load())
	}
	if most := store.historyMost.Load(); most != 1 {
		t.Errorf("%d history reads at once, want 1 (one rebuild for all the reads)", most)
	}
	store.release()
}
