package mongo

import (
	"context"
	"errors"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// metaCollection holds what a maintenance command must remember between
// runs (rapport encrypt's progress): _id the key, value a string.
const metaCollection = "meta"

// CustomersAfter returns up to limit customers of every tenant after
// after (the zero key: from the first), in _id order ("{tenant}/{customer}":
// by tenant, then customer, as tenant IDs hold no "/"): the walk of a
// migration that must see every customer (rapport encrypt). It reads the
// _id index, one page at a time. Customers being erased are left out: their
// erasure removes what they hold.
func (s *Store) CustomersAfter(ctx context.Context, after repository.CustomerKey, limit int) ([]repository.CustomerKey, error) {
	filter := bson.D{{Key: "deleting", Value: bson.D{{Key: "$ne", Value: true}}}}
	if after != (repository.CustomerKey{}) {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: docID(after.Tenant, after.CustomerID)}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: "tenant", Value: 1}, {Key: "customer_id", Value: 1}})
	cur, err := s.customers.Find(ctx, filter, opts)
	if err != nil {
		return nil, dbErr("list customers", err)
	}
	var docs []struct {
		Tenant     string `bson:"tenant"`
		CustomerID string `bson:"customer_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("list customers", err)
	}
	out := make([]repository.CustomerKey, len(docs))
	for i, d := range docs {
		out[i] = repository.CustomerKey{Tenant: d.Tenant, CustomerID: d.CustomerID}
	}
	return out, nil
}

// RewriteInteractions applies fn to every stored interaction of a customer
// and stores what it makes of the content it may change (text, summary,
// facts, the survey's comment), one interaction at a time: for a migration
// that changes how content is stored, never what it says (nothing else of
// the document changes). This adapter has no multi-document transactions:
// a run cut half way leaves some interactions rewritten and some not, which
// readers tolerate (a value is read in either form) and a run again
// finishes, as fn must be safe to apply twice. It returns how many were
// rewritten.
func (s *Store) RewriteInteractions(ctx context.Context, tenant, customerID string, fn func(*rapportv1.Interaction) error) (int, error) {
	coll := s.db.Collection(interactionsCollection)
	cur, err := coll.Find(ctx, bson.D{{Key: "tenant", Value: tenant}, {Key: "customer_id", Value: customerID}})
	if err != nil {
		return 0, dbErr("read interactions", err)
	}
	defer cur.Close(ctx)
	n := 0
	for cur.Next(ctx) {
		var d interactionDoc
		if err := cur.Decode(&d); err != nil {
			return n, dbErr("read interactions", err)
		}
		in := d.proto()
		if err := fn(in); err != nil {
			return n, err
		}
		set := bson.D{{Key: "text", Value: in.GetText()}, {Key: "summary", Value: in.GetSummary()}}
		if len(d.Facts) > 0 {
			set = append(set, bson.E{Key: "facts", Value: factsToDocs(in.GetFacts())})
		}
		if d.Survey != nil {
			set = append(set, bson.E{Key: "survey.comment", Value: in.GetSurvey().GetComment()})
		}
		if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return n, dbErr("rewrite interaction", err)
		}
		n++
	}
	if err := cur.Err(); err != nil {
		return n, dbErr("read interactions", err)
	}
	return n, nil
}

// SetMeta records value under key, for a maintenance command's next run.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.db.Collection(metaCollection).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "value", Value: value}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return dbErr("write meta", err)
	}
	return nil
}

// Meta reads what SetMeta recorded under key, "" when nothing.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var d struct {
		Value string `bson:"value"`
	}
	err := s.db.Collection(metaCollection).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return "", nil
	case err != nil:
		return "", dbErr("read meta", err)
	}
	return d.Value, nil
}
