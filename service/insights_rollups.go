package service

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/insights"
	"google.golang.org/protobuf/proto"
)

// InsightStore is what the insight rollups need from storage beyond the
// history: adding to them in a write's unit, reading and clearing them.
type InsightStore interface {
	AddInsights(ctx context.Context, tenant string, rows []repository.InsightRow) error
	ReadInsights(ctx context.Context, tenant string, q repository.InsightQuery) ([]repository.InsightRow, error)
	ClearInsights(ctx context.Context, tenant string) error
	MarkContacted(ctx context.Context, tenant, customerID string, keys []repository.InsightKey) ([]repository.InsightKey, error)
	ListContacted(ctx context.Context, tenant, customerID string) ([]repository.InsightKey, error)
	ReplaceContacted(ctx context.Context, tenant, customerID string, keys []repository.InsightKey) error
}

// rollupStore keeps the insight rollups: it wraps the store every handler
// writes through, and each write that changes a figure (an interaction
// recorded, a survey answer, an issue created or changed, its links
// included, a merge or an unmerge) adds its insights.Delta in the write's
// own unit (Atomically: the same SQLite transaction; on MongoDB, right
// after). Erasures and the retention purge change no rollup: the figures
// of the past stay.
type rollupStore struct {
	Store
	groups insights.Groups
}

// add adds d in ctx's unit.
func (r rollupStore) add(ctx context.Context, tenant string, d insights.Delta) error {
	if len(d) == 0 {
		return nil
	}
	return r.Store.AddInsights(ctx, tenant, d.Rows())
}

// person is a customer with the customers merged into the survivor it
// resolves to: the IDs whose contacts count as one customer's.
func (r rollupStore) person(ctx context.Context, tenant, customerID string) ([]string, error) {
	survivor, halves, err := aliases{store: r.Store}.expand(ctx, tenant, customerID)
	if err != nil {
		return nil, err
	}
	return append([]string{survivor}, halves...), nil
}

// history is every interaction of the customers ids that occurred in
// [from, to) (zero times: no bound).
func history(ctx context.Context, store InteractionStore, tenant string, ids []string, from, to time.Time) ([]*rapportv1.Interaction, error) {
	f := repository.InteractionFilter{AlsoCustomers: ids[1:], After: from, AfterInclusive: true, Before: to}
	var out []*rapportv1.Interaction
	var after *repository.Cursor
	for {
		page, more, err := store.ListInteractions(ctx, tenant, ids[0], f, after, 1000)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if !more || len(page) == 0 {
			return out, nil
		}
		c := interactionCursor(page[len(page)-1])
		after = &c
	}
}

func (r rollupStore) RecordInteractions(ctx context.Context, tenant string, items []repository.NewInteraction) (results []repository.RecordResult, err error) {
	err = r.Store.Atomically(ctx, func(ctx context.Context) error {
		results, err = r.Store.RecordInteractions(ctx, tenant, items)
		if err != nil {
			return err
		}
		d := insights.Delta{}
		news := map[string][]*rapportv1.Interaction{} // by survivor
		var order []string
		survivors := map[string]string{} // by customer: one read each
		for k, res := range results {
			if res.Err != nil || res.AlreadyRecorded || res.Interaction == nil {
				continue
			}
			id := items[k].CustomerID
			survivor, known := survivors[id]
			if !known && res.Survivor != "" {
				// Read by the write itself (SQLite).
				survivor, known = res.Survivor, true
				survivors[id] = survivor
			}
			if !known {
				// The survivor only: the marks are the person's, under its
				// ID, and no history is read.
				survivor, err = aliases{store: r.Store}.survivor(ctx, tenant, id)
				if errors.Is(err, repository.ErrNotFound) {
					// Erased since its interaction was stored: counted in
					// no figure, and the write's closing summary update
					// sweeps what it left (on MongoDB, where this is no
					// transaction, failing here would skip that sweep).
					survivor, err = "", nil
				}
				if err != nil {
					return err
				}
				survivors[id] = survivor
			}
			if survivor == "" {
				continue
			}
			d.Add(r.groups.Interaction(res.Interaction), 1)
			if news[survivor] == nil {
				order = append(order, survivor)
			}
			news[survivor] = append(news[survivor], res.Interaction)
		}
		for _, survivor := range order {
			marked, err := r.Store.MarkContacted(ctx, tenant, survivor, marks(r.groups.Customer(news[survivor])))
			if err != nil {
				return err
			}
			for _, k := range marked {
				k.Counter = insights.CounterCustomers
				d[k]++
			}
		}
		return r.add(ctx, tenant, d)
	})
	return results, err
}

// marks are the contact marks of a customers-contacted delta (its keys,
// without the counter), in a stable order.
func marks(d insights.Delta) []repository.InsightKey {
	out := make([]repository.InsightKey, 0, len(d))
	for k := range d {
		k.Counter = ""
		out = append(out, k)
	}
	slices.SortFunc(out, compareKeys)
	return out
}

