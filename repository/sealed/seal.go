package sealed

import (
	"context"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
)

// How a sealed value is stored (see the package documentation):
//
//	string field:   "\x00R1" base64(nonce || ciphertext || tag)
//	identity value: "\x00I1" blind-index "\x00" base64(nonce || ciphertext || tag)
//	bytes field:    0x00 'R' '1' nonce || ciphertext || tag
//
// A leading NUL is never the start of a value the service accepts in
// clear (identities refuse control characters; a serialised protobuf never
// starts with 0), so a store written before encryption (or by a migration
// from FerretDB or a MongoDB dump) reads as before: values without the
// prefix are clear text.
const (
	stringPrefix   = "\x00R1"
	identityPrefix = repository.SealedIdentityPrefix
)

var bytesPrefix = []byte{0, 'R', '1'}

// ErrUndecryptable: a stored value has the sealed form but does not
// decrypt with its customer's key: it was damaged, or copied from another
// tenant, customer or field. Never returned for a destroyed key (that is
// ErrKeyDestroyed).
var ErrUndecryptable = errors.New("a stored value does not decrypt: damaged, or not this customer's")

// aad is the associated data of a value: it binds the ciphertext to its
// tenant, its customer and its field, so that a value moved anywhere else
// (another tenant's rows, another customer, another field) fails to open.
func aad(tenant, customerID, field string) []byte {
	return []byte("rapport sealed v1\x00" + tenant + "\x00" + customerID + "\x00" + field)
}

// codec seals and opens one customer's values. Values it opened are
// remembered, so that sealing them again unchanged keeps their ciphertext
// (an update that changes nothing stays a no-op, and a summary update
// re-encrypts only what changed).
type codec struct {
	k                  *Keyring
	ctx                context.Context
	tenant, customerID string
	// mode is how the key is found for sealing (reads find it with
	// readKey).
	mode keyMode
	aead cipher.AEAD
	// memo maps field and clear text to the stored value, rev a stored
	// value to its clear text.
	memo, rev map[string]string
	// reader says the codec only opens (a read): nothing is remembered.
	reader bool
}

func (k *Keyring) codec(ctx context.Context, tenant, customerID string) *codec {
	return &codec{k: k, ctx: ctx, tenant: tenant, customerID: customerID, mode: writeKey}
}

func (c *codec) key(seal bool) (cipher.AEAD, error) {
	if c.aead != nil {
		return c.aead, nil
	}
	mode := readKey
	if seal {
		mode = c.mode
	}
	a, err := c.k.dataKey(c.ctx, c.tenant, c.customerID, mode)
	if err != nil {
		return nil, err
	}
	c.aead = a
	return a, nil
}

// reader returns a codec for a read, which remembers nothing.
func (k *Keyring) reader(ctx context.Context, tenant, customerID string) *codec {
	c := k.codec(ctx, tenant, customerID)
	c.reader = true
	return c
}

func (c *codec) remember(field, plain, stored string) {
	if c.reader {
		return
	}
	if c.memo == nil {
		c.memo, c.rev = map[string]string{}, map[string]string{}
	}
	c.memo[field+"\x00"+plain] = stored
	c.rev[stored] = plain
}

func (c *codec) sealBytes(field string, plain []byte) ([]byte, error) {
	if len(plain) == 0 {
		return plain, nil
	}
	if s, ok := c.memo[field+"\x00"+string(plain)]; ok {
		return []byte(s), nil
	}
	a, err := c.key(true)
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), bytesPrefix...)
	out = append(out, seal(a, plain, aad(c.tenant, c.customerID, field))...)
	c.remember(field, string(plain), string(out))
	return out, nil
}

func (c *codec) openBytes(field string, stored []byte) ([]byte, error) {
	if len(stored) < len(bytesPrefix) || stored[0] != 0 {
		return stored, nil // clear, written before encryption
	}
	if plain, ok := c.rev[string(stored)]; ok {
		return []byte(plain), nil
	}
	if string(stored[:len(bytesPrefix)]) != string(bytesPrefix) {
		return nil, fmt.Errorf("%s: %w", field, ErrUndecryptable)
	}
	a, err := c.key(false)
	if err != nil {
		return nil, err
	}
	plain, err := open(a, stored[len(bytesPrefix):], aad(c.tenant, c.customerID, field))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, ErrUndecryptable)
	}
	c.remember(field, string(plain), string(stored))
	return plain, nil
}

func (c *codec) sealString(field string, v *string) error {
	if *v == "" {
		return nil
	}
	if s, ok := c.memo[field+"\x00"+*v]; ok {
		*v = s
		return nil
	}
	a, err := c.key(true)
	if err != nil {
		return err
	}
	stored := stringPrefix + base64.RawStdEncoding.EncodeToString(seal(a, []byte(*v), aad(c.tenant, c.customerID, field)))
	c.remember(field, *v, stored)
	*v = stored
	return nil
}

func (c *codec) openString(field string, v *string) error {
	stored := *v
	if !strings.HasPrefix(stored, "\x00") {
		return nil
	}
	if plain, ok := c.rev[stored]; ok {
		*v = plain
		return nil
	}
	if !strings.HasPrefix(stored, stringPrefix) {
		return fmt.Errorf("%s: %w", field, ErrUndecryptable)
	}
	plain, err := c.openB64(field, stored[len(stringPrefix):])
	if err != nil {
		return err
	}
	*v = plain
	c.remember(field, plain, stored)
	return nil
}

func (c *codec) openB64(field, b64 string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, ErrUndecryptable)
	}
	a, err := c.key(false)
	if err != nil {
		return "", err
	}
	plain, err := open(a, raw, aad(c.tenant, c.customerID, field))
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, ErrUndecryptable)
	}
	return string(plain), nil
}

