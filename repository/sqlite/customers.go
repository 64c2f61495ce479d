package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Documents are stored as protojson with the proto's field names, so that
// json_extract(doc, '$.display_name') reads them in the sqlite3 shell.
var (
	marshalDoc   = protojson.MarshalOptions{UseProtoNames: true}
	unmarshalDoc = protojson.UnmarshalOptions{DiscardUnknown: true}
)

// truncateTimes rounds every timestamp in m, at any depth, down to the
// millisecond, as every adapter keeps times (repository.Truncate), so that
// what a write returns equals what is read back later.
func truncateTimes(m protoreflect.Message) {
	if m.Descriptor().FullName() == "google.protobuf.Timestamp" {
		nanos := m.Descriptor().Fields().ByName("nanos")
		n := m.Get(nanos).Int()
		m.Set(nanos, protoreflect.ValueOfInt32(int32(n-n%1_000_000)))
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					truncateTimes(mv.Message())
					return true
				})
			}
		case fd.Kind() != protoreflect.MessageKind:
		case fd.IsList():
			for i := range v.List().Len() {
				truncateTimes(v.List().Get(i).Message())
			}
		default:
			truncateTimes(v.Message())
		}
		return true
	})
}

func encodeDoc(m proto.Message) (string, error) {
	b, err := marshalDoc.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", m.ProtoReflect().Descriptor().Name(), err)
	}
	return string(b), nil
}

func decodeDoc(doc string, m proto.Message) error {
	if err := unmarshalDoc.Unmarshal([]byte(doc), m); err != nil {
		return fmt.Errorf("decode %s: %w", m.ProtoReflect().Descriptor().Name(), err)
	}
	return nil
}

// customerDoc is what the doc column holds: the customer without what
// other columns hold (name, etag).
func customerDoc(c *rapportv1.Customer) (string, error) {
	c = proto.CloneOf(c)
	c.Name, c.Etag = "", ""
	return encodeDoc(c)
}

// scanCustomer reads the customer columns customerColumns selects.
// More destinations, for columns selected after them, may follow.
func scanCustomer(row interface{ Scan(...any) error }, more ...any) (*rapportv1.Customer, *string, error) {
	var (
		id, doc   string
		revision  int64
		requestID sql.NullString
	)
	if err := row.Scan(append([]any{&id, &revision, &requestID, &doc}, more...)...); err != nil {
		return nil, nil, err
	}
	c := &rapportv1.Customer{}
	if err := decodeDoc(doc, c); err != nil {
		return nil, nil, err
	}
	c.Name, c.Etag = repository.CustomerName(id), repository.Etag(revision)
	return c, &requestID.String, nil
}

const customerColumns = "customer_id, revision, create_request_id, doc"

