package mongo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/rapporthq/rapport/repository"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// maxUpdateAttempts bounds the optimistic-concurrency retries of an update.
const maxUpdateAttempts = 16

// backoff waits before the next attempt of an optimistic update that lost a
// race: a random pause that grows with the attempt (up to ~8 ms), so that
// writers of one document spread out instead of colliding again.
func backoff(ctx context.Context, attempt int) {
	d := time.Duration(rand.Int64N(int64(min(attempt+1, 16)) * int64(500*time.Microsecond)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// requestDoc remembers which customer a create request made.
type requestDoc struct {
	ID          string `bson:"_id"`
	Tenant      string `bson:"tenant"`
	CustomerID  string `bson:"customer_id"`
	ResourceID  string `bson:"resource_id,omitempty"`
	Method      string `bson:"method"`
	Fingerprint string `bson:"fingerprint"`
}

// CreateCustomer stores a new customer and claims its identities.
//
// The steps, each safe to repeat: (1) record the request ID with the chosen
// customer ID, or, on a retry, take the customer ID the first attempt chose;
// (2) claim every identity; (3) insert the customer. A crash after (1) or (2)
// is finished by the retry; claims left by a caller that never retries are
// ignored by readers (the customer does not list them) and taken over by the
// next claimant after the grace period.
func (s *Store) CreateCustomer(ctx context.Context, tenant string, req repository.CreateRequest) (*rapportv1.Customer, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	customerID := req.CustomerID
	if req.RequestID != "" {
		rec := requestDoc{
			ID:          docID(tenant, "CreateCustomer:"+req.RequestID),
			Tenant:      tenant,
			CustomerID:  customerID,
			Method:      "CreateCustomer",
			Fingerprint: req.Fingerprint,
		}
		first, err := s.recordRequest(ctx, rec)
		if err != nil {
			return nil, err
		}
		customerID = first.CustomerID
		existing, err := s.getDoc(ctx, tenant, customerID)
		switch {
		case err == nil && existing.CreateRequestID == req.RequestID:
			return existing.proto(), nil // a retry: the first result
		case err != nil && !errors.Is(err, repository.ErrNotFound):
			return nil, err
		}
		// Not created yet (the first attempt stopped early), or the ID is taken
		// by another customer: go on, and the insert below tells which.
	}
	if _, err := s.getDoc(ctx, tenant, customerID); err == nil {
		return nil, fmt.Errorf("customer %q: %w", customerID, repository.ErrAlreadyExists)
	} else if !errors.Is(err, repository.ErrNotFound) {
		return nil, err
	}

	now := repository.Truncate(s.now())
	c := req.Customer
	c.CreateTime = timestamppb.New(now)
	c.UpdateTime = c.CreateTime
	stampConsents(nil, c.GetPreferences().GetConsents(), now)
	if req.Prepare != nil {
		c = proto.CloneOf(c)
		if err := req.Prepare(customerID, c); err != nil {
			return nil, err
		}
	}
	doc := newCustomerDoc(tenant, customerID, c)
	doc.Revision = 1
	doc.CreateRequestID = req.RequestID

	claimed, err := s.claimIdentities(ctx, tenant, customerID, doc.identityKeys())
	if err != nil {
		return nil, err
	}
	if _, err := s.customers.InsertOne(ctx, doc); err != nil {
		s.releaseClaims(ctx, tenant, customerID, claimed)
		if mongo.IsDuplicateKeyError(err) {
			return nil, fmt.Errorf("customer %q: %w", customerID, repository.ErrAlreadyExists)
		}
		return nil, dbErr("insert customer", err)
	}
	return doc.proto(), nil
}

// recordRequest stores rec, or returns the record of the first request with
// the same _id. A different fingerprint is repository.ErrRequestReused.
func (s *Store) recordRequest(ctx context.Context, rec requestDoc) (requestDoc, error) {
	_, err := s.requests.InsertOne(ctx, rec)
	if err == nil {
		return rec, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return requestDoc{}, dbErr("record request", err)
	}
	var first requestDoc
	if err := s.requests.FindOne(ctx, bson.D{{Key: "_id", Value: rec.ID}}).Decode(&first); err != nil {
		return requestDoc{}, dbErr("read request record", err)
	}
	if first.Fingerprint != rec.Fingerprint || first.Method != rec.Method {
		return requestDoc{}, repository.ErrRequestReused
	}
	return first, nil
}

// GetCustomer returns a customer of tenant.
func (s *Store) GetCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	d, err := s.getDoc(ctx, tenant, customerID)
	if err != nil {
		return nil, err
	}
	return d.proto(), nil
}

// getDoc reads a customer by _id; a customer being erased is not found.
func (s *Store) getDoc(ctx context.Context, tenant, customerID string) (*customerDoc, error) {
	var d customerDoc
	err := s.customers.FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, customerID)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && d.Deleting) {
		return nil, fmt.Errorf("customer %q: %w", customerID, repository.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr("read customer", err)
	}
	return &d, nil
}

// UpdateCustomer applies mutate to the stored customer and saves the result,
// with optimistic concurrency: if somebody else changed the customer in
// between, it reads again and reapplies mutate (unless etag was given, in
// which case the change is refused with repository.ErrEtagMismatch). mutate receives the
// stored customer and changes it in place; an error from it is returned as is.
// Identities added are claimed before the save and identities removed are
// released after it.
func (s *Store) UpdateCustomer(ctx context.Context, tenant, customerID, etag string, mutate func(*rapportv1.Customer) error) (*rapportv1.Customer, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	for attempt := range s.maxAttempts {
		if attempt > 0 {
			backoff(ctx, attempt)
		}
		old, err := s.getDoc(ctx, tenant, customerID)
		if err != nil {
			return nil, err
		}
		if etag != "" && etag != repository.Etag(old.Revision) {
			return nil, repository.ErrEtagMismatch
		}
		c := old.proto()
		if err := mutate(c); err != nil {
			return nil, err
		}
		now := repository.Truncate(s.now())
		c.CreateTime = timestamppb.New(old.CreateTime)
		c.UpdateTime = timestamppb.New(now)
		stampConsents(old.Preferences.Consents, c.GetPreferences().GetConsents(), now)
		doc := newCustomerDoc(tenant, customerID, c)
		doc.Revision = old.Revision + 1
		doc.CreateRequestID = old.CreateRequestID
		doc.Merged, doc.MergedInto = old.Merged, old.MergedInto

		added, removed := diffKeys(old.identityKeys(), doc.identityKeys())
		claimed, err := s.claimIdentities(ctx, tenant, customerID, added)
		if err != nil {
			return nil, err
		}
		var res *mongo.UpdateResult
		err = s.locks.do(doc.ID, func() (err error) {
			// The merge mark as read, too: a merge marks without a new
			// revision, and this replace must not drop its mark.
			var mark any = old.MergedInto
			if old.MergedInto == "" {
				mark = nil
			}
			res, err = s.customers.ReplaceOne(ctx,
				bson.D{{Key: "_id", Value: doc.ID}, {Key: "revision", Value: old.Revision}, {Key: "deleting", Value: bson.D{{Key: "$ne", Value: true}}},
					{Key: "merged_into", Value: mark}},
				doc)
			return err
		})
		if err != nil {
			s.releaseClaims(ctx, tenant, customerID, claimed)
			return nil, dbErr("replace customer", err)
		}
		if res.MatchedCount == 0 {
			s.releaseClaims(ctx, tenant, customerID, claimed)
			// Changed under us: read again (and, with an etag, refuse if
			// the revision moved on; a merge's mark does not move it).
			continue
		}
		s.releaseClaims(ctx, tenant, customerID, removed)
		return doc.proto(), nil
	}
	return nil, repository.ErrContention
}

// diffKeys returns the keys in next and not in prev, and those in prev and
// not in next.
func diffKeys(prev, next []string) (added, removed []string) {
	for _, k := range next {
		if !slices.Contains(prev, k) {
			added = append(added, k)
		}
	}
	for _, k := range prev {
		if !slices.Contains(next, k) {
			removed = append(removed, k)
		}
	}
	return added, removed
}

// DeleteCustomer erases a customer and every record that belongs to them.
// The customer is first marked as being erased (guarded by etag when given),
// which hides it from every read; then its other records are removed; then
// the customer itself. A crash in between leaves the mark, and a retried
// DeleteCustomer finishes the erasure.
func (s *Store) DeleteCustomer(ctx context.Context, tenant, customerID, etag string) (repository.DeleteResult, error) {
	var res repository.DeleteResult
	if err := repository.CheckTenant(tenant); err != nil {
		return res, err
	}
	id := docID(tenant, customerID)
	var d customerDoc
	err := s.customers.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return res, fmt.Errorf("customer %q: %w", customerID, repository.ErrNotFound)
	}
	if err != nil {
		return res, dbErr("read customer", err)
	}
	if !d.Deleting {
		if etag != "" && etag != repository.Etag(d.Revision) {
			return res, repository.ErrEtagMismatch
		}
		var mark *mongo.UpdateResult
		err := s.locks.do(id, func() (err error) {
			mark, err = s.customers.UpdateOne(ctx,
				bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: d.Revision}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}})
			return err
		})
		if err != nil {
			return res, dbErr("mark customer for erasure", err)
		}
		if mark.MatchedCount == 0 {
			return res, repository.ErrEtagMismatch // changed or erased concurrently
		}
	}
	if err := s.eraseOwned(ctx, tenant, customerID, &res); err != nil {
		return repository.DeleteResult{}, err
	}
	// The merges into it (those of it go with its owned records): a half
	// left behind is a customer of its own again.
	into, err := s.mergesInto(ctx, tenant, customerID, false)
	if err != nil {
		return repository.DeleteResult{}, err
	}
	for _, m := range into {
		if _, err := s.unmarkMerged(ctx, tenant, m.CustomerID, customerID); err != nil {
			return repository.DeleteResult{}, err
		}
	}
	if _, err := s.db.Collection(mergesCollection).DeleteMany(ctx, bson.D{{Key: "tenant", Value: tenant}, {Key: "survivor_id", Value: customerID}}); err != nil {
		return repository.DeleteResult{}, dbErr("erase merges", err)
	}
	cust, err := s.customers.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return repository.DeleteResult{}, dbErr("erase customer", err)
	}
	res.Customers = cust.DeletedCount
	return res, nil
}

