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

const apiKeysCollection = "api_keys"

// apiKeyDoc is an API key as stored. Keys are looked up by ID before the
// tenant is known, so their _id is the key ID alone; the tenant is a field.
type apiKeyDoc struct {
	ID         string    `bson:"_id"`
	Tenant     string    `bson:"tenant"`
	Name       string    `bson:"name,omitempty"`
	Scopes     []string  `bson:"scopes"`
	SecretHash []byte    `bson:"secret_hash"`
	CreateTime time.Time `bson:"create_time"`
	ExpireTime time.Time `bson:"expire_time,omitempty"`
	RevokeTime time.Time `bson:"revoke_time,omitempty"`
}

func (d *apiKeyDoc) key() *repository.APIKey {
	return &repository.APIKey{ID: d.ID, Tenant: d.Tenant, Name: d.Name, Scopes: d.Scopes, SecretHash: d.SecretHash,
		CreateTime: d.CreateTime.UTC(), ExpireTime: utcOrZero(d.ExpireTime), RevokeTime: utcOrZero(d.RevokeTime)}
}

// utcOrZero is t in UTC, or the zero time.
func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// CreateAPIKey stores a new key; repository.ErrAlreadyExists if its ID is taken.
func (s *Store) CreateAPIKey(ctx context.Context, k repository.APIKey) error {
	if err := repository.CheckTenant(k.Tenant); err != nil {
		return err
	}
	d := apiKeyDoc{ID: k.ID, Tenant: k.Tenant, Name: k.Name, Scopes: k.Scopes, SecretHash: k.SecretHash,
		CreateTime: repository.Truncate(k.CreateTime)}
	if !k.ExpireTime.IsZero() {
		d.ExpireTime = repository.Truncate(k.ExpireTime)
	}
	_, err := s.db.Collection(apiKeysCollection).InsertOne(ctx, d)
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("api key %q: %w", k.ID, repository.ErrAlreadyExists)
	}
	if err != nil {
		return dbErr("store api key", err)
	}
	return nil
}

// GetAPIKey reads a key by ID, revoked or not; repository.ErrNotFound if there is none.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*repository.APIKey, error) {
	var k apiKeyDoc
	err := s.db.Collection(apiKeysCollection).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&k)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("api key %q: %w", id, repository.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr("read api key", err)
	}
	return k.key(), nil
}

// ListAPIKeys returns the keys of tenant (every tenant when empty), oldest
// first.
func (s *Store) ListAPIKeys(ctx context.Context, tenant string) ([]repository.APIKey, error) {
	filter := bson.D{}
	if tenant != "" {
		filter = bson.D{{Key: "tenant", Value: tenant}}
	}
	cur, err := s.db.Collection(apiKeysCollection).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "create_time", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, dbErr("list api keys", err)
	}
	var docs []apiKeyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("list api keys", err)
	}
	keys := make([]repository.APIKey, len(docs))
	for i := range docs {
		keys[i] = *docs[i].key()
	}
	return keys, nil
}

// RevokeAPIKey marks a key revoked at the given time and returns it; a key
// revoked before keeps its first revocation time. repository.ErrNotFound if there is
// no such key.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) (*repository.APIKey, error) {
	coll := s.db.Collection(apiKeysCollection)
	_, err := coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "revoke_time", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoke_time", Value: repository.Truncate(at)}}}})
	if err != nil {
		return nil, dbErr("revoke api key", err)
	}
	return s.GetAPIKey(ctx, id)
}
