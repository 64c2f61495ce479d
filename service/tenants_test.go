package service_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/google/uuid"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"go.einride.tech/aip/pagination"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// seedTenant gives the caller's tenant customer "ada" with an identity, an
// interaction, an issue, and returns the names.
func seedTenant(t *testing.T, ts *testServer, ctx context.Context) (customer, interaction, issue string) {
	t.Helper()
	c, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{
		DisplayName: "Ada", Identities: []*rapportv1.Identity{{Type: emailType, Value: "ada@a.example"}}}})
	if err != nil {
		t.Fatal(err)
	}
	in, err := ts.interactions.RecordInteraction(ctx, &rapportv1.RecordInteractionRequest{Parent: c.GetCustomer().GetName(), Interaction: &rapportv1.Interaction{
		Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: timestamppb.Now(), Summary: "printer jams", Text: "my secret text", SourceSystem: "zendesk", SourceId: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	is, err := ts.issues.CreateIssue(ctx, &rapportv1.CreateIssueRequest{Parent: c.GetCustomer().GetName(), IssueId: "jam", Issue: &rapportv1.Issue{Title: "Printer jams"}})
	if err != nil {
		t.Fatal(err)
	}
	return c.GetCustomer().GetName(), in.GetInteraction().GetName(), is.GetIssue().GetName()
}

// Every RPC, called by tenant B with tenant A's names, finds nothing of A
// and changes nothing of A. The table must name every method.
func TestTenantsAreIsolatedOnEveryRPC(t *testing.T) {
	t.Parallel()
	ts, _, is := authServer(t, service.Options{})
	a := as(t.Context(), is.tenantToken(t, "tenant-a", allScopes))
	b := as(t.Context(), is.tenantToken(t, "tenant-b", allScopes))
	customer, interaction, issue := seedTenant(t, ts, a)
	before, err := ts.customers.GetCustomer(a, &rapportv1.GetCustomerRequest{Name: customer})
	if err != nil {
		t.Fatal(err)
	}
	notFound := func(err error) error {
		if status.Code(err) != codes.NotFound {
			return errors.New("got " + status.Code(err).String() + ": " + status.Convert(err).Message())
		}
		return nil
	}
	calls := map[string]func() error{
		rapportv1.CustomerService_GetCustomer_FullMethodName: func() error {
			_, err := ts.customers.GetCustomer(b, &rapportv1.GetCustomerRequest{Name: customer})
			return notFound(err)
		},
		rapportv1.CustomerService_UpdateCustomer_FullMethodName: func() error {
			_, err := ts.customers.UpdateCustomer(b, &rapportv1.UpdateCustomerRequest{Customer: &rapportv1.Customer{Name: customer, DisplayName: "Eve"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
			return notFound(err)
		},
		rapportv1.CustomerService_DeleteCustomer_FullMethodName: func() error {
			_, err := ts.customers.DeleteCustomer(b, &rapportv1.DeleteCustomerRequest{Name: customer})
			return notFound(err)
		},
		rapportv1.CustomerService_ListCustomers_FullMethodName: func() error {
			res, err := ts.customers.ListCustomers(b, &rapportv1.ListCustomersRequest{})
			if err != nil || len(res.GetCustomers()) != 0 {
				return errors.New("tenant b lists customers")
			}
			return nil
		},
		rapportv1.CustomerService_ExportCustomer_FullMethodName: func() error {
			st, err := ts.customers.ExportCustomer(b, &rapportv1.ExportCustomerRequest{Name: customer})
			if err != nil {
				return notFound(err)
			}
			if msg, err := st.Recv(); err == nil {
				return errors.New("tenant b exports tenant a's customer: " + msg.String())
			} else {
				return notFound(err)
			}
		},
		rapportv1.CustomerService_LookupCustomer_FullMethodName: func() error {
			_, err := ts.customers.LookupCustomer(b, &rapportv1.LookupCustomerRequest{Identity: "email:ada@a.example"})
			return notFound(err)
		},
		rapportv1.CustomerService_CreateCustomer_FullMethodName: func() error {
			// The same ID and identity in tenant b make b's own customer.
			res, err := ts.customers.CreateCustomer(b, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{
				DisplayName: "Other Ada", Identities: []*rapportv1.Identity{{Type: emailType, Value: "ada@a.example"}}}})
			if err != nil || res.GetCustomer().GetDisplayName() != "Other Ada" {
				return errors.New("tenant b cannot have its own ada: " + status.Convert(err).Message())
			}
			_, err = ts.customers.DeleteCustomer(b, &rapportv1.DeleteCustomerRequest{Name: customer})
			return err
		},
		rapportv1.InteractionService_RecordInteraction_FullMethodName: func() error {
			_, err := ts.interactions.RecordInteraction(b, &rapportv1.RecordInteractionRequest{Parent: customer, Interaction: &rapportv1.Interaction{
				Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: timestamppb.Now(), Summary: "x", SourceSystem: "zendesk", SourceId: "2"}})
			return notFound(err)
		},
		rapportv1.InteractionService_RecordSurvey_FullMethodName: func() error {
			for _, req := range []*rapportv1.RecordSurveyRequest{
				{Interaction: interaction},
				{Parent: customer, SourceSystem: "zendesk", SourceId: "1"},
			} {
				req.RequestId, req.Survey = uuid.NewString(), &rapportv1.SurveyAnswers{Csat: proto.Int32(1), AnswerTime: timestamppb.Now()}
				if _, err := ts.interactions.RecordSurvey(b, req); notFound(err) != nil {
					return notFound(err)
				}
			}
			return nil
		},
		rapportv1.InteractionService_BatchRecordInteractions_FullMethodName: func() error {
			res, err := ts.interactions.BatchRecordInteractions(b, &rapportv1.BatchRecordInteractionsRequest{Requests: []*rapportv1.RecordInteractionRequest{{
				Parent: customer, Interaction: &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: timestamppb.Now(), Summary: "x", SourceSystem: "zendesk", SourceId: "3"}}}})
			if err != nil {
				return notFound(err)
			}
			if r := res.GetResults(); len(r) != 1 || r[0].GetInteraction() != nil {
				return errors.New("recorded into tenant a")
			}
			return nil
		},
		rapportv1.InteractionService_ImportInteractions_FullMethodName: func() error {
			st, err := ts.interactions.ImportInteractions(b)
			if err != nil {
				return err
			}
			if err := st.Send(&rapportv1.ImportInteractionsRequest{Requests: []*rapportv1.RecordInteractionRequest{{
				Parent: customer, Interaction: &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: timestamppb.Now(), Summary: "x", SourceSystem: "zendesk", SourceId: "4"}}}}); err != nil {
				return err
			}
			_ = st.CloseSend()
			for {
				res, err := st.Recv()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return notFound(err)
				}
				if res.GetRecorded() != 0 {
					return errors.New("imported into tenant a")
				}
			}
		},
		rapportv1.InteractionService_GetInteraction_FullMethodName: func() error {
			_, err := ts.interactions.GetInteraction(b, &rapportv1.GetInteractionRequest{Name: interaction})
			return notFound(err)
		},
		rapportv1.InteractionService_ListInteractions_FullMethodName: func() error {
			_, err := ts.interactions.ListInteractions(b, &rapportv1.ListInteractionsRequest{Parent: customer})
			return notFound(err)
		},
		rapportv1.IssueService_CreateIssue_FullMethodName: func() error {
			_, err := ts.issues.CreateIssue(b, &rapportv1.CreateIssueRequest{Parent: customer, Issue: &rapportv1.Issue{Title: "x"}})
			return notFound(err)
		},
		rapportv1.CustomerService_MergeCustomers_FullMethodName: func() error {
			for _, req := range []*rapportv1.MergeCustomersRequest{
				{Customer: "customers/zz-b", MergedCustomer: customer},
				{Customer: customer, MergedCustomer: "customers/zz-b"},
			} {
				if _, err := ts.customers.MergeCustomers(b, req); notFound(err) != nil {
					return notFound(err)
				}
			}
			return nil
		},
		rapportv1.CustomerService_UnmergeCustomer_FullMethodName: func() error {
			_, err := ts.customers.UnmergeCustomer(b, &rapportv1.UnmergeCustomerRequest{Name: customer + "/merges/x"})
			return notFound(err)
		},
		rapportv1.CustomerService_ListMerges_FullMethodName: func() error {
			_, err := ts.customers.ListMerges(b, &rapportv1.ListMergesRequest{Parent: customer})
			return notFound(err)
		},
		rapportv1.IssueService_ImportIssues_FullMethodName: func() error {
			st, err := ts.issues.ImportIssues(b)
			if err != nil {
				return err
			}
			if err := st.Send(&rapportv1.ImportIssuesRequest{Requests: []*rapportv1.CreateIssueRequest{{
				Parent: customer, Issue: &rapportv1.Issue{Title: "x", SourceSystem: "zendesk", SourceId: "5"}}}}); err != nil {
				return err
			}
			res, err := st.Recv()
			if err != nil {
				return err
			}
			_ = st.CloseSend()
			if res.GetCreated() != 0 || len(res.GetFailures()) != 1 || res.GetFailures()[0].GetError().GetCode() != "NOT_FOUND" {
				return errors.New("imported into tenant a")
			}
			return nil
		},
		rapportv1.IssueService_GetIssue_FullMethodName: func() error {
			_, err := ts.issues.GetIssue(b, &rapportv1.GetIssueRequest{Name: issue})
			return notFound(err)
		},
		rapportv1.IssueService_UpdateIssue_FullMethodName: func() error {
			_, err := ts.issues.UpdateIssue(b, &rapportv1.UpdateIssueRequest{Issue: &rapportv1.Issue{Name: issue, Title: "Eve was here"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
			return notFound(err)
		},
		rapportv1.IssueService_ListIssues_FullMethodName: func() error {
			_, err := ts.issues.ListIssues(b, &rapportv1.ListIssuesRequest{Parent: customer})
			return notFound(err)
		},
		rapportv1.ContextService_GetCustomerContext_FullMethodName: func() error {
			if _, err := ts.contexts.GetCustomerContext(b, &rapportv1.GetCustomerContextRequest{Customer: customer}); notFound(err) != nil {
				return notFound(err)
			}
			_, err := ts.contexts.GetCustomerContext(b, &rapportv1.GetCustomerContextRequest{Identity: "email:ada@a.example"})
			return notFound(err)
		},
		rapportv1.ContextService_BatchGetCustomerContexts_FullMethodName: func() error {
			res, err := ts.contexts.BatchGetCustomerContexts(b, &rapportv1.BatchGetCustomerContextsRequest{Requests: []*rapportv1.GetCustomerContextRequest{{Customer: customer}}})
			if err != nil {
				return err
			}
			if r := res.GetResults(); len(r) != 1 || r[0].GetContext() != nil || r[0].GetError().GetCode() != "NOT_FOUND" {
				return errors.New("tenant b got a result other than NOT_FOUND")
			}
			return nil
		},
		rapportv1.ContextService_GetPersonalizationHints_FullMethodName: func() error {
			_, err := ts.contexts.GetPersonalizationHints(b, &rapportv1.GetPersonalizationHintsRequest{Customer: customer})
			return notFound(err)
		},
		rapportv1.ContextService_EnrichTicket_FullMethodName: func() error {
			_, err := ts.contexts.EnrichTicket(b, &rapportv1.EnrichTicketRequest{Requester: "email:ada@a.example", Subject: "printer jams"})
			return notFound(err)
		},
		rapportv1.ContextService_WatchCustomerContext_FullMethodName: func() error {
			st, err := ts.contexts.WatchCustomerContext(b, &rapportv1.WatchCustomerContextRequest{Context: &rapportv1.GetCustomerContextRequest{Customer: customer}})
			if err != nil {
				return notFound(err)
			}
			_, err = st.Recv()
			return notFound(err)
		},
		rapportv1.ContextService_RebuildCustomerContext_FullMethodName: func() error {
			_, err := ts.contexts.RebuildCustomerContext(b, &rapportv1.RebuildCustomerContextRequest{Customer: customer})
			return notFound(err)
		},
		rapportv1.InsightsService_QueryInsights_FullMethodName: func() error {
			// A's contact counts in A's figures, never in B's.
			q := &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(time.Now().Add(-48 * time.Hour)), EndTime: timestamppb.New(time.Now().Add(48 * time.Hour))}
			c := rapportv1.NewInsightsServiceClient(ts.conn)
			sum := func(ctx context.Context) (int64, error) {
				res, err := c.QueryInsights(ctx, q)
				var n int64
				for _, p := range res.GetPeriods() {
					n += p.GetFigures().GetContacts()
				}
				return n, err
			}
			if n, err := sum(a); err != nil || n != 1 {
				return fmt.Errorf("tenant a's figures: %d contacts, %v; want 1", n, err)
			}
			if n, err := sum(b); err != nil || n != 0 {
				return fmt.Errorf("tenant b's figures: %d contacts, %v; want 0", n, err)
			}
			return nil
		},
		rapportv1.FollowUpService_ListFollowUps_FullMethodName: func() error {
			fc := rapportv1.NewFollowUpServiceClient(ts.conn)
			for _, parent := range []string{"customers/-", customer} {
				res, err := fc.ListFollowUps(b, &rapportv1.ListFollowUpsRequest{Parent: parent})
				if err != nil {
					return err
				}
				for _, f := range res.GetFollowUps() {
					if f.GetCustomer() == customer {
						return errors.New("tenant b lists a follow-up of tenant a's customer")
					}
				}
			}
			return nil
		},
		rapportv1.FollowUpService_CompleteFollowUp_FullMethodName: func() error {
			_, err := rapportv1.NewFollowUpServiceClient(ts.conn).CompleteFollowUp(b, &rapportv1.CompleteFollowUpRequest{Name: customer + "/followUps/f000000000000000000000000"})
			return notFound(err)
		},
		rapportv1.FollowUpService_SnoozeFollowUp_FullMethodName: func() error {
			_, err := rapportv1.NewFollowUpServiceClient(ts.conn).SnoozeFollowUp(b, &rapportv1.SnoozeFollowUpRequest{Name: customer + "/followUps/f000000000000000000000000",
				SnoozeTime: timestamppb.New(time.Now().Add(time.Hour))})
			return notFound(err)
		},
		rapportv1.InsightsService_RebuildInsights_FullMethodName: func() error {
			// B's rebuild recounts B's history only, and leaves A's rollups.
			c := rapportv1.NewInsightsServiceClient(ts.conn)
			if res, err := c.RebuildInsights(b, &rapportv1.RebuildInsightsRequest{}); err != nil || res.GetCounters() != 0 {
				return fmt.Errorf("tenant b's rebuild: %v, %v; want 0 counters", res, err)
			}
			res, err := c.QueryInsights(a, &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(time.Now().Add(-48 * time.Hour)), EndTime: timestamppb.New(time.Now().Add(48 * time.Hour))})
			var n int64
			for _, p := range res.GetPeriods() {
				n += p.GetFigures().GetContacts()
			}
			if err != nil || n != 1 {
				return fmt.Errorf("tenant a's figures after b's rebuild: %d contacts, %v", n, err)
			}
			return nil
		},
		rapportv1.AuditService_ListAuditEvents_FullMethodName: func() error {
			// Give A's events time to be written, then look for them from B.
			waitForAudit(t, ts, a, `customer = "`+customer+`"`)
			res, err := ts.audit.ListAuditEvents(b, &rapportv1.ListAuditEventsRequest{PageSize: 500})
			if err != nil {
				return err
			}
			for _, e := range res.GetAuditEvents() {
				if e.GetPrincipal() == "jwt/agent-of-tenant-a" {
					return errors.New("tenant b sees tenant a's audit events")
				}
			}
			return nil
		},
	}
	for method := range access.MethodScopes {
		if _, ok := calls[method]; !ok {
			t.Errorf("%s: no isolation check", method)
		}
	}
	for method, call := range calls {
		if err := call(); err != nil {
			t.Errorf("%s as tenant b on tenant a's data: %v", method, err)
		}
	}
	after, err := ts.customers.GetCustomer(a, &rapportv1.GetCustomerRequest{Name: customer})
	if err != nil || !proto.Equal(before, after) {
		t.Fatalf("tenant a's customer changed: %v -> %v (%v)", before, after, err)
	}
	list, err := ts.interactions.ListInteractions(a, &rapportv1.ListInteractionsRequest{Parent: customer})
	if err != nil || len(list.GetInteractions()) != 1 {
		t.Fatalf("tenant a's history: %v, %v; want its one interaction", list, err)
	}
	got, err := ts.issues.GetIssue(a, &rapportv1.GetIssueRequest{Name: issue})
	if err != nil || got.GetIssue().GetTitle() != "Printer jams" {
		t.Fatalf("tenant a's issue: %v, %v", got, err)
	}
}

// waitForAudit polls until the filter matches an audit event (they are
// written asynchronously) and returns the events.
func waitForAudit(t *testing.T, ts *testServer, ctx context.Context, filter string) []*rapportv1.AuditEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := ts.audit.ListAuditEvents(ctx, &rapportv1.ListAuditEventsRequest{Filter: filter, PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.GetAuditEvents()) > 0 {
			return res.GetAuditEvents()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no audit event matches %s", filter)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPageTokensAreBoundToTenantAndRequest(t *testing.T) {
	t.Parallel()
	ts, _, is := authServer(t, service.Options{})
	a := as(t.Context(), is.tenantToken(t, "tenant-a", allScopes))
	b := as(t.Context(), is.tenantToken(t, "tenant-b", allScopes))
	for _, id := range []string{"c1", "c2", "c3"} {
		for _, ctx := range []context.Context{a, b} {
			if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: id, Customer: &rapportv1.Customer{DisplayName: id}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	page, err := ts.customers.ListCustomers(a, &rapportv1.ListCustomersRequest{PageSize: 1})
	if err != nil || page.GetNextPageToken() == "" {
		t.Fatalf("first page: %v, %v", page, err)
	}
	tok := page.GetNextPageToken()
	if _, err := ts.customers.ListCustomers(a, &rapportv1.ListCustomersRequest{PageSize: 1, PageToken: tok}); err != nil {
		t.Fatalf("own token: %v", err)
	}
	// A token made up with a guessed checksum.
	forged := pagination.EncodePageTokenStruct(struct {
		After    string
		Checksum uint32
	}{"c1", 12345})
	for name, tc := range map[string]struct {
		ctx context.Context
		req *rapportv1.ListCustomersRequest
	}{
		"another tenant's token": {b, &rapportv1.ListCustomersRequest{PageSize: 1, PageToken: tok}},
		"a forged token":         {a, &rapportv1.ListCustomersRequest{PageSize: 1, PageToken: forged}},
		"garbage":                {a, &rapportv1.ListCustomersRequest{PageToken: "not-a-token"}},
	} {
		_, err := ts.customers.ListCustomers(tc.ctx, tc.req)
		if code, _, fields := statusDetails(t, err); code != codes.InvalidArgument || fields["page_token"] == "" {
			t.Errorf("%s: %v, want INVALID_ARGUMENT on page_token", name, err)
		}
	}
	// Audit pages are bound to their filter too.
	var ap *rapportv1.ListAuditEventsResponse
	for deadline := time.Now().Add(10 * time.Second); ap.GetNextPageToken() == ""; time.Sleep(50 * time.Millisecond) {
		// Events are written asynchronously: wait for a second one.
		var err error
		if ap, err = ts.audit.ListAuditEvents(a, &rapportv1.ListAuditEventsRequest{PageSize: 1}); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit page: %v, want more than one event", ap)
		}
	}
	_, err = ts.audit.ListAuditEvents(a, &rapportv1.ListAuditEventsRequest{PageSize: 1, PageToken: ap.GetNextPageToken(), Filter: `code = "OK"`})
	if code, _, fields := statusDetails(t, err); code != codes.InvalidArgument || fields["page_token"] == "" {
		t.Errorf("audit token with another filter: %v, want INVALID_ARGUMENT on page_token", err)
	}
}

func TestAuditTrailRecordsWhoTouchedWhichCustomer(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	store := newStore(t)
	ts := startServer(t, store, service.Options{Auth: access.AuthConfig{APIKeys: true, JWT: is.verifier(t)}})
	admin := as(t.Context(), is.tenantToken(t, "acme", allScopes))
	reader := as(t.Context(), is.tenantToken(t, "acme", "context.read"))
	customer, _, _ := seedTenant(t, ts, admin)
	if _, err := ts.contexts.GetCustomerContext(reader, &rapportv1.GetCustomerContextRequest{Identity: "email:ada@a.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.customers.DeleteCustomer(reader, &rapportv1.DeleteCustomerRequest{Name: customer}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("delete without privacy scope: %v", err)
	}
	if _, err := ts.audit.ListAuditEvents(reader, &rapportv1.ListAuditEventsRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("audit trail without admin scope: %v", err)
	}
	st, err := ts.customers.ExportCustomer(admin, &rapportv1.ExportCustomerRequest{Name: customer})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := st.Recv(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{ // method -> code
		rapportv1.ContextService_GetCustomerContext_FullMethodName: "OK",
		rapportv1.CustomerService_DeleteCustomer_FullMethodName:    "PERMISSION_DENIED",
		rapportv1.CustomerService_ExportCustomer_FullMethodName:    "OK",
	}
	var events []*rapportv1.AuditEvent
	deadline := time.Now().Add(10 * time.Second)
	for {
		events = waitForAudit(t, ts, admin, `principal = "jwt/agent-of-acme" AND customer = "`+customer+`"`)
		found := map[string]string{}
		for _, e := range events {
			found[e.GetMethod()] = e.GetCode()
		}
		done := found[rapportv1.InteractionService_RecordInteraction_FullMethodName] == "OK"
		for m, code := range want {
			done = done && found[m] == code
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit events %v lack %v", events, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, e := range events {
		if !strings.HasPrefix(e.GetName(), "auditEvents/") || e.GetTime() == nil {
			t.Errorf("event %v lacks a name or time", e)
		}
	}
	// Filters and their errors.
	res, err := ts.audit.ListAuditEvents(admin, &rapportv1.ListAuditEventsRequest{Filter: `code = "PERMISSION_DENIED"`})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.GetAuditEvents() {
		if e.GetCode() != "PERMISSION_DENIED" {
			t.Errorf("filter on code returned %v", e)
		}
	}
	for _, f := range []string{`text = "x"`, `time = "2026-01-01T00:00:00Z"`, `customer > "a"`, `(`} {
		_, err := ts.audit.ListAuditEvents(admin, &rapportv1.ListAuditEventsRequest{Filter: f})
		if code, _, fields := statusDetails(t, err); code != codes.InvalidArgument || fields["filter"] == "" {
			t.Errorf("filter %s: %v, want INVALID_ARGUMENT on filter", f, err)
		}
	}
	res, err = ts.audit.ListAuditEvents(admin, &rapportv1.ListAuditEventsRequest{Filter: `time > "2999-01-01T00:00:00Z"`})
	if err != nil || len(res.GetAuditEvents()) != 0 {
		t.Fatalf("events from the future: %v, %v", res, err)
	}
	// Names a caller filled with other text are not copied into the trail.
	if _, err := ts.interactions.RecordInteraction(admin, &rapportv1.RecordInteractionRequest{Parent: customer, Interaction: &rapportv1.Interaction{
		Name: "customers/my card is 4111 1111 1111 1111", Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: timestamppb.Now(), Summary: "x", SourceSystem: "zendesk", SourceId: "99"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.customers.GetCustomer(admin, &rapportv1.GetCustomerRequest{Name: "customers/jane.doe@example.com"}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("get with an email for an ID: %v", err)
	}
	// Events are written in the order calls end: once the last is stored,
	// so are the others.
	waitForAudit(t, ts, admin, `method = "/rapport.v1.CustomerService/GetCustomer" AND code = "INVALID_ARGUMENT"`)
	// The stored trail never holds what the customer said.
	audited := 0
	for _, r := range engine().Rows(t, store) {
		if !strings.HasPrefix(r.Table, "audit_") {
			continue
		}
		audited++
		for _, secret := range []string{"my secret text", "printer jams", "Printer jams", "ada@a.example", "jane.doe", "4111"} {
			for _, v := range r.Values {
				if strings.Contains(v, secret) {
					t.Errorf("audit record %s holds %q: %q", r.Key, secret, r.Values)
				}
			}
		}
		if !slices.Contains(r.Values, "acme") {
			t.Errorf("audit record without its tenant: %q", r.Values)
		}
	}
	if audited == 0 {
		t.Error("no audit records stored")
	}
}

func TestAuditEventsExpireWithTheAuditRetention(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	store := newStore(t)
	ts, srv := startServerWith(t, store, service.Options{Now: clk.now, AuditRetention: 24 * time.Hour})
	ctx := t.Context()
	if _, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{}); err != nil {
		t.Fatal(err)
	}
	waitForAudit(t, ts, ctx, `method = "/rapport.v1.CustomerService/ListCustomers"`)
	clk.advance(25 * time.Hour)
	if _, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: "customers/nobody"}); status.Code(err) != codes.NotFound {
		t.Fatal(err)
	}
	waitForAudit(t, ts, ctx, `method = "/rapport.v1.CustomerService/GetCustomer"`)
	res, err := srv.PurgeOnce(ctx)
	// The old events: ListCustomers and the audit reads that waited for it.
	if err != nil || res.AuditEvents < 2 {
		t.Fatalf("purge: %+v, %v; want the old audit events deleted", res, err)
	}
	list, err := ts.audit.ListAuditEvents(ctx, &rapportv1.ListAuditEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, e := range list.GetAuditEvents() {
		if e.GetTime().AsTime().Before(clk.now().Add(-24 * time.Hour)) {
			t.Fatalf("an audit event older than the retention survived: %v", e)
		}
		kept = kept || e.GetMethod() == rapportv1.CustomerService_GetCustomer_FullMethodName
	}
	if !kept {
		t.Fatal("the recent GetCustomer event was deleted too")
	}
}