// eraseOwned deletes every document a customer owns, in every collection
// but customers, counting what it deleted into res.
func (s *Store) eraseOwned(ctx context.Context, tenant, customerID string, res *repository.DeleteResult) error {
	owned := bson.D{{Key: "tenant", Value: tenant}, {Key: "customer_id", Value: customerID}}
	for _, step := range []struct {
		coll  string
		count *int64
	}{
		{identitiesCollection, &res.Identities},
		{requestsCollection, &res.RequestRecords},
		{interactionsCollection, &res.Interactions},
		{issuesCollection, &res.Issues},
		{summariesCollection, &res.Summaries},
		{mergesCollection, new(int64)},
		{followUpsCollection, new(int64)},
		{contactedCollection, new(int64)},
	} {
		del, err := s.db.Collection(step.coll).DeleteMany(ctx, owned)
		if err != nil {
			return dbErr("erase "+step.coll, err)
		}
		*step.count += del.DeletedCount
	}
	return nil
}

// confirmLive is the last step of every write to a customer's records
// (which all end with their summary): it reads the customer again and, if
// an erasure began or ended since the write checked the customer, erases
// what the write left and reports repository.ErrNotFound. Either the erasure was marked
// after this read, and its sweep (which follows the mark) removes this
// write's records, or it was marked before, and this sweep does: no record
// outlives an erasure.
func (s *Store) confirmLive(ctx context.Context, tenant, customerID string) error {
	if _, err := s.getDoc(ctx, tenant, customerID); !errors.Is(err, repository.ErrNotFound) {
		return err
	}
	var res repository.DeleteResult
	if err := s.eraseOwned(ctx, tenant, customerID, &res); err != nil {
		return err
	}
	return fmt.Errorf("customer %q erased during the write: %w", customerID, repository.ErrNotFound)
}

