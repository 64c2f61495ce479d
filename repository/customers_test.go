package repository_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/google/go-cmp/cmp"
)

func TestMain(m *testing.M) { os.Exit(repositorytest.Main(m)) }

const tenant = "acme"

func email(v string) *rapportv1.Identity {
	return &rapportv1.Identity{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: v}
}

func newCustomer(name string, ids ...*rapportv1.Identity) *rapportv1.Customer {
	return &rapportv1.Customer{DisplayName: name, Identities: ids, Preferences: &rapportv1.Preferences{}}
}

func create(t *testing.T, s *repository.Store, tenant, id string, ids ...*rapportv1.Identity) *rapportv1.Customer {
	t.Helper()
	c, err := s.CreateCustomer(t.Context(), tenant, repository.CreateRequest{CustomerID: id, Customer: newCustomer("Customer "+id, ids...)})
	if err != nil {
		t.Fatalf("create %s: %v", id, err)
	}
	return c
}

// count returns how many documents of tenant a collection holds.
func count(t *testing.T, db *mongo.Database, coll, tenant string) int64 {
	t.Helper()
	n, err := db.Collection(coll).CountDocuments(t.Context(), bson.D{{Key: "tenant", Value: tenant}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateGetRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := repositorytest.Store(t)
	in := &rapportv1.Customer{
		DisplayName:   "Ada Lovelace",
		PreferredName: "Ada",
		Identities:    []*rapportv1.Identity{email("ada@example.com"), {Type: rapportv1.IdentityType_IDENTITY_TYPE_PHONE, Value: "+14155550100", Verified: true}},
		Preferences: &rapportv1.Preferences{
			LanguageCode: "en-GB", TimeZone: "Europe/London", PreferredChannel: rapportv1.Channel_CHANNEL_EMAIL,
			ContactWindows:     []*rapportv1.ContactWindow{{Days: []rapportv1.DayOfWeek{rapportv1.DayOfWeek_DAY_OF_WEEK_MONDAY}, StartTime: "09:00", EndTime: "17:00"}},
			CommunicationStyle: rapportv1.CommunicationStyle_COMMUNICATION_STYLE_FORMAL,
			AccessibilityNeeds: []rapportv1.AccessibilityNeed{rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_HEARING},
			AccessibilityNotes: "prefers chat",
			Consents:           []*rapportv1.ChannelConsent{{Channel: rapportv1.Channel_CHANNEL_SMS, Status: rapportv1.ConsentStatus_CONSENT_STATUS_DENIED}},
		},
		Traits: map[string]string{"plan": "premium"},
		Tags:   []string{"vip"},
	}
	created, err := s.CreateCustomer(t.Context(), tenant, repository.CreateRequest{CustomerID: "ada", Customer: proto.Clone(in).(*rapportv1.Customer)})
	if err != nil {
		t.Fatal(err)
	}
	if created.GetName() != "customers/ada" || created.GetEtag() == "" || created.GetCreateTime() == nil ||
		created.GetPreferences().GetConsents()[0].GetUpdateTime() == nil {
		t.Fatalf("output fields not set: %v", created)
	}
	got, err := s.GetCustomer(t.Context(), tenant, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(created, got, protocmp.Transform()); diff != "" {
		t.Errorf("read back differs from create result (-create +get):\n%s", diff)
	}
	want := proto.Clone(in).(*rapportv1.Customer)
	if diff := cmp.Diff(want, got, protocmp.Transform(),
		protocmp.IgnoreFields(&rapportv1.Customer{}, "name", "etag", "create_time", "update_time"),
		protocmp.IgnoreFields(&rapportv1.ChannelConsent{}, "update_time")); diff != "" {
		t.Errorf("stored customer differs from input (-want +got):\n%s", diff)
	}
}

func TestGetMissingAndOtherTenant(t *testing.T) {
	t.Parallel()
	s, _ := repositorytest.Store(t)
	create(t, s, tenant, "ada", email("ada@example.com"))
	if _, err := s.GetCustomer(t.Context(), tenant, "nobody"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("missing customer: got %v, want ErrNotFound", err)
	}
	if _, err := s.GetCustomer(t.Context(), "other", "ada"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("other tenant's customer: got %v, want ErrNotFound", err)
	}
	if _, _, err := s.LookupIdentity(t.Context(), "other", rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "ada@example.com"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("other tenant's identity: got %v, want ErrNotFound", err)
	}
	// The same identity is free in another tenant.
	create(t, s, "other", "ada2", email("ada@example.com"))
}

func TestCreateIdempotentByRequestID(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t)
	req := repository.CreateRequest{CustomerID: "first-id", RequestID: "r1", Fingerprint: "f1", Customer: newCustomer("Ada", email("ada@example.com"))}
	first, err := s.CreateCustomer(t.Context(), tenant, req)
	if err != nil {
		t.Fatal(err)
	}
	// A retry may come with another generated ID: it still gets the first.
	retry := req
	retry.CustomerID = "second-id"
	retry.Customer = newCustomer("Ada", email("ada@example.com"))
	again, err := s.CreateCustomer(t.Context(), tenant, retry)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if !proto.Equal(first, again) {
		t.Errorf("retry returned %v, want the first result %v", again, first)
	}
	if n := count(t, db, "customers", tenant); n != 1 {
		t.Errorf("%d customers stored, want 1", n)
	}
	reuse := req
	reuse.Fingerprint = "f2"
	if _, err := s.CreateCustomer(t.Context(), tenant, reuse); !errors.Is(err, repository.ErrRequestReused) {
		t.Errorf("request ID reused with other content: got %v, want ErrRequestReused", err)
	}
}

func TestCreateRetryFinishesInterruptedCreate(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t)
	// The first attempt recorded its request and claimed the identity, then
	// died before inserting the customer.
	_, err := db.Collection("requests").InsertOne(t.Context(), bson.D{
		{Key: "_id", Value: tenant + "/CreateCustomer:r1"}, {Key: "tenant", Value: tenant},
		{Key: "customer_id", Value: "ada"}, {Key: "method", Value: "CreateCustomer"}, {Key: "fingerprint", Value: "f"},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Collection("identities").InsertOne(t.Context(), bson.D{
		{Key: "_id", Value: tenant + "/email:ada@example.com"}, {Key: "tenant", Value: tenant},
		{Key: "customer_id", Value: "ada"}, {Key: "claim_time", Value: time.Now()},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateCustomer(t.Context(), tenant, repository.CreateRequest{CustomerID: "other-generated", RequestID: "r1", Fingerprint: "f", Customer: newCustomer("Ada", email("ada@example.com"))})
	if err != nil {
		t.Fatal(err)
	}
	if c.GetName() != "customers/ada" {
		t.Errorf("retry created %s, want the ID the first attempt chose, customers/ada", c.GetName())
	}
	if _, _, err := s.LookupIdentity(t.Context(), tenant, rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "ada@example.com"); err != nil {
		t.Errorf("lookup after repaired create: %v", err)
	}
}

func TestCreateExistingID(t *testing.T) {
	t.Parallel()
	s, _ := repositorytest.Store(t)
	create(t, s, tenant, "ada")
	_, err := s.CreateCustomer(t.Context(), tenant, repository.CreateRequest{CustomerID: "ada", Customer: newCustomer("Other", email("other@example.com"))})
	if !errors.Is(err, repository.ErrAlreadyExists) {
		t.Fatalf("got %v, want ErrAlreadyExists", err)
	}
	// The refused create left no claim behind.
	if _, _, err := s.LookupIdentity(t.Context(), tenant, rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "other@example.com"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("identity of refused create: got %v, want ErrNotFound", err)
	}
}

func TestIdentityConflictNamesOwner(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t)
	create(t, s, tenant, "ada", email("ada@example.com"))
	_, err := s.CreateCustomer(t.Context(), tenant, repository.CreateRequest{CustomerID: "bob", Customer: newCustomer("Bob", email("bob@example.com"), email("ada@example.com"))})
	var conflict *repository.IdentityConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, repository.ErrAlreadyExists) {
		t.Fatalf("got %v, want IdentityConflictError", err)
	}
	if conflict.Owner != "ada" || conflict.Identity != "email:ada@example.com" {
		t.Errorf("conflict = %+v", conflict)
	}
	// Nothing of bob's stayed: neither the customer nor the claim made
	// before the conflict.
	if n := count(t, db, "identities", tenant); n != 1 {
		t.Errorf("%d identity claims, want 1 (ada's)", n)
	}
	if _, err := s.GetCustomer(t.Context(), tenant, "bob"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("bob: got %v, want ErrNotFound", err)
	}
}

func TestStaleClaimTakenOverAfterGrace(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	s, db := repositorytest.Store(t, repository.WithClock(clock), repository.WithClaimGrace(time.Minute))
	// A claim whose customer never got saved (its writer died).
	_, err := db.Collection("identities").InsertOne(t.Context(), bson.D{
		{Key: "_id", Value: tenant + "/email:ada@example.com"}, {Key: "tenant", Value: tenant},
		{Key: "customer_id", Value: "ghost"}, {Key: "claim_time", Value: clock()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LookupIdentity(t.Context(), tenant, rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "ada@example.com"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("lookup through a stale claim: got %v, want ErrNotFound", err)
	}
	req := repository.CreateRequest{CustomerID: "ada", Customer: newCustomer("Ada", email("ada@example.com"))}
	if _, err := s.CreateCustomer(t.Context(), tenant, req); !errors.Is(err, repository.ErrAlreadyExists) {
		t.Fatalf("within the grace period: got %v, want ErrAlreadyExists", err)
	}
	now.Add(int64(2 * time.Minute))
	req.Customer = newCustomer("Ada", email("ada@example.com"))
	if _, err := s.CreateCustomer(t.Context(), tenant, req); err != nil {
		t.Fatalf("after the grace period: %v", err)
	}
	c, _, err := s.LookupIdentity(t.Context(), tenant, rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "ada@example.com")
	if err != nil || c.GetName() != "customers/ada" {
		t.Fatalf("lookup = %v, %v; want customers/ada", c.GetName(), err)
	}
}

func TestUpdateMovesIdentityClaims(t *testing.T) {
	t.Parallel()
	s, _ := repositorytest.Store(t)
	create(t, s, tenant, "ada", email("old@example.com"))
	_, err := s.UpdateCustomer(t.Context(), tenant, "ada", "", func(c *rapportv1.Customer) error {
		c.Identities = []*rapportv1.Identity{email("new@example.com")}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LookupIdentity(t.Context(), tenant, rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "new@example.com"); err != nil {
		t.Errorf("new identity: %v", err)
	}
	if _, _, err := s.LookupIdentity(t.Context(), tenant, rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "old@example.com"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("released identity: got %v, want ErrNotFound", err)
	}
	// The released identity is free for somebody else at once.
	create(t, s, tenant, "bob", email("old@example.com"))
	// And an identity somebody else owns cannot be taken by an update.
	_, err = s.UpdateCustomer(t.Context(), tenant, "ada", "", func(c *rapportv1.Customer) error {
		c.Identities = append(c.Identities, email("old@example.com"))
		return nil
	})
	if !errors.Is(err, repository.ErrAlreadyExists) {
		t.Errorf("taking bob's identity: got %v, want ErrAlreadyExists", err)
	}
}

func TestUpdateEtag(t *testing.T) {
	t.Parallel()
	s, _ := repositorytest.Store(t)
	c := create(t, s, tenant, "ada")
	rename := func(etag, name string) (*rapportv1.Customer, error) {
		return s.UpdateCustomer(t.Context(), tenant, "ada", etag, func(c *rapportv1.Customer) error {
			c.DisplayName = name
			return nil
		})
	}
	updated, err := rename(c.GetEtag(), "Ada L.")
	if err != nil {
		t.Fatal(err)
	}
	if updated.GetEtag() == c.GetEtag() || updated.GetDisplayName() != "Ada L." || !updated.GetUpdateTime().AsTime().After(c.GetCreateTime().AsTime().Add(-time.Millisecond)) {
		t.Errorf("update result %v", updated)
	}
	if _, err := rename(c.GetEtag(), "Stale"); !errors.Is(err, repository.ErrEtagMismatch) {
		t.Errorf("stale etag: got %v, want ErrEtagMismatch", err)
	}
	got, _ := s.GetCustomer(t.Context(), tenant, "ada")
	if got.GetDisplayName() != "Ada L." {
		t.Errorf("stale update changed the customer: %q", got.GetDisplayName())
	}
	if _, err := s.UpdateCustomer(t.Context(), tenant, "nobody", "", func(*rapportv1.Customer) error { return nil }); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("missing customer: got %v, want ErrNotFound", err)
	}
	refuse := errors.New("refused")
	if _, err := s.UpdateCustomer(t.Context(), tenant, "ada", "", func(*rapportv1.Customer) error { return refuse }); !errors.Is(err, refuse) {
		t.Errorf("mutate error: got %v, want it returned as is", err)
	}
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	t.Parallel()
	s, _ := repositorytest.Store(t)
	create(t, s, tenant, "ada")
	const writers = 6
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.UpdateCustomer(t.Context(), tenant, "ada", "", func(c *rapportv1.Customer) error {
				c.Tags = append(c.Tags, fmt.Sprintf("w%d", i))
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.GetCustomer(t.Context(), tenant, "ada")
	if len(got.GetTags()) != writers {
		t.Fatalf("tags %v: want one from each of %d writers", got.GetTags(), writers)
	}
	if got.GetEtag() != fmt.Sprint(writers+1) {
		t.Errorf("etag %s after %d updates of revision 1", got.GetEtag(), writers)
	}
}

func TestDeleteErasesEverything(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t)
	_, err := s.CreateCustomer(t.Context(), tenant, repository.CreateRequest{CustomerID: "ada", RequestID: "r1", Fingerprint: "f",
		Customer: newCustomer("Ada", email("ada@example.com"), &rapportv1.Identity{Type: rapportv1.IdentityType_IDENTITY_TYPE_PHONE, Value: "+14155550100"})})
	if err != nil {
		t.Fatal(err)
	}
	create(t, s, tenant, "bob", email("bob@example.com"))
	res, err := s.DeleteCustomer(t.Context(), tenant, "ada", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := (repository.DeleteResult{Customers: 1, Identities: 2, RequestRecords: 1}); res != want {
		t.Errorf("delete result %+v, want %+v", res, want)
	}
	for _, coll := range []string{"customers", "identities", "requests"} {
		n, err := db.Collection(coll).CountDocuments(t.Context(), bson.D{{Key: "tenant", Value: tenant}, {Key: "customer_id", Value: "ada"}})
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d documents of the erased customer left in %s", n, coll)
		}
	}
	if _, err := s.GetCustomer(t.Context(), tenant, "bob"); err != nil {
		t.Errorf("other customer after erasure: %v", err)
	}
	if _, err := s.DeleteCustomer(t.Context(), tenant, "ada", ""); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
	// The erased customer's identity is free again.
	create(t, s, tenant, "ada-again", email("ada@example.com"))
}

func TestDeleteEtagAndInterruptedErasure(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t)
	create(t, s, tenant, "ada", email("ada@example.com"))
	if _, err := s.DeleteCustomer(t.Context(), tenant, "ada", "999"); !errors.Is(err, repository.ErrEtagMismatch) {
		t.Fatalf("stale etag: got %v, want ErrEtagMismatch", err)
	}
	// An erasure that died after marking the customer: invisible to reads,
	// finished by the retry.
	_, err := db.Collection("customers").UpdateOne(t.Context(), bson.D{{Key: "_id", Value: tenant + "/ada"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCustomer(t.Context(), tenant, "ada"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("customer being erased: got %v, want ErrNotFound", err)
	}
	if list, _, _ := s.ListCustomers(t.Context(), tenant, "", 10); len(list) != 0 {
		t.Errorf("customer being erased is listed: %v", list)
	}
	res, err := s.DeleteCustomer(t.Context(), tenant, "ada", "")
	if err != nil || res.Customers != 1 || res.Identities != 1 {
		t.Fatalf("retried erasure: %+v, %v", res, err)
	}
	if n := count(t, db, "identities", tenant); n != 0 {
		t.Errorf("%d claims left", n)
	}
}

func TestListPagesInOrderWithinTenant(t *testing.T) {
	t.Parallel()
	s, _ := repositorytest.Store(t)
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("c%02d", i)
		create(t, s, tenant, id)
		want = append(want, "customers/"+id)
	}
	// Neighbouring tenants whose names sort right before and after.
	create(t, s, "acm", "x1")
	create(t, s, "acme-2", "x2")
	create(t, s, "acme0", "x3")
	var got []string
	after := ""
	for range 10 {
		page, more, err := s.ListCustomers(t.Context(), tenant, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			got = append(got, c.GetName())
		}
		if !more {
			break
		}
		after = page[len(page)-1].GetName()[len("customers/"):]
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
}

func TestInvalidTenantRefused(t *testing.T) {
	t.Parallel()
	s, _ := repositorytest.Store(t)
	for _, bad := range []string{"", "a/b"} {
		if _, err := s.GetCustomer(t.Context(), bad, "x"); err == nil || errors.Is(err, repository.ErrNotFound) {
			t.Errorf("tenant %q: got %v, want a refusal", bad, err)
		}
	}
}

// A write that checked the customer before an erasure and lands after it
// leaves nothing behind: its closing summary update finds the customer
// gone, erases what the write stored, and says ErrNotFound.
func TestWriteRacingAnErasureLeavesNothing(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t)
	ctx := t.Context()
	for _, phase := range []string{"erasure marked", "erasure finished"} {
		create(t, s, tenant, "ada")
		if phase == "erasure marked" {
			// Mark only, as an erasure that has not swept yet.
			if _, err := db.Collection("customers").UpdateOne(ctx, bson.D{{Key: "_id", Value: tenant + "/ada"}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := s.DeleteCustomer(ctx, tenant, "ada", ""); err != nil {
			t.Fatal(err)
		}
		// The late write: its interaction, then its summary.
		if _, err := s.RecordInteractions(ctx, tenant, []repository.NewInteraction{newInteraction("ada", "late", 1)}); err != nil {
			t.Fatal(err)
		}
		_, err := s.UpdateSummary(ctx, tenant, "ada", func(sum *repository.Summary) error {
			sum.LastChannel = 3
			return nil
		})
		if !errors.Is(err, repository.ErrNotFound) {
			t.Fatalf("%s: the late write's summary update: %v, want ErrNotFound", phase, err)
		}
		for _, coll := range []string{"interactions", "contexts"} {
			if n := count(t, db, coll, tenant); n != 0 {
				t.Errorf("%s: %d documents left in %s", phase, n, coll)
			}
		}
		if phase == "erasure marked" {
			if _, err := s.DeleteCustomer(ctx, tenant, "ada", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
}
