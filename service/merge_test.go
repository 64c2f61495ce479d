package service_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

// exported is a customer's export without what depends on the wall clock
// (the context's compute time).
func exported(t *testing.T, ts *testServer, name string) []*rapportv1.ExportCustomerResponse {
	t.Helper()
	msgs, err := exportAll(t.Context(), ts, name)
	if err != nil {
		t.Fatalf("export %s: %v", name, err)
	}
	for _, m := range msgs {
		if cc := m.GetContext(); cc != nil {
			cc.ComputeTime = nil
		}
	}
	return msgs
}

func sameExport(a, b []*rapportv1.ExportCustomerResponse) bool {
	return slices.EqualFunc(a, b, func(x, y *rapportv1.ExportCustomerResponse) bool { return proto.Equal(x, y) })
}

// twoHalves creates ada and ada-2, the same person recorded twice, each
// with an identity, an open issue (both called "refund") with a fact, and
// a contact about billing.
func twoHalves(t *testing.T, ts *testServer) (survivor, merged string) {
	t.Helper()
	for _, c := range []*rapportv1.CreateCustomerRequest{
		{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada Lovelace", Identities: []*rapportv1.Identity{identity(emailType, "ada@shop.example")}}},
		{CustomerId: "ada-2", Customer: &rapportv1.Customer{DisplayName: "A. Lovelace", PreferredName: "Ada",
			Identities:  []*rapportv1.Identity{identity(phoneType, "+44 20 7946 0958")},
			Preferences: &rapportv1.Preferences{LanguageCode: "en-GB"}}},
	} {
		if _, err := ts.customers.CreateCustomer(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range []string{"ada", "ada-2"} {
		parent := "customers/" + id
		is := ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Refund " + id, Topic: "billing"})
		in := &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL + rapportv1.Channel(i*-2), OccurTime: ago(time.Duration(i+1) * 24 * time.Hour),
			Summary: "about the refund", Topics: []string{"billing"}, Issue: is.GetName(), SourceSystem: "crm", SourceId: id + "-1",
			Facts: []*rapportv1.Fact{{Key: "order_number", Value: "order of " + id}}}
		if i == 1 {
			in.Survey = &rapportv1.SurveyAnswers{Csat: proto.Int32(1)}
		}
		ts.record(t, parent, in)
	}
	return "customers/ada", "customers/ada-2"
}

func TestMergeAndUnmerge(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	ada, ada2 := twoHalves(t, ts)
	beforeA, beforeB := exported(t, ts, ada), exported(t, ts, ada2)

	res, err := ts.customers.MergeCustomers(ctx, &rapportv1.MergeCustomersRequest{Customer: ada, MergedCustomer: ada2})
	if err != nil {
		t.Fatal(err)
	}
	if m := res.GetMerge(); m.GetName() != ada+"/merges/ada-2" || m.GetMergedCustomer() != ada2 || m.GetProfileRule() != rapportv1.MergeProfileRule_MERGE_PROFILE_RULE_SURVIVOR_FIRST || res.GetAlreadyMerged() {
		t.Errorf("merge %v", res)
	}
	view := res.GetCustomer()
	if view.GetName() != ada || view.GetDisplayName() != "Ada Lovelace" || view.GetPreferredName() != "Ada" || view.GetPreferences().GetLanguageCode() != "en-GB" ||
		len(view.GetIdentities()) != 2 || !slices.Equal(view.GetMergedCustomers(), []string{ada2}) {
		t.Errorf("survivor's profile after the merge: %v", view)
	}
	if again, err := ts.customers.MergeCustomers(ctx, &rapportv1.MergeCustomersRequest{Customer: ada, MergedCustomer: ada2}); err != nil || !again.GetAlreadyMerged() {
		t.Errorf("retried merge: %v, %v", again, err)
	}

	// The survivor's context holds both halves.
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: ada})
	var issues, facts []string
	for _, is := range cc.GetOpenIssues() {
		issues = append(issues, is.GetName())
		for _, f := range is.GetFacts() {
			facts = append(facts, f.GetValue())
		}
	}
	slices.Sort(issues)
	slices.Sort(facts)
	if !slices.Equal(issues, []string{ada2 + "/issues/refund", ada + "/issues/refund"}) || !slices.Equal(facts, []string{"order of ada", "order of ada-2"}) {
		t.Errorf("open issues %v with facts %v, want both halves'", issues, facts)
	}
	if rc := cc.GetRepeatContacts(); !slices.ContainsFunc(rc, func(r *rapportv1.RepeatContact) bool { return r.GetTopic() == "billing" && r.GetCount() == 2 }) {
		t.Errorf("repeat contacts %v, want billing twice (once in each half)", rc)
	}
	if cc.GetSatisfaction().GetCsat().GetValue() != 1 || !slices.Contains(hintCodes(cc.GetHints()), "APOLOGIZE_LOW_CSAT") || !slices.Contains(hintCodes(cc.GetHints()), "REPEAT_CONTACT_TOPIC") {
		t.Errorf("satisfaction %v, hints %v", cc.GetSatisfaction(), hintCodes(cc.GetHints()))
	}
	// The old name and every identity resolve to the survivor, on every
	// read path.
	for _, req := range []*rapportv1.GetCustomerContextRequest{{Customer: ada2}, {Identity: "phone:+442079460958"}, {Identity: "email:ada@shop.example"}} {
		if got := ts.context(t, req); got.GetCustomer() != ada || len(got.GetOpenIssues()) != 2 {
			t.Errorf("context of %v: customer %s, %d open issues", req, got.GetCustomer(), len(got.GetOpenIssues()))
		}
	}
	if got, err := ts.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: ada2}); err != nil || !proto.Equal(got.GetCustomer(), view) {
		t.Errorf("GetCustomer of the merged name: %v, %v", got, err)
	}
	if got, err := ts.customers.LookupCustomer(ctx, &rapportv1.LookupCustomerRequest{Identity: "phone:+442079460958"}); err != nil || got.GetCustomer().GetName() != ada {
		t.Errorf("lookup of the merged half's phone: %v, %v", got, err)
	}
	if got, err := ts.contexts.EnrichTicket(ctx, &rapportv1.EnrichTicketRequest{Requester: "phone:+442079460958", Subject: "my refund", Topic: "billing"}); err != nil ||
		got.GetCustomer().GetName() != ada || got.GetLikelyIssue() == nil {
		t.Errorf("enrich a ticket from the merged half's phone: %v, %v", got, err)
	}
	for _, parent := range []string{ada, ada2} {
		ins, err := ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: parent})
		if err != nil || len(ins.GetInteractions()) != 2 {
			t.Errorf("interactions of %s: %v, %v", parent, ins, err)
		}
		iss, err := ts.issues.ListIssues(ctx, &rapportv1.ListIssuesRequest{Parent: parent})
		if err != nil || len(iss.GetIssues()) != 2 {
			t.Errorf("issues of %s: %v, %v", parent, iss, err)
		}
	}
	if list, err := ts.customers.ListMerges(ctx, &rapportv1.ListMergesRequest{Parent: ada}); err != nil || len(list.GetMerges()) != 1 || list.GetMerges()[0].GetMergedCustomer() != ada2 {
		t.Errorf("merges of ada: %v, %v", list, err)
	}
	// Refused merges.
	for _, tc := range []struct {
		req    *rapportv1.MergeCustomersRequest
		code   codes.Code
		reason string
	}{
		{&rapportv1.MergeCustomersRequest{Customer: ada2, MergedCustomer: ada}, codes.FailedPrecondition, "MERGE_CONFLICT"},
		{&rapportv1.MergeCustomersRequest{Customer: ada, MergedCustomer: ada}, codes.InvalidArgument, "INVALID_FIELD"},
		{&rapportv1.MergeCustomersRequest{Customer: ada, MergedCustomer: "customers/nobody"}, codes.NotFound, "CUSTOMER_NOT_FOUND"},
		{&rapportv1.MergeCustomersRequest{Customer: ada, MergedCustomer: ada2, ProfileRule: 9}, codes.InvalidArgument, "INVALID_FIELD"},
	} {
		_, err := ts.customers.MergeCustomers(ctx, tc.req)
		if code, info, _ := statusDetails(t, err); code != tc.code || info.GetReason() != tc.reason {
			t.Errorf("merge %v: %v %v, want %v %s", tc.req, code, info.GetReason(), tc.code, tc.reason)
		}
	}

	// A contact recorded for the survivor after the merge stays with it.
	late := ts.record(t, ada, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Hour), Summary: "after the merge", SourceSystem: "crm", SourceId: "late"})

	un, err := ts.customers.UnmergeCustomer(ctx, &rapportv1.UnmergeCustomerRequest{Name: ada + "/merges/ada-2"})
	if err != nil {
		t.Fatal(err)
	}
	if un.GetCustomer().GetName() != ada || len(un.GetCustomer().GetIdentities()) != 1 || un.GetRestored().GetName() != ada2 {
		t.Errorf("unmerge: %v", un)
	}
	if afterB := exported(t, ts, ada2); !sameExport(afterB, beforeB) {
		t.Errorf("the merged customer's export after the unmerge differs:\n%v\n%v", afterB, beforeB)
	}
	afterA := exported(t, ts, ada)
	var withoutLate []*rapportv1.ExportCustomerResponse
	for _, m := range afterA {
		if m.GetInteraction().GetName() != late.GetInteraction().GetName() {
			withoutLate = append(withoutLate, m)
		}
	}
	if len(withoutLate) != len(afterA)-1 {
		t.Errorf("the survivor lost what was written to it after the merge: %v", afterA)
	}
	// The survivor's export is as before but for the later contact (and its
	// context, which counts it).
	if !sameExport(withoutLate[:len(withoutLate)-1], beforeA[:len(beforeA)-1]) {
		t.Errorf("the survivor's export after the unmerge:\n%v\nbefore:\n%v", withoutLate, beforeA)
	}
	if got := ts.context(t, &rapportv1.GetCustomerContextRequest{Identity: "phone:+442079460958"}); got.GetCustomer() != ada2 {
		t.Errorf("the merged half's phone after the unmerge finds %s", got.GetCustomer())
	}
	_, err = ts.customers.UnmergeCustomer(ctx, &rapportv1.UnmergeCustomerRequest{Name: ada + "/merges/ada-2"})
	if code, info, _ := statusDetails(t, err); code != codes.NotFound || info.GetReason() != "MERGE_NOT_FOUND" {
		t.Errorf("second unmerge: %v %v", code, info)
	}
}

