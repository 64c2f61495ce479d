package customercontext

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext/topics"
)

// input is a context of customer with prefs, made into a rule's input
// with the default thresholds; edit changes it further.
func input(edit func(in *hintInput)) hintInput {
	in := hintInput{
		cc:  &rapportv1.CustomerContext{Customer: customer, Profile: &rapportv1.Customer{Name: customer, Preferences: &rapportv1.Preferences{}}},
		now: now,
		cfg: DefaultHintConfig(),
	}
	if edit != nil {
		edit(&in)
	}
	return in
}

// ruleCase is one input of a rule and the hints it must give: their codes
// in order, and, when set, a part of the first one's text and its evidence.
type ruleCase struct {
	name     string
	in       hintInput
	codes    []string
	text     string
	evidence []string
}

// ruleFor finds the registered rule that gives code.
func ruleFor(t *testing.T, code string) hintRule {
	t.Helper()
	for _, r := range hintRules {
		if slices.Contains(r.codes, code) {
			return r
		}
	}
	t.Fatalf("no rule gives %s", code)
	return hintRule{}
}

// checkRule runs the rule registered for code on every case.
func checkRule(t *testing.T, code string, cases []ruleCase) {
	t.Helper()
	r := ruleFor(t, code)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := r.give(tc.in)
			var codes []string
			for _, c := range got {
				codes = append(codes, c.hint.GetCode())
				if !slices.Contains(r.codes, c.hint.GetCode()) {
					t.Errorf("code %s is not one the rule registers (%v)", c.hint.GetCode(), r.codes)
				}
			}
			if !slices.Equal(codes, tc.codes) {
				t.Fatalf("codes %v, want %v", codes, tc.codes)
			}
			if len(got) == 0 {
				return
			}
			if h := got[0].hint; !strings.Contains(h.GetText(), tc.text) {
				t.Errorf("text %q, want it to contain %q", h.GetText(), tc.text)
			}
			if h := got[0].hint; tc.evidence != nil && !slices.Equal(h.GetEvidence(), tc.evidence) {
				t.Errorf("evidence %v, want %v", h.GetEvidence(), tc.evidence)
			}
		})
	}
}

func TestRuleEscalate(t *testing.T) {
	flaky := openIssue("flaky", "Flaky line", func(is *rapportv1.Issue) { is.ReopenCount = 2 })
	contacted := func(n int32) *rapportv1.RepeatContact {
		return &rapportv1.RepeatContact{Issue: customer + "/issues/refund", Count: n, Days: 7, Interactions: []string{"i1", "i2"}}
	}
	refund := openIssue("refund", "Refund", nil)
	checkRule(t, "ESCALATE_REOPENED", []ruleCase{
		{name: "no open issue", in: input(nil)},
		{name: "reopened twice", in: input(func(in *hintInput) { in.cc.OpenIssues = []*rapportv1.Issue{flaky} }),
			codes: []string{"ESCALATE_REOPENED"}, text: `Escalate "Flaky line": it has been reopened 2 times.`, evidence: []string{flaky.GetName()}},
		{name: "reopened once", in: input(func(in *hintInput) {
			in.cc.OpenIssues = []*rapportv1.Issue{openIssue("flaky", "Flaky line", func(is *rapportv1.Issue) { is.ReopenCount = 1 })}
		})},
		{name: "reopened, but resolved now", in: input(func(in *hintInput) { in.cc.RecentlyResolvedIssues = []*rapportv1.Issue{flaky} })},
		{name: "contacted about four times", in: input(func(in *hintInput) {
			in.cc.OpenIssues = []*rapportv1.Issue{refund}
			in.cc.RepeatContacts = []*rapportv1.RepeatContact{contacted(4)}
		}), codes: []string{"ESCALATE_CONTACTED_OFTEN"}, text: `Escalate "Refund": 4 contacts about it in 7 days.`, evidence: []string{refund.GetName(), "i1", "i2"}},
		{name: "contacted about three times", in: input(func(in *hintInput) {
			in.cc.OpenIssues = []*rapportv1.Issue{refund}
			in.cc.RepeatContacts = []*rapportv1.RepeatContact{contacted(3)}
		})},
		{name: "reopened and contacted often: said once", in: input(func(in *hintInput) {
			in.cc.OpenIssues = []*rapportv1.Issue{openIssue("refund", "Refund", func(is *rapportv1.Issue) { is.ReopenCount = 3 })}
			in.cc.RepeatContacts = []*rapportv1.RepeatContact{contacted(5)}
		}), codes: []string{"ESCALATE_REOPENED"}},
		{name: "thresholds from the config", in: input(func(in *hintInput) {
			in.cfg.EscalateReopens = 3
			in.cc.OpenIssues = []*rapportv1.Issue{flaky}
		})},
	})
}

