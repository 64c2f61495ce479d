package watch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// revisions is a store of summary revisions.
type revisions struct {
	mu  sync.Mutex
	rev map[string]int64
}

func (r *revisions) GetSummary(_ context.Context, tenant, customerID string) (*repository.Summary, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return &repository.Summary{CustomerID: customerID, Revision: r.rev[tenant+"/"+customerID]}, nil
}

func (r *revisions) bump(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rev[key]++
}

func newHub(t *testing.T, store Store, max, perTenant int) *Hub {
	h := New(store, 5*time.Millisecond, max, perTenant, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(h.Close)
	return h
}

func notified(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-time.After(time.Second):
		return false
	}
}

func TestHubNotifiesOnChange(t *testing.T) {
	store := &revisions{rev: map[string]int64{}}
	h := newHub(t, store, 0, 0)
	a1, _, release1, err := h.Subscribe("acme", "ada", 0)
	if err != nil {
		t.Fatal(err)
	}
	a2, _, release2, _ := h.Subscribe("acme", "ada", 0)
	b, _, releaseB, _ := h.Subscribe("acme", "bob", 0)
	defer release2()
	defer releaseB()
	// The poller sees the revision move: both of ada's streams hear of it.
	store.bump("acme/ada")
	if !notified(a1) || !notified(a2) {
		t.Fatal("a change of ada's summary was not notified to her streams")
	}
	select {
	case <-b:
		t.Error("bob's stream heard of ada's change")
	default:
	}
	// A change stream's push arrives without the poller; many coalesce
	// into one pending notification.
	for range 3 {
		h.Changed("acme", "bob")
	}
	if !notified(b) {
		t.Fatal("a pushed change was not notified")
	}
	select {
	case <-b:
		t.Error("three pushes gave more than one pending notification")
	default:
	}
	if h.Count() != 3 {
		t.Errorf("%d streams, want 3", h.Count())
	}
	release1()
	release1() // twice is harmless
	if h.Count() != 2 {
		t.Errorf("%d streams after a release, want 2", h.Count())
	}
}

func TestHubLimitsAndClose(t *testing.T) {
	h := newHub(t, &revisions{rev: map[string]int64{}}, 3, 2)
	if h.Max() != 3 || h.MaxPerTenant() != 2 {
		t.Errorf("limits %d, %d", h.Max(), h.MaxPerTenant())
	}
	subscribe := func(tenant string) error {
		_, _, _, err := h.Subscribe(tenant, "ada", 0)
		return err
	}
	_, done, _, err := h.Subscribe("acme", "ada", 0)
	if err != nil || subscribe("acme") != nil {
		t.Fatal("two streams of one tenant refused")
	}
	if err := subscribe("acme"); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("a tenant's third stream: %v, want RESOURCE_EXHAUSTED", err)
	}
	if subscribe("initech") != nil {
		t.Fatal("another tenant's stream refused")
	}
	if err := subscribe("umbrella"); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("the process's fourth stream: %v, want RESOURCE_EXHAUSTED", err)
	}
	h.Close()
	select {
	case <-done:
	default:
		t.Error("Close did not end the streams")
	}
	if err := subscribe("initech"); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}

func TestHubDefaults(t *testing.T) {
	h := New(&revisions{}, 0, 0, 5000, nil)
	defer h.Close()
	if h.Max() != defaultMaxWatchCount || h.MaxPerTenant() != defaultMaxWatchCount || h.interval != defaultWatchPoll {
		t.Errorf("max %d, per tenant %d, interval %v", h.Max(), h.MaxPerTenant(), h.interval)
	}
}
