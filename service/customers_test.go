package service_test

import (
	"fmt"
	"strings"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func identity(t rapportv1.IdentityType, v string) *rapportv1.Identity {
	return &rapportv1.Identity{Type: t, Value: v}
}

const (
	emailType  = rapportv1.IdentityType_IDENTITY_TYPE_EMAIL
	phoneType  = rapportv1.IdentityType_IDENTITY_TYPE_PHONE
	socialType = rapportv1.IdentityType_IDENTITY_TYPE_SOCIAL_HANDLE
)

func ada() *rapportv1.Customer {
	return &rapportv1.Customer{
		DisplayName:   "Ada Lovelace",
		PreferredName: "Ada",
		Identities: []*rapportv1.Identity{
			{Type: emailType, Value: "  Ada@Example.COM ", Verified: true},
			identity(phoneType, "+44 20 7946 0958"),
			identity(socialType, "@AdaL"),
		},
		Preferences: &rapportv1.Preferences{
			LanguageCode:     "en-gb",
			TimeZone:         "Europe/London",
			PreferredChannel: rapportv1.Channel_CHANNEL_EMAIL,
			ContactWindows: []*rapportv1.ContactWindow{{
				Days:      []rapportv1.DayOfWeek{rapportv1.DayOfWeek_DAY_OF_WEEK_MONDAY},
				StartTime: "09:00", EndTime: "17:30",
			}},
			Consents: []*rapportv1.ChannelConsent{{Channel: rapportv1.Channel_CHANNEL_EMAIL, Status: rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED}},
		},
		Traits: map[string]string{"plan": "premium"},
		Tags:   []string{"vip", "vip", "beta"},
	}
}

func TestCustomerLifecycle(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	created, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: ada()})
	if err != nil {
		t.Fatal(err)
	}
	c := created.GetCustomer()
	if c.GetName() != "customers/ada" || c.GetEtag() == "" || c.GetCreateTime() == nil {
		t.Errorf("output fields: %v", c)
	}
	// Normalised on write.
	var ids []string
	for _, id := range c.GetIdentities() {
		ids = append(ids, id.GetValue())
	}
	if got, want := strings.Join(ids, " "), "ada@example.com +442079460958 adal"; got != want {
		t.Errorf("identities %q, want %q", got, want)
	}
	if c.GetPreferences().GetLanguageCode() != "en-GB" || strings.Join(c.GetTags(), ",") != "vip,beta" {
		t.Errorf("language %q, tags %v", c.GetPreferences().GetLanguageCode(), c.GetTags())
	}

	got, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: "customers/ada"})
	if err != nil || !proto.Equal(got.GetCustomer(), c) {
		t.Fatalf("get = %v, %v; want %v", got, err, c)
	}

	// Lookup by any identity, written in any case or format.
	for _, q := range []string{"email:ADA@example.com", "phone:+442079460958", "phone: +44 (20) 7946-0958", "social:@adal", "Email:ada@example.com"} {
		res, err := ts.customers.LookupCustomer(ctx, &rapportv1.LookupCustomerRequest{Identity: q})
		if err != nil || res.GetCustomer().GetName() != "customers/ada" {
			t.Errorf("lookup %q = %v, %v", q, res.GetCustomer().GetName(), err)
		}
	}
	res, _ := ts.customers.LookupCustomer(ctx, &rapportv1.LookupCustomerRequest{Identity: "email:ada@example.com"})
	if !res.GetIdentity().GetVerified() {
		t.Errorf("lookup identity %v: want verified", res.GetIdentity())
	}

	// Update one field under the etag; the rest stays.
	upd, err := ts.customers.UpdateCustomer(ctx, &rapportv1.UpdateCustomerRequest{
		Customer:   &rapportv1.Customer{Name: "customers/ada", PreferredName: "Countess", Etag: c.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"preferred_name"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if u := upd.GetCustomer(); u.GetPreferredName() != "Countess" || u.GetDisplayName() != "Ada Lovelace" || len(u.GetIdentities()) != 3 || u.GetEtag() == c.GetEtag() {
		t.Errorf("after update: %v", u)
	}
	// The same etag again is stale.
	_, err = ts.customers.UpdateCustomer(ctx, &rapportv1.UpdateCustomerRequest{
		Customer:   &rapportv1.Customer{Name: "customers/ada", PreferredName: "Stale", Etag: c.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"preferred_name"}},
	})
	if code, info, _ := statusDetails(t, err); code != codes.Aborted || info.GetReason() != "ETAG_MISMATCH" {
		t.Errorf("stale etag: %v %v, want ABORTED ETAG_MISMATCH", code, info)
	}

	del, err := ts.customers.DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: "customers/ada"})
	if err != nil {
		t.Fatal(err)
	}
	if del.GetCustomersDeleted() != 1 || del.GetIdentitiesDeleted() != 3 {
		t.Errorf("delete said %v", del)
	}
	_, err = ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: "customers/ada"})
	if code, info, _ := statusDetails(t, err); code != codes.NotFound || info.GetReason() != "CUSTOMER_NOT_FOUND" || info.GetMetadata()["resource"] != "customers/ada" {
		t.Errorf("get after delete: %v %v", code, info)
	}
	_, err = ts.customers.LookupCustomer(ctx, &rapportv1.LookupCustomerRequest{Identity: "email:ada@example.com"})
	if code, info, _ := statusDetails(t, err); code != codes.NotFound || info.GetReason() != "IDENTITY_NOT_FOUND" {
		t.Errorf("lookup after delete: %v %v", code, info)
	}
}