func TestRuleApologizeNegativeSentiment(t *testing.T) {
	recent := func(ins ...*rapportv1.Interaction) hintInput {
		return input(func(in *hintInput) { in.recent = ins })
	}
	checkRule(t, "APOLOGIZE_NEGATIVE_SENTIMENT", []ruleCase{
		{name: "no contact", in: recent()},
		{name: "a bad call two days ago", in: recent(contact("bad", daysAgo(2), score(-0.8))),
			codes: []string{"APOLOGIZE_NEGATIVE_SENTIMENT"}, text: "their phone contact on Mon 2 Mar went badly", evidence: []string{customer + "/interactions/bad"}},
		{name: "at the threshold", in: recent(contact("bad", daysAgo(2), score(-0.3))), codes: []string{"APOLOGIZE_NEGATIVE_SENTIMENT"}},
		{name: "above the threshold", in: recent(contact("meh", daysAgo(2), score(-0.29)))},
		{name: "no sentiment", in: recent(contact("quiet", daysAgo(2), nil))},
		{name: "bad, seven days ago: inside the window", in: recent(contact("old", daysAgo(7), score(-0.9))), codes: []string{"APOLOGIZE_NEGATIVE_SENTIMENT"}},
		{name: "bad, but eight days ago", in: recent(contact("old", daysAgo(8), score(-0.9)))},
		{name: "a good contact after a bad one", in: recent(contact("good", daysAgo(1), score(0.5)), contact("bad", daysAgo(3), score(-0.6))),
			codes: []string{"APOLOGIZE_NEGATIVE_SENTIMENT"}, evidence: []string{customer + "/interactions/bad"}},
		{name: "two bad ones: the newest, once", in: recent(contact("worse", daysAgo(1), score(-0.9)), contact("bad", daysAgo(3), score(-0.6))),
			codes: []string{"APOLOGIZE_NEGATIVE_SENTIMENT"}, evidence: []string{customer + "/interactions/worse"}},
	})
}

// wrote is a contact of the customer's own text (an excerpt), with the
// statements the analyzers read in it.
func wrote(name string, at time.Time, sc *float64, sts ...*rapportv1.Statement) *rapportv1.Interaction {
	in := contact(name, at, sc)
	in.Channel, in.Direction, in.Excerpt, in.Statements = rapportv1.Channel_CHANNEL_CHAT, rapportv1.Direction_DIRECTION_INBOUND, "…", sts
	return in
}

func TestRuleApologizeUpset(t *testing.T) {
	recent := func(ins ...*rapportv1.Interaction) hintInput {
		return input(func(in *hintInput) { in.recent = ins })
	}
	sarcasm := &rapportv1.Statement{Kind: "upset", Key: "sarcasm", Evidence: "praise next to a failure (en)"}
	checkRule(t, "APOLOGIZE_UPSET", []ruleCase{
		{name: "upset, scored positive", in: recent(wrote("ironic", daysAgo(1), score(0.6), sarcasm)),
			codes: []string{"APOLOGIZE_UPSET"}, text: "was upset (praise next to a failure (en))", evidence: []string{customer + "/interactions/ironic"}},
		{name: "their own text, negative, not upset: no apology", in: recent(wrote("typo", daysAgo(1), score(-0.6)))},
		{name: "not upset now, a call that went badly before", in: recent(wrote("calm", daysAgo(1), score(-0.6)), contact("bad", daysAgo(2), score(-0.8))),
			codes: []string{"APOLOGIZE_NEGATIVE_SENTIMENT"}, evidence: []string{customer + "/interactions/bad"}},
		{name: "upset, but eight days ago", in: recent(wrote("old", daysAgo(8), nil, sarcasm))},
	})
}

