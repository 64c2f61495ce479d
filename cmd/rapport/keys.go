package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/sqlite"
	"github.com/rapporthq/rapport/service/access"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// keysHelp is what every keys command says about where keys live.
const keysHelp = `Keys live in the database: these commands talk to it directly, with the
same --mongodb-uri, --mongodb-database and --data-dir as "rapport serve",
also while the server runs. They need no key-encryption key: an API key is
stored as a hash of its secret, not encrypted, and these commands read no
personal data. (The key-encryption key of the customers' data keys is
managed with "rapport kek".)`

// newKeysCommand is `rapport keys ...`: API key management.
func newKeysCommand(getenv func(string) string) *cobra.Command {
	keys := &cobra.Command{
		Use:   "keys",
		Short: "Create, list and revoke API keys",
		Long:  "Create, list and revoke the API keys that a server with --api-keys accepts.\n\n" + keysHelp,
		Args:  subcommandArgs,
		RunE: func(*cobra.Command, []string) error {
			return usageErrorf("keys: say create, list or revoke")
		},
	}
	keys.AddCommand(newKeysCreateCommand(getenv), newKeysListCommand(getenv), newKeysRevokeCommand(getenv))
	return keys
}

// storeFlags are the flags that say where the keys are stored.
type storeFlags struct{ uri, database, dataDir string }

// addKeyDatabaseFlag adds --mongodb-key-database to a command that opens
// the data keys (rapport kek rewrap, rapport encrypt), as rapport serve has it.
func addKeyDatabaseFlag(fs *pflag.FlagSet, getenv func(string) string) *string {
	return fs.String("mongodb-key-database", envDefault(getenv, "RAPPORT_MONGODB_KEY_DATABASE", ""), "database of the wrapped data keys on MongoDB; empty: the database name and _keys (RAPPORT_MONGODB_KEY_DATABASE)")
}

func addStoreFlags(fs *pflag.FlagSet, getenv func(string) string) *storeFlags {
	f := &storeFlags{}
	fs.StringVar(&f.uri, "mongodb-uri", envDefault(getenv, "RAPPORT_MONGODB_URI", ""), "MongoDB connection string; empty opens the embedded store in --data-dir (RAPPORT_MONGODB_URI)")
	showDefault(fs, "mongodb-uri", redactURI(f.uri))
	fs.StringVar(&f.database, "mongodb-database", envDefault(getenv, "RAPPORT_MONGODB_DATABASE", "rapport"), "database name (RAPPORT_MONGODB_DATABASE)")
	fs.StringVar(&f.dataDir, "data-dir", envDefault(getenv, "RAPPORT_DATA_DIR", "rapport-data"), "data directory of the embedded store (RAPPORT_DATA_DIR)")
	return f
}

func newKeysCreateCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create --tenant T --scopes S1,S2",
		Short: "Create an API key and print it, once",
		Long: `Create an API key and print it on stdout, once: only its hash is stored.

Scopes: context.read, history.write, customer.write, privacy, admin (or all).

` + keysHelp,
		Example: `  rapport keys create --tenant acme --scopes context.read,history.write --name "agent desktop" --expires-in 2160h`,
		Args:    noArgs,
	}
	where := addStoreFlags(cmd.Flags(), getenv)
	tenant := cmd.Flags().String("tenant", "", "the key's tenant: 1 to 63 of a-z, 0-9, '.', '_', '-'")
	scopes := cmd.Flags().String("scopes", "", "comma-separated scopes of the key, or all")
	name := cmd.Flags().String("name", "", "what the key is for, e.g. \"agent desktop\"")
	expiresIn := cmd.Flags().Duration("expires-in", 0, "the key stops working after this long, e.g. 2160h; 0 never")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		sc, err := access.ParseScopes(strings.Split(*scopes, ","))
		if *scopes == "" || err != nil {
			return usageErrorf("keys create: --scopes: %v", errors.Join(err, errors.New("want e.g. --scopes context.read,history.write")))
		}
		if *expiresIn < 0 {
			return usageErrorf("keys create: --expires-in must not be negative")
		}
		now := time.Now()
		var expire time.Time
		if *expiresIn > 0 {
			expire = now.Add(*expiresIn)
		}
		token, key, err := access.NewAPIKey(*tenant, *name, sc, now, expire)
		if err != nil {
			return usageErrorf("keys create: %w", err)
		}
		ctx := cmd.Context()
		return withStore(ctx, where, func(st store) error {
			if err := st.CreateAPIKey(ctx, key); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "created apiKeys/%s for tenant %s with scopes %s; the key is shown once, store it now:\n", key.ID, key.Tenant, strings.Join(key.Scopes, ","))
			fmt.Fprintln(cmd.OutOrStdout(), token)
			return nil
		})
	}
	return cmd
}

func newKeysListCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [--tenant T]",
		Short: "List API keys (never their secrets)",
		Long:  "List API keys: ID, tenant, scopes, name, created, expires, revoked; never their secrets.\n\n" + keysHelp,
		Args:  noArgs,
	}
	where := addStoreFlags(cmd.Flags(), getenv)
	tenant := cmd.Flags().String("tenant", "", "list this tenant's keys only; empty lists every tenant's")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		return withStore(ctx, where, func(st store) error {
			keys, err := st.ListAPIKeys(ctx, *tenant)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tTENANT\tSCOPES\tNAME\tCREATED\tEXPIRES\tREVOKED")
			for _, k := range keys {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Tenant, strings.Join(k.Scopes, ","), k.Name,
					fmtTime(k.CreateTime), fmtTime(k.ExpireTime), fmtTime(k.RevokeTime))
			}
			return w.Flush()
		})
	}
	return cmd
}

func newKeysRevokeCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "revoke KEY_ID",
		Short: "Revoke an API key",
		Long: `Revoke an API key, named by its ID (with or without "apiKeys/"). Servers
stop accepting it within their --api-key-cache-ttl.

` + keysHelp,
		Example: "  rapport keys revoke apiKeys/5srlp6swnbrumqmu",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("keys revoke: name one key ID, got %d arguments", len(args))
			}
			return nil
		},
	}
	where := addStoreFlags(cmd.Flags(), getenv)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		id := strings.TrimPrefix(args[0], "apiKeys/")
		return withStore(ctx, where, func(st store) error {
			k, err := st.RevokeAPIKey(ctx, id, time.Now())
			if errors.Is(err, repository.ErrNotFound) {
				return fmt.Errorf("keys revoke: no key %s", id)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked apiKeys/%s (tenant %s) at %s\n", k.ID, k.Tenant, fmtTime(k.RevokeTime))
			return nil
		})
	}
	return cmd
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// withStore opens the store (the embedded one in --data-dir when no URI is
// given; a running server may have it open too: SQLite's locks let both
// work), makes sure it is ready, and runs f.
func withStore(ctx context.Context, where *storeFlags, f func(store) error) error {
	st, closeStore, err := openStore(ctx, storeConfig{MongoDBURI: where.uri, MongoDBDatabase: where.database, DataDir: where.dataDir,
		Synchronous: sqlite.SynchronousFull, AppName: "rapport-keys", Plain: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer closeStore()
	if err := st.Ready(ctx); err != nil {
		return err
	}
	return f(st)
}
