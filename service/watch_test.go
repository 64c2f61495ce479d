package service_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// recvContext waits (bounded) for the next context on a watch stream,
// skipping heartbeats.
func recvContext(t *testing.T, stream rapportv1.ContextService_WatchCustomerContextClient, within time.Duration) *rapportv1.CustomerContext {
	t.Helper()
	type result struct {
		msg *rapportv1.WatchCustomerContextResponse
		err error
	}
	deadline := time.After(within)
	for {
		ch := make(chan result, 1)
		go func() {
			m, err := stream.Recv()
			ch <- result{m, err}
		}()
		select {
		case r := <-ch:
			if r.err != nil {
				t.Fatalf("watch: %v", r.err)
			}
			if cc := r.msg.GetContext(); cc != nil {
				return cc
			}
		case <-deadline:
			t.Fatalf("no context within %v", within)
		}
	}
}

func TestWatchSeesChangesMadeThroughAnotherReplica(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	first := startServer(t, store, service.Options{WatchPollInterval: 50 * time.Millisecond})
	// A second replica (or process): its own store on the same data.
	second := startServer(t, engine().Reopen(t, store, repositorytest.Options{}), service.Options{})
	parent := first.newCustomer(t, "ada")

	stream, err := first.contexts.WatchCustomerContext(t.Context(), &rapportv1.WatchCustomerContextRequest{
		Context: &rapportv1.GetCustomerContextRequest{Customer: parent},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cc := recvContext(t, stream, 5*time.Second); cc.GetCustomer() != parent || len(cc.GetRecentInteractions()) != 0 {
		t.Fatalf("first message: %v", cc)
	}
	second.record(t, parent, interaction(rapportv1.Channel_CHANNEL_CHAT, 0, "w-1"))
	if cc := recvContext(t, stream, 5*time.Second); len(cc.GetRecentInteractions()) != 1 {
		t.Errorf("after an interaction recorded on the other replica: %v", cc.GetRecentInteractions())
	}
	_, err = second.customers.UpdateCustomer(t.Context(), &rapportv1.UpdateCustomerRequest{
		Customer: &rapportv1.Customer{Name: parent, PreferredName: "Countess"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"preferred_name"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cc := recvContext(t, stream, 5*time.Second); cc.GetProfile().GetPreferredName() != "Countess" {
		t.Errorf("after a profile change on the other replica: %q", cc.GetProfile().GetPreferredName())
	}
}

func TestWatchHeartbeatsAndSlowReaders(t *testing.T) {
	t.Parallel()
	ts := startServer(t, mustStore(t), service.Options{WatchPollInterval: time.Second})
	parent := ts.newCustomer(t, "ada")
	stream, err := ts.contexts.WatchCustomerContext(t.Context(), &rapportv1.WatchCustomerContextRequest{
		Context: &rapportv1.GetCustomerContextRequest{Customer: parent, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"contact_counts"}}}, HeartbeatSeconds: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	recvContext(t, stream, 5*time.Second)
	start := time.Now()
	msg, err := stream.Recv()
	if err != nil || msg.GetHeartbeat() == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("heartbeat: %v, %v after %v", msg, err, time.Since(start))
	}
	// Many changes while the desktop does not read: it then catches up to
	// the latest state, without one message per change.
	for i := range 12 {
		ts.record(t, parent, interaction(rapportv1.Channel_CHANNEL_EMAIL, i, "slow-"+string(rune('a'+i))))
	}
	time.Sleep(200 * time.Millisecond)
	total90 := func(cc *rapportv1.CustomerContext) int32 {
		if c := cc.GetContactCounts(); len(c) == 3 {
			return c[2].GetTotal()
		}
		return -1
	}
	messages := 0
	for last := (*rapportv1.CustomerContext)(nil); total90(last) != 12; messages++ {
		last = recvContext(t, stream, 5*time.Second)
	}
	if messages >= 12 {
		t.Errorf("%d messages for 12 changes while not reading: no coalescing", messages)
	}
}

func mustStore(t *testing.T) repositorytest.Store {
	t.Helper()
	return newStore(t)
}

func TestWatchLimitsAndShutdown(t *testing.T) {
	t.Parallel()
	ts, srv := startServerWith(t, mustStore(t), service.Options{MaxWatchStreams: 1})
	parent := ts.newCustomer(t, "ada")
	req := &rapportv1.WatchCustomerContextRequest{Context: &rapportv1.GetCustomerContextRequest{Customer: parent}}
	first, err := ts.contexts.WatchCustomerContext(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	recvContext(t, first, 5*time.Second)
	second, err := ts.contexts.WatchCustomerContext(t.Context(), req)
	if err == nil {
		_, err = second.Recv()
	}
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("a stream over the limit: %v, want RESOURCE_EXHAUSTED", err)
	}
	for _, bad := range []*rapportv1.WatchCustomerContextRequest{
		{},
		{Context: &rapportv1.GetCustomerContextRequest{Customer: parent}, HeartbeatSeconds: 61},
		{Context: &rapportv1.GetCustomerContextRequest{}},
	} {
		s, err := ts.contexts.WatchCustomerContext(t.Context(), bad)
		if err == nil {
			_, err = s.Recv()
		}
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("%v: %v, want INVALID_ARGUMENT", bad, err)
		}
	}
	// Shutdown ends the stream promptly, with UNAVAILABLE.
	ended := make(chan error, 1)
	go func() {
		for {
			if _, err := first.Recv(); err != nil {
				ended <- err
				return
			}
		}
	}()
	srv.StopWatches()
	select {
	case err := <-ended:
		if status.Code(err) != codes.Unavailable {
			t.Errorf("stream ended with %v, want UNAVAILABLE", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end on shutdown")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	after, err := ts.contexts.WatchCustomerContext(ctx, req)
	if err == nil {
		_, err = after.Recv()
	}
	if status.Code(err) != codes.Unavailable {
		t.Errorf("a new stream after shutdown: %v, want UNAVAILABLE", err)
	}
}

// A database without change streams (FerretDB, a standalone MongoDB):
// following changes says so once and leaves watchers to the poll.
func TestFollowChangesFallsBackToPolling(t *testing.T) {
	t.Parallel()
	if !repositorytest.Embedded() {
		t.Skip("the MongoDB at " + repositorytest.EnvURI + " may have change streams")
	}
	var logs lockedBuffer
	store := repositorytest.Mongo().New(t, repositorytest.Options{})
	_, srv := startServerWith(t, store, service.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	done := make(chan error, 1)
	go func() { done <- srv.FollowChanges(t.Context(), store) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("FollowChanges kept running on a store without change streams")
	}
	if !strings.Contains(logs.String(), "no change streams on this database") {
		t.Errorf("the fallback was not logged:\n%s", logs.String())
	}
}

// The embedded store pushes the changes made in its process to watchers at
// once: a watcher sees a change long before its poll would.
func TestFollowChangesPushesTheEmbeddedStoresChanges(t *testing.T) {
	t.Parallel()
	store := repositorytest.SQLite().New(t, repositorytest.Options{})
	ts, srv := startServerWith(t, store, service.Options{WatchPollInterval: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.FollowChanges(ctx, store) }()
	parent := ts.newCustomer(t, "ada")
	stream, err := ts.contexts.WatchCustomerContext(ctx, &rapportv1.WatchCustomerContextRequest{
		Context: &rapportv1.GetCustomerContextRequest{Customer: parent},
	})
	if err != nil {
		t.Fatal(err)
	}
	recvContext(t, stream, 5*time.Second)
	ts.record(t, parent, interaction(rapportv1.Channel_CHANNEL_CHAT, 0, "pushed"))
	if cc := recvContext(t, stream, 5*time.Second); len(cc.GetRecentInteractions()) != 1 {
		t.Errorf("after a write, with an hour between polls: %v", cc.GetRecentInteractions())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("FollowChanges: %v", err)
	}
}
