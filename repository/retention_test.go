package repository_test

import (
	"slices"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// indexes returns the indexes of a collection by name.
func indexes(t *testing.T, db *mongo.Database, coll string) map[string]bson.Raw {
	t.Helper()
	cur, err := db.Collection(coll).Indexes().List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var specs []bson.Raw
	if err := cur.All(t.Context(), &specs); err != nil {
		t.Fatal(err)
	}
	out := map[string]bson.Raw{}
	for _, s := range specs {
		out[s.Lookup("name").StringValue()] = s
	}
	return out
}

func TestTTLIndexOnlyWhereSupported(t *testing.T) {
	t.Parallel()
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		s, db := repositorytest.Store(t, repository.WithTTL(false))
		if s.SupportsTTL() {
			t.Error("SupportsTTL with WithTTL(false)")
		}
		idx := indexes(t, db, "interactions")
		if _, ok := idx["expire_at_ttl"]; ok {
			t.Errorf("TTL index created with TTL support off: %v", idx["expire_at_ttl"])
		}
		if _, ok := idx["tenant_occur"]; !ok {
			t.Errorf("no purge index on interactions: %v", idx)
		}
		if _, ok := indexes(t, db, "contexts")["tenant_first_contact"]; !ok {
			t.Error("no first_contact index on summaries")
		}
	})
	t.Run("detected", func(t *testing.T) {
		t.Parallel()
		s, db := repositorytest.Store(t)
		spec, ok := indexes(t, db, "interactions")["expire_at_ttl"]
		if ok != s.SupportsTTL() {
			t.Fatalf("SupportsTTL %v, TTL index %v", s.SupportsTTL(), spec)
		}
		if repositorytest.Embedded() && s.SupportsTTL() {
			t.Error("the embedded FerretDB v1 has no TTL indexes, but SupportsTTL says it has")
		}
		if ok {
			if secs, _ := spec.Lookup("expireAfterSeconds").AsInt64OK(); secs != 0 {
				t.Errorf("TTL index %v: want expireAfterSeconds 0", spec)
			}
		}
	})
}

