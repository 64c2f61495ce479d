package service

import (
	"context"
	"errors"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/audit"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/rpcerr"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// MergeStore is what merges of customers need from storage.
type MergeStore interface {
	MergeCustomers(ctx context.Context, tenant string, m repository.Merge) (repository.Merge, bool, error)
	UnmergeCustomers(ctx context.Context, tenant, survivor, merged string) error
	ListMerges(ctx context.Context, tenant, survivor string) ([]repository.Merge, error)
	ListMergesInto(ctx context.Context, tenant string, survivors []string) ([]repository.Merge, error)
	MergedInto(ctx context.Context, tenant, customerID string) (string, error)
	GetCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error)
}

// aliases resolves merged customers to their survivors, and shows a
// survivor with its halves.
type aliases struct{ store MergeStore }

// survivor is the customer a name resolves to: the survivor of the
// customer's merge, or the customer.
func (a aliases) survivor(ctx context.Context, tenant, customerID string) (string, error) {
	into, err := a.store.MergedInto(ctx, tenant, customerID)
	if err != nil || into == "" {
		return customerID, err
	}
	return into, nil
}

// halves are the IDs of the customers merged into a survivor, oldest
// merge first.
func (a aliases) halves(ctx context.Context, tenant, survivor string) ([]string, []repository.Merge, error) {
	ms, err := a.store.ListMerges(ctx, tenant, survivor)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.Merged
	}
	return ids, ms, nil
}

// expand is the survivor a name resolves to, and the halves merged into
// it: what a list of the name's history covers.
func (a aliases) expand(ctx context.Context, tenant, customerID string) (string, []string, error) {
	survivor, err := a.survivor(ctx, tenant, customerID)
	if err != nil {
		return "", nil, err
	}
	halves, _, err := a.halves(ctx, tenant, survivor)
	return survivor, halves, err
}

// view is a survivor's profile as reads show it: with its halves' filling
// in, by each merge's rule (customercontext.MergedProfile).
func (a aliases) view(ctx context.Context, tenant string, c *rapportv1.Customer) (*rapportv1.Customer, error) {
	id, err := parseCustomerName("", c.GetName())
	if err != nil {
		return nil, err
	}
	_, ms, err := a.halves(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return a.withHalves(ctx, tenant, c, ms)
}

// viewAll is view of every customer of a page (ListCustomers), with one
// read of the merges into any of them.
func (a aliases) viewAll(ctx context.Context, tenant string, cs []*rapportv1.Customer) error {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.GetName()[len("customers/"):]
	}
	ms, err := a.store.ListMergesInto(ctx, tenant, ids)
	if err != nil || len(ms) == 0 {
		return err
	}
	into := map[string][]repository.Merge{}
	for _, m := range ms {
		into[m.Survivor] = append(into[m.Survivor], m)
	}
	for i, id := range ids {
		if cs[i], err = a.withHalves(ctx, tenant, cs[i], into[id]); err != nil {
			return err
		}
	}
	return nil
}

// withHalves is a survivor's profile with the halves of its merges ms
// filling in, by each merge's rule (customercontext.MergedProfile).
func (a aliases) withHalves(ctx context.Context, tenant string, c *rapportv1.Customer, ms []repository.Merge) (*rapportv1.Customer, error) {
	if len(ms) == 0 {
		return c, nil
	}
	var halves []*rapportv1.Customer
	var rules []rapportv1.MergeProfileRule
	for _, m := range ms {
		h, err := a.store.GetCustomer(ctx, tenant, m.Merged)
		if err != nil {
			return nil, err
		}
		halves, rules = append(halves, h), append(rules, rapportv1.MergeProfileRule(m.Rule))
	}
	return customercontext.MergedProfile(c, halves, rules), nil
}

// resolved reads the customer a name resolves to, as reads show it.
func (a aliases) resolved(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error) {
	c, err := a.store.GetCustomer(ctx, tenant, customerID)
	if err != nil {
		return nil, err
	}
	if survivor, err := a.survivor(ctx, tenant, customerID); err != nil {
		return nil, err
	} else if survivor != customerID {
		if c, err = a.store.GetCustomer(ctx, tenant, survivor); err != nil {
			return nil, err
		}
	}
	return a.view(ctx, tenant, c)
}

func mergeProto(m repository.Merge) *rapportv1.Merge {
	return &rapportv1.Merge{
		Name:           repository.CustomerName(m.Survivor) + "/merges/" + m.Merged,
		MergedCustomer: repository.CustomerName(m.Merged),
		ProfileRule:    rapportv1.MergeProfileRule(max(m.Rule, 1)),
		MergeTime:      timestamppb.New(m.MergeTime),
	}
}

// mergeErr maps a merge's storage errors to statuses.
func mergeErr(err error, names ...string) error {
	switch {
	case errors.Is(err, repository.ErrMergeConflict):
		return rpcerr.New(codes.FailedPrecondition, rpcerr.ReasonMergeConflict,
			"these customers cannot be merged: one is merged already, or has customers merged into it (merges do not chain)", nil)
	case errors.Is(err, repository.ErrNotFound):
		return rpcerr.New(codes.NotFound, rpcerr.ReasonCustomerNotFound, "no such customer: "+names[0]+" or "+names[1], map[string]string{"resource": names[0]})
	}
	return err
}

