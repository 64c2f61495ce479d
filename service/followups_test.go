package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// followUpNow is the tests' clock: Monday 7 December 2026, 03:00 UTC
// (Sunday 19:00 in Los Angeles, Monday 12:00 in Tokyo).
var followUpNow = time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)

func consent(ch rapportv1.Channel, st rapportv1.ConsentStatus) *rapportv1.ChannelConsent {
	return &rapportv1.ChannelConsent{Channel: ch, Status: st}
}

var weekdays9to5 = []*rapportv1.ContactWindow{{Days: []rapportv1.DayOfWeek{1, 2, 3, 4, 5}, StartTime: "09:00", EndTime: "17:00"}}

func (ts *testServer) customerWith(t *testing.T, id string, p *rapportv1.Preferences) string {
	t.Helper()
	_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: id, Customer: &rapportv1.Customer{DisplayName: "Customer " + id, Preferences: p}})
	if err != nil {
		t.Fatal(err)
	}
	return "customers/" + id
}

func followUpNeeded(ch rapportv1.Channel, ago time.Duration, text string) *rapportv1.Interaction {
	return &rapportv1.Interaction{Channel: ch, Direction: rapportv1.Direction_DIRECTION_INBOUND, OccurTime: timestamppb.New(followUpNow.Add(-ago)),
		Summary: "asked for a callback", Text: text, Outcome: rapportv1.Outcome_OUTCOME_FOLLOW_UP_NEEDED}
}

func listFollowUps(t *testing.T, c rapportv1.FollowUpServiceClient, parent, filter string, size int32) []*rapportv1.FollowUp {
	t.Helper()
	var out []*rapportv1.FollowUp
	token := ""
	for {
		res, err := c.ListFollowUps(t.Context(), &rapportv1.ListFollowUpsRequest{Parent: parent, Filter: filter, PageSize: size, PageToken: token})
		if err != nil {
			t.Fatalf("list %q: %v", filter, err)
		}
		if size > 0 && len(res.GetFollowUps()) > int(size) {
			t.Fatalf("page of %d, size %d", len(res.GetFollowUps()), size)
		}
		out = append(out, res.GetFollowUps()...)
		if token = res.GetNextPageToken(); token == "" {
			return out
		}
	}
}

func customersOf(fus []*rapportv1.FollowUp) []string {
	var out []string
	for _, f := range fus {
		out = append(out, f.GetCustomer())
	}
	return out
}

