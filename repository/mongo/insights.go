package mongo

import (
	"context"
	"errors"

	"github.com/rapporthq/rapport/repository"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// insightsCollection holds the insight rollups: one document per tenant,
// granularity, dimension, period and group value, with its counters in c
// (c.<counter>: n). Its _id is "tenant/granularity/dim/day/value", so that
// a tenant's days of one dimension are one range of the _id index (day has
// a fixed length, and comes before the value, which may hold anything).
const insightsCollection = "insight_rollups"

type insightDoc struct {
	ID     string           `bson:"_id"`
	Tenant string           `bson:"tenant"`
	G      string           `bson:"g"`
	Dim    string           `bson:"dim"`
	Day    string           `bson:"day"`
	Value  string           `bson:"value"`
	C      map[string]int64 `bson:"c"`
}

func insightPrefix(tenant, g, dim string) string { return tenant + "/" + g + "/" + dim + "/" }

// AddInsights adds the rows to their counters: one $inc upsert per
// document (the counters of one group and period together), all in one
// unordered bulk write (one round trip). MongoDB has no transaction on
// this path (see Atomically): the increments land after the write they
// count, and a crash between the two leaves that write uncounted until
// `rapport insights rebuild`.
func (s *Store) AddInsights(ctx context.Context, tenant string, rows []repository.InsightRow) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	type docKey struct{ g, dim, day, value string }
	incs := map[docKey]bson.D{}
	var order []docKey
	for _, r := range rows {
		k := docKey{r.Granularity, r.Dim, r.Day, r.Value}
		if _, ok := incs[k]; !ok {
			order = append(order, k)
		}
		incs[k] = append(incs[k], bson.E{Key: "c." + r.Counter, Value: r.N})
	}
	if len(order) == 0 {
		return nil
	}
	ids := make([]string, len(order))
	models := make([]mongo.WriteModel, len(order))
	for i, k := range order {
		ids[i] = insightPrefix(tenant, k.g, k.dim) + k.day + "/" + k.value
		models[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: ids[i]}}).SetUpsert(true).SetUpdate(bson.D{
			{Key: "$inc", Value: incs[k]},
			{Key: "$setOnInsert", Value: bson.D{{Key: "tenant", Value: tenant}, {Key: "g", Value: k.g}, {Key: "dim", Value: k.dim}, {Key: "day", Value: k.day}, {Key: "value", Value: k.value}}},
		})
	}
	coll := s.db.Collection(insightsCollection)
	// Under the documents' locks (see keyLocks: FerretDB's $inc reads and
	// writes in two steps; on MongoDB it is atomic by itself).
	err := s.locks.doAll(ids, func() error {
		for attempt := 0; ; attempt++ {
			_, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
			var bwe mongo.BulkWriteException
			if err == nil || attempt > 0 || !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
				return err
			}
			// Two writers (two processes) upserted the same new counter
			// document at once and this one lost the insert: the document
			// exists now, and the same update increments it (MongoDB
			// retries such an upsert on _id itself from 4.2). Only the
			// models that failed are sent again.
			var again []mongo.WriteModel
			for _, we := range bwe.WriteErrors {
				if !mongo.IsDuplicateKeyError(we) {
					return err
				}
				again = append(again, models[we.Index])
			}
			models = again
		}
	})
	if err != nil {
		return dbErr("add insights", err)
	}
	return nil
}

