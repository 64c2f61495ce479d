// Package sqlite is the embedded adapter of the repository contract (see
// package repository): SQLite in the process, in one file of the data
// directory, through the pure-Go driver modernc.org/sqlite (no C toolchain,
// static builds keep working). It is the store `rapport serve` runs on when
// no MongoDB is configured.
//
// How it keeps the contract:
//   - real tables with primary keys and the secondary indexes that the
//     lists, paging cursors, identity lookups and the retention purge need
//     (schema.go); the schema is versioned (PRAGMA user_version) and
//     migrated at open;
//   - records are stored as columns for what is queried and a JSON document
//     (protojson, proto field names) for the rest, so that the sqlite3
//     shell shows them; the context summary is one opaque value
//     (repository.EncodeSummary);
//   - WAL journal: readers never wait for the writer; one write
//     transaction at a time (BEGIN IMMEDIATE), in this process through one
//     connection, across processes through SQLite's file locks with a busy
//     timeout, so several processes can share one data directory;
//   - every write is a transaction, and Atomically makes the writes of one
//     call (an interaction, its issue link and the summary) one
//     transaction: they land together or not at all; concurrent calls
//     share a transaction and its commit, each in its own savepoint
//     (group commit, groupcommit.go);
//   - synchronous=FULL by default: a committed transaction survives a power
//     cut (NORMAL is faster and survives a crash of the process, not of the
//     machine).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapporthq/rapport/repository"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the store's file in the data directory.
const FileName = "rapport.db"

// applicationID marks the file as Rapport's (PRAGMA application_id), so that
// tools and Rapport itself can tell it from other SQLite files: "RPRT".
const applicationID = 0x52505254

// Synchronous is SQLite's durability setting for the store.
type Synchronous string

const (
	// SynchronousFull syncs the write-ahead log on every commit: a
	// transaction that committed survives a power cut.
	SynchronousFull Synchronous = "FULL"
	// SynchronousNormal syncs at checkpoints only: a crash of the process
	// loses nothing, a power cut may lose the last transactions committed.
	SynchronousNormal Synchronous = "NORMAL"
)

// Store is the SQLite repository. It is safe for concurrent use, and
// several processes may open the same file.
type Store struct {
	path string
	// write has one connection: this process's write transactions take
	// turns on it; other processes wait on the file lock (busy timeout).
	write *sql.DB
	// read serves reads outside transactions; in WAL mode they see the
	// latest commit and never wait for the writer.
	read        *sql.DB
	now         func() time.Time
	synchronous Synchronous
	busyTimeout time.Duration
	readers     int
	hook        func(ctx context.Context, query string)
	tracer      trace.Tracer
	changes     *changeFeed
	// readStmts and writeStmts cache the prepared statements of each
	// pool, by text (SQLite parses a statement in tens of microseconds).
	readStmts, writeStmts stmtCache
	// group queues the write calls that share a commit.
	group     committer
	maxGroup  int
	closeOnce sync.Once
}

// stmtCache holds the prepared statements of one pool. It keeps at most
// maxCachedStatements: queries built from filters come in many shapes,
// and the rarest run unprepared.
//
// The writer pool has one connection, which a transaction holds while it
// runs its statements: preparing one then would wait for the transaction
// itself. So the writer's cache only notes what it misses (deferred), and
// prepares it once the transaction ends (flush).
type stmtCache struct {
	deferred bool
	mu       sync.Mutex
	stmts    map[string]*sql.Stmt
	pending  map[string]bool
}

const maxCachedStatements = 256

// get returns db's prepared statement for query, or nil (run it unprepared).
func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts)+len(c.pending) >= maxCachedStatements {
		return nil
	}
	if c.pending == nil {
		c.pending = map[string]bool{}
	}
	c.pending[query] = true
	if c.deferred {
		return nil
	}
	c.mu.Unlock()
	c.flush(ctx, db)
	c.mu.Lock()
	return c.stmts[query]
}

