package customercontext

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext/statements"
	"github.com/rapporthq/rapport/service/customercontext/topics"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// HintConfig holds the thresholds of the hints, documented in the README.
type HintConfig struct {
	// RepeatWindowDays and RepeatMinContacts: contacts about one topic or
	// issue within the window that make a repeat contact.
	RepeatWindowDays  int
	RepeatMinContacts int
	// NegativeScore and NegativeWindowDays: a contact at or below the score
	// within the window calls for an apology.
	NegativeScore      float64
	NegativeWindowDays int
	// LowCSAT and SurveyWindowDays: a CSAT at or below LowCSAT, or an NPS
	// detractor score, given within the window calls for an apology.
	LowCSAT          int32
	SurveyWindowDays int
	// FollowUpDays: issues resolved within this many days get a follow-up.
	FollowUpDays int
	// EscalateReopens and EscalateContacts: an open issue reopened this
	// many times, or contacted about this many times in the repeat window,
	// should be escalated.
	EscalateReopens  int32
	EscalateContacts int
	// ExplicitConsent says that consent must be explicit: a channel with no
	// consent on record is noted even when the customer has no consent
	// recorded at all. Without it, NO_CONSENT_THIS_CHANNEL needs some
	// consent on record (a customer whose consents were never collected
	// would get it on every contact).
	ExplicitConsent bool
	// Topics are the synonym tables of topics; nil: topics.Default for
	// every tenant.
	Topics *TopicTables
}

// TopicTables are the synonym tables of topics: a tenant's own, which
// replaces the default for that tenant, and the default (nil:
// topics.Default).
type TopicTables struct {
	Default  *topics.Table
	ByTenant map[string]*topics.Table
}

// topicTable is the synonym table of a tenant.
func (c HintConfig) topicTable(tenant string) *topics.Table {
	if c.Topics != nil {
		if t := c.Topics.ByTenant[tenant]; t != nil {
			return t
		}
		if c.Topics.Default != nil {
			return c.Topics.Default
		}
	}
	return topics.Default
}

// DefaultHintConfig is the configuration used unless told otherwise.
func DefaultHintConfig() HintConfig {
	return HintConfig{
		RepeatWindowDays:   7,
		RepeatMinContacts:  2,
		NegativeScore:      -0.3,
		NegativeWindowDays: 7,
		LowCSAT:            2,
		SurveyWindowDays:   30,
		FollowUpDays:       14,
		EscalateReopens:    2,
		EscalateContacts:   4,
	}
}

// Validate reports a configuration that cannot work.
func (c HintConfig) Validate() error {
	switch {
	case c.RepeatWindowDays < 1 || c.RepeatWindowDays > windowDays:
		return fmt.Errorf("repeat window must be 1 to %d days", windowDays)
	case c.RepeatMinContacts < 1:
		return fmt.Errorf("repeat minimum must be at least 1")
	case c.NegativeScore < -1 || c.NegativeScore > 1:
		return fmt.Errorf("negative score must be between -1 and 1")
	case c.NegativeWindowDays < 1 || c.SurveyWindowDays < 1 || c.FollowUpDays < 1:
		return fmt.Errorf("windows must be at least 1 day")
	case c.EscalateReopens < 1 || c.EscalateContacts < 1:
		return fmt.Errorf("escalation thresholds must be at least 1")
	}
	return nil
}

// tier is how much a hint asks of the agent; hints are ranked by tier
// first. The tiers are the API's HintTier.
type tier = rapportv1.HintTier

const (
	// act: what the agent must act on in this contact.
	act = rapportv1.HintTier_HINT_TIER_ACT
	// etiquette: how to speak to the customer.
	etiquette = rapportv1.HintTier_HINT_TIER_ETIQUETTE
	// channel: notes about channels (consent, contact windows, the preferred
	// channel), which matter for follow-ups more than for the contact that is
	// starting on the channel the customer chose.
	channel = rapportv1.HintTier_HINT_TIER_CHANNEL
)

// hintRule is one row of the README's hint table: its tier, the codes it
// may give and the function that decides. A rule reads the context built
// so far (without hints) and gives zero or more candidates; it never reads
// another rule's output (rules that must agree share a helper, such as
// relapses).
type hintRule struct {
	tier  tier
	codes []string
	give  func(in hintInput) []candidate
}

