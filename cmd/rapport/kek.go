package main

import (
	"fmt"
	"log/slog"

	"github.com/rapporthq/rapport/repository/sealed"
	"github.com/rapporthq/rapport/repository/sqlite"
	"github.com/spf13/cobra"
)

// newKEKCommand is `rapport kek ...`: the key-encryption key.
func newKEKCommand(getenv func(string) string) *cobra.Command {
	kek := &cobra.Command{
		Use:   "kek",
		Short: "Make and rotate the key-encryption key",
		Long: `The customers' content is stored encrypted with a data key per customer;
the data keys are stored wrapped by the key-encryption key (KEK), which
comes from outside the store: --kek-file FILE or the RAPPORT_KEK variable.
Lose the KEK and the data is lost: keep it apart from the data and its
backups (a secret manager), and a copy of it somewhere safe.

Rotate it without rewriting the data: put a new key first in the key file,
the old one on the line after it, restart the servers (they wrap new keys
with the first line and unwrap with either), run "rapport kek rewrap", then
drop the old line.`,
		Args: subcommandArgs,
		RunE: func(*cobra.Command, []string) error { return usageErrorf("kek: say generate or rewrap") },
	}
	kek.AddCommand(&cobra.Command{
		Use:   "generate",
		Short: "Print a new random key-encryption key, as a key file holds it",
		Args:  noArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprint(cmd.OutOrStdout(), sealed.NewKEKText())
		},
	})
	rewrap := &cobra.Command{
		Use:   "rewrap",
		Short: "Rewrap every data key with the first key of the key file",
		Long: `Rewrap every data key that an older key of the key file wrapped with the
first one (the data itself is not touched). It is resumable: run it again
after a failure. Servers may run meanwhile.`,
		Example: "  rapport kek rewrap --data-dir rapport-data --kek-file /run/secrets/rapport-kek",
		Args:    noArgs,
	}
	where := addStoreFlags(rewrap.Flags(), getenv)
	keyDB := addKeyDatabaseFlag(rewrap.Flags(), getenv)
	file := rewrap.Flags().String("kek-file", envDefault(getenv, "RAPPORT_KEK_FILE", ""), "the key file: the new key first, the old ones after it (RAPPORT_KEK_FILE; RAPPORT_KEK may hold the keys instead)")
	rewrap.RunE = func(cmd *cobra.Command, _ []string) error {
		src := kekSource{file: *file, text: getenv("RAPPORT_KEK")}
		st, closeStore, err := openStore(cmd.Context(), storeConfig{MongoDBURI: where.uri, MongoDBDatabase: where.database, MongoDBKeyDatabase: *keyDB, DataDir: where.dataDir,
			Synchronous: sqlite.SynchronousFull, AppName: "rapport-kek", KEK: src}, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		defer closeStore()
		ring := st.(*sealed.Store).Keyring()
		n, err := ring.Rewrap(cmd.Context(), func(done int) {
			fmt.Fprintf(cmd.ErrOrStderr(), "rewrapped %d keys so far\n", done)
		})
		if err != nil {
			return fmt.Errorf("rewrap (%d keys rewrapped; run it again to go on): %w", n, err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "rewrapped %d data keys with the first key of the key file; the other keys may now be removed from it\n", n)
		return nil
	}
	kek.AddCommand(rewrap)
	return kek
}
