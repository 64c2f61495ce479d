package service

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/customercontext"
)

// SummaryStore is what keeping summaries needs from storage.
type SummaryStore interface {
	Atomic
	FollowUpWriter
	GetSummary(ctx context.Context, tenant, customerID string) (*repository.Summary, error)
	UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*repository.Summary) error) (*repository.Summary, error)
	UpdateSummaries(ctx context.Context, tenant string, customerIDs []string, mutate func(*repository.Summary) error) error
}

// summaries keeps customers' summaries up to date after writes.
type summaries struct {
	store SummaryStore
	now   func() time.Time
	// hints are the thresholds the follow-up rules read the context with.
	hints customercontext.HintConfig
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
	// The follow-ups each summary needs written to the index, from the
	// last attempt of its update (an optimistic update may run mutate
	// again).
	var mu sync.Mutex
	changes := map[string]followUpChanges{}
	return s.store.Atomically(ctx, func(ctx context.Context) error {
		err := s.store.UpdateSummaries(ctx, tenant, order, func(sum *repository.Summary) error {
			if stale[sum.CustomerID] {
				sum.Stale = true
			}
			if survivor, ok := customercontext.AliasOf(sum); ok {
				mu.Lock()
				survivors[sum.CustomerID] = survivor
				mu.Unlock()
			}
			if err := updates[sum.CustomerID].Apply(sum, now); err != nil {
				return err
			}
			ch, err := deriveFollowUps(sum, now, s.hints)
			mu.Lock()
			changes[sum.CustomerID] = ch
			mu.Unlock()
			return err
		})
		if err != nil {
			return err
		}
		if err := writeFollowUps(ctx, s.store, tenant, changes); err != nil {
			return err
		}
		if len(survivors) == 0 {
			return nil
		}
		return s.followAliases(ctx, tenant, updates, survivors)
	})
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
	return s.store.Atomically(ctx, func(ctx context.Context) error {
		var survivor string
		var changes followUpChanges
		_, err := s.store.UpdateSummary(ctx, tenant, customerID, func(sum *repository.Summary) error {
			survivor, _ = customercontext.AliasOf(sum)
			if err := u.Apply(sum, now); err != nil {
				return err
			}
			var err error
			changes, err = deriveFollowUps(sum, now, s.hints)
			return err
		})
		if err != nil {
			return err
		}
		if err := writeFollowUps(ctx, s.store, tenant, map[string]followUpChanges{customerID: changes}); err != nil {
			return err
		}
		if survivor != "" {
			return s.followAliases(ctx, tenant, map[string]customercontext.Update{customerID: u}, map[string]string{customerID: survivor})
		}
		return nil
	})
}