// hintRules are the rules, in the order of the README's table, which is the
// ranking: by tier (the rows are grouped by tier), then by row, then newest
// evidence first.
var hintRules = []hintRule{
	{act, []string{"ESCALATE_REOPENED", "ESCALATE_CONTACTED_OFTEN"}, escalate},
	{act, []string{"RELAPSE"}, relapse},
	{act, []string{"RETAIN_CHURN_THREAT"}, retain},
	{act, []string{"APOLOGIZE_UPSET", "APOLOGIZE_NEGATIVE_SENTIMENT"}, apologize},
	{act, []string{"APOLOGIZE_DETRACTOR"}, apologizeDetractor},
	{act, []string{"APOLOGIZE_LOW_CSAT"}, apologizeLowCSAT},
	{act, []string{"REPEAT_CONTACT_ISSUE", "REPEAT_CONTACT_TOPIC"}, repeatContact},
	{act, []string{"FACTS_ALREADY_GIVEN"}, factsAlreadyGiven},
	{act, []string{"CUSTOMER_FACTS_ALREADY_GIVEN"}, customerFactsAlreadyGiven},
	{act, []string{"FOLLOW_UP_RESOLVED"}, followUpResolved},
	{act, []string{"CONFIRMED_FIX"}, confirmedFix},
	{etiquette, []string{"ACCESSIBILITY_NEEDS"}, accessibilityNeeds},
	{etiquette, []string{"GREET_BY_PREFERRED_NAME"}, greetByPreferredName},
	{etiquette, []string{"USE_PREFERRED_LANGUAGE"}, usePreferredLanguage},
	{etiquette, []string{"MATCH_STYLE"}, matchStyle},
	{channel, []string{"CONSENT_DENIED"}, consentDenied},
	{channel, []string{"STATED_CHANNEL_NEVER", "STATED_CHANNEL_ONLY"}, statedChannel},
	{channel, []string{"OUTSIDE_CONTACT_WINDOW", "CONTACT_WINDOW", "STATED_CONTACT_TIME"}, contactWindow},
	{channel, []string{"NO_CONSENT_THIS_CHANNEL"}, noConsentThisChannel},
	{channel, []string{"PREFER_CHANNEL"}, preferChannel},
}

// hintInput is what the rules read.
type hintInput struct {
	// cc is the context, computed except for its hints.
	cc *rapportv1.CustomerContext
	// recent are the latest interactions, newest first (also those beyond
	// the request's recent_interaction_limit).
	recent []*rapportv1.Interaction
	now    time.Time
	// channel is the channel of the contact that is starting, if known.
	channel rapportv1.Channel
	cfg     HintConfig
	// topics is the tenant's synonym table of topics.
	topics *topics.Table
	// facts are the keys and phrases of the summary's facts, when known
	// (nil: computed on the way).
	facts map[*rapportv1.Fact]factNote
}

// customer is the evidence of hints about the customer as a whole.
func (in hintInput) customer() []string { return []string{in.cc.GetProfile().GetName()} }

func (in hintInput) prefs() *rapportv1.Preferences { return in.cc.GetProfile().GetPreferences() }

// consent is the customer's consent on channel (the last one given for it).
func (in hintInput) consent(channel rapportv1.Channel) rapportv1.ConsentStatus {
	st := rapportv1.ConsentStatus_CONSENT_STATUS_UNSPECIFIED
	for _, cs := range in.prefs().GetConsents() {
		if cs.GetChannel() == channel {
			st = cs.GetStatus()
		}
	}
	return st
}

// within reports whether t is at most days before now.
func (in hintInput) within(t time.Time, days int) bool {
	return in.now.Sub(t) <= time.Duration(days)*day
}

// candidate is a hint before ranking; when is the time of its newest
// evidence (zero for hints about the customer as a whole).
type candidate struct {
	hint *rapportv1.Hint
	when time.Time
}

func newHint(t rapportv1.HintType, code string, when time.Time, evidence []string, format string, args ...any) candidate {
	return candidate{&rapportv1.Hint{Type: t, Code: code, Text: fmt.Sprintf(format, args...), Evidence: evidence}, when}
}

// hints computes the hints of a context: each typed, with a code, a tier,
// a sentence and its evidence; ranked by tier, then by rule, then newest
// evidence first.
func hints(cc *rapportv1.CustomerContext, recent []*rapportv1.Interaction, now time.Time, channel rapportv1.Channel, cfg HintConfig, tab *topics.Table, facts map[*rapportv1.Fact]factNote) []*rapportv1.Hint {
	in := hintInput{cc: cc, recent: recent, now: now, channel: channel, cfg: cfg, topics: tab, facts: facts}
	type ranked struct {
		candidate
		row int
	}
	var hs []ranked
	for row, r := range hintRules {
		for _, c := range r.give(in) {
			c.hint.Tier = r.tier
			hs = append(hs, ranked{c, row})
		}
	}
	slices.SortStableFunc(hs, func(a, b ranked) int {
		if c := cmp.Compare(a.hint.GetTier(), b.hint.GetTier()); c != 0 {
			return c
		}
		if c := cmp.Compare(a.row, b.row); c != 0 {
			return c
		}
		return b.when.Compare(a.when)
	})
	out := make([]*rapportv1.Hint, len(hs))
	for i, h := range hs {
		h.hint.Rank = int32(i + 1)
		out[i] = h.hint
	}
	return out
}

