package mongo

import (
	"context"
	"slices"
	"time"

	"github.com/rapporthq/rapport/repository"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The retention purge works across tenants: unlike every other query of
// this package, its filters select a tenant, or every tenant but some, by
// the tenant field alone (no _id range).

// scopeFilter selects the documents of the tenants in sc.
func scopeFilter(sc repository.TenantScope) (bson.D, error) {
	if sc.Tenant != "" {
		if err := repository.CheckTenant(sc.Tenant); err != nil {
			return nil, err
		}
		return bson.D{{Key: "tenant", Value: sc.Tenant}}, nil
	}
	if len(sc.Except) == 0 {
		return bson.D{}, nil
	}
	return bson.D{{Key: "tenant", Value: bson.D{{Key: "$nin", Value: sc.Except}}}}, nil
}

// DeleteInteractionsBefore deletes the interactions in scope that occurred
// before cutoff and returns how many it deleted. Their customers' summaries
// are left as they are: see SummariesContactedBefore.
func (s *Store) DeleteInteractionsBefore(ctx context.Context, scope repository.TenantScope, cutoff time.Time) (int64, error) {
	f, err := scopeFilter(scope)
	if err != nil {
		return 0, err
	}
	marks := append(slices.Clone(f), bson.E{Key: "day", Value: bson.D{{Key: "$lt", Value: repository.ContactMarksBefore(cutoff)}}})
	f = append(f, bson.E{Key: "occur_time", Value: bson.D{{Key: "$lt", Value: cutoff}}})
	res, err := s.db.Collection(interactionsCollection).DeleteMany(ctx, f)
	if err != nil {
		return 0, dbErr("delete expired interactions", err)
	}
	// The contact marks of the periods that ended before the cutoff (see
	// repository.Adapter.MarkContacted).
	if _, err := s.db.Collection(contactedCollection).DeleteMany(ctx, marks); err != nil {
		return res.DeletedCount, dbErr("delete expired contact marks", err)
	}
	return res.DeletedCount, nil
}

// ReviseExpiry keeps the expire_at of interactions in scope in step with a
// retention that changed since they were recorded, so that the TTL index
// does not delete what the retention now keeps. It looks only at the
// interactions that the TTL index would delete within horizon of now: those
// that retention keeps beyond now+horizon get expire_at = occur_time +
// retention again, or lose expire_at when retention is 0 (keep forever).
// Run at least every horizon/2, it saves every interaction that is not due
// within horizon under the new retention. It returns how many it changed.
// Without TTL indexes expire_at deletes nothing, and this is not needed.
func (s *Store) ReviseExpiry(ctx context.Context, scope repository.TenantScope, retention time.Duration, now time.Time, horizon time.Duration) (int64, error) {
	f, err := scopeFilter(scope)
	if err != nil {
		return 0, err
	}
	coll := s.db.Collection(interactionsCollection)
	f = append(f, bson.E{Key: "expire_at", Value: bson.D{{Key: "$lt", Value: now.Add(horizon)}}})
	if retention <= 0 {
		res, err := coll.UpdateMany(ctx, f, bson.D{{Key: "$unset", Value: bson.D{{Key: "expire_at", Value: ""}}}})
		if err != nil {
			return 0, dbErr("clear expiry", err)
		}
		return res.ModifiedCount, nil
	}
	f = append(f, bson.E{Key: "occur_time", Value: bson.D{{Key: "$gte", Value: now.Add(horizon - retention)}}})
	cur, err := coll.Find(ctx, f, options.Find().SetProjection(bson.D{{Key: "occur_time", Value: 1}}))
	if err != nil {
		return 0, dbErr("find expiries to revise", err)
	}
	var docs []struct {
		ID        string    `bson:"_id"`
		OccurTime time.Time `bson:"occur_time"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, dbErr("find expiries to revise", err)
	}
	var revised int64
	for batch := range slices.Chunk(docs, 500) {
		models := make([]mongo.WriteModel, len(batch))
		for i, d := range batch {
			models[i] = mongo.NewUpdateOneModel().
				SetFilter(bson.D{{Key: "_id", Value: d.ID}}).
				SetUpdate(bson.D{{Key: "$set", Value: bson.D{{Key: "expire_at", Value: d.OccurTime.Add(retention)}}}})
		}
		res, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		if err != nil {
			return revised, dbErr("revise expiry", err)
		}
		revised += res.ModifiedCount
	}
	return revised, nil
}

// SummariesContactedBefore lists up to limit summaries in scope that may
// count an interaction older than cutoff: their first contact is before it,
// or they were written before summaries kept their first contact as a field
// of its own. They come in _id order, after `after` (from the start when it
// is the zero value), so that a caller that rebuilds them page by page ends
// even when some cannot be rebuilt.
func (s *Store) SummariesContactedBefore(ctx context.Context, scope repository.TenantScope, cutoff time.Time, after repository.SummaryRef, limit int) ([]repository.SummaryRef, error) {
	f, err := scopeFilter(scope)
	if err != nil {
		return nil, err
	}
	f = append(f, bson.E{Key: "$or", Value: bson.A{
		bson.D{{Key: "first_contact", Value: bson.D{{Key: "$lt", Value: cutoff}}}},
		bson.D{{Key: "first_contact", Value: bson.D{{Key: "$exists", Value: false}}}},
	}})
	if after.Tenant != "" {
		f = append(f, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: docID(after.Tenant, after.CustomerID)}}})
	}
	cur, err := s.db.Collection(summariesCollection).Find(ctx, f, options.Find().
		SetSort(bson.D{{Key: "_id", Value: 1}}).
		SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: "tenant", Value: 1}, {Key: "customer_id", Value: 1}}))
	if err != nil {
		return nil, dbErr("find summaries to rebuild", err)
	}
	var docs []struct {
		Tenant     string `bson:"tenant"`
		CustomerID string `bson:"customer_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("find summaries to rebuild", err)
	}
	out := make([]repository.SummaryRef, len(docs))
	for i, d := range docs {
		out[i] = repository.SummaryRef{Tenant: d.Tenant, CustomerID: d.CustomerID}
	}
	return out, nil
}
