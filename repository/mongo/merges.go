package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/repository"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const mergesCollection = "merges"

// mergeDoc is a merge as stored: _id "{tenant}/{merged}", so that a
// customer is merged at most once (the insert of a second merge collides).
// customer_id is the merged customer's, so that its erasure sweeps it with
// its other records.
type mergeDoc struct {
	ID         string    `bson:"_id"`
	Tenant     string    `bson:"tenant"`
	CustomerID string    `bson:"customer_id"`
	SurvivorID string    `bson:"survivor_id"`
	Rule       int32     `bson:"rule"`
	MergeTime  time.Time `bson:"merge_time"`
}

func (d *mergeDoc) merge() repository.Merge {
	return repository.Merge{Survivor: d.SurvivorID, Merged: d.CustomerID, Rule: d.Rule, MergeTime: d.MergeTime}
}

// MergeCustomers records that m.Merged is merged into m.Survivor, after
// checking that both exist and that the merge does not chain (see the
// SQLite store). One insert: a retry finds its merge and returns it,
// already true. Two merges racing to chain (A into B while B goes into C)
// are not prevented across processes; the service refuses them within
// what it reads.
func (s *Store) MergeCustomers(ctx context.Context, tenant string, m repository.Merge) (repository.Merge, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return m, false, err
	}
	for _, id := range []string{m.Survivor, m.Merged} {
		if _, err := s.getDoc(ctx, tenant, id); err != nil {
			return m, false, err
		}
	}
	if first, err := s.mergeOf(ctx, tenant, m.Survivor); err != nil {
		return m, false, err
	} else if first != nil {
		return m, false, fmt.Errorf("%q is itself merged: %w", m.Survivor, repository.ErrMergeConflict)
	}
	for _, id := range []string{m.Merged, m.Survivor} {
		into, err := s.ListMerges(ctx, tenant, id)
		if err != nil {
			return m, false, err
		}
		if id == m.Merged && len(into) > 0 {
			return m, false, fmt.Errorf("customers are merged into %q: %w", m.Merged, repository.ErrMergeConflict)
		}
		if id == m.Survivor && len(into) >= repository.MaxMerges {
			return m, false, fmt.Errorf("%d customers are merged into %q: %w", len(into), m.Survivor, repository.ErrMergeConflict)
		}
	}
	doc := mergeDoc{ID: docID(tenant, m.Merged), Tenant: tenant, CustomerID: m.Merged, SurvivorID: m.Survivor, Rule: m.Rule, MergeTime: repository.Truncate(m.MergeTime)}
	_, err := s.db.Collection(mergesCollection).InsertOne(ctx, doc)
	switch {
	case err == nil:
		return doc.merge(), false, nil
	case !mongo.IsDuplicateKeyError(err):
		return m, false, dbErr("record merge", err)
	}
	first, err := s.mergeOf(ctx, tenant, m.Merged)
	if err != nil || first == nil {
		return m, false, err
	}
	if first.Survivor != m.Survivor {
		return m, false, fmt.Errorf("%q is merged into %q: %w", m.Merged, first.Survivor, repository.ErrMergeConflict)
	}
	return *first, true, nil
}

// mergeOf returns the merge of a merged customer, or nil.
func (s *Store) mergeOf(ctx context.Context, tenant, merged string) (*repository.Merge, error) {
	var d mergeDoc
	err := s.db.Collection(mergesCollection).FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, merged)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, dbErr("read merge", err)
	}
	m := d.merge()
	return &m, nil
}

// MergedInto returns the survivor a customer is merged into, or "".
func (s *Store) MergedInto(ctx context.Context, tenant, customerID string) (string, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return "", err
	}
	m, err := s.mergeOf(ctx, tenant, customerID)
	if err != nil || m == nil {
		return "", err
	}
	return m.Survivor, nil
}

// ListMerges returns the merges into a survivor, oldest first.
func (s *Store) ListMerges(ctx context.Context, tenant, survivor string) ([]repository.Merge, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	cur, err := s.db.Collection(mergesCollection).Find(ctx, bson.D{{Key: "tenant", Value: tenant}, {Key: "survivor_id", Value: survivor}},
		options.Find().SetSort(bson.D{{Key: "merge_time", Value: 1}, {Key: "customer_id", Value: 1}}).SetLimit(repository.MaxMerges))
	if err != nil {
		return nil, dbErr("list merges", err)
	}
	var docs []mergeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("list merges", err)
	}
	out := make([]repository.Merge, len(docs))
	for i := range docs {
		out[i] = docs[i].merge()
	}
	return out, nil
}

// UnmergeCustomers removes the merge of merged into survivor:
// ErrNotFound if there is none.
func (s *Store) UnmergeCustomers(ctx context.Context, tenant, survivor, merged string) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	res, err := s.db.Collection(mergesCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, merged)}, {Key: "survivor_id", Value: survivor}})
	if err != nil {
		return dbErr("remove merge", err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("merge of %q into %q: %w", merged, survivor, repository.ErrNotFound)
	}
	return nil
}