// escalate: an open issue reopened cfg.EscalateReopens times, or else
// contacted about cfg.EscalateContacts times in the repeat window.
func escalate(in hintInput) []candidate {
	repeatByIssue := map[string]*rapportv1.RepeatContact{}
	for _, rc := range in.cc.GetRepeatContacts() {
		if rc.GetIssue() != "" {
			repeatByIssue[rc.GetIssue()] = rc
		}
	}
	var out []candidate
	for _, is := range in.cc.GetOpenIssues() {
		if is.GetReopenCount() >= in.cfg.EscalateReopens {
			out = append(out, newHint(rapportv1.HintType_HINT_TYPE_ESCALATE, "ESCALATE_REOPENED", is.GetUpdateTime().AsTime(), []string{is.GetName()},
				"Escalate %q: it has been reopened %d times.", is.GetTitle(), is.GetReopenCount()))
		} else if rc := repeatByIssue[is.GetName()]; rc != nil && int(rc.GetCount()) >= in.cfg.EscalateContacts {
			out = append(out, newHint(rapportv1.HintType_HINT_TYPE_ESCALATE, "ESCALATE_CONTACTED_OFTEN", is.GetUpdateTime().AsTime(), append([]string{is.GetName()}, rc.GetInteractions()...),
				"Escalate %q: %d contacts about it in %d days.", is.GetTitle(), rc.GetCount(), rc.GetDays()))
		}
	}
	return out
}

// apologize: the newest contact within the negative window that calls for
// an apology. A text the customer wrote was read for upset (package
// statements, Upset): it calls for one when it is upset (sarcasm, formal
// frustration, escalation, shouting, anger, a churn threat), whatever its
// score, and not otherwise: a customer's "sorry, my mistake" scores
// negative and owes them nothing. A contact with no text of theirs (a
// summary, a given sentiment, a call) calls for one when its sentiment,
// in any language, is at or below cfg.NegativeScore.
func apologize(in hintInput) []candidate {
	for _, it := range in.recent {
		t := it.GetOccurTime().AsTime()
		if !in.within(t, in.cfg.NegativeWindowDays) {
			break
		}
		if cue := firstStatement(it, statements.KindUpset); cue != nil {
			return []candidate{newHint(rapportv1.HintType_HINT_TYPE_APOLOGIZE, "APOLOGIZE_UPSET", t, []string{it.GetName()},
				"Acknowledge their frustration and apologise: their %s contact on %s was upset (%s).", channelNoun(it.GetChannel()), t.Format("Mon 2 Jan"), cue.GetEvidence())}
		}
		if readForUpset(it) {
			continue
		}
		if s := it.GetSentiment(); scored(s) && s.GetScore() <= in.cfg.NegativeScore {
			return []candidate{newHint(rapportv1.HintType_HINT_TYPE_APOLOGIZE, "APOLOGIZE_NEGATIVE_SENTIMENT", t, []string{it.GetName()},
				"Acknowledge their frustration and apologise: their %s contact on %s went badly.", channelNoun(it.GetChannel()), t.Format("Mon 2 Jan"))}
		}
	}
	return nil
}

// retain: the newest contact within the negative window where the customer
// threatened to leave.
func retain(in hintInput) []candidate {
	for _, it := range in.recent {
		t := it.GetOccurTime().AsTime()
		if !in.within(t, in.cfg.NegativeWindowDays) {
			break
		}
		if st := firstStatement(it, statements.KindChurnThreat); st != nil {
			return []candidate{newHint(rapportv1.HintType_HINT_TYPE_RETAIN, "RETAIN_CHURN_THREAT", t, []string{it.GetName()},
				"They said they may leave in their %s contact on %s (%s): acknowledge it, fix what made them say it, and offer what your retention policy allows.",
				channelNoun(it.GetChannel()), t.Format("Mon 2 Jan"), st.GetEvidence())}
		}
	}
	return nil
}

// firstStatement is the interaction's first statement of a kind, or nil.
func firstStatement(it *rapportv1.Interaction, kind string) *rapportv1.Statement {
	for _, st := range it.GetStatements() {
		if st.GetKind() == kind {
			return st
		}
	}
	return nil
}

// readForUpset reports whether the interaction carries a text of the
// customer's that the upset analyzer read (ReadStatements reads inbound
// texts; the summary keeps an excerpt of each).
func readForUpset(it *rapportv1.Interaction) bool {
	return it.GetDirection() != rapportv1.Direction_DIRECTION_OUTBOUND && it.GetExcerpt() != "" && it.GetSummary() == ""
}

// recentSurvey reports whether a survey score was given within the survey
// window.
func (in hintInput) recentSurvey(s *rapportv1.SurveyScore) bool {
	return s != nil && in.within(s.GetTime().AsTime(), in.cfg.SurveyWindowDays)
}

// apologizeDetractor: an NPS detractor score within the survey window.
func apologizeDetractor(in hintInput) []candidate {
	sat := in.cc.GetSatisfaction()
	if !in.recentSurvey(sat.GetNps()) || sat.GetNpsCategory() != rapportv1.NpsCategory_NPS_CATEGORY_DETRACTOR {
		return nil
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_APOLOGIZE, "APOLOGIZE_DETRACTOR", sat.GetNps().GetTime().AsTime(), []string{sat.GetNps().GetInteraction()},
		"They gave an NPS of %d recently (a detractor): recover the relationship.", sat.GetNps().GetValue())}
}

