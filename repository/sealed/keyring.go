package sealed

import (
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"

	"github.com/rapporthq/rapport/repository"
)

// KeyStore holds the wrapped data keys, apart from the data they encrypt
// (the embedded store: its own file, keys.db; MongoDB: a database of its
// own), so that a backup of the data holds no key: a customer whose key is
// destroyed is unreadable in every copy of the data made before.
type KeyStore interface {
	// GetKey returns a customer's wrapped key, or repository.ErrNotFound.
	GetKey(ctx context.Context, tenant, customerID string) (repository.WrappedKey, error)
	// PutKey stores k unless the customer has a key, and returns the key
	// the customer has (k, or the one another writer stored first).
	PutKey(ctx context.Context, k repository.WrappedKey) (repository.WrappedKey, error)
	// DeleteKey destroys a customer's key (the store overwrites it),
	// leaving a tombstone: a key with no KEK ID and nothing wrapped, which
	// ReplaceKey with oldKEKID "" revives; it reports whether there was a
	// key.
	DeleteKey(ctx context.Context, tenant, customerID string) (bool, error)
	// ListKeys returns up to limit keys after (tenant, customerID), in that
	// order.
	ListKeys(ctx context.Context, afterTenant, afterCustomer string, limit int) ([]repository.WrappedKey, error)
	// ReplaceKey stores k in place of the customer's key if that key was
	// wrapped by oldKEKID (a rewrap); it reports whether it did.
	ReplaceKey(ctx context.Context, k repository.WrappedKey, oldKEKID string) (bool, error)
}

// ErrKeyDestroyed: the customer's data key is gone (erased): their data is
// unreadable. The store reports such a customer as not found.
var ErrKeyDestroyed = errors.New("the customer's data key is destroyed")

// ErrNoKEK and ErrWrongKEK are why a keyring refuses to open.
var (
	ErrNoKEK    = errors.New("the store's data is encrypted and no key-encryption key was given")
	ErrWrongKEK = errors.New("the key-encryption key does not open this store's keys (a wrong key file, or one rotated away)")
)

// Keyring hands out customers' data keys (AES-256-GCM), unwrapping them
// with the KEK, and each tenant's blind-index key. Unwrapped keys are kept
// in memory for cacheTTL (the hot read then costs no key read); erasing a
// customer drops theirs at once in this process, other processes' copies
// expire within cacheTTL (their live records are gone at once anyway).
type Keyring struct {
	keys KeyStore
	kek  KEK
	now  func() time.Time

	mu    sync.Mutex
	cache map[keyRef]cached
}

type keyRef struct{ tenant, customerID string }

type cached struct {
	aead  cipher.AEAD
	index []byte
	until time.Time
}

const (
	cacheTTL     = 10 * time.Minute
	maxCachedKey = 200_000
)

// NewKeyring opens the keyring of a key store with kek, checking that kek
// is the one the store's keys were wrapped with (the check value); an
// empty store gets its check value. kek nil is ErrNoKEK.
func NewKeyring(ctx context.Context, keys KeyStore, kek KEK) (*Keyring, error) {
	if kek == nil {
		return nil, ErrNoKEK
	}
	k := &Keyring{keys: keys, kek: kek, now: time.Now, cache: map[keyRef]cached{}}
	check := make([]byte, 32)
	w, err := kek.Wrap(ctx, "", check, wrapAAD("", ""))
	if err != nil {
		return nil, err
	}
	stored, err := keys.PutKey(ctx, repository.WrappedKey{KEKID: kek.ID(), Wrapped: w, CreateTime: time.Now()})
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	got, err := kek.Unwrap(ctx, "", stored.KEKID, stored.Wrapped, wrapAAD("", ""))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWrongKEK, err)
	}
	clear(got)
	return k, nil
}

// wrapAAD binds a wrapped key to its tenant and customer.
func wrapAAD(tenant, customerID string) []byte {
	return []byte("rapport data key v1\x00" + tenant + "\x00" + customerID)
}

// keyMode says what dataKey does about a missing key.
type keyMode int

const (
	// readKey: a missing or destroyed key is ErrKeyDestroyed (a read).
	readKey keyMode = iota
	// writeKey: a missing key is made (a customer written before the
	// store was encrypted); a destroyed one is ErrKeyDestroyed, so that a
	// write racing the erasure never gives the customer a new key.
	writeKey
	// newCustomerKey: a destroyed key is replaced by a new one (a new
	// customer that takes an erased customer's ID).
	newCustomerKey
)

// dataKey returns the customer's data key.
func (k *Keyring) dataKey(ctx context.Context, tenant, customerID string, mode keyMode) (cipher.AEAD, error) {
	c, err := k.get(ctx, tenant, customerID, mode)
	if err != nil {
		return nil, err
	}
	return c.aead, nil
}

// indexKey returns the tenant's blind-index key, made on first use.
func (k *Keyring) indexKey(ctx context.Context, tenant string) ([]byte, error) {
	c, err := k.get(ctx, tenant, "", writeKey)
	if err != nil {
		return nil, err
	}
	return c.index, nil
}

