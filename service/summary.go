package service

import (
	"context"
	"slices"
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
// them). A customer merged into another has a mark for a summary: its
// update goes to the survivor's summary too (see followAliases).
func (s summaries) updateMany(ctx context.Context, tenant string, updates map[string]customercontext.Update, order []string, stale map[string]bool) error {
	if len(order) == 0 {
		return nil
	}
	now := s.now()
	survivors := map[string]string{}
	err := s.store.UpdateSummaries(ctx, tenant, order, func(sum *repository.Summary) error {
		if stale[sum.CustomerID] {
			sum.Stale = true
		}
		if survivor, ok := customercontext.AliasOf(sum); ok {
			survivors[sum.CustomerID] = survivor
		}
		return updates[sum.CustomerID].Apply(sum, now)
	})
	if err != nil || len(survivors) == 0 {
		return err
	}
	return s.followAliases(ctx, tenant, updates, survivors)
}

// followAliases applies the updates of merged customers to their
// survivors' summaries: what is written under a merged customer's name
// is seen through the survivor. Merging is idempotent, so an update
// applied twice (a retry) counts once.
func (s summaries) followAliases(ctx context.Context, tenant string, updates map[string]customercontext.Update, survivors map[string]string) error {
	next := map[string]customercontext.Update{}
	var order []string
	for merged, name := range survivors {
		id, err := parseCustomerName("", name)
		if err != nil {
			return err
		}
		u, seen := next[id]
		if !seen {
			order = append(order, id)
			u.Replayed = map[string]bool{}
		}
		m := updates[merged]
		u.Issues = append(u.Issues, m.Issues...)
		u.Interactions = append(u.Interactions, m.Interactions...)
		u.Surveys = append(u.Surveys, m.Surveys...)
		for k, v := range m.Replayed {
			u.Replayed[k] = v
		}
		next[id] = u
	}
	slices.Sort(order)
	return s.updateMany(ctx, tenant, next, order, nil)
}

// update applies u to the customer's summary (and, for a merged customer,
// to the survivor's). An error means the summary may lag behind the write
// that was made: the caller reports it, so that the client retries, and
// the retry repairs the summary.
func (s summaries) update(ctx context.Context, tenant, customerID string, u customercontext.Update) error {
	if u.Empty() {
		return nil
	}
	now := s.now()
	var survivor string
	_, err := s.store.UpdateSummary(ctx, tenant, customerID, func(sum *repository.Summary) error {
		survivor, _ = customercontext.AliasOf(sum)
		return u.Apply(sum, now)
	})
	if err != nil {
		return err
	}
	if survivor != "" {
		return s.followAliases(ctx, tenant, map[string]customercontext.Update{customerID: u}, map[string]string{customerID: survivor})
	}
	return nil
}