// apologizeLowCSAT: a CSAT at or below cfg.LowCSAT within the survey window.
func apologizeLowCSAT(in hintInput) []candidate {
	sat := in.cc.GetSatisfaction()
	if !in.recentSurvey(sat.GetCsat()) || sat.GetCsat().GetValue() > in.cfg.LowCSAT {
		return nil
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_APOLOGIZE, "APOLOGIZE_LOW_CSAT", sat.GetCsat().GetTime().AsTime(), []string{sat.GetCsat().GetInteraction()},
		"They rated a recent contact %d out of 5: apologise and make it right.", sat.GetCsat().GetValue())}
}

// repeatContact: each repeat contact of the context, by issue or by topic;
// a topic repeat that an issue repeat already covers (all its interactions
// are about the issue) is not said twice.
func repeatContact(in hintInput) []candidate {
	issueTitle := map[string]string{}
	for _, is := range append(slices.Clone(in.cc.GetOpenIssues()), in.cc.GetRecentlyResolvedIssues()...) {
		issueTitle[is.GetName()] = is.GetTitle()
	}
	var byIssueContacts [][]string
	for _, rc := range in.cc.GetRepeatContacts() {
		if rc.GetIssue() != "" {
			byIssueContacts = append(byIssueContacts, rc.GetInteractions())
		}
	}
	covered := func(names []string) bool {
		for _, issueNames := range byIssueContacts {
			if len(names) > 0 && !slices.ContainsFunc(names, func(n string) bool { return !slices.Contains(issueNames, n) }) {
				return true
			}
		}
		return false
	}
	var out []candidate
	for _, rc := range in.cc.GetRepeatContacts() {
		if rc.GetIssue() == "" && covered(rc.GetInteractions()) {
			continue
		}
		switch {
		case rc.GetIssue() != "" && rc.GetSince() != nil:
			out = append(out, newHint(rapportv1.HintType_HINT_TYPE_ACKNOWLEDGE_REPEAT_CONTACT, "REPEAT_CONTACT_ISSUE", latest(in.recent, rc.GetInteractions()), append([]string{rc.GetIssue()}, rc.GetInteractions()...),
				"Acknowledge this is a repeat contact: %s contact about %q since %s.", ordinal(rc.GetCount()+1), issueTitle[rc.GetIssue()], rc.GetSince().AsTime().Format("Mon 2 Jan")))
		case rc.GetIssue() != "":
			out = append(out, newHint(rapportv1.HintType_HINT_TYPE_ACKNOWLEDGE_REPEAT_CONTACT, "REPEAT_CONTACT_ISSUE", latest(in.recent, rc.GetInteractions()), append([]string{rc.GetIssue()}, rc.GetInteractions()...),
				"Acknowledge this is a repeat contact: %d contacts in %d days about %q.", rc.GetCount(), rc.GetDays(), issueTitle[rc.GetIssue()]))
		default:
			out = append(out, newHint(rapportv1.HintType_HINT_TYPE_ACKNOWLEDGE_REPEAT_CONTACT, "REPEAT_CONTACT_TOPIC", latest(in.recent, rc.GetInteractions()), rc.GetInteractions(),
				"Acknowledge this is a repeat contact: %d contacts in %d days about %s.", rc.GetCount(), rc.GetDays(), rc.GetTopic()))
		}
	}
	return out
}

// latest returns the newest time among the named recent interactions.
func latest(recent []*rapportv1.Interaction, names []string) time.Time {
	var t time.Time
	for _, in := range recent {
		if slices.Contains(names, in.GetName()) && in.GetOccurTime().AsTime().After(t) {
			t = in.GetOccurTime().AsTime()
		}
	}
	return t
}

// times writes a count of times: "once", "twice", "3 times".
func times(n int32) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// ordinal writes n as "2nd", "3rd", "4th", "11th", "21st".
func ordinal(n int32) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// factNote is what the hints say of a fact: its key (FactKey) and phrase.
type factNote struct {
	key    FactID
	phrase string
}

func noteOf(f *rapportv1.Fact) factNote { return factNote{FactKey(f), factPhrase(f)} }

// fact is f's note, remembered or computed.
func (in hintInput) fact(f *rapportv1.Fact) factNote {
	if n, ok := in.facts[f]; ok {
		return n
	}
	return noteOf(f)
}

// factMemo computes the notes of a decoded summary's facts once, however
// many contexts are built from it (concurrently too).
type factMemo struct {
	once  sync.Once
	notes map[*rapportv1.Fact]factNote
}

// of returns the notes of d's facts (nil for a nil memo).
func (m *factMemo) of(d Decoded) map[*rapportv1.Fact]factNote {
	if m == nil {
		return nil
	}
	m.once.Do(func() {
		m.notes = map[*rapportv1.Fact]factNote{}
		for _, is := range d.Issues {
			for _, f := range is.GetFacts() {
				m.notes[f] = noteOf(f)
			}
		}
		for _, f := range d.CustomerFacts {
			m.notes[f] = noteOf(f)
		}
	})
	return m.notes
}

// factPhrase says a fact as the do-not-ask-again hints list it: "order
// number A-1234 (by chat)", "already tried: restarted the router (by
// email)".
func factPhrase(f *rapportv1.Fact) string {
	part := strings.ReplaceAll(f.GetKey(), "_", " ") + " " + f.GetValue()
	if f.GetKey() == "step_tried" {
		part = "already tried: " + f.GetValue()
	}
	if f.GetChannel() != rapportv1.Channel_CHANNEL_UNSPECIFIED {
		part += " (" + channelWord(f.GetChannel()) + ")"
	}
	return part
}

