package mongo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
//
// A merge is first inserted as a claim (pending, with the attempt that
// made it and when, by the wall clock of the process): readers ignore
// claims, the checks against chains count them (see MergeCustomers). A
// claim older than claimAbandoned is one whose process stopped half-way:
// the checks ignore it and the next merge of the customer replaces it.
type mergeDoc struct {
	ID         string    `bson:"_id"`
	Tenant     string    `bson:"tenant"`
	CustomerID string    `bson:"customer_id"`
	SurvivorID string    `bson:"survivor_id"`
	Rule       int32     `bson:"rule"`
	MergeTime  time.Time `bson:"merge_time"`
	Pending    bool      `bson:"pending,omitempty"`
	Attempt    string    `bson:"attempt,omitempty"`
	ClaimTime  time.Time `bson:"claim_time,omitempty"`
}

func (d *mergeDoc) merge() repository.Merge {
	return repository.Merge{Survivor: d.SurvivorID, Merged: d.CustomerID, Rule: d.Rule, MergeTime: d.MergeTime}
}

// claimAbandoned is the age after which a pending merge is taken for one
// whose process stopped: a merge that has not finished within half of it
// gives up (and answers repository.ErrContention), so that it never
// finishes a claim another merge has already discounted.
const claimAbandoned = time.Minute

// maxClaimTries bounds the attempts of a merge to insert its claim while
// the same merge is in flight (some 4 ms apart) or claims are withdrawn.
const maxClaimTries = 500

// live reports whether a merge counts against chains at now: a finished
// merge, or a claim not yet abandoned.
func (d *mergeDoc) live(now time.Time) bool {
	return !d.Pending || now.Sub(d.ClaimTime) < claimAbandoned
}

// done is the filter of finished merges, what readers see.
var done = bson.E{Key: "pending", Value: bson.D{{Key: "$ne", Value: true}}}

