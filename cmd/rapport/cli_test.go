package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func noEnv(string) string { return "" }

// commandPaths lists every command of the tree, as its arguments.
func commandPaths(cmd *cobra.Command, prefix []string) [][]string {
	out := [][]string{prefix}
	for _, c := range cmd.Commands() {
		out = append(out, commandPaths(c, append(slices.Clone(prefix), c.Name()))...)
	}
	return out
}

// Every command and subcommand answers -h and --help with its usage on
// stdout, nothing on stderr, and no error (exit 0).
func TestHelpOnEveryCommand(t *testing.T) {
	t.Parallel()
	commands := [][]string{
		{}, {"serve"}, {"seed"}, {"repair"}, {"migrate"}, {"backup"}, {"version"}, {"insights"}, {"insights", "rebuild"},
		{"keys"}, {"keys", "create"}, {"keys", "list"}, {"keys", "revoke"},
		{"kek"}, {"kek", "generate"}, {"kek", "rewrap"}, {"encrypt"},
	}
	// A command added without a row here fails the test.
	tree := commandPaths(newRootCommand(noEnv), nil)
	key := func(p []string) string { return strings.Join(p, " ") }
	for _, p := range tree {
		if !slices.ContainsFunc(commands, func(c []string) bool { return key(c) == key(p) }) {
			t.Errorf("command %q has no row in this test", key(p))
		}
	}
	for _, command := range commands {
		for _, help := range []string{"-h", "--help"} {
			args := append(slices.Clone(command), help)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				t.Parallel()
				var stdout, stderr bytes.Buffer
				err := run(t.Context(), args, noEnv, &stdout, &stderr)
				if err != nil {
					t.Fatalf("error %v", err)
				}
				path := strings.TrimSpace("rapport " + key(command))
				if out := stdout.String(); !strings.Contains(out, "Usage:\n  "+path) || !strings.Contains(out, "-h, --help") {
					t.Errorf("stdout is not the usage of %q:\n%s", path, out)
				}
				if stderr.Len() > 0 {
					t.Errorf("stderr: %s", stderr.String())
				}
			})
		}
	}
}

