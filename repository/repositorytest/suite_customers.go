package repositorytest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

func testCreateGetRoundTrip(t *testing.T, e Engine) {
	s := e.New(t, Options{})
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
	c, id, err := s.LookupIdentity(t.Context(), tenant, rapportv1.IdentityType_IDENTITY_TYPE_PHONE, "+14155550100")
	if err != nil || c.GetName() != "customers/ada" || !id.GetVerified() {
		t.Errorf("lookup by phone: %v %v %v", c.GetName(), id, err)
	}
	if owner, err := s.ResolveIdentity(t.Context(), tenant, rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "ada@example.com"); err != nil || owner != "ada" {
		t.Errorf("resolve: %q, %v", owner, err)
	}
}

func testGetMissingAndOtherTenant(t *testing.T, e Engine) {
	s := e.New(t, Options{})
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
	if _, err := s.ResolveIdentity(t.Context(), "other", rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "ada@example.com"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("other tenant's identity resolved: got %v, want ErrNotFound", err)
	}
	// The same identity is free in another tenant.
	create(t, s, "other", "ada2", email("ada@example.com"))
}

func testCreateIdempotentByRequestID(t *testing.T, e Engine) {
	s := e.New(t, Options{})
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
	if n := e.Count(t, s, "customers", tenant); n != 1 {
		t.Errorf("%d customers stored, want 1", n)
	}
	reuse := req
	reuse.Fingerprint = "f2"
	if _, err := s.CreateCustomer(t.Context(), tenant, reuse); !errors.Is(err, repository.ErrRequestReused) {
		t.Errorf("request ID reused with other content: got %v, want ErrRequestReused", err)
	}
	// Concurrent retries of one request create one customer.
	var wg sync.WaitGroup
	names := make([]string, 8)
	errs := make([]error, 8)
	for i := range 8 {
		wg.Go(func() {
			r := repository.CreateRequest{CustomerID: fmt.Sprint("gen-", i), RequestID: "r2", Fingerprint: "f", Customer: newCustomer("Bob", email("bob@example.com"))}
			c, err := s.CreateCustomer(t.Context(), tenant, r)
			names[i], errs[i] = c.GetName(), err
		})
	}
	wg.Wait()
	for i := range 8 {
		// A concurrent attempt may lose the race for the identity to the
		// winner (MongoDB) before it sees the winner's record: it may say
		// so, but must not create a second customer.
		if errs[i] != nil && !errors.Is(errs[i], repository.ErrAlreadyExists) {
			t.Errorf("concurrent retry %d: %v", i, errs[i])
		}
		if errs[i] == nil && names[i] != names[slices.IndexFunc(errs, func(err error) bool { return err == nil })] {
			t.Errorf("concurrent retries got different customers: %v", names)
		}
	}
	if n := e.Count(t, s, "customers", tenant); n != 2 {
		t.Errorf("%d customers after concurrent retries, want 2", n)
	}
}

func testCreateExistingID(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	_, err := s.CreateCustomer(t.Context(), tenant, repository.CreateRequest{CustomerID: "ada", Customer: newCustomer("Other", email("other@example.com"))})
	if !errors.Is(err, repository.ErrAlreadyExists) {
		t.Fatalf("got %v, want ErrAlreadyExists", err)
	}
	// The refused create left no claim behind.
	if _, _, err := s.LookupIdentity(t.Context(), tenant, rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "other@example.com"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("identity of refused create: got %v, want ErrNotFound", err)
	}
	create(t, s, tenant, "other", email("other@example.com"))
}

func testIdentityConflictNamesOwner(t *testing.T, e Engine) {
	s := e.New(t, Options{})
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
	if n := e.Count(t, s, "identities", tenant); n != 1 {
		t.Errorf("%d identity claims, want 1 (ada's)", n)
	}
	if _, err := s.GetCustomer(t.Context(), tenant, "bob"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("bob: got %v, want ErrNotFound", err)
	}
	create(t, s, tenant, "bob", email("bob@example.com"))
}

