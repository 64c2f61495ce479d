// Package insights is the arithmetic of the tenant's insight rollups: what
// a record contributes to the daily counters (a Delta), the change a write
// makes (the contribution after minus the contribution before), and the
// figures read back from summed counters (Figures). It knows nothing of
// gRPC, storage or the clock: the service computes a write's Delta and the
// adapter adds it in the write's own transaction.
//
// What a rollup holds: per period (a UTC day; and for the distinct count
// of customers, also an ISO week and a month), per group (none, a channel,
// a topic of the topic table or "other", an agent ID or "none") and per
// counter name (Counter*), one integer. No customer ID, name or text.
package insights

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/customercontext/topics"
)

// Granularities of the rollups' periods.
const (
	Day   = "D"
	Week  = "W"
	Month = "M"
)

// Dimensions of the groups ("" is the tenant's totals).
const (
	DimNone    = ""
	DimChannel = "channel"
	DimTopic   = "topic"
	DimAgent   = "agent"
)

// Counter names. Contact counters count in the day of the contact's
// occur_time, issue counters in the day of the issue's open_time.
const (
	CounterContacts     = "contacts"
	CounterCustomers    = "customers" // distinct customers, per D, W and M
	CounterSurveyed     = "surveyed"  // contacts with any survey answer
	CounterCSATN        = "csat_n"
	CounterCSATSum      = "csat_sum"
	CounterCSATSat      = "csat_sat" // answers of 4 or 5
	CounterNPSN         = "nps_n"
	CounterNPSPromoter  = "nps_pro"
	CounterNPSPassive   = "nps_pas"
	CounterNPSDetractor = "nps_det"
	CounterCESN         = "ces_n"
	CounterCESSum       = "ces_sum"
	CounterSentPos      = "sent_pos"
	CounterSentNeu      = "sent_neu"
	CounterSentNeg      = "sent_neg"
	CounterIssues       = "issues"
	CounterContacted    = "issues_contacted" // with at least one contact
	CounterRepeat       = "issues_repeat"    // with two or more
	CounterResolved     = "issues_resolved"  // resolved now
	CounterFCR          = "issues_fcr"       // resolved with exactly one contact
	CounterEverResolved = "issues_ever_resolved"
	CounterReopened     = "issues_reopened"
	CounterRelapsed     = "issues_relapsed" // reopened within RelapseWindow of a resolution
	ttrPrefix           = "ttr_"            // + bucket number, two digits
)

// RelapseWindow: an issue reopened within this long after a resolution
// relapsed.
const RelapseWindow = 7 * 24 * time.Hour

// Buckets is the number of time-to-resolution buckets: bucket i holds
// times from 2^(i/2) up to 2^((i+1)/2) minutes (bucket 0 also everything
// under a minute, the last everything beyond), which reaches past a year.
const Buckets = 40

// Bucket is the histogram bucket of a time to resolution.
func Bucket(d time.Duration) int {
	m := d.Minutes()
	if m < 1 {
		return 0
	}
	b := int(math.Floor(2 * math.Log2(m)))
	return min(b, Buckets-1)
}

// BucketValue is what a percentile falling in bucket b reads: the bucket's
// geometric middle, within a factor 2^(1/4) (19%) of any time in it.
func BucketValue(b int) time.Duration {
	return time.Duration(math.Pow(2, (float64(b)+0.5)/2) * float64(time.Minute))
}

// OtherTopic is the group of topics the topic table does not know.
const OtherTopic = "other"

// NoAgent is the group of contacts without an agent (and of issues
// without a topic).
const NoAgent = "none"

// Delta is an amount to add to each of some rollup counters.
type Delta map[repository.InsightKey]int64

// Add adds sign × o to d.
func (d Delta) Add(o Delta, sign int64) {
	for k, n := range o {
		d[k] += sign * n
		if d[k] == 0 {
			delete(d, k)
		}
	}
}

// Change is the delta a write makes: after minus before.
func Change(before, after Delta) Delta {
	d := Delta{}
	d.Add(after, 1)
	d.Add(before, -1)
	return d
}

