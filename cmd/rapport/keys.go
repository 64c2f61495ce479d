package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service"
)

const keysUsage = `usage: rapport keys <create|list|revoke> [flags]

  create --tenant T --scopes S1,S2 [--name N] [--expires-in 2160h]
           prints a new API key once; only its hash is stored
  list   [--tenant T]
           lists keys (never their secrets)
  revoke KEY_ID
           revokes a key; servers stop accepting it within their
           --api-key-cache-ttl

Keys live in the database: these commands talk to it directly, with the
same --mongodb-uri, --mongodb-database and --data-dir as "rapport serve".
With the embedded store, stop the server first or point --mongodb-uri at
its --embedded-listen address.
scopes: context.read, history.write, customer.write, privacy, admin (or all)
`

// keysCommand is `rapport keys ...`: API key management.
func keysCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return errors.New("keys: say create, list or revoke")
	}
	sub := args[0]
	fs := flag.NewFlagSet("rapport keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	uri := fs.String("mongodb-uri", env("RAPPORT_MONGODB_URI", ""), "MongoDB connection string; empty opens the embedded store in --data-dir (RAPPORT_MONGODB_URI)")
	database := fs.String("mongodb-database", env("RAPPORT_MONGODB_DATABASE", "rapport"), "database name (RAPPORT_MONGODB_DATABASE)")
	dataDir := fs.String("data-dir", env("RAPPORT_DATA_DIR", "rapport-data"), "data directory of the embedded store (RAPPORT_DATA_DIR)")
	tenant := fs.String("tenant", "", "the key's tenant (create), or the tenant to list (list; empty lists every tenant)")
	scopes := fs.String("scopes", "", "comma-separated scopes of the key (create)")
	name := fs.String("name", "", "what the key is for, e.g. \"agent desktop\" (create)")
	expiresIn := fs.Duration("expires-in", 0, "the key stops working after this long, e.g. 2160h; 0 never (create)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var run func(*repository.Store) error
	switch sub {
	case "create":
		sc, err := service.ParseScopes(strings.Split(*scopes, ","))
		if *scopes == "" || err != nil {
			return fmt.Errorf("keys create: --scopes: %v", errors.Join(err, errors.New("want e.g. --scopes context.read,history.write")))
		}
		if *expiresIn < 0 {
			return errors.New("keys create: --expires-in must not be negative")
		}
		now := time.Now()
		var expire time.Time
		if *expiresIn > 0 {
			expire = now.Add(*expiresIn)
		}
		token, key, err := service.NewAPIKey(*tenant, *name, sc, now, expire)
		if err != nil {
			return fmt.Errorf("keys create: %w", err)
		}
		run = func(st *repository.Store) error {
			if err := st.CreateAPIKey(ctx, key); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "created apiKeys/%s for tenant %s with scopes %s; the key is shown once, store it now:\n", key.ID, key.Tenant, strings.Join(key.Scopes, ","))
			fmt.Fprintln(stdout, token)
			return nil
		}
	case "list":
		run = func(st *repository.Store) error {
			keys, err := st.ListAPIKeys(ctx, *tenant)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tTENANT\tSCOPES\tNAME\tCREATED\tEXPIRES\tREVOKED")
			for _, k := range keys {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Tenant, strings.Join(k.Scopes, ","), k.Name,
					fmtTime(k.CreateTime), fmtTime(k.ExpireTime), fmtTime(k.RevokeTime))
			}
			return w.Flush()
		}
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("keys revoke: name one key ID")
		}
		id := strings.TrimPrefix(fs.Arg(0), "apiKeys/")
		run = func(st *repository.Store) error {
			k, err := st.RevokeAPIKey(ctx, id, time.Now())
			if errors.Is(err, repository.ErrNotFound) {
				return fmt.Errorf("keys revoke: no key %s", id)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked apiKeys/%s (tenant %s) at %s\n", k.ID, k.Tenant, fmtTime(k.RevokeTime))
			return nil
		}
	default:
		fmt.Fprint(stderr, keysUsage)
		return fmt.Errorf("keys: unknown command %q", sub)
	}
	if sub != "revoke" && fs.NArg() > 0 {
		return fmt.Errorf("keys %s: unexpected arguments %v", sub, fs.Args())
	}
	return withStore(ctx, *uri, *database, *dataDir, run)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// withStore opens the database (the embedded store when uri is empty),
// makes sure its indexes exist, and runs f.
func withStore(ctx context.Context, uri, database, dataDir string, f func(*repository.Store) error) error {
	st, closeStore, err := openStore(ctx, storeConfig{MongoDBURI: uri, MongoDBDatabase: database, DataDir: dataDir, AppName: "rapport-keys"},
		slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer closeStore()
	if err := st.Ready(ctx); err != nil {
		return err
	}
	return f(st)
}