// Writers of both halves while they are merged: nothing is lost, and the
// survivor's context counts every contact.
func TestConcurrentWritesDuringAMerge(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ada, ada2 := twoHalves(t, ts)
	const perWriter = 15
	var wg sync.WaitGroup
	errs := make(chan error, 2*perWriter+1)
	for _, parent := range []string{ada, ada2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				_, err := ts.interactions.RecordInteraction(t.Context(), &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: &rapportv1.Interaction{
					Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Duration(i) * time.Minute), Summary: "concurrent",
					SourceSystem: "crm", SourceId: fmt.Sprint(parent, "-c-", i)}})
				errs <- err
			}
		}()
	}
	_, err := ts.customers.MergeCustomers(t.Context(), &rapportv1.MergeCustomersRequest{Customer: ada, MergedCustomer: ada2})
	errs <- err
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := 2 + 2*perWriter
	ins, err := ts.interactions.ListInteractions(t.Context(), &rapportv1.ListInteractionsRequest{Parent: ada, PageSize: 100})
	if err != nil || len(ins.GetInteractions()) != want {
		t.Fatalf("interactions after the merge: %d, %v; want %d", len(ins.GetInteractions()), err, want)
	}
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: ada})
	for _, c := range cc.GetContactCounts() {
		if c.GetDays() == 7 && int(c.GetTotal()) != want {
			t.Errorf("the survivor's context counts %d contacts in 7 days, want %d", c.GetTotal(), want)
		}
	}
}