// Every start creates the indexes again: that must be a no-op.
func TestEnsureIndexesTwice(t *testing.T) {
	t.Parallel()
	_, db := repositorytest.Store(t)
	before := indexes(t, db, "interactions")
	for range 2 {
		if err := repository.New(db).EnsureIndexes(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if after := indexes(t, db, "interactions"); len(after) != len(before) {
		t.Errorf("indexes %v, then %v", before, after)
	}
}

// rawInteraction reads an interaction as stored.
func rawInteraction(t *testing.T, db *mongo.Database, id string) bson.Raw {
	t.Helper()
	raw, err := db.Collection("interactions").FindOne(t.Context(), bson.D{{Key: "_id", Value: tenant + "/" + id}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestExpireAtWrittenWithRetention(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t, repository.WithTTL(false))
	kept, expiring := newInteraction("ada", "kept", 1), newInteraction("ada", "expiring", 2)
	expiring.Retention = 30 * 24 * time.Hour
	if _, err := s.RecordInteractions(t.Context(), tenant, []repository.NewInteraction{kept, expiring}); err != nil {
		t.Fatal(err)
	}
	if v, err := rawInteraction(t, db, "kept").LookupErr("expire_at"); err == nil {
		t.Errorf("interaction without a retention has expire_at %v", v)
	}
	got, ok := rawInteraction(t, db, "expiring").Lookup("expire_at").TimeOK()
	if want := expiring.Interaction.GetOccurTime().AsTime().Add(30 * 24 * time.Hour); !ok || !got.Equal(want) {
		t.Errorf("expire_at %v (%v), want occur_time + 30 days = %v", got, ok, want)
	}
}

func TestPurgeQueries(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t, repository.WithTTL(false))
	ctx := t.Context()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	record := func(tn, customer, id string, age time.Duration, retention time.Duration) {
		t.Helper()
		it := repository.NewInteraction{CustomerID: customer, InteractionID: id, Retention: retention, Interaction: &rapportv1.Interaction{
			Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: timestamppb.New(now.Add(-age)),
		}}
		res, err := s.RecordInteractions(ctx, tn, []repository.NewInteraction{it})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
	}
	const days = 24 * time.Hour
	record("acme", "ada", "a1", 10*days, 0)
	record("acme", "ada", "a2", 40*days, 0)
	record("acme", "bob", "b1", 100*days, 0)
	record("umbrella", "eve", "u1", 100*days, 0)
	record("initech", "joe", "i1", 100*days, 0)

	// One tenant, then every tenant but two.
	n, err := s.DeleteInteractionsBefore(ctx, repository.TenantScope{Tenant: "acme"}, now.Add(-30*days))
	if err != nil || n != 2 {
		t.Fatalf("deleted %d of acme's, %v; want 2", n, err)
	}
	n, err = s.DeleteInteractionsBefore(ctx, repository.TenantScope{Except: []string{"acme", "umbrella"}}, now.Add(-30*days))
	if err != nil || n != 1 {
		t.Fatalf("deleted %d of the other tenants', %v; want 1 (initech's)", n, err)
	}
	for tn, want := range map[string]int64{"acme": 1, "umbrella": 1, "initech": 0} {
		if got := count(t, db, "interactions", tn); got != want {
			t.Errorf("%s has %d interactions, want %d", tn, got, want)
		}
	}

	// Summaries by first contact: before the cutoff, none (no contacts), and
	// one written before first_contact was a field.
	summary := func(tn, customer string, first time.Time) {
		t.Helper()
		create(t, s, tn, customer)
		if _, err := s.UpdateSummary(ctx, tn, customer, func(sum *repository.Summary) error {
			sum.FirstContact = first
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	summary("acme", "ada", now.Add(-40*days))
	summary("acme", "bob", now.Add(-10*days))
	summary("acme", "cyd", time.Time{})
	summary("acme", "dan", now.Add(-31*days))
	summary("acme", "old", now.Add(-10*days))
	summary("umbrella", "eve", now.Add(-100*days))
	if _, err := db.Collection("contexts").UpdateOne(ctx, bson.D{{Key: "_id", Value: "acme/old"}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "first_contact", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	var got []repository.SummaryRef
	var after repository.SummaryRef
	for {
		page, err := s.SummariesContactedBefore(ctx, repository.TenantScope{Tenant: "acme"}, now.Add(-30*days), after, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1]
	}
	want := []repository.SummaryRef{{Tenant: "acme", CustomerID: "ada"}, {Tenant: "acme", CustomerID: "dan"}, {Tenant: "acme", CustomerID: "old"}}
	if !slices.Equal(got, want) {
		t.Errorf("summaries to rebuild %v, want %v", got, want)
	}
	others, err := s.SummariesContactedBefore(ctx, repository.TenantScope{Except: []string{"acme"}}, now.Add(-30*days), repository.SummaryRef{}, 10)
	if err != nil || !slices.Equal(others, []repository.SummaryRef{{Tenant: "umbrella", CustomerID: "eve"}}) {
		t.Errorf("other tenants' summaries to rebuild %v, %v", others, err)
	}
}

func TestReviseExpiry(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t, repository.WithTTL(false))
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	const days = 24 * time.Hour
	// Recorded under a 30-day retention: 29 days old expires within the
	// hour; 5 days old in 25 days.
	var items []repository.NewInteraction
	for id, age := range map[string]time.Duration{"soon": 29*days + 23*time.Hour + 30*time.Minute, "later": 5 * days} {
		items = append(items, repository.NewInteraction{CustomerID: "ada", InteractionID: id, Retention: 30 * days, Interaction: &rapportv1.Interaction{
			Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: timestamppb.New(now.Add(-age)),
		}})
	}
	if _, err := s.RecordInteractions(ctx, tenant, items); err != nil {
		t.Fatal(err)
	}
	expireAt := func(id string) (time.Time, bool) {
		return rawInteraction(t, db, id).Lookup("expire_at").TimeOK()
	}
	occur := func(id string) time.Time { return rawInteraction(t, db, id).Lookup("occur_time").Time() }
	scope := repository.TenantScope{Tenant: tenant}

	// Unchanged retention: nothing to revise.
	if n, err := s.ReviseExpiry(ctx, scope, 30*days, now, 2*time.Hour); err != nil || n != 0 {
		t.Errorf("revised %d under the same retention, %v", n, err)
	}
	// Lengthened to 60 days: the one due within the horizon is saved, the
	// other is revised later, when it comes near.
	if n, err := s.ReviseExpiry(ctx, scope, 60*days, now, 2*time.Hour); err != nil || n != 1 {
		t.Errorf("revised %d under a longer retention, %v; want 1", n, err)
	}
	if got, _ := expireAt("soon"); !got.Equal(occur("soon").Add(60 * days)) {
		t.Errorf("soon expires at %v, want occur_time + 60 days", got)
	}
	if got, _ := expireAt("later"); !got.Equal(occur("later").Add(30 * days)) {
		t.Errorf("later expires at %v, want its first expiry (not yet due)", got)
	}
	// Near its first expiry, later is revised too.
	if n, err := s.ReviseExpiry(ctx, scope, 60*days, now.Add(25*days), 2*time.Hour); err != nil || n != 1 {
		t.Errorf("revised %d near the first expiry, %v; want 1", n, err)
	}
	// Retention off: expire_at goes, from what comes due within the horizon
	// (soon, now at occur_time + 60 days).
	if n, err := s.ReviseExpiry(ctx, scope, 0, now.Add(30*days), 2*time.Hour); err != nil || n != 1 {
		t.Errorf("cleared %d with the retention off, %v; want 1", n, err)
	}
	if at, ok := expireAt("soon"); ok {
		t.Errorf("soon still expires at %v with the retention off", at)
	}
}