// CreateCustomer stores a new customer and claims its identities, in one
// transaction. With a request ID, a retry returns the first result;
// the same request ID with other content is ErrRequestReused.
func (s *Store) CreateCustomer(ctx context.Context, tenant string, req repository.CreateRequest) (*rapportv1.Customer, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	var out *rapportv1.Customer
	customerID := req.CustomerID
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		if req.RequestID != "" {
			first, err := s.request(ctx, tenant, "CreateCustomer", req.RequestID, req.Fingerprint)
			if err != nil {
				return err
			}
			if first != nil {
				// A retry: the first result, whatever ID this attempt chose.
				c, _, err := s.getCustomer(ctx, tenant, first.customerID)
				out = c
				return err
			}
		}
		if _, _, err := s.getCustomer(ctx, tenant, customerID); err == nil {
			return fmt.Errorf("customer %q: %w", customerID, repository.ErrAlreadyExists)
		} else if !errors.Is(err, repository.ErrNotFound) {
			return err
		}
		now := repository.Truncate(s.now())
		c := req.Customer
		c.CreateTime = timestamppb.New(now)
		c.UpdateTime = c.CreateTime
		repository.StampConsents(nil, c.GetPreferences().GetConsents(), now)
		truncateTimes(c.ProtoReflect())
		if req.Prepare != nil {
			c = proto.CloneOf(c)
			if err := req.Prepare(customerID, c); err != nil {
				return err
			}
		}
		if err := s.claim(ctx, t, tenant, customerID, repository.IdentityKeys(c)); err != nil {
			return err
		}
		doc, err := customerDoc(c)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, t, `INSERT INTO customers (tenant, customer_id, revision, create_request_id, create_time, update_time, doc)
			VALUES (?, ?, 1, ?, ?, ?, ?)`, tenant, customerID, nullString(req.RequestID), now.UnixMilli(), now.UnixMilli(), doc); err != nil {
			return dbErr("insert customer", err)
		}
		if req.RequestID != "" {
			if err := s.recordRequest(ctx, t, tenant, "CreateCustomer", req.RequestID, req.Fingerprint, customerID, customerID); err != nil {
				return err
			}
		}
		out = proto.CloneOf(c)
		out.Name, out.Etag = repository.CustomerName(customerID), repository.Etag(1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// requestRecord is what a request ID created.
type requestRecord struct {
	customerID, resourceID string
}

// request returns the record of an earlier request with this ID, or nil; a
// record of another method or content is ErrRequestReused.
func (s *Store) request(ctx context.Context, tenant, method, requestID, fingerprint string) (*requestRecord, error) {
	var rec requestRecord
	var gotMethod, gotFingerprint string
	err := s.queryRow(ctx, `SELECT method, fingerprint, customer_id, resource_id FROM requests WHERE tenant = ? AND request_key = ?`,
		tenant, method+":"+requestID).Scan(&gotMethod, &gotFingerprint, &rec.customerID, &rec.resourceID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, dbErr("read request record", err)
	}
	if gotMethod != method || gotFingerprint != fingerprint {
		return nil, repository.ErrRequestReused
	}
	return &rec, nil
}

// recordRequest remembers what a request ID created.
func (s *Store) recordRequest(ctx context.Context, t *txn, tenant, method, requestID, fingerprint, customerID, resourceID string) error {
	_, err := s.exec(ctx, t, `INSERT INTO requests (tenant, request_key, method, customer_id, resource_id, fingerprint)
		VALUES (?, ?, ?, ?, ?, ?)
`,
		tenant, method+":"+requestID, method, customerID, resourceID, fingerprint)
	return dbErr("record request", err)
}

// claim makes keys customerID's identities: an *IdentityConflictError if
// another customer holds one, and then nothing is written (every key is
// checked before the first is claimed, so that a store method that fails
// leaves nothing behind even inside a caller's transaction).
func (s *Store) claim(ctx context.Context, t *txn, tenant, customerID string, keys []string) error {
	for _, key := range keys {
		var owner string
		err := s.queryRow(ctx, "SELECT customer_id FROM identities WHERE tenant = ? AND identity = ?", tenant, key).Scan(&owner)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return dbErr("read identity claim", err)
		case owner != customerID:
			return &repository.IdentityConflictError{Identity: key, Owner: owner}
		}
	}
	for _, key := range keys {
		if _, err := s.exec(ctx, t, "INSERT INTO identities (tenant, identity, customer_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			tenant, key, customerID); err != nil {
			return dbErr("claim identity", err)
		}
	}
	return nil
}

// GetCustomer returns a customer of tenant.
func (s *Store) GetCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	c, _, err := s.getCustomer(ctx, tenant, customerID)
	return c, err
}

