package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// Scenario tests of issue 18, points 5 to 7, through the public API: what
// customers say in their own words.

// "Please call me Sam" greets as Sam, with the e-mail as evidence, without
// changing the stored profile; confirming it with UpdateCustomer makes it
// the profile's.
func TestStatedNameGreetsUntilTheProfileSaysSo(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "samuel")
	said := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(time.Minute),
		Text: "Hi,\n\nplease call me Sam, not Samuel. The router is still in its box.\n\nSamuel Ortiz"}).GetInteraction()
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	sp := cc.GetStatedPreferences()
	if len(sp) != 1 || sp[0].GetKey() != "preferred_name" || sp[0].GetValue() != "Sam" || sp[0].GetInteraction() != said.GetName() || sp[0].GetChannel() != rapportv1.Channel_CHANNEL_EMAIL {
		t.Fatalf("stated preferences %v", sp)
	}
	h := findHint(cc.GetHints(), "GREET_BY_PREFERRED_NAME")
	if h == nil || !strings.HasPrefix(h.GetText(), "Greet them as Sam ") || !slices.Contains(h.GetEvidence(), said.GetName()) {
		t.Errorf("greet hint %v", h)
	}
	if cc.GetProfile().GetPreferredName() != "" {
		t.Errorf("the profile was rewritten: preferred name %q", cc.GetProfile().GetPreferredName())
	}
	// An agent confirms it: the profile rules again, and says Sam.
	_, err := ts.customers.UpdateCustomer(t.Context(), &rapportv1.UpdateCustomerRequest{
		Customer:   &rapportv1.Customer{Name: parent, PreferredName: "Sam"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"preferred_name"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cc = ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if len(cc.GetStatedPreferences()) != 0 {
		t.Errorf("after UpdateCustomer, stated preferences %v", cc.GetStatedPreferences())
	}
	if h := findHint(cc.GetHints(), "GREET_BY_PREFERRED_NAME"); h == nil || h.GetText() != "Greet them as Sam." {
		t.Errorf("greet hint after UpdateCustomer %v", h)
	}
}

// STOP by SMS withdraws SMS consent at once, audited with the SMS as
// evidence; the context says so; START gives it back. STOP in a chat, or
// inside a longer SMS, is not a keyword.
func TestSMSStopWithdrawsConsentAndStartGivesItBack(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	_, err := ts.customers.UpdateCustomer(t.Context(), &rapportv1.UpdateCustomerRequest{
		Customer: &rapportv1.Customer{Name: parent, Preferences: &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{
			{Channel: rapportv1.Channel_CHANNEL_SMS, Status: rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED}}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"preferences.consents"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	smsConsent := func() rapportv1.ConsentStatus {
		t.Helper()
		c, err := ts.customers.GetCustomer(t.Context(), &rapportv1.GetCustomerRequest{Name: parent})
		if err != nil {
			t.Fatal(err)
		}
		for _, cs := range c.GetCustomer().GetPreferences().GetConsents() {
			if cs.GetChannel() == rapportv1.Channel_CHANNEL_SMS {
				return cs.GetStatus()
			}
		}
		return rapportv1.ConsentStatus_CONSENT_STATUS_UNSPECIFIED
	}
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, Direction: rapportv1.Direction_DIRECTION_INBOUND, OccurTime: ago(3 * time.Minute), Text: "STOP"})
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_SMS, Direction: rapportv1.Direction_DIRECTION_INBOUND, OccurTime: ago(3 * time.Minute), Text: "please stop sending me reminders"})
	if st := smsConsent(); st != rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED {
		t.Fatalf("after STOP in a chat and a longer SMS: SMS consent %v, want granted", st)
	}
	stop := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_SMS, Direction: rapportv1.Direction_DIRECTION_INBOUND, OccurTime: ago(2 * time.Minute), Text: "STOP"}).GetInteraction()
	if st := smsConsent(); st != rapportv1.ConsentStatus_CONSENT_STATUS_DENIED {
		t.Fatalf("after STOP by SMS: SMS consent %v, want denied", st)
	}
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent, Channel: rapportv1.Channel_CHANNEL_SMS})
	h := findHint(cc.GetHints(), "CONSENT_DENIED")
	if h == nil || !strings.Contains(h.GetText(), "by SMS") || !strings.Contains(h.GetText(), "texted STOP") || !slices.Contains(h.GetEvidence(), stop.GetName()) {
		t.Errorf("consent hint %v in %v", h, hintCodes(cc.GetHints()))
	}
	if findHint(cc.GetHints(), "PREFER_CHANNEL") != nil {
		t.Errorf("suggests a channel: %v", hintCodes(cc.GetHints()))
	}
	// The change is in the audit trail with the SMS as evidence.
	var events *rapportv1.ListAuditEventsResponse
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if events, err = ts.audit.ListAuditEvents(t.Context(), &rapportv1.ListAuditEventsRequest{Filter: `method = "rapport.v1.Consent/SMS_WITHDRAWN"`}); err != nil {
			t.Fatal(err)
		}
		if len(events.GetAuditEvents()) > 0 {
			break
		}
	}
	if evs := events.GetAuditEvents(); len(evs) != 1 || !slices.Contains(evs[0].GetCustomers(), parent) || !slices.Contains(evs[0].GetCustomers(), stop.GetName()) {
		t.Errorf("audit events of the withdrawal: %v", evs)
	}
	// START gives it back.
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_SMS, Direction: rapportv1.Direction_DIRECTION_INBOUND, OccurTime: ago(time.Minute), Text: " Start "})
	if st := smsConsent(); st != rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED {
		t.Fatalf("after START: SMS consent %v, want granted", st)
	}
	cc = ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent, Channel: rapportv1.Channel_CHANNEL_SMS})
	if findHint(cc.GetHints(), "CONSENT_DENIED") != nil || findHint(cc.GetHints(), "NO_CONSENT_THIS_CHANNEL") != nil {
		t.Errorf("after START: %v", hintCodes(cc.GetHints()))
	}
	// A QUIT back-filled from before the START changes nothing.
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_SMS, Direction: rapportv1.Direction_DIRECTION_INBOUND, OccurTime: ago(48 * time.Hour), Text: "QUIT"})
	if st := smsConsent(); st != rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED {
		t.Errorf("after a back-filled QUIT older than the START: SMS consent %v, want granted", st)
	}
}

