package customercontext

import (
	"testing"
	"time"
	"unicode/utf8"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
)

func interaction(name string, at time.Time, ch rapportv1.Channel, topics ...string) *rapportv1.Interaction {
	return &rapportv1.Interaction{Name: customer + "/interactions/" + name, OccurTime: ts(at), Channel: ch, Topics: topics, Text: "long text"}
}

func mustApply(t *testing.T, sum *repository.Summary, u Update) {
	t.Helper()
	if err := u.Apply(sum, now); err != nil {
		t.Fatal(err)
	}
}

func total(t *testing.T, sum *repository.Summary, days int32) int32 {
	t.Helper()
	d, ok, err := Decode(sum)
	if err != nil || !ok {
		t.Fatalf("Decode: %v, %v", ok, err)
	}
	for _, c := range Build(d, now, Options{Hints: DefaultHintConfig()}).GetContactCounts() {
		if c.GetDays() == days {
			return c.GetTotal()
		}
	}
	t.Fatalf("no count over %d days", days)
	return 0
}

func TestApplyCountsEachInteractionOnce(t *testing.T) {
	sum := &repository.Summary{}
	c := &rapportv1.Customer{Name: customer, Etag: "1", CreateTime: ts(daysAgo(400))}
	a := interaction("a", daysAgo(1), voice, "billing")
	b := interaction("b", daysAgo(20), email)
	mustApply(t, sum, Update{Customer: c, Interactions: []*rapportv1.Interaction{a, b}})
	// A retry, and a replay flagged as such: counted before, not again.
	mustApply(t, sum, Update{Interactions: []*rapportv1.Interaction{a}})
	mustApply(t, sum, Update{Interactions: []*rapportv1.Interaction{b}, Replayed: map[string]bool{b.GetName(): true}})
	if got := total(t, sum, 7); got != 1 {
		t.Errorf("7-day count %d, want 1", got)
	}
	if got := total(t, sum, 30); got != 2 {
		t.Errorf("30-day count %d, want 2", got)
	}
	if len(sum.Recent) != 2 || sum.Recent[0].InteractionID != a.GetName() {
		t.Errorf("recent %v, want a then b", sum.Recent)
	}
	d, _, _ := Decode(sum)
	if d.Recent[0].GetText() != "" {
		t.Error("the summary keeps interactions' text")
	}
	if sum.LastContact != daysAgo(1) || sum.FirstContact != daysAgo(20) {
		t.Errorf("first %v, last %v", sum.FirstContact, sum.LastContact)
	}
}

func TestApplyKeepsTheNewestRevision(t *testing.T) {
	sum := &repository.Summary{}
	mustApply(t, sum, Update{Customer: &rapportv1.Customer{Name: customer, Etag: "3", DisplayName: "new"}})
	mustApply(t, sum, Update{Customer: &rapportv1.Customer{Name: customer, Etag: "2", DisplayName: "old"}})
	is := openIssue("refund", "Refund v2", func(is *rapportv1.Issue) { is.Etag = "5" })
	mustApply(t, sum, Update{Issues: []*rapportv1.Issue{is}})
	mustApply(t, sum, Update{Issues: []*rapportv1.Issue{openIssue("refund", "Refund v1", func(is *rapportv1.Issue) { is.Etag = "4" })}})
	d, ok, err := Decode(sum)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if d.Customer.GetDisplayName() != "new" {
		t.Errorf("customer %q, want the newer revision", d.Customer.GetDisplayName())
	}
	if len(d.Issues) != 1 || d.Issues[0].GetTitle() != "Refund v2" {
		t.Errorf("issues %v, want the newer revision once", d.Issues)
	}
}

