package service

import (
	"context"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/customercontext"
)

// SummaryStore is what keeping summaries needs from storage.
type SummaryStore interface {
	GetSummary(ctx context.Context, tenant, customerID string) (*repository.Summary, error)
	UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*repository.Summary) error) (*repository.Summary, error)
	UpdateSummaries(ctx context.Context, tenant string, customerIDs []string, mutate func(*repository.Summary) error) error
}

// summaries keeps customers' summaries up to date after writes.
type summaries struct {
	store SummaryStore
	now   func() time.Time
}

// updateMany applies each customer's update to their summary, in one call
// to the store (the embedded store reads and writes them in batches), and
// marks stale those of the customers in stale (the next read rebuilds
// them).
func (s summaries) updateMany(ctx context.Context, tenant string, updates map[string]customercontext.Update, order []string, stale map[string]bool) error {
	if len(order) == 0 {
		return nil
	}
	now := s.now()
	return s.store.UpdateSummaries(ctx, tenant, order, func(sum *repository.Summary) error {
		if stale[sum.CustomerID] {
			sum.Stale = true
		}
		return updates[sum.CustomerID].Apply(sum, now)
	})
}

// update applies u to the customer's summary. An error means the summary
// may lag behind the write that was made: the caller reports it, so that
// the client retries, and the retry repairs the summary.
func (s summaries) update(ctx context.Context, tenant, customerID string, u customercontext.Update) error {
	if u.Empty() {
		return nil
	}
	now := s.now()
	_, err := s.store.UpdateSummary(ctx, tenant, customerID, func(sum *repository.Summary) error {
		return u.Apply(sum, now)
	})
	return err
}