// factsAlreadyGiven: each open issue with facts lists them, with the
// channel they came by.
func factsAlreadyGiven(in hintInput) []candidate {
	var out []candidate
	for _, is := range in.cc.GetOpenIssues() {
		if len(is.GetFacts()) == 0 {
			continue
		}
		var parts []string
		evidence := []string{is.GetName()}
		for _, f := range is.GetFacts() {
			parts = append(parts, in.fact(f).phrase)
			if f.GetInteraction() != "" && !slices.Contains(evidence, f.GetInteraction()) {
				evidence = append(evidence, f.GetInteraction())
			}
		}
		out = append(out, newHint(rapportv1.HintType_HINT_TYPE_DO_NOT_ASK_AGAIN, "FACTS_ALREADY_GIVEN", is.GetUpdateTime().AsTime(), evidence,
			"Do not ask again about %q; they already gave: %s.", is.GetTitle(), strings.Join(parts, "; ")))
	}
	return out
}

// customerFactsAlreadyGiven: the customer's own facts (given outside an
// issue, or an account number or identity check on any issue), except those
// an open issue already lists.
func customerFactsAlreadyGiven(in hintInput) []candidate {
	var parts []string
	evidence := in.customer()
	var when time.Time
	onIssues := map[FactID]bool{} // said by FACTS_ALREADY_GIVEN already
	for _, is := range in.cc.GetOpenIssues() {
		for _, g := range is.GetFacts() {
			onIssues[in.fact(g).key] = true
		}
	}
	for _, f := range in.cc.GetCustomerFacts() {
		if onIssues[in.fact(f).key] {
			continue
		}
		parts = append(parts, in.fact(f).phrase)
		if f.GetInteraction() != "" && !slices.Contains(evidence, f.GetInteraction()) {
			evidence = append(evidence, f.GetInteraction())
		}
		if t := f.GetGiveTime().AsTime(); t.After(when) {
			when = t
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_DO_NOT_ASK_AGAIN, "CUSTOMER_FACTS_ALREADY_GIVEN", when, evidence,
		"Do not ask again; they already gave: %s.", strings.Join(parts, "; "))}
}

// consentDenied: the channels whose consent is denied, never to be used.
func consentDenied(in hintInput) []candidate {
	var denied []string
	for _, cs := range in.prefs().GetConsents() {
		if cs.GetStatus() == rapportv1.ConsentStatus_CONSENT_STATUS_DENIED {
			denied = append(denied, channelWord(cs.GetChannel()))
		}
	}
	if len(denied) == 0 {
		return nil
	}
	evidence, why := in.customer(), ""
	if in.consent(rapportv1.Channel_CHANNEL_SMS) == rapportv1.ConsentStatus_CONSENT_STATUS_DENIED {
		if stop := in.smsKeyword(statements.SMSOptOut); stop != nil {
			evidence = append(evidence, stop.GetName())
			word := strings.ToUpper(strings.Trim(stop.GetExcerpt(), " .!"))
			if word == "" {
				word = "an opt-out keyword"
			}
			why = fmt.Sprintf(" (they texted %s on %s)", word, stop.GetOccurTime().AsTime().Format("Mon 2 Jan"))
		}
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_RESPECT_CONSENT, "CONSENT_DENIED", time.Time{}, evidence,
		"Do not contact them %s: they did not consent%s.", strings.Join(denied, " or "), why)}
}

// smsKeyword is the newest recent SMS that was the keyword key as a whole
// (statements.SMSOptOut or SMSOptIn), if it is the newest keyword.
func (in hintInput) smsKeyword(key string) *rapportv1.Interaction {
	for _, it := range in.recent {
		for _, st := range it.GetStatements() {
			if st.GetKey() == statements.SMSOptOut || st.GetKey() == statements.SMSOptIn {
				if st.GetKey() == key {
					return it
				}
				return nil
			}
		}
	}
	return nil
}

// noConsentThisChannel: the contact's channel has no granted consent, so
// the agent answers but does not follow up on it. Only when some consent is
// on record, or consent must be explicit (cfg.ExplicitConsent).
func noConsentThisChannel(in hintInput) []candidate {
	if in.channel == rapportv1.Channel_CHANNEL_UNSPECIFIED || in.consent(in.channel) == rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED {
		return nil
	}
	if len(in.prefs().GetConsents()) == 0 && !in.cfg.ExplicitConsent {
		return nil
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_RESPECT_CONSENT, "NO_CONSENT_THIS_CHANNEL", time.Time{}, in.customer(),
		"Answer this %s contact, but do not follow up %s: no consent on record for it.", channelNoun(in.channel), channelWord(in.channel))}
}

