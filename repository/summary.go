package repository

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/klauspost/compress/s2"
)

// Summary is the per-customer document that GetCustomerContext reads with a
// single point read. The service keeps it up to date on every write, with
// merges that are safe to repeat (a retried write repairs it) and
// optimistic concurrency (several replicas may write one customer at once).
// Its size depends on the customer's activity in the last 90 days, not on
// the length of their history.
//
// The repository only stores it; the rules that fill it live in the
// service. Profiles, issues and interactions are kept as serialised
// rapportv1 messages: compact, and decoded only by the service. Adapters
// store its contents as one opaque value (EncodeSummary), next to its keys,
// its revision and its first contact (which the retention purge queries).
type Summary struct {
	Tenant     string
	CustomerID string
	// Revision grows by one on every save; it guards the save.
	Revision int64

	// Customer is a serialised rapportv1.Customer at CustomerRevision.
	Customer         []byte
	CustomerRevision int64
	// Issues are the open and recently closed issues.
	Issues []SummaryIssue
	// Recent are the latest interactions, newest first, without text.
	Recent []SummaryInteraction
	// Days count contacts per UTC day and channel in the last 90 days.
	Days []DayBucket
	// TopicDays and IssueDays count contacts per day by topic and by issue.
	TopicDays []KeyDayCount
	IssueDays []KeyDayCount

	CSAT *SummaryScore
	NPS  *SummaryScore
	CES  *SummaryScore

	FirstContact time.Time
	LastContact  time.Time
	LastChannel  int32
	UpdateTime   time.Time

	// CustomerFacts are facts about the customer rather than one issue
	// (kept by the service for a limited time).
	CustomerFacts []SummaryFact

	// FollowUps are the customer's open follow-ups and those completed in
	// the last 90 days (see SummaryFollowUp).
	FollowUps []SummaryFollowUp

	// Stale says that a write could not merge into the summary (on MongoDB,
	// when other writers of the customer kept winning the race for it): the
	// write was kept, and the summary may lag behind the history. Readers
	// rebuild a stale summary from the history; merges keep the mark, a
	// rebuild (which replaces the summary whole) clears it.
	Stale bool
}

// summaryFormat is the version of the encoding of a summary's contents.
const summaryFormat = 1

