package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const interactionColumns = "customer_id, interaction_id, issue_id, fingerprint, doc"

// scanInteraction reads the columns interactionColumns selects.
func scanInteraction(row interface{ Scan(...any) error }) (*rapportv1.Interaction, string, error) {
	var (
		customerID, id, doc  string
		issueID, fingerprint sql.NullString
	)
	if err := row.Scan(&customerID, &id, &issueID, &fingerprint, &doc); err != nil {
		return nil, "", err
	}
	in := &rapportv1.Interaction{}
	if err := decodeDoc(doc, in); err != nil {
		return nil, "", err
	}
	in.Name = repository.InteractionName(customerID, id)
	if issueID.Valid {
		in.Issue = repository.IssueName(customerID, issueID.String)
	}
	return in, fingerprint.String, nil
}

// RecordInteractions stores interactions in one transaction and reports
// each item's result in order. Items whose ID exists already are not
// written again: they get the stored interaction, flagged AlreadyRecorded
// (or, stored for another customer, a *SourceConflictError; with
// CheckFingerprint and other content, ErrRequestReused). Items of a
// customer that does not exist get ErrNotFound; issues are checked by the
// caller.
func (s *Store) RecordInteractions(ctx context.Context, tenant string, items []repository.NewInteraction) ([]repository.RecordResult, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	results := make([]repository.RecordResult, len(items))
	if len(items) == 0 {
		return results, nil
	}
	now := repository.Truncate(s.now())
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		live, err := s.liveCustomers(ctx, tenant, items)
		if err != nil {
			return err
		}
		for i, it := range items {
			survivor := live[it.CustomerID]
			if survivor == "" {
				results[i] = repository.RecordResult{Err: fmt.Errorf("customer %q: %w", it.CustomerID, repository.ErrNotFound)}
				continue
			}
			r, err := s.recordOne(ctx, t, tenant, it, now)
			if err != nil {
				return err
			}
			if r.Err == nil {
				r.Survivor = survivor
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// liveCustomers reports the survivor of each of the items' customers
// that exists (merged_into, or itself; absent: it does not exist): one
// query.
func (s *Store) liveCustomers(ctx context.Context, tenant string, items []repository.NewInteraction) (map[string]string, error) {
	var ids []any
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.CustomerID] {
			seen[it.CustomerID] = true
			ids = append(ids, it.CustomerID)
		}
	}
	live := map[string]string{}
	for chunk := range slices.Chunk(ids, 512) {
		chunk = padded(chunk)
		rows, err := s.query(ctx, "SELECT customer_id, COALESCE(merged_into, customer_id) FROM customers WHERE tenant = ? AND customer_id IN ("+placeholders(len(chunk))+")",
			append([]any{tenant}, chunk...)...)
		if err != nil {
			return nil, dbErr("read customers", err)
		}
		found, _, err := collect(rows, -1, func(r *sql.Rows) ([2]string, error) {
			var c [2]string
			return c, r.Scan(&c[0], &c[1])
		})
		if err != nil {
			return nil, err
		}
		for _, c := range found {
			live[c[0]] = c[1]
		}
	}
	return live, nil
}

// recordOne inserts one interaction unless its ID exists.
func (s *Store) recordOne(ctx context.Context, t *txn, tenant string, it repository.NewInteraction, now time.Time) (repository.RecordResult, error) {
	in := it.Interaction
	in.CreateTime = timestamppb.New(now)
	truncateTimes(in.ProtoReflect())
	stored := proto.CloneOf(in)
	stored.Name, stored.Issue = "", ""
	doc, err := encodeDoc(stored)
	if err != nil {
		return repository.RecordResult{}, err
	}
	occur := repository.Truncate(in.GetOccurTime().AsTime())
	var expire sql.NullInt64
	if it.Retention > 0 {
		expire = ms(occur.Add(it.Retention))
	}
	var topics sql.NullString
	if len(in.GetTopics()) > 0 {
		b, _ := json.Marshal(in.GetTopics())
		topics = sql.NullString{String: string(b), Valid: true}
	}
	res, err := s.exec(ctx, t, `INSERT INTO interactions
		(tenant, interaction_id, customer_id, occur_time, channel, issue_id, topics, fingerprint, expire_at, create_time, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, interaction_id) DO NOTHING`,
		tenant, it.InteractionID, it.CustomerID, occur.UnixMilli(), int32(in.GetChannel()), nullString(it.IssueID), topics,
		nullString(it.Fingerprint), expire, now.UnixMilli(), doc)
	if err != nil {
		return repository.RecordResult{}, dbErr("insert interaction", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return repository.RecordResult{}, dbErr("insert interaction", err)
	} else if n == 1 {
		out := proto.CloneOf(in)
		out.Name = repository.InteractionName(it.CustomerID, it.InteractionID)
		out.Issue = ""
		if it.IssueID != "" {
			out.Issue = repository.IssueName(it.CustomerID, it.IssueID)
		}
		return repository.RecordResult{Interaction: out}, nil
	}
	// The ID exists: a retry, a replay, or a collision.
	got, fingerprint, err := scanInteraction(s.queryRow(ctx, "SELECT "+interactionColumns+" FROM interactions WHERE tenant = ? AND interaction_id = ?",
		tenant, it.InteractionID))
	if err != nil {
		return repository.RecordResult{}, dbErr("read recorded interaction", err)
	}
	switch {
	case got.GetName() != repository.InteractionName(it.CustomerID, it.InteractionID):
		return repository.RecordResult{Err: &repository.SourceConflictError{InteractionID: it.InteractionID}}, nil
	case it.CheckFingerprint && fingerprint != it.Fingerprint:
		return repository.RecordResult{Err: repository.ErrRequestReused}, nil
	}
	return repository.RecordResult{Interaction: got, AlreadyRecorded: true}, nil
}

// GetInteraction returns an interaction of a customer.
func (s *Store) GetInteraction(ctx context.Context, tenant, customerID, interactionID string) (*rapportv1.Interaction, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	in, _, err := scanInteraction(s.queryRow(ctx, "SELECT "+interactionColumns+" FROM interactions WHERE tenant = ? AND interaction_id = ? AND customer_id = ?",
		tenant, interactionID, customerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("interaction %q: %w", interactionID, repository.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr("read interaction", err)
	}
	return in, nil
}

// conds is a WHERE clause being built: conditions joined by AND, and their
// arguments.
type conds struct {
	where []string
	args  []any
}

func (c *conds) add(cond string, args ...any) {
	c.where = append(c.where, cond)
	c.args = append(c.args, args...)
}

func (c *conds) sql() string { return strings.Join(c.where, " AND ") }

// acrossCustomers lists a newest-first page over several customers (a
// survivor and the halves merged into it): one list per customer, each
// seeking its own index range, merged here. One query with the customers
// in an IN list would read and sort every matching row of all of them for
// each page. key is a record's place in the order: its time (Unix ms) and
// ID, both descending.
func acrossCustomers[T any](customers []string, limit int, list func(customerID string) ([]T, bool, error), key func(T) (int64, string)) ([]T, bool, error) {
	var all []T
	more := false
	for _, id := range customers {
		page, m, err := list(id)
		if err != nil {
			return nil, false, err
		}
		all = append(all, page...)
		more = more || m
	}
	slices.SortFunc(all, func(a, b T) int {
		ta, ia := key(a)
		tb, ib := key(b)
		return cmp.Or(cmp.Compare(tb, ta), cmp.Compare(ib, ia))
	})
	if len(all) > limit {
		all, more = all[:limit], true
	}
	return all, more, nil
}

// lastSegment is the last part of a resource name: a record's ID.
func lastSegment(name string) string { return name[strings.LastIndexByte(name, '/')+1:] }

// before adds the keyset condition of a newest-first list: after the
// cursor, by time then ID.
func (c *conds) before(timeCol, idCol string, after *repository.Cursor) {
	if after == nil {
		return
	}
	// A row value, so that the index seeks to the cursor: an OR of the
	// two cases would make SQLite walk the list from its start.
	c.add("("+timeCol+", "+idCol+") < (?, ?)", after.Time.UnixMilli(), after.ID)
}

// ListInteractions returns up to limit interactions of a customer matching
// f, newest first (by occur time, then ID), after the cursor if given, and
// whether more follow.
func (s *Store) ListInteractions(ctx context.Context, tenant, customerID string, f repository.InteractionFilter, after *repository.Cursor, limit int) ([]*rapportv1.Interaction, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	if len(f.AlsoCustomers) > 0 {
		one := f
		one.AlsoCustomers = nil
		return acrossCustomers(append([]string{customerID}, f.AlsoCustomers...), limit, func(id string) ([]*rapportv1.Interaction, bool, error) {
			return s.ListInteractions(ctx, tenant, id, one, after, limit)
		}, func(in *rapportv1.Interaction) (int64, string) {
			return in.GetOccurTime().AsTime().UnixMilli(), lastSegment(in.GetName())
		})
	}
	var c conds
	c.add("tenant = ? AND customer_id = ?", tenant, customerID)
	if len(f.Channels) > 0 {
		args := make([]any, len(f.Channels))
		for i, ch := range f.Channels {
			args[i] = int32(ch)
		}
		c.add("channel IN ("+placeholders(len(args))+")", args...)
	}
	bound := func(t time.Time, op string) {
		if !t.IsZero() {
			c.add("occur_time "+op+" ?", t.UnixMilli())
		}
	}
	bound(f.After, map[bool]string{false: ">", true: ">="}[f.AfterInclusive])
	bound(f.Before, map[bool]string{false: "<", true: "<="}[f.BeforeInclusive])
	for _, topic := range f.Topics {
		c.add("EXISTS (SELECT 1 FROM json_each(topics) WHERE value = ?)", topic)
	}
	if f.IssueID != "" {
		c.add("issue_id = ?", f.IssueID)
	}
	c.before("occur_time", "interaction_id", after)
	rows, err := s.query(ctx, "SELECT "+interactionColumns+" FROM interactions WHERE "+c.sql()+
		" ORDER BY occur_time DESC, interaction_id DESC LIMIT ?", append(c.args, limit+1)...)
	if err != nil {
		return nil, false, dbErr("list interactions", err)
	}
	return collect(rows, limit, func(r *sql.Rows) (*rapportv1.Interaction, error) {
		in, _, err := scanInteraction(r)
		return in, err
	})
}

// RecordSurvey attaches a survey answer to an interaction, in one
// transaction: the answer becomes the interaction's survey if it wins over
// the one there (repository.SurveyWins), and its request ID is recorded
// either way, so that a retry returns the first result.
func (s *Store) RecordSurvey(ctx context.Context, tenant string, a repository.SurveyAnswer) (repository.SurveyResult, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return repository.SurveyResult{}, err
	}
	var out repository.SurveyResult
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		first, err := s.request(ctx, tenant, "RecordSurvey", a.RequestID, a.Fingerprint)
		if err != nil {
			return err
		}
		if first != nil {
			in, err := s.GetInteraction(ctx, tenant, first.customerID, first.resourceID)
			out = repository.SurveyResult{Interaction: in, AlreadyRecorded: true, Superseded: in.GetSurvey().GetRequestId() != a.RequestID}
			return err
		}
		in, err := s.GetInteraction(ctx, tenant, a.CustomerID, a.InteractionID)
		if err != nil {
			return err
		}
		sv := proto.CloneOf(a.Survey)
		sv.RequestId = a.RequestID
		truncateTimes(sv.ProtoReflect())
		if repository.SurveyWins(sv, in.GetSurvey()) {
			in.Survey = sv
			stored := proto.CloneOf(in)
			stored.Name, stored.Issue = "", ""
			doc, err := encodeDoc(stored)
			if err != nil {
				return err
			}
			if _, err := s.exec(ctx, t, "UPDATE interactions SET doc = ? WHERE tenant = ? AND interaction_id = ? AND customer_id = ?",
				doc, tenant, a.InteractionID, a.CustomerID); err != nil {
				return dbErr("save survey", err)
			}
		}
		out = repository.SurveyResult{Interaction: in, Superseded: in.GetSurvey().GetRequestId() != a.RequestID}
		return s.recordRequest(ctx, t, tenant, "RecordSurvey", a.RequestID, a.Fingerprint, a.CustomerID, a.InteractionID)
	})
	if err != nil {
		return repository.SurveyResult{}, err
	}
	return out, nil
}
