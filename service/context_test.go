package service_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func ago(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(time.Now().Add(-d)) }

func (ts *testServer) context(t *testing.T, req *rapportv1.GetCustomerContextRequest) *rapportv1.CustomerContext {
	t.Helper()
	res, err := ts.contexts.GetCustomerContext(t.Context(), req)
	if err != nil {
		t.Fatalf("GetCustomerContext: %v", err)
	}
	return res.GetContext()
}

func hintCodes(hs []*rapportv1.Hint) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.GetCode())
	}
	return out
}

func findHint(hs []*rapportv1.Hint, code string) *rapportv1.Hint {
	for _, h := range hs {
		if h.GetCode() == code {
			return h
		}
	}
	return nil
}

// The customer calls, then chats, then emails about the same problem: on
// the third contact the agent sees the issue, the facts given on the first
// two channels, and a repeat-contact hint.
func TestThirdContactKnowsTheStory(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	_, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{
		DisplayName: "Ada Lovelace", PreferredName: "Ada",
		Identities:  []*rapportv1.Identity{{Type: emailType, Value: "ada@example.com"}},
		Preferences: &rapportv1.Preferences{Consents: []*rapportv1.ChannelConsent{{Channel: rapportv1.Channel_CHANNEL_EMAIL, Status: rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	parent := "customers/ada"
	issue := ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Charged twice for order A-1234", Topic: "billing"})

	call := &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: ago(50 * time.Hour), Summary: "Double charge",
		Text: "I was charged twice, this is really annoying.", Topics: []string{"billing"}, Issue: issue.GetName(),
		SourceSystem: "phone", SourceId: "call-1", Facts: []*rapportv1.Fact{{Key: "order_number", Value: "A-1234"}}}
	chat := &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(26 * time.Hour), Summary: "Refund not received",
		Topics: []string{"billing"}, Issue: issue.GetName(), SourceSystem: "chat", SourceId: "chat-1",
		Facts: []*rapportv1.Fact{{Key: "step_tried", Value: "checked the bank statement"}}}
	callName := ts.record(t, parent, call).GetInteraction().GetName()
	chatName := ts.record(t, parent, chat).GetInteraction().GetName()

	// Third contact: an email arrives; the desktop looks the sender up.
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Identity: "email:ADA@example.com", Channel: rapportv1.Channel_CHANNEL_EMAIL})
	if cc.GetCustomer() != parent || cc.GetProfile().GetPreferredName() != "Ada" {
		t.Fatalf("context of %q", cc.GetCustomer())
	}
	if len(cc.GetOpenIssues()) != 1 || cc.GetOpenIssues()[0].GetName() != issue.GetName() {
		t.Fatalf("open issues %v", cc.GetOpenIssues())
	}
	facts := map[string]rapportv1.Channel{}
	for _, f := range cc.GetOpenIssues()[0].GetFacts() {
		facts[f.GetKey()] = f.GetChannel()
	}
	if facts["order_number"] != rapportv1.Channel_CHANNEL_VOICE || facts["step_tried"] != rapportv1.Channel_CHANNEL_CHAT {
		t.Errorf("facts already given: %v", cc.GetOpenIssues()[0].GetFacts())
	}
	if got := cc.GetRecentInteractions(); len(got) != 2 || got[0].GetName() != chatName || got[1].GetName() != callName || got[0].GetText() != "" {
		t.Errorf("recent interactions %v", got)
	}
	if c7 := cc.GetContactCounts()[0]; c7.GetDays() != 7 || c7.GetTotal() != 2 || len(c7.GetByChannel()) != 2 {
		t.Errorf("7-day counts %v", c7)
	}
	if cc.GetLastContactChannel() != rapportv1.Channel_CHANNEL_CHAT {
		t.Errorf("last contact %v", cc.GetLastContactChannel())
	}
	var byIssue *rapportv1.RepeatContact
	for _, rc := range cc.GetRepeatContacts() {
		if rc.GetIssue() == issue.GetName() {
			byIssue = rc
		}
	}
	if byIssue == nil || byIssue.GetCount() != 2 || !slices.Equal(byIssue.GetInteractions(), []string{chatName, callName}) {
		t.Errorf("repeat contacts %v", cc.GetRepeatContacts())
	}
	repeat := findHint(cc.GetHints(), "REPEAT_CONTACT_ISSUE")
	if repeat == nil || !slices.Contains(repeat.GetEvidence(), callName) || !slices.Contains(repeat.GetEvidence(), chatName) || !strings.Contains(repeat.GetText(), "Charged twice") {
		t.Errorf("repeat-contact hint %v in %v", repeat, hintCodes(cc.GetHints()))
	}
	dontAsk := findHint(cc.GetHints(), "FACTS_ALREADY_GIVEN")
	if dontAsk == nil || !strings.Contains(dontAsk.GetText(), "A-1234") || !strings.Contains(dontAsk.GetText(), "bank statement") || !slices.Contains(dontAsk.GetEvidence(), callName) {
		t.Errorf("do-not-ask-again hint %v", dontAsk)
	}
	if h := findHint(cc.GetHints(), "GREET_BY_PREFERRED_NAME"); h == nil || !strings.Contains(h.GetText(), "Ada") {
		t.Errorf("greeting hint %v", h)
	}
	for i, h := range cc.GetHints() {
		if h.GetRank() != int32(i+1) || h.GetText() == "" || len(h.GetEvidence()) == 0 {
			t.Errorf("hint %d: %v", i, h)
		}
		if i > 0 && h.GetTier() < cc.GetHints()[i-1].GetTier() {
			t.Errorf("hints not ranked by tier: %v", hintCodes(cc.GetHints()))
		}
	}

	// The ticketing system enriches the email's ticket.
	enriched, err := ts.contexts.EnrichTicket(ctx, &rapportv1.EnrichTicketRequest{
		Requester: "email:ada@example.com", Subject: "Still no refund for A-1234", Channel: rapportv1.Channel_CHANNEL_EMAIL,
	})
	if err != nil {
		t.Fatal(err)
	}
	if enriched.GetLikelyIssue().GetName() != issue.GetName() || !strings.Contains(enriched.GetMatchReason(), "A-1234") ||
		len(enriched.GetLikelyIssue().GetFacts()) != 2 || findHint(enriched.GetHints(), "REPEAT_CONTACT_ISSUE") == nil {
		t.Errorf("enriched ticket: %v", enriched)
	}
	hints, err := ts.contexts.GetPersonalizationHints(ctx, &rapportv1.GetPersonalizationHintsRequest{Customer: parent})
	if err != nil || len(hints.GetHints()) == 0 || hints.GetCustomer() != parent {
		t.Errorf("hints alone: %v, %v", hints, err)
	}
}

