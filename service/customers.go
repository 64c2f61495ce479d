package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/audit"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/rpcerr"
	"go.einride.tech/aip/fieldmask"
	"go.einride.tech/aip/filtering"
	"go.einride.tech/aip/pagination"
	"go.einride.tech/aip/resourceid"
	"google.golang.org/protobuf/proto"
)

// CustomerStore is what the customer handlers need from storage.
type CustomerStore interface {
	Atomic
	CreateCustomer(ctx context.Context, tenant string, req repository.CreateRequest) (*rapportv1.Customer, error)
	GetCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error)
	UpdateCustomer(ctx context.Context, tenant, customerID, etag string, mutate func(*rapportv1.Customer) error) (*rapportv1.Customer, error)
	DeleteCustomer(ctx context.Context, tenant, customerID, etag string) (repository.DeleteResult, error)
	ListCustomers(ctx context.Context, tenant string, f repository.CustomerFilter, afterID string, limit int) ([]*rapportv1.Customer, bool, error)
	LookupIdentity(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (*rapportv1.Customer, *rapportv1.Identity, error)
}

// updatableCustomerPaths are the update_mask paths UpdateCustomer accepts.
var updatableCustomerPaths = []string{
	"display_name", "preferred_name", "identities", "traits", "tags",
	"preferences", "preferences.language_code", "preferences.time_zone",
	"preferences.preferred_channel", "preferences.contact_windows",
	"preferences.communication_style", "preferences.accessibility_needs",
	"preferences.accessibility_notes", "preferences.consents", "customer_since",
}

// customerServer implements rapportv1.CustomerServiceServer.
type customerServer struct {
	rapportv1.UnimplementedCustomerServiceServer
	store     CustomerStore
	ids       identityNormalizer
	summaries summaries
	// history, contexts and logger serve ExportCustomer: the history lists,
	// the context as GetCustomerContext builds it, and the audit record.
	history  HistoryStore
	contexts *contextServer
	logger   *slog.Logger
	now      func() time.Time
	merges   aliases
}

// keepSummary puts the customer's profile (with its merged halves', see
// aliases.view) in their context summary.
func (s *customerServer) keepSummary(ctx context.Context, c *rapportv1.Customer) error {
	id, err := parseCustomerName("", c.GetName())
	if err != nil {
		return err
	}
	if c, err = s.merges.view(ctx, access.TenantOf(ctx), c); err != nil {
		return err
	}
	return s.summaries.update(ctx, access.TenantOf(ctx), id, customercontext.Update{Customer: c})
}

func (s *customerServer) CreateCustomer(ctx context.Context, req *rapportv1.CreateCustomerRequest) (*rapportv1.CreateCustomerResponse, error) {
	var v violations
	c := proto.Clone(req.GetCustomer()).(*rapportv1.Customer)
	if req.GetCustomer() == nil {
		v.add("customer", "is required")
		c = &rapportv1.Customer{}
	} else {
		c.Name, c.Etag, c.CreateTime, c.UpdateTime = "", "", nil, nil
		v = append(v, s.ids.normalizeCustomer("customer", c)...)
		checkCustomerSince(&v, "customer.customer_since", c, s.now())
	}
	v.userID("customer_id", req.GetCustomerId())
	v.requestID("request_id", req.GetRequestId())
	if err := v.err(); err != nil {
		return nil, err
	}
	customerID := req.GetCustomerId()
	if customerID == "" {
		customerID = resourceid.NewSystemGenerated()
	}
	var created *rapportv1.Customer
	err := s.store.Atomically(ctx, func(ctx context.Context) (err error) {
		created, err = s.store.CreateCustomer(ctx, access.TenantOf(ctx), repository.CreateRequest{
			CustomerID:  customerID,
			RequestID:   req.GetRequestId(),
			Fingerprint: fingerprint(&rapportv1.CreateCustomerRequest{Customer: c, CustomerId: req.GetCustomerId()}),
			Customer:    c,
		})
		if err != nil {
			return err
		}
		return s.keepSummary(ctx, created)
	})
	if err != nil {
		return nil, err
	}
	audit.NoteCustomer(ctx, created.GetName())
	return &rapportv1.CreateCustomerResponse{Customer: created}, nil
}