func TestRuleRetain(t *testing.T) {
	recent := func(ins ...*rapportv1.Interaction) hintInput {
		return input(func(in *hintInput) { in.recent = ins })
	}
	threat := &rapportv1.Statement{Kind: "churn_threat", Evidence: "threat to leave (en)"}
	checkRule(t, "RETAIN_CHURN_THREAT", []ruleCase{
		{name: "no contact", in: recent()},
		{name: "a threat yesterday", in: recent(wrote("leaving", daysAgo(1), nil, threat)),
			codes: []string{"RETAIN_CHURN_THREAT"}, text: "They said they may leave", evidence: []string{customer + "/interactions/leaving"}},
		{name: "upset, no threat", in: recent(wrote("angry", daysAgo(1), nil, &rapportv1.Statement{Kind: "upset", Key: "anger"}))},
		{name: "a threat eight days ago", in: recent(wrote("leaving", daysAgo(8), nil, threat))},
	})
}

func satisfied(edit func(s *rapportv1.Satisfaction)) hintInput {
	return input(func(in *hintInput) {
		in.cc.Satisfaction = &rapportv1.Satisfaction{}
		edit(in.cc.Satisfaction)
	})
}

func survey(v int32, at time.Time) *rapportv1.SurveyScore {
	return &rapportv1.SurveyScore{Value: v, Time: ts(at), Interaction: customer + "/interactions/survey"}
}

func TestRuleApologizeDetractor(t *testing.T) {
	checkRule(t, "APOLOGIZE_DETRACTOR", []ruleCase{
		{name: "no survey", in: input(nil)},
		{name: "a detractor last week", in: satisfied(func(s *rapportv1.Satisfaction) {
			s.Nps, s.NpsCategory = survey(3, daysAgo(7)), rapportv1.NpsCategory_NPS_CATEGORY_DETRACTOR
		}), codes: []string{"APOLOGIZE_DETRACTOR"}, text: "They gave an NPS of 3 recently (a detractor)", evidence: []string{customer + "/interactions/survey"}},
		{name: "a passive", in: satisfied(func(s *rapportv1.Satisfaction) {
			s.Nps, s.NpsCategory = survey(8, daysAgo(7)), rapportv1.NpsCategory_NPS_CATEGORY_PASSIVE
		})},
		{name: "a detractor 30 days ago: inside the window", in: satisfied(func(s *rapportv1.Satisfaction) {
			s.Nps, s.NpsCategory = survey(3, daysAgo(30)), rapportv1.NpsCategory_NPS_CATEGORY_DETRACTOR
		}), codes: []string{"APOLOGIZE_DETRACTOR"}},
		{name: "a detractor 31 days ago", in: satisfied(func(s *rapportv1.Satisfaction) {
			s.Nps, s.NpsCategory = survey(3, daysAgo(31)), rapportv1.NpsCategory_NPS_CATEGORY_DETRACTOR
		})},
	})
}

func TestRuleApologizeLowCSAT(t *testing.T) {
	checkRule(t, "APOLOGIZE_LOW_CSAT", []ruleCase{
		{name: "no survey", in: input(nil)},
		{name: "2 of 5", in: satisfied(func(s *rapportv1.Satisfaction) { s.Csat = survey(2, daysAgo(3)) }),
			codes: []string{"APOLOGIZE_LOW_CSAT"}, text: "They rated a recent contact 2 out of 5", evidence: []string{customer + "/interactions/survey"}},
		{name: "3 of 5", in: satisfied(func(s *rapportv1.Satisfaction) { s.Csat = survey(3, daysAgo(3)) })},
		{name: "1 of 5, 31 days ago", in: satisfied(func(s *rapportv1.Satisfaction) { s.Csat = survey(1, daysAgo(31)) })},
		{name: "the threshold from the config", in: func() hintInput {
			in := satisfied(func(s *rapportv1.Satisfaction) { s.Csat = survey(3, daysAgo(3)) })
			in.cfg.LowCSAT = 3
			return in
		}(), codes: []string{"APOLOGIZE_LOW_CSAT"}},
	})
}