// Follow-ups are derived on write and listed by due time: consent decides
// the channel (none on record is no consent: listed as blocked, not
// dropped), a stated "don't ring me" rules out a consented channel, and
// the due time is the next moment in the customer's contact windows in
// their time zone.
func TestFollowUpsRespectConsentAndContactWindows(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newStore(t), service.Options{Now: func() time.Time { return followUpNow }})
	fc := rapportv1.NewFollowUpServiceClient(ts.conn)
	granted, denied := rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED, rapportv1.ConsentStatus_CONSENT_STATUS_DENIED
	voice, email, sms := rapportv1.Channel_CHANNEL_VOICE, rapportv1.Channel_CHANNEL_EMAIL, rapportv1.Channel_CHANNEL_SMS
	// Ada, in Los Angeles, prefers voice but denied it: email, Monday 09:00 there.
	ada := ts.customerWith(t, "ada", &rapportv1.Preferences{TimeZone: "America/Los_Angeles", ContactWindows: weekdays9to5, PreferredChannel: voice,
		Consents: []*rapportv1.ChannelConsent{consent(voice, denied), consent(email, granted)}})
	// Bob has no consent on record: listed, blocked, due at once.
	bob := ts.customerWith(t, "bob", &rapportv1.Preferences{})
	// Cy, in Tokyo, consented to voice and SMS but wrote "please don't ring
	// me": SMS, now (it is Monday 12:00 in Tokyo).
	cy := ts.customerWith(t, "cy", &rapportv1.Preferences{TimeZone: "Asia/Tokyo", ContactWindows: weekdays9to5, PreferredChannel: voice,
		Consents: []*rapportv1.ChannelConsent{consent(voice, granted), consent(sms, granted)}})
	// Dee has nothing owed.
	dee := ts.customerWith(t, "dee", &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{consent(email, granted)}})
	ts.record(t, ada, followUpNeeded(voice, time.Hour, ""))
	ts.record(t, bob, followUpNeeded(voice, time.Hour, ""))
	ts.record(t, cy, followUpNeeded(rapportv1.Channel_CHANNEL_CHAT, time.Hour, "Please don't ring me, I'm at work all day."))
	ts.record(t, dee, &rapportv1.Interaction{Channel: email, OccurTime: timestamppb.New(followUpNow.Add(-time.Hour)), Summary: "thanks", Outcome: rapportv1.Outcome_OUTCOME_RESOLVED})

	all := listFollowUps(t, fc, "customers/-", "", 0)
	if got := customersOf(all); !slices.Equal(got, []string{bob, cy, ada}) {
		t.Fatalf("worklist %v, want bob, cy, ada by due time", got)
	}
	want := []struct {
		due     time.Time
		channel rapportv1.Channel
		blocked string
	}{
		{followUpNow, rapportv1.Channel_CHANNEL_UNSPECIFIED, "NO_CONSENTED_CHANNEL"},
		{followUpNow, sms, ""},
		{time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC), email, ""},
	}
	for i, w := range want {
		f := all[i]
		if !f.GetDueTime().AsTime().Equal(w.due) || f.GetChannel() != w.channel || f.GetBlocked() != w.blocked {
			t.Errorf("%s: due %s on %v blocked %q, want %s on %v blocked %q", f.GetCustomer(), f.GetDueTime().AsTime(), f.GetChannel(), f.GetBlocked(), w.due, w.channel, w.blocked)
		}
		if f.GetReason() != rapportv1.FollowUpReason_FOLLOW_UP_REASON_OUTCOME_FOLLOW_UP_NEEDED || f.GetReasonText() == "" || f.GetState() != rapportv1.FollowUpState_FOLLOW_UP_STATE_OPEN ||
			len(f.GetEvidence()) == 0 {
			t.Errorf("%s: %v", f.GetCustomer(), f)
		}
	}
	// Today's, in order, a page at a time; and the filters.
	if got := customersOf(listFollowUps(t, fc, "customers/-", `due_time < "2026-12-07T12:00:00Z"`, 1)); !slices.Equal(got, []string{bob, cy}) {
		t.Fatalf("due before noon: %v", got)
	}
	if got := customersOf(listFollowUps(t, fc, "customers/-", `blocked = ""`, 1)); !slices.Equal(got, []string{cy, ada}) {
		t.Fatalf("not blocked: %v", got)
	}
	if got := customersOf(listFollowUps(t, fc, "customers/-", `due_time >= "2026-12-07T03:00:00.001Z" AND reason = FOLLOW_UP_REASON_OUTCOME_FOLLOW_UP_NEEDED`, 0)); !slices.Equal(got, []string{ada}) {
		t.Fatalf("later ones: %v", got)
	}
	if got := customersOf(listFollowUps(t, fc, ada, "", 0)); !slices.Equal(got, []string{ada}) {
		t.Fatalf("ada's: %v", got)
	}
	if got := listFollowUps(t, fc, dee, "", 0); len(got) != 0 {
		t.Fatalf("dee owes nothing: %v", got)
	}

	// Bob grants SMS consent: his follow-up is planned again on that write.
	_, err := ts.customers.UpdateCustomer(t.Context(), &rapportv1.UpdateCustomerRequest{
		Customer:   &rapportv1.Customer{Name: bob, Preferences: &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{consent(sms, granted)}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"preferences.consents"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := listFollowUps(t, fc, bob, "", 0)
	if len(got) != 1 || got[0].GetChannel() != sms || got[0].GetBlocked() != "" {
		t.Fatalf("after consent: %v", got)
	}
	// Eve consented to SMS only, then texts STOP: consent is withdrawn, and
	// her follow-up is listed as blocked.
	eve := ts.customerWith(t, "eve", &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{consent(sms, granted)}})
	ts.record(t, eve, followUpNeeded(sms, time.Hour, ""))
	if got := listFollowUps(t, fc, eve, "", 0); len(got) != 1 || got[0].GetChannel() != sms {
		t.Fatalf("before STOP: %v", got)
	}
	ts.record(t, eve, &rapportv1.Interaction{Channel: sms, Direction: rapportv1.Direction_DIRECTION_INBOUND, OccurTime: timestamppb.New(followUpNow.Add(-time.Minute)), Text: "STOP"})
	got = listFollowUps(t, fc, eve, "", 0)
	if len(got) != 1 || got[0].GetChannel() != rapportv1.Channel_CHANNEL_UNSPECIFIED || got[0].GetBlocked() != "NO_CONSENTED_CHANNEL" {
		t.Fatalf("after STOP: %v", got)
	}
}

// CompleteFollowUp and SnoozeFollowUp are idempotent: a retry with the
// same request ID returns the first result; completing a completed one
// succeeds and changes nothing; a completed one is not derived again; a
// request ID reused for another request, snoozing a completed one, bad
// input and a missing follow-up are refused with their status.
func TestCompleteAndSnoozeFollowUpsAreIdempotent(t *testing.T) {
	t.Parallel()
	clk := &clock{t: followUpNow}
	ts := startServer(t, newStore(t), service.Options{Now: clk.now})
	fc := rapportv1.NewFollowUpServiceClient(ts.conn)
	email := rapportv1.Channel_CHANNEL_EMAIL
	ada := ts.customerWith(t, "ada", &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{consent(email, rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED)}})
	bob := ts.customerWith(t, "bob", &rapportv1.Preferences{TimeZone: "Europe/Lisbon", ContactWindows: weekdays9to5})
	ts.record(t, ada, followUpNeeded(email, time.Hour, ""))
	ts.record(t, bob, followUpNeeded(email, time.Hour, ""))
	adas, bobs := listFollowUps(t, fc, ada, "", 0), listFollowUps(t, fc, bob, "", 0)
	if len(adas) != 1 || len(bobs) != 1 {
		t.Fatalf("follow-ups %v %v", adas, bobs)
	}
	name := adas[0].GetName()
	const rid = "3f1e3c7a-1b2d-4c5e-8f90-a1b2c3d4e5f6"
	first, err := fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: name, Channel: email, RequestId: rid})
	if err != nil {
		t.Fatal(err)
	}
	if first.GetAlreadyCompleted() || first.GetFollowUp().GetState() != rapportv1.FollowUpState_FOLLOW_UP_STATE_COMPLETED ||
		!first.GetFollowUp().GetCompleteTime().AsTime().Equal(followUpNow) || first.GetFollowUp().GetCompleteChannel() != email {
		t.Fatalf("completed: %v", first)
	}
	clk.advance(time.Hour)
	retry, err := fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: name, Channel: email, RequestId: rid})
	if err != nil || !proto.Equal(retry, first) {
		t.Fatalf("retry: %v %v, want the first result %v", retry, err, first)
	}
	again, err := fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: name})
	if err != nil || !again.GetAlreadyCompleted() || !proto.Equal(again.GetFollowUp(), first.GetFollowUp()) {
		t.Fatalf("second completion: %v %v", again, err)
	}
	_, err = fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: name, Channel: rapportv1.Channel_CHANNEL_SMS, RequestId: rid})
	if code, info, _ := statusDetails(t, err); code != codes.FailedPrecondition || info.GetReason() != "REQUEST_ID_REUSED" {
		t.Fatalf("reused request id: %v", err)
	}
	_, err = fc.SnoozeFollowUp(t.Context(), &rapportv1.SnoozeFollowUpRequest{Name: name, SnoozeTime: timestamppb.New(clk.now().Add(time.Hour))})
	if code, info, _ := statusDetails(t, err); code != codes.FailedPrecondition || info.GetReason() != "FOLLOW_UP_COMPLETED" {
		t.Fatalf("snooze a completed one: %v", err)
	}
	// Listed as completed, not as open; another write does not derive it again.
	if got := listFollowUps(t, fc, "customers/-", "", 0); len(got) != 1 || got[0].GetCustomer() != bob {
		t.Fatalf("open after completion: %v", got)
	}
	if got := listFollowUps(t, fc, "customers/-", "state = FOLLOW_UP_STATE_COMPLETED", 0); len(got) != 1 || !proto.Equal(got[0], first.GetFollowUp()) {
		t.Fatalf("completed: %v", got)
	}
	ts.record(t, ada, &rapportv1.Interaction{Channel: email, OccurTime: timestamppb.New(clk.now()), Summary: "a question"})
	if got := listFollowUps(t, fc, ada, "", 0); len(got) != 0 {
		t.Fatalf("derived again after completion: %v", got)
	}

	// Snooze Bob's to Saturday: due Monday 09:00 in Lisbon (UTC in winter).
	const sid = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	snooze := &rapportv1.SnoozeFollowUpRequest{Name: bobs[0].GetName(), SnoozeTime: timestamppb.New(time.Date(2026, 12, 12, 10, 0, 0, 0, time.UTC)), RequestId: sid}
	snoozed, err := fc.SnoozeFollowUp(t.Context(), snooze)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 14, 9, 0, 0, 0, time.UTC); !snoozed.GetFollowUp().GetDueTime().AsTime().Equal(want) ||
		snoozed.GetFollowUp().GetState() != rapportv1.FollowUpState_FOLLOW_UP_STATE_OPEN {
		t.Fatalf("snoozed: %v, want due %s", snoozed.GetFollowUp(), want)
	}
	if again, err := fc.SnoozeFollowUp(t.Context(), snooze); err != nil || !proto.Equal(again, snoozed) {
		t.Fatalf("snooze retry: %v %v", again, err)
	}
	if got := listFollowUps(t, fc, "customers/-", `due_time < "2026-12-08T00:00:00Z"`, 0); len(got) != 0 {
		t.Fatalf("today's after the snooze: %v", got)
	}
	if got := listFollowUps(t, fc, "customers/-", "", 0); len(got) != 1 || !proto.Equal(got[0], snoozed.GetFollowUp()) {
		t.Fatalf("listed after the snooze: %v", got)
	}

	// Bad input, and a follow-up that does not exist.
	for _, tc := range []struct {
		name  string
		call  func() error
		field string
	}{
		{"list page size", func() error {
			_, err := fc.ListFollowUps(t.Context(), &rapportv1.ListFollowUpsRequest{Parent: "customers/-", PageSize: -1})
			return err
		}, "page_size"},
		{"list filter", func() error {
			_, err := fc.ListFollowUps(t.Context(), &rapportv1.ListFollowUpsRequest{Parent: "customers/-", Filter: `colour = "red"`})
			return err
		}, "filter"},
		{"list due time", func() error {
			_, err := fc.ListFollowUps(t.Context(), &rapportv1.ListFollowUpsRequest{Parent: "customers/-", Filter: `due_time = "2026-12-08T00:00:00Z"`})
			return err
		}, "filter"},
		{"list page token", func() error {
			_, err := fc.ListFollowUps(t.Context(), &rapportv1.ListFollowUpsRequest{Parent: "customers/-", PageToken: "bogus"})
			return err
		}, "page_token"},
		{"list parent", func() error {
			_, err := fc.ListFollowUps(t.Context(), &rapportv1.ListFollowUpsRequest{Parent: "tenants/x"})
			return err
		}, "parent"},
		{"complete name", func() error {
			_, err := fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: "customers/ada/issues/x"})
			return err
		}, "name"},
		{"complete request id", func() error {
			_, err := fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: name, RequestId: "not-a-uuid"})
			return err
		}, "request_id"},
		{"complete channel", func() error {
			_, err := fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: name, Channel: 99})
			return err
		}, "channel"},
		{"snooze without time", func() error {
			_, err := fc.SnoozeFollowUp(t.Context(), &rapportv1.SnoozeFollowUpRequest{Name: bobs[0].GetName()})
			return err
		}, "snooze_time"},
		{"snooze into the past", func() error {
			_, err := fc.SnoozeFollowUp(t.Context(), &rapportv1.SnoozeFollowUpRequest{Name: bobs[0].GetName(), SnoozeTime: timestamppb.New(clk.now().Add(-time.Minute))})
			return err
		}, "snooze_time"},
		{"snooze too far", func() error {
			_, err := fc.SnoozeFollowUp(t.Context(), &rapportv1.SnoozeFollowUpRequest{Name: bobs[0].GetName(), SnoozeTime: timestamppb.New(clk.now().Add(100 * 24 * time.Hour))})
			return err
		}, "snooze_time"},
	} {
		code, _, fields := statusDetails(t, tc.call())
		if code != codes.InvalidArgument || fields[tc.field] == "" {
			t.Errorf("%s: %v %v, want INVALID_ARGUMENT on %s", tc.name, code, fields, tc.field)
		}
	}
	if got := listFollowUps(t, fc, "customers/-", "", 0); len(got) != 1 || !proto.Equal(got[0], snoozed.GetFollowUp()) {
		t.Fatalf("bad input changed something: %v", got)
	}
	_, err = fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: ada + "/followUps/f000000000000000000000000"})
	if code, info, _ := statusDetails(t, err); code != codes.NotFound || info.GetReason() != "FOLLOW_UP_NOT_FOUND" {
		t.Fatalf("missing: %v", err)
	}
}