// EncodeSummary encodes the summary's contents (everything but its keys,
// revision and update time) as one byte string, s2-compressed: the format
// byte, then each field in a fixed order. A summary holds a few hundred
// small values (day buckets, counts by topic): one opaque value is far
// cheaper to store and read than as many fields or rows.
func EncodeSummary(s *Summary) []byte {
	b := make([]byte, 0, encodedSize(s))
	b = append(b, summaryFormat)
	b = appendBytes32(b, s.Customer)
	b = binary.BigEndian.AppendUint64(b, uint64(s.CustomerRevision))
	// Each section is written in place after a length that is filled in
	// once it is known, with no intermediate buffer.
	for _, pack := range []func([]byte) []byte{
		func(b []byte) []byte { return packIssues(b, s.Issues) },
		func(b []byte) []byte { return packRecent(b, s.Recent) },
		func(b []byte) []byte { return packDays(b, s.Days) },
		func(b []byte) []byte { return packKeyDays(b, s.TopicDays) },
		func(b []byte) []byte { return packKeyDays(b, s.IssueDays) },
	} {
		at := len(b)
		b = pack(append(b, 0, 0, 0, 0))
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	for _, sc := range []*SummaryScore{s.CSAT, s.NPS, s.CES} {
		if sc == nil {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		b = binary.BigEndian.AppendUint32(b, uint32(sc.Value))
		b = appendTime(b, sc.Time)
		b = appendString16(b, sc.Interaction)
	}
	b = appendTime(b, s.FirstContact)
	b = appendTime(b, s.LastContact)
	b = binary.BigEndian.AppendUint32(b, uint32(s.LastChannel))
	if len(s.CustomerFacts) > 0 || len(s.FollowUps) > 0 {
		b = appendCustomerFacts(b, s.CustomerFacts)
	}
	if len(s.FollowUps) > 0 {
		b = appendFollowUps(b, s.FollowUps)
	}
	return s2.Encode(nil, b)
}

// encodedSize is (a little more than) the size of s's encoding before
// compression, so that it is built with one allocation.
func encodedSize(s *Summary) int {
	n := 64 + len(s.Customer)
	for _, is := range s.Issues {
		n += 16 + len(is.IssueID) + len(is.Issue)
	}
	for _, in := range s.Recent {
		n += 16 + len(in.InteractionID) + len(in.Interaction)
	}
	for _, d := range s.Days {
		n += 12 + 4*len(d.Channels) + len(d.Hashes)
	}
	for _, k := range s.TopicDays {
		n += 14 + len(k.Key)
	}
	for _, k := range s.IssueDays {
		n += 14 + len(k.Key)
	}
	for _, sc := range []*SummaryScore{s.CSAT, s.NPS, s.CES} {
		if sc != nil {
			n += 16 + len(sc.Interaction)
		}
	}
	for _, f := range s.CustomerFacts {
		n += 12 + len(f.Fact)
	}
	for _, f := range s.FollowUps {
		n += 16 + len(f.ID) + len(f.FollowUp) + len(f.RequestID) + len(f.Result)
	}
	return n
}

// DecodeSummary decodes what EncodeSummary encoded into sum; a value it
// cannot read is ErrCorruptSummary.
func DecodeSummary(data []byte, sum *Summary) error {
	raw, err := s2.Decode(nil, data)
	if err != nil || len(raw) == 0 || raw[0] != summaryFormat {
		return ErrCorruptSummary
	}
	r := byteReader{b: raw[1:]}
	sum.Customer = r.bytes(int(r.uint32()))
	sum.CustomerRevision = int64(r.uint64())
	issues, recent, days := r.bytes(int(r.uint32())), r.bytes(int(r.uint32())), r.bytes(int(r.uint32()))
	topicDays, issueDays := r.bytes(int(r.uint32())), r.bytes(int(r.uint32()))
	for _, dst := range []**SummaryScore{&sum.CSAT, &sum.NPS, &sum.CES} {
		if r.byte() == 1 {
			*dst = &SummaryScore{Value: int32(r.uint32()), Time: r.time(), Interaction: string(r.bytes(int(r.uint16())))}
		}
	}
	sum.FirstContact, sum.LastContact, sum.LastChannel = r.time(), r.time(), int32(r.uint32())
	if r.more() {
		sum.CustomerFacts = readCustomerFacts(&r)
	}
	if r.more() {
		sum.FollowUps = readFollowUps(&r)
	}
	if r.err {
		return ErrCorruptSummary
	}
	if len(sum.Customer) == 0 {
		sum.Customer = nil
	}
	if sum.Issues, err = unpackIssues(issues); err != nil {
		return err
	}
	if sum.Recent, err = unpackRecent(recent); err != nil {
		return err
	}
	if sum.Days, err = unpackDays(days); err != nil {
		return err
	}
	if sum.TopicDays, err = unpackKeyDays(topicDays); err != nil {
		return err
	}
	sum.IssueDays, err = unpackKeyDays(issueDays)
	return err
}

// appendTime writes t as Unix milliseconds, the zero time as 0.
func appendTime(b []byte, t time.Time) []byte {
	var ms int64
	if !t.IsZero() {
		ms = t.UnixMilli()
	}
	return binary.BigEndian.AppendUint64(b, uint64(ms))
}

// ErrCorruptSummary: a stored summary cannot be decoded; the service
// rebuilds it from the history.
var ErrCorruptSummary = errors.New("corrupt summary encoding")

// packDays writes each bucket as: day (int32), the number of channels and
// their counts (uint8, then uint32 each), the hashes' length (uint32) and
// the hashes.
func packDays(b []byte, days []DayBucket) []byte {
	for _, d := range days {
		b = binary.BigEndian.AppendUint32(b, uint32(d.Day))
		b = append(b, byte(len(d.Channels)))
		for _, c := range d.Channels {
			b = binary.BigEndian.AppendUint32(b, uint32(c))
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(d.Hashes)))
		b = append(b, d.Hashes...)
	}
	return b
}

func unpackDays(b []byte) ([]DayBucket, error) {
	var out []DayBucket
	r := byteReader{b: b}
	for r.more() {
		d := DayBucket{Day: int32(r.uint32())}
		n := int(r.byte())
		d.Channels = make([]int32, n)
		for i := range n {
			d.Channels[i] = int32(r.uint32())
		}
		d.Hashes = r.bytes(int(r.uint32()))
		if r.err {
			return nil, ErrCorruptSummary
		}
		out = append(out, d)
	}
	return out, nil
}

// packIssues writes each issue as: ID (uint16 length, bytes), revision
// (uint64), the serialised issue (uint32 length, bytes).
func packIssues(b []byte, issues []SummaryIssue) []byte {
	for _, is := range issues {
		b = appendString16(b, is.IssueID)
		b = binary.BigEndian.AppendUint64(b, uint64(is.Revision))
		b = appendBytes32(b, is.Issue)
	}
	return b
}

func unpackIssues(b []byte) ([]SummaryIssue, error) {
	var out []SummaryIssue
	r := byteReader{b: b}
	for r.more() {
		is := SummaryIssue{IssueID: string(r.bytes(int(r.uint16()))), Revision: int64(r.uint64())}
		is.Issue = r.bytes(int(r.uint32()))
		if r.err {
			return nil, ErrCorruptSummary
		}
		out = append(out, is)
	}
	return out, nil
}

// packRecent writes each interaction as: ID (uint16 length, bytes), time
// (Unix milliseconds, uint64), the serialised interaction (uint32 length,
// bytes).
func packRecent(b []byte, recent []SummaryInteraction) []byte {
	for _, in := range recent {
		b = appendString16(b, in.InteractionID)
		b = appendTime(b, in.OccurTime)
		b = appendBytes32(b, in.Interaction)
	}
	return b
}

func unpackRecent(b []byte) ([]SummaryInteraction, error) {
	var out []SummaryInteraction
	r := byteReader{b: b}
	for r.more() {
		in := SummaryInteraction{InteractionID: string(r.bytes(int(r.uint16()))), OccurTime: r.time()}
		in.Interaction = r.bytes(int(r.uint32()))
		if r.err {
			return nil, ErrCorruptSummary
		}
		out = append(out, in)
	}
	return out, nil
}

func appendString16(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint16(b, uint16(len(s))), s...)
}