func (s *Store) getCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, *string, error) {
	c, requestID, err := scanCustomer(s.queryRow(ctx,
		"SELECT "+customerColumns+" FROM customers WHERE tenant = ? AND customer_id = ?", tenant, customerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("customer %q: %w", customerID, repository.ErrNotFound)
	}
	if err != nil {
		return nil, nil, dbErr("read customer", err)
	}
	return c, requestID, nil
}

// exists reports whether the customer exists, in ctx's transaction if any.
func (s *Store) exists(ctx context.Context, tenant, customerID string) (bool, error) {
	var one int
	err := s.queryRow(ctx, "SELECT 1 FROM customers WHERE tenant = ? AND customer_id = ?", tenant, customerID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, dbErr("read customer", err)
	}
	return true, nil
}

// UpdateCustomer applies mutate to the stored customer and saves the
// result in one transaction (so no concurrent change is lost); with an
// etag, a customer changed since is ErrEtagMismatch. An error from mutate
// is returned as is and saves nothing. Identities added are claimed and
// identities removed released in the same transaction.
func (s *Store) UpdateCustomer(ctx context.Context, tenant, customerID, etag string, mutate func(*rapportv1.Customer) error) (*rapportv1.Customer, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	var out *rapportv1.Customer
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		old, _, err := s.getCustomer(ctx, tenant, customerID)
		if err != nil {
			return err
		}
		if etag != "" && etag != old.GetEtag() {
			return repository.ErrEtagMismatch
		}
		c := proto.CloneOf(old)
		if err := mutate(c); err != nil {
			return err
		}
		now := repository.Truncate(s.now())
		c.CreateTime, c.UpdateTime = old.GetCreateTime(), timestamppb.New(now)
		repository.StampConsents(old.GetPreferences().GetConsents(), c.GetPreferences().GetConsents(), now)
		truncateTimes(c.ProtoReflect())
		prev, next := repository.IdentityKeys(old), repository.IdentityKeys(c)
		var added []string
		for _, key := range next {
			if !slices.Contains(prev, key) {
				added = append(added, key)
			}
		}
		doc, err := customerDoc(c)
		if err != nil {
			return err
		}
		if err := s.claim(ctx, t, tenant, customerID, added); err != nil {
			return err
		}
		for _, key := range prev {
			if !slices.Contains(next, key) {
				if _, err := s.exec(ctx, t, "DELETE FROM identities WHERE tenant = ? AND identity = ? AND customer_id = ?", tenant, key, customerID); err != nil {
					return dbErr("release identity", err)
				}
			}
		}
		rev := revisionOf(old.GetEtag()) + 1
		if _, err := s.exec(ctx, t, "UPDATE customers SET revision = ?, update_time = ?, doc = ? WHERE tenant = ? AND customer_id = ?",
			rev, now.UnixMilli(), doc, tenant, customerID); err != nil {
			return dbErr("update customer", err)
		}
		c.Name, c.Etag = old.GetName(), repository.Etag(rev)
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ownedTables are the tables whose rows belong to a customer, in the order
// DeleteCustomer empties them.
var ownedTables = []string{"identities", "requests", "interactions", "issues", "summaries"}

// DeleteCustomer erases a customer and every record that belongs to them,
// in one transaction.
func (s *Store) DeleteCustomer(ctx context.Context, tenant, customerID, etag string) (repository.DeleteResult, error) {
	var res repository.DeleteResult
	if err := repository.CheckTenant(tenant); err != nil {
		return res, err
	}
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		c, _, err := s.getCustomer(ctx, tenant, customerID)
		if err != nil {
			return err
		}
		if etag != "" && etag != c.GetEtag() {
			return repository.ErrEtagMismatch
		}
		counts := []*int64{&res.Identities, &res.RequestRecords, &res.Interactions, &res.Issues, &res.Summaries}
		for i, table := range ownedTables {
			n, err := s.deleteOwned(ctx, t, table, tenant, customerID)
			if err != nil {
				return err
			}
			*counts[i] = n
		}
		if res.Customers, err = s.deleteOwned(ctx, t, "customers", tenant, customerID); err != nil {
			return err
		}
		if _, err := s.deleteOwned(ctx, t, "follow_ups", tenant, customerID); err != nil {
			return err
		}
		if _, err := s.deleteOwned(ctx, t, "insight_contacted", tenant, customerID); err != nil {
			return err
		}
		// Its merges, either way: the service erases the merged halves
		// too; a half left behind is a customer of its own again.
		if _, err := s.exec(ctx, t, "UPDATE customers SET merged_into = NULL WHERE tenant = ? AND customer_id IN (SELECT merged_id FROM merges WHERE tenant = ? AND survivor_id = ?)",
			tenant, tenant, customerID); err != nil {
			return dbErr("erase merges", err)
		}
		if _, err := s.exec(ctx, t, "DELETE FROM merges WHERE tenant = ? AND (merged_id = ? OR survivor_id = ?)", tenant, customerID, customerID); err != nil {
			return dbErr("erase merges", err)
		}
		t.changedSummary(tenant, customerID)
		t.erased = true
		return nil
	})
	if err != nil {
		return repository.DeleteResult{}, err
	}
	return res, nil
}