// contactWindow: the customer's contact windows, and whether now (in their
// time zone) is outside them. No hint when their time zone is unknown.
func contactWindow(in hintInput) []candidate {
	if st := stated(in.cc, statements.ContactTime); st != nil {
		return []candidate{newHint(rapportv1.HintType_HINT_TYPE_RESPECT_CONTACT_WINDOW, "STATED_CONTACT_TIME", st.GetStateTime().AsTime(), append(in.customer(), st.GetInteraction()),
			"Contact them %s, their time (they asked %s on %s; not yet in their profile).", describeTime(st.GetValue()), channelWord(st.GetChannel()), st.GetStateTime().AsTime().Format("Mon 2 Jan"))}
	}
	p := in.prefs()
	windows := p.GetContactWindows()
	if len(windows) == 0 {
		return nil
	}
	loc, err := time.LoadLocation(p.GetTimeZone())
	if err != nil {
		return nil
	}
	local := in.now.In(loc)
	desc := describeWindows(windows, p.GetTimeZone())
	if !inWindow(windows, local) {
		return []candidate{newHint(rapportv1.HintType_HINT_TYPE_RESPECT_CONTACT_WINDOW, "OUTSIDE_CONTACT_WINDOW", time.Time{}, in.customer(),
			"It is %s for them, outside their contact windows (%s): do not call or message them now.", local.Format("Mon 15:04"), desc)}
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_RESPECT_CONTACT_WINDOW, "CONTACT_WINDOW", time.Time{}, in.customer(),
		"Contact them only within %s.", desc)}
}

// accessibilityNeeds: what to do for each accessibility need, and the notes.
func accessibilityNeeds(in hintInput) []candidate {
	p := in.prefs()
	needs := p.GetAccessibilityNeeds()
	if len(needs) == 0 && p.GetAccessibilityNotes() == "" {
		return nil
	}
	var parts []string
	for _, n := range needs {
		parts = append(parts, accessibilityAdvice[n])
	}
	if p.GetAccessibilityNotes() != "" {
		parts = append(parts, "note: "+p.GetAccessibilityNotes())
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_ACCESSIBILITY, "ACCESSIBILITY_NEEDS", time.Time{}, in.customer(), "%s.", capitalize(strings.Join(parts, "; ")))}
}

// followUpResolved: each issue resolved within cfg.FollowUpDays (not
// closed ones) that has not relapsed: ask whether it is still fixed.
func followUpResolved(in hintInput) []candidate {
	relapsed := in.relapses()
	fixed := map[string]bool{}
	for _, cf := range in.cc.GetConfirmedFixes() {
		fixed[cf.GetIssue()] = true
	}
	var out []candidate
	for _, is := range in.cc.GetRecentlyResolvedIssues() {
		if is.GetStatus() != rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED || is.GetResolveTime() == nil || relapsed[is.GetName()] != nil || fixed[is.GetName()] {
			continue
		}
		rt := is.GetResolveTime().AsTime()
		if in.within(rt, in.cfg.FollowUpDays) {
			out = append(out, newHint(rapportv1.HintType_HINT_TYPE_FOLLOW_UP, "FOLLOW_UP_RESOLVED", rt, []string{is.GetName()},
				"Ask whether %q, resolved on %s, is still fixed.", is.GetTitle(), rt.Format("Mon 2 Jan")))
		}
	}
	return out
}

// relapses are the resolved issues that came back, judged by what the
// customer said as well as by the link: a contact after the issue was
// resolved that is linked to it (unless it only says it is fixed: a
// confirmed fix), or that says the problem came back ("it's back", "schon
// wieder") and is about the issue (linked, or its topics, title words or
// facts; see concerns). By issue name, the contacts since, newest first.
func (in hintInput) relapses() map[string][]*rapportv1.Interaction {
	out := map[string][]*rapportv1.Interaction{}
	for _, is := range in.cc.GetRecentlyResolvedIssues() {
		for _, it := range afterResolve(is, in.recent) {
			linked := it.GetIssue() == is.GetName()
			switch {
			case linked && !closing(it):
			case !linked && saidOf(it, statements.KindRelapse) != nil && concerns(in.topics, is, it) != "":
			default:
				continue
			}
			out[is.GetName()] = append(out[is.GetName()], it)
		}
	}
	return out
}

// relapse: a recently resolved issue the customer contacted about again
// after it was resolved: acknowledge it came back; reopen it, and escalate
// when it had been reopened before.
func relapse(in hintInput) []candidate {
	relapsed := in.relapses()
	var out []candidate
	for _, is := range in.cc.GetRecentlyResolvedIssues() {
		contacts := relapsed[is.GetName()]
		if len(contacts) == 0 {
			continue
		}
		evidence := []string{is.GetName()}
		for _, c := range contacts {
			evidence = append(evidence, c.GetName())
		}
		todo := "reopen it"
		if is.GetReopenCount() > 0 {
			todo = fmt.Sprintf("reopen and escalate it (it came back %s before)", times(is.GetReopenCount()))
		}
		if is.GetStatus() == rapportv1.IssueStatus_ISSUE_STATUS_CLOSED {
			todo = "open a new issue for it and escalate"
		}
		saying := ""
		for _, c := range contacts {
			if st := saidOf(c, statements.KindRelapse); st != nil {
				saying = " They wrote so " + channelWord(c.GetChannel()) + " (" + st.GetEvidence()
				if c.GetIssue() == "" {
					saying += "; not linked to the issue, but it " + concerns(in.topics, is, c)
				}
				saying += ")."
				break
			}
		}
		out = append(out, newHint(rapportv1.HintType_HINT_TYPE_ACKNOWLEDGE_RELAPSE, "RELAPSE", contacts[0].GetOccurTime().AsTime(), evidence,
			"%q, resolved on %s, is back: acknowledge it came back and %s; do not ask whether it is still fixed.%s",
			is.GetTitle(), is.GetResolveTime().AsTime().Format("Mon 2 Jan"), todo, saying))
	}
	return out
}

