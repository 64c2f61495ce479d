// Package followups holds the rules of the follow-up worklist: whether a
// customer is owed a contact and why (Owed, over a customer's context as
// the service computes it), and when and on which channel to make it
// (Plan, over their preferences). Pure functions over plain types: no
// server, no storage, no clock read (now is passed in). The README's
// "Follow-ups" table lists the same rules, in the same order.
package followups

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext/statements"
)

// Config holds the thresholds of the rules.
type Config struct {
	// NegativeScore: a contact whose sentiment score is at or below it is
	// negative (the hints' threshold).
	NegativeScore float64
	// WindowDays: resolutions and outcomes older than this at the time of a
	// write create no follow-up (so that rebuilding an old history does not
	// fill the worklist with stale work).
	WindowDays int
}

// DefaultConfig matches the hints' defaults (customercontext.DefaultHintConfig).
func DefaultConfig() Config { return Config{NegativeScore: -0.3, WindowDays: 14} }

// Owed is a follow-up a rule says is owed: its reason, its subject (the
// issue or interaction it is about) and its evidence (subject first).
type Owed struct {
	Reason   rapportv1.FollowUpReason
	Evidence []string
	// Channel is the channel of the evidence (the contact that went
	// badly, the one rated), CHANNEL_UNSPECIFIED when none.
	Channel rapportv1.Channel
}

// Subject is what the follow-up is about.
func (o Owed) Subject() string { return o.Evidence[0] }

// ID is the follow-up's ID: derived from its reason and subject, so that
// the same reason for the same subject is one follow-up whatever the
// number of writes that see it. "f" and 24 hex digits (a valid AIP-122 ID).
func ID(reason rapportv1.FollowUpReason, subject string) string {
	h := sha256.Sum256([]byte(reason.String() + "\x00" + subject))
	return "f" + hex.EncodeToString(h[:12])
}

// Input is what the rules read: the customer's context as the service
// computes it (hints included; recent interactions all of those the
// summary keeps), and the time of the write.
type Input struct {
	Context *rapportv1.CustomerContext
	Now     time.Time
	Config  Config
}

// rule is one row of the README's table: the reason it gives and the
// function that decides.
type rule struct {
	reason rapportv1.FollowUpReason
	owed   func(in Input) []Owed
}

// rules are the rules, in the README's order.
var rules = []rule{
	{rapportv1.FollowUpReason_FOLLOW_UP_REASON_RELAPSE, relapse},
	{rapportv1.FollowUpReason_FOLLOW_UP_REASON_RESOLVED_AFTER_NEGATIVE_CONTACT, resolvedAfterNegative},
	{rapportv1.FollowUpReason_FOLLOW_UP_REASON_LOW_SURVEY, lowSurvey},
	{rapportv1.FollowUpReason_FOLLOW_UP_REASON_APOLOGY_OWED, apologyOwed},
	{rapportv1.FollowUpReason_FOLLOW_UP_REASON_OUTCOME_FOLLOW_UP_NEEDED, outcomeFollowUpNeeded},
}

// ReasonText is a reason in words, the same for every follow-up of it.
var ReasonText = map[rapportv1.FollowUpReason]string{
	rapportv1.FollowUpReason_FOLLOW_UP_REASON_RELAPSE:                         "A resolved issue came back: acknowledge it and tell them what happens next.",
	rapportv1.FollowUpReason_FOLLOW_UP_REASON_RESOLVED_AFTER_NEGATIVE_CONTACT: "Issue resolved after a negative last contact: ask whether it is still fixed.",
	rapportv1.FollowUpReason_FOLLOW_UP_REASON_LOW_SURVEY:                      "Low survey score: apologise and make it right.",
	rapportv1.FollowUpReason_FOLLOW_UP_REASON_APOLOGY_OWED:                    "A recent contact was upset or went badly: an apology is owed.",
	rapportv1.FollowUpReason_FOLLOW_UP_REASON_OUTCOME_FOLLOW_UP_NEEDED:        "A contact ended with a follow-up needed: do what was promised.",
}

// OwedFollowUps returns the follow-ups the rules say are owed, in the
// rules' order. Reasons marked onePerCustomer give at most one.
func OwedFollowUps(in Input) []Owed {
	var out []Owed
	for _, r := range rules {
		for _, o := range r.owed(in) {
			o.Reason = r.reason
			out = append(out, o)
		}
	}
	return out
}

// OnePerCustomer says that a reason needs one open follow-up per customer,
// however many contacts give it (one apology is enough): a new one is not
// created while one is open.
func OnePerCustomer(r rapportv1.FollowUpReason) bool {
	return r == rapportv1.FollowUpReason_FOLLOW_UP_REASON_APOLOGY_OWED || r == rapportv1.FollowUpReason_FOLLOW_UP_REASON_LOW_SURVEY
}