func TestRuleRepeatContact(t *testing.T) {
	refund := openIssue("refund", "Refund", nil)
	byIssue := func(names ...string) *rapportv1.RepeatContact {
		return &rapportv1.RepeatContact{Issue: refund.GetName(), Count: int32(len(names)), Days: 7, Interactions: names}
	}
	byTopic := func(names ...string) *rapportv1.RepeatContact {
		return &rapportv1.RepeatContact{Topic: "billing", Count: int32(len(names)), Days: 7, Interactions: names}
	}
	repeats := func(rcs ...*rapportv1.RepeatContact) hintInput {
		return input(func(in *hintInput) {
			in.cc.OpenIssues = []*rapportv1.Issue{refund}
			in.cc.RepeatContacts = rcs
		})
	}
	checkRule(t, "REPEAT_CONTACT_ISSUE", []ruleCase{
		{name: "no repeat", in: repeats()},
		{name: "about an issue", in: repeats(byIssue("a", "b", "c")), codes: []string{"REPEAT_CONTACT_ISSUE"},
			text: `Acknowledge this is a repeat contact: 3 contacts in 7 days about "Refund".`, evidence: []string{refund.GetName(), "a", "b", "c"}},
		{name: "about a topic", in: repeats(byTopic("a", "b")), codes: []string{"REPEAT_CONTACT_TOPIC"},
			text: "2 contacts in 7 days about billing.", evidence: []string{"a", "b"}},
		{name: "a topic the issue covers: said once", in: repeats(byIssue("a", "b", "c"), byTopic("a", "b")), codes: []string{"REPEAT_CONTACT_ISSUE"}},
		{name: "a one-contact topic the issue covers: said once", in: repeats(byIssue("a", "b"), byTopic("a")), codes: []string{"REPEAT_CONTACT_ISSUE"}},
		// Its contacts are older than the recent ones the summary keeps.
		{name: "a topic with no recent contact", in: repeats(byIssue("a", "b"), byTopic()), codes: []string{"REPEAT_CONTACT_ISSUE", "REPEAT_CONTACT_TOPIC"}},
		{name: "a topic beyond the issue", in: repeats(byIssue("a"), byTopic("a", "b")), codes: []string{"REPEAT_CONTACT_ISSUE", "REPEAT_CONTACT_TOPIC"}},
		{name: "an open issue since it opened", in: repeats(&rapportv1.RepeatContact{Issue: refund.GetName(), Count: 3, Days: 21, Since: ts(daysAgo(21)), Interactions: []string{"a"}}),
			codes: []string{"REPEAT_CONTACT_ISSUE"}, text: `Acknowledge this is a repeat contact: 4th contact about "Refund" since Wed 11 Feb.`},
	})
}

func TestRuleFactsAlreadyGiven(t *testing.T) {
	facts := []*rapportv1.Fact{
		{Key: "order_number", Value: "123", Channel: rapportv1.Channel_CHANNEL_VOICE, Interaction: "i1"},
		{Key: "postcode", Value: "AB1"},
		{Key: "model", Value: "X2", Channel: rapportv1.Channel_CHANNEL_CHAT, Interaction: "i1"},
	}
	refund := openIssue("refund", "Refund", func(is *rapportv1.Issue) { is.Facts = facts })
	checkRule(t, "FACTS_ALREADY_GIVEN", []ruleCase{
		{name: "an open issue with facts", in: input(func(in *hintInput) { in.cc.OpenIssues = []*rapportv1.Issue{refund} }),
			codes: []string{"FACTS_ALREADY_GIVEN"},
			text:  `Do not ask again about "Refund"; they already gave: order number 123 (by phone); postcode AB1; model X2 (by chat).`,
			// Each interaction once.
			evidence: []string{refund.GetName(), "i1"}},
		{name: "an open issue without facts", in: input(func(in *hintInput) { in.cc.OpenIssues = []*rapportv1.Issue{openIssue("other", "Other", nil)} })},
		{name: "a resolved issue with facts", in: input(func(in *hintInput) { in.cc.RecentlyResolvedIssues = []*rapportv1.Issue{refund} })},
	})
}

func consents(edit func(in *hintInput), cs ...*rapportv1.ChannelConsent) hintInput {
	return input(func(in *hintInput) {
		in.cc.Profile.Preferences.Consents = cs
		if edit != nil {
			edit(in)
		}
	})
}

func consent(ch rapportv1.Channel, granted bool) *rapportv1.ChannelConsent {
	st := rapportv1.ConsentStatus_CONSENT_STATUS_DENIED
	if granted {
		st = rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED
	}
	return &rapportv1.ChannelConsent{Channel: ch, Status: st}
}

func TestRuleConsentDenied(t *testing.T) {
	checkRule(t, "CONSENT_DENIED", []ruleCase{
		{name: "no consents", in: consents(nil)},
		{name: "only granted", in: consents(nil, consent(email, true))},
		{name: "two denied", in: consents(nil, consent(sms, false), consent(email, true), consent(voice, false)), codes: []string{"CONSENT_DENIED"},
			text: "Do not contact them by SMS or by phone: they did not consent.", evidence: []string{customer}},
	})
}