// Rows are d's non-zero counters, sorted by key (so that concurrent writes
// touch rows in one order).
func (d Delta) Rows() []repository.InsightRow {
	rows := make([]repository.InsightRow, 0, len(d))
	for k, n := range d {
		if n != 0 {
			rows = append(rows, repository.InsightRow{InsightKey: k, N: n})
		}
	}
	slices.SortFunc(rows, func(a, b repository.InsightRow) int { return compareKeys(a.InsightKey, b.InsightKey) })
	return rows
}

func compareKeys(a, b repository.InsightKey) int {
	for _, c := range [][2]string{{a.Granularity, b.Granularity}, {a.Day, b.Day}, {a.Dim, b.Dim}, {a.Value, b.Value}, {a.Counter, b.Counter}} {
		if r := strings.Compare(c[0], c[1]); r != 0 {
			return r
		}
	}
	return 0
}

// PeriodStart is the first day of the period of granularity g that holds
// t (UTC).
func PeriodStart(g string, t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch g {
	case Week:
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case Month:
		return d.AddDate(0, 0, 1-d.Day())
	}
	return d
}

// PeriodEnd is the start of the period after the one starting at start.
func PeriodEnd(g string, start time.Time) time.Time {
	switch g {
	case Week:
		return start.AddDate(0, 0, 7)
	case Month:
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
}

// DayString is how a rollup names a period's first day.
func DayString(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Groups says which groups a record counts in.
type Groups struct {
	// Topics is the topic table: a topic it knows counts under its
	// canonical name, any other under OtherTopic. Nil: topics.Default.
	Topics *topics.Table
}

func (g Groups) topic(t string) string {
	tab := g.Topics
	if tab == nil {
		tab = topics.Default
	}
	if t == "" {
		return NoAgent
	}
	if tab.Known(t) {
		return tab.Canonical(t)
	}
	return OtherTopic
}

type group struct{ dim, value string }

// ChannelName is a channel's group value: "voice", "sms", ...
func ChannelName(c rapportv1.Channel) string {
	return strings.ToLower(strings.TrimPrefix(c.String(), "CHANNEL_"))
}

// contactGroups are the groups an interaction counts in: the totals, its
// channel, each of its topics' groups once, its agent.
func (g Groups) contactGroups(in *rapportv1.Interaction) []group {
	out := []group{{DimNone, ""}, {DimChannel, ChannelName(in.GetChannel())}}
	var seen []string
	for _, t := range in.GetTopics() {
		if v := g.topic(t); !slices.Contains(seen, v) {
			seen = append(seen, v)
			out = append(out, group{DimTopic, v})
		}
	}
	agent := in.GetAgent()
	if agent == "" {
		agent = NoAgent
	}
	return append(out, group{DimAgent, agent})
}

// Interaction is what one interaction contributes: its contact, its
// survey answers and its computed sentiment, in the day of its occur_time
// (a late survey answer counts in the day of the contact it answers).
func (g Groups) Interaction(in *rapportv1.Interaction) Delta {
	d := Delta{}
	if in == nil {
		return d
	}
	counters := map[string]int64{CounterContacts: 1}
	if sv := in.GetSurvey(); sv != nil && (sv.Csat != nil || sv.Nps != nil || sv.Ces != nil) {
		counters[CounterSurveyed] = 1
		if sv.Csat != nil {
			counters[CounterCSATN], counters[CounterCSATSum] = 1, int64(sv.GetCsat())
			if sv.GetCsat() >= 4 {
				counters[CounterCSATSat] = 1
			}
		}
		if sv.Nps != nil {
			counters[CounterNPSN] = 1
			switch n := sv.GetNps(); {
			case n >= 9:
				counters[CounterNPSPromoter] = 1
			case n >= 7:
				counters[CounterNPSPassive] = 1
			default:
				counters[CounterNPSDetractor] = 1
			}
		}
		if sv.Ces != nil {
			counters[CounterCESN], counters[CounterCESSum] = 1, int64(sv.GetCes())
		}
	}
	if s := in.GetSentiment(); s.GetSource() == rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED {
		switch s.GetLabel() {
		case rapportv1.SentimentLabel_SENTIMENT_LABEL_POSITIVE:
			counters[CounterSentPos] = 1
		case rapportv1.SentimentLabel_SENTIMENT_LABEL_NEGATIVE:
			counters[CounterSentNeg] = 1
		case rapportv1.SentimentLabel_SENTIMENT_LABEL_NEUTRAL:
			counters[CounterSentNeu] = 1
		}
	}
	day := DayString(in.GetOccurTime().AsTime())
	for _, gr := range g.contactGroups(in) {
		for c, n := range counters {
			d[repository.InsightKey{Granularity: Day, Day: day, Dim: gr.dim, Value: gr.value, Counter: c}] += n
		}
	}
	return d
}

// Issue is what one issue contributes, in the day of its open_time, to
// the totals and its topic's group.
func (g Groups) Issue(is *rapportv1.Issue) Delta {
	d := Delta{}
	if is == nil {
		return d
	}
	counters := map[string]int64{CounterIssues: 1}
	n := is.GetInteractionCount()
	if n >= 1 {
		counters[CounterContacted] = 1
	}
	if n >= 2 {
		counters[CounterRepeat] = 1
	}
	st := is.GetStatus()
	if is.GetResolveTime() != nil && (st == rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED || st == rapportv1.IssueStatus_ISSUE_STATUS_CLOSED) {
		counters[CounterResolved] = 1
		if n == 1 {
			counters[CounterFCR] = 1
		}
		ttr := is.GetResolveTime().AsTime().Sub(is.GetOpenTime().AsTime())
		counters[fmt.Sprintf("%s%02d", ttrPrefix, Bucket(ttr))] = 1
	}
	ever, relapsed := is.GetResolveTime() != nil, false
	var lastResolve time.Time
	for _, c := range is.GetStatusHistory() {
		switch c.GetStatus() {
		case rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED:
			ever, lastResolve = true, c.GetChangeTime().AsTime()
		case rapportv1.IssueStatus_ISSUE_STATUS_REOPENED:
			if !lastResolve.IsZero() && c.GetChangeTime().AsTime().Sub(lastResolve) <= RelapseWindow {
				relapsed = true
			}
		}
	}
	if ever {
		counters[CounterEverResolved] = 1
		if is.GetReopenCount() > 0 {
			counters[CounterReopened] = 1
		}
		if relapsed {
			counters[CounterRelapsed] = 1
		}
	}
	day := DayString(is.GetOpenTime().AsTime())
	for _, gr := range []group{{DimNone, ""}, {DimTopic, g.topic(is.GetTopic())}} {
		for c, v := range counters {
			d[repository.InsightKey{Granularity: Day, Day: day, Dim: gr.dim, Value: gr.value, Counter: c}] += v
		}
	}
	return d
}

// Customer is what one customer (a survivor with the customers merged
// into it: one person) contributes to the distinct count of customers
// contacted, given all their interactions in some span of days: 1 in each
// day, week and month, and each group of those, with a contact.
func (g Groups) Customer(ins []*rapportv1.Interaction) Delta {
	d := Delta{}
	for _, in := range ins {
		t := in.GetOccurTime().AsTime()
		for _, gran := range []string{Day, Week, Month} {
			day := DayString(PeriodStart(gran, t))
			for _, gr := range g.contactGroups(in) {
				d[repository.InsightKey{Granularity: gran, Day: day, Dim: gr.dim, Value: gr.value, Counter: CounterCustomers}] = 1
			}
		}
	}
	return d
}

// Span is the span of days that holds the day, week and month of each
// time: what Customer must be given the interactions of for a change of
// contacts at those times.
func Span(times []time.Time) (from, to time.Time) {
	for i, t := range times {
		f, e := PeriodStart(Week, t), PeriodEnd(Week, PeriodStart(Week, t))
		if m := PeriodStart(Month, t); m.Before(f) {
			f = m
		}
		if m := PeriodEnd(Month, PeriodStart(Month, t)); m.After(e) {
			e = m
		}
		if i == 0 || f.Before(from) {
			from = f
		}
		if i == 0 || e.After(to) {
			to = e
		}
	}
	return from, to
}
