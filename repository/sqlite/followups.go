package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/rapporthq/rapport/repository"
)

// WriteFollowUps puts rows into the follow-up index and removes the
// removed keys, in ctx's transaction (or one of its own).
func (s *Store) WriteFollowUps(ctx context.Context, tenant string, put []repository.FollowUpRow, remove []repository.FollowUpKey) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	if len(put) == 0 && len(remove) == 0 {
		return nil
	}
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		for _, k := range remove {
			if _, err := s.exec(ctx, t, "DELETE FROM follow_ups WHERE tenant = ? AND customer_id = ? AND follow_up_id = ?", tenant, k.CustomerID, k.FollowUpID); err != nil {
				return dbErr("remove a follow-up", err)
			}
		}
		for _, r := range put {
			if r.FollowUp == nil {
				r.FollowUp = []byte{}
			}
			if _, err := s.exec(ctx, t, `INSERT INTO follow_ups (tenant, customer_id, follow_up_id, state, reason, blocked, due_time, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant, customer_id, follow_up_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, blocked = excluded.blocked, due_time = excluded.due_time, doc = excluded.doc`,
				tenant, r.CustomerID, r.FollowUpID, r.State, r.Reason, r.Blocked, repository.Truncate(r.DueTime).UnixMilli(), r.FollowUp); err != nil {
				return dbErr("write a follow-up", err)
			}
		}
		return nil
	})
}

// ListFollowUps returns up to limit index entries matching f, by due time
// (then customer, ID), after the cursor if given, and whether more follow:
// one range of follow_ups_by_due (tenant, state, due_time, ...), read from
// the cursor on (see plan_test.go).
func (s *Store) ListFollowUps(ctx context.Context, tenant string, f repository.FollowUpFilter, after *repository.FollowUpCursor, limit int) ([]repository.FollowUpRow, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	var c conds
	c.add("tenant = ? AND state = ?", tenant, f.State)
	if f.CustomerID != "" {
		c.add("customer_id = ?", f.CustomerID)
	}
	if !f.DueFrom.IsZero() {
		c.add("due_time >= ?", repository.Truncate(f.DueFrom).UnixMilli())
	}
	if !f.DueUntil.IsZero() {
		c.add("due_time < ?", repository.Truncate(f.DueUntil).UnixMilli())
	}
	if f.Reason != 0 {
		c.add("reason = ?", f.Reason)
	}
	if f.BlockedSet {
		c.add("blocked = ?", f.Blocked)
	}
	if after != nil {
		c.add("(due_time, customer_id, follow_up_id) > (?, ?, ?)", repository.Truncate(after.DueTime).UnixMilli(), after.CustomerID, after.FollowUpID)
	}
	from := "follow_ups INDEXED BY follow_ups_by_due"
	if f.CustomerID != "" {
		from = "follow_ups INDEXED BY follow_ups_by_customer"
	}
	rows, err := s.query(ctx, "SELECT customer_id, follow_up_id, state, reason, blocked, due_time, doc FROM "+from+" WHERE "+c.sql()+
		" ORDER BY due_time, customer_id, follow_up_id LIMIT ?", append(c.args, limit+1)...)
	if err != nil {
		return nil, false, dbErr("list follow-ups", err)
	}
	return collect(rows, limit, func(r *sql.Rows) (repository.FollowUpRow, error) {
		var row repository.FollowUpRow
		var due int64
		err := r.Scan(&row.CustomerID, &row.FollowUpID, &row.State, &row.Reason, &row.Blocked, &due, &row.FollowUp)
		row.DueTime = time.UnixMilli(due).UTC()
		return row, err
	})
}
