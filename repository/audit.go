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

const auditCollection = "audit_events"

// AuditEvent is one call recorded in the audit trail: names only, never
// message text.
type AuditEvent struct {
	// ID orders events of the same time; time-ordered (a UUIDv7).
	ID        string    `bson:"audit_id"`
	Tenant    string    `bson:"tenant"`
	Time      time.Time `bson:"time"`
	Principal string    `bson:"principal"`
	Method    string    `bson:"method"`
	// Customers are the customers' resource names; Omitted counts those
	// the event had no room for.
	Customers []string `bson:"customers,omitempty"`
	Omitted   int32    `bson:"customers_omitted,omitempty"`
	Code      string   `bson:"code"`
}

type auditDoc struct {
	DocID      string `bson:"_id"`
	AuditEvent `bson:",inline"`
}

// AppendAuditEvents stores events (of any tenants). Storing the same event
// twice (a retried batch) keeps one.
func (s *Store) AppendAuditEvents(ctx context.Context, events []AuditEvent) error {
	docs := make([]any, 0, len(events))
	for _, e := range events {
		if err := checkTenant(e.Tenant); err != nil {
			return err
		}
		e.Time = truncate(e.Time)
		docs = append(docs, auditDoc{DocID: docID(e.Tenant, e.ID), AuditEvent: e})
	}
	if len(docs) == 0 {
		return nil
	}
	_, err := s.db.Collection(auditCollection).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !onlyDuplicates(err) {
		return fmt.Errorf("store audit events: %w", err)
	}
	return nil
}

// onlyDuplicates reports whether every write error of a bulk insert is a
// duplicate key: the documents were there already.
func onlyDuplicates(err error) bool {
	var bw mongo.BulkWriteException
	if !errors.As(err, &bw) || bw.WriteConcernError != nil || len(bw.WriteErrors) == 0 {
		return false
	}
	for _, we := range bw.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return false
		}
	}
	return true
}

// AuditFilter selects audit events: every non-empty field must match.
type AuditFilter struct {
	Customer, Principal, Method, Code string
	// Times are conditions on the event time: operator ($gt, $gte, $lt,
	// $lte) to value.
	Times []TimeCondition
}

// TimeCondition compares a time field with a value.
type TimeCondition struct {
	Op   string
	Time time.Time
}

// ListAuditEvents lists tenant's events newest first, after the cursor if
// given, up to limit, and whether more follow.
func (s *Store) ListAuditEvents(ctx context.Context, tenant string, f AuditFilter, after *Cursor, limit int) ([]AuditEvent, bool, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, false, err
	}
	filter := bson.D{{Key: "tenant", Value: tenant}}
	// customers is an array: equality matches an event that lists it.
	for _, kv := range []struct{ k, v string }{{"customers", f.Customer}, {"principal", f.Principal}, {"method", f.Method}, {"code", f.Code}} {
		if kv.v != "" {
			filter = append(filter, bson.E{Key: kv.k, Value: kv.v})
		}
	}
	var conds bson.A
	for _, c := range f.Times {
		conds = append(conds, bson.D{{Key: "time", Value: bson.D{{Key: c.Op, Value: c.Time}}}})
	}
	if after != nil {
		conds = append(conds, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "time", Value: bson.D{{Key: "$lt", Value: after.Time}}}},
			bson.D{{Key: "time", Value: after.Time}, {Key: "audit_id", Value: bson.D{{Key: "$lt", Value: after.ID}}}},
		}}})
	}
	if len(conds) > 0 {
		filter = append(filter, bson.E{Key: "$and", Value: conds})
	}
	return findPage(ctx, s.db.Collection(auditCollection), filter,
		bson.D{{Key: "time", Value: -1}, {Key: "audit_id", Value: -1}}, limit,
		func(d *auditDoc) AuditEvent { return d.AuditEvent })
}

// DeleteAuditEventsBefore deletes the audit events of every tenant older
// than cutoff and returns how many it deleted.
func (s *Store) DeleteAuditEventsBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.Collection(auditCollection).DeleteMany(ctx, bson.D{{Key: "time", Value: bson.D{{Key: "$lt", Value: cutoff}}}})
	if err != nil {
		return 0, fmt.Errorf("delete expired audit events: %w", err)
	}
	return res.DeletedCount, nil
}
