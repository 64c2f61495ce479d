package repository

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/klauspost/compress/s2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

const summariesCollection = "contexts"

// Summary is the per-customer document that GetCustomerContext reads with a
// single point read. The service keeps it up to date on every write, with
// merges that are safe to repeat (a retried write repairs it) and
// optimistic concurrency (several replicas may write one customer at once).
// Its size depends on the customer's activity in the last 90 days, not on
// the length of their history.
//
// The repository only stores it; the rules that fill it live in the
// service. Profiles, issues and interactions are kept as serialised
// rapportv1 messages: compact, and decoded only by the service.
type Summary struct {
	ID         string `bson:"-"`
	Tenant     string `bson:"-"`
	CustomerID string `bson:"-"`
	Revision   int64  `bson:"-"`

	// Customer is a serialised rapportv1.Customer at CustomerRevision.
	Customer         []byte `bson:"customer,omitempty"`
	CustomerRevision int64  `bson:"customer_revision,omitempty"`
	// Issues are the open and recently closed issues.
	Issues []SummaryIssue `bson:"issues,omitempty"`
	// Recent are the latest interactions, newest first, without text.
	Recent []SummaryInteraction `bson:"recent,omitempty"`
	// Days count contacts per UTC day and channel in the last 90 days.
	Days []DayBucket `bson:"days,omitempty"`
	// TopicDays and IssueDays count contacts per day by topic and by issue.
	TopicDays []KeyDayCount `bson:"topic_days,omitempty"`
	IssueDays []KeyDayCount `bson:"issue_days,omitempty"`

	CSAT *SummaryScore `bson:"csat,omitempty"`
	NPS  *SummaryScore `bson:"nps,omitempty"`
	CES  *SummaryScore `bson:"ces,omitempty"`

	FirstContact time.Time `bson:"first_contact,omitempty"`
	LastContact  time.Time `bson:"last_contact,omitempty"`
	LastChannel  int32     `bson:"last_channel,omitempty"`
	UpdateTime   time.Time `bson:"-"`
}

// summaryDoc is a summary as stored: the keys, and the contents as one
// BSON-encoded binary field. A summary holds a few hundred small values
// (day buckets, counts by topic); the embedded store (FerretDB v1) parses
// every stored value on each read, which took ~10 ms for a busy customer's
// summary spread over fields, against well under 1 ms as one binary.
//
// FirstContact repeats the summary's first contact as an indexed field, so
// that the retention purge finds the summaries that still count an
// interaction older than its cutoff. It is null for a customer without
// contacts, and missing from summaries written before it existed.
type summaryDoc struct {
	ID           string     `bson:"_id"`
	Tenant       string     `bson:"tenant"`
	CustomerID   string     `bson:"customer_id"`
	Revision     int64      `bson:"revision"`
	UpdateTime   time.Time  `bson:"update_time"`
	FirstContact *time.Time `bson:"first_contact"`
	Data         []byte     `bson:"data"`
}

// summaryFormat is the version of the encoding of a summary's contents.
const summaryFormat = 1

// doc encodes the summary's contents as one byte string, s2-compressed:
// the format byte, then each field in a fixed order (see encode).
func (s *Summary) doc() *summaryDoc {
	var b []byte
	b = append(b, summaryFormat)
	b = appendBytes32(b, s.Customer)
	b = binary.BigEndian.AppendUint64(b, uint64(s.CustomerRevision))
	b = appendBytes32(b, packIssues(s.Issues))
	b = appendBytes32(b, packRecent(s.Recent))
	b = appendBytes32(b, packDays(s.Days))
	b = appendBytes32(b, packKeyDays(s.TopicDays))
	b = appendBytes32(b, packKeyDays(s.IssueDays))
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
	d := &summaryDoc{ID: s.ID, Tenant: s.Tenant, CustomerID: s.CustomerID, Revision: s.Revision, UpdateTime: s.UpdateTime, Data: s2.Encode(nil, b)}
	if !s.FirstContact.IsZero() {
		// As stored in Data: to the millisecond.
		first := time.UnixMilli(s.FirstContact.UnixMilli()).UTC()
		d.FirstContact = &first
	}
	return d
}

// decodeSummaryData decodes what doc encoded into sum.
func decodeSummaryData(data []byte, sum *Summary) error {
	raw, err := s2.Decode(nil, data)
	if err != nil || len(raw) == 0 || raw[0] != summaryFormat {
		return errCorruptSummary
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
	if r.err {
		return errCorruptSummary
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

var errCorruptSummary = errors.New("corrupt summary encoding")

// packDays writes each bucket as: day (int32), the number of channels and
// their counts (uint8, then uint32 each), the hashes' length (uint32) and
// the hashes.
func packDays(days []DayBucket) []byte {
	var b []byte
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
			return nil, errCorruptSummary
		}
		out = append(out, d)
	}
	return out, nil
}

// packIssues writes each issue as: ID (uint16 length, bytes), revision
// (uint64), the serialised issue (uint32 length, bytes).
func packIssues(issues []SummaryIssue) []byte {
	var b []byte
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
			return nil, errCorruptSummary
		}
		out = append(out, is)
	}
	return out, nil
}

