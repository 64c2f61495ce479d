package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeBlocks returns the ```sh blocks of the API tour (docs/api-tour.md)
// that call grpcurl.
func readmeBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../docs/api-tour.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		if strings.Contains(m[1], "grpcurl ") && !strings.Contains(m[1], "go install") {
			blocks = append(blocks, m[1])
		}
	}
	return blocks
}

// TestReadmeExamples runs every grpcurl example of the README, in order and
// as written, against a fresh server. A block with a "# expect: TEXT" line
// must print TEXT (it shows an error); every other block must succeed.
func TestReadmeExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and grpcurl")
	}
	blocks := readmeBlocks(t)
	if len(blocks) < 5 {
		t.Fatalf("found %d grpcurl blocks in the README", len(blocks))
	}
	bin := buildBinary(t)
	tools := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(tools, "grpcurl"), "github.com/fullstorydev/grpcurl/cmd/grpcurl").CombinedOutput(); err != nil {
		t.Fatalf("build grpcurl: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), addr, "--demo")
	defer p.stop(t)

	expect := regexp.MustCompile(`(?m)^# expect: (.*)$`)
	for i, block := range blocks {
		script := strings.ReplaceAll(block, "localhost:50051", addr)
		cmd := exec.Command("bash", "-eo", "pipefail", "-c", script)
		cmd.Env = append(os.Environ(), "PATH="+tools+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if m := expect.FindStringSubmatch(block); m != nil {
			if !strings.Contains(string(out), m[1]) {
				t.Errorf("block %d should print %q; printed:\n%s\nblock:\n%s", i, m[1], out, block)
			}
			continue
		}
		if err != nil {
			t.Errorf("block %d failed: %v\n%s\nblock:\n%s", i, err, out, block)
		}
	}
	// The walkthrough ends by erasing the customer it created.
	if !strings.Contains(blocks[len(blocks)-1], "DeleteCustomer") {
		t.Error("the README's last example should erase the example customer")
	}
}
