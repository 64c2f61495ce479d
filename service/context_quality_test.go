package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/customercontext"
)

// Scenario tests of issue 13: context quality on text as real feeds send
// it.

// A chat transcript with no structured facts: on the next contact, by
// phone, the agent sees the order number and the step already tried, read
// from the text and marked extracted with where they were read.
func TestTranscriptFactsRecoveredOnAnotherChannel(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	text := "Hi, my order number is A-48213 and it never came. I already contacted the courier, they know nothing."
	rec := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(3 * time.Hour), Text: text,
		SourceSystem: "chat", SourceId: "t-1", Facts: []*rapportv1.Fact{{Key: "order_number", Value: "a-48213"}}})
	// The given fact is kept as given, not repeated as extracted.
	var extracted []*rapportv1.Fact
	for _, f := range rec.GetInteraction().GetFacts() {
		if f.GetOrigin() == rapportv1.FactOrigin_FACT_ORIGIN_EXTRACTED {
			extracted = append(extracted, f)
		} else if f.GetOrigin() != rapportv1.FactOrigin_FACT_ORIGIN_GIVEN {
			t.Errorf("fact %v has no origin", f)
		}
	}
	if len(extracted) != 1 || extracted[0].GetKey() != "step_tried" || extracted[0].GetSpan().GetField() != "text" ||
		text[extracted[0].GetSpan().GetStart():extracted[0].GetSpan().GetEnd()] != extracted[0].GetValue() {
		t.Fatalf("extracted facts %v", extracted)
	}

	// An email about an issue, text only: the tracking number goes to the
	// issue's facts.
	issue := ts.newIssue(t, parent, "parcel", &rapportv1.Issue{Title: "Parcel lost"})
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(2 * time.Hour), Issue: issue.GetName(),
		Text: "Die Sendungsnummer 00340434161094042557 zeigt seit Tagen nichts.", SourceSystem: "mail", SourceId: "m-1"})

	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent, Channel: rapportv1.Channel_CHANNEL_VOICE})
	var facts []string
	for _, f := range cc.GetCustomerFacts() {
		facts = append(facts, f.GetKey()+"="+f.GetValue()+" "+f.GetOrigin().String()+" "+f.GetChannel().String())
	}
	want := []string{
		"order_number=a-48213 FACT_ORIGIN_GIVEN CHANNEL_CHAT",
		"step_tried=contacted the courier FACT_ORIGIN_EXTRACTED CHANNEL_CHAT",
	}
	slices.Sort(facts)
	if !slices.Equal(facts, want) {
		t.Errorf("customer facts\n%v\nwant\n%v", facts, want)
	}
	if got := cc.GetOpenIssues()[0].GetFacts(); len(got) != 1 || got[0].GetValue() != "00340434161094042557" || got[0].GetKey() != "tracking_number" ||
		got[0].GetOrigin() != rapportv1.FactOrigin_FACT_ORIGIN_EXTRACTED || got[0].GetInteraction() == "" {
		t.Errorf("issue facts %v", got)
	}
	h := findHint(cc.GetHints(), "CUSTOMER_FACTS_ALREADY_GIVEN")
	if h == nil || !strings.Contains(h.GetText(), "a-48213") || !strings.Contains(h.GetText(), "already tried: contacted the courier (by chat)") ||
		!slices.Contains(h.GetEvidence(), rec.GetInteraction().GetName()) {
		t.Errorf("customer do-not-ask-again hint %v", h)
	}
	if h := findHint(cc.GetHints(), "FACTS_ALREADY_GIVEN"); h == nil || !strings.Contains(h.GetText(), "tracking number 00340434161094042557 (by email)") {
		t.Errorf("issue do-not-ask-again hint %v", h)
	}
	// The recorded interaction keeps what was extracted.
	got, err := ts.interactions.GetInteraction(t.Context(), &rapportv1.GetInteractionRequest{Name: rec.GetInteraction().GetName()})
	if err != nil || len(got.GetInteraction().GetFacts()) != 2 {
		t.Errorf("stored facts %v, %v", got.GetInteraction().GetFacts(), err)
	}
}

