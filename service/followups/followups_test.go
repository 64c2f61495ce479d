package followups

import (
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext/statements"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var (
	email   = rapportv1.Channel_CHANNEL_EMAIL
	sms     = rapportv1.Channel_CHANNEL_SMS
	voice   = rapportv1.Channel_CHANNEL_VOICE
	none    = rapportv1.Channel_CHANNEL_UNSPECIFIED
	granted = rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED
	denied  = rapportv1.ConsentStatus_CONSENT_STATUS_DENIED
)

func consents(pairs ...any) []*rapportv1.ChannelConsent {
	var out []*rapportv1.ChannelConsent
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, &rapportv1.ChannelConsent{Channel: pairs[i].(rapportv1.Channel), Status: pairs[i+1].(rapportv1.ConsentStatus)})
	}
	return out
}

func said(key, value string) *rapportv1.Statement {
	return &rapportv1.Statement{Kind: statements.KindPreference, Key: key, Value: value}
}

func TestPickChannel(t *testing.T) {
	for _, tc := range []struct {
		name     string
		prefs    *rapportv1.Preferences
		stated   []*rapportv1.Statement
		evidence rapportv1.Channel
		want     rapportv1.Channel
	}{
		{"no consent on record is no consent", &rapportv1.Preferences{}, nil, email, none},
		{"unspecified consent is no consent", &rapportv1.Preferences{Consents: consents(email, rapportv1.ConsentStatus_CONSENT_STATUS_UNSPECIFIED)}, nil, email, none},
		{"denied is skipped", &rapportv1.Preferences{Consents: consents(email, denied, sms, granted)}, nil, email, sms},
		{"preferred channel first", &rapportv1.Preferences{PreferredChannel: voice, Consents: consents(email, granted, voice, granted)}, nil, email, voice},
		{"preferred without consent falls to the evidence's", &rapportv1.Preferences{PreferredChannel: voice, Consents: consents(email, granted, sms, granted)}, nil, sms, sms},
		{"then email, sms, voice", &rapportv1.Preferences{Consents: consents(voice, granted, sms, granted)}, nil, rapportv1.Channel_CHANNEL_CHAT, sms},
		{"stated never rules out a consented channel", &rapportv1.Preferences{PreferredChannel: voice, Consents: consents(voice, granted, email, granted)},
			[]*rapportv1.Statement{said(statements.ChannelNever, "voice")}, voice, email},
		{"stated only wins over preferred", &rapportv1.Preferences{PreferredChannel: voice, Consents: consents(voice, granted, email, granted)},
			[]*rapportv1.Statement{said(statements.ChannelOnly, "email")}, voice, email},
		{"stated only without consent blocks", &rapportv1.Preferences{Consents: consents(voice, granted)},
			[]*rapportv1.Statement{said(statements.ChannelOnly, "email")}, voice, none},
		{"chat is not outbound", &rapportv1.Preferences{Consents: consents(rapportv1.Channel_CHANNEL_CHAT, granted)}, nil, rapportv1.Channel_CHANNEL_CHAT, none},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := Plan(tc.prefs, tc.stated, tc.evidence, time.Unix(0, 0))
			if w.Channel != tc.want {
				t.Fatalf("channel %v, want %v", w.Channel, tc.want)
			}
			if (w.Blocked == NoConsentedChannel) != (tc.want == none) {
				t.Fatalf("blocked %q with channel %v", w.Blocked, w.Channel)
			}
		})
	}
}