// Void says that an open follow-up no longer makes sense and is withdrawn:
// one asking whether a resolved issue is still fixed, once the issue is
// open again or came back (a relapse: the relapse's follow-up says what to
// do instead).
func Void(cc *rapportv1.CustomerContext, reason rapportv1.FollowUpReason, subject string) bool {
	if reason != rapportv1.FollowUpReason_FOLLOW_UP_REASON_RESOLVED_AFTER_NEGATIVE_CONTACT {
		return false
	}
	if slices.ContainsFunc(cc.GetOpenIssues(), func(is *rapportv1.Issue) bool { return is.GetName() == subject }) {
		return true
	}
	return slices.ContainsFunc(cc.GetHints(), func(h *rapportv1.Hint) bool {
		return h.GetCode() == "RELAPSE" && len(h.GetEvidence()) > 0 && h.GetEvidence()[0] == subject
	})
}

// hinted gives one Owed per hint of the codes, about the hint's first
// evidence.
func hinted(in Input, codes ...string) []Owed {
	var out []Owed
	for _, h := range in.Context.GetHints() {
		if slices.Contains(codes, h.GetCode()) && len(h.GetEvidence()) > 0 {
			out = append(out, Owed{Evidence: slices.Clone(h.GetEvidence()), Channel: channelOf(in.Context, h.GetEvidence())})
		}
	}
	return out
}

// channelOf is the channel of the first recent interaction among names.
func channelOf(cc *rapportv1.CustomerContext, names []string) rapportv1.Channel {
	for _, it := range cc.GetRecentInteractions() {
		if slices.Contains(names, it.GetName()) {
			return it.GetChannel()
		}
	}
	return rapportv1.Channel_CHANNEL_UNSPECIFIED
}

// relapse: the context's RELAPSE hint (a contact after an issue was
// resolved that is linked to it, or says the problem is back).
func relapse(in Input) []Owed { return hinted(in, "RELAPSE") }

// lowSurvey: the APOLOGIZE_LOW_CSAT and APOLOGIZE_DETRACTOR hints (a CSAT
// at or below the low mark, an NPS detractor, within the survey window).
func lowSurvey(in Input) []Owed { return hinted(in, "APOLOGIZE_LOW_CSAT", "APOLOGIZE_DETRACTOR") }

// apologyOwed: the APOLOGIZE_UPSET and APOLOGIZE_NEGATIVE_SENTIMENT hints
// (a recent contact that was upset, or whose sentiment was negative).
func apologyOwed(in Input) []Owed {
	return hinted(in, "APOLOGIZE_UPSET", "APOLOGIZE_NEGATIVE_SENTIMENT")
}

// resolvedAfterNegative: an issue RESOLVED within the window, not
// relapsed, whose last linked contact (at or before its resolution) was
// negative: a sentiment score at or below the threshold, or an upset
// statement.
func resolvedAfterNegative(in Input) []Owed {
	relapsed := map[string]bool{}
	for _, h := range in.Context.GetHints() {
		if h.GetCode() == "RELAPSE" && len(h.GetEvidence()) > 0 {
			relapsed[h.GetEvidence()[0]] = true
		}
	}
	var out []Owed
	for _, is := range in.Context.GetRecentlyResolvedIssues() {
		if is.GetStatus() != rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED || is.GetResolveTime() == nil || relapsed[is.GetName()] {
			continue
		}
		rt := is.GetResolveTime().AsTime()
		if !within(in, rt) {
			continue
		}
		// Recent interactions are newest first: the first linked one at or
		// before the resolution is the last contact about it.
		for _, it := range in.Context.GetRecentInteractions() {
			if it.GetIssue() != is.GetName() || it.GetOccurTime().AsTime().After(rt) {
				continue
			}
			if negative(in.Config, it) {
				out = append(out, Owed{Evidence: []string{is.GetName(), it.GetName()}, Channel: it.GetChannel()})
			}
			break
		}
	}
	return out
}

// outcomeFollowUpNeeded: each interaction within the window whose outcome
// is FOLLOW_UP_NEEDED.
func outcomeFollowUpNeeded(in Input) []Owed {
	var out []Owed
	for _, it := range in.Context.GetRecentInteractions() {
		if it.GetOutcome() != rapportv1.Outcome_OUTCOME_FOLLOW_UP_NEEDED || !within(in, it.GetOccurTime().AsTime()) {
			continue
		}
		ev := []string{it.GetName()}
		if it.GetIssue() != "" {
			ev = append(ev, it.GetIssue())
		}
		out = append(out, Owed{Evidence: ev, Channel: it.GetChannel()})
	}
	return out
}

func within(in Input, t time.Time) bool {
	return in.Now.Sub(t) <= time.Duration(in.Config.WindowDays)*24*time.Hour
}

// negative says whether a contact went badly: an upset statement, or a
// computed sentiment at or below the threshold.
func negative(cfg Config, it *rapportv1.Interaction) bool {
	for _, st := range it.GetStatements() {
		if st.GetKind() == statements.KindUpset {
			return true
		}
	}
	s := it.GetSentiment()
	return s != nil && s.GetSource() != rapportv1.SentimentSource_SENTIMENT_SOURCE_NOT_COMPUTED && s.GetScore() <= cfg.NegativeScore
}
