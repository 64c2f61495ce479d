package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// rapport backup copies the embedded store while a server writes to it;
// a server started on the copy serves what was committed.
func TestBackupWhileServing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	p := start(t, bin, dataDir, freeAddr(t))
	defer p.stop(t)
	customers := rapportv1.NewCustomerServiceClient(p.conn)
	if _, err := customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada"}}); err != nil {
		t.Fatal(err)
	}
	copyDir := filepath.Join(t.TempDir(), "restored")
	if err := os.MkdirAll(copyDir, 0o750); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(copyDir, "rapport.db")
	out, err := rapportCmd(t, bin, "backup", "--data-dir", dataDir, "--to", to)
	if err != nil || !strings.Contains(out, "consistent copy") || !strings.Contains(out, "needs the key store") {
		t.Fatalf("backup: %q, %v", out, err)
	}
	if info, err := os.Stat(to); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the copy: %v, %v; want mode 0600 (it holds personal data)", info, err)
	}
	if _, err := rapportCmd(t, bin, "backup", "--data-dir", dataDir, "--to", to); err == nil {
		t.Error("a backup over an existing file was accepted")
	}
	// The copy holds encrypted content: restored elsewhere, it needs the
	// key store beside it (in place, the live keys.db is there already).
	keys, err := os.ReadFile(filepath.Join(dataDir, "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(copyDir, "keys.db"), keys, 0o600); err != nil {
		t.Fatal(err)
	}
	q := start(t, bin, copyDir, freeAddr(t))
	defer q.stop(t)
	got, err := rapportv1.NewCustomerServiceClient(q.conn).GetCustomer(t.Context(), &rapportv1.GetCustomerRequest{Name: "customers/ada"})
	if err != nil || got.GetCustomer().GetDisplayName() != "Ada" {
		t.Errorf("the restored copy: %v, %v", got, err)
	}
}
