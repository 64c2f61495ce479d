package customercontext

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
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

// hints computes the hints of a context: each typed, with a code, a
// sentence and its evidence; ranked by type, then newest evidence first.
func hints(cc *rapportv1.CustomerContext, recent []*rapportv1.Interaction, now time.Time, channel rapportv1.Channel, cfg HintConfig) []*rapportv1.Hint {
	type ranked struct {
		hint *rapportv1.Hint
		when time.Time
	}
	var hs []ranked
	add := func(t rapportv1.HintType, code string, when time.Time, evidence []string, format string, args ...any) {
		hs = append(hs, ranked{&rapportv1.Hint{Type: t, Code: code, Text: fmt.Sprintf(format, args...), Evidence: evidence}, when})
	}
	c := cc.GetProfile()
	p := c.GetPreferences()
	customerName := []string{c.GetName()}
	issueTitle := map[string]string{}
	for _, is := range append(slices.Clone(cc.GetOpenIssues()), cc.GetRecentlyResolvedIssues()...) {
		issueTitle[is.GetName()] = is.GetTitle()
	}

	// Escalate.
	repeatByIssue := map[string]*rapportv1.RepeatContact{}
	for _, rc := range cc.GetRepeatContacts() {
		if rc.GetIssue() != "" {
			repeatByIssue[rc.GetIssue()] = rc
		}
	}
	for _, is := range cc.GetOpenIssues() {
		if is.GetReopenCount() >= cfg.EscalateReopens {
			add(rapportv1.HintType_HINT_TYPE_ESCALATE, "ESCALATE_REOPENED", is.GetUpdateTime().AsTime(), []string{is.GetName()},
				"Escalate %q: it has been reopened %d times.", is.GetTitle(), is.GetReopenCount())
		} else if rc := repeatByIssue[is.GetName()]; rc != nil && int(rc.GetCount()) >= cfg.EscalateContacts {
			add(rapportv1.HintType_HINT_TYPE_ESCALATE, "ESCALATE_CONTACTED_OFTEN", is.GetUpdateTime().AsTime(), append([]string{is.GetName()}, rc.GetInteractions()...),
				"Escalate %q: %d contacts about it in %d days.", is.GetTitle(), rc.GetCount(), rc.GetDays())
		}
	}

	// Apologise.
	for _, in := range recent {
		s := in.GetSentiment()
		t := in.GetOccurTime().AsTime()
		if now.Sub(t) > time.Duration(cfg.NegativeWindowDays)*day {
			break
		}
		if s != nil && s.GetScore() <= cfg.NegativeScore {
			add(rapportv1.HintType_HINT_TYPE_APOLOGIZE, "APOLOGIZE_NEGATIVE_SENTIMENT", t, []string{in.GetName()},
				"Acknowledge their frustration and apologise: their %s contact on %s went badly.", channelWord(in.GetChannel()), t.Format("Mon 2 Jan"))
			break
		}
	}
	surveyRecent := func(s *rapportv1.SurveyScore) bool {
		return s != nil && now.Sub(s.GetTime().AsTime()) <= time.Duration(cfg.SurveyWindowDays)*day
	}
	if sat := cc.GetSatisfaction(); surveyRecent(sat.GetNps()) && sat.GetNpsCategory() == rapportv1.NpsCategory_NPS_CATEGORY_DETRACTOR {
		add(rapportv1.HintType_HINT_TYPE_APOLOGIZE, "APOLOGIZE_DETRACTOR", sat.GetNps().GetTime().AsTime(), []string{sat.GetNps().GetInteraction()},
			"They gave an NPS of %d recently (a detractor): recover the relationship.", sat.GetNps().GetValue())
	}
	if sat := cc.GetSatisfaction(); surveyRecent(sat.GetCsat()) && sat.GetCsat().GetValue() <= cfg.LowCSAT {
		add(rapportv1.HintType_HINT_TYPE_APOLOGIZE, "APOLOGIZE_LOW_CSAT", sat.GetCsat().GetTime().AsTime(), []string{sat.GetCsat().GetInteraction()},
			"They rated a recent contact %d out of 5: apologise and make it right.", sat.GetCsat().GetValue())
	}

	// Repeat contacts; a topic repeat that an issue repeat already covers
	// (all its interactions are about the issue) is not said twice.
	var byIssueContacts [][]string
	for _, rc := range cc.GetRepeatContacts() {
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
	for _, rc := range cc.GetRepeatContacts() {
		if rc.GetIssue() == "" && covered(rc.GetInteractions()) {
			continue
		}
		if rc.GetIssue() != "" {
			add(rapportv1.HintType_HINT_TYPE_ACKNOWLEDGE_REPEAT_CONTACT, "REPEAT_CONTACT_ISSUE", latest(recent, rc.GetInteractions()), append([]string{rc.GetIssue()}, rc.GetInteractions()...),
				"Acknowledge this is a repeat contact: %d contacts in %d days about %q.", rc.GetCount(), rc.GetDays(), issueTitle[rc.GetIssue()])
		} else {
			add(rapportv1.HintType_HINT_TYPE_ACKNOWLEDGE_REPEAT_CONTACT, "REPEAT_CONTACT_TOPIC", latest(recent, rc.GetInteractions()), rc.GetInteractions(),
				"Acknowledge this is a repeat contact: %d contacts in %d days about %s.", rc.GetCount(), rc.GetDays(), rc.GetTopic())
		}
	}

	// Facts already given.
	for _, is := range cc.GetOpenIssues() {
		if len(is.GetFacts()) == 0 {
			continue
		}
		var parts []string
		evidence := []string{is.GetName()}
		for _, f := range is.GetFacts() {
			part := fmt.Sprintf("%s %s", strings.ReplaceAll(f.GetKey(), "_", " "), f.GetValue())
			if f.GetChannel() != rapportv1.Channel_CHANNEL_UNSPECIFIED {
				part += " (by " + channelWord(f.GetChannel()) + ")"
			}
			parts = append(parts, part)
			if f.GetInteraction() != "" && !slices.Contains(evidence, f.GetInteraction()) {
				evidence = append(evidence, f.GetInteraction())
			}
		}
		add(rapportv1.HintType_HINT_TYPE_DO_NOT_ASK_AGAIN, "FACTS_ALREADY_GIVEN", is.GetUpdateTime().AsTime(), evidence,
			"Do not ask again about %q; they already gave: %s.", is.GetTitle(), strings.Join(parts, "; "))
	}

	// Consent: never suggest a channel without it.
	consent := map[rapportv1.Channel]rapportv1.ConsentStatus{}
	for _, cs := range p.GetConsents() {
		consent[cs.GetChannel()] = cs.GetStatus()
	}
	var denied []string
	for _, cs := range p.GetConsents() {
		if cs.GetStatus() == rapportv1.ConsentStatus_CONSENT_STATUS_DENIED {
			denied = append(denied, channelWord(cs.GetChannel()))
		}
	}
	if len(denied) > 0 {
		add(rapportv1.HintType_HINT_TYPE_RESPECT_CONSENT, "CONSENT_DENIED", time.Time{}, customerName,
			"Do not contact them by %s: they did not consent.", strings.Join(denied, " or "))
	}
	if channel != rapportv1.Channel_CHANNEL_UNSPECIFIED && consent[channel] != rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED {
		add(rapportv1.HintType_HINT_TYPE_RESPECT_CONSENT, "NO_CONSENT_THIS_CHANNEL", time.Time{}, customerName,
			"Answer this %s contact, but do not follow up by %s: no consent on record.", channelWord(channel), channelWord(channel))
	}

	// Contact windows.
	if windows := p.GetContactWindows(); len(windows) > 0 {
		if loc, err := time.LoadLocation(p.GetTimeZone()); err == nil {
			local := now.In(loc)
			desc := describeWindows(windows, p.GetTimeZone())
			if !inWindow(windows, local) {
				add(rapportv1.HintType_HINT_TYPE_RESPECT_CONTACT_WINDOW, "OUTSIDE_CONTACT_WINDOW", time.Time{}, customerName,
					"It is %s for them, outside their contact windows (%s): do not call or message them now.", local.Format("Mon 15:04"), desc)
			} else {
				add(rapportv1.HintType_HINT_TYPE_RESPECT_CONTACT_WINDOW, "CONTACT_WINDOW", time.Time{}, customerName,
					"Contact them only within %s.", desc)
			}
		}
	}

	// Accessibility.
	if needs := p.GetAccessibilityNeeds(); len(needs) > 0 || p.GetAccessibilityNotes() != "" {
		var parts []string
		for _, n := range needs {
			parts = append(parts, accessibilityAdvice[n])
		}
		if p.GetAccessibilityNotes() != "" {
			parts = append(parts, "note: "+p.GetAccessibilityNotes())
		}
		add(rapportv1.HintType_HINT_TYPE_ACCESSIBILITY, "ACCESSIBILITY_NEEDS", time.Time{}, customerName, "%s.", capitalize(strings.Join(parts, "; ")))
	}

	// Follow up on recently resolved issues.
	for _, is := range cc.GetRecentlyResolvedIssues() {
		if is.GetStatus() != rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED || is.GetResolveTime() == nil {
			continue
		}
		rt := is.GetResolveTime().AsTime()
		if now.Sub(rt) <= time.Duration(cfg.FollowUpDays)*day {
			add(rapportv1.HintType_HINT_TYPE_FOLLOW_UP, "FOLLOW_UP_RESOLVED", rt, []string{is.GetName()},
				"Ask whether %q, resolved on %s, is still fixed.", is.GetTitle(), rt.Format("Mon 2 Jan"))
		}
	}

	// Personal touches.
	if n := c.GetPreferredName(); n != "" {
		add(rapportv1.HintType_HINT_TYPE_GREET_BY_NAME, "GREET_BY_PREFERRED_NAME", time.Time{}, customerName, "Greet them as %s.", n)
	}
	if lc := p.GetLanguageCode(); lc != "" {
		if tag, err := language.Parse(lc); err == nil {
			add(rapportv1.HintType_HINT_TYPE_USE_LANGUAGE, "USE_PREFERRED_LANGUAGE", time.Time{}, customerName,
				"Speak %s (%s).", display.English.Tags().Name(tag), lc)
		}
	}
	if pc := p.GetPreferredChannel(); pc != rapportv1.Channel_CHANNEL_UNSPECIFIED && consent[pc] == rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED {
		add(rapportv1.HintType_HINT_TYPE_PREFER_CHANNEL, "PREFER_CHANNEL", time.Time{}, customerName,
			"Follow up by %s, their preferred channel.", channelWord(pc))
	}
	if style := p.GetCommunicationStyle(); style != rapportv1.CommunicationStyle_COMMUNICATION_STYLE_UNSPECIFIED {
		add(rapportv1.HintType_HINT_TYPE_MATCH_STYLE, "MATCH_STYLE", time.Time{}, customerName, "%s", styleAdvice[style])
	}

	slices.SortStableFunc(hs, func(a, b ranked) int {
		if c := cmp.Compare(a.hint.GetType(), b.hint.GetType()); c != 0 {
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

var channelWords = map[rapportv1.Channel]string{
	rapportv1.Channel_CHANNEL_VOICE:     "phone",
	rapportv1.Channel_CHANNEL_CHAT:      "chat",
	rapportv1.Channel_CHANNEL_EMAIL:     "email",
	rapportv1.Channel_CHANNEL_SMS:       "SMS",
	rapportv1.Channel_CHANNEL_SOCIAL:    "social media",
	rapportv1.Channel_CHANNEL_WEB:       "the web",
	rapportv1.Channel_CHANNEL_IN_PERSON: "in person",
}

func channelWord(c rapportv1.Channel) string {
	if w, ok := channelWords[c]; ok {
		return w
	}
	return "an unknown channel"
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