func TestConsentAndContactWindowsHold(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	now := time.Now().UTC()
	today := rapportv1.DayOfWeek(int(now.Weekday()+6)%7 + 1) // Monday = 1
	tomorrow := rapportv1.DayOfWeek(int(now.Weekday())%7 + 1)
	create := func(id string, day rapportv1.DayOfWeek) string {
		_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: id, Customer: &rapportv1.Customer{
			DisplayName: "C " + id,
			Preferences: &rapportv1.Preferences{
				TimeZone:         "UTC",
				PreferredChannel: rapportv1.Channel_CHANNEL_SMS,
				ContactWindows:   []*rapportv1.ContactWindow{{Days: []rapportv1.DayOfWeek{day}, StartTime: "00:00", EndTime: "24:00"}},
				Consents: []*rapportv1.ChannelConsent{
					{Channel: rapportv1.Channel_CHANNEL_SMS, Status: rapportv1.ConsentStatus_CONSENT_STATUS_DENIED},
					{Channel: rapportv1.Channel_CHANNEL_EMAIL, Status: rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED},
				},
			},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return "customers/" + id
	}
	inside := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: create("inside", today), Channel: rapportv1.Channel_CHANNEL_SMS})
	outside := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: create("outside", tomorrow)})
	for _, cc := range []*rapportv1.CustomerContext{inside, outside} {
		// SMS is preferred but refused: never suggested.
		if h := findHint(cc.GetHints(), "PREFER_CHANNEL"); h != nil {
			t.Errorf("%s: suggests a channel without consent: %v", cc.GetCustomer(), h)
		}
		for _, h := range cc.GetHints() {
			if strings.Contains(h.GetText(), "Follow up by SMS") {
				t.Errorf("%s: %q", cc.GetCustomer(), h.GetText())
			}
		}
		if h := findHint(cc.GetHints(), "CONSENT_DENIED"); h == nil || !strings.Contains(h.GetText(), "SMS") {
			t.Errorf("%s: consent hint %v", cc.GetCustomer(), h)
		}
	}
	if h := findHint(inside.GetHints(), "NO_CONSENT_THIS_CHANNEL"); h == nil {
		t.Errorf("an SMS contact without consent: %v", hintCodes(inside.GetHints()))
	}
	if findHint(inside.GetHints(), "CONTACT_WINDOW") == nil || findHint(inside.GetHints(), "OUTSIDE_CONTACT_WINDOW") != nil {
		t.Errorf("inside the window: %v", hintCodes(inside.GetHints()))
	}
	if h := findHint(outside.GetHints(), "OUTSIDE_CONTACT_WINDOW"); h == nil || !strings.Contains(h.GetText(), "do not call") {
		t.Errorf("outside the window: %v", hintCodes(outside.GetHints()))
	}
}

