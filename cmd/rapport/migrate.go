package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/ferretdbv1"
	"github.com/rapporthq/rapport/repository/mongo"
	"github.com/rapporthq/rapport/repository/sqlite"
	"github.com/spf13/cobra"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// migratedKey is the SQLite store's meta entry that records a migration
// from the FerretDB store.
const migratedKey = "migrated_from_ferretdb"

// migration is what a migration carried, as recorded in the store.
type migration struct {
	Time     time.Time        `json:"time"`
	Database string           `json:"database"`
	Records  map[string]int64 `json:"records"`
	// Dropped counts records not carried: identity claims (rebuilt from
	// the customers), customers half-way through an erasure and what they
	// owned.
	Dropped map[string]int64 `json:"dropped,omitempty"`
}

// migrateFerretDB carries the FerretDB store of earlier versions in
// dataDir (its database `database`) over to the SQLite store in the same
// directory. It reads the old files without changing them, writes a new
// store file beside them and puts it in place only once every record is
// in, so that a failure leaves nothing half-done; the old files stay until
// the operator removes them.
func migrateFerretDB(ctx context.Context, dataDir, database string, out io.Writer) (*migration, error) {
	dir, err := ferretdbv1.Open(dataDir)
	if errors.Is(err, ferretdbv1.ErrNotFerretDB) || errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("migrate: %s holds no FerretDB data: nothing to migrate", dataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if !slices.Contains(dir.Databases(), database) {
		return nil, fmt.Errorf("migrate: the FerretDB data in %s has no database %q (it has %v): see --mongodb-database", dataDir, database, dir.Databases())
	}
	target := filepath.Join(dataDir, sqlite.FileName)
	if _, err := os.Stat(target); err == nil {
		st, err := sqlite.Open(ctx, dataDir)
		if err != nil {
			return nil, err
		}
		done, err := st.Meta(ctx, migratedKey)
		empty, emptyErr := st.Empty(ctx)
		_ = st.Close()
		switch {
		case err != nil || emptyErr != nil:
			return nil, errors.Join(err, emptyErr)
		case done != "":
			return nil, fmt.Errorf("migrate: %s was migrated already (%s)", dataDir, done)
		case !empty:
			return nil, fmt.Errorf("migrate: %s holds a SQLite store with data already; refusing to mix the two", target)
		}
		if err := removeStore(target); err != nil {
			return nil, err
		}
	}
	// The new store, beside the old files, in place once complete.
	work, err := os.MkdirTemp(dataDir, ".migrate-")
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer os.RemoveAll(work)
	st, err := sqlite.Open(ctx, work)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	m := &migration{Database: database, Records: map[string]int64{}, Dropped: map[string]int64{}}
	// Customers first: what the other records belong to.
	live := map[[2]string]bool{}
	for _, coll := range mongo.DumpOrder {
		var batch []repository.Record
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			err := st.Restore(ctx, batch)
			batch = batch[:0]
			return err
		}
		err := dir.Each(ctx, database, coll, func(doc bson.Raw) error {
			rec, ok, err := mongo.DecodeDocument(coll, doc)
			if err != nil {
				return err
			}
			if !ok {
				m.Dropped[coll]++
				return nil
			}
			if owner, ok := ownerOf(rec); ok && !live[owner] {
				m.Dropped[coll]++ // a record of a customer being erased
				return nil
			}
			if c := rec.Customer; c != nil {
				live[[2]string{c.Tenant, c.Customer.GetName()[len("customers/"):]}] = true
			}
			m.Records[coll]++
			if batch = append(batch, rec); len(batch) == 500 {
				return flush()
			}
			return nil
		})
		if errors.Is(err, os.ErrNotExist) {
			continue // the collection was never created
		}
		if err == nil {
			err = flush()
		}
		if err != nil {
			return nil, fmt.Errorf("migrate %s: %w", coll, err)
		}
		fmt.Fprintf(out, "%s: %d carried over", coll, m.Records[coll])
		if n := m.Dropped[coll]; n > 0 {
			fmt.Fprintf(out, ", %d left out (records of customers being erased)", n)
		}
		fmt.Fprintln(out)
	}
	m.Time = time.Now().UTC().Truncate(time.Second)
	note, _ := json.Marshal(m)
	if err := st.SetMeta(ctx, migratedKey, string(note)); err != nil {
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(filepath.Join(work, sqlite.FileName), target); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return m, nil
}

// ownerOf is the customer a record belongs to, if it belongs to one.
func ownerOf(r repository.Record) ([2]string, bool) {
	// customers/{customer}/...
	customer := func(name string) string {
		id, _, _ := strings.Cut(strings.TrimPrefix(name, "customers/"), "/")
		return id
	}
	switch {
	case r.Request != nil:
		return [2]string{r.Request.Tenant, r.Request.CustomerID}, true
	case r.Issue != nil:
		return [2]string{r.Issue.Tenant, customer(r.Issue.Issue.GetName())}, true
	case r.Interaction != nil:
		return [2]string{r.Interaction.Tenant, customer(r.Interaction.Interaction.GetName())}, true
	case r.Summary != nil:
		return [2]string{r.Summary.Tenant, r.Summary.CustomerID}, true
	case r.Merge != nil:
		return [2]string{r.Merge.Tenant, r.Merge.Merge.Merged}, true
	}
	return [2]string{}, false
}

// removeStore removes an empty store file and its WAL companions.
func removeStore(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}

// newMigrateCommand is `rapport migrate`: the FerretDB store of earlier
// versions in --data-dir, carried over to the SQLite store.
func newMigrateCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate --data-dir DIR",
		Short: "Carry the FerretDB store of earlier versions over to the SQLite store",
		Long: `Carry the data of the embedded FerretDB store that earlier versions ran
(its files in --data-dir) over to the embedded SQLite store this version
runs, in the same directory. The old files are read, never changed: the
new store is written beside them and put in place once complete, so a
failure leaves nothing half-done. Stop every rapport that uses the
directory first. Remove the old files once you have checked the new store.`,
		Example: "  rapport migrate --data-dir rapport-data",
		Args:    noArgs,
	}
	dataDir := cmd.Flags().String("data-dir", envDefault(getenv, "RAPPORT_DATA_DIR", "rapport-data"), "data directory holding the FerretDB files (RAPPORT_DATA_DIR)")
	database := cmd.Flags().String("mongodb-database", envDefault(getenv, "RAPPORT_MONGODB_DATABASE", "rapport"), "the FerretDB database Rapport used (RAPPORT_MONGODB_DATABASE)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		out := cmd.OutOrStdout()
		m, err := migrateFerretDB(cmd.Context(), *dataDir, *database, out)
		if err != nil {
			return err
		}
		var total int64
		for _, n := range m.Records {
			total += n
		}
		fmt.Fprintf(out, "migrated %d records into %s; the FerretDB files are untouched: remove them once you have checked the new store\n",
			total, filepath.Join(*dataDir, sqlite.FileName))
		// The old store kept no insight rollups: they are counted from
		// the history once the server runs.
		fmt.Fprintln(out, "the insights start empty: once the server runs, run `rapport insights rebuild` with an admin credential of each tenant to count them from the history")
		return nil
	}
	return cmd
}