func TestUpdateMasks(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: ada()}); err != nil {
		t.Fatal(err)
	}
	update := func(c *rapportv1.Customer, paths ...string) (*rapportv1.Customer, error) {
		c.Name = "customers/ada"
		var mask *fieldmaskpb.FieldMask
		if paths != nil {
			mask = &fieldmaskpb.FieldMask{Paths: paths}
		}
		res, err := ts.customers.UpdateCustomer(ctx, &rapportv1.UpdateCustomerRequest{Customer: c, UpdateMask: mask})
		return res.GetCustomer(), err
	}
	// A nested path changes that field only.
	c, err := update(&rapportv1.Customer{Preferences: &rapportv1.Preferences{LanguageCode: "pt-br"}}, "preferences.language_code")
	if err != nil {
		t.Fatal(err)
	}
	if c.GetPreferences().GetLanguageCode() != "pt-BR" || c.GetPreferences().GetTimeZone() != "Europe/London" {
		t.Errorf("nested update: %v", c.GetPreferences())
	}
	// No mask: the fields set in the request.
	c, err = update(&rapportv1.Customer{Tags: []string{"gold"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.GetTags(), ",") != "gold" || c.GetDisplayName() != "Ada Lovelace" {
		t.Errorf("implicit mask: %v", c)
	}
	// Clearing a field through the mask.
	c, err = update(&rapportv1.Customer{}, "traits")
	if err != nil || len(c.GetTraits()) != 0 {
		t.Errorf("clear traits: %v, %v", c.GetTraits(), err)
	}
	// Consent times move only when the status changes.
	before := c.GetPreferences().GetConsents()[0].GetUpdateTime().AsTime()
	c, err = update(&rapportv1.Customer{DisplayName: "Ada King"}, "display_name")
	if err != nil || !c.GetPreferences().GetConsents()[0].GetUpdateTime().AsTime().Equal(before) {
		t.Errorf("consent time changed by an unrelated update: %v, %v", c.GetPreferences().GetConsents(), err)
	}

	for _, tc := range []struct {
		name  string
		in    *rapportv1.Customer
		paths []string
		field string
	}{
		{"output-only field", &rapportv1.Customer{}, []string{"create_time"}, "update_mask"},
		{"unknown field", &rapportv1.Customer{}, []string{"nope"}, "update_mask"},
		{"wildcard with others", &rapportv1.Customer{}, []string{"*", "tags"}, "update_mask"},
		{"clearing a required field", &rapportv1.Customer{}, []string{"display_name"}, "customer.display_name"},
		{"full replacement without display name", &rapportv1.Customer{Tags: []string{"x"}}, []string{"*"}, "customer.display_name"},
		{"invalid value", &rapportv1.Customer{Preferences: &rapportv1.Preferences{TimeZone: "Mars/Olympus"}}, []string{"preferences.time_zone"}, "customer.preferences.time_zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := update(tc.in, tc.paths...)
			code, _, fields := statusDetails(t, err)
			if _, ok := fields[tc.field]; code != codes.InvalidArgument || !ok {
				t.Errorf("got %v %v, want INVALID_ARGUMENT on %s", code, fields, tc.field)
			}
		})
	}
	got, _ := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: "customers/ada"})
	if got.GetCustomer().GetDisplayName() != "Ada King" || got.GetCustomer().GetPreferences().GetTimeZone() != "Europe/London" {
		t.Errorf("a refused update changed the customer: %v", got.GetCustomer())
	}
	_, err = ts.customers.UpdateCustomer(ctx, &rapportv1.UpdateCustomerRequest{Customer: &rapportv1.Customer{Name: "customers/nobody", DisplayName: "x"}})
	if code, _, _ := statusDetails(t, err); code != codes.NotFound {
		t.Errorf("update of missing customer: %v", code)
	}
}

