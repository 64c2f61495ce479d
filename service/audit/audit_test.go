package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

type memStore struct {
	mu     sync.Mutex
	events []repository.AuditEvent
}

func (s *memStore) AppendAuditEvents(_ context.Context, events []repository.AuditEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, events...)
	return nil
}

// counter reads one of the writer's counters by name.
func counter(t *testing.T, w *Writer, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(w.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

var errMissing = errors.New("missing")

func newWriter(store Store) *Writer {
	return New(Options{
		Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now,
		Code: func(err error) codes.Code {
			if errors.Is(err, errMissing) {
				return codes.NotFound
			}
			return codes.Internal
		},
		Customer: func(name string) string {
			if id, ok := strings.CutPrefix(name, "customers/"); ok && id != "" && !strings.Contains(id, "/") {
				return name
			}
			return ""
		},
	})
}

// authenticated is ctx as the auth interceptor leaves it, in development
// mode: tenant "default", principal "dev".
func authenticated(t *testing.T) context.Context {
	ctx, err := access.NewAuthenticator(access.AuthConfig{}, nil, time.Now).Authenticate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestEveryAuthenticatedCallLeavesOneEvent(t *testing.T) {
	store := &memStore{}
	w := newWriter(store)
	done := make(chan struct{})
	go func() { w.Run(); close(done) }()
	unary, _ := w.Interceptors()
	info := &grpc.UnaryServerInfo{FullMethod: rapportv1.CustomerService_GetCustomer_FullMethodName}
	call := func(ctx context.Context, req any, noted int) {
		_, _ = unary(ctx, req, info, func(ctx context.Context, _ any) (any, error) {
			for i := range noted {
				NoteCustomer(ctx, fmt.Sprintf("customers/c%d", i))
			}
			NoteCustomer(ctx, "customers/c0") // once only
			return nil, errMissing
		})
	}
	call(authenticated(t), &rapportv1.GetCustomerRequest{Name: "customers/ada"}, 2)
	call(authenticated(t), &rapportv1.GetCustomerRequest{Name: "not a name"}, 600)
	call(t.Context(), &rapportv1.GetCustomerRequest{Name: "customers/ada"}, 1) // health and reflection: no principal
	w.Close()
	<-done

	if len(store.events) != 2 {
		t.Fatalf("%d events, want 2: %v", len(store.events), store.events)
	}
	e := store.events[0]
	if e.Tenant != access.DefaultTenant || e.Principal != "dev" || e.Method != info.FullMethod || e.Code != "NOT_FOUND" ||
		!slices.Equal(e.Customers, []string{"customers/ada", "customers/c0", "customers/c1"}) || e.Omitted != 0 || e.ID == "" {
		t.Errorf("event %+v", e)
	}
	if e := store.events[1]; len(e.Customers) != maxNotedCustomers || e.Omitted != 600-maxNotedCustomers {
		t.Errorf("%d customers listed, %d omitted; want %d and %d", len(e.Customers), e.Omitted, maxNotedCustomers, 600-maxNotedCustomers)
	}
	if n := counter(t, w, "rapport_audit_events_written_total"); n != 2 {
		t.Errorf("written %v, want 2", n)
	}
	// After Close, events are dropped and counted.
	call(authenticated(t), &rapportv1.GetCustomerRequest{Name: "customers/ada"}, 0)
	if n := counter(t, w, "rapport_audit_events_dropped_total"); n != 1 {
		t.Errorf("dropped %v, want 1", n)
	}
}

// Customers named at any depth of a request are noted, once each.
func TestRequestCustomersAreNoted(t *testing.T) {
	w := newWriter(&memStore{})
	ctx := withNotes(authenticated(t))
	w.noteRequestCustomers(ctx, &rapportv1.BatchRecordInteractionsRequest{Requests: []*rapportv1.RecordInteractionRequest{
		{Parent: "customers/ada"}, {Parent: "customers/bob"}, {Parent: "customers/ada"}, {Parent: "elsewhere/x"},
	}})
	if got := notesOf(ctx).customers; !slices.Equal(got, []string{"customers/ada", "customers/bob"}) {
		t.Errorf("noted %v", got)
	}
}