// newBackupCommand is `rapport backup`: a consistent copy of the embedded
// store, taken while the server runs.
func newBackupCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup --to FILE",
		Short: "Copy the embedded store, consistently, while it serves",
		Long: `Write a consistent copy of the embedded SQLite store in --data-dir to a new
file, while servers keep using it: the copy holds what was committed when
it began (SQLite's VACUUM INTO). Restore by stopping the servers and
putting the copy in place as rapport.db in the data directory.

It needs no key-encryption key: the customers' content in the copy is
encrypted, as stored. Reading it back needs the key store (keys.db in the
data directory, which the copy does not hold) and the key-encryption key.
That is what lets an erasure reach old backups: a customer erased after
the copy was made has no key any more. So keep keys.db's own backups
short-lived (shorter than the time you must answer an erasure in), and
never beside the data's.`,
		Example: "  rapport backup --data-dir rapport-data --to /backups/rapport-$(date +%F).db",
		Args:    noArgs,
	}
	dataDir := cmd.Flags().String("data-dir", envDefault(getenv, "RAPPORT_DATA_DIR", "rapport-data"), "data directory of the embedded store (RAPPORT_DATA_DIR)")
	to := cmd.Flags().String("to", "", "the file to write the copy to; it must not exist")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if *to == "" {
			return usageErrorf("backup: say where: --to FILE")
		}
		if _, err := os.Stat(filepath.Join(*dataDir, sqlite.FileName)); err != nil {
			return fmt.Errorf("backup: no embedded store in %s: %w", *dataDir, err)
		}
		st, err := sqlite.Open(cmd.Context(), *dataDir)
		if err != nil {
			return err
		}
		defer st.Close()
		start := time.Now()
		if err := st.Backup(cmd.Context(), *to); err != nil {
			return err
		}
		info, err := os.Stat(*to)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes) in %v: a consistent copy of %s\n", *to, info.Size(), time.Since(start).Round(time.Millisecond), st.Path())
		fmt.Fprintf(cmd.OutOrStdout(), "the customers' content in it is encrypted: reading it needs the key store %s (not in the copy) and the key-encryption key\n",
			filepath.Join(*dataDir, sqlite.KeysFileName))
		return nil
	}
	return cmd
}