func TestNextWindow(t *testing.T) {
	weekdays := []rapportv1.DayOfWeek{1, 2, 3, 4, 5}
	nineToFive := []*rapportv1.ContactWindow{{Days: weekdays, StartTime: "09:00", EndTime: "17:00"}}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		prefs  *rapportv1.Preferences
		stated []*rapportv1.Statement
		from   string
		want   string
	}{
		{"no windows: at once", &rapportv1.Preferences{}, nil, "2026-12-07T03:00:00Z", "2026-12-07T03:00:00Z"},
		// Monday 7 Dec 2026, 03:00 UTC is 19:00 Sunday in Los Angeles: Monday 09:00 there.
		{"next morning in the customer's zone", &rapportv1.Preferences{TimeZone: "America/Los_Angeles", ContactWindows: nineToFive}, nil,
			"2026-12-07T03:00:00Z", "2026-12-07T17:00:00Z"},
		{"inside a window: at once", &rapportv1.Preferences{TimeZone: "Europe/Lisbon", ContactWindows: nineToFive}, nil,
			"2026-12-07T10:30:00Z", "2026-12-07T10:30:00Z"},
		// Friday 11 Dec 18:00 in Tokyo: Monday 09:00 Tokyo (00:00 UTC).
		{"over the weekend", &rapportv1.Preferences{TimeZone: "Asia/Tokyo", ContactWindows: nineToFive}, nil,
			"2026-12-11T09:00:00Z", "2026-12-14T00:00:00Z"},
		// 28 Mar 2027, 01:30 UTC: London jumps to BST at 01:00 UTC; 09:00 BST is 08:00 UTC.
		{"across a DST change", &rapportv1.Preferences{TimeZone: "Europe/London", ContactWindows: []*rapportv1.ContactWindow{{Days: []rapportv1.DayOfWeek{7}, StartTime: "09:00", EndTime: "12:00"}}}, nil,
			"2027-03-28T01:30:00Z", "2027-03-28T08:00:00Z"},
		{"a stated contact time wins over the profile", &rapportv1.Preferences{TimeZone: "Europe/Berlin", ContactWindows: nineToFive},
			[]*rapportv1.Statement{said(statements.ContactTime, "18:00-")}, "2026-12-07T09:00:00Z", "2026-12-07T17:00:00Z"},
		{"stated evening", &rapportv1.Preferences{TimeZone: "UTC"}, []*rapportv1.Statement{said(statements.ContactTime, "evening")},
			"2026-12-07T21:30:00Z", "2026-12-08T17:00:00Z"},
		{"unknown zone reads as UTC", &rapportv1.Preferences{TimeZone: "Mars/Olympus", ContactWindows: nineToFive}, nil,
			"2026-12-07T06:00:00Z", "2026-12-07T09:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Plan(tc.prefs, tc.stated, none, at(tc.from)).Due
			if !got.Equal(at(tc.want)) {
				t.Fatalf("due %s, want %s", got.UTC().Format(time.RFC3339), tc.want)
			}
		})
	}
}