func TestRecoveryHints(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: "bob", Customer: &rapportv1.Customer{
		DisplayName: "Bob", Preferences: &rapportv1.Preferences{
			LanguageCode: "pt-BR", CommunicationStyle: rapportv1.CommunicationStyle_COMMUNICATION_STYLE_CONCISE,
			AccessibilityNeeds: []rapportv1.AccessibilityNeed{rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_HEARING},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	parent := "customers/bob"
	nps := int32(3)
	bad := &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: ago(20 * time.Hour), Summary: "Angry call",
		Sentiment: &rapportv1.Sentiment{Score: -0.8}, Survey: &rapportv1.SurveyAnswers{Nps: &nps}, SourceSystem: "phone", SourceId: "b-1"}
	badName := ts.record(t, parent, bad).GetInteraction().GetName()
	fixed := ts.newIssue(t, parent, "fixed", &rapportv1.Issue{Title: "Broken router"})
	if _, err := ts.setStatus(t, fixed.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED); err != nil {
		t.Fatal(err)
	}
	flaky := ts.newIssue(t, parent, "flaky", &rapportv1.Issue{Title: "Flaky line"})
	for _, st := range []rapportv1.IssueStatus{3, 4, 3, 4} { // resolved, reopened, resolved, reopened
		if _, err := ts.setStatus(t, flaky.GetName(), st); err != nil {
			t.Fatal(err)
		}
	}
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	codes := hintCodes(cc.GetHints())
	for _, want := range []string{"ESCALATE_REOPENED", "APOLOGIZE_NEGATIVE_SENTIMENT", "APOLOGIZE_DETRACTOR", "ACCESSIBILITY_NEEDS", "FOLLOW_UP_RESOLVED", "USE_PREFERRED_LANGUAGE", "MATCH_STYLE"} {
		if !slices.Contains(codes, want) {
			t.Errorf("missing %s in %v", want, codes)
		}
	}
	if codes[0] != "ESCALATE_REOPENED" {
		t.Errorf("escalation should rank first: %v", codes)
	}
	if h := findHint(cc.GetHints(), "APOLOGIZE_NEGATIVE_SENTIMENT"); !slices.Equal(h.GetEvidence(), []string{badName}) {
		t.Errorf("apology evidence %v", h.GetEvidence())
	}
	if h := findHint(cc.GetHints(), "FOLLOW_UP_RESOLVED"); !slices.Equal(h.GetEvidence(), []string{fixed.GetName()}) {
		t.Errorf("follow-up evidence %v", h.GetEvidence())
	}
	if h := findHint(cc.GetHints(), "USE_PREFERRED_LANGUAGE"); !strings.Contains(h.GetText(), "Portuguese") {
		t.Errorf("language hint %q", h.GetText())
	}
	if s := cc.GetSatisfaction(); s.GetNps().GetValue() != 3 || s.GetNpsCategory() != rapportv1.NpsCategory_NPS_CATEGORY_DETRACTOR || s.GetNps().GetInteraction() != badName {
		t.Errorf("satisfaction %v", s)
	}
	if len(cc.GetOpenIssues()) != 1 || len(cc.GetRecentlyResolvedIssues()) != 1 {
		t.Errorf("open %d, recently resolved %d", len(cc.GetOpenIssues()), len(cc.GetRecentlyResolvedIssues()))
	}
}

func TestConcurrentWritersLoseNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := interaction(rapportv1.Channel(i%7+1), 0, fmt.Sprint("w-", i))
			in.OccurTime = ago(time.Duration(i+1) * time.Hour)
			in.Topics = []string{"billing"}
			_, err := ts.interactions.RecordInteraction(t.Context(), &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
			errs <- err
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := ts.customers.UpdateCustomer(t.Context(), &rapportv1.UpdateCustomerRequest{
			Customer: &rapportv1.Customer{Name: parent, PreferredName: "Countess"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"preferred_name"}},
		})
		errs <- err
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent, RecentInteractionLimit: ptr(int32(20))})
	if n := cc.GetContactCounts()[0].GetTotal(); n != writers {
		t.Errorf("7-day count %d, want %d", n, writers)
	}
	if n := len(cc.GetRecentInteractions()); n != writers {
		t.Errorf("%d recent interactions, want %d", n, writers)
	}
	if cc.GetProfile().GetPreferredName() != "Countess" {
		t.Errorf("profile update lost: %q", cc.GetProfile().GetPreferredName())
	}
	if len(cc.GetRepeatContacts()) != 1 || cc.GetRepeatContacts()[0].GetCount() != writers {
		t.Errorf("repeat contacts %v", cc.GetRepeatContacts())
	}
}