// fingerprint identifies a normalised request's content, to tell a retry
// from a different request that reuses a request_id.
func fingerprint(m proto.Message) string {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (s *customerServer) GetCustomer(ctx context.Context, req *rapportv1.GetCustomerRequest) (*rapportv1.GetCustomerResponse, error) {
	id, err := parseCustomerName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.merges.resolved(ctx, access.TenantOf(ctx), id)
	if err != nil {
		return nil, customerErr(err, req.GetName())
	}
	audit.NoteCustomer(ctx, c.GetName())
	return &rapportv1.GetCustomerResponse{Customer: c}, nil
}

func (s *customerServer) UpdateCustomer(ctx context.Context, req *rapportv1.UpdateCustomerRequest) (*rapportv1.UpdateCustomerResponse, error) {
	var v violations
	in := req.GetCustomer()
	if in == nil {
		v.add("customer", "is required")
		return nil, v.err()
	}
	id, err := parseCustomerName("customer.name", in.GetName())
	if err != nil {
		return nil, err
	}
	mask := req.GetUpdateMask()
	if v.tooMany("update_mask.paths", len(mask.GetPaths()), maxMaskPaths) {
		return nil, v.err()
	}
	if err := fieldmask.Validate(mask, in); err != nil {
		v.add("update_mask", "%s", err.Error())
	} else if !fieldmask.IsFullReplacement(mask) {
		for _, p := range mask.GetPaths() {
			if !slices.Contains(updatableCustomerPaths, p) {
				v.add("update_mask", "%q cannot be changed; changeable: %v", p, updatableCustomerPaths)
			}
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	// A merged customer's name updates the survivor.
	if id, err = s.merges.survivor(ctx, access.TenantOf(ctx), id); err != nil {
		return nil, err
	}
	var updated *rapportv1.Customer
	err = s.store.Atomically(ctx, func(ctx context.Context) (err error) {
		updated, err = s.store.UpdateCustomer(ctx, access.TenantOf(ctx), id, in.GetEtag(), func(c *rapportv1.Customer) error {
			name := c.GetName()
			fieldmask.Update(mask, c, in)
			c.Name = name
			v := s.ids.normalizeCustomer("customer", c)
			checkCustomerSince(&v, "customer.customer_since", c, s.now())
			return v.err()
		})
		if err != nil {
			return err
		}
		return s.keepSummary(ctx, updated)
	})
	if err != nil {
		return nil, customerErr(err, in.GetName())
	}
	if updated, err = s.merges.view(ctx, access.TenantOf(ctx), updated); err != nil {
		return nil, err
	}
	return &rapportv1.UpdateCustomerResponse{Customer: updated}, nil
}

func (s *customerServer) DeleteCustomer(ctx context.Context, req *rapportv1.DeleteCustomerRequest) (*rapportv1.DeleteCustomerResponse, error) {
	id, err := parseCustomerName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	res, err := s.erase(ctx, access.TenantOf(ctx), id, req.GetEtag())
	if err != nil {
		return nil, customerErr(err, req.GetName())
	}
	return &rapportv1.DeleteCustomerResponse{
		Name:                    req.GetName(),
		CustomersDeleted:        res.Customers,
		IdentitiesDeleted:       res.Identities,
		RequestRecordsDeleted:   res.RequestRecords,
		InteractionsDeleted:     res.Interactions,
		IssuesDeleted:           res.Issues,
		ContextSummariesDeleted: res.Summaries,
		DataKeyDestroyed:        res.DataKeyDestroyed,
	}, nil
}

// customerPageToken is the position after the last customer of a page, tied
// to the request (checksum) so it cannot be replayed with other parameters
// or in another tenant.
type customerPageToken struct {
	After    string
	Checksum uint32
}

var customerFilterDecls = mustDeclarations(
	filtering.DeclareIdent("merged", filtering.TypeBool),
	// The literals of a bool, which the parser reads as names.
	filtering.DeclareIdent("true", filtering.TypeBool),
	filtering.DeclareIdent("false", filtering.TypeBool),
)

// customerFilter turns a ListCustomers filter into a repository one: only
// `merged = true` or `merged = false`, once.
func customerFilter(filter string) (repository.CustomerFilter, error) {
	var f repository.CustomerFilter
	terms, err := parseFilter(filter, customerFilterDecls)
	if err != nil {
		return f, err
	}
	for i, t := range terms {
		if i > 0 || t.field != "merged" || t.op != filtering.FunctionEquals || (t.str != "true" && t.str != "false") {
			return f, errors.New("the one supported comparison is merged = true (or merged = false, the default)")
		}
		f.Merged = t.str == "true"
	}
	return f, nil
}

func (s *customerServer) ListCustomers(ctx context.Context, req *rapportv1.ListCustomersRequest) (*rapportv1.ListCustomersResponse, error) {
	tenant := access.TenantOf(ctx)
	var v violations
	size := pageSize(&v, req.GetPageSize())
	f, err := customerFilter(req.GetFilter())
	if err != nil {
		v.add("filter", "%s", err.Error())
	}
	checksum, err := pageChecksum(ctx, req)
	if err != nil {
		return nil, err
	}
	var tok customerPageToken
	if req.GetPageToken() != "" {
		if err := pagination.DecodePageTokenStruct(req.GetPageToken(), &tok); err != nil || tok.Checksum != checksum || !validCustomerID(tok.After) {
			v.add("page_token", "is not a page token of this request; start again without one")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	customers, more, err := s.store.ListCustomers(ctx, tenant, f, tok.After, size)
	if err != nil {
		return nil, err
	}
	for _, c := range customers {
		audit.NoteCustomer(ctx, c.GetName())
	}
	// A survivor as GetCustomer shows it, with its halves; a merged
	// customer (merged = true) as its own record, as UnmergeCustomer would
	// restore it.
	if !f.Merged {
		if err := s.merges.viewAll(ctx, tenant, customers); err != nil {
			return nil, err
		}
	}
	resp := &rapportv1.ListCustomersResponse{Customers: customers}
	if more {
		last := customers[len(customers)-1].GetName()
		resp.NextPageToken = pagination.EncodePageTokenStruct(customerPageToken{
			After: last[len("customers/"):], Checksum: checksum,
		})
	}
	return resp, nil
}

func (s *customerServer) LookupCustomer(ctx context.Context, req *rapportv1.LookupCustomerRequest) (*rapportv1.LookupCustomerResponse, error) {
	t, value, err := s.ids.parseIdentity(req.GetIdentity())
	if err != nil {
		var v violations
		v.add("identity", "%s", err.Error())
		return nil, v.err()
	}
	c, id, err := s.store.LookupIdentity(ctx, access.TenantOf(ctx), t, value)
	if err != nil {
		key := repository.IdentityKey(t, value)
		if errors.Is(err, repository.ErrNotFound) {
			return nil, rpcerr.NotFound(rpcerr.ReasonIdentityNotFound, "identity", key)
		}
		return nil, err
	}
	audit.NoteCustomer(ctx, c.GetName())
	// The identity of a merged customer finds the survivor.
	owner, _ := parseCustomerName("", c.GetName())
	if c, err = s.merges.resolved(ctx, access.TenantOf(ctx), owner); err != nil {
		return nil, err
	}
	audit.NoteCustomer(ctx, c.GetName())
	return &rapportv1.LookupCustomerResponse{Customer: c, Identity: id}, nil
}

// customerErr reports a missing customer as NOT_FOUND naming it; other
// errors go to the error interceptor unchanged.
func customerErr(err error, name string) error {
	if errors.Is(err, repository.ErrNotFound) {
		return rpcerr.NotFound(rpcerr.ReasonCustomerNotFound, "customer", name)
	}
	return err
}

// erase erases the customer a name resolves to and every customer merged
// into it: the halves first, so that a failure half-way leaves the
// survivor, and a retry finishes. The etag guards the survivor.
func (s *customerServer) erase(ctx context.Context, tenant, customerID, etag string) (repository.DeleteResult, error) {
	var total repository.DeleteResult
	survivor, err := s.merges.survivor(ctx, tenant, customerID)
	if err != nil {
		return total, err
	}
	if etag != "" {
		c, err := s.store.GetCustomer(ctx, tenant, survivor)
		if err != nil {
			return total, err
		}
		if c.GetEtag() != etag {
			return total, repository.ErrEtagMismatch
		}
	}
	halves, _, err := s.merges.halves(ctx, tenant, survivor)
	if err != nil {
		return total, err
	}
	for _, id := range append(halves, survivor) {
		guard := etag
		if id != survivor {
			audit.NoteCustomer(ctx, repository.CustomerName(id))
			guard = ""
		}
		res, err := s.store.DeleteCustomer(ctx, tenant, id, guard)
		if err != nil {
			return total, err
		}
		if s.contexts != nil {
			s.contexts.cache.drop(tenant, id) // nothing of theirs stays in this process's memory
		}
		total.Customers += res.Customers
		total.Identities += res.Identities
		total.RequestRecords += res.RequestRecords
		total.Interactions += res.Interactions
		total.Issues += res.Issues
		total.Summaries += res.Summaries
		// Every key destroyed, the survivor's last: what the survivor's
		// says is what the answer says.
		total.DataKeyDestroyed = res.DataKeyDestroyed
	}
	return total, nil
}