// MergeCustomers records that m.Merged (B) is merged into m.Survivor (A).
// Merges never chain, even when they race from several processes: MongoDB
// has no transaction here, so each merge claims before it checks, as in
// Dekker's protocol:
//
//  1. it checks that A and B exist, that A is not merged and that nothing
//     is merged into B (a fast refusal; the check that counts is 3);
//  2. it inserts its claim, _id "{tenant}/{B}": unique, so that B is
//     merged at most once; a finished merge of B into A there is a retry,
//     answered already true;
//  3. it reads again, now that its claim is visible to every other merge:
//     A must have no live merge (finished or claimed) of its own, B none
//     into it, and A at most MaxMerges. Otherwise it withdraws its claim
//     and answers repository.ErrMergeConflict;
//  4. it marks B's customer document (merged_into, for ListCustomers) and
//     finishes the claim (pending unset, guarded by its attempt).
//
// Of two merges that would chain (X into Y, Y into Z), whichever inserts
// second reads the other's claim in 3 (each single-document write is
// atomic, and a read after a write acknowledged sees it), so at most one
// finishes; when both read each other both withdraw. A process that stops
// between 2 and 4 leaves a claim that no reader sees, that blocks chains
// through it, and that the next merge of B replaces once abandoned
// (claimAbandoned). Only inserts, deletes and reads by _id decide, so the
// protocol holds on FerretDB v1 too, whose conditional updates are not
// atomic across processes.
func (s *Store) MergeCustomers(ctx context.Context, tenant string, m repository.Merge) (repository.Merge, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return m, false, err
	}
	for _, id := range []string{m.Survivor, m.Merged} {
		if _, err := s.getDoc(ctx, tenant, id); err != nil {
			return m, false, err
		}
	}
	// A retry of a finished merge.
	if first, err := s.mergeOf(ctx, tenant, m.Merged); err != nil {
		return m, false, err
	} else if first != nil && first.Survivor == m.Survivor {
		// Mark B again, in case the first attempt stopped before it could.
		return *first, true, s.markMerged(ctx, tenant, m.Merged, m.Survivor)
	}
	// 1.
	if err := s.checkMerge(ctx, tenant, m, ""); err != nil {
		return m, false, err
	}
	// 2.
	start := time.Now()
	doc := mergeDoc{ID: docID(tenant, m.Merged), Tenant: tenant, CustomerID: m.Merged, SurvivorID: m.Survivor, Rule: m.Rule,
		MergeTime: repository.Truncate(m.MergeTime), Pending: true, Attempt: newAttempt(), ClaimTime: repository.Truncate(start)}
	for try := 0; ; try++ {
		_, err := s.merges().InsertOne(ctx, doc)
		if err == nil {
			break
		}
		if !mongo.IsDuplicateKeyError(err) {
			return m, false, dbErr("record merge", err)
		}
		var first mergeDoc
		if err := s.merges().FindOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}).Decode(&first); errors.Is(err, mongo.ErrNoDocuments) && try < maxClaimTries {
			continue // withdrawn meanwhile
		} else if err != nil {
			return m, false, dbErr("read merge", err)
		}
		switch {
		case !first.Pending && first.SurvivorID == m.Survivor:
			// A retry. Mark B again, in case the first attempt stopped
			// before it could.
			return first.merge(), true, s.markMerged(ctx, tenant, m.Merged, m.Survivor)
		case first.live(time.Now()) && first.SurvivorID == m.Survivor && try < maxClaimTries:
			// The same merge, in flight (a retry racing its first
			// attempt): wait for its outcome.
			backoff(ctx, 8)
			continue
		case first.live(time.Now()) || try >= maxClaimTries:
			return m, false, fmt.Errorf("%q is merged, or being merged, into %q: %w", m.Merged, first.SurvivorID, repository.ErrMergeConflict)
		}
		// An abandoned claim: replace it.
		if _, err := s.merges().DeleteOne(ctx, bson.D{{Key: "_id", Value: doc.ID}, {Key: "attempt", Value: first.Attempt}, {Key: "pending", Value: true}}); err != nil {
			return m, false, dbErr("remove an abandoned merge", err)
		}
	}
	withdraw := func(cause error) (repository.Merge, bool, error) {
		// Not ctx: a caller gone must not leave the claim behind.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := s.merges().DeleteOne(ctx, bson.D{{Key: "_id", Value: doc.ID}, {Key: "attempt", Value: doc.Attempt}}); err != nil {
			return m, false, errors.Join(cause, dbErr("withdraw merge", err))
		}
		return m, false, cause
	}
	// 3.
	if err := s.checkMerge(ctx, tenant, m, doc.Attempt); err != nil {
		return withdraw(err)
	}
	// 4.
	if err := s.markMerged(ctx, tenant, m.Merged, m.Survivor); err != nil {
		return withdraw(err)
	}
	if time.Since(start) > claimAbandoned/2 {
		s.unmarkMerged(context.WithoutCancel(ctx), tenant, m.Merged, m.Survivor)
		return withdraw(fmt.Errorf("merge of %q took too long: %w", m.Merged, repository.ErrContention))
	}
	res, err := s.merges().UpdateOne(ctx, bson.D{{Key: "_id", Value: doc.ID}, {Key: "attempt", Value: doc.Attempt}, {Key: "pending", Value: true}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "pending", Value: ""}, {Key: "attempt", Value: ""}, {Key: "claim_time", Value: ""}}}})
	if err != nil {
		s.unmarkMerged(context.WithoutCancel(ctx), tenant, m.Merged, m.Survivor)
		return withdraw(dbErr("record merge", err))
	}
	if res.MatchedCount == 0 {
		return m, false, fmt.Errorf("merge of %q was taken over: %w", m.Merged, repository.ErrContention)
	}
	doc.Pending, doc.Attempt = false, ""
	return doc.merge(), false, nil
}

// checkMerge is the check against chains of MergeCustomers (steps 1 and
// 3): m.Survivor has no live merge of its own, nothing live is merged into
// m.Merged, and at most MaxMerges are merged into m.Survivor, this one
// (its claim, of attempt mine) included.
func (s *Store) checkMerge(ctx context.Context, tenant string, m repository.Merge, mine string) error {
	now := time.Now()
	var first mergeDoc
	err := s.merges().FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, m.Survivor)}}).Decode(&first)
	switch {
	case err == nil && first.live(now):
		return fmt.Errorf("%q is itself merged: %w", m.Survivor, repository.ErrMergeConflict)
	case err != nil && !errors.Is(err, mongo.ErrNoDocuments):
		return dbErr("read merge", err)
	}
	for _, id := range []string{m.Merged, m.Survivor} {
		into, err := s.mergesInto(ctx, tenant, id, false)
		if err != nil {
			return err
		}
		n := 0
		for _, d := range into {
			if d.live(now) {
				n++
			}
		}
		if id == m.Merged && n > 0 {
			return fmt.Errorf("customers are merged into %q: %w", m.Merged, repository.ErrMergeConflict)
		}
		if mine == "" {
			n++ // the one to come
		}
		if id == m.Survivor && n > repository.MaxMerges {
			return fmt.Errorf("%d customers are merged into %q: %w", n-1, m.Survivor, repository.ErrMergeConflict)
		}
	}
	return nil
}

