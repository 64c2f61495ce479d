package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/rapporthq/rapport/repository"
)

// The retention purge works across tenants: unlike every other query of
// this package, its conditions select a tenant, or every tenant but some.

// scopeConds selects the rows of the tenants in sc.
func scopeConds(sc repository.TenantScope) (conds, error) {
	var c conds
	switch {
	case sc.Tenant != "":
		if err := repository.CheckTenant(sc.Tenant); err != nil {
			return c, err
		}
		c.add("tenant = ?", sc.Tenant)
	case len(sc.Except) > 0:
		args := make([]any, len(sc.Except))
		for i, t := range sc.Except {
			args[i] = t
		}
		c.add("tenant NOT IN ("+placeholders(len(args))+")", args...)
	default:
		c.add("1")
	}
	return c, nil
}

// DeleteInteractionsBefore deletes the interactions in scope that occurred
// before cutoff and returns how many it deleted, a batch per transaction,
// and the contact marks of periods that ended before it.
// Their customers' summaries are left as they are: see
// SummariesContactedBefore.
func (s *Store) DeleteInteractionsBefore(ctx context.Context, scope repository.TenantScope, cutoff time.Time) (int64, error) {
	c, err := scopeConds(scope)
	if err != nil {
		return 0, err
	}
	marks := conds{where: slices.Clone(c.where), args: slices.Clone(c.args)}
	c.add("occur_time < ?", cutoff.UnixMilli())
	n, err := s.deleteInBatches(ctx, "delete expired interactions", "interactions", "rowid", c.sql(), c.args...)
	if err == nil {
		// The contact marks of the periods that ended before the cutoff
		// (see repository.Adapter.MarkContacted).
		marks.add("day < ?", repository.ContactMarksBefore(cutoff))
		_, err = s.deleteInBatches(ctx, "delete expired contact marks", "insight_contacted",
			"tenant, customer_id, granularity, day, dim, value", marks.sql(), marks.args...)
	}
	if err == nil && n > 0 && txOf(ctx) == nil {
		// The batches deleted personal data: leave none of it in the log.
		err = s.truncateLog(ctx)
	}
	return n, err
}

// ReviseExpiry keeps the expire_at of interactions in scope in step with a
// retention that changed since they were recorded (see the MongoDB
// adapter, where a TTL index acts on it). Here nothing deletes by
// expire_at, but the column is kept true all the same: those that the
// retention keeps beyond now+horizon get expire_at = occur_time +
// retention again, or none when retention is 0. It returns how many it
// changed.
func (s *Store) ReviseExpiry(ctx context.Context, scope repository.TenantScope, retention time.Duration, now time.Time, horizon time.Duration) (int64, error) {
	c, err := scopeConds(scope)
	if err != nil {
		return 0, err
	}
	c.add("expire_at < ?", now.Add(horizon).UnixMilli())
	set, args := "expire_at = NULL", []any{}
	if retention > 0 {
		c.add("occur_time >= ?", now.Add(horizon-retention).UnixMilli())
		set, args = "expire_at = occur_time + ?", []any{retention.Milliseconds()}
	}
	var n int64
	err = s.inTx(ctx, func(ctx context.Context, t *txn) error {
		res, err := s.exec(ctx, t, "UPDATE interactions SET "+set+" WHERE "+c.sql(), append(args, c.args...)...)
		if err != nil {
			return dbErr("revise expiry", err)
		}
		n, err = res.RowsAffected()
		return dbErr("revise expiry", err)
	})
	return n, err
}

// SummariesContactedBefore lists up to limit summaries in scope whose first
// contact is before cutoff (they may count an interaction older than it),
// in (tenant, customer) order after `after` (from the start when it is the
// zero value), so that a caller that rebuilds them page by page ends even
// when some cannot be rebuilt.
func (s *Store) SummariesContactedBefore(ctx context.Context, scope repository.TenantScope, cutoff time.Time, after repository.SummaryRef, limit int) ([]repository.SummaryRef, error) {
	c, err := scopeConds(scope)
	if err != nil {
		return nil, err
	}
	c.add("first_contact < ?", cutoff.UnixMilli())
	switch {
	case after.Tenant == "":
	case scope.Tenant != "":
		// Within one tenant: a row value with the tenant in it would not
		// seek, next to tenant = ?.
		c.add("customer_id > ?", after.CustomerID)
	default:
		c.add("(tenant, customer_id) > (?, ?)", after.Tenant, after.CustomerID)
	}
	rows, err := s.query(ctx, "SELECT tenant, customer_id FROM summaries WHERE "+c.sql()+" ORDER BY tenant, customer_id LIMIT ?",
		append(c.args, limit)...)
	if err != nil {
		return nil, dbErr("find summaries to rebuild", err)
	}
	refs, _, err := collect(rows, limit, func(r *sql.Rows) (repository.SummaryRef, error) {
		var ref repository.SummaryRef
		err := r.Scan(&ref.Tenant, &ref.CustomerID)
		return ref, err
	})
	return refs, err
}