func TestApplyPrunesWhatAgedOut(t *testing.T) {
	sum := &repository.Summary{}
	old := openIssue("old", "Old", func(is *rapportv1.Issue) {
		is.Status, is.UpdateTime = rapportv1.IssueStatus_ISSUE_STATUS_CLOSED, ts(daysAgo(31))
	})
	stale := openIssue("stale", "Stale but open", func(is *rapportv1.Issue) { is.UpdateTime = ts(daysAgo(200)) })
	mustApply(t, sum, Update{Customer: &rapportv1.Customer{Name: customer}, Issues: []*rapportv1.Issue{old, stale},
		Interactions: []*rapportv1.Interaction{interaction("ancient", daysAgo(91), voice, "billing"), interaction("recent", daysAgo(89), voice, "billing")}})
	if len(sum.Issues) != 1 || sum.Issues[0].IssueID != "stale" {
		t.Errorf("issues %v, want the open one only", sum.Issues)
	}
	if len(sum.Days) != 1 || len(sum.TopicDays) != 1 {
		t.Errorf("days %v, topic days %v: want the one inside the window", sum.Days, sum.TopicDays)
	}
	if len(sum.Recent) != 2 {
		t.Errorf("recent %d, want both (recent is not a window)", len(sum.Recent))
	}
}

func TestApplyRefusesABadIssueName(t *testing.T) {
	err := Update{Issues: []*rapportv1.Issue{{Name: "issues/x"}}}.Apply(&repository.Summary{}, now)
	if err == nil {
		t.Error("an issue named issues/x was applied")
	}
}

func TestBuild(t *testing.T) {
	sum := &repository.Summary{}
	nps := int32(9)
	withNPS := interaction("c", daysAgo(2), sms)
	withNPS.Survey = &rapportv1.SurveyAnswers{Nps: &nps}
	mustApply(t, sum, Update{
		Customer: &rapportv1.Customer{Name: customer, CreateTime: ts(daysAgo(10))},
		Issues: []*rapportv1.Issue{openIssue("open", "Open", nil), openIssue("done", "Done", func(is *rapportv1.Issue) {
			is.Status = rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED
		})},
		Interactions: []*rapportv1.Interaction{
			interaction("a", daysAgo(1), voice, "billing"), interaction("b", daysAgo(3), voice, "billing"), withNPS,
			interaction("first", daysAgo(40), email),
		},
	})
	d, _, err := Decode(sum)
	if err != nil {
		t.Fatal(err)
	}
	cc := Build(d, now, Options{RecentLimit: 2, Hints: DefaultHintConfig()})
	if len(cc.GetRecentInteractions()) != 2 || len(cc.GetOpenIssues()) != 1 || len(cc.GetRecentlyResolvedIssues()) != 1 {
		t.Errorf("recent %d, open %d, resolved %d", len(cc.GetRecentInteractions()), len(cc.GetOpenIssues()), len(cc.GetRecentlyResolvedIssues()))
	}
	if cc.GetHints() != nil {
		t.Errorf("hints without WithHints: %v", cc.GetHints())
	}
	c7 := cc.GetContactCounts()[0]
	if c7.GetDays() != 7 || c7.GetTotal() != 3 || c7.GetByChannel()[0].GetChannel() != voice || c7.GetByChannel()[0].GetCount() != 2 {
		t.Errorf("7-day count %v", c7)
	}
	if rc := cc.GetRepeatContacts(); len(rc) != 1 || rc[0].GetTopic() != "billing" || rc[0].GetCount() != 2 {
		t.Errorf("repeat contacts %v", rc)
	}
	if cc.GetSatisfaction().GetNpsCategory() != rapportv1.NpsCategory_NPS_CATEGORY_PROMOTER {
		t.Errorf("satisfaction %v", cc.GetSatisfaction())
	}
	// Tenure counts from the first contact, which is before the profile.
	if cc.GetTenureDays() != 40 {
		t.Errorf("tenure %d days, want 40", cc.GetTenureDays())
	}
	withHints := Build(d, now, Options{Hints: DefaultHintConfig(), WithHints: true})
	if len(withHints.GetHints()) == 0 || len(withHints.GetRecentInteractions()) != 0 {
		t.Errorf("hints %v, recent %d", withHints.GetHints(), len(withHints.GetRecentInteractions()))
	}
}

