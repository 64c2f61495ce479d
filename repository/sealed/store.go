package sealed

import (
	"context"
	"errors"
	"fmt"
	"strings"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
)

// Store is an adapter whose personal content is encrypted with each
// customer's data key before it reaches the adapter, and decrypted on the
// way back: what the adapter stores (and every copy of it) holds
// ciphertext, blind indexes and the fields the store queries (IDs, times,
// channels, topics, statuses, tags), never a name, an identity, a text or
// a fact. Methods that carry no personal content pass through.
type Store struct {
	repository.Adapter
	keys *Keyring
}

// New wraps an adapter.
func New(inner repository.Adapter, keys *Keyring) *Store { return &Store{Adapter: inner, keys: keys} }

// Unwrap returns the adapter.
func (s *Store) Unwrap() repository.Adapter { return s.Adapter }

// Keyring returns the store's keyring.
func (s *Store) Keyring() *Keyring { return s.keys }

// readErr reports a destroyed key as the record not being found.
func readErr(err error) error {
	if errors.Is(err, ErrKeyDestroyed) {
		return fmt.Errorf("%w (%w)", repository.ErrNotFound, err)
	}
	return err
}

// ownerOf returns the customer ID at the start of a resource name.
func ownerOf(name string) string {
	rest := strings.TrimPrefix(name, "customers/")
	id, _, _ := strings.Cut(rest, "/")
	return id
}

func (c *codec) sealCustomer(cu *rapportv1.Customer) error {
	return customerFields(cu, c.sealString, c.sealIdentity)
}

func (c *codec) openCustomer(cu *rapportv1.Customer) error {
	return readErr(customerFields(cu, c.openString, c.openIdentity))
}

func (s *Store) openCustomer(ctx context.Context, tenant string, cu *rapportv1.Customer) error {
	if cu == nil {
		return nil
	}
	return s.keys.reader(ctx, tenant, ownerOf(cu.GetName())).openCustomer(cu)
}

func (s *Store) openInteraction(ctx context.Context, tenant string, in *rapportv1.Interaction) error {
	if in == nil {
		return nil
	}
	c := s.keys.reader(ctx, tenant, ownerOf(in.GetName()))
	return readErr(interactionFields(in, c.openString))
}

func (s *Store) openIssue(ctx context.Context, tenant string, is *rapportv1.Issue) error {
	if is == nil {
		return nil
	}
	c := s.keys.reader(ctx, tenant, ownerOf(is.GetName()))
	return readErr(issueFields(is, c.openString))
}

// conflictErr names a claimed identity by its value again, not its blind
// index.
func conflictErr(err error, sealedKeys map[string]string) error {
	var conflict *repository.IdentityConflictError
	if errors.As(err, &conflict) {
		if plain, ok := sealedKeys[conflict.Identity]; ok {
			return &repository.IdentityConflictError{Identity: plain, Owner: conflict.Owner}
		}
	}
	return err
}

// identityKeys maps the keys of a sealed customer's identities to the
// keys of their values.
func identityKeys(plain, sealed *rapportv1.Customer) map[string]string {
	m := map[string]string{}
	for i, id := range sealed.GetIdentities() {
		if i < len(plain.GetIdentities()) {
			m[repository.IdentityKey(id.GetType(), id.GetValue())] = repository.IdentityKey(id.GetType(), plain.GetIdentities()[i].GetValue())
		}
	}
	return m
}

func (s *Store) CreateCustomer(ctx context.Context, tenant string, req repository.CreateRequest) (*rapportv1.Customer, error) {
	var keys map[string]string
	var sealer *codec
	req.Prepare = func(customerID string, cu *rapportv1.Customer) error {
		plain := proto.CloneOf(cu)
		sealer = s.keys.codec(ctx, tenant, customerID)
		sealer.mode = newCustomerKey
		if err := sealer.sealCustomer(cu); err != nil {
			return err
		}
		keys = identityKeys(plain, cu)
		return nil
	}
	out, err := s.Adapter.CreateCustomer(ctx, tenant, req)
	if err != nil {
		return nil, conflictErr(err, keys)
	}
	if sealer != nil && sealer.customerID == ownerOf(out.GetName()) {
		return out, sealer.openCustomer(out)
	}
	return out, s.openCustomer(ctx, tenant, out)
}

