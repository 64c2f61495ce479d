package service_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/retention"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
)

const days = 24 * time.Hour

// retentionServer serves a fresh database with a retention policy.
func retentionServer(t *testing.T, policy retention.Policy) (*testServer, *service.Server, repositorytest.Store) {
	t.Helper()
	store := newStore(t)
	ts, srv := startServerWith(t, store, service.Options{Retention: policy})
	return ts, srv, store
}

// expiry is the stored expiry of an interaction (by resource name).
func expiry(t *testing.T, store repositorytest.Store, name string) (time.Time, bool) {
	t.Helper()
	return engine().ExpireAt(t, store, access.DefaultTenant, name[strings.LastIndex(name, "/")+1:])
}

// history records, for a new customer, interactions 10, 40 and 100 days
// old: the 40-day one with a CSAT answer, the 100-day one on an issue with
// a fact. It returns their names, newest first, and the issue.
func (ts *testServer) history(t *testing.T, id string) ([]string, *rapportv1.Issue) {
	t.Helper()
	parent := ts.newCustomer(t, id)
	issue := ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Refund", Topic: "billing"})
	csat := int32(2)
	ins := []*rapportv1.Interaction{
		{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(10 * days), Summary: "recent", Topics: []string{"delivery"}, SourceSystem: "crm", SourceId: id + "-10"},
		{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(40 * days), Summary: "older", Topics: []string{"billing"}, SourceSystem: "crm", SourceId: id + "-40",
			Survey: &rapportv1.SurveyAnswers{Csat: &csat}},
		{Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: ago(100 * days), Summary: "oldest", Issue: issue.GetName(), SourceSystem: "crm", SourceId: id + "-100",
			Facts: []*rapportv1.Fact{{Key: "order_number", Value: "A-1"}}},
	}
	var names []string
	for _, in := range ins {
		names = append(names, ts.record(t, parent, in).GetInteraction().GetName())
	}
	return names, issue
}

func (ts *testServer) interactionNames(t *testing.T, parent string) []string {
	t.Helper()
	res, err := ts.interactions.ListInteractions(t.Context(), &rapportv1.ListInteractionsRequest{Parent: parent, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range res.GetInteractions() {
		names = append(names, in.GetName())
	}
	return names
}

func contextNames(cc *rapportv1.CustomerContext) []string {
	var names []string
	for _, in := range cc.GetRecentInteractions() {
		names = append(names, in.GetName())
	}
	return names
}

// counts returns a context's contact totals for 7, 30 and 90 days.
func counts(cc *rapportv1.CustomerContext) []int32 {
	var out []int32
	for _, c := range cc.GetContactCounts() {
		out = append(out, c.GetTotal())
	}
	return out
}

var ignoreComputeTime = protocmp.IgnoreFields(&rapportv1.CustomerContext{}, "compute_time")

func TestRetentionPurgeKeepsContextsConsistent(t *testing.T) {
	t.Parallel()
	ts, srv, db := retentionServer(t, retention.Policy{Tenants: map[string]time.Duration{access.DefaultTenant: 30 * days}})
	ctx := t.Context()
	ada, issue := ts.history(t, "ada")
	bob := ts.record(t, ts.newCustomer(t, "bob"), &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(100 * days), Summary: "long ago"}).GetInteraction().GetName()

	// Recorded with their expiry.
	recent, err := ts.interactions.GetInteraction(ctx, &rapportv1.GetInteractionRequest{Name: ada[0]})
	if err != nil {
		t.Fatal(err)
	}
	if at, ok := expiry(t, db, ada[0]); !ok || !at.Equal(recent.GetInteraction().GetOccurTime().AsTime().Add(30*days)) {
		t.Errorf("expire_at %v (%v) for occur_time %v, want 30 days later", at, ok, recent.GetInteraction().GetOccurTime().AsTime())
	}
	before := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"})
	if !slices.Equal(contextNames(before), ada) || !slices.Equal(counts(before), []int32{0, 1, 2}) {
		t.Fatalf("before the purge: recent %v, counts %v", contextNames(before), counts(before))
	}

	res, err := srv.PurgeOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res != (retention.PurgeResult{Interactions: 3, Summaries: 2}) {
		t.Errorf("purge %+v, want 3 interactions deleted (ada's 40- and 100-day, bob's) and 2 summaries rebuilt", res)
	}

	if got := ts.interactionNames(t, "customers/ada"); !slices.Equal(got, ada[:1]) {
		t.Errorf("ada's interactions after the purge: %v, want %v", got, ada[:1])
	}
	if _, err := ts.interactions.GetInteraction(ctx, &rapportv1.GetInteractionRequest{Name: ada[2]}); status.Code(err) != codes.NotFound {
		t.Errorf("purged interaction read: %v", err)
	}
	after := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"})
	if !slices.Equal(contextNames(after), ada[:1]) || !slices.Equal(counts(after), []int32{0, 1, 1}) {
		t.Errorf("after the purge: recent %v, counts %v", contextNames(after), counts(after))
	}
	if since, want := after.GetCustomerSince().AsTime(), time.Now().Add(-10*days); since.Sub(want).Abs() > time.Minute {
		t.Errorf("customer since %v, want the kept interaction's time (%v)", since, want)
	}
	if after.GetSatisfaction().GetCsat() != nil {
		t.Errorf("CSAT of a purged interaction kept: %v", after.GetSatisfaction().GetCsat())
	}
	if slices.ContainsFunc(after.GetRepeatContacts(), func(rc *rapportv1.RepeatContact) bool { return rc.GetTopic() == "billing" }) {
		t.Errorf("topic counts of purged interactions kept: %v", after.GetRepeatContacts())
	}
	// The purge's summary is what a full rebuild gives.
	rebuilt, err := ts.contexts.RebuildCustomerContext(ctx, &rapportv1.RebuildCustomerContextRequest{Customer: "customers/ada"})
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt.GetInteractionsRead() != 1 {
		t.Errorf("rebuild read %d interactions, want 1", rebuilt.GetInteractionsRead())
	}
	if diff := cmp.Diff(rebuilt.GetContext(), after, protocmp.Transform(), ignoreComputeTime); diff != "" {
		t.Errorf("context after the purge differs from a full rebuild (-rebuilt +purged):\n%s", diff)
	}
	if again := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"}); !cmp.Equal(after, again, protocmp.Transform(), ignoreComputeTime) {
		t.Error("the rebuild changed the purged context")
	}
	bobCtx := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: "customers/bob"})
	if len(bobCtx.GetRecentInteractions()) != 0 || bobCtx.GetLastContactTime() != nil || !slices.Equal(counts(bobCtx), []int32{0, 0, 0}) {
		t.Errorf("bob's context still shows %s: %v", bob, bobCtx)
	}

	// Issues and their facts stay until the customer is erased.
	res2, err := ts.issues.GetIssue(ctx, &rapportv1.GetIssueRequest{Name: issue.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	got := res2.GetIssue()
	if !slices.Contains(got.GetInteractions(), ada[2]) || len(got.GetFacts()) != 1 {
		t.Errorf("issue after the purge: %v", got)
	}

	// Nothing more to do: a second run changes nothing.
	if res, err := srv.PurgeOnce(ctx); err != nil || res != (retention.PurgeResult{}) {
		t.Errorf("second purge: %+v, %v; want nothing done", res, err)
	}
	if again := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"}); !cmp.Equal(after, again, protocmp.Transform(), ignoreComputeTime) {
		t.Error("the second purge changed the context")
	}
}

