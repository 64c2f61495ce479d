package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rapporthq/rapport/repository"
)

// GetSummary reads a customer's summary: one point read.
func (s *Store) GetSummary(ctx context.Context, tenant, customerID string) (*repository.Summary, error) {
	sum, _, err := s.GetSummaryIfChanged(ctx, tenant, customerID, 0)
	return sum, err
}

// GetSummaryIfChanged is GetSummary, unless the stored summary has the
// fingerprint known (see repository.UnchangedSummaryReader).
func (s *Store) GetSummaryIfChanged(ctx context.Context, tenant, customerID string, known uint64) (*repository.Summary, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	sum := &repository.Summary{Tenant: tenant, CustomerID: customerID}
	var (
		updated int64
		data    []byte
	)
	err := s.queryRow(ctx, "SELECT revision, update_time, stale, data FROM summaries WHERE tenant = ? AND customer_id = ?",
		tenant, customerID).Scan(&sum.Revision, &updated, &sum.Stale, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("summary of %q: %w", customerID, repository.ErrNotFound)
	}
	if err != nil {
		return nil, false, dbErr("read summary", err)
	}
	sum.Fingerprint = repository.SummaryFingerprint(sum.Revision, updated, sum.Stale, data)
	if sum.Fingerprint == known {
		return nil, true, nil
	}
	sum.UpdateTime = timeOf(sql.NullInt64{Int64: updated, Valid: true})
	if err := repository.DecodeSummary(data, sum); err != nil {
		return nil, false, err
	}
	return sum, false, nil
}

// UpdateSummary applies mutate to a customer's summary (an empty one if
// there is none yet) and saves it, in one transaction (writers take turns:
// a summary is never left stale here). An error from mutate
// is returned as is and saves nothing. A customer that does not exist (or
// was erased meanwhile) is ErrNotFound, and nothing is saved: inside
// Atomically, that undoes the call's other writes too, so a write racing
// an erasure leaves nothing behind.
func (s *Store) UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*repository.Summary) error) (*repository.Summary, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	var out *repository.Summary
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		if ok, err := s.exists(ctx, tenant, customerID); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("customer %q: %w", customerID, repository.ErrNotFound)
		}
		cur, err := s.GetSummary(ctx, tenant, customerID)
		switch {
		case errors.Is(err, repository.ErrNotFound):
			cur = &repository.Summary{Tenant: tenant, CustomerID: customerID}
		case errors.Is(err, repository.ErrCorruptSummary):
			// Unreadable: mutate starts from nothing (a rebuild replaces
			// it whole).
			var rev int64
			if err := s.queryRow(ctx, "SELECT revision FROM summaries WHERE tenant = ? AND customer_id = ?", tenant, customerID).Scan(&rev); err != nil {
				return dbErr("read summary", err)
			}
			cur = &repository.Summary{Tenant: tenant, CustomerID: customerID, Revision: rev}
		case err != nil:
			return err
		}
		if err := s.saveSummary(ctx, t, cur, mutate, repository.Truncate(s.now())); err != nil {
			return err
		}
		out = cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSummaries is UpdateSummary for several customers of tenant, in