func (s *customerServer) MergeCustomers(ctx context.Context, req *rapportv1.MergeCustomersRequest) (*rapportv1.MergeCustomersResponse, error) {
	survivor, err := parseCustomerName("customer", req.GetCustomer())
	if err != nil {
		return nil, err
	}
	merged, err := parseCustomerName("merged_customer", req.GetMergedCustomer())
	if err != nil {
		return nil, err
	}
	var v violations
	if merged == survivor {
		v.add("merged_customer", "must be another customer than customer")
	}
	v.enum("profile_rule", req.GetProfileRule(), false)
	if err := v.err(); err != nil {
		return nil, err
	}
	audit.NoteCustomer(ctx, req.GetMergedCustomer())
	tenant := access.TenantOf(ctx)
	var m repository.Merge
	var already bool
	err = s.store.Atomically(ctx, func(ctx context.Context) (err error) {
		m, already, err = s.merges.store.MergeCustomers(ctx, tenant, repository.Merge{
			Survivor: survivor, Merged: merged, Rule: int32(req.GetProfileRule()), MergeTime: s.now(),
		})
		if err != nil {
			return err
		}
		// A retry repeats both: the merged customer's summary becomes the
		// mark that sends its readers to the survivor, whose summary is
		// rebuilt from both histories.
		// The merged customer's follow-ups leave the worklist (its summary
		// keeps them for an unmerge): the survivor's next write derives
		// what is still owed.
		var gone []repository.FollowUpKey
		if _, err := s.summaries.store.UpdateSummary(ctx, tenant, merged, func(sum *repository.Summary) error {
			gone = gone[:0]
			for _, f := range sum.FollowUps {
				gone = append(gone, repository.FollowUpKey{CustomerID: merged, FollowUpID: f.ID})
			}
			return customercontext.MakeAlias(sum, repository.CustomerName(survivor))
		}); err != nil {
			return err
		}
		if err := s.summaries.store.WriteFollowUps(ctx, tenant, nil, gone); err != nil {
			return err
		}
		_, _, err = s.contexts.rebuild(ctx, tenant, survivor)
		return err
	})
	if err != nil {
		return nil, mergeErr(err, req.GetCustomer(), req.GetMergedCustomer())
	}
	c, err := s.merges.resolved(ctx, tenant, survivor)
	if err != nil {
		return nil, customerErr(err, req.GetCustomer())
	}
	return &rapportv1.MergeCustomersResponse{Customer: c, Merge: mergeProto(m), AlreadyMerged: already}, nil
}

func (s *customerServer) UnmergeCustomer(ctx context.Context, req *rapportv1.UnmergeCustomerRequest) (*rapportv1.UnmergeCustomerResponse, error) {
	var survivor, merged string
	if err := parseName("name", req.GetName(), "customers/{customer}/merges/{merge}", "customers/ada/merges/ada-2", &survivor, &merged); err != nil {
		return nil, err
	}
	audit.NoteCustomer(ctx, repository.CustomerName(merged))
	tenant := access.TenantOf(ctx)
	err := s.store.Atomically(ctx, func(ctx context.Context) error {
		if err := s.merges.store.UnmergeCustomers(ctx, tenant, survivor, merged); err != nil {
			return err
		}
		for _, id := range []string{merged, survivor} {
			sum, _, err := s.contexts.rebuild(ctx, tenant, id)
			if err != nil {
				return err
			}
			// The merged customer's follow-ups, kept in its summary while
			// merged, are back in the worklist as they were.
			if id == merged {
				if err := s.summaries.store.WriteFollowUps(ctx, tenant, followUpRows(sum), nil); err != nil {
					return err
				}
			}
		}
		// The survivor's follow-ups about the merged customer's history go
		// back with it.
		var gone []repository.FollowUpKey
		if _, err := s.summaries.store.UpdateSummary(ctx, tenant, survivor, func(sum *repository.Summary) error {
			gone = dropFollowUpsAbout(sum, repository.CustomerName(merged)+"/")
			return nil
		}); err != nil {
			return err
		}
		if err := s.summaries.store.WriteFollowUps(ctx, tenant, nil, gone); err != nil {
			return err
		}
		return nil
	})
	if errors.Is(err, repository.ErrNotFound) {
		return nil, rpcerr.NotFound(rpcerr.ReasonMergeNotFound, "merge", req.GetName())
	}
	if err != nil {
		return nil, err
	}
	c, err := s.merges.resolved(ctx, tenant, survivor)
	if err != nil {
		return nil, customerErr(err, repository.CustomerName(survivor))
	}
	restored, err := s.merges.resolved(ctx, tenant, merged)
	if err != nil {
		return nil, customerErr(err, repository.CustomerName(merged))
	}
	return &rapportv1.UnmergeCustomerResponse{Customer: c, Restored: restored}, nil
}

func (s *customerServer) ListMerges(ctx context.Context, req *rapportv1.ListMergesRequest) (*rapportv1.ListMergesResponse, error) {
	id, err := parseCustomerName("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	tenant := access.TenantOf(ctx)
	if _, err := s.store.GetCustomer(ctx, tenant, id); err != nil {
		return nil, customerErr(err, req.GetParent())
	}
	_, ms, err := s.merges.halves(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	resp := &rapportv1.ListMergesResponse{}
	for _, m := range ms {
		resp.Merges = append(resp.Merges, mergeProto(m))
	}
	return resp, nil
}