func TestInvalidInputIsRefusedWithFieldViolations(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	long := strings.Repeat("x", 201)
	with := func(f func(c *rapportv1.Customer)) *rapportv1.Customer {
		c := ada()
		f(c)
		return c
	}
	tests := []struct {
		name  string
		req   *rapportv1.CreateCustomerRequest
		field string
	}{
		{"no customer", &rapportv1.CreateCustomerRequest{}, "customer"},
		{"no display name", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.DisplayName = " " })}, "customer.display_name"},
		{"display name too long", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.DisplayName = long })}, "customer.display_name"},
		{"control character", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.PreferredName = "a\x00b" })}, "customer.preferred_name"},
		{"bad customer id", &rapportv1.CreateCustomerRequest{CustomerId: "Ada!", Customer: ada()}, "customer_id"},
		{"bad request id", &rapportv1.CreateCustomerRequest{RequestId: "not-a-uuid", Customer: ada()}, "request_id"},
		{"bad email", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Identities[0].Value = "ada at example" })}, "customer.identities[0].value"},
		{"bad phone", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Identities[1].Value = "+1 555" })}, "customer.identities[1].value"},
		{"phone without country", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Identities[1].Value = "020 7946 0958" })}, "customer.identities[1].value"},
		{"handle with spaces", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Identities[2].Value = "ada l" })}, "customer.identities[2].value"},
		{"no identity type", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Identities[0].Type = 0 })}, "customer.identities[0].type"},
		{"unknown identity type", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Identities[0].Type = 99 })}, "customer.identities[0].type"},
		{"too many identities", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) {
			for i := range 51 {
				c.Identities = append(c.Identities, identity(emailType, fmt.Sprintf("a%d@example.com", i)))
			}
		})}, "customer.identities"},
		{"bad language", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Preferences.LanguageCode = "english please" })}, "customer.preferences.language_code"},
		{"bad time zone", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Preferences.TimeZone = "Europe/Atlantis" })}, "customer.preferences.time_zone"},
		{"windows without time zone", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Preferences.TimeZone = "" })}, "customer.preferences.time_zone"},
		{"unknown channel", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Preferences.PreferredChannel = 42 })}, "customer.preferences.preferred_channel"},
		{"window ends before start", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Preferences.ContactWindows[0].EndTime = "08:00" })}, "customer.preferences.contact_windows[0].end_time"},
		{"window bad clock", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Preferences.ContactWindows[0].StartTime = "9am" })}, "customer.preferences.contact_windows[0].start_time"},
		{"window without days", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Preferences.ContactWindows[0].Days = nil })}, "customer.preferences.contact_windows[0].days"},
		{"repeated accessibility need", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) {
			c.Preferences.AccessibilityNeeds = []rapportv1.AccessibilityNeed{1, 1}
		})}, "customer.preferences.accessibility_needs[1]"},
		{"two consents for one channel", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) {
			c.Preferences.Consents = append(c.Preferences.Consents, &rapportv1.ChannelConsent{Channel: rapportv1.Channel_CHANNEL_EMAIL, Status: rapportv1.ConsentStatus_CONSENT_STATUS_DENIED})
		})}, "customer.preferences.consents[1].channel"},
		{"consent without status", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Preferences.Consents[0].Status = 0 })}, "customer.preferences.consents[0].status"},
		{"bad trait key", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Traits = map[string]string{"Bad Key": "x"} })}, "customer.traits[Bad Key]"},
		{"empty tag", &rapportv1.CreateCustomerRequest{Customer: with(func(c *rapportv1.Customer) { c.Tags = []string{""} })}, "customer.tags[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.customers.CreateCustomer(ctx, tc.req)
			code, info, fields := statusDetails(t, err)
			if code != codes.InvalidArgument || info.GetReason() != "INVALID_FIELD" {
				t.Fatalf("got %v %v, want INVALID_ARGUMENT INVALID_FIELD", code, info)
			}
			if _, ok := fields[tc.field]; !ok {
				t.Errorf("violations %v do not name %s", fields, tc.field)
			}
		})
	}
	// Nothing was stored by any of them.
	list, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{})
	if err != nil || len(list.GetCustomers()) != 0 {
		t.Errorf("after refused creates: %v, %v", list.GetCustomers(), err)
	}
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"get without name", func() error {
			_, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{})
			return err
		}, "name"},
		{"get with bad name", func() error {
			_, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: "customers/ada/issues/1"})
			return err
		}, "name"},
		{"delete with bad name", func() error {
			_, err := ts.customers.DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: "ada"})
			return err
		}, "name"},
		{"update without customer", func() error {
			_, err := ts.customers.UpdateCustomer(ctx, &rapportv1.UpdateCustomerRequest{})
			return err
		}, "customer"},
		{"lookup without type", func() error {
			_, err := ts.customers.LookupCustomer(ctx, &rapportv1.LookupCustomerRequest{Identity: "ada@example.com"})
			return err
		}, "identity"},
		{"lookup unknown type", func() error {
			_, err := ts.customers.LookupCustomer(ctx, &rapportv1.LookupCustomerRequest{Identity: "fax:123"})
			return err
		}, "identity"},
		{"negative page size", func() error {
			_, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: -1})
			return err
		}, "page_size"},
		{"forged page token", func() error {
			_, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageToken: "Zm9yZ2Vk"})
			return err
		}, "page_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, fields := statusDetails(t, tc.call())
			if _, ok := fields[tc.want]; code != codes.InvalidArgument || !ok {
				t.Errorf("got %v %v, want INVALID_ARGUMENT on %s", code, fields, tc.want)
			}
		})
	}
}