func ptr[T any](v T) *T { return &v }

func TestRebuiltSummaryEqualsIncremental(t *testing.T) {
	t.Parallel()
	ts, db := newTestServerDB(t)
	ctx := t.Context()
	_, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{
		DisplayName: "Ada", Identities: []*rapportv1.Identity{{Type: emailType, Value: "ada@example.com"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	parent := "customers/ada"
	is := ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Refund"})
	var batch []*rapportv1.RecordInteractionRequest
	for i := range 60 {
		csat := int32(i%5 + 1)
		in := &rapportv1.Interaction{Channel: rapportv1.Channel(i%7 + 1), OccurTime: ago(time.Duration(i*37) * time.Hour),
			Summary: fmt.Sprint("contact ", i), Text: []string{"Great, thanks!", "This is awful.", "Where is my order?"}[i%3],
			Topics: []string{[]string{"billing", "delivery"}[i%2]}, SourceSystem: "crm", SourceId: fmt.Sprint(i)}
		if i%4 == 0 {
			in.Survey = &rapportv1.SurveyAnswers{Csat: &csat}
		}
		if i%6 == 0 {
			in.Issue = is.GetName()
			in.Facts = []*rapportv1.Fact{{Key: "order_number", Value: fmt.Sprint("A-", i%3)}}
		}
		batch = append(batch, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
	}
	// Out of order and replayed: the summary must not care.
	slices.Reverse(batch[:30])
	for _, part := range [][]*rapportv1.RecordInteractionRequest{batch[:30], batch[20:], batch[:10]} {
		if _, err := ts.interactions.BatchRecordInteractions(ctx, &rapportv1.BatchRecordInteractionsRequest{Requests: part}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.setStatus(t, is.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_PENDING); err != nil {
		t.Fatal(err)
	}
	req := &rapportv1.GetCustomerContextRequest{Customer: parent, RecentInteractionLimit: ptr(int32(20))}
	incremental := ts.context(t, req)
	rebuilt, err := ts.contexts.RebuildCustomerContext(ctx, &rapportv1.RebuildCustomerContextRequest{Customer: parent})
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt.GetInteractionsRead() != 60 {
		t.Errorf("rebuild read %d interactions", rebuilt.GetInteractionsRead())
	}
	after := ts.context(t, req)
	ignore := protocmp.IgnoreFields(&rapportv1.CustomerContext{}, "compute_time")
	if diff := cmp.Diff(incremental, after, protocmp.Transform(), ignore); diff != "" {
		t.Errorf("rebuilt context differs from the incrementally kept one (-kept +rebuilt):\n%s", diff)
	}
	// A lost summary is rebuilt on the next read.
	engine().DropSummaries(t, db)
	again := ts.context(t, &rapportv1.GetCustomerContextRequest{Identity: "email:ada@example.com", RecentInteractionLimit: ptr(int32(20))})
	if diff := cmp.Diff(incremental, again, protocmp.Transform(), ignore); diff != "" {
		t.Errorf("context rebuilt on read differs (-kept +rebuilt):\n%s", diff)
	}
}

// commandCounter counts the round trips a store makes to its database for
// calls (see hook).
type commandCounter struct {
	mu    sync.Mutex
	count map[string]int
	on    atomic.Bool
}

// store is a store of the test engine that reports its round trips to
// the counter.
func (c *commandCounter) store(t *testing.T) repositorytest.Store {
	t.Helper()
	c.count = map[string]int{}
	return engine().New(t, repositorytest.Options{StatementHook: c.hook})
}

// hook counts the round trips made for calls: only those whose context is
// a call's (incoming metadata), not the background chores' (health checks,
// the audit writer, which batches events off the call's path). Reads count
// as "read" (a MongoDB find, an SQL SELECT), the rest by their first word.
func (c *commandCounter) hook(ctx context.Context, what string) {
	if _, call := metadata.FromIncomingContext(ctx); !call || !c.on.Load() {
		return
	}
	kind, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(what)), " ")
	if kind == "find" || kind == "select" {
		kind = "read"
	}
	c.mu.Lock()
	c.count[kind]++
	c.mu.Unlock()
}

func (c *commandCounter) during(f func()) map[string]int {
	c.mu.Lock()
	c.count = map[string]int{}
	c.mu.Unlock()
	c.on.Store(true)
	f()
	c.on.Store(false)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

func TestGetCustomerContextIsOneRoundTrip(t *testing.T) {
	t.Parallel()
	var counter commandCounter
	store := counter.store(t)
	ts := startServer(t, store, service.Options{})
	_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{
		DisplayName: "Ada", Identities: []*rapportv1.Identity{{Type: emailType, Value: "ada@example.com"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	parent := "customers/ada"
	for _, n := range []int{5, 200} {
		var batch []*rapportv1.RecordInteractionRequest
		for i := range n {
			batch = append(batch, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: interaction(rapportv1.Channel_CHANNEL_CHAT, i, fmt.Sprint(n, "-", i))})
		}
		if _, err := ts.interactions.BatchRecordInteractions(t.Context(), &rapportv1.BatchRecordInteractionsRequest{Requests: batch}); err != nil {
			t.Fatal(err)
		}
		byName := counter.during(func() { ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent}) })
		if total(byName) != 1 || byName["read"] != 1 {
			t.Errorf("with %d more interactions: GetCustomerContext by name sent %v, want one read", n, byName)
		}
		byIdentity := counter.during(func() { ts.context(t, &rapportv1.GetCustomerContextRequest{Identity: "email:ada@example.com"}) })
		if total(byIdentity) != 2 || byIdentity["read"] != 2 {
			t.Errorf("by identity sent %v, want two reads", byIdentity)
		}
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestContextRequestsAreValidated(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	parent := ts.newCustomer(t, "ada")
	for i := range 5 {
		ts.record(t, parent, interaction(rapportv1.Channel_CHANNEL_EMAIL, i, fmt.Sprint("v-", i)))
	}
	masked := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"profile", "recent_interactions"}}, RecentInteractionLimit: ptr(int32(3))})
	if masked.GetProfile() == nil || len(masked.GetRecentInteractions()) != 3 || masked.GetContactCounts() != nil || masked.GetHints() != nil || masked.GetCustomer() != parent {
		t.Errorf("read mask: %v", masked)
	}
	for _, tc := range []struct {
		name string
		req  *rapportv1.GetCustomerContextRequest
		code codes.Code
		want string
	}{
		{"neither", &rapportv1.GetCustomerContextRequest{}, codes.InvalidArgument, "customer"},
		{"both", &rapportv1.GetCustomerContextRequest{Customer: parent, Identity: "email:a@example.com"}, codes.InvalidArgument, "identity"},
		{"bad identity", &rapportv1.GetCustomerContextRequest{Identity: "fax:1"}, codes.InvalidArgument, "identity"},
		{"limit too high", &rapportv1.GetCustomerContextRequest{Customer: parent, RecentInteractionLimit: ptr(int32(21))}, codes.InvalidArgument, "recent_interaction_limit"},
		{"bad mask", &rapportv1.GetCustomerContextRequest{Customer: parent, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"profile.display_name"}}}, codes.InvalidArgument, "read_mask"},
		{"unknown mask field", &rapportv1.GetCustomerContextRequest{Customer: parent, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"mood"}}}, codes.InvalidArgument, "read_mask"},
		{"unknown customer", &rapportv1.GetCustomerContextRequest{Customer: "customers/nobody"}, codes.NotFound, ""},
		{"unknown identity", &rapportv1.GetCustomerContextRequest{Identity: "email:nobody@example.com"}, codes.NotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.contexts.GetCustomerContext(ctx, tc.req)
			code, _, fields := statusDetails(t, err)
			if code != tc.code {
				t.Fatalf("got %v %v, want %v", code, fields, tc.code)
			}
			if _, ok := fields[tc.want]; tc.want != "" && !ok {
				t.Errorf("violations %v do not name %s", fields, tc.want)
			}
		})
	}
	batch, err := ts.contexts.BatchGetCustomerContexts(ctx, &rapportv1.BatchGetCustomerContextsRequest{Requests: []*rapportv1.GetCustomerContextRequest{
		{Customer: parent}, {Customer: "customers/nobody"}, {Customer: parent, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"hints"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := batch.GetResults()
	if len(r) != 3 || r[0].GetContext().GetCustomer() != parent || r[1].GetError().GetCode() != "NOT_FOUND" || r[2].GetContext().GetProfile() != nil || r[2].GetContext().GetCustomer() != parent {
		t.Errorf("batch results %v", r)
	}
	if _, err := ts.contexts.BatchGetCustomerContexts(ctx, &rapportv1.BatchGetCustomerContextsRequest{Requests: make([]*rapportv1.GetCustomerContextRequest, 101)}); err == nil {
		t.Error("a batch of 101 was accepted")
	}
	if _, err := ts.contexts.EnrichTicket(ctx, &rapportv1.EnrichTicketRequest{Requester: "ada"}); err == nil {
		t.Error("a requester without a type was accepted")
	}
}

// failingSummaries is the real store whose next summary updates fail, as if
// the process died between a write and its summary update.
type failingSummaries struct {
	repositorytest.Store
	failures atomic.Int32
}

func (f *failingSummaries) UpdateSummaries(ctx context.Context, tenant string, customerIDs []string, mutate func(*repository.Summary) error) error {
	if f.failures.Add(-1) >= 0 {
		return errors.New("process died")
	}
	return f.Store.UpdateSummaries(ctx, tenant, customerIDs, mutate)
}

func (f *failingSummaries) UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*repository.Summary) error) (*repository.Summary, error) {
	if f.failures.Add(-1) >= 0 {
		return nil, errors.New("process died")
	}
	return f.Store.UpdateSummary(ctx, tenant, customerID, mutate)
}

// A write whose summary update is lost (the process died between the two)
// is repaired by the client's retry, and a second retry counts nothing
// twice. On the embedded store the write and its summary are one
// transaction: the failed call stored nothing, and the retry records it.
func TestRetryRepairsSummaryAfterCrash(t *testing.T) {
	t.Parallel()
	base := newStore(t)
	store := &failingSummaries{Store: base}
	ts := startServer(t, store, service.Options{})
	parent := ts.newCustomer(t, "ada")
	in := interaction(rapportv1.Channel_CHANNEL_CHAT, 0, "crash-1")
	in.OccurTime = ago(time.Hour)
	store.failures.Store(1)
	if _, err := ts.interactions.RecordInteraction(t.Context(), &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in}); status.Code(err) != codes.Internal {
		t.Fatalf("the write whose summary update died: %v, want INTERNAL", err)
	}
	before := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if n := before.GetContactCounts()[0].GetTotal(); n != 0 {
		t.Fatalf("the summary has %d contacts before the retry", n)
	}
	retry := ts.record(t, parent, in)
	if transactional := engine().Name() == "sqlite"; retry.GetAlreadyRecorded() == transactional {
		t.Errorf("the retry found the interaction already recorded: %v; on a transactional store the failed call stores nothing, else it stays",
			retry.GetAlreadyRecorded())
	}
	after := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if n := after.GetContactCounts()[0].GetTotal(); n != 1 || len(after.GetRecentInteractions()) != 1 || after.GetRecentInteractions()[0].GetName() != retry.GetInteraction().GetName() {
		t.Errorf("after the retry: %d contacts, recent %v", n, after.GetRecentInteractions())
	}
	ts.record(t, parent, in)
	if n := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent}).GetContactCounts()[0].GetTotal(); n != 1 {
		t.Errorf("a second retry counted again: %d", n)
	}
}