// sealIdentity stores an identity as its blind index (which the identity
// claim is keyed by) and its value encrypted.
func (c *codec) sealIdentity(id *rapportv1.Identity) error {
	const field = "customer.identity"
	plain := id.GetValue()
	if plain == "" || strings.HasPrefix(plain, "\x00") {
		return nil
	}
	if s, ok := c.memo[field+"\x00"+plain]; ok {
		id.Value = s
		return nil
	}
	token, err := c.k.blindIndex(c.ctx, c.tenant, repository.IdentityKey(id.GetType(), plain))
	if err != nil {
		return err
	}
	a, err := c.key(true)
	if err != nil {
		return err
	}
	id.Value = identityPrefix + token + "\x00" + base64.RawStdEncoding.EncodeToString(seal(a, []byte(plain), aad(c.tenant, c.customerID, field)))
	c.remember(field, plain, id.Value)
	return nil
}

func (c *codec) openIdentity(id *rapportv1.Identity) error {
	const field = "customer.identity"
	stored := id.GetValue()
	if !strings.HasPrefix(stored, "\x00") {
		return nil
	}
	if plain, ok := c.rev[stored]; ok {
		id.Value = plain
		return nil
	}
	_, ct, ok := strings.Cut(strings.TrimPrefix(stored, identityPrefix), "\x00")
	if !strings.HasPrefix(stored, identityPrefix) || !ok {
		return fmt.Errorf("%s: %w", field, ErrUndecryptable)
	}
	plain, err := c.openB64(field, ct)
	if err != nil {
		return err
	}
	id.Value = plain
	c.remember(field, plain, stored)
	return nil
}

// lookupValue is what an identity lookup asks the store for: the blind
// index in the sealed form, which repository.IdentityKey turns into the
// same key as the stored identity's.
func (k *Keyring) lookupValue(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (string, error) {
	token, err := k.blindIndex(ctx, tenant, repository.IdentityKey(t, value))
	if err != nil {
		return "", err
	}
	return identityPrefix + token, nil
}

// each applies f to every field of a record, stopping at the first error.
type fieldFunc func(field string, v *string) error

func customerFields(c *rapportv1.Customer, f fieldFunc, id func(*rapportv1.Identity) error) error {
	if c == nil {
		return nil
	}
	errs := []error{f("customer.display_name", &c.DisplayName), f("customer.preferred_name", &c.PreferredName)}
	for _, i := range c.GetIdentities() {
		errs = append(errs, id(i))
	}
	for k, v := range c.GetTraits() {
		errs = append(errs, f("customer.trait."+k, &v))
		c.Traits[k] = v
	}
	if p := c.GetPreferences(); p != nil {
		errs = append(errs, f("customer.accessibility_notes", &p.AccessibilityNotes))
	}
	return errors.Join(errs...)
}

func factFields(facts []*rapportv1.Fact, f fieldFunc) error {
	var errs []error
	for _, x := range facts {
		errs = append(errs, f("fact.value", &x.Value))
	}
	return errors.Join(errs...)
}

func interactionFields(in *rapportv1.Interaction, f fieldFunc) error {
	if in == nil {
		return nil
	}
	errs := []error{f("interaction.summary", &in.Summary), f("interaction.text", &in.Text), f("interaction.excerpt", &in.Excerpt),
		factFields(in.GetFacts(), f)}
	if s := in.GetSurvey(); s != nil {
		errs = append(errs, f("survey.comment", &s.Comment))
	}
	return errors.Join(errs...)
}

func surveyFields(s *rapportv1.SurveyAnswers, f fieldFunc) error {
	if s == nil {
		return nil
	}
	return f("survey.comment", &s.Comment)
}

func issueFields(is *rapportv1.Issue, f fieldFunc) error {
	if is == nil {
		return nil
	}
	errs := []error{f("issue.title", &is.Title), f("issue.resolution", &is.Resolution), factFields(is.GetFacts(), f)}
	for _, h := range is.GetStatusHistory() {
		errs = append(errs, f("issue.resolution", &h.Resolution))
	}
	return errors.Join(errs...)
}

func summaryFields(s *repository.Summary, f func(field string, v *[]byte) error) error {
	if s == nil {
		return nil
	}
	errs := []error{f("summary.customer", &s.Customer)}
	for i := range s.Issues {
		errs = append(errs, f("summary.issue", &s.Issues[i].Issue))
	}
	for i := range s.Recent {
		errs = append(errs, f("summary.interaction", &s.Recent[i].Interaction))
	}
	for i := range s.CustomerFacts {
		errs = append(errs, f("summary.fact", &s.CustomerFacts[i].Fact))
	}
	return errors.Join(errs...)
}

func (c *codec) bytesFunc(sealing bool) func(string, *[]byte) error {
	return func(field string, v *[]byte) error {
		var err error
		if sealing {
			*v, err = c.sealBytes(field, *v)
		} else {
			*v, err = c.openBytes(field, *v)
		}
		return err
	}
}

// SealValue encrypts one value of a customer's field as the store keeps
// it; OpenValue decrypts what it made (the decryption path every read
// takes, for tests and fuzzing).
func (k *Keyring) SealValue(ctx context.Context, tenant, customerID, field, value string) (string, error) {
	err := k.codec(ctx, tenant, customerID).sealString(field, &value)
	return value, err
}

// OpenValue decrypts a value SealValue made; a value that is not the
// customer's, or damaged, is ErrUndecryptable; a destroyed key is
// ErrKeyDestroyed.
func (k *Keyring) OpenValue(ctx context.Context, tenant, customerID, field, stored string) (string, error) {
	err := k.codec(ctx, tenant, customerID).openString(field, &stored)
	return stored, err
}