func TestRuleNoConsentThisChannel(t *testing.T) {
	on := func(ch rapportv1.Channel) func(in *hintInput) { return func(in *hintInput) { in.channel = ch } }
	explicit := func(ch rapportv1.Channel) func(in *hintInput) {
		return func(in *hintInput) { in.channel, in.cfg.ExplicitConsent = ch, true }
	}
	checkRule(t, "NO_CONSENT_THIS_CHANNEL", []ruleCase{
		{name: "channel unknown", in: consents(nil)},
		// Consents never collected: the note would be on every contact.
		{name: "no consent on record at all", in: consents(on(sms))},
		{name: "no consent on record, consent must be explicit", in: consents(explicit(sms)), codes: []string{"NO_CONSENT_THIS_CHANNEL"},
			text: "Answer this SMS contact, but do not follow up by SMS: no consent on record for it.", evidence: []string{customer}},
		{name: "web wording", in: consents(explicit(rapportv1.Channel_CHANNEL_WEB)), codes: []string{"NO_CONSENT_THIS_CHANNEL"},
			text: "Answer this web contact, but do not follow up on the web: no consent on record for it."},
		{name: "denied", in: consents(on(sms), consent(sms, false)), codes: []string{"NO_CONSENT_THIS_CHANNEL"}},
		{name: "granted", in: consents(on(email), consent(email, true))},
		{name: "granted on another channel", in: consents(on(sms), consent(email, true)), codes: []string{"NO_CONSENT_THIS_CHANNEL"}},
		{name: "the last consent given counts", in: consents(on(sms), consent(sms, false), consent(sms, true))},
	})
}

func TestRuleContactWindow(t *testing.T) {
	windows := func(zone, start, end string, days ...rapportv1.DayOfWeek) hintInput {
		return input(func(in *hintInput) {
			in.cc.Profile.Preferences.TimeZone = zone
			in.cc.Profile.Preferences.ContactWindows = []*rapportv1.ContactWindow{{Days: days, StartTime: start, EndTime: end}}
		})
	}
	wed, thu := rapportv1.DayOfWeek_DAY_OF_WEEK_WEDNESDAY, rapportv1.DayOfWeek_DAY_OF_WEEK_THURSDAY
	checkRule(t, "CONTACT_WINDOW", []ruleCase{
		{name: "no windows", in: input(nil)},
		{name: "inside", in: windows("UTC", "09:00", "17:00", wed), codes: []string{"CONTACT_WINDOW"},
			text: "Contact them only within Wed 09:00-17:00 UTC.", evidence: []string{customer}},
		{name: "another day", in: windows("UTC", "09:00", "17:00", thu), codes: []string{"OUTSIDE_CONTACT_WINDOW"},
			text: "It is Wed 15:00 for them, outside their contact windows (Thu 09:00-17:00 UTC): do not call or message them now."},
		{name: "the end is not inside", in: windows("UTC", "09:00", "15:00", wed), codes: []string{"OUTSIDE_CONTACT_WINDOW"}},
		{name: "in their time zone", in: windows("America/New_York", "09:00", "11:00", wed), codes: []string{"CONTACT_WINDOW"}},
		{name: "outside in their time zone", in: windows("America/New_York", "14:00", "17:00", wed), codes: []string{"OUTSIDE_CONTACT_WINDOW"},
			text: "It is Wed 10:00 for them"},
		{name: "an unknown time zone", in: windows("Nowhere/Special", "09:00", "17:00", wed)},
	})
}

func TestRuleAccessibilityNeeds(t *testing.T) {
	prefs := func(edit func(p *rapportv1.Preferences)) hintInput {
		return input(func(in *hintInput) { edit(in.cc.Profile.Preferences) })
	}
	checkRule(t, "ACCESSIBILITY_NEEDS", []ruleCase{
		{name: "none", in: input(nil)},
		{name: "a need", in: prefs(func(p *rapportv1.Preferences) {
			p.AccessibilityNeeds = []rapportv1.AccessibilityNeed{rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_HEARING}
		}), codes: []string{"ACCESSIBILITY_NEEDS"}, text: "Deaf or hard of hearing: prefer text channels and speak clearly.", evidence: []string{customer}},
		{name: "notes only", in: prefs(func(p *rapportv1.Preferences) { p.AccessibilityNotes = "uses a relay service" }),
			codes: []string{"ACCESSIBILITY_NEEDS"}, text: "Note: uses a relay service."},
		{name: "needs and notes", in: prefs(func(p *rapportv1.Preferences) {
			p.AccessibilityNeeds = []rapportv1.AccessibilityNeed{rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_COGNITIVE}
			p.AccessibilityNotes = "prefers mornings"
		}), codes: []string{"ACCESSIBILITY_NEEDS"}, text: "Use plain language, one step at a time; note: prefers mornings."},
	})
}

