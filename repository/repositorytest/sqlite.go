package repositorytest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository/sqlite"
)

type sqliteEngine struct{}

// SQLite is the engine of the embedded store: a file in a temporary
// directory per store.
func SQLite() Engine { return sqliteEngine{} }

func (sqliteEngine) Name() string { return "sqlite" }

func (e sqliteEngine) New(t testing.TB, o Options) Store {
	t.Helper()
	return e.open(t, t.TempDir(), o)
}

func (e sqliteEngine) Reopen(t testing.TB, s Store, o Options) Store {
	t.Helper()
	return e.open(t, filepath.Dir(Raw(s).(*sqlite.Store).Path()), o)
}

func (sqliteEngine) open(t testing.TB, dir string, o Options) Store {
	var opts []sqlite.Option
	if o.Now != nil {
		opts = append(opts, sqlite.WithClock(o.Now))
	}
	if o.StatementHook != nil {
		opts = append(opts, sqlite.WithStatementHook(o.StatementHook))
	}
	if o.Tracer != nil {
		opts = append(opts, sqlite.WithTracer(o.Tracer))
	}
	if o.MaxGroup != 0 {
		opts = append(opts, sqlite.WithMaxGroup(o.MaxGroup))
	}
	s, err := sqlite.Open(context.Background(), dir, opts...)
	if err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if o.Plain {
		return s
	}
	keys, err := sqlite.OpenKeyStore(context.Background(), dir)
	if err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	t.Cleanup(func() { _ = keys.Close() })
	return sealStore(t, s, keys, o)
}

// raw opens the store's file directly, as an operator's sqlite3 shell would.
func (e sqliteEngine) raw(t testing.TB, s Store) *sql.DB {
	t.Helper()
	return e.rawWith(t, s, "")
}

// Settings of the store's own connections, for the floors of benchmarks:
// a floor with SQLite's default 2 MiB page cache would miss pages the
// store's connections keep, and grow dearer with the store.
const (
	readerSettings = "&_pragma=cache_size(-8192)"
	writerSettings = "&_pragma=cache_size(-16384)&_synchronous=FULL&_txlock=immediate"
)

// rawWith is raw with more DSN settings (each starting with &).
func (sqliteEngine) rawWith(t testing.TB, s Store, settings string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+Raw(s).(*sqlite.Store).Path()+"?_busy_timeout=5000"+settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func (e sqliteEngine) Rows(t testing.TB, s Store) []Row {
	t.Helper()
	db := e.raw(t, s)
	tables, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	_ = tables.Close()
	var out []Row
	for _, table := range names {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			r := Row{Table: table}
			var key []string
			for i, v := range vals {
				var s string
				switch v := v.(type) {
				case string:
					s = v
				case []byte:
					s = string(v)
				case nil:
					continue
				default:
					s = fmt.Sprint(v)
				}
				r.Values = append(r.Values, s)
				if i < 3 {
					key = append(key, s)
				}
			}
			r.Key = strings.Join(key, "/")
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		_ = rows.Close()
	}
	return out
}

func (e sqliteEngine) Count(t testing.TB, s Store, table, tenant string) int {
	t.Helper()
	var n int
	if err := e.raw(t, s).QueryRow("SELECT count(*) FROM "+table+" WHERE tenant = ?", tenant).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e sqliteEngine) ExpireAt(t testing.TB, s Store, tenant, interactionID string) (time.Time, bool) {
	t.Helper()
	var at sql.NullInt64
	if err := e.raw(t, s).QueryRow("SELECT expire_at FROM interactions WHERE tenant = ? AND interaction_id = ?", tenant, interactionID).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return time.UnixMilli(at.Int64).UTC(), at.Valid
}

func (e sqliteEngine) CorruptSummary(t testing.TB, s Store, tenant, customerID string) {
	t.Helper()
	if _, err := e.raw(t, s).Exec("UPDATE summaries SET data = ? WHERE tenant = ? AND customer_id = ?", []byte("garbage"), tenant, customerID); err != nil {
		t.Fatal(err)
	}
}

func (e sqliteEngine) DropSummaries(t testing.TB, s Store) {
	t.Helper()
	if _, err := e.raw(t, s).Exec("DELETE FROM summaries"); err != nil {
		t.Fatal(err)
	}
}

func (e sqliteEngine) DeleteExpired(t testing.TB, s Store, before time.Time) {
	t.Helper()
	if _, err := e.raw(t, s).Exec("DELETE FROM interactions WHERE expire_at < ?", before.UnixMilli()); err != nil {
		t.Fatal(err)
	}
}

func (e sqliteEngine) SummaryPointRead(t testing.TB, s Store) func(ctx context.Context, tenant, customerID string) error {
	t.Helper()
	db := e.rawWith(t, s, readerSettings)
	stmt, err := db.Prepare("SELECT revision, update_time, stale, data FROM summaries WHERE tenant = ? AND customer_id = ?")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stmt.Close() })
	return func(ctx context.Context, tenant, customerID string) error {
		var (
			rev, updated int64
			stale        bool
			data         []byte
		)
		return stmt.QueryRowContext(ctx, tenant, customerID).Scan(&rev, &updated, &stale, &data)
	}
}

func (e sqliteEngine) InsertFloor(t testing.TB, s Store, n int) func(ctx context.Context) error {
	t.Helper()
	db := e.rawWith(t, s, writerSettings)
	db.SetMaxOpenConns(1)
	rows, err := db.Query("SELECT tenant, interaction_id, customer_id, occur_time, channel, issue_id, topics, fingerprint, expire_at, create_time, doc FROM interactions LIMIT ?", n)
	if err != nil {
		t.Fatal(err)
	}
	var stored [][]any
	for rows.Next() {
		vals := make([]any, 11)
		ptrs := make([]any, 11)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, vals)
	}
	_ = rows.Close()
	if len(stored) != n {
		t.Fatalf("repositorytest: %d interactions to copy, want %d", len(stored), n)
	}
	copies, nonce := 0, time.Now().UnixNano()
	return func(ctx context.Context) error {
		copies++
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		for _, vals := range stored {
			row := slices.Clone(vals)
			row[1] = fmt.Sprint(row[1], "-", nonce, "-", copies)
			if _, err := tx.ExecContext(ctx, "INSERT INTO interactions (tenant, interaction_id, customer_id, occur_time, channel, issue_id, topics, fingerprint, expire_at, create_time, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row...); err != nil {
				return err
			}
		}
		return tx.Commit()
	}
}

// DataDir is the data directory of an embedded store (its database file,
// write-ahead log and shared memory), for tests that read the files.
func DataDir(t testing.TB, s Store) string {
	t.Helper()
	st, ok := Raw(s).(*sqlite.Store)
	if !ok {
		t.Fatalf("repositorytest: %T is not the embedded store", s)
	}
	return filepath.Dir(st.Path())
}

// OpenSQLite opens the embedded store in dir (its data file and key
// store, encrypted with TestKEK unless o.Plain), as a restore would:
// closed when t ends.
func OpenSQLite(t testing.TB, dir string, o Options) Store {
	t.Helper()
	return sqliteEngine{}.open(t, dir, o)
}