// greetByPreferredName: the customer's preferred name.
func greetByPreferredName(in hintInput) []candidate {
	if st := stated(in.cc, statements.PreferredName); st != nil {
		return []candidate{newHint(rapportv1.HintType_HINT_TYPE_GREET_BY_NAME, "GREET_BY_PREFERRED_NAME", st.GetStateTime().AsTime(), append(in.customer(), st.GetInteraction()),
			"Greet them as %s (they asked %s on %s; not yet in their profile).", st.GetValue(), channelWord(st.GetChannel()), st.GetStateTime().AsTime().Format("Mon 2 Jan"))}
	}
	n := in.cc.GetProfile().GetPreferredName()
	if n == "" {
		return nil
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_GREET_BY_NAME, "GREET_BY_PREFERRED_NAME", time.Time{}, in.customer(), "Greet them as %s.", n)}
}

// usePreferredLanguage: the customer's preferred language, named in English.
func usePreferredLanguage(in hintInput) []candidate {
	lc := in.prefs().GetLanguageCode()
	evidence, asked := in.customer(), ""
	if st := stated(in.cc, statements.Language); st != nil {
		lc, evidence = st.GetValue(), append(evidence, st.GetInteraction())
		asked = fmt.Sprintf("; they asked %s on %s", channelWord(st.GetChannel()), st.GetStateTime().AsTime().Format("Mon 2 Jan"))
	}
	if lc == "" {
		return nil
	}
	tag, err := language.Parse(lc)
	if err != nil {
		return nil
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_USE_LANGUAGE, "USE_PREFERRED_LANGUAGE", time.Time{}, evidence,
		"Speak %s (%s%s).", display.English.Tags().Name(tag), lc, asked)}
}

// preferChannel: the customer's preferred channel, only with granted
// consent on it: a channel without consent is never suggested.
func preferChannel(in hintInput) []candidate {
	pc := in.prefs().GetPreferredChannel()
	if pc == rapportv1.Channel_CHANNEL_UNSPECIFIED || in.consent(pc) != rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED {
		return nil
	}
	for _, st := range in.cc.GetStatedPreferences() {
		never := st.GetKey() == statements.ChannelNever && st.GetValue() == channelNames[pc]
		onlyOther := st.GetKey() == statements.ChannelOnly && st.GetValue() != channelNames[pc]
		if never || onlyOther {
			return nil // what they said since rules: STATED_CHANNEL_* says it
		}
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_PREFER_CHANNEL, "PREFER_CHANNEL", time.Time{}, in.customer(),
		"Follow up %s, their preferred channel.", channelWord(pc))}
}

// matchStyle: the customer's communication style.
func matchStyle(in hintInput) []candidate {
	style := in.prefs().GetCommunicationStyle()
	if style == rapportv1.CommunicationStyle_COMMUNICATION_STYLE_UNSPECIFIED {
		return nil
	}
	return []candidate{newHint(rapportv1.HintType_HINT_TYPE_MATCH_STYLE, "MATCH_STYLE", time.Time{}, in.customer(), "%s", styleAdvice[style])}
}

// channelWords name each channel as a noun before "contact" ("a web
// contact") and after "by" or "in" ("by the web", "in person").
var channelWords = map[rapportv1.Channel]struct{ noun, by string }{
	rapportv1.Channel_CHANNEL_VOICE:     {"phone", "by phone"},
	rapportv1.Channel_CHANNEL_CHAT:      {"chat", "by chat"},
	rapportv1.Channel_CHANNEL_EMAIL:     {"email", "by email"},
	rapportv1.Channel_CHANNEL_SMS:       {"SMS", "by SMS"},
	rapportv1.Channel_CHANNEL_SOCIAL:    {"social media", "on social media"},
	rapportv1.Channel_CHANNEL_WEB:       {"web", "on the web"},
	rapportv1.Channel_CHANNEL_IN_PERSON: {"in-person", "in person"},
}

// channelNoun is the channel before "contact": "phone", "web".
func channelNoun(c rapportv1.Channel) string {
	if w, ok := channelWords[c]; ok {
		return w.noun
	}
	return "unknown-channel"
}

// channelWord is the channel as a way to reach someone: "by phone", "on
// the web".
func channelWord(c rapportv1.Channel) string {
	if w, ok := channelWords[c]; ok {
		return w.by
	}
	return "by an unknown channel"
}