// flush prepares what a deferred cache missed; call it with db's
// connection free.
func (c *stmtCache) flush(ctx context.Context, db *sql.DB) {
	c.mu.Lock()
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for query := range pending {
		st, err := db.PrepareContext(ctx, query)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if c.stmts == nil {
			c.stmts = map[string]*sql.Stmt{}
		}
		if _, dup := c.stmts[query]; dup {
			_ = st.Close()
		} else {
			c.stmts[query] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		_ = st.Close()
	}
	c.stmts = nil
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock used for timestamps (tests).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithSynchronous sets the durability of commits (default SynchronousFull).
func WithSynchronous(sync Synchronous) Option { return func(s *Store) { s.synchronous = sync } }

// WithBusyTimeout sets how long a write waits for another process's write
// transaction before it fails with repository.ErrUnavailable (default 5s).
func WithBusyTimeout(d time.Duration) Option { return func(s *Store) { s.busyTimeout = d } }

// WithReaders sets how many connections serve reads (default: twice the
// CPUs, at least 4).
func WithReaders(n int) Option { return func(s *Store) { s.readers = n } }

// WithStatementHook calls hook before every statement the store sends to
// SQLite, with the statement's text: for tests that count round trips, and
// for tracing.
func WithStatementHook(hook func(ctx context.Context, query string)) Option {
	return func(s *Store) { s.hook = hook }
}

// WithTracer records a span for every statement the store sends within a
// traced call (as a child of the call's span: background chores, which
// have none, make no spans), with the table it reads or writes as
// db.collection.name.
func WithTracer(tp trace.TracerProvider) Option {
	return func(s *Store) { s.tracer = tp.Tracer("github.com/rapporthq/rapport/repository/sqlite") }
}

// Open opens (creating it if needed) the store in dataDir, migrates its
// schema to this version and returns it. Close it when done.
func Open(ctx context.Context, dataDir string, opts ...Option) (*Store, error) {
	s := &Store{
		now:         time.Now,
		synchronous: SynchronousFull,
		busyTimeout: 5 * time.Second,
		readers:     max(4, 2*runtime.GOMAXPROCS(0)),
		changes:     newChangeFeed(),
		writeStmts:  stmtCache{deferred: true},
		maxGroup:    DefaultMaxGroup,
	}
	for _, o := range opts {
		o(s)
	}
	if s.synchronous != SynchronousFull && s.synchronous != SynchronousNormal {
		return nil, fmt.Errorf("sqlite: synchronous must be FULL or NORMAL, not %q", s.synchronous)
	}
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("sqlite: data directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create data directory: %w", err)
	}
	s.path = filepath.Join(dir, FileName)
	// The file holds personal data: only its owner may read it. SQLite
	// gives its -wal and -shm files the same mode.
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	_ = f.Close()

	if s.write, err = s.openDB(false, 1); err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.write.Close()
		return nil, err
	}
	if s.read, err = s.openDB(true, s.readers); err != nil {
		_ = s.write.Close()
		return nil, err
	}
	return s, nil
}

// openDB opens a pool of conns connections to the file, each set up with the
// store's pragmas; readOnly pools refuse writes.
func (s *Store) openDB(readOnly bool, conns int) (*sql.DB, error) {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(s.busyTimeout.Milliseconds()))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", string(s.synchronous))
	q.Add("_pragma", "foreign_keys(1)")
	// Deleted content is overwritten, not left in free pages (an erased
	// customer's words would otherwise stay in the file until the page is
	// reused).
	q.Add("_pragma", "secure_delete(1)")
	// 16 MiB of page cache for the writer, 8 MiB per reader: the hot pages
	// (index interiors, summaries of active customers) stay in memory.
	if readOnly {
		q.Set("_query_only", "1")
		q.Add("_pragma", "cache_size(-8192)")
	} else {
		// Writes take the write lock when they begin: no deadlock between
		// two transactions that both read, then want to write.
		q.Set("_txlock", "immediate")
		q.Add("_pragma", "cache_size(-16384)")
	}
	db, err := sql.Open("sqlite", "file:"+s.path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// Stats are the connection pools' statistics: the readers', and the
// writer's (one connection).
func (s *Store) Stats() (read, write sql.DBStats) { return s.read.Stats(), s.write.Stats() }

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Close closes the store's connections.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.readStmts.close()
		s.writeStmts.close()
		if s.read != nil {
			err = s.read.Close()
		}
		err = errors.Join(err, s.write.Close())
	})
	return err
}