func compareKeys(a, b repository.InsightKey) int {
	return cmp.Or(cmp.Compare(a.Granularity, b.Granularity), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Dim, b.Dim), cmp.Compare(a.Value, b.Value))
}

func (r rollupStore) RecordSurvey(ctx context.Context, tenant string, a repository.SurveyAnswer) (res repository.SurveyResult, err error) {
	err = r.Store.Atomically(ctx, func(ctx context.Context) error {
		before, err := r.Store.GetInteraction(ctx, tenant, a.CustomerID, a.InteractionID)
		if err != nil {
			return err
		}
		res, err = r.Store.RecordSurvey(ctx, tenant, a)
		if err != nil || res.AlreadyRecorded {
			return err
		}
		return r.add(ctx, tenant, insights.Change(r.groups.Interaction(before), r.groups.Interaction(res.Interaction)))
	})
	return res, err
}

func (r rollupStore) CreateIssue(ctx context.Context, tenant string, req repository.CreateIssueRequest) (is *rapportv1.Issue, err error) {
	var replayed bool
	if req.Replayed == nil {
		req.Replayed = &replayed
	}
	err = r.Store.Atomically(ctx, func(ctx context.Context) error {
		is, err = r.Store.CreateIssue(ctx, tenant, req)
		if err != nil || *req.Replayed {
			return err
		}
		return r.add(ctx, tenant, r.groups.Issue(is))
	})
	return is, err
}

func (r rollupStore) UpdateIssue(ctx context.Context, tenant, customerID, issueID, etag string, mutate func(*rapportv1.Issue) error) (is *rapportv1.Issue, err error) {
	err = r.Store.Atomically(ctx, func(ctx context.Context) error {
		var before *rapportv1.Issue
		is, err = r.Store.UpdateIssue(ctx, tenant, customerID, issueID, etag, func(stored *rapportv1.Issue) error {
			before = proto.Clone(stored).(*rapportv1.Issue) // each attempt's
			return mutate(stored)
		})
		if err != nil {
			return err
		}
		return r.add(ctx, tenant, insights.Change(r.groups.Issue(before), r.groups.Issue(is)))
	})
	return is, err
}

func (r rollupStore) MergeCustomers(ctx context.Context, tenant string, m repository.Merge) (got repository.Merge, already bool, err error) {
	err = r.Store.Atomically(ctx, func(ctx context.Context) error {
		survivor, err := aliases{store: r.Store}.survivor(ctx, tenant, m.Survivor)
		if err != nil {
			return err
		}
		got, already, err = r.Store.MergeCustomers(ctx, tenant, m)
		if err != nil || already {
			return err
		}
		// The two were counted apart; from now on they are one customer:
		// each key both were counted in counts one less, and the merged
		// customer's marks become the survivor's.
		mm, err := r.Store.ListContacted(ctx, tenant, m.Merged)
		if err != nil {
			return err
		}
		both, err := r.Store.MarkContacted(ctx, tenant, survivor, mm)
		if err != nil {
			return err
		}
		if err := r.Store.ReplaceContacted(ctx, tenant, m.Merged, nil); err != nil {
			return err
		}
		d := insights.Delta{}
		for _, k := range mm {
			d[repository.InsightKey{Granularity: k.Granularity, Day: k.Day, Dim: k.Dim, Value: k.Value, Counter: insights.CounterCustomers}]--
		}
		for _, k := range both {
			k.Counter = insights.CounterCustomers
			d[k]++ // marked first now: the survivor was not counted there
		}
		return r.add(ctx, tenant, d)
	})
	return got, already, err
}

func (r rollupStore) UnmergeCustomers(ctx context.Context, tenant, survivor, merged string) error {
	return r.Store.Atomically(ctx, func(ctx context.Context) error {
		ids, err := r.person(ctx, tenant, survivor)
		if err != nil {
			return err
		}
		before, err := r.Store.ListContacted(ctx, tenant, ids[0])
		if err != nil {
			return err
		}
		if err := r.Store.UnmergeCustomers(ctx, tenant, survivor, merged); err != nil {
			return err
		}
		// The two are counted apart again, each where its own history
		// has contacts; a key only the marks know (its contacts purged by
		// retention) stays with the survivor: figures of the past stay.
		rest := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == merged })
		sh, err := history(ctx, r.Store, tenant, rest, time.Time{}, time.Time{})
		if err != nil {
			return err
		}
		mh, err := history(ctx, r.Store, tenant, []string{merged}, time.Time{}, time.Time{})
		if err != nil {
			return err
		}
		sd, md := r.groups.Customer(sh), r.groups.Customer(mh)
		for _, k := range before {
			k.Counter = insights.CounterCustomers
			if _, ok := md[k]; !ok {
				sd[k] = 1
			}
		}
		if err := r.Store.ReplaceContacted(ctx, tenant, ids[0], marks(sd)); err != nil {
			return err
		}
		if err := r.Store.ReplaceContacted(ctx, tenant, merged, marks(md)); err != nil {
			return err
		}
		d := sd
		d.Add(md, 1)
		for _, k := range before {
			k.Counter = insights.CounterCustomers
			d[k]--
		}
		return r.add(ctx, tenant, d)
	})
}