// Each keys subcommand has its own flags, and the store flags; no other.
func TestKeysSubcommandsHaveTheirOwnFlags(t *testing.T) {
	t.Parallel()
	store := []string{"data-dir", "mongodb-database", "mongodb-uri"}
	for sub, own := range map[string][]string{
		"create": {"expires-in", "name", "scopes", "tenant"},
		"list":   {"tenant"},
		"revoke": nil,
	} {
		cmd, _, err := newRootCommand(noEnv).Find([]string{"keys", sub})
		if err != nil || cmd.Name() != sub {
			t.Fatalf("keys %s: %v", sub, err)
		}
		var got []string
		cmd.Flags().VisitAll(func(f *pflag.Flag) { got = append(got, f.Name) })
		want := append(slices.Clone(store), own...)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("keys %s has flags %v, want %v", sub, got, want)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	t.Parallel()
	var flag, command, stderr bytes.Buffer
	if err := run(t.Context(), []string{"--version"}, noEnv, &flag, &stderr); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), []string{"version"}, noEnv, &command, &stderr); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^rapport \S+\n$`).MatchString(flag.String()) || flag.String() != command.String() {
		t.Errorf("--version printed %q, version printed %q", flag.String(), command.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// A mistake in the command line is one short error, naming the command's
// help, and nothing else: no usage dump, on either stream.
func TestUsageErrorsAreShort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args      []string
		first     string // the error's first line
		forHelpOf string
	}{
		{[]string{"serve", "--frobnicate"}, "unknown flag: --frobnicate", "rapport serve"},
		{[]string{"serve", "--listen"}, "flag needs an argument: --listen", "rapport serve"},
		{[]string{"serve", "--health-interval", "soon"}, `health interval "soon": want a positive duration such as 1s`, "rapport serve"},
		{[]string{"keys", "create", "--scopes"}, "flag needs an argument: --scopes", "rapport keys create"},
		{[]string{"keys", "list", "--scopes", "all"}, "unknown flag: --scopes", "rapport keys list"},
		{[]string{"keys", "revoke"}, "keys revoke: name one key ID, got 0 arguments", "rapport keys revoke"},
		{[]string{"keys", "frobnicate"}, `unknown command "frobnicate" for "rapport keys"`, "rapport keys"},
		{[]string{"serv"}, `unknown command "serv" for "rapport" (did you mean serve?)`, "rapport"},
		{[]string{"--frobnicate"}, "unknown flag: --frobnicate", "rapport"},
		{[]string{"version", "now"}, `rapport version takes no arguments, got ["now"]`, "rapport version"},
		{nil, "say which command to run: serve, seed, repair, keys, migrate, backup, insights or version", "rapport"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), tc.args, noEnv, &stdout, &stderr)
		if err == nil {
			t.Errorf("%q: no error", tc.args)
			continue
		}
		want := tc.first + "\nRun '" + tc.forHelpOf + " --help' for usage."
		if err.Error() != want {
			t.Errorf("%q: error\n%s\nwant\n%s", tc.args, err, want)
		}
		if stdout.Len()+stderr.Len() > 0 {
			t.Errorf("%q printed %q on stdout and %q on stderr", tc.args, stdout.String(), stderr.String())
		}
	}
}

// --listen (and the other addresses) are checked with the rest of the
// configuration, before the store is opened.
func TestAddressesAreValidatedBeforeStart(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--listen", "127.0.0.1:notaport"},
		{"--listen", "127.0.0.1"},
		{"--listen", "127.0.0.1:70000"},
		{"--metrics-listen", "127.0.0.1:metrics"},
		{"--otlp-endpoint", "collector"},
	} {
		dataDir := filepath.Join(t.TempDir(), "data")
		err := run(t.Context(), append([]string{"serve", "--data-dir", dataDir}, args...), noEnv, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), args[0]+` "`+args[1]+`"`) {
			t.Errorf("%v: %v, want an error naming %s", args, err, args[0])
		}
		if _, statErr := os.Stat(dataDir); !os.IsNotExist(statErr) {
			t.Errorf("%v: the embedded store was started (%s exists)", args, dataDir)
		}
	}
}

// The binary prints a usage error once, with the pointer to help, and
// exits 1; help goes to stdout with exit 0. Flags may follow positional
// arguments.
func TestCommandLineOfTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	runBin := func(args ...string) (stdout, stderr string, code int) {
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "RAPPORT_MONGODB_URI=", "RAPPORT_DATA_DIR=")
		cmd.Dir = t.TempDir() // a default ./rapport-data would land here
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}

	out, errOut, code := runBin("serve", "--frobnicate")
	if want := "rapport: unknown flag: --frobnicate\nRun 'rapport serve --help' for usage.\n"; errOut != want || out != "" || code != 1 {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q; want exit 1 and stderr %q", code, out, errOut, want)
	}
	for _, args := range [][]string{{"serve", "--help"}, {"keys", "revoke", "-h"}, {"--help"}} {
		out, errOut, code = runBin(args...)
		if code != 0 || !strings.Contains(out, "Usage:") || errOut != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}

	// Flags after the positional argument: the key is revoked in the
	// store --data-dir names, not in a default one.
	dataDir := filepath.Join(t.TempDir(), "data")
	_, errOut, code = runBin("keys", "create", "--tenant", "acme", "--data-dir", dataDir, "--scopes", "all")
	m := regexp.MustCompile(`created (apiKeys/\S+)`).FindStringSubmatch(errOut)
	if code != 0 || m == nil {
		t.Fatalf("keys create: exit %d, %s", code, errOut)
	}
	out, errOut, code = runBin("keys", "revoke", m[1], "--data-dir", dataDir)
	if code != 0 || !strings.HasPrefix(out, "revoked "+m[1]+" (tenant acme)") {
		t.Errorf("keys revoke ID --data-dir DIR: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, _, _ = runBin("keys", "list", "--data-dir", dataDir, "--tenant", "acme")
	if !strings.Contains(out, strings.TrimPrefix(m[1], "apiKeys/")) {
		t.Errorf("keys list: %s", out)
	}
}

// Help shows the defaults the environment gives, but not the secrets in
// them: no API key, no password of a connection string.
func TestHelpHidesSecretsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{"RAPPORT_MONGODB_URI": "mongodb://rapport:hunter2@db:27017/", "RAPPORT_API_KEY": "rk_abc_hunter2", "RAPPORT_ADDR": "rapport:50051"}
	getenv := func(k string) string { return env[k] }
	for _, args := range [][]string{{"serve", "-h"}, {"keys", "list", "-h"}, {"seed", "-h"}, {"repair", "-h"}} {
		var stdout bytes.Buffer
		if err := run(t.Context(), args, getenv, &stdout, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if out := stdout.String(); strings.Contains(out, "hunter2") || !strings.Contains(out, "rapport") {
			t.Errorf("%v shows a secret:\n%s", args, out)
		}
	}
	var stdout bytes.Buffer
	if err := run(t.Context(), []string{"serve", "-h"}, getenv, &stdout, &bytes.Buffer{}); err != nil || !strings.Contains(stdout.String(), `(default "mongodb://rapport:xxxxx@db:27017/")`) {
		t.Errorf("serve -h should show the URI without its password:\n%s", stdout.String())
	}
}
