package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/rapporthq/rapport/repository"
)

// AddInsights adds each row's N to its rollup counter (an upsert: n = n +
// ?), in ctx's transaction: the write whose change the rows are lands
// with them or not at all.
func (s *Store) AddInsights(ctx context.Context, tenant string, rows []repository.InsightRow) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		// One statement per insightsBatch rows (a multi-row upsert).
		for len(rows) > 0 {
			chunk := rows[:min(len(rows), insightsBatch)]
			rows = rows[len(chunk):]
			args := make([]any, 0, 7*len(chunk))
			for _, r := range chunk {
				args = append(args, tenant, r.Granularity, r.Day, r.Dim, r.Value, r.Counter, r.N)
			}
			q := "INSERT INTO insight_rollups (tenant, granularity, day, dim, value, counter, n) VALUES (?, ?, ?, ?, ?, ?, ?)" +
				strings.Repeat(", (?, ?, ?, ?, ?, ?, ?)", len(chunk)-1) +
				" ON CONFLICT (tenant, granularity, dim, day, value, counter) DO UPDATE SET n = n + excluded.n"
			if _, err := s.exec(ctx, t, q, args...); err != nil {
				return dbErr("add insights", err)
			}
		}
		return nil
	})
}

// insightsBatch bounds the rows of one upsert statement (7 parameters a
// row, well under SQLite's 32,766).
const insightsBatch = 500

// insightsRead is the statement of one dimension's rollup rows: a range
// of the primary key (tenant, granularity, dim, day).
const insightsRead = `SELECT day, value, counter, n FROM insight_rollups
WHERE tenant = ? AND granularity = ? AND dim = ? AND day >= ? AND day < ? AND n != 0`

// ReadInsights reads the rollup rows of q, one range of the key per
// dimension.
func (s *Store) ReadInsights(ctx context.Context, tenant string, q repository.InsightQuery) ([]repository.InsightRow, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	var out []repository.InsightRow
	query := insightsRead
	if len(q.Counters) > 0 {
		query += " AND counter IN (?" + strings.Repeat(", ?", len(q.Counters)-1) + ")"
	}
	for _, dim := range q.Dims {
		args := []any{tenant, q.Granularity, dim, q.From, q.To}
		for _, c := range q.Counters {
			args = append(args, c)
		}
		rows, err := s.query(ctx, query, args...)
		if err != nil {
			return nil, dbErr("read insights", err)
		}
		got, _, err := collect(rows, -1, func(r *sql.Rows) (repository.InsightRow, error) {
			row := repository.InsightRow{InsightKey: repository.InsightKey{Granularity: q.Granularity, Dim: dim}}
			err := r.Scan(&row.Day, &row.Value, &row.Counter, &row.N)
			return row, err
		})
		if err != nil {
			return nil, dbErr("read insights", err)
		}
		out = append(out, got...)
	}
	return out, nil
}

// ClearInsights deletes the tenant's rollups and contact marks (before a
// rebuild, in the same transaction).
func (s *Store) ClearInsights(ctx context.Context, tenant string) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		if _, err := s.exec(ctx, t, "DELETE FROM insight_rollups WHERE tenant = ?", tenant); err != nil {
			return dbErr("clear insights", err)
		}
		_, err := s.exec(ctx, t, "DELETE FROM insight_contacted WHERE tenant = ?", tenant)
		return dbErr("clear insights", err)
	})
}

// MarkContacted adds the marks of keys for the person customerID (see
// repository.Adapter) in ctx's transaction, and returns the keys that it
// marked first: one insert per insightsBatch keys, whose RETURNING names
// the rows inserted (a key marked before is skipped by ON CONFLICT).
func (s *Store) MarkContacted(ctx context.Context, tenant, customerID string, keys []repository.InsightKey) ([]repository.InsightKey, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	var marked []repository.InsightKey
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		marked = marked[:0]
		for rest := keys; len(rest) > 0; {
			chunk := rest[:min(len(rest), insightsBatch)]
			rest = rest[len(chunk):]
			args := make([]any, 0, 6*len(chunk))
			for _, k := range chunk {
				args = append(args, tenant, customerID, k.Granularity, k.Day, k.Dim, k.Value)
			}
			q := "INSERT INTO insight_contacted (tenant, customer_id, granularity, day, dim, value) VALUES (?, ?, ?, ?, ?, ?)" +
				strings.Repeat(", (?, ?, ?, ?, ?, ?)", len(chunk)-1) +
				" ON CONFLICT DO NOTHING RETURNING granularity, day, dim, value"
			rows, err := s.query(ctx, q, args...)
			if err != nil {
				return dbErr("mark contacted", err)
			}
			got, _, err := collect(rows, -1, scanMark)
			if err != nil {
				return dbErr("mark contacted", err)
			}
			marked = append(marked, got...)
		}
		return nil
	})
	return marked, err
}

func scanMark(r *sql.Rows) (repository.InsightKey, error) {
	var k repository.InsightKey
	err := r.Scan(&k.Granularity, &k.Day, &k.Dim, &k.Value)
	return k, err
}

// ListContacted returns the marks of the person customerID: one range of
// the primary key.
func (s *Store) ListContacted(ctx context.Context, tenant, customerID string) ([]repository.InsightKey, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT granularity, day, dim, value FROM insight_contacted WHERE tenant = ? AND customer_id = ?", tenant, customerID)
	if err != nil {
		return nil, dbErr("list contacted", err)
	}
	got, _, err := collect(rows, -1, scanMark)
	return got, dbErr("list contacted", err)
}

// ReplaceContacted sets the marks of the person customerID to keys, in
// ctx's transaction.
func (s *Store) ReplaceContacted(ctx context.Context, tenant, customerID string, keys []repository.InsightKey) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		if _, err := s.deleteOwned(ctx, t, "insight_contacted", tenant, customerID); err != nil {
			return err
		}
		_, err := s.MarkContacted(ctx, tenant, customerID, keys)
		return err
	})
}
