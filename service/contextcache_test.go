package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// counterValue reads a counter of the registry (0 when absent).
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// The context cache changes no answer: a server with it answers every
// request shape as a server without it on the same store, before and after
// writes through another server, another process on the same data, and an
// erasure; a read after a write never comes from the cache; and what it
// keeps is read again only while the store holds it unchanged.
func TestContextCacheAnswersAsTheStoreDoes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := engine().New(t, repositorytest.Options{Now: clock})
	reg := prometheus.NewRegistry()
	cached := startServer(t, store, service.Options{Now: clock, Metrics: reg})
	plain := startServer(t, store, service.Options{Now: clock, ContextCacheBytes: -1})
	other := startServer(t, engine().Reopen(t, store, repositorytest.Options{Now: clock}), service.Options{Now: clock, ContextCacheBytes: -1})
	ctx := t.Context()

	parent := cached.newCustomer(t, "ada")
	issue, err := cached.issues.CreateIssue(ctx, &rapportv1.CreateIssueRequest{Parent: parent, IssueId: "charge",
		Issue: &rapportv1.Issue{Title: "Charged twice", Topic: "billing"}})
	if err != nil {
		t.Fatal(err)
	}
	record := func(ts *testServer, i int, topic string) {
		t.Helper()
		in := &rapportv1.Interaction{Channel: rapportv1.Channel(1 + i%4), OccurTime: timestamppb.New(now.Add(-time.Duration(30-i) * time.Hour)),
			Topics: []string{topic}, Summary: fmt.Sprint("Asked about the invoice, call ", i), SourceSystem: "test", SourceId: fmt.Sprint("c", i),
			Text: "I was charged twice for my invoice and I am really annoyed, order 55512-77"}
		if i%2 == 0 {
			in.Issue = issue.GetIssue().GetName()
		}
		if _, err := ts.interactions.RecordInteraction(ctx, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		record(cached, i, []string{"billing", "invoices", "payment"}[i%3])
	}
	limit := int32(2)
	requests := []*rapportv1.GetCustomerContextRequest{
		{Customer: parent},
		{Customer: parent, RecentInteractionLimit: &limit},
		{Customer: parent, Channel: rapportv1.Channel_CHANNEL_SMS},
		{Customer: parent, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"hints", "open_issues"}}},
		{Customer: parent, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"recent_interactions"}}},
	}
	same := func(step string) {
		t.Helper()
		for round := range 2 { // the second round reads what the first cached
			for i, req := range requests {
				got, err := cached.contexts.GetCustomerContext(ctx, req)
				if err != nil {
					t.Fatalf("%s: request %d: %v", step, i, err)
				}
				want, err := plain.contexts.GetCustomerContext(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				if !proto.Equal(got, want) {
					t.Fatalf("%s, round %d: request %d answered\n%v\nwithout the cache:\n%v", step, round, i, got, want)
				}
			}
		}
	}
	hits := func() float64 { return counterValue(t, reg, "rapport_context_cache_hits_total") }
	misses := func() float64 { return counterValue(t, reg, "rapport_context_cache_misses_total") }

	same("first reads")
	if h, m := hits(), misses(); m != 1 || h != float64(2*len(requests)-1) {
		t.Fatalf("after %d reads of one unchanged summary: %v hits, %v misses; want %d and 1", 2*len(requests), h, m, 2*len(requests)-1)
	}

	// A write through another server of the same store, then through
	// another process on the same data: the next read is a miss and shows it.
	for step, ts := range []*testServer{plain, other} {
		h, m := hits(), misses()
		record(ts, 10+step, "refund")
		got, err := cached.contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: parent})
		if err != nil {
			t.Fatal(err)
		}
		if hits() != h || misses() != m+1 {
			t.Fatalf("the read after a write was served from the cache (hits %v → %v)", h, hits())
		}
		if n := got.GetContext().GetRecentInteractions()[0].GetSummary(); n != fmt.Sprint("Asked about the invoice, call ", 10+step) {
			t.Fatalf("after the write, the latest contact is %q", n)
		}
		same(fmt.Sprint("after write ", step))
	}

	// An erasure through another server: the cached server finds nothing.
	if _, err := plain.customers.DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: parent}); err != nil {
		t.Fatal(err)
	}
	_, err = cached.contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("context of an erased customer: %v, want NotFound", err)
	}
	// Recreated under the same ID (the same clock, so the same times): the
	// new customer's context, not the erased one's.
	if _, err := plain.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Another Ada"}}); err != nil {
		t.Fatal(err)
	}
	got, err := cached.contexts.GetCustomerContext(context.Background(), &rapportv1.GetCustomerContextRequest{Customer: parent})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetContext().GetProfile().GetDisplayName() != "Another Ada" || len(got.GetContext().GetRecentInteractions()) != 0 {
		t.Fatalf("recreated customer reads %q with %d contacts", got.GetContext().GetProfile().GetDisplayName(), len(got.GetContext().GetRecentInteractions()))
	}
	same("recreated")
}

// Two tenants with a customer of the same ID each read their own context
// through one server's cache, alternately.
func TestContextCacheKeepsTenantsApart(t *testing.T) {
	t.Parallel()
	ts, _, is := authServer(t, service.Options{})
	a := as(t.Context(), is.tenantToken(t, "tenant-a", allScopes))
	b := as(t.Context(), is.tenantToken(t, "tenant-b", allScopes))
	for _, c := range []struct {
		ctx  context.Context
		name string
	}{{a, "Ada of A"}, {b, "Ada of B"}} {
		if _, err := ts.customers.CreateCustomer(c.ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: c.name}}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		for _, c := range []struct {
			ctx  context.Context
			name string
		}{{a, "Ada of A"}, {b, "Ada of B"}} {
			got, err := ts.contexts.GetCustomerContext(c.ctx, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"})
			if err != nil {
				t.Fatal(err)
			}
			if n := got.GetContext().GetProfile().GetDisplayName(); n != c.name {
				t.Fatalf("read %q, want %q", n, c.name)
			}
		}
	}
}