// Ready reports whether the store answers.
func (s *Store) Ready(ctx context.Context) error {
	var one int
	if err := s.queryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return dbErr("ping", err)
	}
	return nil
}

// SupportsTTL is false: SQLite has no TTL index; the retention purge
// deletes expired interactions.
func (s *Store) SupportsTTL() bool { return false }

// txKey is the context key of the transaction Atomically runs.
type txKey struct{}

// txn is a write transaction and what to tell after it commits.
type txn struct {
	tx *sql.Tx
	// changed are the summaries written, for the change feed.
	changed map[repository.SummaryRef]bool
	// erased says that the transaction deletes personal data (an erasure, the
	// retention purge): once it commits, the write-ahead log is checkpointed
	// and truncated, so that no frame of it keeps the deleted content.
	erased bool
}

func txOf(ctx context.Context) *txn {
	t, _ := ctx.Value(txKey{}).(*txn)
	return t
}

// Atomically runs fn in one write transaction: every store method called
// with the context fn receives is part of it, and it commits when fn
// returns nil; an error from fn rolls everything back and is returned.
// Called inside a transaction, it runs fn in that one (so each store
// method checks what may refuse it before it writes anything: one that
// fails inside a caller's transaction leaves nothing behind). fn must use
// only the context it is given for store calls (another would wait for
// this transaction's connection).
//
// Concurrent calls share a transaction and its commit (see groupcommit.go):
// each call's writes still land together or not at all, a call that fails
// fails alone, and a call returns nil only once the commit that holds its
// writes returned. fn may run on another goroutine than its caller's
// (a panic in it is raised again in the caller's; and it must not wait for
// a lock that a caller of Atomically may hold while it calls it: the
// goroutine running it may be that caller's), and, when it shares the
// transaction, with a context that keeps the caller's values but not its
// cancellation; a caller cancelled before its fn starts gets ctx.Err().
func (s *Store) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	if txOf(ctx) != nil {
		return fn(ctx)
	}
	return s.atomically(ctx, fn)
}

