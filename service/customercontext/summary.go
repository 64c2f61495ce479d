package customercontext

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/customercontext/analysis"
	"github.com/rapporthq/rapport/service/customercontext/identifiers"
	"go.einride.tech/aip/resourcename"
	"google.golang.org/protobuf/proto"
)

// How much history a summary keeps.
const (
	recentKept            = 20             // latest interactions
	issueInteractionsKept = 10             // latest interactions linked to an issue
	issueFactsKept        = 20             // latest facts of an issue
	windowDays            = 90             // day buckets
	resolvedKeptDays      = 30             // resolved and closed issues
	customerFactsKeptDays = 30             // customer facts, after they were last given
	customerFactsKept     = 50             // customer facts, the newest
	numChannels           = 8              // channel numbers 0..7
	summaryHashLength     = 4              // bytes per interaction hash
	maxDayHashes          = 100            // interactions remembered per day
	day                   = 24 * time.Hour // a UTC day
)

// excerptLength is the most characters of an excerpt (Interaction.excerpt).
const excerptLength = 200

// Excerpt is the start of text for a reader: spaces collapsed, at most n
// characters, cut at the last word boundary before the limit and then
// ending with "…" (a single word longer than n is cut inside it).
func Excerpt(text string, n int) string {
	words := strings.Fields(text)
	if all := strings.Join(words, " "); utf8.RuneCountInString(all) <= n {
		return all
	}
	var b strings.Builder
	count := 0
	for _, w := range words {
		wn := utf8.RuneCountInString(w)
		sep := 0
		if b.Len() > 0 {
			sep = 1
		}
		if count+sep+wn > n-1 { // room for "…"
			if b.Len() == 0 {
				b.WriteString(string([]rune(w)[:n-1]))
			}
			b.WriteString("…")
			return b.String()
		}
		if sep == 1 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		count += sep + wn
	}
	return b.String()
}

// dayNumber is the UTC day of t, counted from the Unix epoch.
func dayNumber(t time.Time) int32 { return int32(t.Unix() / int64(day/time.Second)) }

// revisionOf reads the revision behind an etag (a decimal number).
func revisionOf(etag string) int64 {
	n, _ := strconv.ParseInt(etag, 10, 64)
	return n
}

// Update is a change to a summary: what a write did. Applying it is
// idempotent: a newer or equal revision replaces, a counted interaction is
// not counted again.
type Update struct {
	Customer     *rapportv1.Customer
	Issues       []*rapportv1.Issue
	Interactions []*rapportv1.Interaction
	// Replayed holds the names of interactions that were already recorded
	// before this write (retries, replayed imports).
	Replayed map[string]bool
	// Surveys are interactions recorded before whose survey answers
	// arrived now (RecordSurvey): not contacts, only their scores count.
	Surveys []*rapportv1.Interaction
}

// Empty reports whether u changes nothing.
func (u Update) Empty() bool {
	return u.Customer == nil && len(u.Issues) == 0 && len(u.Interactions) == 0 && len(u.Surveys) == 0
}

// Apply merges u into sum as of now.
func (u Update) Apply(sum *repository.Summary, now time.Time) error {
	if c := u.Customer; c != nil {
		if rev := revisionOf(c.GetEtag()); rev >= sum.CustomerRevision {
			b, err := proto.Marshal(c)
			if err != nil {
				return err
			}
			sum.Customer, sum.CustomerRevision = b, rev
		}
	}
	for _, is := range u.Issues {
		if err := applyIssue(sum, is); err != nil {
			return err
		}
		if err := applyIssueCustomerFacts(sum, is); err != nil {
			return err
		}
	}
	for _, in := range u.Interactions {
		if err := applyPreviousLabel(sum, in); err != nil {
			return err
		}
		if err := applyInteraction(sum, in, u.Replayed[in.GetName()], now); err != nil {
			return err
		}
		if err := applyCustomerFacts(sum, in); err != nil {
			return err
		}
	}
	for _, in := range u.Surveys {
		if err := applySurvey(sum, in); err != nil {
			return err
		}
	}
	pruneSummary(sum, now)
	return nil
}

// issueID returns the issue's ID, the last part of its name
// "customers/{customer}/issues/{issue}".
func issueID(name string) (string, error) {
	var customer, issue string
	if err := resourcename.Sscan(name, "customers/{customer}/issues/{issue}", &customer, &issue); err != nil {
		return "", fmt.Errorf("issue name %q: %w", name, err)
	}
	return issue, nil
}