func TestRetentionZeroKeepsEverything(t *testing.T) {
	t.Parallel()
	for name, policy := range map[string]retention.Policy{
		"no policy":         {},
		"tenant kept":       {Default: 30 * days, Tenants: map[string]time.Duration{access.DefaultTenant: 0}},
		"other tenant only": {Tenants: map[string]time.Duration{"acme": 30 * days}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts, srv, db := retentionServer(t, policy)
			ada, _ := ts.history(t, "ada")
			before := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"})
			res, err := srv.PurgeOnce(t.Context())
			if err != nil || res != (retention.PurgeResult{}) {
				t.Errorf("purge %+v, %v; want nothing done", res, err)
			}
			if got := ts.interactionNames(t, "customers/ada"); !slices.Equal(got, ada) {
				t.Errorf("interactions %v, want all of %v", got, ada)
			}
			if after := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"}); !cmp.Equal(before, after, protocmp.Transform(), ignoreComputeTime) {
				t.Error("context changed")
			}
			for _, name := range ada {
				if at, ok := expiry(t, db, name); ok {
					t.Errorf("%s, kept forever, expires at %v", name, at)
				}
			}
		})
	}
}

// What the TTL index deletes (or a purge that died between deleting and
// rebuilding) leaves summaries that still count the deleted interactions.
// The next purge rebuilds them.
func TestPurgeRepairsSummariesLeftBehind(t *testing.T) {
	t.Parallel()
	ts, srv, db := retentionServer(t, retention.Policy{Default: 30 * days})
	ctx := t.Context()
	ada, _ := ts.history(t, "ada")
	ts.history(t, "bob")
	// The TTL monitor's delete.
	engine().DeleteExpired(t, db, time.Now())
	if stale := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"}); len(stale.GetRecentInteractions()) != 3 {
		t.Fatalf("the summary should still list the deleted interactions: %v", contextNames(stale))
	}
	res, err := srv.PurgeOnce(ctx)
	if err != nil || res != (retention.PurgeResult{Summaries: 2}) {
		t.Errorf("purge %+v, %v; want 2 summaries rebuilt, nothing left to delete", res, err)
	}
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"})
	if !slices.Equal(contextNames(cc), ada[:1]) || !slices.Equal(counts(cc), []int32{0, 1, 1}) {
		t.Errorf("after the purge: recent %v, counts %v", contextNames(cc), counts(cc))
	}
	if res, err := srv.PurgeOnce(ctx); err != nil || res != (retention.PurgeResult{}) {
		t.Errorf("second purge: %+v, %v; want nothing done", res, err)
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPurgeExpiredRunsAtStartAndStops(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	var logs syncBuffer
	ts, srv := startServerWith(t, store, service.Options{
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
		Retention: retention.Policy{Default: 30 * days},
	})
	ts.history(t, "ada")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.PurgeExpired(ctx, time.Hour) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "retention purge done") {
		if time.Now().After(deadline) {
			t.Fatalf("no purge logged:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("PurgeExpired: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("PurgeExpired did not stop")
	}
	out := logs.String()
	mode := "TTL index deletes"
	if !store.SupportsTTL() {
		mode = "no TTL indexes"
	}
	if !strings.Contains(out, mode) || !strings.Contains(out, "interactions_deleted=2") || !strings.Contains(out, "summaries_rebuilt=1") {
		t.Errorf("purge log should give the mode (%q) and what it did:\n%s", mode, out)
	}
}
