package sqlite

import (
	"context"
	"fmt"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
)

// CustomerKey names a customer of any tenant.
type CustomerKey = repository.CustomerKey

// CustomersAfter returns up to limit customers of every tenant after
// (after.Tenant, after.CustomerID), in that order: the walk of a migration
// that must see every customer (rapport migrate --encrypt).
func (s *Store) CustomersAfter(ctx context.Context, after CustomerKey, limit int) ([]CustomerKey, error) {
	rows, err := s.query(ctx, "SELECT tenant, customer_id FROM customers WHERE (tenant, customer_id) > (?, ?) ORDER BY tenant, customer_id LIMIT ?",
		after.Tenant, after.CustomerID, limit)
	if err != nil {
		return nil, dbErr("list customers", err)
	}
	defer rows.Close()
	var out []CustomerKey
	for rows.Next() {
		var k CustomerKey
		if err := rows.Scan(&k.Tenant, &k.CustomerID); err != nil {
			return nil, dbErr("list customers", err)
		}
		out = append(out, k)
	}
	return out, dbErr("list customers", rows.Err())
}

// RewriteInteractions applies fn to every stored interaction of a
// customer and stores what it makes of each, in ctx's transaction (or one
// of its own): for a migration that changes how content is stored, never
// what it says (nothing else of the interaction's row changes).
func (s *Store) RewriteInteractions(ctx context.Context, tenant, customerID string, fn func(*rapportv1.Interaction) error) (int, error) {
	n := 0
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		rows, err := s.query(ctx, "SELECT "+interactionColumns+" FROM interactions WHERE tenant = ? AND customer_id = ?", tenant, customerID)
		if err != nil {
			return dbErr("read interactions", err)
		}
		var all []*rapportv1.Interaction
		for rows.Next() {
			in, _, err := scanInteraction(rows)
			if err != nil {
				_ = rows.Close()
				return dbErr("read interactions", err)
			}
			all = append(all, in)
		}
		if err := rows.Close(); err != nil {
			return dbErr("read interactions", err)
		}
		for _, in := range all {
			name := in.GetName()
			if err := fn(in); err != nil {
				return err
			}
			stored := proto.CloneOf(in)
			stored.Name, stored.Issue = "", ""
			doc, err := encodeDoc(stored)
			if err != nil {
				return err
			}
			id := name[len(repository.CustomerName(customerID)+"/interactions/"):]
			if _, err := s.exec(ctx, t, "UPDATE interactions SET doc = ? WHERE tenant = ? AND interaction_id = ?", doc, tenant, id); err != nil {
				return dbErr("rewrite interaction", err)
			}
			n++
		}
		// The clear rows are overwritten (secure_delete); the log that held
		// them is truncated once the transaction commits.
		t.erased = true
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("rewrite the interactions of %s/%s: %w", tenant, customerID, err)
	}
	return n, nil
}
