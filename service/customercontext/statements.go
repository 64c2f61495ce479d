package customercontext

import (
	"slices"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext/analysis"
	"github.com/rapporthq/rapport/service/customercontext/statements"
	"github.com/rapporthq/rapport/service/customercontext/topics"
)

// channelNames are the channels as analysis.Doc names them.
var channelNames = map[rapportv1.Channel]string{
	rapportv1.Channel_CHANNEL_VOICE: "voice", rapportv1.Channel_CHANNEL_EMAIL: "email", rapportv1.Channel_CHANNEL_SMS: "sms",
	rapportv1.Channel_CHANNEL_CHAT: "chat", rapportv1.Channel_CHANNEL_SOCIAL: "social", rapportv1.Channel_CHANNEL_WEB: "web",
	rapportv1.Channel_CHANNEL_IN_PERSON: "in_person",
}

// ReadStatements reads the statements of an interaction's text: only what
// the customer wrote (not outbound messages, not an agent's summary).
func ReadStatements(in *rapportv1.Interaction) []*rapportv1.Statement {
	if in.GetText() == "" || in.GetDirection() == rapportv1.Direction_DIRECTION_OUTBOUND {
		return nil
	}
	// The statement analyzers (what a customer says about themselves and an
	// earlier problem, how upset they are) are StatementAnalyzers.
	d := StatementAnalyzers.Run(&analysis.Doc{Text: in.GetText(), Channel: channelNames[in.GetChannel()]})
	var out []*rapportv1.Statement
	for _, an := range d.Annotations {
		switch an.Kind {
		case statements.KindPreference, statements.KindRelapse, statements.KindClosure, statements.KindUpset, statements.KindChurnThreat:
			out = append(out, &rapportv1.Statement{Kind: an.Kind, Key: an.Key, Value: an.Value, Confidence: an.Confidence, Evidence: an.Evidence,
				Span: &rapportv1.TextSpan{Field: "text", Start: int32(an.Span.Start), End: int32(an.Span.End)}})
		}
	}
	return out
}

// SMSKeyword returns statements.SMSOptOut or statements.SMSOptIn when an
// inbound SMS is an opt-out or opt-in keyword as a whole, and "" otherwise.
func SMSKeyword(in *rapportv1.Interaction) string {
	if in.GetChannel() != rapportv1.Channel_CHANNEL_SMS || in.GetDirection() == rapportv1.Direction_DIRECTION_OUTBOUND {
		return ""
	}
	return statements.Keyword(in.GetText())
}

// said is a statement with the interaction it was said in.
func said(st *rapportv1.Statement, in *rapportv1.Interaction) *rapportv1.Statement {
	return &rapportv1.Statement{Kind: st.GetKind(), Key: st.GetKey(), Value: st.GetValue(), Span: st.GetSpan(), Confidence: st.GetConfidence(),
		Evidence: st.GetEvidence(), Interaction: in.GetName(), StateTime: in.GetOccurTime(), Channel: in.GetChannel()}
}

// statedPreferences are the preferences said in recent interactions
// recorded after (or in the millisecond of) the profile's last change (recent is newest first): the
// newest of each key, and for channels one per channel. SMS keywords are
// not here: they change the consent itself.
func statedPreferences(profile *rapportv1.Customer, recent []*rapportv1.Interaction) []*rapportv1.Statement {
	var changed time.Time
	if t := profile.GetUpdateTime(); t != nil {
		changed = t.AsTime()
	}
	var out []*rapportv1.Statement
	seen := map[string]bool{}
	for _, in := range recent {
		if recorded(in).Before(changed) { // times are kept to the millisecond: a tie is newer
			continue
		}
		for _, st := range in.GetStatements() {
			if st.GetKind() != statements.KindPreference || st.GetKey() == statements.SMSOptOut || st.GetKey() == statements.SMSOptIn {
				continue
			}
			key := st.GetKey()
			if key == statements.ChannelNever || key == statements.ChannelOnly {
				key = "channel:" + st.GetValue()
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, said(st, in))
		}
	}
	return out
}

