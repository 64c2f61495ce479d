package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rapporthq/rapport/repository"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

const summariesCollection = "contexts"

// summaryDoc is a summary as stored: the keys, and the contents as one
// binary field (repository.EncodeSummary).
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
	Stale        bool       `bson:"stale,omitempty"`
}

// summaryDocOf is how a summary is stored.
func summaryDocOf(s *repository.Summary) *summaryDoc {
	d := &summaryDoc{ID: docID(s.Tenant, s.CustomerID), Tenant: s.Tenant, CustomerID: s.CustomerID, Revision: s.Revision,
		UpdateTime: s.UpdateTime, Data: repository.EncodeSummary(s), Stale: s.Stale}
	if !s.FirstContact.IsZero() {
		// As stored in Data: to the millisecond.
		first := time.UnixMilli(s.FirstContact.UnixMilli()).UTC()
		d.FirstContact = &first
	}
	return d
}

// GetSummary reads a customer's summary: one point read by _id.
func (s *Store) GetSummary(ctx context.Context, tenant, customerID string) (*repository.Summary, error) {
	sum, _, err := s.GetSummaryIfChanged(ctx, tenant, customerID, 0)
	return sum, err
}

// GetSummaryIfChanged is GetSummary, unless the stored summary has the
// fingerprint known (see repository.UnchangedSummaryReader): the document
// is read whole either way (one FindOne by _id), and decoded only when it
// changed.
func (s *Store) GetSummaryIfChanged(ctx context.Context, tenant, customerID string, known uint64) (*repository.Summary, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	raw, err := s.db.Collection(summariesCollection).FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, customerID)}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false, fmt.Errorf("summary of %q: %w", customerID, repository.ErrNotFound)
	}
	if err != nil {
		return nil, false, dbErr("read summary", err)
	}
	// Read the few fields straight from the raw document: cheaper than
	// decoding into a struct, on the hot path.
	sum := &repository.Summary{Tenant: tenant, CustomerID: customerID}
	rev, okRev := raw.Lookup("revision").Int64OK()
	updated, okTime := raw.Lookup("update_time").TimeOK()
	_, data, okData := raw.Lookup("data").BinaryOK()
	if !okRev || !okTime || !okData {
		return nil, false, repository.ErrCorruptSummary
	}
	sum.Revision, sum.UpdateTime = rev, updated.UTC()
	sum.Stale, _ = raw.Lookup("stale").BooleanOK()
	sum.Fingerprint = repository.SummaryFingerprint(sum.Revision, sum.UpdateTime.UnixMilli(), sum.Stale, data)
	if sum.Fingerprint == known {
		return nil, true, nil
	}
	if err := repository.DecodeSummary(data, sum); err != nil {
		return nil, false, err
	}
	return sum, false, nil
}

// UpdateSummary applies mutate to a customer's summary (an empty one if
// there is none yet) and saves it with optimistic concurrency, retrying on
// conflicts. mutate must be safe to run more than once; an error from it is
// returned as is and saves nothing. If other writers keep winning the race
// (maxUpdateAttempts times), it marks the summary stale instead, in one
// unconditional update, and returns it so marked: the write that called it
// was kept and succeeds, and the next reader rebuilds the summary from the
// history (never an acknowledged refusal of a write that was stored). If
// the customer is being erased, or is gone, once the summary is saved, it
// erases what the customer owns (this write's records included) and
// returns repository.ErrNotFound.
func (s *Store) UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*repository.Summary) error) (*repository.Summary, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	coll := s.db.Collection(summariesCollection)
	id := docID(tenant, customerID)
	for attempt := range s.maxAttempts {
		if attempt > 0 {
			backoff(ctx, attempt)
		}
		cur, err := s.GetSummary(ctx, tenant, customerID)
		isNew := errors.Is(err, repository.ErrNotFound)
		switch {
		case isNew:
			cur = &repository.Summary{Tenant: tenant, CustomerID: customerID}
		case err != nil:
			return nil, s.failedWrite(ctx, tenant, customerID, err)
		}
		old := cur.Revision
		if err := mutate(cur); err != nil {
			return nil, s.failedWrite(ctx, tenant, customerID, err)
		}
		cur.Tenant, cur.CustomerID = tenant, customerID
		cur.Revision = old + 1
		cur.UpdateTime = repository.Truncate(s.now())
		doc := summaryDocOf(cur)
		if isNew {
			_, err := coll.InsertOne(ctx, doc)
			if mongo.IsDuplicateKeyError(err) {
				continue // created concurrently: merge into it
			}
			if err != nil {
				return nil, dbErr("insert summary", err)
			}
			return cur, s.confirmLive(ctx, tenant, customerID)
		}
		var res *mongo.UpdateResult
		err = s.locks.do(id, func() (err error) {
			res, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: old}}, doc)
			return err
		})
		if err != nil {
			return nil, dbErr("replace summary", err)
		}
		if res.MatchedCount == 1 {
			return cur, s.confirmLive(ctx, tenant, customerID)
		}
	}
	return s.markStale(ctx, tenant, customerID)
}

// UpdateSummaries is UpdateSummary for several customers of tenant, one
// after the other (mutate tells them apart by Summary.CustomerID). It
// stops at the first error: the summaries before it were saved, and the
// caller's retry repairs the rest.
func (s *Store) UpdateSummaries(ctx context.Context, tenant string, customerIDs []string, mutate func(*repository.Summary) error) error {
	for _, id := range customerIDs {
		if _, err := s.UpdateSummary(ctx, tenant, id, mutate); err != nil {
			return err
		}
	}
	return nil
}

// markStale marks a customer's summary stale, creating an empty stale one
// if there is none. The revision moves on, so that a writer that read the
// summary before the mark fails its compare-and-swap and merges into the
// marked one.
func (s *Store) markStale(ctx context.Context, tenant, customerID string) (*repository.Summary, error) {
	coll := s.db.Collection(summariesCollection)
	id := docID(tenant, customerID)
	now := repository.Truncate(s.now())
	for range 2 {
		var res *mongo.UpdateResult
		err := s.locks.do(id, func() (err error) {
			res, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
				{Key: "$set", Value: bson.D{{Key: "stale", Value: true}, {Key: "update_time", Value: now}}},
				{Key: "$inc", Value: bson.D{{Key: "revision", Value: int64(1)}}},
			})
			return err
		})
		if err != nil {
			return nil, dbErr("mark summary stale", err)
		}
		if res.MatchedCount == 1 {
			break
		}
		empty := &repository.Summary{Tenant: tenant, CustomerID: customerID, Revision: 1, UpdateTime: now, Stale: true}
		if _, err := coll.InsertOne(ctx, summaryDocOf(empty)); err == nil {
			break
		} else if !mongo.IsDuplicateKeyError(err) {
			return nil, dbErr("mark summary stale", err)
		}
	}
	if err := s.confirmLive(ctx, tenant, customerID); err != nil {
		return nil, err
	}
	return s.GetSummary(ctx, tenant, customerID)
}

// WatchSummaries calls fn with the tenant and customer of every summary
// that changes, from a MongoDB change stream, until ctx ends. It returns
// repository.ErrChangeStreamsUnsupported at once when the server refuses change
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
			return fmt.Errorf("%w: %v", repository.ErrChangeStreamsUnsupported, err)
		}
		return dbErr("open change stream", err)
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
	return dbErr("change stream", cs.Err())
}
