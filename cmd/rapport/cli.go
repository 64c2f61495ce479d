package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// run runs the rapport command line args. Help and output go to stdout;
// the server's log goes to stderr. It prints no error: main does, once.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	root := newRootCommand(getenv)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// Never nil: cobra reads os.Args when the arguments are nil.
	root.SetArgs(append([]string{}, args...))
	cmd, err := root.ExecuteContextC(ctx)
	if ue := (usageError{}); errors.As(err, &ue) {
		return fmt.Errorf("%w\nRun '%s --help' for usage.", err, cmd.CommandPath())
	}
	return err
}

// usageError is a command called the wrong way (a bad flag, a missing or
// extra argument, an invalid setting): it is reported with a pointer to
// the command's help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

func newRootCommand(getenv func(string) string) *cobra.Command {
	root := &cobra.Command{
		Use:   "rapport",
		Short: "Rapport, the customer-context service",
		Long: `Rapport is the customer-context service: a gRPC API that keeps each
customer's story across channels and serves it, with hints for the agent,
in one call.

Every flag of "rapport serve" can also be set with its RAPPORT_* environment
variable (named in its help); a flag wins over the variable.`,
		Version: buildVersion(),
		Example: `  rapport serve --demo                 # a development server on 127.0.0.1:50051
  rapport keys create --tenant acme --scopes all
  rapport serve --api-keys --listen 0.0.0.0:50051`,
		// main prints the error once; usage errors get a pointer to --help.
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		Args:              subcommandArgs,
		RunE: func(*cobra.Command, []string) error {
			return usageErrorf("say which command to run: serve, seed, repair, keys, migrate, backup, insights or version")
		},
	}
	root.SetVersionTemplate("rapport {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newServeCommand(getenv),
		newSeedCommand(getenv),
		newRepairCommand(getenv),
		newKeysCommand(getenv),
		newMigrateCommand(getenv),
		newBackupCommand(getenv),
		newKEKCommand(getenv),
		newEncryptCommand(getenv),
		newInsightsCommand(getenv),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  noArgs,
			Run: func(cmd *cobra.Command, _ []string) {
				fmt.Fprintln(cmd.OutOrStdout(), "rapport", buildVersion())
			},
		},
	)
	return root
}

func newServeCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gRPC server (the embedded store unless --mongodb-uri is set)",
		Long: `Run the gRPC server until SIGINT or SIGTERM, then stop gracefully.

With no --mongodb-uri it runs the embedded store in --data-dir. With neither
--api-keys nor --jwt-keys it runs in development mode: every caller is in
tenant "default" with every scope, on a loopback address only.

Each flag defaults to its RAPPORT_* environment variable, when set.`,
		Args: noArgs,
	}
	flags := addServeFlags(cmd.Flags(), getenv)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := flags.config()
		if err != nil {
			return usageError{err}
		}
		return serve(cmd.Context(), cfg, cmd.ErrOrStderr())
	}
	return cmd
}

// noArgs refuses positional arguments.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// subcommandArgs refuses an argument that names no subcommand of cmd.
func subcommandArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return usageError{errors.New(msg)}
}

// showDefault changes the default that the help of flag name shows, not
// its value: a default taken from the environment may hold a secret (a
// key, a password in a connection string), which help must not print.
func showDefault(fs *pflag.FlagSet, name, shown string) {
	fs.Lookup(name).DefValue = shown
}

// envDefault is the value of the variable name, or def when it is unset.
func envDefault(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}