func TestRuleFollowUpResolved(t *testing.T) {
	resolved := func(st rapportv1.IssueStatus, at *time.Time) hintInput {
		is := openIssue("router", "Router", func(is *rapportv1.Issue) {
			is.Status = st
			if at != nil {
				is.ResolveTime = ts(*at)
			}
		})
		return input(func(in *hintInput) { in.cc.RecentlyResolvedIssues = []*rapportv1.Issue{is} })
	}
	at := func(days float64) *time.Time { t := daysAgo(days); return &t }
	checkRule(t, "FOLLOW_UP_RESOLVED", []ruleCase{
		{name: "none", in: input(nil)},
		{name: "resolved three days ago", in: resolved(rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, at(3)), codes: []string{"FOLLOW_UP_RESOLVED"},
			text: `Ask whether "Router", resolved on Sun 1 Mar, is still fixed.`, evidence: []string{customer + "/issues/router"}},
		{name: "resolved 14 days ago: inside the window", in: resolved(rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, at(14)), codes: []string{"FOLLOW_UP_RESOLVED"}},
		{name: "resolved 15 days ago", in: resolved(rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, at(15))},
		{name: "closed", in: resolved(rapportv1.IssueStatus_ISSUE_STATUS_CLOSED, at(3))},
		{name: "no resolve time", in: resolved(rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, nil)},
	})
}

// resolvedRouter is an issue resolved three days ago; contacts are linked
// to it.
func resolvedRouter(reopens int32, st rapportv1.IssueStatus, contacts ...*rapportv1.Interaction) hintInput {
	is := openIssue("router", "Router", func(is *rapportv1.Issue) {
		is.Status, is.ResolveTime, is.ReopenCount = st, ts(daysAgo(3)), reopens
	})
	for _, c := range contacts {
		c.Issue = is.GetName()
	}
	return input(func(in *hintInput) {
		in.cc.RecentlyResolvedIssues = []*rapportv1.Issue{is}
		in.recent = contacts
	})
}

func TestRuleRelapse(t *testing.T) {
	resolved := rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED
	router := customer + "/issues/router"
	checkRule(t, "RELAPSE", []ruleCase{
		{name: "no resolved issue", in: input(nil)},
		{name: "contacts only before it was resolved", in: resolvedRouter(0, resolved, contact("before", daysAgo(4), nil))},
		{name: "a contact after it was resolved", in: resolvedRouter(0, resolved, contact("back", daysAgo(1), nil), contact("before", daysAgo(4), nil)),
			codes: []string{"RELAPSE"}, text: `"Router", resolved on Sun 1 Mar, is back: acknowledge it came back and reopen it; do not ask whether it is still fixed.`,
			evidence: []string{router, customer + "/interactions/back"}},
		{name: "it came back before: escalate", in: resolvedRouter(1, resolved, contact("back", daysAgo(1), nil)),
			codes: []string{"RELAPSE"}, text: "reopen and escalate it (it came back once before)"},
		{name: "closed: a new issue", in: resolvedRouter(0, rapportv1.IssueStatus_ISSUE_STATUS_CLOSED, contact("back", daysAgo(1), nil)),
			codes: []string{"RELAPSE"}, text: "open a new issue for it and escalate"},
	})
	// A relapse is not followed up: they just said it is not fixed.
	checkRule(t, "FOLLOW_UP_RESOLVED", []ruleCase{
		{name: "relapsed: no follow-up", in: resolvedRouter(0, resolved, contact("back", daysAgo(1), nil))},
		{name: "not relapsed: follow-up", in: resolvedRouter(0, resolved, contact("before", daysAgo(4), nil)), codes: []string{"FOLLOW_UP_RESOLVED"}},
	})
}

