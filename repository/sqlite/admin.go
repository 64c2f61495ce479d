package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/repository"
)

// CreateAPIKey stores a new key; ErrAlreadyExists if its ID is taken.
func (s *Store) CreateAPIKey(ctx context.Context, k repository.APIKey) error {
	if err := repository.CheckTenant(k.Tenant); err != nil {
		return err
	}
	scopes, err := json.Marshal(k.Scopes)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		res, err := s.exec(ctx, t, `INSERT INTO api_keys (key_id, tenant, name, scopes, secret_hash, create_time, expire_time)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING`,
			k.ID, k.Tenant, k.Name, string(scopes), k.SecretHash, repository.Truncate(k.CreateTime).UnixMilli(), ms(repository.Truncate(k.ExpireTime)))
		if err != nil {
			return dbErr("store api key", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("api key %q: %w", k.ID, repository.ErrAlreadyExists)
		}
		return nil
	})
}

const apiKeyColumns = "key_id, tenant, name, scopes, secret_hash, create_time, expire_time, revoke_time"

func scanAPIKey(row interface{ Scan(...any) error }) (*repository.APIKey, error) {
	var (
		k              repository.APIKey
		scopes         string
		created        int64
		expire, revoke sql.NullInt64
	)
	if err := row.Scan(&k.ID, &k.Tenant, &k.Name, &scopes, &k.SecretHash, &created, &expire, &revoke); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &k.Scopes); err != nil {
		return nil, fmt.Errorf("api key %q: scopes: %w", k.ID, err)
	}
	k.CreateTime = time.UnixMilli(created).UTC()
	k.ExpireTime, k.RevokeTime = timeOf(expire), timeOf(revoke)
	return &k, nil
}

// GetAPIKey reads a key by ID, revoked or not; ErrNotFound if there is none.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*repository.APIKey, error) {
	k, err := scanAPIKey(s.queryRow(ctx, "SELECT "+apiKeyColumns+" FROM api_keys WHERE key_id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("api key %q: %w", id, repository.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr("read api key", err)
	}
	return k, nil
}

// ListAPIKeys returns the keys of tenant (every tenant when empty), oldest
// first.
func (s *Store) ListAPIKeys(ctx context.Context, tenant string) ([]repository.APIKey, error) {
	q, args := "SELECT "+apiKeyColumns+" FROM api_keys ORDER BY create_time, key_id", []any(nil)
	if tenant != "" {
		q, args = "SELECT "+apiKeyColumns+" FROM api_keys WHERE tenant = ? ORDER BY create_time, key_id", []any{tenant}
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, dbErr("list api keys", err)
	}
	keys, _, err := collect(rows, -1, func(r *sql.Rows) (repository.APIKey, error) {
		k, err := scanAPIKey(r)
		if err != nil {
			return repository.APIKey{}, err
		}
		return *k, nil
	})
	return keys, err
}

// RevokeAPIKey marks a key revoked at the given time and returns it; a key
// revoked before keeps its first revocation time. ErrNotFound if there is
// no such key.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) (*repository.APIKey, error) {
	var k *repository.APIKey
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		if _, err := s.exec(ctx, t, "UPDATE api_keys SET revoke_time = ? WHERE key_id = ? AND revoke_time IS NULL",
			repository.Truncate(at).UnixMilli(), id); err != nil {
			return dbErr("revoke api key", err)
		}
		var err error
		k, err = s.GetAPIKey(ctx, id)
		return err
	})
	return k, err
}

// AppendAuditEvents stores events (of any tenants). Storing the same event
// twice (a retried batch) keeps one.
func (s *Store) AppendAuditEvents(ctx context.Context, events []repository.AuditEvent) error {
	for _, e := range events {
		if err := repository.CheckTenant(e.Tenant); err != nil {
			return err
		}
	}
	if len(events) == 0 {
		return nil
	}
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		for _, e := range events {
			var customers sql.NullString
			if len(e.Customers) > 0 {
				b, _ := json.Marshal(e.Customers)
				customers = sql.NullString{String: string(b), Valid: true}
			}
			at := repository.Truncate(e.Time).UnixMilli()
			res, err := s.exec(ctx, t, `INSERT INTO audit_events (tenant, audit_id, time, principal, method, code, customers, customers_omitted)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, audit_id) DO NOTHING`,
				e.Tenant, e.ID, at, e.Principal, e.Method, e.Code, customers, e.Omitted)
			if err != nil {
				return dbErr("store audit event", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // stored before
			}
			for _, c := range e.Customers {
				if _, err := s.exec(ctx, t, `INSERT INTO audit_customers (tenant, customer, time, audit_id) VALUES (?, ?, ?, ?)
					ON CONFLICT DO NOTHING`, e.Tenant, c, at, e.ID); err != nil {
					return dbErr("store audit event", err)
				}
			}
		}
		return nil
	})
}

