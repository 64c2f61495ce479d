package service_test

import (
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service"
)

// Scenario tests of issue 18, points 2 and 3, through the public API:
// identifiers by their validated shape, and corrections that supersede. On
// both adapters (RAPPORT_TEST_STORE=mongo).

// factValues are a context's facts, open issues' and the customer's, as
// key=value.
func factValues(cc *rapportv1.CustomerContext) []string {
	var out []string
	for _, is := range cc.GetOpenIssues() {
		for _, f := range is.GetFacts() {
			out = append(out, f.GetKey()+"="+f.GetValue())
		}
	}
	for _, f := range cc.GetCustomerFacts() {
		out = append(out, f.GetKey()+"="+f.GetValue())
	}
	return out
}

func hintTexts(cc *rapportv1.CustomerContext) string {
	var b strings.Builder
	for _, h := range cc.GetHints() {
		b.WriteString(h.GetText() + "\n")
	}
	return b.String()
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A grouped IBAN with valid check digits is a fact; one failing mod-97 is
// not; a national phone number is read in the service's default region.
func TestIdentifiersByShape(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newStore(t), service.Options{DefaultPhoneRegion: "DE"})
	parent := ts.newCustomer(t, "mareike")
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(2 * time.Minute),
		Text: "bitte die Kaution auf mein Konto NL10 KNAB 2084 9688 44 überweisen, Handy 0172 5538190"})
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Minute),
		Text: "und die alte IBAN DE14500105179008659316 geht angeblich nicht"})
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	facts := factValues(cc)
	for _, want := range []string{"iban=NL10KNAB2084968844", "phone=+491725538190"} {
		if !has(facts, want) {
			t.Errorf("facts %v: no %s", facts, want)
		}
	}
	for _, f := range facts {
		if strings.Contains(f, "DE145001") {
			t.Errorf("an IBAN failing its check digits is a fact: %v", facts)
		}
	}
	if h := hintTexts(cc); !strings.Contains(h, "NL10KNAB2084968844") || strings.Contains(h, "DE14500105179008659316") {
		t.Errorf("hints:\n%s", h)
	}
}

// A card number is never stored: the stored text keeps only its last four
// digits, and the fact is that a card ending in them was given.
func TestCardNumberNeverStored(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "lena")
	rec := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(time.Minute),
		Text: "Order 1029384756 was cancelled but my card 4532 7688 1546 8583 was charged anyway."})
	got, err := ts.interactions.GetInteraction(t.Context(), &rapportv1.GetInteractionRequest{Name: rec.GetInteraction().GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if txt := got.GetInteraction().GetText(); strings.Contains(txt, "4532 7688") || !strings.Contains(txt, "**** **** **** 8583") {
		t.Errorf("stored text %q", txt)
	}
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	facts := factValues(cc)
	if !has(facts, "payment_card=8583") || !has(facts, "order_number=1029384756") {
		t.Errorf("facts %v", facts)
	}
	for _, f := range append(facts, hintTexts(cc)) {
		if strings.Contains(f, "45327688") || strings.Contains(f, "4532 7688") {
			t.Errorf("card number shown: %q", f)
		}
	}
}

// A correction in a later e-mail supersedes the earlier value: it stays in
// the issue's history, superseded by the e-mail that corrected it, and is
// never in the context's facts or hints.
func TestCorrectionInALaterEmailSupersedes(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "pat")
	is := ts.newIssue(t, parent, "claim", &rapportv1.Issue{Title: "Home insurance claim"})
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(2 * time.Hour), Issue: is.GetName(),
		Text: "Hello, about my home insurance: my contract number is K-55810 and the damage was on Monday."})
	second := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: ago(time.Hour), Issue: is.GetName(),
		Text: "Sorry, I meant contract number K-55801. Everything else stands."}).GetInteraction()
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})
	facts := factValues(cc)
	if !has(facts, "contract_number=K-55801") || has(facts, "contract_number=K-55810") {
		t.Errorf("facts %v", facts)
	}
	if h := hintTexts(cc); strings.Contains(h, "K-55810") || !strings.Contains(h, "K-55801") {
		t.Errorf("hints:\n%s", h)
	}
	stored, err := ts.issues.GetIssue(t.Context(), &rapportv1.GetIssueRequest{Name: is.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	var old *rapportv1.Fact
	for _, f := range stored.GetIssue().GetFacts() {
		if f.GetValue() == "K-55810" {
			old = f
		}
	}
	if old == nil || old.GetSupersededBy() != second.GetName() {
		t.Errorf("issue history %v: want K-55810 superseded by %s", stored.GetIssue().GetFacts(), second.GetName())
	}
}

// A correction in the same message: only the corrected value is a fact.
func TestCorrectionInTheSameMessage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "kai")
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Minute),
		Text: "Kundennummer 3310-2298, Korrektur: 3310-2289"})
	facts := factValues(ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent}))
	if !has(facts, "customer_number=3310-2289") || has(facts, "customer_number=3310-2298") {
		t.Errorf("facts %v", facts)
	}
}

// A label on one chat line and the value on the next: the value is a fact;
// the same value a day later, or after a line that ends with no label, is
// not.
func TestLabelOnOneChatLineValueOnTheNext(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "quinn")
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(3 * time.Minute), Text: "hi, my booking ref is"})
	ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(2 * time.Minute), Text: "QX7T2"})
	if facts := factValues(ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent})); !has(facts, "booking_reference=QX7T2") {
		t.Errorf("facts %v", facts)
	}
	other := ts.newCustomer(t, "rene")
	ts.record(t, other, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(26 * time.Hour), Text: "hi, my booking ref is"})
	ts.record(t, other, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(2 * time.Minute), Text: "QX7T2"})
	ts.record(t, other, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Minute), Text: "AB12C"})
	if facts := factValues(ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: other})); len(facts) != 0 {
		t.Errorf("facts %v, want none", facts)
	}
}
