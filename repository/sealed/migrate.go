package sealed

import (
	"context"
	"errors"
	"strings"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
)

// InteractionRewriter rewrites every stored interaction of a customer with
// fn, in the caller's transaction (the embedded store's
// RewriteInteractions).
type InteractionRewriter func(ctx context.Context, tenant, customerID string, fn func(*rapportv1.Interaction) error) (int, error)

// EncryptExisting encrypts what a store written before encryption holds in
// clear of one customer, in one transaction (Atomically): the customer
// and their identity claims (moved to their blind indexes), their issues,
// interactions and context summary, all or nothing, so that a customer is
// never half-encrypted, and a run cut anywhere resumes with the next
// customer not done. Values already encrypted stay as they are. The
// customer's and issues' revisions (etags) move on, as after any update.
func (s *Store) EncryptExisting(ctx context.Context, tenant, customerID string, rewrite InteractionRewriter) error {
	return s.Atomically(ctx, func(ctx context.Context) error {
		same := func(*rapportv1.Customer) error { return nil }
		if _, err := s.UpdateCustomer(ctx, tenant, customerID, "", same); err != nil {
			return err
		}
		var ids []string
		var after *repository.Cursor
		for {
			page, more, err := s.Adapter.ListIssues(ctx, tenant, customerID, repository.IssueFilter{}, after, 500)
			if err != nil {
				return err
			}
			for _, is := range page {
				ids = append(ids, is.GetName()[strings.LastIndex(is.GetName(), "/")+1:])
			}
			if !more || len(page) == 0 {
				break
			}
			last := page[len(page)-1]
			after = &repository.Cursor{Time: last.GetOpenTime().AsTime(), ID: ids[len(ids)-1]}
		}
		for _, id := range ids {
			if _, err := s.UpdateIssue(ctx, tenant, customerID, id, "", func(*rapportv1.Issue) error { return nil }); err != nil {
				return err
			}
		}
		c := s.keys.codec(ctx, tenant, customerID)
		if _, err := rewrite(ctx, tenant, customerID, func(in *rapportv1.Interaction) error {
			if err := interactionFields(in, c.openString); err != nil {
				return err
			}
			return interactionFields(in, c.sealString)
		}); err != nil {
			return err
		}
		switch _, err := s.Adapter.GetSummary(ctx, tenant, customerID); {
		case errors.Is(err, repository.ErrNotFound), errors.Is(err, repository.ErrCorruptSummary):
			// None to encrypt; a corrupt one is rebuilt (encrypted) when
			// it is read.
			return nil
		case err != nil:
			return err
		}
		_, err := s.UpdateSummary(ctx, tenant, customerID, func(*repository.Summary) error { return nil })
		return err
	})
}