// truncateLog copies the write-ahead log into the database file and
// empties it (PRAGMA wal_checkpoint(TRUNCATE)): the log holds every page a
// transaction wrote, the content an erasure deleted included, until it is
// checkpointed. It waits (busy timeout) for readers of older snapshots to
// finish, and tries a few times before it gives up.
func (s *Store) truncateLog(ctx context.Context) error {
	var busy, frames, done int
	for attempt := 0; ; attempt++ {
		end := s.observe(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
		err := s.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done)
		end(err)
		switch {
		case err != nil:
			return dbErr("checkpoint", err)
		case busy == 0:
			return nil
		case attempt == 4:
			return repository.Unavailable("checkpoint", fmt.Errorf("readers kept %d of %d frames of the log in use", frames-done, frames))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// inTx runs fn in ctx's transaction, or in a new one; fn gets the context
// that carries the transaction (use it, not the outer one, for every
// statement).
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, t *txn) error) error {
	return s.Atomically(ctx, func(ctx context.Context) error { return fn(ctx, txOf(ctx)) })
}

// observe reports a statement about to be sent to the hook and, within a
// traced call, starts its span; the function it returns ends the span.
func (s *Store) observe(ctx context.Context, query string) func(error) {
	if s.hook != nil {
		s.hook(ctx, query)
	}
	if s.tracer == nil || !trace.SpanContextFromContext(ctx).IsValid() {
		return func(error) {}
	}
	op, table := statementTarget(query)
	attrs := []attribute.KeyValue{
		attribute.String("db.system.name", "sqlite"),
		attribute.String("db.operation.name", op),
	}
	if table != "" {
		attrs = append(attrs, attribute.String("db.collection.name", table))
	}
	name := op
	if table != "" {
		name += " " + table
	}
	_, span := s.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return func(err error) {
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

// statementTarget reads the operation (SELECT, INSERT, ...) of a statement
// and the first table it names after FROM, INTO or UPDATE.
func statementTarget(query string) (op, table string) {
	words := strings.Fields(query)
	if len(words) == 0 {
		return "", ""
	}
	op = strings.ToUpper(words[0])
	for i, w := range words[:len(words)-1] {
		switch strings.ToUpper(w) {
		case "FROM", "INTO":
		case "UPDATE":
			if i != 0 {
				continue
			}
		default:
			continue
		}
		next := strings.Trim(words[i+1], "(),")
		if next != "" && !strings.HasPrefix(strings.ToUpper(next), "SELECT") {
			return op, next
		}
	}
	return op, ""
}

// queryRow runs a query that returns at most one row: in ctx's transaction
// when there is one, else on the read pool.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	end := s.observe(ctx, query)
	var row *sql.Row
	switch t := txOf(ctx); {
	case t != nil:
		if st := s.writeStmts.get(ctx, s.write, query); st != nil {
			row = t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
		} else {
			row = t.tx.QueryRowContext(ctx, query, args...)
		}
	default:
		if st := s.readStmts.get(ctx, s.read, query); st != nil {
			row = st.QueryRowContext(ctx, args...)
		} else {
			row = s.read.QueryRowContext(ctx, query, args...)
		}
	}
	end(row.Err())
	return row
}

// query runs a query: in ctx's transaction when there is one, else on the
// read pool.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	end := s.observe(ctx, query)
	var (
		rows *sql.Rows
		err  error
	)
	switch t := txOf(ctx); {
	case t != nil:
		if st := s.writeStmts.get(ctx, s.write, query); st != nil {
			rows, err = t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
		} else {
			rows, err = t.tx.QueryContext(ctx, query, args...)
		}
	default:
		if st := s.readStmts.get(ctx, s.read, query); st != nil {
			rows, err = st.QueryContext(ctx, args...)
		} else {
			rows, err = s.read.QueryContext(ctx, query, args...)
		}
	}
	end(err)
	return rows, err
}

// exec runs a statement in transaction t.
func (s *Store) exec(ctx context.Context, t *txn, query string, args ...any) (sql.Result, error) {
	end := s.observe(ctx, query)
	var (
		res sql.Result
		err error
	)
	if st := s.writeStmts.get(ctx, s.write, query); st != nil {
		res, err = t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	} else {
		res, err = t.tx.ExecContext(ctx, query, args...)
	}
	end(err)
	return res, err
}

// dbErr wraps a driver error with what failed. A busy database (another
// process held the write lock beyond the busy timeout) is
// repository.ErrUnavailable: the caller may retry.
func dbErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return repository.Unavailable(what, err)
		}
	}
	if errors.Is(err, sql.ErrConnDone) {
		return repository.Unavailable(what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ms is t as stored: Unix milliseconds; the zero time is NULL.
func ms(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// timeOf reads a time stored by ms.
func timeOf(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// padded returns values grown to the next power of two by repeating the
// last one, for an IN list: its statement then comes in a few shapes (and
// stays in the statement cache) whatever the number of values.
func padded(values []any) []any {
	n := 1
	for n < len(values) {
		n *= 2
	}
	for len(values) < n {
		values = append(values, values[len(values)-1])
	}
	return values
}

// revisionOf reads the revision behind an etag.
func revisionOf(etag string) int64 {
	n, _ := strconv.ParseInt(etag, 10, 64)
	return n
}

// placeholders returns "?, ?, ..." for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Backup writes a consistent copy of the store to path, which must not
// exist, while the store serves: SQLite's VACUUM INTO, reading one
// snapshot (writers go on; the copy holds what was committed when it
// began), into a compact file of its own.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("sqlite: backup: %s exists", path)
	}
	db, err := s.openDB(false, 1)
	if err != nil {
		return err
	}
	defer db.Close()
	s.observe(ctx, "VACUUM INTO")(nil)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return dbErr("backup", err)
	}
	return os.Chmod(path, 0o600)
}
