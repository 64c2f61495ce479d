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
		Short: "Encrypt, in place, what an embedded store written before encryption holds in clear",
		Long: `Encrypt, customer by customer, what an embedded store written before
encryption holds in clear (the customers, their identity claims, issues,
interactions and context summaries), with the key-encryption key
rapport serve uses. Each customer is encrypted in one transaction: never
half. It is resumable: a run that stops goes on, when run again, with the
first customer it had not finished (the store remembers the last one
done). Servers may run meanwhile. The revisions (etags) of customers and
issues move on, as after an update. Afterwards the clear values are
overwritten in the file (secure_delete) and the log truncated; backups
taken before still hold them in clear.`,
		Example: "  rapport encrypt --data-dir rapport-data --kek-file /run/secrets/rapport-kek",
		Args:    noArgs,
	}
	dataDir := cmd.Flags().String("data-dir", envDefault(getenv, "RAPPORT_DATA_DIR", "rapport-data"), "data directory of the embedded store (RAPPORT_DATA_DIR)")
	file := cmd.Flags().String("kek-file", envDefault(getenv, "RAPPORT_KEK_FILE", ""), "the key-encryption key's file (RAPPORT_KEK_FILE; RAPPORT_KEK may hold the key instead)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if _, err := os.Stat(filepath.Join(*dataDir, sqlite.FileName)); err != nil {
			return fmt.Errorf("encrypt: no embedded store in %s: %w", *dataDir, err)
		}
		return encryptStore(cmd.Context(), *dataDir, kekSource{file: *file, text: getenv("RAPPORT_KEK")}, cmd.OutOrStdout())
	}
	return cmd
}

// encryptStore runs rapport encrypt on the embedded store in dataDir.
func encryptStore(ctx context.Context, dataDir string, kek kekSource, out io.Writer) error {
	raw, err := sqlite.Open(ctx, dataDir)
	if err != nil {
		return err
	}
	defer raw.Close()
	keys, err := sqlite.OpenKeyStore(ctx, dataDir)
	if err != nil {
		return err
	}
	defer keys.Close()
	st, err := sealStore(ctx, raw, keys, kek, dataDir, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	s := st.(*sealed.Store)
	var after sqlite.CustomerKey
	if through, err := raw.Meta(ctx, encryptedThroughKey); err != nil {
		return err
	} else if t, c, ok := strings.Cut(through, "\x00"); ok {
		after = sqlite.CustomerKey{Tenant: t, CustomerID: c}
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
			// transaction.
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