// Erasure of a merged customer (by either name) erases both halves.
func TestErasureAfterAMergeLeavesNothing(t *testing.T) {
	t.Parallel()
	ts, db := newTestServerDB(t)
	ada, ada2 := twoHalves(t, ts)
	if _, err := ts.customers.MergeCustomers(t.Context(), &rapportv1.MergeCustomersRequest{Customer: ada, MergedCustomer: ada2}); err != nil {
		t.Fatal(err)
	}
	res, err := ts.customers.DeleteCustomer(t.Context(), &rapportv1.DeleteCustomerRequest{Name: ada2})
	if err != nil {
		t.Fatal(err)
	}
	if res.GetCustomersDeleted() != 2 || res.GetIssuesDeleted() != 2 || res.GetInteractionsDeleted() != 2 {
		t.Errorf("erased %v", res)
	}
	found, _ := scanDatabase(t, db, []string{"ada", "shop.example", "7946", "lovelace", "refund"}, "")
	for _, f := range found {
		if !strings.HasPrefix(f.table, "audit_") { // the audit trail keeps resource names
			t.Errorf("left after erasure: %s %s = %q (contains %q)", f.table, f.key, f.value, f.needle)
		}
	}
	for _, name := range []string{ada, ada2} {
		if _, err := ts.customers.GetCustomer(t.Context(), &rapportv1.GetCustomerRequest{Name: name}); !strings.Contains(fmt.Sprint(err), "NotFound") {
			t.Errorf("%s after the erasure: %v", name, err)
		}
	}
}

// A watch on a merged customer's name follows the survivor: a contact
// recorded for the survivor reaches it.
func TestWatchOnAMergedNameFollowsTheSurvivor(t *testing.T) {
	t.Parallel()
	ts := startServer(t, mustStore(t), service.Options{WatchPollInterval: 50 * time.Millisecond})
	ada, ada2 := twoHalves(t, ts)
	if _, err := ts.customers.MergeCustomers(t.Context(), &rapportv1.MergeCustomersRequest{Customer: ada, MergedCustomer: ada2}); err != nil {
		t.Fatal(err)
	}
	stream, err := ts.contexts.WatchCustomerContext(t.Context(), &rapportv1.WatchCustomerContextRequest{
		Context: &rapportv1.GetCustomerContextRequest{Customer: ada2}})
	if err != nil {
		t.Fatal(err)
	}
	first := recvContext(t, stream, 5*time.Second)
	if first.GetCustomer() != ada {
		t.Fatalf("the watch of %s starts with %s's context", ada2, first.GetCustomer())
	}
	rec := ts.record(t, ada, interaction(rapportv1.Channel_CHANNEL_CHAT, 0, "after-the-merge"))
	for {
		cc := recvContext(t, stream, 5*time.Second)
		if slices.ContainsFunc(cc.GetRecentInteractions(), func(in *rapportv1.Interaction) bool { return in.GetName() == rec.GetInteraction().GetName() }) {
			return
		}
	}
}
