package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/sealed"
	"github.com/rapporthq/rapport/repository/sqlite"
	"github.com/spf13/cobra"
)

// encryptedThroughKey is the meta key of the last customer rapport encrypt
// finished; encryptedKey says the whole store was.
const (
	encryptedThroughKey = "encrypt: done through"
	encryptedKey        = "encrypt: finished"
)

// newEncryptCommand is `rapport encrypt`: encrypt a store written before
// encryption, in place.
func newEncryptCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "encrypt",
		Short: "Encrypt, in place, what a store written before encryption holds in clear",
		Long: `Encrypt, customer by customer, what a store written before encryption
holds in clear (the customers, their identity claims, issues,
interactions and context summaries), with the key-encryption key
rapport serve uses. It is resumable: a run that stops goes on, when run
again, with the first customer it had not finished (the store remembers
the last one done). Servers may run meanwhile. The revisions (etags) of
customers and issues move on, as after an update.

On the embedded store (--data-dir) each customer is encrypted in one
transaction, never half; afterwards the clear values are overwritten in
the file (secure_delete) and the log truncated. On MongoDB (--mongodb-uri)
the documents of a customer are rewritten one by one (the adapter uses no
multi-document transactions): a run cut in the middle of a customer
leaves some of their values encrypted and some not, which servers read
either way, and the next run does that customer again. MongoDB keeps the
clear values in free blocks until WiredTiger reuses them and in the oplog
for its window (see README's Privacy section). Backups taken before hold
the clear values, on either store.`,
		Example: `  rapport encrypt --data-dir rapport-data --kek-file /run/secrets/rapport-kek
  rapport encrypt --mongodb-uri mongodb://db-0,db-1,db-2/?replicaSet=rs0 --kek-file /run/secrets/rapport-kek`,
		Args: noArgs,
	}
	where := addStoreFlags(cmd.Flags(), getenv)
	keyDB := addKeyDatabaseFlag(cmd.Flags(), getenv)
	file := cmd.Flags().String("kek-file", envDefault(getenv, "RAPPORT_KEK_FILE", ""), "the key-encryption key's file (RAPPORT_KEK_FILE; RAPPORT_KEK may hold the key instead)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if where.uri == "" {
			if _, err := os.Stat(filepath.Join(where.dataDir, sqlite.FileName)); err != nil {
				return fmt.Errorf("encrypt: no embedded store in %s: %w", where.dataDir, err)
			}
		}
		return encryptStore(cmd.Context(), storeConfig{
			MongoDBURI: where.uri, MongoDBDatabase: where.database, MongoDBKeyDatabase: *keyDB, DataDir: where.dataDir,
			Synchronous: sqlite.SynchronousFull, AppName: "rapport-encrypt",
			KEK: kekSource{file: *file, text: getenv("RAPPORT_KEK")},
		}, cmd.OutOrStdout())
	}
	return cmd
}

// rewritable is what rapport encrypt needs of an adapter beyond
// repository.Adapter: the walk over every customer, the rewrite of a
// customer's interactions, and a place to remember its progress. Both
// adapters have it.
type rewritable interface {
	CustomersAfter(ctx context.Context, after repository.CustomerKey, limit int) ([]repository.CustomerKey, error)
	RewriteInteractions(ctx context.Context, tenant, customerID string, fn func(*rapportv1.Interaction) error) (int, error)
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
}

// encryptStore runs rapport encrypt on the store c opens.
func encryptStore(ctx context.Context, c storeConfig, out io.Writer) error {
	st, closeStore, err := openStore(ctx, c, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer closeStore()
	s := st.(*sealed.Store)
	raw, ok := s.Adapter.(rewritable)
	if !ok {
		return fmt.Errorf("encrypt: the %s store cannot be rewritten in place", c.kind())
	}
	var after repository.CustomerKey
	if through, err := raw.Meta(ctx, encryptedThroughKey); err != nil {
		return err
	} else if t, c, ok := strings.Cut(through, "\x00"); ok {
		after = repository.CustomerKey{Tenant: t, CustomerID: c}
		fmt.Fprintf(out, "resuming after %s/%s\n", t, c)
	}
	start, done := time.Now(), 0
	for {
		page, err := raw.CustomersAfter(ctx, after, 500)
		if err != nil {
			return err
		}
		for _, k := range page {
			// The customer and the mark that it is done, in one
			// transaction where the store has them; else the mark is
			// set after the customer, so a cut run does them again.
			err := s.Atomically(ctx, func(ctx context.Context) error {
				if err := s.EncryptExisting(ctx, k.Tenant, k.CustomerID, raw.RewriteInteractions); err != nil {
					return err
				}
				return raw.SetMeta(ctx, encryptedThroughKey, k.Tenant+"\x00"+k.CustomerID)
			})
			if err != nil {
				return fmt.Errorf("encrypt %s/%s (%d customers done; run again to go on): %w", k.Tenant, k.CustomerID, done, err)
			}
			after = k
			done++
		}
		if len(page) > 0 {
			fmt.Fprintf(out, "%d customers encrypted (%v)\n", done, time.Since(start).Round(time.Millisecond))
		}
		if len(page) < 500 {
			break
		}
	}
	if err := raw.SetMeta(ctx, encryptedKey, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	fmt.Fprintf(out, "done: %d customers encrypted in %v\n", done, time.Since(start).Round(time.Millisecond))
	return nil
}
