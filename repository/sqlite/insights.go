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
		for _, r := range rows {
			if _, err := s.exec(ctx, t, `INSERT INTO insight_rollups (tenant, granularity, day, dim, value, counter, n) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant, granularity, dim, day, value, counter) DO UPDATE SET n = n + excluded.n`,
				tenant, r.Granularity, r.Day, r.Dim, r.Value, r.Counter, r.N); err != nil {
				return dbErr("add insights", err)
			}
		}
		return nil
	})
}

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

// ClearInsights deletes the tenant's rollups (before a rebuild, in the
// same transaction).
func (s *Store) ClearInsights(ctx context.Context, tenant string) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		_, err := s.exec(ctx, t, "DELETE FROM insight_rollups WHERE tenant = ?", tenant)
		return dbErr("clear insights", err)
	})
}