func TestIdentityBelongsToOneCustomer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: ada()}); err != nil {
		t.Fatal(err)
	}
	// The same email written differently is the same identity.
	bob := &rapportv1.Customer{DisplayName: "Bob", Identities: []*rapportv1.Identity{identity(emailType, "bob@example.com"), identity(emailType, "ADA@example.com ")}}
	_, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "bob", Customer: bob})
	code, info, _ := statusDetails(t, err)
	if code != codes.AlreadyExists || info.GetReason() != "IDENTITY_ALREADY_CLAIMED" ||
		info.GetMetadata()["owner"] != "customers/ada" || info.GetMetadata()["identity"] != "email:ada@example.com" {
		t.Fatalf("got %v %v, want ALREADY_EXISTS naming customers/ada", code, info)
	}
	// bob was not stored, and his own email is still free.
	bob.Identities = bob.Identities[:1]
	if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "bob", Customer: bob}); err != nil {
		t.Fatalf("bob with his own email: %v", err)
	}
	// Nor can an update take ada's phone.
	_, err = ts.customers.UpdateCustomer(ctx, &rapportv1.UpdateCustomerRequest{
		Customer:   &rapportv1.Customer{Name: "customers/bob", Identities: []*rapportv1.Identity{identity(phoneType, "+442079460958")}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"identities"}},
	})
	if code, info, _ := statusDetails(t, err); code != codes.AlreadyExists || info.GetMetadata()["owner"] != "customers/ada" {
		t.Errorf("update claiming ada's phone: %v %v", code, info)
	}
	// A taken customer ID.
	_, err = ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Other Ada"}})
	if code, info, _ := statusDetails(t, err); code != codes.AlreadyExists || info.GetReason() != "CUSTOMER_ALREADY_EXISTS" {
		t.Errorf("taken customer id: %v %v", code, info)
	}
}