func testUpdateMovesIdentityClaims(t *testing.T, e Engine) {
	s := e.New(t, Options{})
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
	// And an identity somebody else owns cannot be taken by an update,
	// which then changes nothing.
	_, err = s.UpdateCustomer(t.Context(), tenant, "ada", "", func(c *rapportv1.Customer) error {
		c.Identities = append(c.Identities, phone("+14155550100"), email("old@example.com"))
		return nil
	})
	if !errors.Is(err, repository.ErrAlreadyExists) {
		t.Errorf("taking bob's identity: got %v, want ErrAlreadyExists", err)
	}
	if _, err := s.ResolveIdentity(t.Context(), tenant, rapportv1.IdentityType_IDENTITY_TYPE_PHONE, "+14155550100"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("refused update left a claim: %v", err)
	}
	got, _ := s.GetCustomer(t.Context(), tenant, "ada")
	if len(got.GetIdentities()) != 1 {
		t.Errorf("refused update changed the customer: %v", got.GetIdentities())
	}
}

func testUpdateEtag(t *testing.T, e Engine) {
	s := e.New(t, Options{})
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
	if got, _ := s.GetCustomer(t.Context(), tenant, "ada"); !proto.Equal(got, updated) {
		t.Errorf("read after update %v, want %v", got, updated)
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
	if _, err := s.UpdateCustomer(t.Context(), tenant, "ada", "", func(c *rapportv1.Customer) error {
		c.DisplayName = "Never saved"
		return refuse
	}); !errors.Is(err, refuse) {
		t.Errorf("mutate error: got %v, want it returned as is", err)
	}
	if got, _ := s.GetCustomer(t.Context(), tenant, "ada"); got.GetDisplayName() != "Ada L." {
		t.Errorf("a refused mutation was saved: %q", got.GetDisplayName())
	}
}

func testConcurrentUpdatesLoseNothing(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	const writers = 6
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			_, err := s.UpdateCustomer(t.Context(), tenant, "ada", "", func(c *rapportv1.Customer) error {
				c.Tags = append(c.Tags, fmt.Sprintf("w%d", i))
				return nil
			})
			errs <- err
		})
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