var accessibilityAdvice = map[rapportv1.AccessibilityNeed]string{
	rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_HEARING:   "deaf or hard of hearing: prefer text channels and speak clearly",
	rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_VISION:    "blind or low vision: no visual-only instructions, screen-reader friendly links",
	rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_SPEECH:    "speech impairment: give them time, offer text channels",
	rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_COGNITIVE: "use plain language, one step at a time",
	rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_MOBILITY:  "limited mobility: avoid steps that need travel or fine motor control",
}

var styleAdvice = map[rapportv1.CommunicationStyle]string{
	rapportv1.CommunicationStyle_COMMUNICATION_STYLE_FORMAL:   "Keep it formal: titles and surnames.",
	rapportv1.CommunicationStyle_COMMUNICATION_STYLE_CASUAL:   "Keep it casual and friendly.",
	rapportv1.CommunicationStyle_COMMUNICATION_STYLE_CONCISE:  "Keep it short and to the point.",
	rapportv1.CommunicationStyle_COMMUNICATION_STYLE_DETAILED: "Explain thoroughly, step by step.",
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var weekdays = map[rapportv1.DayOfWeek]time.Weekday{
	rapportv1.DayOfWeek_DAY_OF_WEEK_MONDAY: time.Monday, rapportv1.DayOfWeek_DAY_OF_WEEK_TUESDAY: time.Tuesday,
	rapportv1.DayOfWeek_DAY_OF_WEEK_WEDNESDAY: time.Wednesday, rapportv1.DayOfWeek_DAY_OF_WEEK_THURSDAY: time.Thursday,
	rapportv1.DayOfWeek_DAY_OF_WEEK_FRIDAY: time.Friday, rapportv1.DayOfWeek_DAY_OF_WEEK_SATURDAY: time.Saturday,
	rapportv1.DayOfWeek_DAY_OF_WEEK_SUNDAY: time.Sunday,
}

// inWindow reports whether local (in the customer's zone) is inside one of
// the windows.
func inWindow(windows []*rapportv1.ContactWindow, local time.Time) bool {
	clock := local.Format("15:04")
	for _, w := range windows {
		for _, dd := range w.GetDays() {
			if weekdays[dd] == local.Weekday() && clock >= w.GetStartTime() && clock < w.GetEndTime() {
				return true
			}
		}
	}
	return false
}

func describeWindows(windows []*rapportv1.ContactWindow, zone string) string {
	var parts []string
	for _, w := range windows {
		var days []string
		for _, dd := range w.GetDays() {
			days = append(days, weekdays[dd].String()[:3])
		}
		parts = append(parts, fmt.Sprintf("%s %s-%s", strings.Join(days, ","), w.GetStartTime(), w.GetEndTime()))
	}
	return strings.Join(parts, "; ") + " " + zone
}

// describeTime says a stated time of day: "after 18:00", "before 12:00",
// "between 09:00 and 17:00", "in the evening".
func describeTime(v string) string {
	from, to, ok := strings.Cut(v, "-")
	switch {
	case !ok:
		return "in the " + v
	case from == "":
		return "before " + to
	case to == "":
		return "after " + from
	}
	return "between " + from + " and " + to
}

// statedChannel: a channel the customer asked never, or only, to be
// contacted on, newer than their profile.
func statedChannel(in hintInput) []candidate {
	var out []candidate
	byName := map[string]rapportv1.Channel{}
	for c, n := range channelNames {
		byName[n] = c
	}
	for _, st := range in.cc.GetStatedPreferences() {
		asked := fmt.Sprintf("they asked %s on %s; not yet in their profile", channelWord(st.GetChannel()), st.GetStateTime().AsTime().Format("Mon 2 Jan"))
		evidence := append(in.customer(), st.GetInteraction())
		switch st.GetKey() {
		case statements.ChannelNever:
			out = append(out, newHint(rapportv1.HintType_HINT_TYPE_RESPECT_CONSENT, "STATED_CHANNEL_NEVER", st.GetStateTime().AsTime(), evidence,
				"Do not contact them %s (%s).", channelWord(byName[st.GetValue()]), asked))
		case statements.ChannelOnly:
			out = append(out, newHint(rapportv1.HintType_HINT_TYPE_PREFER_CHANNEL, "STATED_CHANNEL_ONLY", st.GetStateTime().AsTime(), evidence,
				"Contact them only %s (%s).", channelWord(byName[st.GetValue()]), asked))
		}
	}
	return out
}

// confirmedFix: the customer said a recently resolved issue is fixed:
// nothing to follow up, and not a repeat.
func confirmedFix(in hintInput) []candidate {
	title := map[string]string{}
	for _, is := range in.cc.GetRecentlyResolvedIssues() {
		title[is.GetName()] = is.GetTitle()
	}
	var out []candidate
	for _, cf := range in.cc.GetConfirmedFixes() {
		st := cf.GetStatement()
		out = append(out, newHint(rapportv1.HintType_HINT_TYPE_CONFIRMED_FIX, "CONFIRMED_FIX", st.GetStateTime().AsTime(), []string{cf.GetIssue(), st.GetInteraction()},
			"They confirmed %q is fixed (%s, %s): no need to ask whether it still works.", title[cf.GetIssue()], channelWord(st.GetChannel()), st.GetStateTime().AsTime().Format("Mon 2 Jan")))
	}
	return out
}
