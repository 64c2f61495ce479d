// Package ferretdbv1 reads, read-only, the data directory of FerretDB v1's
// SQLite backend (the store Rapport embedded up to now), and yields its
// documents as BSON, so that they can be carried over to another store
// without FerretDB in the binary.
//
// # The format (FerretDB v1.24, checked against its source)
//
// The directory holds one SQLite file per database, named <database>.sqlite,
// in WAL mode; a database whose collections were all dropped keeps its file
// and is still listed, as FerretDB lists it. Each file has a table _ferretdb_collections (name, table_name,
// settings) that maps a collection's name to its SQL table; settings is JSON
// with the indexes and the capped size, which this package does not read.
// FerretDB quotes table names with Go's %q, not SQLite's rules, so a table
// name with a backslash is stored in sqlite_schema with the backslash
// doubled; this package quotes the same way. A collection's table has one
// column _ferretdb_sjson holding each document as SJSON (capped collections
// also have _ferretdb_record_id INTEGER PRIMARY KEY). A find with no sort
// made FerretDB scan the table with no ORDER BY, that is in rowid order;
// [Dir.Each] reads in rowid order.
//
// SJSON is a JSON object whose "$s" member is the schema, followed by the
// fields in order:
//
//	{"$s":{"p":{"_id":{"t":"objectId"},"n":{"t":"int"}},"$k":["_id","n"]},"_id":"65a1…","n":1}
//
// "$k" lists the keys in order and "p" gives each one's type "t": object
// (with a nested "$s"), array (with "i", one type per item), double, string,
// binData (with "s", the subtype), objectId (hex), bool, date (milliseconds
// since the epoch), null, regex (pattern as the value, "o" the options), int,
// timestamp (the 64-bit value, seconds<<32|increment) and long. A JSON null
// is a BSON null whatever the schema says; binary data is base64.
//
// # Limits
//
// Those thirteen types are all FerretDB v1 could store: it refused
// decimal128, minKey, maxKey, undefined, JavaScript, symbol and DBPointer,
// NaN and infinities, nested arrays, and keys containing "." or starting
// with "$", and it stored -0 as 0 and invalid UTF-8 in a string as U+FFFD. So
// every document it stored is read back byte for byte as a find returned it.
// FerretDB wrote top-level keys into the JSON unescaped. It failed to store
// a document with a key that this made invalid JSON (`C:\dir`), but stored
// one with a key whose backslash made a JSON escape (`a\nb`) or with a
// control character, and then could not read that collection back at all;
// this package reads the fields laid out exactly as they were written, and
// so returns those documents with their keys as inserted.
//
// A document that does not decode stops [Dir.Each] with an error naming its
// row; there is no skipping it. Collection settings (indexes, capped sizes)
// are not read.
//
// # Reading without writing
//
// Every file is opened with SQLite's mode=ro and query_only, and nothing in
// the directory is created or changed, which a plain mode=ro open does not
// ensure for a WAL database (SQLite creates -wal and -shm files for it):
//
//   - With a -wal file and its -shm file (FerretDB running, or killed
//     without closing), it is opened with readonly_shm=1: SQLite opens the
//     -shm read-only, uses it while a writer holds it, and otherwise builds
//     its index of the WAL in memory from the -wal file, so the documents of
//     committed transactions that were never checkpointed are read, and
//     neither file is written. (immutable=1 would silently miss them.)
//   - With no -wal file (FerretDB stopped cleanly), or an empty one and no
//     -shm, nothing is in the WAL, and the file is opened with immutable=1,
//     which takes no locks and creates nothing. A FerretDB that has a
//     database open always has both files, so this means none was running
//     when the file was opened; one started during the read would not be
//     noticed. Reading while FerretDB runs works, each collection read as
//     of one moment, but stop Rapport before a migration.
//   - A non-empty -wal file without its -shm cannot be read without writing
//     one; that, and a rollback -journal (never used by FerretDB), is an
//     error naming the file: open the database once with FerretDB or the
//     sqlite3 shell to fold the WAL into it.
package ferretdbv1

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

const (
	fileExt       = ".sqlite"
	metadataTable = "_ferretdb_collections"
	docColumn     = "_ferretdb_sjson"
)

// ErrNotFerretDB is returned by Open for a directory that holds no FerretDB
// v1 SQLite database.
var ErrNotFerretDB = errors.New("no FerretDB v1 SQLite data")

// Dir is a FerretDB v1 SQLite data directory opened for reading. It holds no
// open file: each method opens the database file it needs and closes it
// before returning. It is safe for concurrent use.
type Dir struct {
	path string
	dbs  []string
}

// Detect reports whether dir holds FerretDB v1 SQLite data: at least one
// <name>.sqlite file with FerretDB's metadata table. A missing directory
// holds none. Other SQLite files are ignored, but a .sqlite file that cannot
// be read as SQLite is an error. Detect creates and changes nothing.
func Detect(dir string) (bool, error) {
	dbs, err := scan(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(dbs) > 0, nil
}

// Open opens dir for reading, returning an error wrapping ErrNotFerretDB if
// Detect would report false. The list of databases is taken then.
func Open(dir string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("ferretdbv1: %w", err)
	}
	dbs, err := scan(abs)
	if err != nil {
		return nil, err
	}
	if len(dbs) == 0 {
		return nil, fmt.Errorf("ferretdbv1: %s: %w", abs, ErrNotFerretDB)
	}
	return &Dir{path: abs, dbs: dbs}, nil
}

// Databases returns the names of the databases, sorted.
func (d *Dir) Databases() []string { return append([]string(nil), d.dbs...) }

