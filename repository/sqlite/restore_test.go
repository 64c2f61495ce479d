package sqlite_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/mongo"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/repository/sqlite"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Records dumped from the MongoDB adapter and restored here read back the
// same through the contract: names, revisions (etags), times, links,
// summaries, keys and the audit trail; identities resolve; and the store
// then works as any other (a new write).
func TestRestoreFromTheMongoDBAdapter(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// A store of before encryption: migrate carries records as stored.
	src := repositorytest.Mongo().New(t, repositorytest.Options{Plain: true})
	const tenant = "acme"
	if _, err := src.CreateCustomer(ctx, tenant, repository.CreateRequest{CustomerID: "ada", RequestID: "r1", Fingerprint: "f",
		Customer: &rapportv1.Customer{DisplayName: "Ada", Identities: []*rapportv1.Identity{{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: "ada@example.com"}},
			Preferences: &rapportv1.Preferences{LanguageCode: "en", Consents: []*rapportv1.ChannelConsent{{Channel: rapportv1.Channel_CHANNEL_SMS, Status: rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED}}},
			Traits:      map[string]string{"plan": "gold"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.UpdateCustomer(ctx, tenant, "ada", "", func(c *rapportv1.Customer) error { c.PreferredName = "Countess"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateIssue(ctx, tenant, repository.CreateIssueRequest{CustomerID: "ada", IssueID: "refund", RequestID: "r2", Fingerprint: "g",
		Issue: &rapportv1.Issue{Title: "Refund", Topic: "billing", Facts: []*rapportv1.Fact{{Key: "order", Value: "A-1", GiveTime: timestamppb.Now()}}}}); err != nil {
		t.Fatal(err)
	}
	occur := time.Now().Add(-time.Hour)
	if _, err := src.RecordInteractions(ctx, tenant, []repository.NewInteraction{{CustomerID: "ada", InteractionID: "i1", IssueID: "refund", Fingerprint: "fp",
		Retention: 30 * 24 * time.Hour, Interaction: &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: timestamppb.New(occur),
			Summary: "asked about the refund", Text: "Where is my money?", Topics: []string{"billing"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.UpdateSummary(ctx, tenant, "ada", func(sum *repository.Summary) error {
		sum.FirstContact, sum.LastContact, sum.LastChannel, sum.Customer = occur, occur, 2, []byte("profile")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	key := repository.APIKey{ID: "k1", Tenant: tenant, Name: "desk", Scopes: []string{"admin"}, SecretHash: []byte{1, 2}, CreateTime: time.Now().UTC().Truncate(time.Millisecond)}
	if err := src.CreateAPIKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	event := repository.AuditEvent{ID: "e1", Tenant: tenant, Time: time.Now().UTC().Truncate(time.Millisecond), Principal: "apiKeys/k1", Method: "m", Code: "OK", Customers: []string{"customers/ada"}}
	if err := src.AppendAuditEvents(ctx, []repository.AuditEvent{event}); err != nil {
		t.Fatal(err)
	}

	dst, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	var batch []repository.Record
	if err := src.(*mongo.Store).Dump(ctx, func(r repository.Record) error { batch = append(batch, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := dst.Restore(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := dst.Restore(ctx, batch[:1]); err == nil {
		t.Error("restoring a record again was accepted")
	}

	same := func(what string, a, b any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if diff := cmp.Diff(a, b, protocmp.Transform()); diff != "" {
			t.Errorf("%s differs after the migration (-mongo +sqlite):\n%s", what, diff)
		}
	}
	get := func(s repositorytest.Store) (any, error) { return s.GetCustomer(ctx, tenant, "ada") }
	a, _ := get(src)
	b, err := get(dst)
	same("customer", a, b, err)
	ia, _ := src.GetIssue(ctx, tenant, "ada", "refund")
	ib, err := dst.GetIssue(ctx, tenant, "ada", "refund")
	same("issue", ia, ib, err)
	la, _, _ := src.ListInteractions(ctx, tenant, "ada", repository.InteractionFilter{IssueID: "refund", Topics: []string{"billing"}}, nil, 10)
	lb, _, err := dst.ListInteractions(ctx, tenant, "ada", repository.InteractionFilter{IssueID: "refund", Topics: []string{"billing"}}, nil, 10)
	same("interactions", la, lb, err)
	sa, _ := src.GetSummary(ctx, tenant, "ada")
	sb, err := dst.GetSummary(ctx, tenant, "ada")
	same("summary", sa, sb, err)
	ka, _ := src.GetAPIKey(ctx, "k1")
	kb, err := dst.GetAPIKey(ctx, "k1")
	same("api key", ka, kb, err)
	ea, _, _ := src.ListAuditEvents(ctx, tenant, repository.AuditFilter{Customer: "customers/ada"}, nil, 10)
	eb, _, err := dst.ListAuditEvents(ctx, tenant, repository.AuditFilter{Customer: "customers/ada"}, nil, 10)
	same("audit events", ea, eb, err)
	if id, err := dst.ResolveIdentity(ctx, tenant, rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "ada@example.com"); err != nil || id != "ada" {
		t.Errorf("identity after the migration: %q, %v", id, err)
	}
	// The request IDs still make retries idempotent.
	again, err := dst.CreateCustomer(ctx, tenant, repository.CreateRequest{CustomerID: "other", RequestID: "r1", Fingerprint: "f", Customer: &rapportv1.Customer{DisplayName: "Ada"}})
	if err != nil || again.GetName() != "customers/ada" {
		t.Errorf("a retry after the migration: %v, %v", again.GetName(), err)
	}
	if _, err := dst.UpdateCustomer(ctx, tenant, "ada", b.(*rapportv1.Customer).GetEtag(), func(c *rapportv1.Customer) error { c.DisplayName = "Ada L."; return nil }); err != nil {
		t.Errorf("an update with the etag from before the migration: %v", err)
	}
	if at, ok := repositorytest.SQLite().ExpireAt(t, dst, tenant, "i1"); !ok || !at.Equal(occur.Add(30*24*time.Hour).Truncate(time.Millisecond).UTC()) {
		t.Errorf("expiry after the migration: %v, %v", at, ok)
	}
}
