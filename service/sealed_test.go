package service_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/repository/sealed"
	"github.com/rapporthq/rapport/repository/sqlite"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	kekA = "n2g3m9kP0xq8bV7cR5tY1uW4zA6sD2fH8jK0lQ3eX5c=\n"
	kekB = "7Hq2Lw9Zx4Cv6Bn1Mm3Kk5Jj8Gg0Ff2Dd4Ss6Aa8Qq0=\n"
)

// identityAfterReopen opens the embedded store in dir with kek, serves it,
// and checks that the customer is found by identity with their values.
func identityAfterReopen(t *testing.T, dir, kek, name string) {
	t.Helper()
	store := repositorytest.OpenSQLite(t, dir, repositorytest.Options{KEK: kek})
	ts := startServer(t, store, service.Options{})
	res, err := ts.customers.LookupCustomer(t.Context(), &rapportv1.LookupCustomerRequest{Identity: "email:rot.ate@example.org"})
	if err != nil || res.GetCustomer().GetName() != name || res.GetCustomer().GetDisplayName() != "Rotating Customer" ||
		res.GetIdentity().GetValue() != "rot.ate@example.org" {
		t.Fatalf("lookup by identity: %v, %v", res, err)
	}
	c, err := ts.contexts.GetCustomerContext(t.Context(), &rapportv1.GetCustomerContextRequest{Identity: "email:rot.ate@example.org"})
	if err != nil || c.GetContext().GetProfile().GetDisplayName() != "Rotating Customer" {
		t.Fatalf("context by identity: %v, %v", c, err)
	}
}

// TestIdentityLookupAfterRestartAndKEKRotation: the blind index is keyed
// by the tenant's index key, not by the KEK, so lookups by identity keep
// working after a restart and after the KEK is rotated (a new key first
// in the file, rewrap, the old key dropped); a KEK that is not the
// store's, or none, refuses to open it.
func TestIdentityLookupAfterRestartAndKEKRotation(t *testing.T) {
	t.Parallel()
	if engine().Name() != "sqlite" {
		t.Skip("reopens the embedded store's files")
	}
	dir := t.TempDir()
	store := repositorytest.OpenSQLite(t, dir, repositorytest.Options{KEK: kekA})
	ts := startServer(t, store, service.Options{})
	res, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{Customer: &rapportv1.Customer{
		DisplayName: "Rotating Customer", Identities: []*rapportv1.Identity{identity(emailType, "Rot.Ate@example.org")}}})
	if err != nil {
		t.Fatal(err)
	}
	name := res.GetCustomer().GetName()
	// Each reopening is another store on the same files, as a restarted
	// (or another) process's: the stores before stay open until t ends.

	identityAfterReopen(t, dir, kekA, name)
	// Rotation: the new key first, the old one after it, then rewrap.
	rotating := repositorytest.OpenSQLite(t, dir, repositorytest.Options{KEK: kekB + kekA})
	n, err := repositorytest.Keyring(rotating).Rewrap(t.Context(), nil)
	if err != nil || n < 3 { // the check value, the tenant's index key, the customer's key
		t.Fatalf("rewrap: %d keys, %v", n, err)
	}
	identityAfterReopen(t, dir, kekB, name)

	keys, err := sqlite.OpenKeyStore(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	old, err := sealed.ParseLocalKEK([]byte(kekA))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealed.NewKeyring(t.Context(), keys, old); !errors.Is(err, sealed.ErrWrongKEK) {
		t.Errorf("the KEK rotated away opens the store: %v, want ErrWrongKEK", err)
	}
	if _, err := sealed.NewKeyring(t.Context(), keys, nil); !errors.Is(err, sealed.ErrNoKEK) {
		t.Errorf("no KEK: %v, want ErrNoKEK", err)
	}
}