// A thank-you on a resolved issue is a confirmed fix: no relapse, no
// repeat contact, no "still fixed?".
func TestThankYouOnResolvedIssueIsAConfirmedFix(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	issue := ts.newIssue(t, parent, "router", &rapportv1.Issue{Title: "Router keeps rebooting", Topic: "connectivity"})
	for i := range 2 {
		ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Duration(3-i) * time.Hour), Issue: issue.GetName(), Topics: []string{"connectivity"}, Summary: "router reboots"})
	}
	if _, err := ts.setStatus(t, issue.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED); err != nil {
		t.Fatal(err)
	}
	thanks := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(0), Issue: issue.GetName(), Topics: []string{"connectivity"},
		Text: "Hi,\n\njust to let you know the new router arrived and everything is working now. Thanks for your help!\n\nMark"}).GetInteraction()
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	for _, code := range []string{"RELAPSE", "REPEAT_CONTACT_ISSUE", "REPEAT_CONTACT_TOPIC", "FOLLOW_UP_RESOLVED"} {
		if findHint(cc.GetHints(), code) != nil {
			t.Errorf("a thank-you gave %s: %v", code, hintCodes(cc.GetHints()))
		}
	}
	if cf := cc.GetConfirmedFixes(); len(cf) != 1 || cf[0].GetIssue() != issue.GetName() || cf[0].GetStatement().GetInteraction() != thanks.GetName() {
		t.Errorf("confirmed fixes %v", cf)
	}
	if h := findHint(cc.GetHints(), "CONFIRMED_FIX"); h == nil || !slices.Equal(h.GetEvidence(), []string{issue.GetName(), thanks.GetName()}) {
		t.Errorf("confirmed-fix hint %v in %v", h, hintCodes(cc.GetHints()))
	}
}