func TestRuleCustomerFactsAlreadyGiven(t *testing.T) {
	account := &rapportv1.Fact{Key: "account_number", Value: "ACC-991", Channel: voice, Interaction: "i1", GiveTime: ts(daysAgo(2))}
	tried := &rapportv1.Fact{Key: "step_tried", Value: "restarted the router", Channel: rapportv1.Channel_CHANNEL_CHAT, Interaction: "i2", GiveTime: ts(daysAgo(1))}
	withFacts := func(open []*rapportv1.Fact, fs ...*rapportv1.Fact) hintInput {
		return input(func(in *hintInput) {
			in.cc.CustomerFacts = fs
			in.cc.OpenIssues = []*rapportv1.Issue{openIssue("refund", "Refund", func(is *rapportv1.Issue) { is.Facts = open })}
		})
	}
	checkRule(t, "CUSTOMER_FACTS_ALREADY_GIVEN", []ruleCase{
		{name: "none", in: withFacts(nil)},
		{name: "two facts", in: withFacts(nil, account, tried), codes: []string{"CUSTOMER_FACTS_ALREADY_GIVEN"},
			text:     "Do not ask again; they already gave: account number ACC-991 (by phone); already tried: restarted the router (by chat).",
			evidence: []string{customer, "i1", "i2"}},
		{name: "one an open issue lists: said there", in: withFacts([]*rapportv1.Fact{{Key: "account_number", Value: "acc-991"}}, account, tried),
			codes: []string{"CUSTOMER_FACTS_ALREADY_GIVEN"}, text: "they already gave: already tried: restarted the router (by chat)."},
		{name: "all on an open issue", in: withFacts([]*rapportv1.Fact{account}, account)},
	})
}