// packRecent writes each interaction as: ID (uint16 length, bytes), time
// (Unix milliseconds, uint64), the serialised interaction (uint32 length,
// bytes).
func packRecent(recent []SummaryInteraction) []byte {
	var b []byte
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
			return nil, errCorruptSummary
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
func packKeyDays(counts []KeyDayCount) []byte {
	var keys []string
	byKey := map[string][]KeyDayCount{}
	for _, c := range counts {
		if _, ok := byKey[c.Key]; !ok {
			keys = append(keys, c.Key)
		}
		byKey[c.Key] = append(byKey[c.Key], c)
	}
	var b []byte
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
			return nil, errCorruptSummary
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

// SummaryScore is the latest answer to one survey question.
type SummaryScore struct {
	Value       int32     `bson:"v"`
	Time        time.Time `bson:"t"`
	Interaction string    `bson:"i"`
}

// GetSummary reads a customer's summary: one point read by _id.
func (s *Store) GetSummary(ctx context.Context, tenant, customerID string) (*Summary, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	raw, err := s.db.Collection(summariesCollection).FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, customerID)}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("summary of %q: %w", customerID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read summary: %w", err)
	}
	// Read the few fields straight from the raw document: cheaper than
	// decoding into a struct, on the hot path.
	sum := &Summary{ID: docID(tenant, customerID), Tenant: tenant, CustomerID: customerID}
	rev, okRev := raw.Lookup("revision").Int64OK()
	updated, okTime := raw.Lookup("update_time").TimeOK()
	_, data, okData := raw.Lookup("data").BinaryOK()
	if !okRev || !okTime || !okData {
		return nil, errCorruptSummary
	}
	sum.Revision, sum.UpdateTime = rev, updated.UTC()
	if err := decodeSummaryData(data, sum); err != nil {
		return nil, err
	}
	return sum, nil
}

// UpdateSummary applies mutate to a customer's summary (an empty one if
// there is none yet) and saves it with optimistic concurrency, retrying on
// conflicts. mutate must be safe to run more than once; an error from it is
// returned as is and saves nothing. If the customer is being erased, or is
// gone, once the summary is saved, it erases what the customer owns (this
// write's records included) and returns ErrNotFound.
func (s *Store) UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*Summary) error) (*Summary, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	coll := s.db.Collection(summariesCollection)
	id := docID(tenant, customerID)
	for attempt := range maxUpdateAttempts {
		if attempt > 0 {
			backoff(ctx, attempt)
		}
		cur, err := s.GetSummary(ctx, tenant, customerID)
		isNew := errors.Is(err, ErrNotFound)
		switch {
		case isNew:
			cur = &Summary{ID: id, Tenant: tenant, CustomerID: customerID}
		case err != nil:
			return nil, err
		}
		old := cur.Revision
		if err := mutate(cur); err != nil {
			return nil, err
		}
		cur.ID, cur.Tenant, cur.CustomerID = id, tenant, customerID
		cur.Revision = old + 1
		cur.UpdateTime = truncate(s.now())
		doc := cur.doc()
		if isNew {
			_, err := coll.InsertOne(ctx, doc)
			if mongo.IsDuplicateKeyError(err) {
				continue // created concurrently: merge into it
			}
			if err != nil {
				return nil, fmt.Errorf("insert summary: %w", err)
			}
			return cur, s.confirmLive(ctx, tenant, customerID)
		}
		var res *mongo.UpdateResult
		err = s.locks.do(id, func() (err error) {
			res, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: old}}, doc)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("replace summary: %w", err)
		}
		if res.MatchedCount == 1 {
			return cur, s.confirmLive(ctx, tenant, customerID)
		}
	}
	return nil, ErrContention
}

// ErrChangeStreamsUnsupported: the server has no change streams (the
// embedded store, or a MongoDB that is not a replica set).
var ErrChangeStreamsUnsupported = errors.New("change streams are not supported by this server")

// WatchSummaries calls fn with the tenant and customer of every summary
// that changes, from a MongoDB change stream, until ctx ends. It returns
// ErrChangeStreamsUnsupported at once when the server refuses change
// streams, and another error when the stream breaks (the caller retries).
func (s *Store) WatchSummaries(ctx context.Context, fn func(tenant, customerID string)) error {
	pipeline := mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "operationType", Value: bson.D{{Key: "$in", Value: bson.A{"insert", "replace", "update", "delete"}}}}}}},
		{{Key: "$project", Value: bson.D{{Key: "documentKey", Value: 1}}}},
	}
	cs, err := s.db.Collection(summariesCollection).Watch(ctx, pipeline)
	if err != nil {
		var se mongo.ServerError
		if errors.As(err, &se) {
			return fmt.Errorf("%w: %v", ErrChangeStreamsUnsupported, err)
		}
		return fmt.Errorf("open change stream: %w", err)
	}
	defer cs.Close(context.WithoutCancel(ctx))
	for cs.Next(ctx) {
		id, ok := cs.Current.Lookup("documentKey", "_id").StringValueOK()
		if !ok {
			continue
		}
		if tenant, customer, found := strings.Cut(id, "/"); found {
			fn(tenant, customer)
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("change stream: %w", cs.Err())
}