func (k *Keyring) get(ctx context.Context, tenant, customerID string, mode keyMode) (cached, error) {
	ref := keyRef{tenant, customerID}
	now := k.now()
	k.mu.Lock()
	c, ok := k.cache[ref]
	k.mu.Unlock()
	if ok && now.Before(c.until) {
		return c, nil
	}
	w, err := k.keys.GetKey(ctx, tenant, customerID)
	switch {
	case errors.Is(err, repository.ErrNotFound) && mode != readKey:
		w, err = k.create(ctx, tenant, customerID)
	case errors.Is(err, repository.ErrNotFound):
		return cached{}, ErrKeyDestroyed
	}
	if err == nil && len(w.Wrapped) == 0 && mode == newCustomerKey {
		w, err = k.revive(ctx, tenant, customerID)
	}
	if err != nil {
		return cached{}, err
	}
	if len(w.Wrapped) == 0 {
		return cached{}, ErrKeyDestroyed
	}
	raw, err := k.kek.Unwrap(ctx, tenant, w.KEKID, w.Wrapped, wrapAAD(tenant, customerID))
	if err != nil {
		return cached{}, fmt.Errorf("unwrap the data key of %s/%s: %w", tenant, customerID, err)
	}
	defer clear(raw)
	c = cached{until: now.Add(cacheTTL)}
	if customerID == "" {
		c.index = append([]byte(nil), raw...)
	} else if c.aead, err = newAEAD(raw); err != nil {
		return cached{}, err
	}
	k.mu.Lock()
	if len(k.cache) >= maxCachedKey {
		clear(k.cache)
	}
	k.cache[ref] = c
	k.mu.Unlock()
	return c, nil
}

func (k *Keyring) newKey(ctx context.Context, tenant, customerID string) (repository.WrappedKey, error) {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	defer clear(raw)
	w, err := k.kek.Wrap(ctx, tenant, raw, wrapAAD(tenant, customerID))
	if err != nil {
		return repository.WrappedKey{}, err
	}
	return repository.WrappedKey{Tenant: tenant, CustomerID: customerID, KEKID: k.kek.ID(), Wrapped: w, CreateTime: k.now()}, nil
}

func (k *Keyring) create(ctx context.Context, tenant, customerID string) (repository.WrappedKey, error) {
	w, err := k.newKey(ctx, tenant, customerID)
	if err != nil {
		return w, err
	}
	return k.keys.PutKey(ctx, w)
}

// revive replaces a destroyed key's tombstone with a new key.
func (k *Keyring) revive(ctx context.Context, tenant, customerID string) (repository.WrappedKey, error) {
	w, err := k.newKey(ctx, tenant, customerID)
	if err != nil {
		return w, err
	}
	if _, err := k.keys.ReplaceKey(ctx, w, ""); err != nil {
		return w, err
	}
	return k.keys.GetKey(ctx, tenant, customerID)
}

// Destroy destroys a customer's data key (crypto-shredding): from then on
// nothing encrypted with it can be read, wherever a copy of it lies. It
// reports whether there was a key.
func (k *Keyring) Destroy(ctx context.Context, tenant, customerID string) (bool, error) {
	if customerID == "" {
		return false, errors.New("keyring: no customer")
	}
	k.mu.Lock()
	delete(k.cache, keyRef{tenant, customerID})
	k.mu.Unlock()
	return k.keys.DeleteKey(ctx, tenant, customerID)
}

// blindIndex is the keyed hash (HMAC-SHA256) of an identity under the
// tenant's index key: equal identities hash equal, so that a lookup stays
// one indexed read, and the hash says nothing of the identity without the
// key.
func (k *Keyring) blindIndex(ctx context.Context, tenant, identityKey string) (string, error) {
	key, err := k.indexKey(ctx, tenant)
	if err != nil {
		return "", err
	}
	var h hash.Hash = hmac.New(sha256.New, key)
	h.Write([]byte(identityKey))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)), nil
}

// Rewrap rewraps every key not wrapped by the current KEK with it (after a
// rotation put a new key first in the key file): the data is not touched.
// progress, when set, is called after every page with the keys rewrapped
// so far. It is resumable: run it again after a failure.
func (k *Keyring) Rewrap(ctx context.Context, progress func(done int)) (int, error) {
	done := 0
	one := func(w repository.WrappedKey) error {
		if w.KEKID == k.kek.ID() || len(w.Wrapped) == 0 {
			return nil
		}
		raw, err := k.kek.Unwrap(ctx, w.Tenant, w.KEKID, w.Wrapped, wrapAAD(w.Tenant, w.CustomerID))
		if err != nil {
			return fmt.Errorf("unwrap the key of %q/%q: %w", w.Tenant, w.CustomerID, err)
		}
		nw, err := k.kek.Wrap(ctx, w.Tenant, raw, wrapAAD(w.Tenant, w.CustomerID))
		clear(raw)
		if err != nil {
			return err
		}
		old := w.KEKID
		w.KEKID, w.Wrapped = k.kek.ID(), nw
		ok, err := k.keys.ReplaceKey(ctx, w, old)
		if ok {
			done++
		}
		return err
	}
	// The check value first: it sorts before every key, and ListKeys
	// starts after it.
	check, err := k.keys.GetKey(ctx, "", "")
	if err != nil {
		return done, err
	}
	if err := one(check); err != nil {
		return done, err
	}
	var afterT, afterC string
	for {
		page, err := k.keys.ListKeys(ctx, afterT, afterC, 500)
		if err != nil {
			return done, err
		}
		for _, w := range page {
			afterT, afterC = w.Tenant, w.CustomerID
			if err := one(w); err != nil {
				return done, err
			}
		}
		if progress != nil {
			progress(done)
		}
		if len(page) < 500 {
			return done, nil
		}
	}
}
