package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rapporthq/rapport/repository"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// identityDoc is a claim: identity key -> customer, one per identity and
// tenant, keyed by _id so that the database enforces uniqueness. The
// customer document is the source of truth; a claim whose customer does not
// list the identity is stale.
type identityDoc struct {
	ID         string    `bson:"_id"`
	Tenant     string    `bson:"tenant"`
	CustomerID string    `bson:"customer_id"`
	ClaimTime  time.Time `bson:"claim_time"`
}

// maxClaimAttempts bounds the loop over a claim that keeps changing hands.
const maxClaimAttempts = 4

// claimIdentities claims every key for customerID and returns the keys it
// newly claimed (not those the customer already held). On a conflict it
// releases what it claimed and returns an *repository.IdentityConflictError.
func (s *Store) claimIdentities(ctx context.Context, tenant, customerID string, keys []string) ([]string, error) {
	var claimed []string
	for _, key := range keys {
		isNew, err := s.claim(ctx, tenant, customerID, key)
		if err != nil {
			s.releaseClaims(ctx, tenant, customerID, claimed)
			return nil, err
		}
		if isNew {
			claimed = append(claimed, key)
		}
	}
	return claimed, nil
}

func (s *Store) claim(ctx context.Context, tenant, customerID, key string) (bool, error) {
	id := docID(tenant, key)
	for range maxClaimAttempts {
		now := repository.Truncate(s.now())
		_, err := s.identities.InsertOne(ctx, identityDoc{ID: id, Tenant: tenant, CustomerID: customerID, ClaimTime: now})
		if err == nil {
			return true, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return false, dbErr("claim identity", err)
		}
		var cur identityDoc
		err = s.identities.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // released meanwhile: try again
		}
		if err != nil {
			return false, dbErr("read identity claim", err)
		}
		if cur.CustomerID == customerID {
			return false, nil
		}
		live, err := s.claimIsLive(ctx, tenant, key, cur)
		if err != nil {
			return false, err
		}
		if live {
			return false, &repository.IdentityConflictError{Identity: key, Owner: cur.CustomerID}
		}
		// Stale: take it over, only if nobody else did first.
		var res *mongo.UpdateResult
		err = s.locks.do(id, func() (err error) {
			res, err = s.identities.UpdateOne(ctx,
				bson.D{{Key: "_id", Value: id}, {Key: "customer_id", Value: cur.CustomerID}, {Key: "claim_time", Value: cur.ClaimTime}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "customer_id", Value: customerID}, {Key: "claim_time", Value: now}}}})
			return err
		})
		if err != nil {
			return false, dbErr("take over identity claim", err)
		}
		if res.MatchedCount == 1 {
			return true, nil
		}
	}
	return false, repository.ErrContention
}

// claimIsLive reports whether a claim is in force: its customer lists the
// identity, or the claim is recent enough that its customer may still be
// between claiming and saving.
func (s *Store) claimIsLive(ctx context.Context, tenant, key string, c identityDoc) (bool, error) {
	owner, err := s.getDoc(ctx, tenant, c.CustomerID)
	switch {
	case errors.Is(err, repository.ErrNotFound):
	case err != nil:
		return false, err
	case slices.Contains(owner.identityKeys(), key):
		return true, nil
	}
	return s.now().Sub(c.ClaimTime) < s.claimGrace, nil
}

// releaseClaims removes the claims of keys held by customerID. It is best
// effort: a claim left behind is stale and is taken over by the next
// claimant, so a failure here is not an error for the caller.
func (s *Store) releaseClaims(ctx context.Context, tenant, customerID string, keys []string) {
	if len(keys) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	for _, key := range keys {
		id := docID(tenant, key)
		_ = s.locks.do(id, func() error {
			_, err := s.identities.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "customer_id", Value: customerID}})
			return err
		})
	}
}

// LookupIdentity returns the customer who owns the normalised identity
// (type, value), with the identity as stored.
func (s *Store) LookupIdentity(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (*rapportv1.Customer, *rapportv1.Identity, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, nil, err
	}
	key := repository.IdentityKey(t, value)
	var claim identityDoc
	err := s.identities.FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, key)}}).Decode(&claim)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil, fmt.Errorf("identity %q: %w", key, repository.ErrNotFound)
	}
	if err != nil {
		return nil, nil, dbErr("read identity claim", err)
	}
	owner, err := s.getDoc(ctx, tenant, claim.CustomerID)
	if errors.Is(err, repository.ErrNotFound) {
		return nil, nil, fmt.Errorf("identity %q: %w", key, repository.ErrNotFound)
	}
	if err != nil {
		return nil, nil, err
	}
	c := owner.proto()
	for _, id := range c.GetIdentities() {
		if repository.IdentityKey(id.GetType(), id.GetValue()) == key {
			return c, id, nil
		}
	}
	// A stale claim: the customer no longer lists the identity.
	return nil, nil, fmt.Errorf("identity %q: %w", key, repository.ErrNotFound)
}

// ResolveIdentity returns the ID of the customer an identity claim points
// to: one point read. The claim may be stale; the caller checks that the
// customer lists the identity (a summary's profile does).
func (s *Store) ResolveIdentity(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (string, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return "", err
	}
	key := repository.IdentityKey(t, value)
	var claim identityDoc
	err := s.identities.FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, key)}}).Decode(&claim)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", fmt.Errorf("identity %q: %w", key, repository.ErrNotFound)
	}
	if err != nil {
		return "", dbErr("read identity claim", err)
	}
	return claim.CustomerID, nil
}
