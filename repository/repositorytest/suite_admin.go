package repositorytest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rapporthq/rapport/repository"
)

func testAPIKeys(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	created := time.Date(2026, 5, 1, 10, 0, 0, 123_000_000, time.UTC)
	k1 := repository.APIKey{ID: "k1", Tenant: "acme", Name: "desk", Scopes: []string{"context.read", "history.write"},
		SecretHash: []byte{1, 2, 3}, CreateTime: created, ExpireTime: created.Add(90 * 24 * time.Hour)}
	k2 := repository.APIKey{ID: "k2", Tenant: "umbrella", Scopes: []string{"admin"}, SecretHash: []byte{4}, CreateTime: created.Add(time.Second)}
	k3 := repository.APIKey{ID: "k3", Tenant: "acme", Scopes: []string{"privacy"}, SecretHash: []byte{5}, CreateTime: created.Add(2 * time.Second)}
	for _, k := range []repository.APIKey{k1, k2, k3} {
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateAPIKey(ctx, repository.APIKey{ID: "k1", Tenant: "other", Scopes: []string{"admin"}, SecretHash: []byte{9}, CreateTime: created}); !errors.Is(err, repository.ErrAlreadyExists) {
		t.Errorf("a taken key ID: %v", err)
	}
	got, err := s.GetAPIKey(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&k1, got); diff != "" {
		t.Errorf("read back differs (-want +got):\n%s", diff)
	}
	if _, err := s.GetAPIKey(ctx, "nope"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("missing key: %v", err)
	}
	ids := func(keys []repository.APIKey) []string {
		var out []string
		for _, k := range keys {
			out = append(out, k.ID)
		}
		return out
	}
	if all, err := s.ListAPIKeys(ctx, ""); err != nil || !slices.Equal(ids(all), []string{"k1", "k2", "k3"}) {
		t.Errorf("every key: %v, %v", ids(all), err)
	}
	if acme, err := s.ListAPIKeys(ctx, "acme"); err != nil || !slices.Equal(ids(acme), []string{"k1", "k3"}) {
		t.Errorf("acme's keys: %v, %v", ids(acme), err)
	}
	at := created.Add(time.Hour)
	revoked, err := s.RevokeAPIKey(ctx, "k1", at)
	if err != nil || !revoked.RevokeTime.Equal(at) {
		t.Fatalf("revoke: %+v, %v", revoked, err)
	}
	again, err := s.RevokeAPIKey(ctx, "k1", at.Add(time.Hour))
	if err != nil || !again.RevokeTime.Equal(at) {
		t.Errorf("second revocation: %+v, %v; want the first time kept", again, err)
	}
	if _, err := s.RevokeAPIKey(ctx, "nope", at); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("revoke a missing key: %v", err)
	}
}

func testAuditEvents(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	base := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var events []repository.AuditEvent
	for i := range 12 {
		ev := repository.AuditEvent{ID: fmt.Sprintf("e%02d", i), Tenant: "acme", Time: base.Add(time.Duration(i/2) * time.Minute),
			Principal: "apiKeys/k1", Method: "/rapport.v1.CustomerService/GetCustomer", Code: "OK"}
		if i%3 == 0 {
			ev.Customers = []string{"customers/ada", "customers/bob"}
		}
		if i == 11 {
			ev.Principal, ev.Code, ev.Omitted = "apiKeys/k2", "NOT_FOUND", 7
		}
		events = append(events, ev)
	}
	events = append(events, repository.AuditEvent{ID: "x", Tenant: "umbrella", Time: base, Principal: "p", Method: "m", Code: "OK", Customers: []string{"customers/ada"}})
	if err := s.AppendAuditEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	// A retried batch stores nothing twice.
	if err := s.AppendAuditEvents(ctx, events[:3]); err != nil {
		t.Fatal(err)
	}
	if n := e.Count(t, s, "audit_events", "acme"); n != 12 {
		t.Errorf("%d acme events, want 12", n)
	}
	list := func(f repository.AuditFilter, size int) []string {
		t.Helper()
		var out []string
		var after *repository.Cursor
		for {
			page, more, err := s.ListAuditEvents(ctx, "acme", f, after, size)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range page {
				out = append(out, ev.ID)
			}
			if !more {
				return out
			}
			last := page[len(page)-1]
			after = &repository.Cursor{Time: last.Time, ID: last.ID}
		}
	}
	if got := list(repository.AuditFilter{}, 5); !slices.Equal(got, []string{"e11", "e10", "e09", "e08", "e07", "e06", "e05", "e04", "e03", "e02", "e01", "e00"}) {
		t.Errorf("every event, newest first: %v", got)
	}
	if got := list(repository.AuditFilter{Customer: "customers/bob"}, 2); !slices.Equal(got, []string{"e09", "e06", "e03", "e00"}) {
		t.Errorf("events naming bob: %v", got)
	}
	if got := list(repository.AuditFilter{Principal: "apiKeys/k2", Code: "NOT_FOUND"}, 10); !slices.Equal(got, []string{"e11"}) {
		t.Errorf("by principal and code: %v", got)
	}
	if got := list(repository.AuditFilter{Times: []repository.TimeCondition{{Op: "$gte", Time: base.Add(2 * time.Minute)}, {Op: "$lt", Time: base.Add(4 * time.Minute)}}}, 10); !slices.Equal(got, []string{"e07", "e06", "e05", "e04"}) {
		t.Errorf("by time: %v", got)
	}
	page, _, err := s.ListAuditEvents(ctx, "acme", repository.AuditFilter{Principal: "apiKeys/k2"}, nil, 10)
	if err != nil || len(page) != 1 {
		t.Fatalf("one event: %v, %v", page, err)
	}
	want := events[11]
	if diff := cmp.Diff(want, page[0]); diff != "" {
		t.Errorf("event read back differs (-want +got):\n%s", diff)
	}
	n, err := s.DeleteAuditEventsBefore(ctx, base.Add(3*time.Minute))
	if err != nil || n != 7 {
		t.Errorf("deleted %d old events, %v; want 7 (6 of acme's, 1 of umbrella's)", n, err)
	}
	if got := list(repository.AuditFilter{Customer: "customers/ada"}, 10); !slices.Equal(got, []string{"e09", "e06"}) {
		t.Errorf("events naming ada after the purge: %v", got)
	}
}
