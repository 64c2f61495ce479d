package repositorytest

import (
	"context"
	"testing"

	"github.com/rapporthq/rapport/repository/sealed"
)

// TestKEK is the key-encryption key of the stores the engines make (a key
// file's text).
const TestKEK = "q0Yx2m8zXgkS3c1Y2J6q5mVb4eN7tD9aHf0uLwPzRkE=\n"

// sealStore wraps an adapter in the encryption of repository/sealed, with
// its keys in keys and TestKEK.
func sealStore(t testing.TB, s Store, keys sealed.KeyStore, o Options) Store {
	t.Helper()
	text := o.KEK
	if text == "" {
		text = TestKEK
	}
	kek, err := sealed.ParseLocalKEK([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := sealed.NewKeyring(context.Background(), keys, kek)
	if err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	return sealed.New(s, ring)
}

// Raw returns the adapter behind a store the engines made (itself if it
// is not encrypted).
func Raw(s Store) Store {
	if w, ok := s.(*sealed.Store); ok {
		return w.Unwrap().(Store)
	}
	return s
}

// Keyring returns the keyring of an encrypted store, nil for a plain one.
func Keyring(s Store) *sealed.Keyring {
	if w, ok := s.(*sealed.Store); ok {
		return w.Keyring()
	}
	return nil
}