func appendBytes32(b, v []byte) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(v))), v...)
}

// packKeyDays writes the counts grouped by key: the key's length (uint16)
// and bytes, the number of days (uint32), then day and count (uint32 each).
func packKeyDays(b []byte, counts []KeyDayCount) []byte {
	var keys []string
	byKey := map[string][]KeyDayCount{}
	for _, c := range counts {
		if _, ok := byKey[c.Key]; !ok {
			keys = append(keys, c.Key)
		}
		byKey[c.Key] = append(byKey[c.Key], c)
	}
	for _, k := range keys {
		b = appendString16(b, k)
		b = binary.BigEndian.AppendUint32(b, uint32(len(byKey[k])))
		for _, c := range byKey[k] {
			b = binary.BigEndian.AppendUint32(b, uint32(c.Day))
			b = binary.BigEndian.AppendUint32(b, uint32(c.Count))
		}
	}
	return b
}

func unpackKeyDays(b []byte) ([]KeyDayCount, error) {
	var out []KeyDayCount
	r := byteReader{b: b}
	for r.more() {
		key := string(r.bytes(int(r.uint16())))
		n := int(r.uint32())
		for range n {
			out = append(out, KeyDayCount{Key: key, Day: int32(r.uint32()), Count: int32(r.uint32())})
		}
		if r.err {
			return nil, ErrCorruptSummary
		}
	}
	return out, nil
}

// byteReader reads big-endian values, remembering whether it ran short.
type byteReader struct {
	b   []byte
	err bool
}

func (r *byteReader) more() bool { return len(r.b) > 0 && !r.err }

func (r *byteReader) bytes(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.err, r.b = true, nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *byteReader) byte() byte {
	if v := r.bytes(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *byteReader) uint16() uint16 {
	if v := r.bytes(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (r *byteReader) time() time.Time {
	ms := int64(r.uint64())
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func (r *byteReader) uint64() uint64 {
	if v := r.bytes(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (r *byteReader) uint32() uint32 {
	if v := r.bytes(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

// SummaryIssue is an issue as kept in a summary.
type SummaryIssue struct {
	IssueID  string `bson:"id"`
	Revision int64  `bson:"rev"`
	// Issue is a serialised rapportv1.Issue.
	Issue []byte `bson:"issue"`
}

// SummaryInteraction is a recent interaction as kept in a summary.
type SummaryInteraction struct {
	InteractionID string    `bson:"id"`
	OccurTime     time.Time `bson:"t"`
	// Interaction is a serialised rapportv1.Interaction without text.
	Interaction []byte `bson:"in"`
}

// DayBucket counts one UTC day's contacts.
type DayBucket struct {
	// Day is the number of days since the Unix epoch (UTC).
	Day int32 `bson:"d"`
	// Channels[c] counts contacts on channel number c.
	Channels []int32 `bson:"c"`
	// Hashes holds 4 bytes per counted interaction (a hash of its ID), so
	// that counting the same interaction again is detected.
	Hashes []byte `bson:"h"`
}

// KeyDayCount counts one day's contacts about one key (topic or issue ID).
type KeyDayCount struct {
	Key   string `bson:"k"`
	Day   int32  `bson:"d"`
	Count int32  `bson:"n"`
}

// appendCustomerFacts writes the customer facts last (a summary encoded
// before they existed simply ends before them): their number (uint32),
// then each one's time and serialised fact (uint32 length, bytes).
func appendCustomerFacts(b []byte, facts []SummaryFact) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(facts)))
	for _, f := range facts {
		b = appendTime(b, f.Time)
		b = appendBytes32(b, f.Fact)
	}
	return b
}

func readCustomerFacts(r *byteReader) []SummaryFact {
	n := int(r.uint32())
	var out []SummaryFact
	for i := 0; i < n && !r.err; i++ {
		out = append(out, SummaryFact{Time: r.time(), Fact: r.bytes(int(r.uint32()))})
	}
	return out
}

// SummaryFact is a fact about the customer as kept in a summary.
type SummaryFact struct {
	// Time is when it was last given; the service drops it some time after.
	Time time.Time `bson:"t"`
	// Fact is a serialised rapportv1.Fact.
	Fact []byte `bson:"f"`
}

// SummaryScore is the latest answer to one survey question.
type SummaryScore struct {
	Value       int32     `bson:"v"`
	Time        time.Time `bson:"t"`
	Interaction string    `bson:"i"`
}
