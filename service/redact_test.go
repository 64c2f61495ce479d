package service_test

import (
	"log/slog"
	"strings"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// No identity reaches the log at INFO: error texts carried them into
// "finished call" lines ("identity email:…@example.com not found",
// "identity external:crm-… belongs to customers/ada"). One handler rule
// redacts identities, emails and phone numbers from every line.
func TestLogsAtInfoCarryNoIdentity(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	ts := startServer(t, newStore(t), service.Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	ada := &rapportv1.Customer{DisplayName: "Ada", Identities: []*rapportv1.Identity{
		identity(rapportv1.IdentityType_IDENTITY_TYPE_EXTERNAL_ID, "crm-4242"),
		identity(rapportv1.IdentityType_IDENTITY_TYPE_PHONE, "+14155550100"),
	}}
	if _, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: ada}); err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		want codes.Code
		call func() error
	}{
		{codes.NotFound, func() error {
			_, err := ts.customers.LookupCustomer(t.Context(), &rapportv1.LookupCustomerRequest{Identity: "email:grace.hopper@example.com"})
			return err
		}},
		{codes.AlreadyExists, func() error {
			bob := &rapportv1.Customer{DisplayName: "Bob", Identities: []*rapportv1.Identity{identity(rapportv1.IdentityType_IDENTITY_TYPE_EXTERNAL_ID, "crm-4242")}}
			_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{Customer: bob})
			return err
		}},
		{codes.NotFound, func() error {
			_, err := ts.contexts.GetCustomerContext(t.Context(), &rapportv1.GetCustomerContextRequest{Identity: "phone:+14155550199"})
			return err
		}},
		{codes.NotFound, func() error {
			_, err := ts.contexts.EnrichTicket(t.Context(), &rapportv1.EnrichTicketRequest{Requester: "chat:secret-handle-77", Subject: "help"})
			return err
		}},
	}
	for _, c := range calls {
		if err := c.call(); status.Code(err) != c.want {
			t.Fatalf("got %v, want %v", err, c.want)
		}
	}
	out := logs.String()
	if strings.Count(out, "finished call") < len(calls)+1 {
		t.Fatalf("the calls were not logged:\n%s", out)
	}
	if !strings.Contains(out, "email:[redacted]") || !strings.Contains(out, "external:[redacted]") {
		t.Errorf("the lines do not say what kind of identity they were about:\n%s", out)
	}
	for _, pii := range []string{"grace", "example.com", "crm-4242", "4155550", "secret-handle"} {
		if strings.Contains(out, pii) {
			t.Errorf("%q is in the log:\n%s", pii, out)
		}
	}
}