// One tenant never sees, completes or snoozes another's follow-ups, even
// for a customer of the same ID.
func TestFollowUpsStayInTheirTenant(t *testing.T) {
	t.Parallel()
	ts, store, _ := authServer(t, service.Options{Now: func() time.Time { return followUpNow }})
	fc := rapportv1.NewFollowUpServiceClient(ts.conn)
	scopes := []access.Scope{access.ScopeContextRead, access.ScopeHistoryWrite, access.ScopeCustomerWrite}
	one, two := as(t.Context(), mustKey(t, store, "one", scopes...)), as(t.Context(), mustKey(t, store, "two", scopes...))
	for _, ctx := range []context.Context{one, two} {
		if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.interactions.RecordInteraction(one, &rapportv1.RecordInteractionRequest{Parent: "customers/ada", Interaction: followUpNeeded(rapportv1.Channel_CHANNEL_EMAIL, time.Hour, "")}); err != nil {
		t.Fatal(err)
	}
	res, err := fc.ListFollowUps(one, &rapportv1.ListFollowUpsRequest{Parent: "customers/-"})
	if err != nil || len(res.GetFollowUps()) != 1 {
		t.Fatalf("tenant one: %v %v", res, err)
	}
	name := res.GetFollowUps()[0].GetName()
	for _, parent := range []string{"customers/-", "customers/ada"} {
		if res, err := fc.ListFollowUps(two, &rapportv1.ListFollowUpsRequest{Parent: parent}); err != nil || len(res.GetFollowUps()) != 0 {
			t.Fatalf("tenant two sees %v %v", res, err)
		}
	}
	if _, err := fc.CompleteFollowUp(two, &rapportv1.CompleteFollowUpRequest{Name: name}); status.Code(err) != codes.NotFound {
		t.Fatalf("tenant two completes one's: %v", err)
	}
	if _, err := fc.SnoozeFollowUp(two, &rapportv1.SnoozeFollowUpRequest{Name: name, SnoozeTime: timestamppb.New(followUpNow.Add(time.Hour))}); status.Code(err) != codes.NotFound {
		t.Fatalf("tenant two snoozes one's: %v", err)
	}
	// A page token of one tenant is not one of the other's.
	page, err := fc.ListFollowUps(one, &rapportv1.ListFollowUpsRequest{Parent: "customers/-", PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.GetNextPageToken() != "" {
		t.Fatalf("one follow-up, a next page: %v", page)
	}
	res, err = fc.ListFollowUps(one, &rapportv1.ListFollowUpsRequest{Parent: "customers/-"})
	if err != nil || len(res.GetFollowUps()) != 1 || res.GetFollowUps()[0].GetState() != rapportv1.FollowUpState_FOLLOW_UP_STATE_OPEN {
		t.Fatalf("tenant one's after two's attempts: %v %v", res, err)
	}
}

// The reasons come from what the service computes on write: a negative
// contact (an apology owed), an issue resolved after it, a low survey
// answer, and a relapse (which withdraws the "is it still fixed?"
// follow-up of the issue).
func TestFollowUpReasonsFromWhatTheServiceComputes(t *testing.T) {
	t.Parallel()
	clk := &clock{t: followUpNow}
	ts := startServer(t, newStore(t), service.Options{Now: clk.now})
	fc := rapportv1.NewFollowUpServiceClient(ts.conn)
	email := rapportv1.Channel_CHANNEL_EMAIL
	ada := ts.customerWith(t, "ada", &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{consent(email, rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED)}})
	issue := ts.newIssue(t, ada, "billing", &rapportv1.Issue{Title: "Charged twice"})
	bad := ts.record(t, ada, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_VOICE, Direction: rapportv1.Direction_DIRECTION_INBOUND,
		OccurTime: timestamppb.New(followUpNow.Add(-2 * time.Hour)), Summary: "charged twice, very unhappy", Issue: issue.GetName(),
		Sentiment: &rapportv1.Sentiment{Score: -0.8, Source: rapportv1.SentimentSource_SENTIMENT_SOURCE_GIVEN}}).GetInteraction()
	reasons := func() map[rapportv1.FollowUpReason]*rapportv1.FollowUp {
		out := map[rapportv1.FollowUpReason]*rapportv1.FollowUp{}
		for _, f := range listFollowUps(t, fc, ada, "", 0) {
			if out[f.GetReason()] != nil {
				t.Fatalf("two open follow-ups of %v", f.GetReason())
			}
			out[f.GetReason()] = f
		}
		return out
	}
	got := reasons()
	if len(got) != 1 || got[rapportv1.FollowUpReason_FOLLOW_UP_REASON_APOLOGY_OWED].GetEvidence()[0] != bad.GetName() {
		t.Fatalf("after a negative contact: %v", got)
	}
	clk.advance(time.Hour)
	if _, err := ts.setStatus(t, issue.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED); err != nil {
		t.Fatal(err)
	}
	got = reasons()
	resolved := got[rapportv1.FollowUpReason_FOLLOW_UP_REASON_RESOLVED_AFTER_NEGATIVE_CONTACT]
	if len(got) != 2 || resolved == nil || !slices.Equal(resolved.GetEvidence(), []string{issue.GetName(), bad.GetName()}) ||
		!resolved.GetCreateTime().AsTime().Equal(clk.now()) || resolved.GetChannel() != email || resolved.GetSourceChannel() != rapportv1.Channel_CHANNEL_VOICE {
		t.Fatalf("after the resolution: %v", got)
	}
	if _, err := ts.interactions.RecordSurvey(t.Context(), &rapportv1.RecordSurveyRequest{Interaction: bad.GetName(), RequestId: "0b6f3c1e-2a4d-4e8f-9a1b-3c5d7e9f1a2b",
		Survey: &rapportv1.SurveyAnswers{Csat: ptr(int32(1)), AnswerTime: timestamppb.New(clk.now())}}); err != nil {
		t.Fatal(err)
	}
	got = reasons()
	if low := got[rapportv1.FollowUpReason_FOLLOW_UP_REASON_LOW_SURVEY]; len(got) != 3 || low == nil || low.GetEvidence()[0] != bad.GetName() {
		t.Fatalf("after a CSAT of 1: %v", got)
	}
	// The problem comes back: a contact about the resolved issue.
	clk.advance(time.Hour)
	ts.record(t, ada, &rapportv1.Interaction{Channel: email, Direction: rapportv1.Direction_DIRECTION_INBOUND, OccurTime: timestamppb.New(clk.now()),
		Summary: "charged twice again", Issue: issue.GetName()})
	got = reasons()
	if got[rapportv1.FollowUpReason_FOLLOW_UP_REASON_RELAPSE] == nil || got[rapportv1.FollowUpReason_FOLLOW_UP_REASON_RESOLVED_AFTER_NEGATIVE_CONTACT] != nil {
		t.Fatalf("after a relapse: %v", got)
	}
	if got := listFollowUps(t, fc, "customers/-", "reason = FOLLOW_UP_REASON_RESOLVED_AFTER_NEGATIVE_CONTACT", 0); len(got) != 0 {
		t.Fatalf("the withdrawn follow-up is still in the index: %v", got)
	}
}

// The agent's context shows the open follow-ups, from its one summary
// read; completing one takes it off the context and records it in the
// customer's history (an outbound interaction on the channel used, once
// however often the completion is retried).
func TestContextShowsOpenFollowUpsAndHistoryTheirCompletion(t *testing.T) {
	t.Parallel()
	var counter commandCounter
	ts := startServer(t, counter.store(t), service.Options{Now: func() time.Time { return followUpNow }})
	fc := rapportv1.NewFollowUpServiceClient(ts.conn)
	email := rapportv1.Channel_CHANNEL_EMAIL
	ada := ts.customerWith(t, "ada", &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{consent(email, rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED)}})
	bob := ts.customerWith(t, "bob", &rapportv1.Preferences{})
	ts.record(t, ada, followUpNeeded(rapportv1.Channel_CHANNEL_VOICE, time.Hour, ""))
	ts.record(t, bob, followUpNeeded(rapportv1.Channel_CHANNEL_CHAT, time.Hour, ""))
	var cc *rapportv1.CustomerContext
	sent := counter.during(func() { cc = ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: ada}) })
	if total(sent) != 1 || sent["read"] != 1 {
		t.Errorf("GetCustomerContext sent %v, want one read", sent)
	}
	listed := listFollowUps(t, fc, ada, "", 0)
	if len(cc.GetOpenFollowUps()) != 1 || len(listed) != 1 || !proto.Equal(cc.GetOpenFollowUps()[0], listed[0]) {
		t.Fatalf("context's follow-ups %v, listed %v", cc.GetOpenFollowUps(), listed)
	}
	for range 2 {
		if _, err := fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: listed[0].GetName()}); err != nil {
			t.Fatal(err)
		}
	}
	if cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: ada}); len(cc.GetOpenFollowUps()) != 0 {
		t.Fatalf("completed, still in the context: %v", cc.GetOpenFollowUps())
	}
	history, err := ts.interactions.ListInteractions(t.Context(), &rapportv1.ListInteractionsRequest{Parent: ada})
	if err != nil {
		t.Fatal(err)
	}
	var completions []*rapportv1.Interaction
	for _, in := range history.GetInteractions() {
		if in.GetSourceSystem() == "rapport.follow-ups" {
			completions = append(completions, in)
		}
	}
	if len(completions) != 1 || completions[0].GetDirection() != rapportv1.Direction_DIRECTION_OUTBOUND || completions[0].GetChannel() != email ||
		!strings.Contains(completions[0].GetSummary(), listed[0].GetName()) || !completions[0].GetOccurTime().AsTime().Equal(followUpNow) {
		t.Fatalf("completion in the history: %v", completions)
	}
	// Bob's has no consented channel: completing it needs the channel used.
	bobs := listFollowUps(t, fc, bob, "", 0)
	if len(bobs) != 1 || bobs[0].GetBlocked() == "" {
		t.Fatalf("bob's: %v", bobs)
	}
	// Its evidence's channel (chat) stands in.
	if res, err := fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: bobs[0].GetName()}); err != nil || res.GetFollowUp().GetCompleteChannel() != rapportv1.Channel_CHANNEL_CHAT {
		t.Fatalf("bob's completion: %v %v", res, err)
	}
}