// ReadInsights reads q's rollups: one _id range per dimension.
func (s *Store) ReadInsights(ctx context.Context, tenant string, q repository.InsightQuery) ([]repository.InsightRow, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	var out []repository.InsightRow
	for _, dim := range q.Dims {
		p := insightPrefix(tenant, q.Granularity, dim)
		cur, err := s.db.Collection(insightsCollection).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: p + q.From}, {Key: "$lt", Value: p + q.To}}}})
		if err != nil {
			return nil, dbErr("read insights", err)
		}
		var docs []insightDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, dbErr("read insights", err)
		}
		for _, d := range docs {
			for c, n := range d.C {
				if n == 0 || (len(q.Counters) > 0 && !contains(q.Counters, c)) {
					continue
				}
				out = append(out, repository.InsightRow{InsightKey: repository.InsightKey{Granularity: q.Granularity, Day: d.Day, Dim: dim, Value: d.Value, Counter: c}, N: n})
			}
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ClearInsights deletes the tenant's rollups and contact marks (before a
// rebuild).
func (s *Store) ClearInsights(ctx context.Context, tenant string) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	for _, coll := range []string{insightsCollection, contactedCollection} {
		if _, err := s.db.Collection(coll).DeleteMany(ctx, bson.D{{Key: "tenant", Value: tenant}}); err != nil {
			return dbErr("clear insights", err)
		}
	}
	return nil
}

// contactedCollection holds the contact marks (see
// repository.Adapter.MarkContacted): one document per person, period and
// group, whose _id "tenant/customer/granularity/day/dim/value" is the
// mark's unique key (the value last: it may hold anything).
const contactedCollection = "insight_contacted"

type contactedDoc struct {
	ID         string `bson:"_id"`
	Tenant     string `bson:"tenant"`
	CustomerID string `bson:"customer_id"`
	G          string `bson:"g"`
	Day        string `bson:"day"`
	Dim        string `bson:"dim"`
	Value      string `bson:"value"`
}

// MarkContacted inserts the marks of keys for the person customerID with
// one unordered insert, and returns the keys it inserted: those whose
// insert failed on the unique _id were marked before (by this write's
// retry or another writer).
func (s *Store) MarkContacted(ctx context.Context, tenant, customerID string, keys []repository.InsightKey) ([]repository.InsightKey, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, nil
	}
	docs := make([]any, len(keys))
	for i, k := range keys {
		docs[i] = contactedDoc{ID: tenant + "/" + customerID + "/" + k.Granularity + "/" + k.Day + "/" + k.Dim + "/" + k.Value,
			Tenant: tenant, CustomerID: customerID, G: k.Granularity, Day: k.Day, Dim: k.Dim, Value: k.Value}
	}
	_, err := s.db.Collection(contactedCollection).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	marked := make([]bool, len(keys))
	for i := range marked {
		marked[i] = true
	}
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
			return nil, dbErr("mark contacted", err)
		}
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				return nil, dbErr("mark contacted", we)
			}
			marked[we.Index] = false
		}
	}
	var out []repository.InsightKey
	for i, k := range keys {
		if marked[i] {
			out = append(out, repository.InsightKey{Granularity: k.Granularity, Day: k.Day, Dim: k.Dim, Value: k.Value})
		}
	}
	return out, nil
}

// ListContacted returns the marks of the person customerID (the owner
// index).
func (s *Store) ListContacted(ctx context.Context, tenant, customerID string) ([]repository.InsightKey, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	cur, err := s.db.Collection(contactedCollection).Find(ctx, bson.D{{Key: "tenant", Value: tenant}, {Key: "customer_id", Value: customerID}})
	if err != nil {
		return nil, dbErr("list contacted", err)
	}
	var docs []contactedDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("list contacted", err)
	}
	out := make([]repository.InsightKey, len(docs))
	for i, d := range docs {
		out[i] = repository.InsightKey{Granularity: d.G, Day: d.Day, Dim: d.Dim, Value: d.Value}
	}
	return out, nil
}

// ReplaceContacted sets the marks of the person customerID to keys: a
// delete, then an insert (no transaction on this path: a crash between
// the two leaves the person unmarked, and its next contact counted again
// in its periods, until `rapport insights rebuild`).
func (s *Store) ReplaceContacted(ctx context.Context, tenant, customerID string, keys []repository.InsightKey) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	if _, err := s.db.Collection(contactedCollection).DeleteMany(ctx, bson.D{{Key: "tenant", Value: tenant}, {Key: "customer_id", Value: customerID}}); err != nil {
		return dbErr("replace contacted", err)
	}
	_, err := s.MarkContacted(ctx, tenant, customerID, keys)
	return err
}
