package service_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// leftover is a stored string that mentions something that should be gone.
type leftover struct {
	table, key, value, needle string
}

// scanDatabase reads every record of every table of the store (through the
// test engine, behind the contract) and returns each stored string (a
// value or a field name, at any depth, keys included; binary values byte
// for byte) that contains one of needles, ignoring case; and how many
// records each table holds. allowed, when not empty, is a string that
// audit records may hold (the resource name the trail keeps): it is
// removed from their values before they are checked.
func scanDatabase(t *testing.T, store repositorytest.Store, needles []string, allowed string) ([]leftover, map[string]int) {
	t.Helper()
	for i, n := range needles {
		needles[i] = strings.ToLower(n)
	}
	var found []leftover
	counts := map[string]int{}
	for _, r := range engine().Rows(t, store) {
		counts[r.Table]++
		for _, v := range append([]string{r.Key}, r.Values...) {
			checked := v
			if allowed != "" && strings.HasPrefix(r.Table, "audit_") {
				checked = strings.ReplaceAll(checked, allowed, "")
			}
			low := strings.ToLower(checked)
			for _, n := range needles {
				if strings.Contains(low, n) {
					found = append(found, leftover{r.Table, r.Key, v, n})
				}
			}
		}
	}
	return found, counts
}

// TestDeleteCustomerLeavesNothing erases a customer with every kind of
// record (identities, an identity dropped by an update, request_id records
// of a create, an issue and an interaction, interactions by source and by
// request_id, issues with facts, the context summary) and then reads every
// document of every collection of the database directly: nothing may
// mention the customer's ID, any identity value they ever had, or the
// content they gave; another customer must be untouched.
func TestDeleteCustomerLeavesNothing(t *testing.T) {
	t.Parallel()
	ts, db := newTestServerDB(t)
	ctx := t.Context()

	const (
		goneID   = "erasure-subject"
		keptID   = "bystander"
		marker   = "zq-private-marker" // in every text the subject gave
		keptMark = "kept-marker"
	)
	create := func(id, requestID string, ids ...*rapportv1.Identity) *rapportv1.Customer {
		t.Helper()
		res, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{
			CustomerId: id, RequestId: requestID,
			Customer: &rapportv1.Customer{
				DisplayName: "Customer " + id, Identities: ids,
				Traits:      map[string]string{"note": id + " trait"},
				Preferences: &rapportv1.Preferences{LanguageCode: "en-gb", AccessibilityNotes: "notes of " + id},
			},
		})
		if err != nil {
			t.Fatalf("create %s: %v", id, err)
		}
		return res.GetCustomer()
	}
	gone := create(goneID, "8d0d7c1e-1a51-4a55-9d6e-0f3a8c1b2d01",
		identity(emailType, "Subject.Person@Example.org"),
		identity(phoneType, "+44 20 7946 0123"),
		identity(socialType, "@SubjectPerson"),
		identity(rapportv1.IdentityType_IDENTITY_TYPE_EXTERNAL_ID, "CRM-990011"),
	)
	kept := create(keptID, "8d0d7c1e-1a51-4a55-9d6e-0f3a8c1b2d02",
		identity(emailType, "grace@example.net"),
		identity(phoneType, "+1 415 555 0142"),
	)
	// An identity the subject had and gave up: its value must go too.
	upd, err := ts.customers.UpdateCustomer(ctx, &rapportv1.UpdateCustomerRequest{
		Customer: &rapportv1.Customer{Name: gone.GetName(), Identities: append(gone.GetIdentities(),
			identity(rapportv1.IdentityType_IDENTITY_TYPE_CHAT_HANDLE, "subject-chat"))},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"identities"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	upd, err = ts.customers.UpdateCustomer(ctx, &rapportv1.UpdateCustomerRequest{
		Customer:   &rapportv1.Customer{Name: gone.GetName(), Identities: upd.GetCustomer().GetIdentities()[1:]},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"identities"}},
	})
	if err != nil {
		t.Fatal(err)
	}

	history := func(c *rapportv1.Customer, mark string, n int) {
		t.Helper()
		parent := c.GetName()
		id := strings.TrimPrefix(parent, "customers/")
		open, err := ts.issues.CreateIssue(ctx, &rapportv1.CreateIssueRequest{
			Parent: parent, IssueId: "refund", RequestId: fmt.Sprintf("5b2e8f4a-7c1d-4e9a-b3f6-0a1b2c3d4e%02d", n),
			Issue: &rapportv1.Issue{Title: "Refund for " + mark, Topic: "billing",
				Facts: []*rapportv1.Fact{{Key: "order_number", Value: mark + "-order"}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		other := ts.newIssue(t, parent, "outage", &rapportv1.Issue{Title: "Outage " + mark})
		for i := range 4 {
			in := interaction(rapportv1.Channel_CHANNEL_EMAIL, n*100+i, id+"-src-"+fmt.Sprint(i))
			in.Text = "I am " + mark + ", message " + fmt.Sprint(i)
			in.Issue = open.GetIssue().GetName()
			in.Facts = []*rapportv1.Fact{{Key: "step_tried", Value: mark + " step " + fmt.Sprint(i)}}
			ts.record(t, parent, in)
		}
		// Without a source record: idempotent by request_id.
		in := interaction(rapportv1.Channel_CHANNEL_CHAT, n*100+10, "")
		in.Text, in.Issue = "chat by "+mark, other.GetName()
		in.Facts = []*rapportv1.Fact{{Key: "device", Value: mark + " phone"}}
		if _, err := ts.interactions.RecordInteraction(ctx, &rapportv1.RecordInteractionRequest{
			Parent: parent, Interaction: in, RequestId: fmt.Sprintf("0c9e6f1d-2b3a-4c5d-8e7f-9a0b1c2d3e%02d", n),
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.setStatus(t, other.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED); err != nil {
			t.Fatal(err)
		}
		// A late survey with the subject's words, and an issue migrated
		// with its past (source record, status history).
		if _, err := ts.interactions.RecordSurvey(ctx, &rapportv1.RecordSurveyRequest{
			Parent: parent, SourceSystem: "crm", SourceId: id + "-src-0", RequestId: fmt.Sprintf("3d4c5b6a-7f8e-4d9c-a1b2-c3d4e5f6a7%02d", n),
			Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(2), AnswerTime: at(n*100 + 60), Comment: "survey comment of " + mark},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.issues.CreateIssue(ctx, &rapportv1.CreateIssueRequest{Parent: parent, Issue: &rapportv1.Issue{
			Title: "Migrated " + mark, SourceSystem: "legacy", SourceId: mark + "-T1", OpenTime: at(-600),
			StatusHistory: []*rapportv1.IssueStatusChange{{Status: rapportv1.IssueStatus_ISSUE_STATUS_CLOSED, ChangeTime: at(-500), Resolution: "closed for " + mark}},
		}}); err != nil {
			t.Fatal(err)
		}
		if cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent}); len(cc.GetRecentInteractions()) != 5 {
			t.Fatalf("context of %s: %v", parent, cc)
		}
	}
	history(gone, marker, 1)
	history(kept, keptMark, 2)

	needles := []string{goneID, marker, "subject-chat"}
	for _, id := range upd.GetCustomer().GetIdentities() {
		needles = append(needles, id.GetValue())
	}
	needles = append(needles, gone.GetIdentities()[0].GetValue()) // dropped by the update
	if len(needles) != 3+4+1 {
		t.Fatalf("needles %v", needles)
	}
	// The scan finds the subject before the erasure: it looks in the right
	// places (every collection that should be erased holds something).
	before, _ := scanDatabase(t, db, needles, "")
	seen := map[string]bool{}
	for _, f := range before {
		seen[f.table] = true
	}
	for _, coll := range []string{"customers", "identities", "requests", "interactions", "issues", "summaries"} {
		if !seen[coll] {
			t.Errorf("before erasure, nothing in %s mentions the subject: the scan is blind there", coll)
		}
	}

	if _, err := ts.customers.DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: gone.GetName()}); err != nil {
		t.Fatal(err)
	}
	// The audit trail keeps who touched which customer by its resource
	// name (the accountability record, removed by audit retention), and
	// nothing else: no identity, no text.
	after, counts := scanDatabase(t, db, needles, gone.GetName())
	for _, f := range after {
		t.Errorf("left after erasure: %s %s = %q (contains %q)", f.table, f.key, f.value, f.needle)
	}

	// The bystander is intact, in the database and through the API.
	keptNeedles := []string{keptID, keptMark}
	for _, id := range kept.GetIdentities() {
		keptNeedles = append(keptNeedles, id.GetValue())
	}
	still, _ := scanDatabase(t, db, keptNeedles, "")
	seen = map[string]bool{}
	for _, f := range still {
		seen[f.table] = true
	}
	for _, coll := range []string{"customers", "identities", "requests", "interactions", "issues", "summaries"} {
		if !seen[coll] {
			t.Errorf("the bystander's records in %s are gone (documents per collection: %v)", coll, counts)
		}
	}
	want := map[string]int{"customers": 1, "identities": 2, "requests": 4, "interactions": 5, "issues": 3, "summaries": 1}
	for coll, n := range want {
		if counts[coll] != n {
			t.Errorf("%s holds %d documents after the erasure, want the bystander's %d (all: %v)", coll, counts[coll], n, counts)
		}
	}
	got, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: kept.GetName()})
	if err != nil || len(got.GetCustomer().GetIdentities()) != 2 {
		t.Fatalf("bystander: %v %v", got, err)
	}
	list, err := ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: kept.GetName()})
	if err != nil || len(list.GetInteractions()) != 5 {
		t.Errorf("bystander's history: %d interactions, %v", len(list.GetInteractions()), err)
	}
	is, err := ts.issues.GetIssue(ctx, &rapportv1.GetIssueRequest{Name: kept.GetName() + "/issues/refund"})
	if err != nil || len(is.GetIssue().GetFacts()) != 5 {
		t.Errorf("bystander's issue: %v %v", is, err)
	}
	for _, v := range []string{"email:grace@example.net", "phone:+14155550142"} {
		if _, err := ts.customers.LookupCustomer(ctx, &rapportv1.LookupCustomerRequest{Identity: v}); err != nil {
			t.Errorf("lookup %s: %v", v, err)
		}
	}
	if cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: kept.GetName()}); len(cc.GetRecentInteractions()) != 5 {
		t.Errorf("bystander's context: %v", cc)
	}
	// And the subject is gone through the API.
	if _, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: gone.GetName()}); status.Code(err) != codes.NotFound {
		t.Errorf("erased customer: %v", err)
	}
}

