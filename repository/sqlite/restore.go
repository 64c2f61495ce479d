package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
)

// Restore stores records exactly as they are (names, revisions, times), in
// one transaction, for a migration from another store: a customer with its
// identity claims, before the records it owns. A record whose key exists
// already is an error, and nothing of the batch is stored.
func (s *Store) Restore(ctx context.Context, records []repository.Record) error {
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		for _, r := range records {
			if err := s.restore(ctx, t, r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) restore(ctx context.Context, t *txn, r repository.Record) error {
	insert := func(what, query string, args ...any) error {
		_, err := s.exec(ctx, t, query, args...)
		return dbErr("restore "+what, err)
	}
	switch {
	case r.Customer != nil:
		c := proto.CloneOf(r.Customer.Customer)
		id := strings.TrimPrefix(c.GetName(), "customers/")
		rev := revisionOf(c.GetEtag())
		truncateTimes(c.ProtoReflect())
		doc, err := customerDoc(c)
		if err != nil {
			return err
		}
		if err := insert("customer", "INSERT INTO customers (tenant, customer_id, revision, create_request_id, create_time, update_time, doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
			r.Customer.Tenant, id, rev, nullString(r.Customer.CreateRequestID), c.GetCreateTime().AsTime().UnixMilli(), c.GetUpdateTime().AsTime().UnixMilli(), doc); err != nil {
			return err
		}
		// Its merge, if restored first.
		if err := insert("customer", "UPDATE customers SET merged_into = (SELECT survivor_id FROM merges WHERE tenant = ? AND merged_id = ?) WHERE tenant = ? AND customer_id = ?",
			r.Customer.Tenant, id, r.Customer.Tenant, id); err != nil {
			return err
		}
		for _, key := range repository.IdentityKeys(c) {
			if err := insert("identity", "INSERT INTO identities (tenant, identity, customer_id) VALUES (?, ?, ?)", r.Customer.Tenant, key, id); err != nil {
				return err
			}
		}
	case r.Request != nil:
		q := r.Request
		return insert("request record", "INSERT INTO requests (tenant, request_key, method, customer_id, resource_id, fingerprint) VALUES (?, ?, ?, ?, ?, ?)",
			q.Tenant, q.Method+":"+q.RequestID, q.Method, q.CustomerID, q.ResourceID, q.Fingerprint)
	case r.Interaction != nil:
		in := proto.CloneOf(r.Interaction.Interaction)
		truncateTimes(in.ProtoReflect())
		customerID, id, ok := splitName(in.GetName(), "interactions")
		if !ok {
			return fmt.Errorf("restore interaction: bad name %q", in.GetName())
		}
		var issueID sql.NullString
		if in.GetIssue() != "" {
			_, issue, ok := splitName(in.GetIssue(), "issues")
			if !ok {
				return fmt.Errorf("restore interaction %s: bad issue %q", in.GetName(), in.GetIssue())
			}
			issueID = nullString(issue)
		}
		var topics sql.NullString
		if len(in.GetTopics()) > 0 {
			b, _ := json.Marshal(in.GetTopics())
			topics = sql.NullString{String: string(b), Valid: true}
		}
		stored := proto.CloneOf(in)
		stored.Name, stored.Issue = "", ""
		doc, err := encodeDoc(stored)
		if err != nil {
			return err
		}
		return insert("interaction", `INSERT INTO interactions
			(tenant, interaction_id, customer_id, occur_time, channel, issue_id, topics, fingerprint, expire_at, create_time, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Interaction.Tenant, id, customerID, in.GetOccurTime().AsTime().UnixMilli(), int32(in.GetChannel()), issueID, topics,
			nullString(r.Interaction.Fingerprint), ms(repository.Truncate(r.Interaction.ExpireAt)), in.GetCreateTime().AsTime().UnixMilli(), doc)
	case r.Issue != nil:
		is := proto.CloneOf(r.Issue.Issue)
		customerID, id, ok := splitName(is.GetName(), "issues")
		if !ok {
			return fmt.Errorf("restore issue: bad name %q", is.GetName())
		}
		if _, err := s.GetIssue(ctx, r.Issue.Tenant, customerID, id); err == nil {
			return fmt.Errorf("restore issue %s: it exists", is.GetName())
		}
		return s.saveIssue(ctx, t, r.Issue.Tenant, customerID, id, revisionOf(is.GetEtag()), r.Issue.CreateRequestID, is)
	case r.Summary != nil:
		sum := r.Summary
		return insert("summary", "INSERT INTO summaries (tenant, customer_id, revision, update_time, first_contact, stale, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
			sum.Tenant, sum.CustomerID, sum.Revision, sum.UpdateTime.UnixMilli(), ms(sum.FirstContact), sum.Stale, repository.EncodeSummary(sum))
	case r.APIKey != nil:
		k := r.APIKey
		scopes, _ := json.Marshal(k.Scopes)
		return insert("api key", "INSERT INTO api_keys (key_id, tenant, name, scopes, secret_hash, create_time, expire_time, revoke_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			k.ID, k.Tenant, k.Name, string(scopes), k.SecretHash, k.CreateTime.UnixMilli(), ms(k.ExpireTime), ms(k.RevokeTime))
	case r.Merge != nil:
		m := r.Merge.Merge
		if err := insert("merge", "INSERT INTO merges (tenant, merged_id, survivor_id, rule, merge_time) VALUES (?, ?, ?, ?, ?)",
			r.Merge.Tenant, m.Merged, m.Survivor, m.Rule, repository.Truncate(m.MergeTime).UnixMilli()); err != nil {
			return err
		}
		return insert("merge", "UPDATE customers SET merged_into = ? WHERE tenant = ? AND customer_id = ?", m.Survivor, r.Merge.Tenant, m.Merged)
	case r.AuditEvent != nil:
		e := r.AuditEvent
		var customers sql.NullString
		if len(e.Customers) > 0 {
			b, _ := json.Marshal(e.Customers)
			customers = sql.NullString{String: string(b), Valid: true}
		}
		at := repository.Truncate(e.Time).UnixMilli()
		if err := insert("audit event", "INSERT INTO audit_events (tenant, audit_id, time, principal, method, code, customers, customers_omitted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			e.Tenant, e.ID, at, e.Principal, e.Method, e.Code, customers, e.Omitted); err != nil {
			return err
		}
		for _, c := range e.Customers {
			if err := insert("audit event", "INSERT INTO audit_customers (tenant, customer, time, audit_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", e.Tenant, c, at, e.ID); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("restore: an empty record")
	}
	return nil
}

// splitName reads customers/{customer}/{collection}/{id}.
func splitName(name, collection string) (customerID, id string, ok bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "customers" || parts[2] != collection || parts[1] == "" || parts[3] == "" {
		return "", "", false
	}
	return parts[1], parts[3], true
}

// Empty reports whether the store holds no record at all.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	for _, table := range []string{"customers", "interactions", "issues", "api_keys", "audit_events"} {
		var one int
		err := s.queryRow(ctx, "SELECT 1 FROM "+table+" LIMIT 1").Scan(&one)
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, dbErr("read "+table, err)
		}
	}
	return true, nil
}

// SetMeta records a fact about the store (what was migrated into it, and
// when) in its meta table; Meta reads one back ("" when unset).
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		_, err := s.exec(ctx, t, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
		return dbErr("write meta", err)
	})
}

// Meta reads what SetMeta recorded under key, "" when nothing.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.queryRow(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, dbErr("read meta", err)
}