// markMerged marks a merged customer's document (merged, merged_into),
// which ListCustomers reads; unmarkMerged removes the mark if it names
// survivor. A customer being erased is not found.
func (s *Store) markMerged(ctx context.Context, tenant, merged, survivor string) error {
	id := docID(tenant, merged)
	var res *mongo.UpdateResult
	err := s.locks.do(id, func() (err error) {
		res, err = s.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "deleting", Value: bson.D{{Key: "$ne", Value: true}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "merged", Value: true}, {Key: "merged_into", Value: survivor}}}})
		return err
	})
	if err != nil {
		return dbErr("mark merged customer", err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("customer %q: %w", merged, repository.ErrNotFound)
	}
	return nil
}

func (s *Store) unmarkMerged(ctx context.Context, tenant, merged, survivor string) (bool, error) {
	id := docID(tenant, merged)
	var res *mongo.UpdateResult
	err := s.locks.do(id, func() (err error) {
		res, err = s.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "merged_into", Value: survivor}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "merged", Value: ""}, {Key: "merged_into", Value: ""}}}})
		return err
	})
	if err != nil {
		return false, dbErr("unmark merged customer", err)
	}
	return res.ModifiedCount > 0, nil
}

func (s *Store) merges() *mongo.Collection { return s.db.Collection(mergesCollection) }

// newAttempt names one attempt of a merge.
func newAttempt() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// mergeOf returns the finished merge of a merged customer, or nil.
func (s *Store) mergeOf(ctx context.Context, tenant, merged string) (*repository.Merge, error) {
	var d mergeDoc
	err := s.merges().FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, merged)}, done}).Decode(&d)
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

// mergesInto returns the merges into a survivor, oldest first: the
// finished ones, or (claims) the pending ones too. A survivor has at most
// MaxMerges finished merges; with claims, the first 2×MaxMerges are read,
// enough to tell that there are too many.
func (s *Store) mergesInto(ctx context.Context, tenant, survivor string, finished bool) ([]mergeDoc, error) {
	filter := bson.D{{Key: "tenant", Value: tenant}, {Key: "survivor_id", Value: survivor}}
	limit := int64(2 * repository.MaxMerges)
	if finished {
		filter, limit = append(filter, done), repository.MaxMerges
	}
	cur, err := s.merges().Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "merge_time", Value: 1}, {Key: "customer_id", Value: 1}}).SetLimit(limit))
	if err != nil {
		return nil, dbErr("list merges", err)
	}
	var docs []mergeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("list merges", err)
	}
	return docs, nil
}

// ListMerges returns the merges into a survivor, oldest first.
func (s *Store) ListMerges(ctx context.Context, tenant, survivor string) ([]repository.Merge, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	docs, err := s.mergesInto(ctx, tenant, survivor, true)
	if err != nil {
		return nil, err
	}
	out := make([]repository.Merge, len(docs))
	for i := range docs {
		out[i] = docs[i].merge()
	}
	return out, nil
}

// ListMergesInto returns the finished merges into any of survivors (a
// page of ListCustomers), each survivor's oldest first: one query, on the
// index {tenant, survivor_id, merge_time}.
func (s *Store) ListMergesInto(ctx context.Context, tenant string, survivors []string) ([]repository.Merge, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	if len(survivors) == 0 {
		return nil, nil
	}
	cur, err := s.merges().Find(ctx, bson.D{{Key: "tenant", Value: tenant}, {Key: "survivor_id", Value: bson.D{{Key: "$in", Value: survivors}}}, done})
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
	repository.SortMerges(out)
	return out, nil
}

// UnmergeCustomers removes the merge of merged into survivor:
// ErrNotFound if there is none. The merge goes first, then the mark on
// the merged customer's document; a retry after a stop in between finds
// no merge, removes the mark and succeeds.
func (s *Store) UnmergeCustomers(ctx context.Context, tenant, survivor, merged string) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	res, err := s.merges().DeleteOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, merged)}, {Key: "survivor_id", Value: survivor}, done})
	if err != nil {
		return dbErr("remove merge", err)
	}
	unmarked, err := s.unmarkMerged(ctx, tenant, merged, survivor)
	if err != nil {
		return err
	}
	if res.DeletedCount == 0 && !unmarked {
		return fmt.Errorf("merge of %q into %q: %w", merged, survivor, repository.ErrNotFound)
	}
	return nil
}
