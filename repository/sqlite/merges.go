package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rapporthq/rapport/repository"
)

// MergeCustomers records that m.Merged is merged into m.Survivor, in one
// transaction, after checking that both exist and that the merge does not
// chain: the survivor is not merged, the merged customer is merged nowhere
// else and nothing is merged into it. Merging again into the same survivor
// returns the first merge, already true. The merged customer's row is
// marked (merged_into) in the same transaction, for ListCustomers. Merges
// from several processes take turns on the file's write lock, each
// checking what the one before committed: they cannot chain.
func (s *Store) MergeCustomers(ctx context.Context, tenant string, m repository.Merge) (repository.Merge, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return m, false, err
	}
	var out repository.Merge
	var already bool
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		for _, id := range []string{m.Survivor, m.Merged} {
			if ok, err := s.exists(ctx, tenant, id); err != nil {
				return err
			} else if !ok {
				return fmt.Errorf("customer %q: %w", id, repository.ErrNotFound)
			}
		}
		if first, err := s.mergeOf(ctx, tenant, m.Merged); err != nil {
			return err
		} else if first != nil {
			if first.Survivor != m.Survivor {
				return fmt.Errorf("%q is merged into %q: %w", m.Merged, first.Survivor, repository.ErrMergeConflict)
			}
			out, already = *first, true
			return nil
		}
		if first, err := s.mergeOf(ctx, tenant, m.Survivor); err != nil {
			return err
		} else if first != nil {
			return fmt.Errorf("%q is itself merged: %w", m.Survivor, repository.ErrMergeConflict)
		}
		for _, id := range []string{m.Merged, m.Survivor} {
			into, err := s.ListMerges(ctx, tenant, id)
			if err != nil {
				return err
			}
			if id == m.Merged && len(into) > 0 {
				return fmt.Errorf("customers are merged into %q: %w", m.Merged, repository.ErrMergeConflict)
			}
			if id == m.Survivor && len(into) >= repository.MaxMerges {
				return fmt.Errorf("%d customers are merged into %q: %w", len(into), m.Survivor, repository.ErrMergeConflict)
			}
		}
		m.MergeTime = repository.Truncate(m.MergeTime)
		if _, err := s.exec(ctx, t, "INSERT INTO merges (tenant, merged_id, survivor_id, rule, merge_time) VALUES (?, ?, ?, ?, ?)",
			tenant, m.Merged, m.Survivor, m.Rule, m.MergeTime.UnixMilli()); err != nil {
			return dbErr("record merge", err)
		}
		if _, err := s.exec(ctx, t, "UPDATE customers SET merged_into = ? WHERE tenant = ? AND customer_id = ?", m.Survivor, tenant, m.Merged); err != nil {
			return dbErr("record merge", err)
		}
		out = m
		return nil
	})
	return out, already, err
}

// mergeOf returns the merge of a merged customer, or nil.
func (s *Store) mergeOf(ctx context.Context, tenant, merged string) (*repository.Merge, error) {
	m := repository.Merge{Merged: merged}
	var at int64
	err := s.queryRow(ctx, "SELECT survivor_id, rule, merge_time FROM merges WHERE tenant = ? AND merged_id = ?", tenant, merged).Scan(&m.Survivor, &m.Rule, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, dbErr("read merge", err)
	}
	m.MergeTime = time.UnixMilli(at).UTC()
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

// ListMerges returns the merges into a survivor, oldest first.
func (s *Store) ListMerges(ctx context.Context, tenant, survivor string) ([]repository.Merge, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT merged_id, rule, merge_time FROM merges WHERE tenant = ? AND survivor_id = ? ORDER BY merge_time, merged_id",
		tenant, survivor)
	if err != nil {
		return nil, dbErr("list merges", err)
	}
	defer rows.Close()
	var out []repository.Merge
	for rows.Next() {
		m := repository.Merge{Survivor: survivor}
		var at int64
		if err := rows.Scan(&m.Merged, &m.Rule, &at); err != nil {
			return nil, dbErr("list merges", err)
		}
		m.MergeTime = time.UnixMilli(at).UTC()
		out = append(out, m)
	}
	return out, dbErr("list merges", rows.Err())
}

// ListMergesInto returns the merges into any of survivors (a page of
// ListCustomers), each survivor's oldest first: one query, which seeks
// merges_by_survivor once per survivor.
func (s *Store) ListMergesInto(ctx context.Context, tenant string, survivors []string) ([]repository.Merge, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	if len(survivors) == 0 {
		return nil, nil
	}
	args := []any{tenant}
	for _, id := range survivors {
		args = append(args, id)
	}
	rows, err := s.query(ctx, "SELECT survivor_id, merged_id, rule, merge_time FROM merges WHERE tenant = ? AND survivor_id IN ("+
		strings.Repeat("?, ", len(survivors)-1)+"?)", args...)
	if err != nil {
		return nil, dbErr("list merges", err)
	}
	defer rows.Close()
	var out []repository.Merge
	for rows.Next() {
		var m repository.Merge
		var at int64
		if err := rows.Scan(&m.Survivor, &m.Merged, &m.Rule, &at); err != nil {
			return nil, dbErr("list merges", err)
		}
		m.MergeTime = time.UnixMilli(at).UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("list merges", err)
	}
	repository.SortMerges(out)
	return out, nil
}

// UnmergeCustomers removes the merge of merged into survivor:
// ErrNotFound if there is none.
func (s *Store) UnmergeCustomers(ctx context.Context, tenant, survivor, merged string) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		r, err := s.exec(ctx, t, "DELETE FROM merges WHERE tenant = ? AND merged_id = ? AND survivor_id = ?", tenant, merged, survivor)
		if err != nil {
			return dbErr("remove merge", err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return dbErr("remove merge", err)
		} else if n == 0 {
			return fmt.Errorf("merge of %q into %q: %w", merged, survivor, repository.ErrNotFound)
		}
		if _, err := s.exec(ctx, t, "UPDATE customers SET merged_into = NULL WHERE tenant = ? AND customer_id = ?", tenant, merged); err != nil {
			return dbErr("remove merge", err)
		}
		return nil
	})
}
