package mongo

import (
	"context"
	"errors"
	"time"

	"github.com/rapporthq/rapport/repository"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// KeysCollection holds the wrapped data keys of an encrypted store (see
// repository/sealed), in a database of its own (--mongodb-key-database),
// so that a dump or snapshot of the data holds no key.
const KeysCollection = "data_keys"

// KeyStore is the MongoDB key store (sealed.KeyStore).
type KeyStore struct{ coll *mongo.Collection }

// NewKeyStore returns the key store in db.
func NewKeyStore(db *mongo.Database) *KeyStore {
	return &KeyStore{coll: db.Collection(KeysCollection)}
}

type keyDoc struct {
	ID         string    `bson:"_id"`
	Tenant     string    `bson:"tenant"`
	CustomerID string    `bson:"customer_id"`
	KEKID      string    `bson:"kek_id"`
	Wrapped    []byte    `bson:"wrapped"`
	CreateTime time.Time `bson:"create_time"`
}

func (d keyDoc) key() repository.WrappedKey {
	return repository.WrappedKey{Tenant: d.Tenant, CustomerID: d.CustomerID, KEKID: d.KEKID, Wrapped: d.Wrapped, CreateTime: d.CreateTime.UTC()}
}

// GetKey returns a customer's wrapped key, or repository.ErrNotFound.
func (k *KeyStore) GetKey(ctx context.Context, tenant, customerID string) (repository.WrappedKey, error) {
	var d keyDoc
	err := k.coll.FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, customerID)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return repository.WrappedKey{}, repository.ErrNotFound
	}
	if err != nil {
		return repository.WrappedKey{}, dbErr("read a data key", err)
	}
	return d.key(), nil
}

// PutKey stores w unless the customer has a key; it returns the stored key.
func (k *KeyStore) PutKey(ctx context.Context, w repository.WrappedKey) (repository.WrappedKey, error) {
	_, err := k.coll.InsertOne(ctx, keyDoc{ID: docID(w.Tenant, w.CustomerID), Tenant: w.Tenant, CustomerID: w.CustomerID,
		KEKID: w.KEKID, Wrapped: w.Wrapped, CreateTime: repository.Truncate(w.CreateTime)})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return w, dbErr("store a data key", err)
	}
	return k.GetKey(ctx, w.Tenant, w.CustomerID)
}

// DeleteKey destroys a customer's key, leaving a tombstone (no key, no
// KEK ID).
func (k *KeyStore) DeleteKey(ctx context.Context, tenant, customerID string) (bool, error) {
	res, err := k.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: docID(tenant, customerID)}, {Key: "kek_id", Value: bson.D{{Key: "$ne", Value: ""}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "kek_id", Value: ""}, {Key: "wrapped", Value: []byte{}}}}})
	if err != nil {
		return false, dbErr("destroy a data key", err)
	}
	return res.ModifiedCount > 0, nil
}

// ListKeys returns up to limit keys after the given one, in _id order.
func (k *KeyStore) ListKeys(ctx context.Context, afterTenant, afterCustomer string, limit int) ([]repository.WrappedKey, error) {
	filter := bson.D{{Key: "tenant", Value: bson.D{{Key: "$ne", Value: ""}}}}
	if afterTenant != "" || afterCustomer != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: docID(afterTenant, afterCustomer)}}})
	}
	cur, err := k.coll.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, dbErr("list data keys", err)
	}
	var docs []keyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("list data keys", err)
	}
	out := make([]repository.WrappedKey, len(docs))
	for i, d := range docs {
		out[i] = d.key()
	}
	return out, nil
}

// ReplaceKey stores w in place of the key wrapped by oldKEKID.
func (k *KeyStore) ReplaceKey(ctx context.Context, w repository.WrappedKey, oldKEKID string) (bool, error) {
	res, err := k.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: docID(w.Tenant, w.CustomerID)}, {Key: "kek_id", Value: oldKEKID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "kek_id", Value: w.KEKID}, {Key: "wrapped", Value: w.Wrapped}}}})
	if err != nil {
		return false, dbErr("rewrap a data key", err)
	}
	return res.ModifiedCount > 0, nil
}