func TestOwedFollowUps(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	ts := func(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(now.Add(-d)) }
	neg := &rapportv1.Sentiment{Score: -0.6, Source: rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED}
	pos := &rapportv1.Sentiment{Score: 0.5, Source: rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED}
	resolved := func(name string, ago time.Duration) *rapportv1.Issue {
		return &rapportv1.Issue{Name: name, Status: rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, ResolveTime: ts(ago)}
	}
	contact := func(name, issue string, ago time.Duration, s *rapportv1.Sentiment) *rapportv1.Interaction {
		return &rapportv1.Interaction{Name: name, Issue: issue, OccurTime: ts(ago), Sentiment: s, Channel: voice}
	}
	type want struct {
		reason  rapportv1.FollowUpReason
		subject string
	}
	for _, tc := range []struct {
		name string
		cc   *rapportv1.CustomerContext
		want []want
	}{
		{"nothing owed", &rapportv1.CustomerContext{}, nil},
		{"resolved after a negative last contact",
			&rapportv1.CustomerContext{RecentlyResolvedIssues: []*rapportv1.Issue{resolved("customers/c/issues/i", time.Hour)},
				RecentInteractions: []*rapportv1.Interaction{contact("customers/c/interactions/b", "customers/c/issues/i", 2*time.Hour, neg), contact("customers/c/interactions/a", "customers/c/issues/i", 3*time.Hour, pos)}},
			[]want{{rapportv1.FollowUpReason_FOLLOW_UP_REASON_RESOLVED_AFTER_NEGATIVE_CONTACT, "customers/c/issues/i"}}},
		{"resolved after a positive last contact: nothing",
			&rapportv1.CustomerContext{RecentlyResolvedIssues: []*rapportv1.Issue{resolved("customers/c/issues/i", time.Hour)},
				RecentInteractions: []*rapportv1.Interaction{contact("customers/c/interactions/b", "customers/c/issues/i", 2*time.Hour, pos), contact("customers/c/interactions/a", "customers/c/issues/i", 3*time.Hour, neg)}},
			nil},
		{"resolved too long ago: nothing",
			&rapportv1.CustomerContext{RecentlyResolvedIssues: []*rapportv1.Issue{resolved("customers/c/issues/i", 20*24*time.Hour)},
				RecentInteractions: []*rapportv1.Interaction{contact("customers/c/interactions/b", "customers/c/issues/i", 21*24*time.Hour, neg)}},
			nil},
		{"relapsed: the relapse, not the resolution",
			&rapportv1.CustomerContext{RecentlyResolvedIssues: []*rapportv1.Issue{resolved("customers/c/issues/i", time.Hour)},
				RecentInteractions: []*rapportv1.Interaction{contact("customers/c/interactions/b", "customers/c/issues/i", 2*time.Hour, neg)},
				Hints:              []*rapportv1.Hint{{Code: "RELAPSE", Evidence: []string{"customers/c/issues/i", "customers/c/interactions/z"}}}},
			[]want{{rapportv1.FollowUpReason_FOLLOW_UP_REASON_RELAPSE, "customers/c/issues/i"}}},
		{"low survey and apology",
			&rapportv1.CustomerContext{Hints: []*rapportv1.Hint{
				{Code: "APOLOGIZE_UPSET", Evidence: []string{"customers/c/interactions/u"}},
				{Code: "APOLOGIZE_LOW_CSAT", Evidence: []string{"customers/c/interactions/s"}},
				{Code: "FOLLOW_UP_RESOLVED", Evidence: []string{"customers/c/issues/x"}}}},
			[]want{{rapportv1.FollowUpReason_FOLLOW_UP_REASON_LOW_SURVEY, "customers/c/interactions/s"}, {rapportv1.FollowUpReason_FOLLOW_UP_REASON_APOLOGY_OWED, "customers/c/interactions/u"}}},
		{"outcome follow-up needed, in the window only",
			&rapportv1.CustomerContext{RecentInteractions: []*rapportv1.Interaction{
				{Name: "customers/c/interactions/n", OccurTime: ts(time.Hour), Outcome: rapportv1.Outcome_OUTCOME_FOLLOW_UP_NEEDED},
				{Name: "customers/c/interactions/o", OccurTime: ts(30 * 24 * time.Hour), Outcome: rapportv1.Outcome_OUTCOME_FOLLOW_UP_NEEDED}}},
			[]want{{rapportv1.FollowUpReason_FOLLOW_UP_REASON_OUTCOME_FOLLOW_UP_NEEDED, "customers/c/interactions/n"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := OwedFollowUps(Input{Context: tc.cc, Now: now, Config: DefaultConfig()})
			if len(got) != len(tc.want) {
				t.Fatalf("got %d follow-ups %v, want %v", len(got), got, tc.want)
			}
			for i, w := range tc.want {
				if got[i].Reason != w.reason || got[i].Subject() != w.subject {
					t.Errorf("%d: %v %s, want %v %s", i, got[i].Reason, got[i].Subject(), w.reason, w.subject)
				}
			}
		})
	}
}

func TestIDIsStableAndDistinct(t *testing.T) {
	a := ID(rapportv1.FollowUpReason_FOLLOW_UP_REASON_RELAPSE, "customers/c/issues/i")
	if a != ID(rapportv1.FollowUpReason_FOLLOW_UP_REASON_RELAPSE, "customers/c/issues/i") {
		t.Fatal("ID not stable")
	}
	if a == ID(rapportv1.FollowUpReason_FOLLOW_UP_REASON_RESOLVED_AFTER_NEGATIVE_CONTACT, "customers/c/issues/i") {
		t.Fatal("two reasons share an ID")
	}
	if len(a) != 25 || a[0] != 'f' {
		t.Fatalf("ID %q", a)
	}
}

func TestVoid(t *testing.T) {
	resolvedNeg := rapportv1.FollowUpReason_FOLLOW_UP_REASON_RESOLVED_AFTER_NEGATIVE_CONTACT
	issue := "customers/c/issues/i"
	for _, tc := range []struct {
		name   string
		cc     *rapportv1.CustomerContext
		reason rapportv1.FollowUpReason
		want   bool
	}{
		{"still resolved", &rapportv1.CustomerContext{}, resolvedNeg, false},
		{"open again", &rapportv1.CustomerContext{OpenIssues: []*rapportv1.Issue{{Name: issue}}}, resolvedNeg, true},
		{"relapsed", &rapportv1.CustomerContext{Hints: []*rapportv1.Hint{{Code: "RELAPSE", Evidence: []string{issue}}}}, resolvedNeg, true},
		{"another issue relapsed", &rapportv1.CustomerContext{Hints: []*rapportv1.Hint{{Code: "RELAPSE", Evidence: []string{"customers/c/issues/j"}}}}, resolvedNeg, false},
		{"a relapse follow-up stays when the issue is reopened", &rapportv1.CustomerContext{OpenIssues: []*rapportv1.Issue{{Name: issue}}}, rapportv1.FollowUpReason_FOLLOW_UP_REASON_RELAPSE, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Void(tc.cc, tc.reason, issue); got != tc.want {
				t.Fatalf("Void = %v, want %v", got, tc.want)
			}
		})
	}
}
