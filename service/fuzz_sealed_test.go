package service

import (
	"errors"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/repository/sealed"
	"github.com/rapporthq/rapport/repository/sqlite"
)

// FuzzSealedValue feeds the decryption path every read takes (a stored
// value of a customer's field) with damaged and made-up ciphertexts: it
// must answer a clear error (ErrUndecryptable), or the value exactly as
// stored when it is not in the sealed form (clear text written before
// encryption); never a crash, and never another customer's value (two
// customers and two tenants hold values sealed under the same field).
func FuzzSealedValue(f *testing.F) {
	keys, err := sqlite.OpenKeyStore(f.Context(), f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = keys.Close() })
	kek, err := sealed.ParseLocalKEK([]byte("q0Yx2m8zXgkS3c1Y2J6q5mVb4eN7tD9aHf0uLwPzRkE="))
	if err != nil {
		f.Fatal(err)
	}
	ring, err := sealed.NewKeyring(f.Context(), keys, kek)
	if err != nil {
		f.Fatal(err)
	}
	const field = "interaction.text"
	secrets := map[[2]string]string{
		{"t1", "ada"}: "ada's own words", {"t1", "bob"}: "bob's words",
		{"t2", "ada"}: "tenant two's ada",
	}
	for who, secret := range secrets {
		v, err := ring.SealValue(f.Context(), who[0], who[1], field, secret)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(v)
		f.Add(v[:len(v)/2])
		f.Add(strings.Replace(v, "A", "B", 1))
	}
	f.Add("clear text of before encryption")
	f.Add("\x00R1")
	f.Add("\x00R2AAAA")
	f.Add("\x00R1!!!not base64")
	f.Fuzz(func(t *testing.T, stored string) {
		v, err := ring.OpenValue(t.Context(), "t1", "ada", field, stored)
		switch {
		case err != nil && !errors.Is(err, sealed.ErrUndecryptable):
			t.Fatalf("not a clear error: %v", err)
		case err != nil:
		case !strings.HasPrefix(stored, "\x00"):
			if v != stored {
				t.Fatalf("clear text %q read as %q", stored, v)
			}
		case v != secrets[[2]string{"t1", "ada"}]:
			t.Fatalf("%q opened as %q, which is not this customer's", stored, v)
		}
	})
}