func (s *Store) GetCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error) {
	out, err := s.Adapter.GetCustomer(ctx, tenant, customerID)
	if err != nil {
		return nil, err
	}
	if err := s.openCustomer(ctx, tenant, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) UpdateCustomer(ctx context.Context, tenant, customerID, etag string, mutate func(*rapportv1.Customer) error) (*rapportv1.Customer, error) {
	c := s.keys.codec(ctx, tenant, customerID)
	keys := map[string]string{}
	out, err := s.Adapter.UpdateCustomer(ctx, tenant, customerID, etag, func(cu *rapportv1.Customer) error {
		if err := c.openCustomer(cu); err != nil {
			return err
		}
		if err := mutate(cu); err != nil {
			return err
		}
		plain := proto.CloneOf(cu)
		if err := c.sealCustomer(cu); err != nil {
			return readErr(err)
		}
		keys = identityKeys(plain, cu)
		return nil
	})
	if err != nil {
		return nil, conflictErr(err, keys)
	}
	return out, c.openCustomer(out)
}

// DeleteCustomer destroys the customer's data key first, then deletes
// their records: from the moment the key is gone nothing of theirs can be
// read, in the live store or any copy of it. An etag is checked before
// the key goes; once it is gone the erasure is committed (a retry
// finishes it).
func (s *Store) DeleteCustomer(ctx context.Context, tenant, customerID, etag string) (repository.DeleteResult, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return repository.DeleteResult{}, err
	}
	if etag != "" {
		cu, err := s.Adapter.GetCustomer(ctx, tenant, customerID)
		if err != nil {
			return repository.DeleteResult{}, err
		}
		if cu.GetEtag() != etag {
			return repository.DeleteResult{}, repository.ErrEtagMismatch
		}
	}
	destroyed, err := s.keys.Destroy(ctx, tenant, customerID)
	if err != nil {
		return repository.DeleteResult{}, fmt.Errorf("destroy the data key: %w", err)
	}
	res, err := s.Adapter.DeleteCustomer(ctx, tenant, customerID, "")
	res.DataKeyDestroyed = destroyed
	return res, err
}

func (s *Store) ListCustomers(ctx context.Context, tenant string, f repository.CustomerFilter, afterID string, limit int) ([]*rapportv1.Customer, bool, error) {
	page, more, err := s.Adapter.ListCustomers(ctx, tenant, f, afterID, limit)
	if err != nil {
		return nil, false, err
	}
	out := page[:0]
	for _, cu := range page {
		switch err := s.openCustomer(ctx, tenant, cu); {
		case errors.Is(err, ErrKeyDestroyed):
			// An erased customer in a restored copy of the store.
		case err != nil:
			return nil, false, err
		default:
			out = append(out, cu)
		}
	}
	return out, more, nil
}