func applyIssue(sum *repository.Summary, is *rapportv1.Issue) error {
	id, err := summaryIssueKey(sum, is.GetName())
	if err != nil {
		return err
	}
	rev := revisionOf(is.GetEtag())
	// The summary keeps the latest linked interactions and facts only, so
	// that its size (and every context's) does not grow with the issue's
	// history: an issue may hold 200 facts, read from every transcript.
	if len(is.GetInteractions()) > issueInteractionsKept || len(is.GetFacts()) > issueFactsKept {
		is = proto.Clone(is).(*rapportv1.Issue)
		is.Interactions = is.Interactions[max(0, len(is.Interactions)-issueInteractionsKept):]
		is.Facts = is.Facts[max(0, len(is.Facts)-issueFactsKept):]
	}
	b, err := proto.Marshal(is)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(sum.Issues, func(x repository.SummaryIssue) bool { return x.IssueID == id })
	switch {
	case i < 0:
		sum.Issues = append(sum.Issues, repository.SummaryIssue{IssueID: id, Revision: rev, Issue: b})
	case sum.Issues[i].Revision <= rev:
		sum.Issues[i] = repository.SummaryIssue{IssueID: id, Revision: rev, Issue: b}
	}
	return nil
}

// interactionHash is the 4-byte hash by which a day bucket remembers that
// it counted an interaction. Two interactions of one customer and day whose
// names collide (about 1 in 40 million for a day with 100 contacts) would
// count once; the summary stays small.
func interactionHash(name string) []byte {
	h := fnv.New32a()
	h.Write([]byte(name))
	return binary.BigEndian.AppendUint32(nil, h.Sum32())
}

// applyInteraction merges an interaction into the summary. replayed says it
// was recorded before this write: it is counted only if the day's bucket
// does not remember it, and, when the bucket is full, not at all (its first
// recording most likely counted it; `rapport repair` recounts).
func applyInteraction(sum *repository.Summary, in *rapportv1.Interaction, replayed bool, now time.Time) error {
	t := in.GetOccurTime().AsTime()
	if sum.FirstContact.IsZero() || t.Before(sum.FirstContact) {
		sum.FirstContact = t
	}
	if !t.Before(sum.LastContact) {
		sum.LastContact, sum.LastChannel = t, int32(in.GetChannel())
	}
	applySurveyScores(sum, in)
	// Latest interactions, newest first, de-duplicated by ID.
	if !slices.ContainsFunc(sum.Recent, func(r repository.SummaryInteraction) bool { return r.InteractionID == in.GetName() }) {
		slim := proto.Clone(in).(*rapportv1.Interaction)
		slim.Text, slim.Facts, slim.Survey = "", nil, slimSurvey(in.GetSurvey())
		slim.Statements = ReadStatements(in)
		if in.GetSummary() == "" {
			slim.Excerpt = Excerpt(in.GetText(), excerptLength)
		}
		b, err := proto.Marshal(slim)
		if err != nil {
			return err
		}
		sum.Recent = append(sum.Recent, repository.SummaryInteraction{InteractionID: in.GetName(), OccurTime: t, Interaction: b})
		slices.SortStableFunc(sum.Recent, func(a, b repository.SummaryInteraction) int {
			if c := b.OccurTime.Compare(a.OccurTime); c != 0 {
				return c
			}
			return strings.Compare(b.InteractionID, a.InteractionID)
		})
		if len(sum.Recent) > recentKept {
			sum.Recent = sum.Recent[:recentKept]
		}
	}
	// Counts over the window, each interaction once.
	d := dayNumber(t)
	if d <= dayNumber(now)-windowDays {
		return nil
	}
	bi := slices.IndexFunc(sum.Days, func(b repository.DayBucket) bool { return b.Day == d })
	if bi < 0 {
		sum.Days = append(sum.Days, repository.DayBucket{Day: d, Channels: make([]int32, numChannels)})
		bi = len(sum.Days) - 1
	}
	bucket := &sum.Days[bi]
	h := interactionHash(in.GetName())
	for i := 0; i+summaryHashLength <= len(bucket.Hashes); i += summaryHashLength {
		if bytes.Equal(bucket.Hashes[i:i+summaryHashLength], h) {
			return nil // counted before: a retry or replay
		}
	}
	// Remember the first maxDayHashes contacts of a day, which bounds the
	// summary of a customer with an extraordinary number of contacts; past
	// that, replays are not counted (see above).
	if full := len(bucket.Hashes) >= maxDayHashes*summaryHashLength; full && replayed {
		return nil
	} else if !full {
		bucket.Hashes = append(bucket.Hashes, h...)
	}
	if c := int(in.GetChannel()); c < len(bucket.Channels) {
		bucket.Channels[c]++
	}
	for _, topic := range in.GetTopics() {
		sum.TopicDays = incKeyDay(sum.TopicDays, topic, d)
	}
	if in.GetIssue() != "" {
		sum.IssueDays = incKeyDay(sum.IssueDays, in.GetIssue(), d)
	}
	return nil
}