// TestATenantCannotReadAnotherTenantsRows copies tenant a's stored
// customer over tenant b's customer of the same ID, in the file itself
// (as someone with a copy of it could): tenant b reads an error, never
// tenant a's customer, because every value is bound to its tenant and
// customer (associated data) and b's key is not a's.
func TestATenantCannotReadAnotherTenantsRows(t *testing.T) {
	t.Parallel()
	if engine().Name() != "sqlite" {
		t.Skip("edits the embedded store's file")
	}
	store := newStore(t)
	ts := startServer(t, store, service.Options{})
	a, b := context.Background(), context.Background()
	for tenant, display := range map[string]string{"tenant-a": "Secret Person A", "tenant-b": "Person B"} {
		if _, err := store.CreateCustomer(t.Context(), tenant, repositoryCreate("twin", display)); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(repositorytest.DataDir(t, store), sqlite.FileName)+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE customers SET doc = (SELECT doc FROM customers WHERE tenant = 'tenant-a' AND customer_id = 'twin')
		WHERE tenant = 'tenant-b' AND customer_id = 'twin'`); err != nil {
		t.Fatal(err)
	}
	got, err := store.GetCustomer(b, "tenant-b", "twin")
	if !errors.Is(err, sealed.ErrUndecryptable) {
		t.Errorf("tenant b reads tenant a's copied row: %v, %v; want ErrUndecryptable", got, err)
	}
	if c, err := store.GetCustomer(a, "tenant-a", "twin"); err != nil || c.GetDisplayName() != "Secret Person A" {
		t.Errorf("tenant a's own customer: %v, %v", c, err)
	}
	// Through the API, in development mode's tenant: the same copy.
	if _, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: "twin",
		Customer: &rapportv1.Customer{DisplayName: "Default Twin"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE customers SET doc = (SELECT doc FROM customers WHERE tenant = 'tenant-a' AND customer_id = 'twin')
		WHERE tenant = 'default' AND customer_id = 'twin'`); err != nil {
		t.Fatal(err)
	}
	_, err = ts.customers.GetCustomer(t.Context(), &rapportv1.GetCustomerRequest{Name: "customers/twin"})
	if st := status.Convert(err); st.Code() != codes.DataLoss {
		t.Errorf("the copied row through the API: %v, want DATA_LOSS", err)
	}
}

func repositoryCreate(id, display string) repository.CreateRequest {
	return repository.CreateRequest{CustomerID: id, Customer: &rapportv1.Customer{DisplayName: display}}
}

// TestStoredRecordsHoldNoValueInClear writes a customer with distinctive
// values through the API on the test engine (SQLite, or MongoDB) and reads
// every stored record of every table or collection: none holds any of the
// values in clear. A value copied from the raw records before the
// erasure (as a dump or snapshot would hold it) does not open after it:
// the customer's data key is gone.
func TestStoredRecordsHoldNoValueInClear(t *testing.T) {
	t.Parallel()
	ts, store := newTestServerDB(t)
	name, needles := eraseSubject(t, ts)
	if found, _ := scanDatabase(t, store, needles, ""); len(found) > 0 {
		t.Errorf("stored in clear: %+v", found)
	}
	id := name[len("customers/"):]
	raw, err := repositorytest.Raw(store).GetCustomer(t.Context(), "default", id)
	if err != nil {
		t.Fatal(err)
	}
	ring := repositorytest.Keyring(store)
	if v, err := ring.OpenValue(t.Context(), "default", id, "customer.display_name", raw.GetDisplayName()); err != nil || v != "Xyzzy Shredsubject" {
		t.Fatalf("the raw value before the erasure: %q, %v", v, err)
	}
	res, err := ts.customers.DeleteCustomer(t.Context(), &rapportv1.DeleteCustomerRequest{Name: name})
	if err != nil || !res.GetDataKeyDestroyed() {
		t.Fatalf("erasure: %v, %v", res, err)
	}
	if v, err := ring.OpenValue(t.Context(), "default", id, "customer.display_name", raw.GetDisplayName()); !errors.Is(err, sealed.ErrKeyDestroyed) {
		t.Errorf("the copy of before the erasure: %q, %v; want ErrKeyDestroyed", v, err)
	}
}
