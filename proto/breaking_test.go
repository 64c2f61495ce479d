// Package proto_test checks the API's breaking-change rules (buf.yaml):
// what they let through and what they refuse.
package proto_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// copyModule copies buf.yaml and proto/ into a new directory, applying
// edits (file under proto/rapport/v1 → old text → new text).
func copyModule(t *testing.T, edits map[string][2]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "proto"), os.DirFS(".")); err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile("../buf.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "buf.yaml"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	for file, e := range edits {
		path := filepath.Join(dir, "proto", "rapport", "v1", file)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), e[0]) {
			t.Fatalf("%s has no %q", file, e[0])
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(b), e[0], e[1], 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A field deleted with its number and name reserved passes the checks CI
// runs (buf breaking with buf.yaml's rules); deletions and renames that
// break clients on the wire, in JSON or by method name do not.
func TestBreakingChangeRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs buf")
	}
	old := copyModule(t, nil)
	const field = "  // How the customer likes to be addressed, e.g. \"Ada\". At most 100\n  // characters. Optional.\n  string preferred_name = 3;\n"
	for _, tc := range []struct {
		name  string
		edits map[string][2]string
		rule  string // the rule that refuses it; "" passes
	}{
		{"field deleted, number and name reserved", map[string][2]string{
			"customer.proto": {field, "  reserved 3;\n  reserved \"preferred_name\";\n"}}, ""},
		{"field added", map[string][2]string{
			"customer.proto": {field, field + "  // A nickname.\n  string nickname = 99;\n"}}, ""},
		{"field deleted, number not reserved", map[string][2]string{
			"customer.proto": {field, "  reserved \"preferred_name\";\n"}}, "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"},
		{"field deleted, name not reserved", map[string][2]string{
			"customer.proto": {field, "  reserved 3;\n"}}, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED"},
		{"field renamed (its JSON name changes)", map[string][2]string{
			"customer.proto": {"string preferred_name = 3;", "string nickname = 3;"}}, "FIELD_SAME_JSON_NAME"},
		{"RPC deleted", map[string][2]string{
			"customer_service.proto": {"rpc GetCustomer(GetCustomerRequest) returns (GetCustomerResponse);", ""}}, "RPC_NO_DELETE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("go", "tool", "buf", "breaking", copyModule(t, tc.edits), "--against", old, "--error-format", "json")
			cmd.Dir = ".." // go tool runs the buf that go.mod pins
			out, err := cmd.CombinedOutput()
			switch {
			case tc.rule == "" && err != nil:
				t.Errorf("refused: %v\n%s", err, out)
			case tc.rule != "" && (err == nil || !strings.Contains(string(out), `"type":"`+tc.rule+`"`)):
				t.Errorf("want refused by %s: %v\n%s", tc.rule, err, out)
			}
		})
	}
}