// timeOps are the SQL operators of repository.TimeCondition's.
var timeOps = map[string]string{"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}

// ListAuditEvents lists tenant's events newest first, after the cursor if
// given, up to limit, and whether more follow.
func (s *Store) ListAuditEvents(ctx context.Context, tenant string, f repository.AuditFilter, after *repository.Cursor, limit int) ([]repository.AuditEvent, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	var c conds
	c.add("tenant = ?", tenant)
	for _, kv := range []struct{ col, v string }{{"principal", f.Principal}, {"method", f.Method}, {"code", f.Code}} {
		if kv.v != "" {
			c.add(kv.col+" = ?", kv.v)
		}
	}
	if f.Customer != "" {
		c.add("audit_id IN (SELECT audit_id FROM audit_customers WHERE tenant = ? AND customer = ?)", tenant, f.Customer)
	}
	for _, tc := range f.Times {
		op, ok := timeOps[tc.Op]
		if !ok {
			return nil, false, fmt.Errorf("audit filter: unknown time operator %q", tc.Op)
		}
		c.add("time "+op+" ?", tc.Time.UnixMilli())
	}
	c.before("time", "audit_id", after)
	rows, err := s.query(ctx, "SELECT audit_id, time, principal, method, code, customers, customers_omitted FROM audit_events WHERE "+
		c.sql()+" ORDER BY time DESC, audit_id DESC LIMIT ?", append(c.args, limit+1)...)
	if err != nil {
		return nil, false, dbErr("list audit events", err)
	}
	return collect(rows, limit, func(r *sql.Rows) (repository.AuditEvent, error) {
		e := repository.AuditEvent{Tenant: tenant}
		var (
			at        int64
			customers sql.NullString
		)
		if err := r.Scan(&e.ID, &at, &e.Principal, &e.Method, &e.Code, &customers, &e.Omitted); err != nil {
			return e, err
		}
		e.Time = time.UnixMilli(at).UTC()
		if customers.Valid {
			if err := json.Unmarshal([]byte(customers.String), &e.Customers); err != nil {
				return e, fmt.Errorf("audit event %q: customers: %w", e.ID, err)
			}
		}
		return e, nil
	})
}

// purgeBatch is how many rows one purge transaction deletes: the write lock
// is held for a bounded time, and other writers get their turn in between.
const purgeBatch = 1000

// deleteInBatches deletes the rows of table that match where, purgeBatch
// at a time (key is the table's key: rowid, or the primary key's columns,
// comma-separated, of a table without rowid), one transaction per batch,
// and returns how many rows it deleted.
func (s *Store) deleteInBatches(ctx context.Context, what, table, key, where string, args ...any) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
			res, err := s.exec(ctx, t, "DELETE FROM "+table+" WHERE ("+key+") IN (SELECT "+key+" FROM "+table+" WHERE "+where+" LIMIT ?)",
				append(args, purgeBatch)...)
			if err != nil {
				return dbErr(what, err)
			}
			n, err = res.RowsAffected()
			return dbErr(what, err)
		})
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}

// DeleteAuditEventsBefore deletes the audit events of every tenant older
// than cutoff and returns how many it deleted.
func (s *Store) DeleteAuditEventsBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	if _, err := s.deleteInBatches(ctx, "delete expired audit events", "audit_customers", "tenant, customer, time, audit_id", "time < ?", cutoff.UnixMilli()); err != nil {
		return 0, err
	}
	return s.deleteInBatches(ctx, "delete expired audit events", "audit_events", "rowid", "time < ?", cutoff.UnixMilli())
}
