package customercontext

import (
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// now is a Wednesday afternoon, UTC.
var now = time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC)

const customer = "customers/ada"

func ts(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

func daysAgo(days float64) time.Time { return now.Add(-time.Duration(days * float64(day))) }

func openIssue(name, title string, edit func(is *rapportv1.Issue)) *rapportv1.Issue {
	is := &rapportv1.Issue{Name: customer + "/issues/" + name, Title: title, Status: rapportv1.IssueStatus_ISSUE_STATUS_OPEN, UpdateTime: ts(daysAgo(1))}
	if edit != nil {
		edit(is)
	}
	return is
}

func contact(name string, at time.Time, score *float64) *rapportv1.Interaction {
	in := &rapportv1.Interaction{Name: customer + "/interactions/" + name, Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: ts(at)}
	if score != nil {
		in.Sentiment = &rapportv1.Sentiment{Score: *score}
	}
	return in
}

func score(s float64) *float64 { return &s }

const (
	sms   = rapportv1.Channel_CHANNEL_SMS
	email = rapportv1.Channel_CHANNEL_EMAIL
	voice = rapportv1.Channel_CHANNEL_VOICE
)