// stated returns the newest stated preference of a key, or nil.
func stated(cc *rapportv1.CustomerContext, key string) *rapportv1.Statement {
	for _, st := range cc.GetStatedPreferences() {
		if st.GetKey() == key {
			return st
		}
	}
	return nil
}

// saidOf returns the first statement of a kind in an interaction, or nil.
func saidOf(in *rapportv1.Interaction, kind string) *rapportv1.Statement {
	for _, st := range in.GetStatements() {
		if st.GetKind() == kind {
			return st
		}
	}
	return nil
}

// concerns says whether an interaction not linked to an issue is about it:
// one of its topics is the issue's topic in other words (the synonym table,
// stems), or its summary or excerpt speaks of the issue's title's topic, or
// gives one of the issue's facts. It returns why, or "".
func concerns(tab *topics.Table, is *rapportv1.Issue, in *rapportv1.Interaction) string {
	if in.GetIssue() != "" {
		return ""
	}
	issueTopics := map[string]string{}
	if t := is.GetTopic(); t != "" {
		issueTopics[tab.Canonical(t)] = t
	}
	for g, w := range tab.Groups(is.GetTitle()) {
		if issueTopics[g] == "" {
			issueTopics[g] = w
		}
	}
	for _, t := range in.GetTopics() {
		if w, ok := issueTopics[tab.Canonical(t)]; ok {
			return "has topic \"" + t + "\", the issue's \"" + w + "\""
		}
	}
	text := in.GetSummary() + " " + in.GetExcerpt()
	for g, w := range tab.Groups(text) {
		if iw, ok := issueTopics[g]; ok {
			return "speaks of \"" + w + "\", the issue's \"" + iw + "\""
		}
	}
	lower := strings.ToLower(text)
	for _, f := range is.GetFacts() {
		if v := strings.ToLower(f.GetValue()); len(v) >= 4 && f.GetKey() != "step_tried" && strings.Contains(lower, v) {
			return "gives " + f.GetValue() + ", the issue's " + strings.ReplaceAll(f.GetKey(), "_", " ")
		}
	}
	return ""
}

// afterResolve: contacts since an issue was resolved (at or after its
// resolve time: times are kept to the millisecond), newest first.
func afterResolve(is *rapportv1.Issue, recent []*rapportv1.Interaction) []*rapportv1.Interaction {
	if is.GetResolveTime() == nil {
		return nil
	}
	var out []*rapportv1.Interaction
	for _, in := range recent {
		if !in.GetOccurTime().AsTime().Before(is.GetResolveTime().AsTime()) {
			out = append(out, in)
		}
	}
	return out
}

// confirmedFixes: each recently resolved issue whose newest contact since
// it was resolved, linked to it or about it, says it is fixed (and not that
// it came back).
func confirmedFixes(tab *topics.Table, resolved []*rapportv1.Issue, recent []*rapportv1.Interaction) []*rapportv1.ConfirmedFix {
	var out []*rapportv1.ConfirmedFix
	for _, is := range resolved {
		for _, in := range afterResolve(is, recent) {
			if in.GetIssue() != is.GetName() && concerns(tab, is, in) == "" {
				continue
			}
			if saidOf(in, statements.KindRelapse) != nil {
				break // the newest word on it is that it came back
			}
			if st := saidOf(in, statements.KindClosure); st != nil {
				out = append(out, &rapportv1.ConfirmedFix{Issue: is.GetName(), Statement: said(st, in)})
				break
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *rapportv1.ConfirmedFix) int {
		return b.GetStatement().GetStateTime().AsTime().Compare(a.GetStatement().GetStateTime().AsTime())
	})
	return out
}

// closing reports whether an interaction only says an issue is fixed: a
// closure and no relapse. Such a contact is never a relapse nor a repeat.
func closing(in *rapportv1.Interaction) bool {
	return saidOf(in, statements.KindClosure) != nil && saidOf(in, statements.KindRelapse) == nil
}

// recorded is when Rapport recorded an interaction (its create time), or
// for one without, when it occurred.
func recorded(in *rapportv1.Interaction) time.Time {
	if t := in.GetCreateTime(); t != nil {
		return t.AsTime()
	}
	return in.GetOccurTime().AsTime()
}