// Writers racing DeleteCustomer through the API: whatever order the calls
// land in, once everything returned no record of an erased customer is
// left in any collection.
func TestWritesRacingDeleteCustomerLeaveNothing(t *testing.T) {
	t.Parallel()
	ts, db := newTestServerDB(t)
	ctx := t.Context()
	for round := range 8 {
		id := fmt.Sprintf("racer-%d", round)
		parent := ts.newCustomer(t, id)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 5 {
					in := interaction(rapportv1.Channel_CHANNEL_CHAT, i, fmt.Sprintf("%s-%d-%d", id, w, i))
					_, err := ts.interactions.RecordInteraction(ctx, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
					// UNAVAILABLE: the embedded store may drop a connection
					// under this load (retryable; what is stored is checked below).
					if c := status.Code(err); c != codes.OK && c != codes.NotFound && c != codes.Aborted && c != codes.Unavailable {
						t.Errorf("record racing an erasure: %v", err)
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(round) * 2 * time.Millisecond)
			if _, err := ts.customers.DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: parent}); err != nil && status.Code(err) != codes.Aborted {
				t.Errorf("delete: %v", err)
			}
		}()
		wg.Wait()
		// A delete that lost an etag race to a writer (ABORTED) is retried.
		if _, err := ts.customers.DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: parent}); err != nil && status.Code(err) != codes.NotFound {
			t.Fatal(err)
		}
		left, _ := scanDatabase(t, db, []string{id}, "customers/"+id)
		for _, f := range left {
			t.Errorf("round %d: left after erasure: %s %s = %q", round, f.table, f.key, f.value)
		}
	}
}
