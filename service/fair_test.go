package service_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// refusal is the reason, retry delay and quota description of a
// RESOURCE_EXHAUSTED error, failing the test if err is not one.
func refusal(t *testing.T, err error) (reason string, retry time.Duration, quota string) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("got %v, want RESOURCE_EXHAUSTED", err)
	}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			reason = d.GetReason()
		case *errdetails.RetryInfo:
			retry = d.GetRetryDelay().AsDuration()
		case *errdetails.QuotaFailure:
			quota = d.GetViolations()[0].GetDescription()
		}
	}
	if retry <= 0 {
		t.Errorf("%v: no RetryInfo", err)
	}
	return reason, retry, quota
}

// metricValue is the value (a histogram's count) of the series of name
// whose labels include labels; -1 if there is none.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for k, v := range labels {
				if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool {
					return l.GetName() == k && l.GetValue() == v
				}) {
					continue metrics
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return -1
}

// eventually waits until cond holds (a state the test drives the server
// into, never a timing), failing after 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("never: %s", what)
		}
	}
}

// A call is charged its cost, not one token: a batch of 500 interactions
// takes at least 500 units of its tenant's burst, the next such batch is
// refused (RESOURCE_EXHAUSTED, RetryInfo, QuotaFailure in cost units)
// without taking any, and what is left serves exactly that many simple
// calls. The clock is frozen: no token comes back during the test.
func TestLimitChargesCallsByCost(t *testing.T) {
	t.Parallel()
	frozen := time.Now()
	is := newIssuer(t)
	var batch rapportv1.BatchRecordInteractionsRequest
	for i := range 500 {
		batch.Requests = append(batch.Requests, &rapportv1.RecordInteractionRequest{Parent: "customers/ada",
			Interaction: interaction(rapportv1.Channel_CHANNEL_EMAIL, i, fmt.Sprint("src-", i))})
	}
	cost := access.Cost(&batch)
	if cost < 500 {
		t.Fatalf("a batch of 500 costs %d units", cost)
	}
	const left = 100
	ts := startServer(t, newStore(t), service.Options{
		Now:    func() time.Time { return frozen },
		Auth:   access.AuthConfig{JWT: is.verifier(t)},
		Limits: access.Limits{TenantRate: 1, TenantBurst: 1 + cost + left},
	})
	ctx := as(t.Context(), is.tenantToken(t, "bulk", allScopes))
	if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada"}}); err != nil {
		t.Fatal(err)
	}
	res, err := ts.interactions.BatchRecordInteractions(ctx, &batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.GetResults()) != 500 || res.GetResults()[0].GetError() != nil {
		t.Fatalf("batch: %d results, first %v", len(res.GetResults()), res.GetResults()[0].GetError())
	}
	_, err = ts.interactions.BatchRecordInteractions(ctx, &batch)
	reason, retry, quota := refusal(t, err)
	if reason != "RATE_LIMITED" || quota != "cost units per second" || retry < time.Duration(cost-left)*time.Second-time.Second {
		t.Errorf("second batch: reason %s, retry %v, quota %q; want RATE_LIMITED, about %ds, cost units", reason, retry, quota, cost-left)
	}
	for i := range left {
		if _, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: "customers/ada"}); err != nil {
			t.Fatalf("simple call %d of the %d units left: %v", i+1, left, err)
		}
	}
	_, err = ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: "customers/ada"})
	if reason, _, _ := refusal(t, err); reason != "RATE_LIMITED" {
		t.Errorf("call past the burst: %s", reason)
	}
}

// With --replicas 4, a tenant's burst of 20 is 5 per replica; refusals are
// counted by tenant class, never by tenant.
func TestLimitDividedByReplicas(t *testing.T) {
	t.Parallel()
	frozen := time.Now()
	is := newIssuer(t)
	reg := prometheus.NewRegistry()
	ts := startServer(t, newStore(t), service.Options{
		Now:     func() time.Time { return frozen },
		Auth:    access.AuthConfig{JWT: is.verifier(t)},
		Metrics: reg,
		Limits:  access.Limits{TenantRate: 1, TenantBurst: 20, Replicas: 4, TenantClasses: map[string]string{"acme": "gold"}},
	})
	ctx := as(t.Context(), is.tenantToken(t, "acme", allScopes))
	get := &rapportv1.GetCustomerRequest{Name: "customers/nobody"}
	for i := range 5 {
		if _, err := ts.customers.GetCustomer(ctx, get); status.Code(err) != codes.NotFound {
			t.Fatalf("call %d of 5: %v, want NOT_FOUND (served)", i+1, err)
		}
	}
	_, err := ts.customers.GetCustomer(ctx, get)
	refusal(t, err)
	if got := metricValue(t, reg, "rapport_admission_rejected_total", map[string]string{"class": "gold", "reason": "rate_limited"}); got != 1 {
		t.Errorf("rate_limited refusals of class gold: %v, want 1", got)
	}
}

// gatedStore holds the heavy tenant's ListCustomers until the test lets
// each through, and notes the order in which calls reach the store.
type gatedStore struct {
	repositorytest.Store
	gate    chan struct{}
	mu      sync.Mutex
	reached []string
}

func (s *gatedStore) note(what string) {
	s.mu.Lock()
	s.reached = append(s.reached, what)
	s.mu.Unlock()
}

func (s *gatedStore) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reached)
}