// An account number and a verified identity given on a call with no issue,
// and an identity check on an issue that is closed since: all in the next
// context.
func TestCustomerFactsOutliveTheirIssue(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: ago(26 * time.Hour), Summary: "Asked about fees",
		Facts: []*rapportv1.Fact{{Key: "account_number", Value: "88120044"}}})
	issue := ts.newIssue(t, parent, "card", &rapportv1.Issue{Title: "Card blocked"})
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: ago(2 * time.Hour), Summary: "Unblocked the card",
		Issue: issue.GetName(), Facts: []*rapportv1.Fact{{Key: "identity_verified", Value: "security questions"}, {Key: "card_last_digits", Value: "4421"}}})
	if _, err := ts.setStatus(t, issue.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_CLOSED); err != nil {
		t.Fatal(err)
	}
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	var keys []string
	for _, f := range cc.GetCustomerFacts() {
		keys = append(keys, f.GetKey())
	}
	// Newest first; the card's digits were the issue's only.
	if !slices.Equal(keys, []string{"identity_verified", "account_number"}) {
		t.Errorf("customer facts %v", cc.GetCustomerFacts())
	}
	if h := findHint(cc.GetHints(), "CUSTOMER_FACTS_ALREADY_GIVEN"); h == nil || !strings.Contains(h.GetText(), "identity verified security questions") ||
		!strings.Contains(h.GetText(), "account number 88120044") {
		t.Errorf("hint %v", h)
	}
	// A rebuild from the history keeps them.
	if _, err := ts.contexts.RebuildCustomerContext(t.Context(), &rapportv1.RebuildCustomerContextRequest{Customer: parent}); err != nil {
		t.Fatal(err)
	}
	if again := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent}); len(again.GetCustomerFacts()) != 2 {
		t.Errorf("after a rebuild: %v", again.GetCustomerFacts())
	}
}

// Weekly contacts about an open issue: the fourth contact is a repeat
// (counted since the issue opened, not in the 7-day window), with
// don't-ask-again.
func TestWeeklyContactsOnAnOpenIssueAreRepeats(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	issue := ts.newIssue(t, parent, "line", &rapportv1.Issue{Title: "Line drops every evening"})
	var names []string
	for i, days := range []int{22, 15, 8} {
		in := &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: ago(time.Duration(days) * 24 * time.Hour), Issue: issue.GetName(),
			Summary: "Line still drops", SourceSystem: "pbx", SourceId: string(rune('a' + i))}
		if i == 0 {
			in.Text = "I already replaced the cable."
		}
		names = append(names, ts.record(t, parent, in).GetInteraction().GetName())
	}
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent, Channel: rapportv1.Channel_CHANNEL_VOICE})
	h := findHint(cc.GetHints(), "REPEAT_CONTACT_ISSUE")
	since := time.Now().Add(-22 * 24 * time.Hour).UTC().Format("Mon 2 Jan")
	if h == nil || !strings.Contains(h.GetText(), `4th contact about "Line drops every evening" since `+since) || !slices.Contains(h.GetEvidence(), names[0]) {
		t.Errorf("repeat hint %v in %v", h, hintCodes(cc.GetHints()))
	}
	if h := findHint(cc.GetHints(), "FACTS_ALREADY_GIVEN"); h == nil || !strings.Contains(h.GetText(), "already tried: replaced the cable") {
		t.Errorf("don't-ask-again %v", h)
	}
	if len(cc.GetRepeatContacts()) != 1 || cc.GetRepeatContacts()[0].GetSince() == nil || cc.GetRepeatContacts()[0].GetCount() != 3 {
		t.Errorf("repeat contacts %v", cc.GetRepeatContacts())
	}
}

