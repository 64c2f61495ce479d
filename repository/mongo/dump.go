package mongo

import (
	"context"
	"fmt"
	"strings"

	"github.com/rapporthq/rapport/repository"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// DumpOrder is the order in which Dump reads the collections, and a
// migration should write them: customers before what they own.
var DumpOrder = []string{
	customersCollection, requestsCollection, issuesCollection, interactionsCollection,
	summariesCollection, apiKeysCollection, auditCollection, mergesCollection,
}

// DecodeDocument turns a document of one of this adapter's collections into
// the record it stores, for a migration into another store (the documents
// may come from this store, or from the files of the FerretDB store that
// earlier versions embedded). ok is false for documents that are not
// carried: identity claims (a store derives them from its customers'
// identities), customers half-way through an erasure (whose records a
// migration drops as well), and collections this adapter does not own.
func DecodeDocument(collection string, raw bson.Raw) (rec repository.Record, ok bool, err error) {
	decode := func(v any) error {
		if err := bson.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("decode a document of %s: %w", collection, err)
		}
		return nil
	}
	switch collection {
	case customersCollection:
		var d customerDoc
		if err := decode(&d); err != nil || d.Deleting {
			return rec, false, err
		}
		rec.Customer = &repository.StoredCustomer{Tenant: d.Tenant, Customer: d.proto(), CreateRequestID: d.CreateRequestID}
	case requestsCollection:
		var d requestDoc
		if err := decode(&d); err != nil {
			return rec, false, err
		}
		requestID, found := strings.CutPrefix(d.ID, d.Tenant+"/"+d.Method+":")
		if !found {
			return rec, false, fmt.Errorf("request record %q: its _id does not name its method", d.ID)
		}
		resource := d.ResourceID
		if resource == "" {
			resource = d.CustomerID
		}
		rec.Request = &repository.StoredRequest{Tenant: d.Tenant, Method: d.Method, RequestID: requestID,
			CustomerID: d.CustomerID, ResourceID: resource, Fingerprint: d.Fingerprint}
	case interactionsCollection:
		var d interactionDoc
		if err := decode(&d); err != nil {
			return rec, false, err
		}
		st := &repository.StoredInteraction{Tenant: d.Tenant, Interaction: d.proto(), Fingerprint: d.Fingerprint}
		if d.ExpireAt != nil {
			st.ExpireAt = d.ExpireAt.UTC()
		}
		rec.Interaction = st
	case issuesCollection:
		var d issueDoc
		if err := decode(&d); err != nil {
			return rec, false, err
		}
		rec.Issue = &repository.StoredIssue{Tenant: d.Tenant, Issue: d.proto(), CreateRequestID: d.CreateRequestID}
	case summariesCollection:
		var d summaryDoc
		if err := decode(&d); err != nil {
			return rec, false, err
		}
		sum := &repository.Summary{Tenant: d.Tenant, CustomerID: d.CustomerID, Revision: d.Revision, UpdateTime: d.UpdateTime.UTC()}
		if err := repository.DecodeSummary(d.Data, sum); err != nil {
			// A summary is derived: the service rebuilds a missing one.
			return rec, false, nil
		}
		rec.Summary = sum
	case apiKeysCollection:
		var d apiKeyDoc
		if err := decode(&d); err != nil {
			return rec, false, err
		}
		rec.APIKey = d.key()
	case auditCollection:
		var d auditDoc
		if err := decode(&d); err != nil {
			return rec, false, err
		}
		rec.AuditEvent = &repository.AuditEvent{ID: d.ID, Tenant: d.Tenant, Time: d.Time.UTC(), Principal: d.Principal,
			Method: d.Method, Customers: d.Customers, Omitted: d.Omitted, Code: d.Code}
	case mergesCollection:
		var d mergeDoc
		if err := decode(&d); err != nil {
			return rec, false, err
		}
		if d.Pending {
			return rec, false, nil // a merge that did not finish
		}
		d.MergeTime = d.MergeTime.UTC()
		rec.Merge = &repository.StoredMerge{Tenant: d.Tenant, Merge: d.merge()}
	default:
		return rec, false, nil
	}
	return rec, true, nil
}

// Dump calls fn with every record of the store, collection by collection
// in DumpOrder: what a migration to another store carries.
func (s *Store) Dump(ctx context.Context, fn func(repository.Record) error) error {
	for _, coll := range DumpOrder {
		cur, err := s.db.Collection(coll).Find(ctx, bson.D{})
		if err != nil {
			return dbErr("dump "+coll, err)
		}
		for cur.Next(ctx) {
			rec, ok, err := DecodeDocument(coll, cur.Current)
			if err != nil {
				_ = cur.Close(ctx)
				return err
			}
			if ok {
				if err := fn(rec); err != nil {
					_ = cur.Close(ctx)
					return err
				}
			}
		}
		if err := cur.Err(); err != nil {
			return dbErr("dump "+coll, err)
		}
		_ = cur.Close(ctx)
	}
	return nil
}