// A merged customer's follow-ups leave the worklist with it; the
// survivor's next write derives what is still owed, under the survivor.
func TestMergedCustomersFollowUpsMoveToTheSurvivor(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newStore(t), service.Options{Now: func() time.Time { return followUpNow }})
	fc := rapportv1.NewFollowUpServiceClient(ts.conn)
	email := rapportv1.Channel_CHANNEL_EMAIL
	prefs := &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{consent(email, rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED)}}
	ada, ada2 := ts.customerWith(t, "ada", prefs), ts.customerWith(t, "ada2", prefs)
	asked := ts.record(t, ada2, followUpNeeded(email, time.Hour, "")).GetInteraction()
	if got := customersOf(listFollowUps(t, fc, "customers/-", "", 0)); !slices.Equal(got, []string{ada2}) {
		t.Fatalf("before the merge: %v", got)
	}
	if _, err := ts.customers.MergeCustomers(t.Context(), &rapportv1.MergeCustomersRequest{Customer: ada, MergedCustomer: ada2}); err != nil {
		t.Fatal(err)
	}
	if got := listFollowUps(t, fc, "customers/-", "", 0); len(got) != 0 {
		t.Fatalf("after the merge: %v", got)
	}
	ts.record(t, ada, &rapportv1.Interaction{Channel: email, OccurTime: timestamppb.New(followUpNow.Add(-time.Minute)), Summary: "a question"})
	got := listFollowUps(t, fc, "customers/-", "", 0)
	if len(got) != 1 || got[0].GetCustomer() != ada || got[0].GetEvidence()[0] != asked.GetName() {
		t.Fatalf("after the survivor's next write: %v", got)
	}
	// Unmerged: ada2's follow-up is back as it was, ada's about ada2's
	// history is gone.
	before := listFollowUps(t, fc, ada2, "", 0)
	if len(before) != 0 {
		t.Fatalf("a merged customer's follow-ups listed: %v", before)
	}
	if _, err := ts.customers.UnmergeCustomer(t.Context(), &rapportv1.UnmergeCustomerRequest{Name: ada + "/merges/ada2"}); err != nil {
		t.Fatal(err)
	}
	got = listFollowUps(t, fc, "customers/-", "", 0)
	if len(got) != 1 || got[0].GetCustomer() != ada2 || got[0].GetEvidence()[0] != asked.GetName() {
		t.Fatalf("after the unmerge: %v", got)
	}
}