// RecountStore is what a recount of the rollups reads.
type RecountStore interface {
	InteractionStore
	ListCustomers(ctx context.Context, tenant string, f repository.CustomerFilter, afterID string, limit int) ([]*rapportv1.Customer, bool, error)
	ListIssues(ctx context.Context, tenant, customerID string, f repository.IssueFilter, after *repository.Cursor, limit int) ([]*rapportv1.Issue, bool, error)
	ListMerges(ctx context.Context, tenant, survivor string) ([]repository.Merge, error)
}

// RecountInsights counts a tenant's rollups afresh from the history it
// holds: what incremental upkeep must equal (figures of erased customers
// and purged contacts aside, which a recount cannot see).
func RecountInsights(ctx context.Context, store RecountStore, tenant string, g insights.Groups) (insights.Delta, error) {
	d := insights.Delta{}
	err := eachPerson(ctx, store, tenant, func(survivor string) error {
		pd, err := RecountPerson(ctx, store, tenant, survivor, g)
		d.Add(pd, 1)
		return err
	})
	return d, err
}

// eachPerson calls fn with each survivor of tenant (a customer not merged
// into another), in ID order.
func eachPerson(ctx context.Context, store RecountStore, tenant string, fn func(survivor string) error) error {
	after := ""
	for {
		page, more, err := store.ListCustomers(ctx, tenant, repository.CustomerFilter{}, after, 500)
		if err != nil {
			return err
		}
		for _, c := range page {
			id, err := parseCustomerName("", c.GetName())
			if err != nil {
				return err
			}
			if err := fn(id); err != nil {
				return err
			}
		}
		if !more || len(page) == 0 {
			return nil
		}
		after, _ = parseCustomerName("", page[len(page)-1].GetName())
	}
}

// RecountPerson is what one survivor (with the customers merged into it)
// contributes to the rollups.
func RecountPerson(ctx context.Context, store RecountStore, tenant, survivor string, g insights.Groups) (insights.Delta, error) {
	ms, err := store.ListMerges(ctx, tenant, survivor)
	if err != nil {
		return nil, err
	}
	ids := []string{survivor}
	for _, m := range ms {
		ids = append(ids, m.Merged)
	}
	ins, err := history(ctx, store, tenant, ids, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	d := g.Customer(ins)
	for _, in := range ins {
		d.Add(g.Interaction(in), 1)
	}
	var after *repository.Cursor
	for {
		page, more, err := store.ListIssues(ctx, tenant, survivor, repository.IssueFilter{AlsoCustomers: ids[1:]}, after, 500)
		if err != nil {
			return nil, err
		}
		for _, is := range page {
			d.Add(g.Issue(is), 1)
		}
		if !more || len(page) == 0 {
			return d, nil
		}
		c := issueCursor(page[len(page)-1])
		after = &c
	}
}

// RebuildStore is what a rebuild of the rollups needs.
type RebuildStore interface {
	RecountStore
	InsightStore
}

// RebuildInsights replaces a tenant's rollups and contact marks with a
// recount, in one unit (one transaction on SQLite). It drops the figures
// of erased customers and purged contacts, which the history no longer
// holds.
func RebuildInsights(ctx context.Context, store RebuildStore, tenant string, g insights.Groups) (rows int, err error) {
	err = store.Atomically(ctx, func(ctx context.Context) error {
		if err := store.ClearInsights(ctx, tenant); err != nil {
			return err
		}
		d := insights.Delta{}
		err := eachPerson(ctx, store, tenant, func(survivor string) error {
			pd, err := RecountPerson(ctx, store, tenant, survivor, g)
			if err != nil {
				return err
			}
			d.Add(pd, 1)
			counted := insights.Delta{}
			for k, n := range pd {
				if k.Counter == insights.CounterCustomers && n > 0 {
					counted[k] = n
				}
			}
			_, err = store.MarkContacted(ctx, tenant, survivor, marks(counted))
			return err
		})
		if err != nil {
			return err
		}
		r := d.Rows()
		rows = len(r)
		return store.AddInsights(ctx, tenant, r)
	})
	return rows, err
}

// GetSummaryIfChanged passes the context cache's read through to the
// store (see repository.UnchangedSummaryReader); a store that cannot tell
// is read whole, and its summary, without a fingerprint, is not cached.
func (r rollupStore) GetSummaryIfChanged(ctx context.Context, tenant, customerID string, known uint64) (*repository.Summary, bool, error) {
	if u, ok := r.Store.(repository.UnchangedSummaryReader); ok {
		return u.GetSummaryIfChanged(ctx, tenant, customerID, known)
	}
	sum, err := r.Store.GetSummary(ctx, tenant, customerID)
	return sum, false, err
}
