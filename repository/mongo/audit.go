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

const auditCollection = "audit_events"

// auditDoc is an audit event as stored.
type auditDoc struct {
	DocID     string    `bson:"_id"`
	ID        string    `bson:"audit_id"`
	Tenant    string    `bson:"tenant"`
	Time      time.Time `bson:"time"`
	Principal string    `bson:"principal"`
	Method    string    `bson:"method"`
	Customers []string  `bson:"customers,omitempty"`
	Omitted   int32     `bson:"customers_omitted,omitempty"`
	Code      string    `bson:"code"`
}

// AppendAuditEvents stores events (of any tenants). Storing the same event
// twice (a retried batch) keeps one.
func (s *Store) AppendAuditEvents(ctx context.Context, events []repository.AuditEvent) error {
	docs := make([]any, 0, len(events))
	for _, e := range events {
		if err := repository.CheckTenant(e.Tenant); err != nil {
			return err
		}
		docs = append(docs, auditDoc{DocID: docID(e.Tenant, e.ID), ID: e.ID, Tenant: e.Tenant, Time: repository.Truncate(e.Time),
			Principal: e.Principal, Method: e.Method, Customers: e.Customers, Omitted: e.Omitted, Code: e.Code})
	}
	if len(docs) == 0 {
		return nil
	}
	_, err := s.db.Collection(auditCollection).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !onlyDuplicates(err) {
		return dbErr("store audit events", err)
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

// ListAuditEvents lists tenant's events newest first, after the cursor if
// given, up to limit, and whether more follow.
func (s *Store) ListAuditEvents(ctx context.Context, tenant string, f repository.AuditFilter, after *repository.Cursor, limit int) ([]repository.AuditEvent, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
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
		func(d *auditDoc) repository.AuditEvent {
			return repository.AuditEvent{ID: d.ID, Tenant: d.Tenant, Time: d.Time.UTC(), Principal: d.Principal, Method: d.Method,
				Customers: d.Customers, Omitted: d.Omitted, Code: d.Code}
		})
}

// DeleteAuditEventsBefore deletes the audit events of every tenant older
// than cutoff and returns how many it deleted.
func (s *Store) DeleteAuditEventsBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.Collection(auditCollection).DeleteMany(ctx, bson.D{{Key: "time", Value: bson.D{{Key: "$lt", Value: cutoff}}}})
	if err != nil {
		return 0, dbErr("delete expired audit events", err)
	}
	return res.DeletedCount, nil
}