// A contact about a resolved issue: a relapse, with its own hint, and no
// "is it still fixed?".
func TestRelapseGetsItsHintAndNoFollowUp(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	issue := ts.newIssue(t, parent, "wifi", &rapportv1.Issue{Title: "Wi-Fi drops"})
	if _, err := ts.setStatus(t, issue.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED); err != nil {
		t.Fatal(err)
	}
	before := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	if findHint(before.GetHints(), "FOLLOW_UP_RESOLVED") == nil || findHint(before.GetHints(), "RELAPSE") != nil {
		t.Fatalf("before the relapse: %v", hintCodes(before.GetHints()))
	}
	back := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(0), Issue: issue.GetName(),
		Text: "It's dropping again since this morning."}).GetInteraction()
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	h := findHint(cc.GetHints(), "RELAPSE")
	if h == nil || h.GetType() != rapportv1.HintType_HINT_TYPE_ACKNOWLEDGE_RELAPSE || h.GetRank() != 1 || !slices.Equal(h.GetEvidence(), []string{issue.GetName(), back.GetName()}) ||
		!strings.Contains(h.GetText(), "is back: acknowledge it came back and reopen it") {
		t.Errorf("relapse hint %v in %v", h, hintCodes(cc.GetHints()))
	}
	if findHint(cc.GetHints(), "FOLLOW_UP_RESOLVED") != nil {
		t.Errorf("still asks whether it is fixed: %v", hintCodes(cc.GetHints()))
	}
}

// Contacts with text and no summary are readable: an excerpt on a word
// boundary; a contact with a summary has none.
func TestTextOnlyContactsAreReadable(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	long := strings.Repeat("The invoice shows a charge I do not recognise. ", 10)
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(2 * time.Hour), Text: long})
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Hour), Text: "hello", Summary: "Greeted"})
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	recent := cc.GetRecentInteractions()
	if len(recent) != 2 || recent[0].GetExcerpt() != "" || recent[0].GetText() != "" {
		t.Fatalf("recent %v", recent)
	}
	ex := recent[1].GetExcerpt()
	if n := len([]rune(ex)); n > 200 || n < 150 || !strings.HasSuffix(ex, "recognise…") && !strings.HasSuffix(ex, " I…") && !strings.HasSuffix(ex, "…") {
		t.Errorf("excerpt %q (%d characters)", ex, n)
	}
	if word := strings.TrimSuffix(ex, "…"); !strings.HasPrefix(long, word) || long[len(word)] != ' ' {
		t.Errorf("excerpt %q is not cut at a word boundary", ex)
	}
}

