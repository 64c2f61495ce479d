package sealed

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
)

// KEK wraps and unwraps data keys: the key-encryption key, which comes from
// outside the store (a key file, an environment variable, a KMS). It is the
// seam for a KMS: an implementation that calls a KMS's Encrypt and Decrypt
// (AWS KMS, Google Cloud KMS, Vault Transit) with the tenant and aad as the
// encryption context keeps the key-encryption key out of the process.
// Implementations must be safe for concurrent use.
type KEK interface {
	// ID names the key that Wrap uses now; it is stored with every wrapped
	// key, so that Unwrap can find the key that wrapped it (rotation).
	ID() string
	// Wrap encrypts a data key of tenant, bound to aad.
	Wrap(ctx context.Context, tenant string, key, aad []byte) ([]byte, error)
	// Unwrap decrypts what Wrap made with the key kekID names; a wrapped
	// key that is not authentic for tenant and aad is an error.
	Unwrap(ctx context.Context, tenant, kekID string, wrapped, aad []byte) ([]byte, error)
}

// ErrUnknownKEK: a key was wrapped by a key-encryption key that is not
// configured (a rotation removed it before the keys were rewrapped, or the
// wrong key file).
var ErrUnknownKEK = errors.New("the key-encryption key that wrapped this key is not configured")

// KEKSize is the size of a key-encryption key: 256 bits.
const KEKSize = 32

// LocalKEK is a key-encryption key held in the process, read from a key
// file or an environment variable: one or more 256-bit keys, base64, one a
// line; the first wraps new keys, the others only unwrap (a rotation adds a
// new first line, rewraps the data keys, then drops the old lines). Each
// tenant's key-encryption key is derived from it with HKDF-SHA256, so that
// a tenant's wrapped keys do not open with another tenant's.
type LocalKEK struct {
	keys []localKey
	// aeads caches each tenant's derived key, by key ID and tenant.
	aeads sync.Map
}

type localKey struct {
	id     string
	master []byte
}

// ParseLocalKEK reads a KEK as the key file holds it. Blank lines and lines
// starting with # are ignored.
func ParseLocalKEK(text []byte) (*LocalKEK, error) {
	k := &LocalKEK{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != KEKSize {
			clear(b)
			return nil, fmt.Errorf("key-encryption key, line %d: not a base64 256-bit key (make one with `rapport kek generate`)", line)
		}
		k.keys = append(k.keys, localKey{id: kekID(b), master: b})
	}
	if len(k.keys) == 0 {
		return nil, errors.New("key-encryption key: no key in it")
	}
	return k, nil
}

// ReadLocalKEK reads a key file; it must not be readable by others.
func ReadLocalKEK(path string) (*LocalKEK, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key-encryption key file %s is readable by others (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	defer clear(b)
	return ParseLocalKEK(b)
}

// NewKEKText returns a new random key as a key file holds it.
func NewKEKText() string {
	b := make([]byte, KEKSize)
	_, _ = rand.Read(b)
	defer clear(b)
	return base64.StdEncoding.EncodeToString(b) + "\n"
}

// kekID names a key without saying anything about it: a truncated hash.
func kekID(master []byte) string {
	h := sha256.New()
	h.Write([]byte("rapport kek id\x00"))
	h.Write(master)
	return "local:" + hex.EncodeToString(h.Sum(nil)[:8])
}

// ID is the ID of the first key.
func (k *LocalKEK) ID() string { return k.keys[0].id }

// IDs are the IDs of every key, the current one first.
func (k *LocalKEK) IDs() []string {
	ids := make([]string, len(k.keys))
	for i, lk := range k.keys {
		ids[i] = lk.id
	}
	return ids
}

// aead returns tenant's AES-256-GCM key derived from the key kekID names.
func (k *LocalKEK) aead(tenant, kekID string) (cipher.AEAD, error) {
	ref := kekID + "\x00" + tenant
	if a, ok := k.aeads.Load(ref); ok {
		return a.(cipher.AEAD), nil
	}
	for _, lk := range k.keys {
		if lk.id != kekID {
			continue
		}
		derived, err := hkdf.Key(sha256.New, lk.master, nil, "rapport tenant kek v1\x00"+tenant, 32)
		if err != nil {
			return nil, err
		}
		a, err := newAEAD(derived)
		clear(derived)
		if err != nil {
			return nil, err
		}
		k.aeads.Store(ref, a)
		return a, nil
	}
	return nil, fmt.Errorf("%w (%s)", ErrUnknownKEK, kekID)
}

// Wrap encrypts key with tenant's key derived from the current key.
func (k *LocalKEK) Wrap(_ context.Context, tenant string, key, aad []byte) ([]byte, error) {
	a, err := k.aead(tenant, k.ID())
	if err != nil {
		return nil, err
	}
	return seal(a, key, aad), nil
}

// Unwrap decrypts what Wrap made.
func (k *LocalKEK) Unwrap(_ context.Context, tenant, kekID string, wrapped, aad []byte) ([]byte, error) {
	a, err := k.aead(tenant, kekID)
	if err != nil {
		return nil, err
	}
	return open(a, wrapped, aad)
}

// Close zeroes the keys held in memory (the derived AES key schedules are
// the Go runtime's: they go with the garbage collector).
func (k *LocalKEK) Close() {
	for _, lk := range k.keys {
		clear(lk.master)
	}
	k.aeads.Clear()
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// seal encrypts with a random 96-bit nonce: nonce || ciphertext || tag.
func seal(a cipher.AEAD, plain, aad []byte) []byte {
	out := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	_, _ = rand.Read(out)
	return a.Seal(out, out, plain, aad)
}

// errNotAuthentic: a ciphertext that does not open (damaged, or moved from
// another tenant, customer or field).
var errNotAuthentic = errors.New("sealed: the value does not decrypt: damaged, or not this customer's")

func open(a cipher.AEAD, data, aad []byte) ([]byte, error) {
	if len(data) < a.NonceSize()+a.Overhead() {
		return nil, errNotAuthentic
	}
	out, err := a.Open(nil, data[:a.NonceSize()], data[a.NonceSize():], aad)
	if err != nil {
		return nil, errNotAuthentic
	}
	return out, nil
}