// Erasing a customer erases their follow-ups, open and completed.
func TestDeleteCustomerErasesFollowUps(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	fc := rapportv1.NewFollowUpServiceClient(ts.conn)
	email := rapportv1.Channel_CHANNEL_EMAIL
	prefs := &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{consent(email, rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED)}}
	ada, bob := ts.customerWith(t, "ada", prefs), ts.customerWith(t, "bob", prefs)
	now := time.Now()
	for _, c := range []string{ada, bob} {
		for _, ago := range []time.Duration{time.Hour, 2 * time.Hour} {
			ts.record(t, c, &rapportv1.Interaction{Channel: email, OccurTime: timestamppb.New(now.Add(-ago)), Summary: "call back", Outcome: rapportv1.Outcome_OUTCOME_FOLLOW_UP_NEEDED})
		}
	}
	adas := listFollowUps(t, fc, ada, "", 0)
	if len(adas) != 2 {
		t.Fatalf("ada's: %v", adas)
	}
	if _, err := fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: adas[0].GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.customers.DeleteCustomer(t.Context(), &rapportv1.DeleteCustomerRequest{Name: ada}); err != nil {
		t.Fatal(err)
	}
	for _, filter := range []string{"", "state = FOLLOW_UP_STATE_COMPLETED"} {
		for _, f := range listFollowUps(t, fc, "customers/-", filter, 0) {
			if f.GetCustomer() != bob {
				t.Fatalf("left after erasure: %v", f)
			}
		}
	}
	if got := listFollowUps(t, fc, "customers/-", "", 0); len(got) != 2 {
		t.Fatalf("bob's: %v", got)
	}
}

