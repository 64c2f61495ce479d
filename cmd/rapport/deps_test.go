package main

import (
	"os/exec"
	"strings"
	"testing"
)

// FerretDB is a test-only dependency (the MongoDB adapter's stand-in in
// tests): the binary must not link it.
func TestBinaryDoesNotLinkFerretDB(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/FerretDB/") || strings.HasSuffix(pkg, "/repository/mongo/ferretdb") {
			t.Errorf("the binary links %s", pkg)
		}
	}
}