// one transaction: one query checks that they all exist (else ErrNotFound,
// and nothing is saved), one reads their summaries, and each is saved
// after mutate (which tells them apart by Summary.CustomerID).
func (s *Store) UpdateSummaries(ctx context.Context, tenant string, customerIDs []string, mutate func(*repository.Summary) error) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	if len(customerIDs) == 0 {
		return nil
	}
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		items := make([]repository.NewInteraction, len(customerIDs))
		for i, id := range customerIDs {
			items[i].CustomerID = id
		}
		live, err := s.liveCustomers(ctx, tenant, items)
		if err != nil {
			return err
		}
		for _, id := range customerIDs {
			if live[id] == "" {
				return fmt.Errorf("customer %q: %w", id, repository.ErrNotFound)
			}
		}
		current, err := s.summariesOf(ctx, tenant, customerIDs)
		if err != nil {
			return err
		}
		now := repository.Truncate(s.now())
		for _, id := range customerIDs {
			cur, ok := current[id]
			if !ok {
				cur = &repository.Summary{Tenant: tenant, CustomerID: id}
			}
			if err := s.saveSummary(ctx, t, cur, mutate, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// summariesOf reads the stored summaries of customers (those that have
// one), with as few queries as the IN lists allow. One that cannot be
// decoded comes back empty, with its revision (a rebuild replaces it).
func (s *Store) summariesOf(ctx context.Context, tenant string, customerIDs []string) (map[string]*repository.Summary, error) {
	out := map[string]*repository.Summary{}
	ids := make([]any, len(customerIDs))
	for i, id := range customerIDs {
		ids[i] = id
	}
	for chunk := range slices.Chunk(ids, 512) {
		chunk = padded(chunk)
		rows, err := s.query(ctx, "SELECT customer_id, revision, update_time, stale, data FROM summaries WHERE tenant = ? AND customer_id IN ("+placeholders(len(chunk))+")",
			append([]any{tenant}, chunk...)...)
		if err != nil {
			return nil, dbErr("read summaries", err)
		}
		_, _, err = collect(rows, -1, func(r *sql.Rows) (struct{}, error) {
			sum := &repository.Summary{Tenant: tenant}
			var (
				updated int64
				data    []byte
			)
			if err := r.Scan(&sum.CustomerID, &sum.Revision, &updated, &sum.Stale, &data); err != nil {
				return struct{}{}, err
			}
			sum.UpdateTime = time.UnixMilli(updated).UTC()
			if repository.DecodeSummary(data, sum) != nil {
				*sum = repository.Summary{Tenant: tenant, CustomerID: sum.CustomerID, Revision: sum.Revision}
			}
			out[sum.CustomerID] = sum
			return struct{}{}, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// saveSummary applies mutate to cur and saves it at the next revision.
func (s *Store) saveSummary(ctx context.Context, t *txn, cur *repository.Summary, mutate func(*repository.Summary) error, now time.Time) error {
	tenant, customerID, old := cur.Tenant, cur.CustomerID, cur.Revision
	if err := mutate(cur); err != nil {
		return err
	}
	cur.Tenant, cur.CustomerID = tenant, customerID
	cur.Revision = old + 1
	cur.UpdateTime = now
	if _, err := s.exec(ctx, t, `INSERT INTO summaries (tenant, customer_id, revision, update_time, first_contact, stale, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, customer_id) DO UPDATE SET revision = excluded.revision, update_time = excluded.update_time,
			first_contact = excluded.first_contact, stale = excluded.stale, data = excluded.data`,
		tenant, customerID, cur.Revision, now.UnixMilli(), ms(cur.FirstContact), cur.Stale, repository.EncodeSummary(cur)); err != nil {
		return dbErr("save summary", err)
	}
	t.changedSummary(tenant, customerID)
	return nil
}

// changedSummary notes that the transaction changed (or erased) a
// customer's summary, for the change feed once it commits.
func (t *txn) changedSummary(tenant, customerID string) {
	if t.changed == nil {
		t.changed = map[repository.SummaryRef]bool{}
	}
	t.changed[repository.SummaryRef{Tenant: tenant, CustomerID: customerID}] = true
}

// WatchSummaries calls fn with the tenant and customer of every summary
// that this process changes, as soon as its transaction commits, until ctx
// ends. Changes made by other processes sharing the file are not pushed:
// watchers see them by polling.
func (s *Store) WatchSummaries(ctx context.Context, fn func(tenant, customerID string)) error {
	ch, cancel := s.changes.subscribe()
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ref := <-ch:
			fn(ref.Tenant, ref.CustomerID)
		}
	}
}

// changeFeed fans committed summary changes out to subscribers. A
// subscriber that falls behind loses changes (its buffer is full), never
// slows a writer: watchers poll as well.
type changeFeed struct {
	mu   sync.Mutex
	subs map[chan repository.SummaryRef]struct{}
}

func newChangeFeed() *changeFeed {
	return &changeFeed{subs: map[chan repository.SummaryRef]struct{}{}}
}

func (f *changeFeed) subscribe() (<-chan repository.SummaryRef, func()) {
	ch := make(chan repository.SummaryRef, 1024)
	f.mu.Lock()
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	return ch, func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}
}

func (f *changeFeed) notify(ref repository.SummaryRef) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		select {
		case ch <- ref:
		default:
		}
	}
}