func TestSentimentTrend(t *testing.T) {
	var recent []*rapportv1.Interaction
	for i, s := range []float64{0.5, 0.5, 0.5, 0.5, 0.5, -0.5, -0.5, -0.5, -0.5, -0.5, 0.9} {
		recent = append(recent, contact("i", daysAgo(float64(i)), score(s)))
	}
	tr := sentimentTrend(recent)
	if tr.GetDirection() != rapportv1.TrendDirection_TREND_DIRECTION_IMPROVING || tr.GetRecentCount() != 5 || tr.GetPreviousCount() != 5 ||
		tr.GetRecentAverage() != 0.5 || tr.GetPreviousAverage() != -0.5 || tr.GetLast().GetScore() != 0.5 {
		t.Errorf("trend %v", tr)
	}
	if tr := sentimentTrend(recent[:3]); tr.GetDirection() != rapportv1.TrendDirection_TREND_DIRECTION_UNSPECIFIED {
		t.Errorf("three contacts have no trend: %v", tr)
	}
}

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct {
		text string
		n    int
		want string
	}{
		{"", 20, ""},
		{"  Short   text\n here ", 20, "Short text here"},
		{"exactly twenty chars", 20, "exactly twenty chars"},
		{"The router drops every evening around nine", 20, "The router drops…"},
		{"Überweisung fehlgeschlagen wegen Fehler", 20, "Überweisung…"},
		{"Supercalifragilisticexpialidocious", 10, "Supercali…"},
	} {
		got := Excerpt(tc.text, tc.n)
		if got != tc.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.text, tc.n, got, tc.want)
		}
		if utf8.RuneCountInString(got) > tc.n {
			t.Errorf("Excerpt(%q, %d) has %d characters", tc.text, tc.n, utf8.RuneCountInString(got))
		}
	}
}

// Customer facts: kept from interactions linked to no issue, and account
// numbers from any; the earliest giving is kept, the latest time counts for
// how long; they age out after customerFactsKeptDays; applying twice
// changes nothing.
func TestApplyKeepsCustomerFacts(t *testing.T) {
	sum := &repository.Summary{}
	given := func(name string, at time.Time, issue string, facts ...*rapportv1.Fact) *rapportv1.Interaction {
		return &rapportv1.Interaction{Name: customer + "/interactions/" + name, Channel: voice, OccurTime: ts(at), Issue: issue, Facts: facts}
	}
	account := &rapportv1.Fact{Key: "account_number", Value: "ACC-1"}
	order := &rapportv1.Fact{Key: "order_number", Value: "A-1"}
	u := Update{Interactions: []*rapportv1.Interaction{
		given("a", daysAgo(20), "", account),
		given("b", daysAgo(2), customer+"/issues/refund", order, &rapportv1.Fact{Key: "account_number", Value: "acc-1"}),
		given("c", daysAgo(40), "", &rapportv1.Fact{Key: "postcode", Value: "AB1"}),
	}}
	for range 2 {
		if err := u.Apply(sum, now); err != nil {
			t.Fatal(err)
		}
	}
	if len(sum.CustomerFacts) != 1 {
		t.Fatalf("%d customer facts, want 1 (the account number; the order is the issue's, the postcode aged out)", len(sum.CustomerFacts))
	}
	var f rapportv1.Fact
	if err := proto.Unmarshal(sum.CustomerFacts[0].Fact, &f); err != nil {
		t.Fatal(err)
	}
	if f.GetValue() != "ACC-1" || f.GetInteraction() != customer+"/interactions/a" || !sum.CustomerFacts[0].Time.Equal(daysAgo(2)) {
		t.Errorf("kept %v last given %v; want the first giving, last given 2 days ago", &f, sum.CustomerFacts[0].Time)
	}
	if err := (Update{}).Apply(sum, now.Add(29*day)); err != nil {
		t.Fatal(err)
	}
	if len(sum.CustomerFacts) != 0 {
		t.Errorf("a fact last given 31 days ago is still kept")
	}
}