// Collections returns the names of db's collections, sorted (as FerretDB
// lists them).
func (d *Dir) Collections(ctx context.Context, db string) ([]string, error) {
	conn, err := d.open(db)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, fmt.Sprintf("SELECT name FROM %q ORDER BY name", metadataTable))
	if err != nil {
		return nil, fmt.Errorf("ferretdbv1: %s: collections: %w", db, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("ferretdbv1: %s: collections: %w", db, err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ferretdbv1: %s: collections: %w", db, err)
	}
	sort.Strings(names) // SQLite's BINARY collation already is; make it certain
	return names, nil
}

// Count returns the number of documents in a collection.
func (d *Dir) Count(ctx context.Context, db, collection string) (int64, error) {
	conn, err := d.open(db)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	table, err := tableName(ctx, conn, db, collection)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %q", table)).Scan(&n); err != nil {
		return 0, fmt.Errorf("ferretdbv1: %s.%s: count: %w", db, collection, err)
	}
	return n, nil
}

// Each calls fn with each document of a collection in turn, in FerretDB's
// natural (rowid) order, and stops at the first error, returning it. Documents
// are read one at a time, within one SQLite read transaction, so Each sees
// the collection as it was when it started. doc is fn's to keep.
func (d *Dir) Each(ctx context.Context, db, collection string, fn func(doc bson.Raw) error) error {
	conn, err := d.open(db)
	if err != nil {
		return err
	}
	defer conn.Close()
	table, err := tableName(ctx, conn, db, collection)
	if err != nil {
		return err
	}
	// The table name is quoted as FerretDB quoted it when it created the table.
	rows, err := conn.QueryContext(ctx, fmt.Sprintf("SELECT rowid, %s FROM %q ORDER BY rowid", docColumn, table))
	if err != nil {
		return fmt.Errorf("ferretdbv1: %s.%s: %w", db, collection, err)
	}
	defer rows.Close()
	var text sql.RawBytes
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		var rowid int64
		if err := rows.Scan(&rowid, &text); err != nil {
			return fmt.Errorf("ferretdbv1: %s.%s: %w", db, collection, err)
		}
		doc, err := decodeSJSON(text)
		if err != nil {
			return fmt.Errorf("ferretdbv1: %s.%s: row %d: %w", db, collection, rowid, err)
		}
		if err := fn(doc); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ferretdbv1: %s.%s: %w", db, collection, err)
	}
	return nil
}

// open opens one of d's databases.
func (d *Dir) open(db string) (*sql.DB, error) {
	i := sort.SearchStrings(d.dbs, db)
	if i == len(d.dbs) || d.dbs[i] != db {
		return nil, fmt.Errorf("ferretdbv1: database %q: %w", db, fs.ErrNotExist)
	}
	return openFile(filepath.Join(d.path, db+fileExt))
}

func tableName(ctx context.Context, conn *sql.DB, db, collection string) (string, error) {
	var table string
	err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT table_name FROM %q WHERE name = ?", metadataTable), collection).Scan(&table)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("ferretdbv1: collection %s.%s: %w", db, collection, fs.ErrNotExist)
	}
	if err != nil {
		return "", fmt.Errorf("ferretdbv1: collection %s.%s: %w", db, collection, err)
	}
	return table, nil
}

// scan returns the sorted names of the FerretDB databases in dir.
func scan(dir string) ([]string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("ferretdbv1: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("ferretdbv1: %s: not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("ferretdbv1: %w", err)
	}
	var dbs []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), fileExt)
		if !ok || name == "" {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if fi, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("ferretdbv1: %w", err)
		} else if !fi.Mode().IsRegular() {
			continue
		}
		ok, err := isFerretDB(path)
		if err != nil {
			return nil, err
		}
		if ok {
			dbs = append(dbs, name)
		}
	}
	sort.Strings(dbs)
	return dbs, nil
}

// isFerretDB reports whether the SQLite file at path has FerretDB's metadata
// table.
func isFerretDB(path string) (bool, error) {
	conn, err := openFile(path)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var n int
	err = conn.QueryRow("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", metadataTable).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("ferretdbv1: %s: %w", path, err)
	}
	return n > 0, nil
}

// openFile opens the SQLite file at path read-only, in the way that creates
// and changes nothing (see the package comment).
func openFile(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "query_only(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	journal, err := nonEmpty(path + "-journal")
	if err != nil {
		return nil, err
	}
	if journal {
		return nil, fmt.Errorf("ferretdbv1: %s has a rollback journal (%s-journal), which only a write can roll back: open it once with the sqlite3 shell", path, filepath.Base(path))
	}
	wal, err := exists(path + "-wal")
	if err != nil {
		return nil, err
	}
	shm, err := exists(path + "-shm")
	if err != nil {
		return nil, err
	}
	switch {
	case wal && shm:
		q.Set("readonly_shm", "1")
	case !wal:
		q.Set("immutable", "1")
	default:
		if walData, err := nonEmpty(path + "-wal"); err != nil {
			return nil, err
		} else if walData {
			return nil, fmt.Errorf("ferretdbv1: %s has a write-ahead log (%s-wal) but no -shm file, and SQLite cannot read the log without creating one: open the database once with FerretDB or the sqlite3 shell, which folds the log into it", path, filepath.Base(path))
		}
		q.Set("immutable", "1")
	}
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	conn, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("ferretdbv1: %s: %w", path, err)
	}
	conn.SetMaxOpenConns(1)
	if err := conn.Ping(); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("ferretdbv1: %s: %w", path, err)
	}
	return conn, nil
}

// exists reports whether there is a file at path.
func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ferretdbv1: %w", err)
	}
	return true, nil
}

// nonEmpty reports whether the file at path exists and is not empty.
func nonEmpty(path string) (bool, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ferretdbv1: %w", err)
	}
	return fi.Size() > 0, nil
}