func (s *Store) deleteOwned(ctx context.Context, t *txn, table, tenant, customerID string) (int64, error) {
	r, err := s.exec(ctx, t, "DELETE FROM "+table+" WHERE tenant = ? AND customer_id = ?", tenant, customerID)
	if err != nil {
		return 0, dbErr("erase "+table, err)
	}
	n, err := r.RowsAffected()
	return n, dbErr("erase "+table, err)
}

// ListCustomers returns up to limit customers of tenant whose IDs sort after
// afterID (all when empty), in ID order, and whether more follow: those
// not merged into another, or (f.Merged) those merged, with merged_into
// set. Each seeks its own partial index (customers_listed,
// customers_merged) to afterID and reads limit+1 rows from there, however
// many customers of the other kind lie between.
func (s *Store) ListCustomers(ctx context.Context, tenant string, f repository.CustomerFilter, afterID string, limit int) ([]*rapportv1.Customer, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	query := "SELECT " + customerColumns + ", NULL FROM customers INDEXED BY customers_listed WHERE tenant = ? AND merged_into IS NULL AND customer_id > ? ORDER BY customer_id LIMIT ?"
	if f.Merged {
		query = "SELECT " + customerColumns + ", merged_into FROM customers INDEXED BY customers_merged WHERE tenant = ? AND merged_into IS NOT NULL AND customer_id > ? ORDER BY customer_id LIMIT ?"
	}
	rows, err := s.query(ctx, query, tenant, afterID, limit+1)
	if err != nil {
		return nil, false, dbErr("list customers", err)
	}
	return collect(rows, limit, func(r *sql.Rows) (*rapportv1.Customer, error) {
		var into sql.NullString
		c, _, err := scanCustomer(r, &into)
		if err != nil {
			return nil, err
		}
		if into.Valid {
			c.MergedInto = repository.CustomerName(into.String)
		}
		return c, nil
	})
}

// collect reads up to limit rows converted by scan, and whether more follow
// (the query asked for limit+1).
func collect[T any](rows *sql.Rows, limit int, scan func(*sql.Rows) (T, error)) ([]T, bool, error) {
	defer rows.Close()
	var out []T
	more := false
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		v, err := scan(rows)
		if err != nil {
			return nil, false, dbErr("read row", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, false, dbErr("read rows", err)
	}
	return out, more, nil
}

// LookupIdentity returns the customer who owns the normalised identity
// (type, value), with the identity as stored.
func (s *Store) LookupIdentity(ctx context.Context, tenant string, typ rapportv1.IdentityType, value string) (*rapportv1.Customer, *rapportv1.Identity, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, nil, err
	}
	key := repository.IdentityKey(typ, value)
	c, _, err := scanCustomer(s.queryRow(ctx, "SELECT c.customer_id, c.revision, c.create_request_id, c.doc FROM identities i JOIN customers c "+
		"ON c.tenant = i.tenant AND c.customer_id = i.customer_id WHERE i.tenant = ? AND i.identity = ?", tenant, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("identity %q: %w", key, repository.ErrNotFound)
	}
	if err != nil {
		return nil, nil, dbErr("look up identity", err)
	}
	for _, id := range c.GetIdentities() {
		if repository.IdentityKey(id.GetType(), id.GetValue()) == key {
			return c, id, nil
		}
	}
	return nil, nil, fmt.Errorf("identity %q: %w", key, repository.ErrNotFound)
}

// ResolveIdentity returns the ID of the customer who owns an identity: one
// point read.
func (s *Store) ResolveIdentity(ctx context.Context, tenant string, typ rapportv1.IdentityType, value string) (string, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return "", err
	}
	key := repository.IdentityKey(typ, value)
	var id string
	err := s.queryRow(ctx, "SELECT customer_id FROM identities WHERE tenant = ? AND identity = ?", tenant, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("identity %q: %w", key, repository.ErrNotFound)
	}
	if err != nil {
		return "", dbErr("resolve identity", err)
	}
	return id, nil
}
