package customercontext

import (
	"cmp"
	"math"
	"slices"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/customercontext/topics"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Context limits, as documented in the proto.
const (
	// DefaultRecentLimit is how many recent interactions a context holds
	// unless the request says otherwise.
	DefaultRecentLimit = 10
	trendSample        = 5
	trendChange        = 0.15
)

// countWindows are the contact-count windows of a context, in days.
var countWindows = []int32{7, 30, 90}

// Decoded is a summary with its messages decoded.
type Decoded struct {
	Summary  *repository.Summary
	Customer *rapportv1.Customer
	Issues   []*rapportv1.Issue
	// Recent are the latest interactions, newest first, without text.
	Recent []*rapportv1.Interaction
	// CustomerFacts are the facts about the customer, newest first.
	CustomerFacts []*rapportv1.Fact
}

// Decode decodes a summary's messages. ok is false when the summary
// has no profile (it was started by a write that raced the customer's
// creation, or the customer is gone): the caller then checks the customer.
func Decode(sum *repository.Summary) (d Decoded, ok bool, err error) {
	d.Summary = sum
	if sum.Customer == nil {
		return d, false, nil
	}
	d.Customer = &rapportv1.Customer{}
	if err := proto.Unmarshal(sum.Customer, d.Customer); err != nil {
		return d, false, err
	}
	for _, si := range sum.Issues {
		is := &rapportv1.Issue{}
		if err := proto.Unmarshal(si.Issue, is); err != nil {
			return d, false, err
		}
		is.Facts = Current(is.Facts) // superseded values are history, never shown
		d.Issues = append(d.Issues, is)
	}
	for _, r := range sum.Recent {
		in := &rapportv1.Interaction{}
		if err := proto.Unmarshal(r.Interaction, in); err != nil {
			return d, false, err
		}
		d.Recent = append(d.Recent, in)
	}
	for _, sf := range sum.CustomerFacts {
		f := &rapportv1.Fact{}
		if err := proto.Unmarshal(sf.Fact, f); err != nil {
			return d, false, err
		}
		d.CustomerFacts = append(d.CustomerFacts, f)
	}
	return d, true, nil
}

// Options shape a context.
type Options struct {
	// RecentLimit is how many recent interactions it holds.
	RecentLimit int
	// Channel is the channel of the contact that is starting, if known: the
	// consent hints speak of it.
	Channel rapportv1.Channel
	// Hints are the thresholds of the hints.
	Hints HintConfig
	// WithHints computes the hints; without it the context has none.
	WithHints bool
}

// Build computes a customer's context from their summary, as of now. It
// reads nothing: counts and hints come from the summary alone.
func Build(d Decoded, now time.Time, o Options) *rapportv1.CustomerContext {
	sum, c := d.Summary, d.Customer
	cc := &rapportv1.CustomerContext{
		Customer:    c.GetName(),
		Profile:     c,
		ComputeTime: timestamppb.New(now),
	}
	for _, is := range d.Issues {
		if isOpen(is.GetStatus()) {
			cc.OpenIssues = append(cc.OpenIssues, is)
		} else {
			cc.RecentlyResolvedIssues = append(cc.RecentlyResolvedIssues, is)
		}
	}
	byUpdate := func(a, b *rapportv1.Issue) int {
		return b.GetUpdateTime().AsTime().Compare(a.GetUpdateTime().AsTime())
	}
	slices.SortFunc(cc.OpenIssues, byUpdate)
	slices.SortFunc(cc.RecentlyResolvedIssues, byUpdate)
	cc.RecentInteractions = d.Recent[:min(o.RecentLimit, len(d.Recent))]
	for i, f := range d.CustomerFacts {
		// A value a correction superseded is history, never shown.
		if !sum.CustomerFacts[i].Time.Before(now.Add(-customerFactsKeptDays*day)) && f.GetSupersededBy() == "" {
			cc.CustomerFacts = append(cc.CustomerFacts, f)
		}
	}

	if !sum.LastContact.IsZero() {
		cc.LastContactTime = timestamppb.New(sum.LastContact)
		cc.LastContactChannel = rapportv1.Channel(sum.LastChannel)
	}
	today := dayNumber(now)
	for _, w := range countWindows {
		count := &rapportv1.ContactCount{Days: w}
		perChannel := make([]int32, numChannels)
		for _, b := range sum.Days {
			if b.Day > today-w {
				for ch, n := range b.Channels {
					perChannel[ch] += n
					count.Total += n
				}
			}
		}
		for ch, n := range perChannel {
			if n > 0 {
				count.ByChannel = append(count.ByChannel, &rapportv1.ChannelCount{Channel: rapportv1.Channel(ch), Count: n})
			}
		}
		slices.SortStableFunc(count.ByChannel, func(a, b *rapportv1.ChannelCount) int { return cmp.Compare(b.GetCount(), a.GetCount()) })
		cc.ContactCounts = append(cc.ContactCounts, count)
	}
	tab := o.Hints.topicTable(sum.Tenant)
	cc.StatedPreferences = statedPreferences(c, d.Recent)
	cc.ConfirmedFixes = confirmedFixes(tab, cc.RecentlyResolvedIssues, d.Recent)
	cc.RepeatContacts = repeatContacts(d, now, o.Hints, tab, cc.ConfirmedFixes)
	cc.SentimentTrend = sentimentTrend(d.Recent)
	cc.Satisfaction = satisfaction(sum)
	cc.OpenFollowUps = openFollowUps(sum)

	since := customerSince(c, sum)
	cc.CustomerSince = timestamppb.New(since)
	cc.TenureDays = int32(now.Sub(since) / day)
	if o.WithHints {
		cc.Hints = hints(cc, d.Recent, now, o.Channel, o.Hints, tab)
	}
	return cc
}

// repeatContacts finds what the customer contacted about more than once:
// open issues since they opened (openIssueRepeats), and topics and other
// issues within the repeat window (windowRepeats); most contacts first.
func repeatContacts(d Decoded, now time.Time, cfg HintConfig, tab *topics.Table, fixed []*rapportv1.ConfirmedFix) []*rapportv1.RepeatContact {
	open := map[string]bool{}
	for _, is := range d.Issues {
		if isOpen(is.GetStatus()) {
			open[is.GetName()] = true
		}
	}
	out := openIssueRepeats(d, now, cfg, tab)
	out = append(out, windowRepeats(d, dayNumber(now), cfg, open, tab)...)
	// An issue the customer said is fixed is not a repeat, nor a topic
	// whose contacts are all about it.
	fixedIssue := map[string]bool{}
	for _, cf := range fixed {
		fixedIssue[cf.GetIssue()] = true
	}
	linkedTo := map[string]string{}
	for _, in := range d.Recent {
		linkedTo[in.GetName()] = in.GetIssue()
	}
	out = slices.DeleteFunc(out, func(rc *rapportv1.RepeatContact) bool {
		if rc.GetIssue() != "" {
			return fixedIssue[rc.GetIssue()]
		}
		return len(fixedIssue) > 0 && len(rc.GetInteractions()) > 0 && !slices.ContainsFunc(rc.GetInteractions(), func(n string) bool { return !fixedIssue[linkedTo[n]] })
	})
	// Most contacts first; then issues before topics, by name, so that a
	// summary rebuilt from the history lists them in the same order.
	slices.SortStableFunc(out, func(a, b *rapportv1.RepeatContact) int {
		byTopic := func(rc *rapportv1.RepeatContact) bool { return rc.GetIssue() == "" }
		return cmp.Or(cmp.Compare(b.GetCount(), a.GetCount()), boolCompare(byTopic(a), byTopic(b)), cmp.Compare(a.GetIssue(), b.GetIssue()), cmp.Compare(a.GetTopic(), b.GetTopic()))
	})
	return out
}

// boolCompare orders false before true.
func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// openIssueRepeats: each open issue with at least cfg.RepeatMinContacts
// linked contacts, however far apart, counted since it opened (or since the
// day of its first contact in the last 90 days, if earlier).
//
// Contacts linked to no issue that clearly concern an open issue (see
// concerns: its topic in other words, its title's topic, its facts) since
// it opened count too, listed in `inferred` with why; a contact that only
// says a problem is fixed never counts.
func openIssueRepeats(d Decoded, now time.Time, cfg HintConfig, tab *topics.Table) []*rapportv1.RepeatContact {
	var out []*rapportv1.RepeatContact
	for _, is := range d.Issues {
		if !isOpen(is.GetStatus()) {
			continue
		}
		since := issueSince(d, is)
		var inferred []*rapportv1.InferredContact
		for _, in := range d.Recent {
			if in.GetIssue() != "" || closing(in) || in.GetOccurTime().AsTime().Before(since.AsTime()) {
				continue
			}
			if why := concerns(tab, is, in); why != "" {
				inferred = append(inferred, &rapportv1.InferredContact{Interaction: in.GetName(), Evidence: why})
			}
		}
		count := is.GetInteractionCount() + int32(len(inferred))
		if int(count) < cfg.RepeatMinContacts {
			continue
		}
		rc := &rapportv1.RepeatContact{Issue: is.GetName(), Count: count, Days: int32(now.Sub(since.AsTime()) / day), Since: since, Inferred: inferred}
		for _, in := range d.Recent {
			if in.GetIssue() == is.GetName() || slices.ContainsFunc(inferred, func(x *rapportv1.InferredContact) bool { return x.GetInteraction() == in.GetName() }) {
				rc.Interactions = append(rc.Interactions, in.GetName())
			}
		}
		out = append(out, rc)
	}
	return out
}

// issueSince is when an open issue's contacts are counted from: when it
// opened, or the day of its first linked contact in the last 90 days, if
// earlier (a back-fill).
func issueSince(d Decoded, is *rapportv1.Issue) *timestamppb.Timestamp {
	since := is.GetOpenTime()
	if since == nil {
		since = is.GetCreateTime()
	}
	for _, k := range d.Summary.IssueDays {
		if t := time.Unix(int64(k.Day)*int64(day/time.Second), 0).UTC(); k.Key == is.GetName() && t.Before(since.AsTime()) {
			since = timestamppb.New(t)
		}
	}
	return since
}

// windowRepeats finds topics and issues (other than the open ones, which
// openIssueRepeats counts) contacted about at least cfg.RepeatMinContacts
// times in the repeat window. Topics are counted by meaning: topic words of
// one group of the synonym table, or of one stem, are one topic ("billing",
// "invoice", "payments"), named by the group (or, for a topic the table
// does not know, by its first word seen). A contact that only says a
// problem is fixed is not a repeat: it is not counted.
func windowRepeats(d Decoded, today int32, cfg HintConfig, open map[string]bool, tab *topics.Table) []*rapportv1.RepeatContact {
	var out []*rapportv1.RepeatContact
	windowStart := today - int32(cfg.RepeatWindowDays)
	inWindow := func(in *rapportv1.Interaction) bool { return dayNumber(in.GetOccurTime().AsTime()) > windowStart }
	// Contacts not to count, by what they are about: those that only close
	// a problem.
	closings := map[string]int32{}
	for _, in := range d.Recent {
		if !inWindow(in) || !closing(in) {
			continue
		}
		if in.GetIssue() != "" {
			closings["issue:"+in.GetIssue()]++
		}
		seen := map[string]bool{}
		for _, t := range in.GetTopics() {
			if k := tab.Canonical(t); !seen[k] {
				seen[k] = true
				closings["topic:"+k]++
			}
		}
	}
	// A contact with two topic words of one topic ("billing", "invoice")
	// is counted once: the days count it under each word.
	for _, in := range d.Recent {
		if !inWindow(in) {
			continue
		}
		seen := map[string]bool{}
		for _, t := range in.GetTopics() {
			k := "topic:" + tab.Canonical(t)
			if seen[k] {
				closings[k]++
			}
			seen[k] = true
		}
	}
	collect := func(counts []repository.KeyDayCount, isIssue bool) {
		totals := map[string]int32{}
		names := map[string]string{}
		var keys []string
		for _, k := range counts {
			if k.Day <= windowStart || (isIssue && open[k.Key]) {
				continue
			}
			key := "issue:" + k.Key
			if !isIssue {
				key = "topic:" + tab.Canonical(k.Key)
			}
			if _, seen := totals[key]; !seen {
				keys = append(keys, key)
				names[key] = k.Key
				if !isIssue && tab.Known(k.Key) {
					names[key] = tab.Canonical(k.Key)
				}
			}
			totals[key] += k.Count
		}
		for _, key := range keys {
			n := totals[key] - closings[key]
			if int(n) < cfg.RepeatMinContacts {
				continue
			}
			rc := &rapportv1.RepeatContact{Count: n, Days: int32(cfg.RepeatWindowDays)}
			if isIssue {
				rc.Issue = names[key]
			} else {
				rc.Topic = names[key]
			}
			for _, in := range d.Recent {
				if !inWindow(in) || closing(in) {
					continue
				}
				about := in.GetIssue() == rc.Issue
				if !isIssue {
					about = slices.ContainsFunc(in.GetTopics(), func(t string) bool { return "topic:"+tab.Canonical(t) == key })
				}
				if about {
					rc.Interactions = append(rc.Interactions, in.GetName())
				}
			}
			out = append(out, rc)
		}
	}
	collect(d.Summary.IssueDays, true)
	collect(d.Summary.TopicDays, false)
	return out
}

// sentimentTrend compares the latest contacts with a sentiment against the
// ones before them.
func sentimentTrend(recent []*rapportv1.Interaction) *rapportv1.SentimentTrend {
	var scores []float64
	tr := &rapportv1.SentimentTrend{}
	for _, in := range recent {
		if s := in.GetSentiment(); scored(s) {
			if tr.Last == nil {
				tr.Last = s
			}
			scores = append(scores, s.GetScore())
		}
	}
	avg := func(xs []float64) float64 {
		if len(xs) == 0 {
			return 0
		}
		t := 0.0
		for _, x := range xs {
			t += x
		}
		return roundScore(t / float64(len(xs)))
	}
	recentN := min(trendSample, len(scores))
	prevN := min(trendSample, len(scores)-recentN)
	tr.RecentAverage, tr.RecentCount = avg(scores[:recentN]), int32(recentN)
	tr.PreviousAverage, tr.PreviousCount = avg(scores[recentN:recentN+prevN]), int32(prevN)
	switch delta := tr.RecentAverage - tr.PreviousAverage; {
	case recentN == 0 || prevN == 0:
	case delta > trendChange:
		tr.Direction = rapportv1.TrendDirection_TREND_DIRECTION_IMPROVING
	case delta < -trendChange:
		tr.Direction = rapportv1.TrendDirection_TREND_DIRECTION_WORSENING
	default:
		tr.Direction = rapportv1.TrendDirection_TREND_DIRECTION_STABLE
	}
	return tr
}

func roundScore(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func satisfaction(sum *repository.Summary) *rapportv1.Satisfaction {
	score := func(s *repository.SummaryScore) *rapportv1.SurveyScore {
		if s == nil {
			return nil
		}
		return &rapportv1.SurveyScore{Value: s.Value, Time: timestamppb.New(s.Time), Interaction: s.Interaction}
	}
	out := &rapportv1.Satisfaction{Csat: score(sum.CSAT), Nps: score(sum.NPS), Ces: score(sum.CES)}
	if sum.NPS != nil {
		out.NpsCategory = npsCategory(sum.NPS.Value)
	}
	return out
}

func npsCategory(v int32) rapportv1.NpsCategory {
	switch {
	case v >= 9:
		return rapportv1.NpsCategory_NPS_CATEGORY_PROMOTER
	case v >= 7:
		return rapportv1.NpsCategory_NPS_CATEGORY_PASSIVE
	}
	return rapportv1.NpsCategory_NPS_CATEGORY_DETRACTOR
}