// "It's back" on social with no link to the resolved issue it is about
// gives the relapse hint, with the post as evidence, and no "still fixed?".
func TestRelapseOnSocialWithoutLink(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	issue := ts.newIssue(t, parent, "wifi", &rapportv1.Issue{Title: "Wi-Fi drops"})
	other := ts.newIssue(t, parent, "bill", &rapportv1.Issue{Title: "Wrong invoice", Topic: "billing"})
	for _, is := range []*rapportv1.Issue{issue, other} {
		if _, err := ts.setStatus(t, is.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED); err != nil {
			t.Fatal(err)
		}
	}
	post := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_SOCIAL, OccurTime: ago(0),
		Text: "@telco my wifi is broken again, same as last month. Fix it!"}).GetInteraction()
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	h := findHint(cc.GetHints(), "RELAPSE")
	if h == nil || !slices.Equal(h.GetEvidence(), []string{issue.GetName(), post.GetName()}) || !strings.Contains(h.GetText(), "on social media") {
		t.Fatalf("relapse hint %v in %v", h, hintCodes(cc.GetHints()))
	}
	for _, fu := range cc.GetHints() {
		if fu.GetCode() == "FOLLOW_UP_RESOLVED" && slices.Contains(fu.GetEvidence(), issue.GetName()) {
			t.Errorf("asks whether the Wi-Fi is still fixed: %v", fu)
		}
	}
	// The other resolved issue, which the post is not about, keeps its
	// follow-up and no relapse.
	if n := strings.Count(strings.Join(hintCodes(cc.GetHints()), " "), "RELAPSE"); n != 1 {
		t.Errorf("%d relapse hints: %v", n, hintCodes(cc.GetHints()))
	}
	if fu := findHint(cc.GetHints(), "FOLLOW_UP_RESOLVED"); fu == nil || !slices.Contains(fu.GetEvidence(), other.GetName()) {
		t.Errorf("follow-up of the other issue %v", fu)
	}
}

// Three topic words for one open issue (billing, invoice, payments): the
// unlinked contacts count as repeats of the issue, shown as inferred with
// why; without an issue, they are one topic repeated.
func TestTopicsInOtherWordsCountAsRepeats(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	issue := ts.newIssue(t, parent, "double", &rapportv1.Issue{Title: "Charged twice", Topic: "billing"})
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: ago(3 * time.Hour), Issue: issue.GetName(), Topics: []string{"billing"}, Summary: "double charge"})
	invoice := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(2 * time.Hour), Topics: []string{"invoice"}, Summary: "asks about the invoice"}).GetInteraction()
	payments := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Hour), Topics: []string{"payments"}, Summary: "asks about a payment"}).GetInteraction()
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	var rc *rapportv1.RepeatContact
	for _, r := range cc.GetRepeatContacts() {
		if r.GetIssue() == issue.GetName() {
			rc = r
		}
	}
	if rc == nil || rc.GetCount() != 3 || len(rc.GetInferred()) != 2 || len(rc.GetInteractions()) != 3 {
		t.Fatalf("repeat contacts %v", cc.GetRepeatContacts())
	}
	for i, want := range []string{payments.GetName(), invoice.GetName()} {
		if rc.GetInferred()[i].GetInteraction() != want || !strings.Contains(rc.GetInferred()[i].GetEvidence(), `the issue's "billing"`) {
			t.Errorf("inferred %d: %v, want %s", i, rc.GetInferred()[i], want)
		}
	}
	h := findHint(cc.GetHints(), "REPEAT_CONTACT_ISSUE")
	if h == nil || !strings.Contains(h.GetText(), "4th contact about \"Charged twice\"") {
		t.Errorf("repeat hint %v in %v", h, hintCodes(cc.GetHints()))
	}

	// No issue: three words, one topic.
	parent = ts.newCustomer(t, "grace")
	for i, topic := range []string{"billing", "invoice", "payments"} {
		ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Duration(3-i) * time.Hour), Topics: []string{topic}, Summary: "a question"})
	}
	cc = ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if rcs := cc.GetRepeatContacts(); len(rcs) != 1 || rcs[0].GetTopic() != "billing" || rcs[0].GetCount() != 3 {
		t.Errorf("repeat contacts %v", rcs)
	}
	if h := findHint(cc.GetHints(), "REPEAT_CONTACT_TOPIC"); h == nil || !strings.Contains(h.GetText(), "3 contacts in 7 days about billing") {
		t.Errorf("topic repeat hint %v", h)
	}
}