func testDeleteErasesEverything(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	_, err := s.CreateCustomer(ctx, tenant, repository.CreateRequest{CustomerID: "ada", RequestID: "r1", Fingerprint: "f",
		Customer: newCustomer("Ada", email("ada@example.com"), phone("+14155550100"))})
	if err != nil {
		t.Fatal(err)
	}
	create(t, s, tenant, "bob", email("bob@example.com"))
	record(t, s, tenant, newInteraction("ada", "i1", 1), newInteraction("ada", "i2", 2), newInteraction("bob", "b1", 3))
	if _, err := s.CreateIssue(ctx, tenant, repository.CreateIssueRequest{CustomerID: "ada", IssueID: "x", Issue: &rapportv1.Issue{Title: "t"}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"ada", "bob"} {
		if _, err := s.UpdateSummary(ctx, tenant, c, func(sum *repository.Summary) error { sum.LastChannel = 1; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.DeleteCustomer(ctx, tenant, "ada", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := (repository.DeleteResult{Customers: 1, Identities: 2, RequestRecords: 1, Interactions: 2, Issues: 1, Summaries: 1,
		DataKeyDestroyed: Keyring(s) != nil}); res != want {
		t.Errorf("delete result %+v, want %+v", res, want)
	}
	if _, err := s.GetCustomer(ctx, tenant, "bob"); err != nil {
		t.Errorf("other customer after erasure: %v", err)
	}
	if _, err := s.GetSummary(ctx, tenant, "bob"); err != nil {
		t.Errorf("other customer's summary after erasure: %v", err)
	}
	if _, err := s.GetInteraction(ctx, tenant, "bob", "b1"); err != nil {
		t.Errorf("other customer's interaction after erasure: %v", err)
	}
	if _, err := s.DeleteCustomer(ctx, tenant, "ada", ""); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
	if _, err := s.DeleteCustomer(ctx, tenant, "bob", "999"); !errors.Is(err, repository.ErrEtagMismatch) {
		t.Errorf("delete with a stale etag: got %v, want ErrEtagMismatch", err)
	}
	// The erased customer's identity is free again, and the request ID
	// creates anew.
	create(t, s, tenant, "ada-again", email("ada@example.com"))
	again, err := s.CreateCustomer(ctx, tenant, repository.CreateRequest{CustomerID: "ada2", RequestID: "r1", Fingerprint: "f", Customer: newCustomer("Ada")})
	if err != nil || again.GetName() != "customers/ada2" {
		t.Errorf("request ID of an erased customer: %v, %v", again.GetName(), err)
	}
}

// testErasureLeavesNothingBehind reads every stored row after an erasure:
// nothing may mention the customer or any identity they had.
func testErasureLeavesNothingBehind(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	if _, err := s.CreateCustomer(ctx, tenant, repository.CreateRequest{CustomerID: "zelda-42", RequestID: "req-zelda", Fingerprint: "f",
		Customer: newCustomer("Zelda Quux", email("zelda@example.com"), phone("+14155550199"))}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCustomer(ctx, tenant, "zelda-42", "", func(c *rapportv1.Customer) error {
		c.Identities = append(c.Identities, email("zq@example.org"))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	in := newInteraction("zelda-42", "zelda-call", 5)
	in.IssueID = "zelda-issue"
	in.Interaction.Text = "Zelda's parcel never arrived"
	record(t, s, tenant, in)
	if _, err := s.CreateIssue(ctx, tenant, repository.CreateIssueRequest{CustomerID: "zelda-42", IssueID: "zelda-issue", RequestID: "req-issue", Fingerprint: "f",
		Issue: &rapportv1.Issue{Title: "Zelda's parcel", Facts: []*rapportv1.Fact{{Key: "order", Value: "Q-77"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSummary(ctx, tenant, "zelda-42", func(sum *repository.Summary) error {
		sum.Customer = []byte("Zelda Quux")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	create(t, s, tenant, "other", email("other@example.com"))
	if _, err := s.DeleteCustomer(ctx, tenant, "zelda-42", ""); err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{"zelda", "zq@example.org", "+14155550199", "Q-77"} {
		if rows := mentions(t, e, s, needle); len(rows) > 0 {
			t.Errorf("after erasure %q is still stored: %+v", needle, rows)
		}
	}
	if owner, err := s.ResolveIdentity(ctx, tenant, rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "other@example.com"); err != nil || owner != "other" {
		t.Errorf("the other customer's identity is gone: %q, %v", owner, err)
	}
}

// testWriteAfterAnErasureLeavesNothing: a write that checked the customer
// before an erasure and lands after it leaves nothing behind: its closing
// summary update finds the customer gone and says ErrNotFound, and what
// the write stored is gone (undone with it, or swept).
func testWriteAfterAnErasureLeavesNothing(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	create(t, s, tenant, "ada")
	if _, err := s.DeleteCustomer(ctx, tenant, "ada", ""); err != nil {
		t.Fatal(err)
	}
	// The late write: its interaction, then its summary, as one call.
	err := s.Atomically(ctx, func(ctx context.Context) error {
		res, err := s.RecordInteractions(ctx, tenant, []repository.NewInteraction{newInteraction("ada", "late", 1)})
		if err != nil {
			return err
		}
		if res[0].Err != nil && !errors.Is(res[0].Err, repository.ErrNotFound) {
			return res[0].Err
		}
		_, err = s.UpdateSummary(ctx, tenant, "ada", func(sum *repository.Summary) error {
			sum.LastChannel = 3
			return nil
		})
		return err
	})
	if !errors.Is(err, repository.ErrNotFound) {
		t.Fatalf("the late write: %v, want ErrNotFound", err)
	}
	for _, table := range []string{"interactions", "summaries"} {
		if n := e.Count(t, s, table, tenant); n != 0 {
			t.Errorf("%d rows left in %s", n, table)
		}
	}
}

func testListCustomersPagesInOrderWithinTenant(t *testing.T, e Engine) {
	s := e.New(t, Options{})
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
		page, more, err := s.ListCustomers(t.Context(), tenant, repository.CustomerFilter{}, after, 3)
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

func testInvalidTenantRefused(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	for _, bad := range []string{"", "a/b"} {
		if _, err := s.GetCustomer(t.Context(), bad, "x"); err == nil || errors.Is(err, repository.ErrNotFound) {
			t.Errorf("tenant %q: got %v, want a refusal", bad, err)
		}
		if _, err := s.CreateCustomer(t.Context(), bad, repository.CreateRequest{CustomerID: "x", Customer: newCustomer("X")}); err == nil {
			t.Errorf("create in tenant %q accepted", bad)
		}
	}
}