// A lost summary is rebuilt with its follow-ups read back from the index:
// a completed one stays completed (and is not derived again), an open one
// stays open with its due time.
func TestLostSummaryGetsItsFollowUpsBack(t *testing.T) {
	t.Parallel()
	ts, db := newTestServerDB(t)
	fc := rapportv1.NewFollowUpServiceClient(ts.conn)
	email := rapportv1.Channel_CHANNEL_EMAIL
	ada := ts.customerWith(t, "ada", &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{consent(email, rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED)}})
	now := time.Now()
	for _, ago := range []time.Duration{time.Hour, 2 * time.Hour} {
		ts.record(t, ada, &rapportv1.Interaction{Channel: email, OccurTime: timestamppb.New(now.Add(-ago)), Summary: "call back", Outcome: rapportv1.Outcome_OUTCOME_FOLLOW_UP_NEEDED})
	}
	open := listFollowUps(t, fc, ada, "", 0)
	if len(open) != 2 {
		t.Fatalf("ada's: %v", open)
	}
	done, err := fc.CompleteFollowUp(t.Context(), &rapportv1.CompleteFollowUpRequest{Name: open[0].GetName()})
	if err != nil {
		t.Fatal(err)
	}
	engine().DropSummaries(t, db)
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: ada})
	if len(cc.GetOpenFollowUps()) != 1 || !proto.Equal(cc.GetOpenFollowUps()[0], open[1]) {
		t.Fatalf("rebuilt context's follow-ups %v, want %v", cc.GetOpenFollowUps(), open[1])
	}
	ts.record(t, ada, &rapportv1.Interaction{Channel: email, OccurTime: timestamppb.New(now), Summary: "a question"})
	if got := listFollowUps(t, fc, ada, "", 0); len(got) != 1 || !proto.Equal(got[0], open[1]) {
		t.Fatalf("open after the rebuild and a write: %v", got)
	}
	if got := listFollowUps(t, fc, ada, "state = FOLLOW_UP_STATE_COMPLETED", 0); len(got) != 1 || !proto.Equal(got[0], done.GetFollowUp()) {
		t.Fatalf("completed after the rebuild: %v", got)
	}
}