// failedWrite is what a write to a customer's records answers when a step
// of it failed with err (the issue or summary update that closes a record
// of an interaction, say): if the customer is being erased or gone, the
// sweep of confirmLive runs and the answer is repository.ErrNotFound, so
// that records the write stored before the failing step do not outlive
// the erasure. That step fails this way when the erasure raced it: the
// issue was swept, or the sealed store's data key was destroyed (its
// mutate cannot open the summary). Otherwise err is answered as it is.
func (s *Store) failedWrite(ctx context.Context, tenant, customerID string, err error) error {
	if live := s.confirmLive(ctx, tenant, customerID); errors.Is(live, repository.ErrNotFound) {
		return live
	}
	return err
}

// ListCustomers returns up to limit customers of tenant whose IDs sort after
// afterID (all when empty), in ID order, and whether more follow: those
// not merged into another, or (f.Merged) those merged, with merged_into
// set. The index {merged, _id} serves both: one bound of merged (missing,
// or true) and the _id range, in _id order, so that a page reads the
// documents it returns however many of the other kind lie between. The
// find names it (hint): the planner's choice of the _id index instead
// would walk the merged customers it skips.
func (s *Store) ListCustomers(ctx context.Context, tenant string, f repository.CustomerFilter, afterID string, limit int) ([]*rapportv1.Customer, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	lo, hi := tenantRange(tenant)
	if afterID != "" {
		lo = docID(tenant, afterID)
	}
	var merged any // missing: not merged
	if f.Merged {
		merged = true
	}
	filter := bson.D{
		{Key: "merged", Value: merged},
		{Key: "_id", Value: bson.D{{Key: "$gt", Value: lo}, {Key: "$lt", Value: hi}}},
		{Key: "tenant", Value: tenant},
		{Key: "deleting", Value: bson.D{{Key: "$ne", Value: true}}},
	}
	var hint []string
	if s.indexed.Load() {
		hint = append(hint, customersListedIndex)
	}
	return findPage(ctx, s.customers, filter, bson.D{{Key: "_id", Value: 1}}, limit, func(d *customerDoc) *rapportv1.Customer {
		c := d.proto()
		if d.MergedInto != "" {
			c.MergedInto = repository.CustomerName(d.MergedInto)
		}
		return c
	}, hint...)
}

// stampConsents sets the update time of each consent: kept from prev when
// its status did not change, now otherwise.
func stampConsents(prev []consentDoc, next []*rapportv1.ChannelConsent, now time.Time) {
	for _, cs := range next {
		cs.UpdateTime = timestamppb.New(now)
		for _, p := range prev {
			if p.Channel == int32(cs.GetChannel()) && p.Status == int32(cs.GetStatus()) {
				cs.UpdateTime = timestamppb.New(p.UpdateTime)
			}
		}
	}
}