func (s *gatedStore) ListCustomers(ctx context.Context, tenant string, f repository.CustomerFilter, after string, limit int) ([]*rapportv1.Customer, bool, error) {
	s.note("list " + tenant)
	if tenant == "heavy" {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	return s.Store.ListCustomers(ctx, tenant, f, after, limit)
}

func (s *gatedStore) GetCustomer(ctx context.Context, tenant, id string) (*rapportv1.Customer, error) {
	s.note("get " + tenant)
	return s.Store.GetCustomer(ctx, tenant, id)
}

// The fair queue through the API, without timings: 8 work slots, all
// held by the heavy tenant's page of 500 (a core's worth), two more of its
// pages queued. Its next call finds its queue full (RESOURCE_EXHAUSTED,
// TENANT_QUEUE_FULL, RetryInfo); the calm tenant's call with a short
// deadline ends DEADLINE_EXCEEDED without reaching the store; a calm call
// queued behind the heavy backlog runs first when the slots free; the
// metrics count it all by class.
func TestFairQueueThroughTheAPI(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	reg := prometheus.NewRegistry()
	store := &gatedStore{Store: newStore(t), gate: make(chan struct{})}
	ts := startServer(t, store, service.Options{
		Auth:    access.AuthConfig{JWT: is.verifier(t)},
		Metrics: reg,
		Limits: access.Limits{WorkSlots: 8, TenantWorkSlots: 8, MaxQueuedPerTenant: 2,
			TenantClasses: map[string]string{"heavy": "bulk"}},
	})
	heavy := as(t.Context(), is.tenantToken(t, "heavy", allScopes))
	calm := as(t.Context(), is.tenantToken(t, "calm", allScopes))
	for _, ctx := range []context.Context{heavy, calm} {
		if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada"}}); err != nil {
			t.Fatal(err)
		}
	}
	page := &rapportv1.ListCustomersRequest{PageSize: 500}
	if slots := min(access.Cost(page), access.SlotsPerCore); slots != 8 {
		t.Fatalf("a page of 500 holds %d slots, want 8", slots)
	}
	queued := func(class string) func() bool {
		return func() bool {
			return metricValue(t, reg, "rapport_admission_queued", map[string]string{"class": class}) == float64(map[string]int{"bulk": 2, "default": 1}[class])
		}
	}
	store.mu.Lock()
	store.reached = nil
	store.mu.Unlock()

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	list := func() { wg.Go(func() { _, err := ts.customers.ListCustomers(heavy, page); errs <- err }) }
	list()
	eventually(t, "the first heavy page reaches the store", func() bool { return slices.Contains(store.log(), "list heavy") })
	list()
	list()
	eventually(t, "two heavy pages queued", queued("bulk"))

	_, err := ts.customers.ListCustomers(heavy, page)
	if reason, _, _ := refusal(t, err); reason != "TENANT_QUEUE_FULL" {
		t.Errorf("heavy call on a full queue: reason %s", reason)
	}

	short, cancel := context.WithTimeout(calm, 50*time.Millisecond)
	_, err = ts.customers.GetCustomer(short, &rapportv1.GetCustomerRequest{Name: "customers/ada"})
	cancel()
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("calm call while every slot is held: %v, want DEADLINE_EXCEEDED", err)
	}
	// The server's deadline is the client's timeout counted from when the
	// server read the call: on a loaded machine it ends after the client
	// gave up. Wait for the server to drop the call from its queue, or the
	// next calm call could find this one still queued in its place.
	eventually(t, "the server drops the call that timed out", func() bool {
		return metricValue(t, reg, "rapport_admission_rejected_total", map[string]string{"class": "default", "reason": "deadline"}) == 1
	})
	if slices.Contains(store.log(), "get calm") {
		t.Errorf("the call that timed out in the queue reached the store: %v", store.log())
	}

	wg.Go(func() {
		_, err := ts.customers.GetCustomer(calm, &rapportv1.GetCustomerRequest{Name: "customers/ada"})
		errs <- err
	})
	eventually(t, "the calm call queued", queued("default"))
	for range 3 {
		store.gate <- struct{}{}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("queued call: %v", err)
		}
	}
	want := []string{"list heavy", "get calm", "list heavy", "list heavy"}
	if got := store.log(); !slices.Equal(got, want) {
		t.Errorf("calls reached the store in the order %v, want %v (the calm call ahead of the heavy backlog)", got, want)
	}
	for _, m := range []struct {
		name   string
		labels map[string]string
		want   func(float64) bool
	}{
		{"rapport_admission_rejected_total", map[string]string{"class": "bulk", "reason": "queue_full"}, func(v float64) bool { return v == 1 }},
		{"rapport_admission_rejected_total", map[string]string{"class": "default", "reason": "deadline"}, func(v float64) bool { return v == 1 }},
		{"rapport_admission_queue_seconds", map[string]string{"class": "default"}, func(v float64) bool { return v == 2 }},
		{"rapport_admission_queue_seconds", map[string]string{"class": "bulk"}, func(v float64) bool { return v == 2 }},
		{"rapport_admission_cost_units_total", map[string]string{"class": "bulk"}, func(v float64) bool { return v >= 3*10 }},
		{"rapport_admission_queued", map[string]string{"class": "bulk"}, func(v float64) bool { return v == 0 }},
	} {
		if got := metricValue(t, reg, m.name, m.labels); !m.want(got) {
			t.Errorf("%s%v = %v", m.name, m.labels, got)
		}
	}
}
