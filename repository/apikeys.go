package repository

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const apiKeysCollection = "api_keys"

// APIKey is a stored API key: who it speaks for and what it may do, with a
// hash of its secret, never the secret itself. Keys are looked up by ID
// before the tenant is known, so their _id is the key ID alone; the tenant
// is a field.
type APIKey struct {
	ID     string   `bson:"_id"`
	Tenant string   `bson:"tenant"`
	Name   string   `bson:"name,omitempty"`
	Scopes []string `bson:"scopes"`
	// SecretHash is the SHA-256 of the key's secret.
	SecretHash []byte    `bson:"secret_hash"`
	CreateTime time.Time `bson:"create_time"`
	// ExpireTime, when set, is when the key stops working.
	ExpireTime time.Time `bson:"expire_time,omitempty"`
	// RevokeTime, when set, is when the key was revoked.
	RevokeTime time.Time `bson:"revoke_time,omitempty"`
}

// CreateAPIKey stores a new key; ErrAlreadyExists if its ID is taken.
func (s *Store) CreateAPIKey(ctx context.Context, k APIKey) error {
	if err := checkTenant(k.Tenant); err != nil {
		return err
	}
	k.CreateTime = truncate(k.CreateTime)
	if !k.ExpireTime.IsZero() {
		k.ExpireTime = truncate(k.ExpireTime)
	}
	_, err := s.db.Collection(apiKeysCollection).InsertOne(ctx, k)
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("api key %q: %w", k.ID, ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("store api key: %w", err)
	}
	return nil
}

// GetAPIKey reads a key by ID, revoked or not; ErrNotFound if there is none.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*APIKey, error) {
	var k APIKey
	err := s.db.Collection(apiKeysCollection).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&k)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("api key %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read api key: %w", err)
	}
	return &k, nil
}

// ListAPIKeys returns the keys of tenant (every tenant when empty), oldest
// first.
func (s *Store) ListAPIKeys(ctx context.Context, tenant string) ([]APIKey, error) {
	filter := bson.D{}
	if tenant != "" {
		filter = bson.D{{Key: "tenant", Value: tenant}}
	}
	cur, err := s.db.Collection(apiKeysCollection).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "create_time", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	var keys []APIKey
	if err := cur.All(ctx, &keys); err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return keys, nil
}

// RevokeAPIKey marks a key revoked at the given time and returns it; a key
// revoked before keeps its first revocation time. ErrNotFound if there is
// no such key.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) (*APIKey, error) {
	coll := s.db.Collection(apiKeysCollection)
	_, err := coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "revoke_time", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoke_time", Value: truncate(at)}}}})
	if err != nil {
		return nil, fmt.Errorf("revoke api key: %w", err)
	}
	return s.GetAPIKey(ctx, id)
}
