package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const issueColumns = "customer_id, issue_id, revision, create_request_id, doc"

func scanIssue(row interface{ Scan(...any) error }) (*rapportv1.Issue, string, error) {
	var (
		customerID, id, doc string
		revision            int64
		requestID           sql.NullString
	)
	if err := row.Scan(&customerID, &id, &revision, &requestID, &doc); err != nil {
		return nil, "", err
	}
	is := &rapportv1.Issue{}
	if err := decodeDoc(doc, is); err != nil {
		return nil, "", err
	}
	is.Name, is.Etag = repository.IssueName(customerID, id), repository.Etag(revision)
	return is, requestID.String, nil
}

// saveIssue writes is (new or changed) at revision rev.
// It rounds is's times to the millisecond first, as they are stored.
func (s *Store) saveIssue(ctx context.Context, t *txn, tenant, customerID, issueID string, rev int64, requestID string, is *rapportv1.Issue) error {
	truncateTimes(is.ProtoReflect())
	stored := proto.CloneOf(is)
	stored.Name, stored.Etag = "", ""
	doc, err := encodeDoc(stored)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, t, `INSERT INTO issues (tenant, customer_id, issue_id, revision, create_request_id, status, priority, topic, open_time, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, customer_id, issue_id) DO UPDATE SET revision = excluded.revision, status = excluded.status,
			priority = excluded.priority, topic = excluded.topic, open_time = excluded.open_time, doc = excluded.doc`,
		tenant, customerID, issueID, rev, nullString(requestID), int32(is.GetStatus()), int32(is.GetPriority()), nullString(is.GetTopic()),
		repository.Truncate(is.GetOpenTime().AsTime()).UnixMilli(), doc)
	return dbErr("save issue", err)
}

// CreateIssue stores a new OPEN issue of an existing customer; with a
// RequestID, a retry returns the first result (see CreateCustomer).
func (s *Store) CreateIssue(ctx context.Context, tenant string, req repository.CreateIssueRequest) (*rapportv1.Issue, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	var out *rapportv1.Issue
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		if ok, err := s.exists(ctx, tenant, req.CustomerID); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("customer %q: %w", req.CustomerID, repository.ErrNotFound)
		}
		issueID := req.IssueID
		if req.RequestID != "" {
			first, err := s.request(ctx, tenant, "CreateIssue", req.RequestID, req.Fingerprint)
			if err != nil {
				return err
			}
			if first != nil {
				is, err := s.GetIssue(ctx, tenant, first.customerID, first.resourceID)
				out = is
				if req.Replayed != nil {
					*req.Replayed = true
				}
				return err
			}
		}
		if _, err := s.GetIssue(ctx, tenant, req.CustomerID, issueID); err == nil {
			return fmt.Errorf("issue %q: %w", issueID, repository.ErrAlreadyExists)
		} else if !errors.Is(err, repository.ErrNotFound) {
			return err
		}
		is := req.Issue
		repository.StampNewIssue(is, repository.Truncate(s.now()))
		if err := s.saveIssue(ctx, t, tenant, req.CustomerID, issueID, 1, req.RequestID, is); err != nil {
			return err
		}
		if req.RequestID != "" {
			if err := s.recordRequest(ctx, t, tenant, "CreateIssue", req.RequestID, req.Fingerprint, req.CustomerID, issueID); err != nil {
				return err
			}
		}
		out = proto.CloneOf(is)
		out.Name, out.Etag = repository.IssueName(req.CustomerID, issueID), repository.Etag(1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetIssue returns an issue of a customer.
func (s *Store) GetIssue(ctx context.Context, tenant, customerID, issueID string) (*rapportv1.Issue, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	is, _, err := scanIssue(s.queryRow(ctx, "SELECT "+issueColumns+" FROM issues WHERE tenant = ? AND customer_id = ? AND issue_id = ?",
		tenant, customerID, issueID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("issue %q: %w", issueID, repository.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr("read issue", err)
	}
	return is, nil
}

// UpdateIssue applies mutate to the stored issue and saves it in one
// transaction, like UpdateCustomer. mutate may return an error, which is
// returned as is and changes nothing.
func (s *Store) UpdateIssue(ctx context.Context, tenant, customerID, issueID, etag string, mutate func(*rapportv1.Issue) error) (*rapportv1.Issue, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	var out *rapportv1.Issue
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		old, requestID, err := scanIssue(s.queryRow(ctx, "SELECT "+issueColumns+" FROM issues WHERE tenant = ? AND customer_id = ? AND issue_id = ?",
			tenant, customerID, issueID))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("issue %q: %w", issueID, repository.ErrNotFound)
		}
		if err != nil {
			return dbErr("read issue", err)
		}
		if etag != "" && etag != old.GetEtag() {
			return repository.ErrEtagMismatch
		}
		is := proto.CloneOf(old)
		if err := mutate(is); err != nil {
			return err
		}
		is.CreateTime, is.OpenTime = old.GetCreateTime(), old.GetOpenTime()
		is.UpdateTime = timestamppb.New(repository.Truncate(s.now()))
		rev := revisionOf(old.GetEtag()) + 1
		if err := s.saveIssue(ctx, t, tenant, customerID, issueID, rev, requestID, is); err != nil {
			return err
		}
		is.Name, is.Etag = old.GetName(), repository.Etag(rev)
		out = is
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListIssues returns up to limit issues of a customer matching f, newest
// first (by open time, then ID), after the cursor if given, and whether more
// follow.
func (s *Store) ListIssues(ctx context.Context, tenant, customerID string, f repository.IssueFilter, after *repository.Cursor, limit int) ([]*rapportv1.Issue, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	if len(f.AlsoCustomers) > 0 {
		one := f
		one.AlsoCustomers = nil
		return acrossCustomers(append([]string{customerID}, f.AlsoCustomers...), limit, func(id string) ([]*rapportv1.Issue, bool, error) {
			return s.ListIssues(ctx, tenant, id, one, after, limit)
		}, func(is *rapportv1.Issue) (int64, string) {
			return repository.Truncate(is.GetOpenTime().AsTime()).UnixMilli(), lastSegment(is.GetName())
		})
	}
	var c conds
	c.add("tenant = ? AND customer_id = ?", tenant, customerID)
	in := func(col string, values []int32, not bool) {
		if len(values) == 0 {
			return
		}
		args := make([]any, len(values))
		for i, v := range values {
			args[i] = v
		}
		op := " IN "
		if not {
			op = " NOT IN "
		}
		c.add(col+op+"("+placeholders(len(args))+")", args...)
	}
	in("status", int32s(f.Statuses), false)
	in("status", int32s(f.NotStatuses), true)
	in("priority", int32s(f.Priorities), false)
	in("priority", int32s(f.NotPriorities), true)
	if f.Topic != "" {
		c.add("topic = ?", f.Topic)
	}
	c.before("open_time", "issue_id", after)
	rows, err := s.query(ctx, "SELECT "+issueColumns+" FROM issues WHERE "+c.sql()+
		" ORDER BY open_time DESC, issue_id DESC LIMIT ?", append(c.args, limit+1)...)
	if err != nil {
		return nil, false, dbErr("list issues", err)
	}
	return collect(rows, limit, func(r *sql.Rows) (*rapportv1.Issue, error) {
		is, _, err := scanIssue(r)
		return is, err
	})
}

func int32s[E ~int32](es []E) []int32 {
	out := make([]int32, len(es))
	for i, e := range es {
		out[i] = int32(e)
	}
	return out
}