// With no consent recorded at all, the first hint is one to act on, and
// the consent note is gone; a server that says consent must be explicit
// keeps it, ranked after the etiquette.
func TestNoConsentRecordedFirstHintIsToAct(t *testing.T) {
	t.Parallel()
	for _, explicit := range []bool{false, true} {
		opts := service.Options{}
		if explicit {
			opts.Hints = customercontext.DefaultHintConfig()
			opts.Hints.ExplicitConsent = true
		}
		ts := startServer(t, newStore(t), opts)
		_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{
			DisplayName: "Ada Lovelace", PreferredName: "Ada", Preferences: &rapportv1.Preferences{LanguageCode: "en-GB"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		ts.record(t, "customers/ada", &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: ago(20 * time.Hour),
			Text: "This is terrible, I am furious and really angry that nobody helped me."})
		cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada", Channel: rapportv1.Channel_CHANNEL_WEB})
		hs := cc.GetHints()
		if len(hs) == 0 || hs[0].GetTier() != rapportv1.HintTier_HINT_TIER_ACT || hs[0].GetCode() != "APOLOGIZE_UPSET" {
			t.Errorf("explicit=%v: hints %v", explicit, hintCodes(hs))
		}
		note := findHint(hs, "NO_CONSENT_THIS_CHANNEL")
		switch {
		case !explicit && note != nil:
			t.Errorf("a consent note with no consent recorded: %v", hintCodes(hs))
		case explicit && (note == nil || note.GetRank() != int32(len(hs)) || note.GetText() != "Answer this web contact, but do not follow up on the web: no consent on record for it."):
			t.Errorf("explicit consent: note %v in %v", note, hintCodes(hs))
		}
	}
}

// TestSentimentInTheCustomersLanguage (issue 19): each text gets its own
// language and its own language's score, never English's; a text too
// short to tell is und and not scored; German anger over three contacts is
// a negative trend and an apology; sarcasm and formal frustration owe an
// apology whatever their score; "sorry, my mistake" owes none; a churn
// threat gives the retention hint.
func TestSentimentInTheCustomersLanguage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, tc := range []struct {
		customer, text, lang string
		source               rapportv1.SentimentSource
		scorer               string
	}{
		{"joost", "Mijn internet valt al een week elke avond uit en niemand van jullie klantenservice belt terug.", "nl", rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED, "nlp.js Pattern nl"},
		{"zofia", "Od tygodnia nie mam internetu, a nikt z obsługi klienta nie oddzwania. To jest bardzo irytujące.", "pl", rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED, "nlp.js AFINN pl"},
		{"amelie", "Merci, tout est parfait, je suis ravie !", "fr", rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED, "nlp.js Pattern fr"},
		{"ok", "ok!", "und", rapportv1.SentimentSource_SENTIMENT_SOURCE_NOT_COMPUTED, ""},
	} {
		parent := ts.newCustomer(t, tc.customer)
		in := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(time.Hour), Text: tc.text}).GetInteraction()
		if s := in.GetSentiment(); s.GetSource() != tc.source || s.GetLanguage() != tc.lang || s.GetScorer() != tc.scorer {
			t.Errorf("%s: sentiment %v, want %s %v %q", tc.customer, s, tc.lang, tc.source, tc.scorer)
		}
	}

	// German anger over three contacts.
	klaus := ts.newCustomer(t, "klaus")
	for i, text := range []string{
		"Das ist eine Frechheit! Ich warte seit drei Wochen auf meine Erstattung und niemand ruft zurück. Ich bin wütend.",
		"Schon wieder keine Antwort. Ihr Service ist eine Katastrophe, ich bin sehr enttäuscht.",
		"Unglaublich schlecht. Zum dritten Mal schreibe ich Ihnen, und es passiert nichts!",
	} {
		in := ts.record(t, klaus, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, Direction: rapportv1.Direction_DIRECTION_INBOUND,
			OccurTime: ago(time.Duration(3-i) * time.Hour), Text: text}).GetInteraction()
		if s := in.GetSentiment(); s.GetLanguage() != "de" || s.GetSource() != rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED || s.GetScore() >= 0 {
			t.Errorf("klaus %d: sentiment %v", i, s)
		}
	}
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: klaus})
	if tr := cc.GetSentimentTrend(); tr.GetRecentCount() != 3 || tr.GetRecentAverage() >= 0 {
		t.Errorf("klaus: trend %v, want 3 negative contacts", tr)
	}
	if findHint(cc.GetHints(), "APOLOGIZE_UPSET") == nil {
		t.Errorf("klaus: no apology: %v", hintCodes(cc.GetHints()))
	}

	for _, tc := range []struct {
		customer, text  string
		apology, retain bool
	}{
		{"sarcastic", "Lovely, another 'fix' that fixed nothing. Well done, really.", true, false},
		{"formal", "Kindly advise when I may expect a substantive response; I have written on several occasions and my request remains unanswered.", true, false},
		{"typo", "Sorry, my mistake, the number is 448210, not 448120.", false, false},
		{"leaving", "If this is not fixed by Friday I will cancel my contract and switch to another provider.", true, true},
	} {
		parent := ts.newCustomer(t, tc.customer)
		ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, Direction: rapportv1.Direction_DIRECTION_INBOUND, OccurTime: ago(time.Hour), Text: tc.text})
		cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
		apology := findHint(cc.GetHints(), "APOLOGIZE_UPSET") != nil || findHint(cc.GetHints(), "APOLOGIZE_NEGATIVE_SENTIMENT") != nil
		if apology != tc.apology {
			t.Errorf("%s: apology %v, want %v (%v)", tc.customer, apology, tc.apology, hintCodes(cc.GetHints()))
		}
		if got := findHint(cc.GetHints(), "RETAIN_CHURN_THREAT") != nil; got != tc.retain {
			t.Errorf("%s: retention hint %v, want %v (%v)", tc.customer, got, tc.retain, hintCodes(cc.GetHints()))
		}
	}
}