func TestCreateRetriesWithRequestID(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	req := &rapportv1.CreateCustomerRequest{RequestId: "6f1f2c1e-6a51-4a55-9d6e-0f3a8c1b2d3e", Customer: ada()}
	first, err := ts.customers.CreateCustomer(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first.GetCustomer().GetName(), "customers/") {
		t.Fatalf("generated name %q", first.GetCustomer().GetName())
	}
	for range 3 {
		again, err := ts.customers.CreateCustomer(ctx, req)
		if err != nil || !proto.Equal(again.GetCustomer(), first.GetCustomer()) {
			t.Fatalf("retry = %v, %v; want the first result %v", again.GetCustomer(), err, first.GetCustomer())
		}
	}
	list, _ := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{})
	if len(list.GetCustomers()) != 1 {
		t.Errorf("%d customers after retries, want 1", len(list.GetCustomers()))
	}
	other := proto.Clone(req).(*rapportv1.CreateCustomerRequest)
	other.Customer.DisplayName = "Somebody Else"
	_, err = ts.customers.CreateCustomer(ctx, other)
	if code, info, _ := statusDetails(t, err); code != codes.FailedPrecondition || info.GetReason() != "REQUEST_ID_REUSED" {
		t.Errorf("request id reused: %v %v", code, info)
	}
}

func TestListCustomersPages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	const n = 23
	for i := range n {
		_, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{
			CustomerId: fmt.Sprintf("c%03d", i), Customer: &rapportv1.Customer{DisplayName: fmt.Sprint("Customer ", i)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var last string
	req := &rapportv1.ListCustomersRequest{PageSize: 10}
	pages := 0
	for {
		res, err := ts.customers.ListCustomers(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range res.GetCustomers() {
			if seen[c.GetName()] || c.GetName() <= last {
				t.Errorf("%s repeated or out of order", c.GetName())
			}
			seen[c.GetName()] = true
			last = c.GetName()
		}
		if res.GetNextPageToken() == "" {
			break
		}
		req.PageToken = res.GetNextPageToken()
	}
	if len(seen) != n || pages != 3 {
		t.Errorf("saw %d customers in %d pages, want %d in 3", len(seen), pages, n)
	}
	// A token is bound to its request: other parameters are refused.
	first, _ := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 10})
	_, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 5, PageToken: first.GetNextPageToken()})
	if err != nil {
		t.Errorf("changing page_size between pages is allowed: %v", err)
	}
	// Page size above the maximum is reduced, not refused.
	if _, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 100000}); err != nil {
		t.Errorf("huge page size: %v", err)
	}
}