func (s *Store) LookupIdentity(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (*rapportv1.Customer, *rapportv1.Identity, error) {
	lv, err := s.keys.lookupValue(ctx, tenant, t, value)
	if err != nil {
		return nil, nil, err
	}
	cu, id, err := s.Adapter.LookupIdentity(ctx, tenant, t, lv)
	if errors.Is(err, repository.ErrNotFound) {
		// An identity written before the store was encrypted.
		cu, id, err = s.Adapter.LookupIdentity(ctx, tenant, t, value)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := s.openCustomer(ctx, tenant, cu); err != nil {
		return nil, nil, err
	}
	found := &rapportv1.Identity{Type: t, Value: value, Verified: id.GetVerified()}
	for _, i := range cu.GetIdentities() {
		if i.GetType() == t && i.GetValue() == value {
			found = i
		}
	}
	return cu, found, nil
}

func (s *Store) ResolveIdentity(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (string, error) {
	lv, err := s.keys.lookupValue(ctx, tenant, t, value)
	if err != nil {
		return "", err
	}
	id, err := s.Adapter.ResolveIdentity(ctx, tenant, t, lv)
	if errors.Is(err, repository.ErrNotFound) {
		id, err = s.Adapter.ResolveIdentity(ctx, tenant, t, value)
	}
	return id, err
}

func (s *Store) RecordInteractions(ctx context.Context, tenant string, items []repository.NewInteraction) ([]repository.RecordResult, error) {
	sealed := make([]repository.NewInteraction, len(items))
	codecs := map[string]*codec{}
	for i, it := range items {
		it.Interaction = proto.CloneOf(it.Interaction)
		c := codecs[it.CustomerID]
		if c == nil {
			c = s.keys.codec(ctx, tenant, it.CustomerID)
			codecs[it.CustomerID] = c
		}
		if err := interactionFields(it.Interaction, c.sealString); err != nil {
			return nil, readErr(err)
		}
		sealed[i] = it
	}
	res, err := s.Adapter.RecordInteractions(ctx, tenant, sealed)
	if err != nil {
		return nil, err
	}
	for i := range res {
		if res[i].Err != nil || res[i].Interaction == nil {
			continue
		}
		c := codecs[ownerOf(res[i].Interaction.GetName())]
		if c == nil {
			c = s.keys.codec(ctx, tenant, ownerOf(res[i].Interaction.GetName()))
		}
		if err := readErr(interactionFields(res[i].Interaction, c.openString)); err != nil {
			res[i].Err = err
		}
	}
	return res, nil
}

func (s *Store) GetInteraction(ctx context.Context, tenant, customerID, interactionID string) (*rapportv1.Interaction, error) {
	out, err := s.Adapter.GetInteraction(ctx, tenant, customerID, interactionID)
	if err != nil {
		return nil, err
	}
	return out, s.openInteraction(ctx, tenant, out)
}

func (s *Store) ListInteractions(ctx context.Context, tenant, customerID string, f repository.InteractionFilter, after *repository.Cursor, limit int) ([]*rapportv1.Interaction, bool, error) {
	page, more, err := s.Adapter.ListInteractions(ctx, tenant, customerID, f, after, limit)
	if err != nil {
		return nil, false, err
	}
	for _, in := range page {
		if err := s.openInteraction(ctx, tenant, in); err != nil {
			return nil, false, err
		}
	}
	return page, more, nil
}

func (s *Store) RecordSurvey(ctx context.Context, tenant string, a repository.SurveyAnswer) (repository.SurveyResult, error) {
	a.Survey = proto.CloneOf(a.Survey)
	c := s.keys.codec(ctx, tenant, a.CustomerID)
	if err := surveyFields(a.Survey, c.sealString); err != nil {
		return repository.SurveyResult{}, readErr(err)
	}
	res, err := s.Adapter.RecordSurvey(ctx, tenant, a)
	if err != nil || res.Interaction == nil {
		return res, err
	}
	return res, readErr(interactionFields(res.Interaction, c.openString))
}

func (s *Store) CreateIssue(ctx context.Context, tenant string, req repository.CreateIssueRequest) (*rapportv1.Issue, error) {
	req.Issue = proto.CloneOf(req.Issue)
	c := s.keys.codec(ctx, tenant, req.CustomerID)
	if err := issueFields(req.Issue, c.sealString); err != nil {
		return nil, readErr(err)
	}
	out, err := s.Adapter.CreateIssue(ctx, tenant, req)
	if err != nil {
		return nil, err
	}
	return out, readErr(issueFields(out, c.openString))
}

func (s *Store) GetIssue(ctx context.Context, tenant, customerID, issueID string) (*rapportv1.Issue, error) {
	out, err := s.Adapter.GetIssue(ctx, tenant, customerID, issueID)
	if err != nil {
		return nil, err
	}
	return out, s.openIssue(ctx, tenant, out)
}

func (s *Store) UpdateIssue(ctx context.Context, tenant, customerID, issueID, etag string, mutate func(*rapportv1.Issue) error) (*rapportv1.Issue, error) {
	c := s.keys.codec(ctx, tenant, customerID)
	out, err := s.Adapter.UpdateIssue(ctx, tenant, customerID, issueID, etag, func(is *rapportv1.Issue) error {
		if err := readErr(issueFields(is, c.openString)); err != nil {
			return err
		}
		if err := mutate(is); err != nil {
			return err
		}
		return readErr(issueFields(is, c.sealString))
	})
	if err != nil {
		return nil, err
	}
	return out, readErr(issueFields(out, c.openString))
}

func (s *Store) ListIssues(ctx context.Context, tenant, customerID string, f repository.IssueFilter, after *repository.Cursor, limit int) ([]*rapportv1.Issue, bool, error) {
	page, more, err := s.Adapter.ListIssues(ctx, tenant, customerID, f, after, limit)
	if err != nil {
		return nil, false, err
	}
	for _, is := range page {
		if err := s.openIssue(ctx, tenant, is); err != nil {
			return nil, false, err
		}
	}
	return page, more, nil
}

// summaryErr reports a summary that does not decrypt as a corrupt one,
// which the service rebuilds from the history.
func summaryErr(err error) error {
	if errors.Is(err, ErrUndecryptable) {
		return fmt.Errorf("%w: %w", repository.ErrCorruptSummary, err)
	}
	return readErr(err)
}

func (c *codec) openSummary(sum *repository.Summary) error {
	return summaryErr(summaryFields(sum, c.bytesFunc(false)))
}

// GetSummary is the hot read: the adapter's one point read, then the
// decryption of what it holds (with the customer's key from memory).
func (s *Store) GetSummary(ctx context.Context, tenant, customerID string) (*repository.Summary, error) {
	sum, _, err := s.GetSummaryIfChanged(ctx, tenant, customerID, 0)
	return sum, err
}

// GetSummaryIfChanged is GetSummary, unless the stored summary has the
// fingerprint known (the fingerprint of its sealed form, see
// repository.UnchangedSummaryReader): then nothing is decrypted. An adapter
// that does not offer it is read whole.
func (s *Store) GetSummaryIfChanged(ctx context.Context, tenant, customerID string, known uint64) (*repository.Summary, bool, error) {
	var sum *repository.Summary
	var err error
	if r, ok := s.Adapter.(repository.UnchangedSummaryReader); ok {
		var unchanged bool
		if sum, unchanged, err = r.GetSummaryIfChanged(ctx, tenant, customerID, known); err != nil || unchanged {
			return nil, unchanged, err
		}
	} else if sum, err = s.Adapter.GetSummary(ctx, tenant, customerID); err != nil {
		return nil, false, err
	}
	if err := s.keys.reader(ctx, tenant, sum.CustomerID).openSummary(sum); err != nil {
		return nil, false, err
	}
	return sum, false, nil
}

func (s *Store) summaryMutate(ctx context.Context, tenant string, codecs map[string]*codec, mutate func(*repository.Summary) error) func(*repository.Summary) error {
	return func(sum *repository.Summary) error {
		c := codecs[sum.CustomerID]
		if c == nil {
			c = s.keys.codec(ctx, tenant, sum.CustomerID)
			codecs[sum.CustomerID] = c
		}
		if err := c.openSummary(sum); err != nil {
			return err
		}
		if err := mutate(sum); err != nil {
			return err
		}
		return readErr(summaryFields(sum, c.bytesFunc(true)))
	}
}

func (s *Store) UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*repository.Summary) error) (*repository.Summary, error) {
	codecs := map[string]*codec{}
	sum, err := s.Adapter.UpdateSummary(ctx, tenant, customerID, s.summaryMutate(ctx, tenant, codecs, mutate))
	if err != nil || sum == nil {
		return sum, err
	}
	c := codecs[sum.CustomerID]
	if c == nil {
		c = s.keys.codec(ctx, tenant, sum.CustomerID)
	}
	return sum, c.openSummary(sum)
}

func (s *Store) UpdateSummaries(ctx context.Context, tenant string, customerIDs []string, mutate func(*repository.Summary) error) error {
	return s.Adapter.UpdateSummaries(ctx, tenant, customerIDs, s.summaryMutate(ctx, tenant, map[string]*codec{}, mutate))
}