// customerFactKeys are facts about the customer that hold whatever issue
// they were given on, and after it closes.
var customerFactKeys = map[string]bool{"account_number": true, "customer_number": true, "identity_verified": true}

// applyCustomerFacts keeps on the customer the facts of an interaction
// linked to no issue, and the customer facts (customerFactKeys) of any.
func applyCustomerFacts(sum *repository.Summary, in *rapportv1.Interaction) error {
	for _, f := range in.GetFacts() {
		if in.GetIssue() != "" && !customerFactKeys[f.GetKey()] {
			continue
		}
		given := &rapportv1.Fact{Key: f.GetKey(), Value: f.GetValue(), Channel: in.GetChannel(), GiveTime: in.GetOccurTime(), Interaction: in.GetName(), Origin: f.GetOrigin(), Span: f.GetSpan()}
		if f.GetCorrection() {
			if err := supersedeCustomerFacts(sum, given, in.GetName()); err != nil {
				return err
			}
		}
		if err := mergeCustomerFact(sum, given); err != nil {
			return err
		}
	}
	return nil
}

// previousLabelWindow is how soon after the customer's previous message a
// value may answer the label that ended it.
const previousLabelWindow = 10 * time.Minute

// applyPreviousLabel reads, at the start of an inbound interaction's text,
// the value of a label that ended the customer's previous message ("my
// booking ref is" … "QX7T2"): the previous inbound interaction on the same
// channel, at most previousLabelWindow before, whose whole text the
// summary holds as its excerpt (a short message: no extra read). The value
// becomes a customer fact, with this interaction as where it was given.
func applyPreviousLabel(sum *repository.Summary, in *rapportv1.Interaction) error {
	if in.GetText() == "" || in.GetDirection() == rapportv1.Direction_DIRECTION_OUTBOUND {
		return nil
	}
	t := in.GetOccurTime().AsTime()
	for _, r := range sum.Recent { // newest first
		if r.InteractionID == in.GetName() || !r.OccurTime.Before(t) {
			continue
		}
		if t.Sub(r.OccurTime) > previousLabelWindow {
			return nil
		}
		prev := &rapportv1.Interaction{}
		if err := proto.Unmarshal(r.Interaction, prev); err != nil {
			return err
		}
		if prev.GetChannel() != in.GetChannel() || prev.GetDirection() == rapportv1.Direction_DIRECTION_OUTBOUND {
			continue
		}
		excerpt := prev.GetExcerpt()
		if excerpt == "" || strings.HasSuffix(excerpt, "…") {
			return nil // not the whole message
		}
		// Only the label rule: the text's own facts were read when it was
		// recorded.
		d := analysis.Pipeline{identifiers.Labels{}}.Run(&analysis.Doc{Text: in.GetText(), Channel: channelNames[in.GetChannel()], Previous: excerpt})
		for _, an := range d.Of(identifiers.Kind) {
			if !strings.HasPrefix(an.Evidence, identifiers.PreviousLabelEvidence) {
				continue
			}
			f := &rapportv1.Fact{Key: an.Key, Value: an.Value, Channel: in.GetChannel(), GiveTime: in.GetOccurTime(), Interaction: in.GetName(),
				Origin: rapportv1.FactOrigin_FACT_ORIGIN_EXTRACTED, Span: &rapportv1.TextSpan{Field: "text", Start: int32(an.Span.Start), End: int32(an.Span.End)}}
			if err := mergeCustomerFact(sum, f); err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

// supersedeCustomerFacts marks the customer facts of f's key with another
// value superseded by the interaction named by (see supersede).
func supersedeCustomerFacts(sum *repository.Summary, f *rapportv1.Fact, by string) error {
	for i, sf := range sum.CustomerFacts {
		have := &rapportv1.Fact{}
		if err := proto.Unmarshal(sf.Fact, have); err != nil {
			return err
		}
		if !supersede([]*rapportv1.Fact{have}, f, by) {
			continue
		}
		b, err := proto.Marshal(have)
		if err != nil {
			return err
		}
		sum.CustomerFacts[i].Fact = b
	}
	return nil
}

// applyIssueCustomerFacts keeps on the customer the customer facts
// (customerFactKeys) given directly on an issue.
func applyIssueCustomerFacts(sum *repository.Summary, is *rapportv1.Issue) error {
	for _, f := range is.GetFacts() {
		if !customerFactKeys[f.GetKey()] {
			continue
		}
		f = proto.Clone(f).(*rapportv1.Fact)
		if f.GiveTime == nil {
			f.GiveTime = is.GetUpdateTime()
		}
		if err := mergeCustomerFact(sum, f); err != nil {
			return err
		}
	}
	return nil
}

// mergeCustomerFact adds f to the customer facts, or if the same fact is
// there, keeps the earliest giving and the latest time it was given (from
// which it is kept customerFactsKeptDays). Repeating it changes nothing.
func mergeCustomerFact(sum *repository.Summary, f *rapportv1.Fact) error {
	t := f.GetGiveTime().AsTime()
	for i, sf := range sum.CustomerFacts {
		var have rapportv1.Fact
		if err := proto.Unmarshal(sf.Fact, &have); err != nil {
			return err
		}
		if !SameFact(&have, f) {
			continue
		}
		if t.After(sf.Time) {
			sum.CustomerFacts[i].Time = t
		}
		if t.Before(have.GetGiveTime().AsTime()) {
			b, err := proto.Marshal(f)
			if err != nil {
				return err
			}
			sum.CustomerFacts[i].Fact = b
		}
		return nil
	}
	b, err := proto.Marshal(f)
	if err != nil {
		return err
	}
	sum.CustomerFacts = append(sum.CustomerFacts, repository.SummaryFact{Time: t, Fact: b})
	return nil
}

func setScore(dst **repository.SummaryScore, v *int32, t time.Time, interaction string) {
	if v == nil {
		return
	}
	if *dst == nil || !t.Before((*dst).Time) {
		*dst = &repository.SummaryScore{Value: *v, Time: t, Interaction: interaction}
	}
}

func incKeyDay(counts []repository.KeyDayCount, key string, d int32) []repository.KeyDayCount {
	for i := range counts {
		if counts[i].Key == key && counts[i].Day == d {
			counts[i].Count++
			return counts
		}
	}
	return append(counts, repository.KeyDayCount{Key: key, Day: d, Count: 1})
}

// pruneSummary drops what has aged out: buckets older than the window,
// issues resolved or closed longer ago than resolvedKeptDays.
func pruneSummary(sum *repository.Summary, now time.Time) {
	oldest := dayNumber(now) - windowDays
	sum.Days = slices.DeleteFunc(sum.Days, func(b repository.DayBucket) bool { return b.Day <= oldest })
	sum.TopicDays = slices.DeleteFunc(sum.TopicDays, func(k repository.KeyDayCount) bool { return k.Day <= oldest })
	sum.IssueDays = slices.DeleteFunc(sum.IssueDays, func(k repository.KeyDayCount) bool { return k.Day <= oldest })
	slices.SortFunc(sum.Days, func(a, b repository.DayBucket) int { return int(a.Day - b.Day) })
	pruneCustomerFacts(sum, now)
	sum.Issues = slices.DeleteFunc(sum.Issues, func(si repository.SummaryIssue) bool {
		var is rapportv1.Issue
		if proto.Unmarshal(si.Issue, &is) != nil {
			return true
		}
		return !isOpen(is.GetStatus()) && is.GetUpdateTime().AsTime().Before(now.Add(-resolvedKeptDays*day))
	})
}

// pruneCustomerFacts drops customer facts last given more than
// customerFactsKeptDays ago, and keeps the newest customerFactsKept, newest
// first (ties by content, so that the order does not depend on the order
// of the writes).
func pruneCustomerFacts(sum *repository.Summary, now time.Time) {
	sum.CustomerFacts = slices.DeleteFunc(sum.CustomerFacts, func(f repository.SummaryFact) bool {
		return f.Time.Before(now.Add(-customerFactsKeptDays * day))
	})
	slices.SortFunc(sum.CustomerFacts, func(a, b repository.SummaryFact) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return bytes.Compare(a.Fact, b.Fact)
	})
	if len(sum.CustomerFacts) > customerFactsKept {
		sum.CustomerFacts = sum.CustomerFacts[:customerFactsKept]
	}
}

// isOpen reports whether an issue still needs work.
func isOpen(st rapportv1.IssueStatus) bool {
	switch st {
	case rapportv1.IssueStatus_ISSUE_STATUS_OPEN, rapportv1.IssueStatus_ISSUE_STATUS_PENDING, rapportv1.IssueStatus_ISSUE_STATUS_REOPENED:
		return true
	}
	return false
}