func TestOrdinal(t *testing.T) {
	for n, want := range map[int32]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 101: "101st", 111: "111th"} {
		if got := ordinal(n); got != want {
			t.Errorf("ordinal(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestRuleGreetByPreferredName(t *testing.T) {
	checkRule(t, "GREET_BY_PREFERRED_NAME", []ruleCase{
		{name: "none", in: input(nil)},
		{name: "a preferred name", in: input(func(in *hintInput) { in.cc.Profile.PreferredName = "Ada" }),
			codes: []string{"GREET_BY_PREFERRED_NAME"}, text: "Greet them as Ada.", evidence: []string{customer}},
	})
}

func TestRuleUsePreferredLanguage(t *testing.T) {
	lang := func(code string) hintInput {
		return input(func(in *hintInput) { in.cc.Profile.Preferences.LanguageCode = code })
	}
	checkRule(t, "USE_PREFERRED_LANGUAGE", []ruleCase{
		{name: "none", in: input(nil)},
		{name: "named in English", in: lang("pt-BR"), codes: []string{"USE_PREFERRED_LANGUAGE"}, text: "Portuguese (pt-BR).", evidence: []string{customer}},
		{name: "French", in: lang("fr"), codes: []string{"USE_PREFERRED_LANGUAGE"}, text: "Speak French (fr)."},
		{name: "not a language tag", in: lang("not a tag!")},
	})
}

func TestRulePreferChannel(t *testing.T) {
	prefer := func(ch rapportv1.Channel) func(in *hintInput) {
		return func(in *hintInput) { in.cc.Profile.Preferences.PreferredChannel = ch }
	}
	checkRule(t, "PREFER_CHANNEL", []ruleCase{
		{name: "none", in: input(nil)},
		{name: "granted", in: consents(prefer(email), consent(email, true)), codes: []string{"PREFER_CHANNEL"},
			text: "Follow up by email, their preferred channel.", evidence: []string{customer}},
		{name: "denied: never suggested", in: consents(prefer(sms), consent(sms, false), consent(email, true))},
		{name: "no consent on record: never suggested", in: consents(prefer(sms), consent(email, true))},
	})
}

func TestRuleMatchStyle(t *testing.T) {
	checkRule(t, "MATCH_STYLE", []ruleCase{
		{name: "none", in: input(nil)},
		{name: "concise", in: input(func(in *hintInput) {
			in.cc.Profile.Preferences.CommunicationStyle = rapportv1.CommunicationStyle_COMMUNICATION_STYLE_CONCISE
		}), codes: []string{"MATCH_STYLE"}, text: "Keep it short and to the point.", evidence: []string{customer}},
	})
}

// Hints are ranked by tier, then by rule, then newest evidence first;
// ranks count from 1.
func TestHintsRankByTierThenRuleThenNewest(t *testing.T) {
	older := openIssue("older", "Older", func(is *rapportv1.Issue) {
		is.Status, is.ResolveTime = rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, ts(daysAgo(5))
	})
	newer := openIssue("newer", "Newer", func(is *rapportv1.Issue) {
		is.Status, is.ResolveTime = rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, ts(daysAgo(2))
	})
	in := consents(func(in *hintInput) {
		in.channel = sms
		in.cc.Profile.Preferences.CommunicationStyle = rapportv1.CommunicationStyle_COMMUNICATION_STYLE_FORMAL
		in.cc.Profile.PreferredName = "Ada"
		in.cc.RecentlyResolvedIssues = []*rapportv1.Issue{older, newer}
		in.cc.OpenIssues = []*rapportv1.Issue{openIssue("flaky", "Flaky", func(is *rapportv1.Issue) { is.ReopenCount = 2 })}
	}, consent(email, false))
	hs := hints(in.cc, in.recent, in.now, in.channel, in.cfg, topics.Default, nil)
	var got []string
	for i, h := range hs {
		got = append(got, h.GetTier().String()+" "+h.GetCode()+" "+strings.Join(h.GetEvidence(), ","))
		if h.GetRank() != int32(i+1) {
			t.Errorf("hint %d has rank %d", i, h.GetRank())
		}
	}
	want := []string{
		"HINT_TIER_ACT ESCALATE_REOPENED " + customer + "/issues/flaky",
		"HINT_TIER_ACT FOLLOW_UP_RESOLVED " + newer.GetName(),
		"HINT_TIER_ACT FOLLOW_UP_RESOLVED " + older.GetName(),
		"HINT_TIER_ETIQUETTE GREET_BY_PREFERRED_NAME " + customer,
		"HINT_TIER_ETIQUETTE MATCH_STYLE " + customer,
		"HINT_TIER_CHANNEL CONSENT_DENIED " + customer,
		"HINT_TIER_CHANNEL NO_CONSENT_THIS_CHANNEL " + customer,
	}
	if !slices.Equal(got, want) {
		t.Errorf("hints\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The rules table is grouped by tier, act first: the table's order is the
// ranking.
func TestHintRulesGroupedByTier(t *testing.T) {
	for i := 1; i < len(hintRules); i++ {
		if hintRules[i].tier < hintRules[i-1].tier {
			t.Errorf("rule %v (%v) after a rule of tier %v", hintRules[i].codes, hintRules[i].tier, hintRules[i-1].tier)
		}
	}
}

// The README's hint table documents every code the rules give, and no other.
func TestREADMEListsEveryHintCode(t *testing.T) {
	readme, err := os.ReadFile("../../docs/context-and-hints.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n### Hints\n")
	if !ok {
		t.Fatal("docs/context-and-hints.md has no Hints section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	code := regexp.MustCompile("`([A-Z_]+)`")
	var documented []string
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[2], -1) {
			documented = append(documented, strings.TrimSpace(cells[3])+" "+m[1])
		}
	}
	var registered []string
	for _, r := range hintRules {
		for _, c := range r.codes {
			registered = append(registered, strings.ToLower(strings.TrimPrefix(r.tier.String(), "HINT_TIER_"))+" "+c)
		}
	}
	if !slices.Equal(documented, registered) {
		t.Errorf("README documents\n%v\nthe rules give, in order,\n%v", documented, registered)
	}
}

func TestHintConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *HintConfig)
		ok   bool
	}{
		{"default", func(*HintConfig) {}, true},
		{"repeat window of 0 days", func(c *HintConfig) { c.RepeatWindowDays = 0 }, false},
		{"repeat window beyond the summary's", func(c *HintConfig) { c.RepeatWindowDays = windowDays + 1 }, false},
		{"repeat minimum 0", func(c *HintConfig) { c.RepeatMinContacts = 0 }, false},
		{"negative score below -1", func(c *HintConfig) { c.NegativeScore = -1.5 }, false},
		{"follow-up window 0", func(c *HintConfig) { c.FollowUpDays = 0 }, false},
		{"escalation at 0 reopens", func(c *HintConfig) { c.EscalateReopens = 0 }, false},
	} {
		c := DefaultHintConfig()
		tc.edit(&c)
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v", tc.name, err)
		}
	}
}
