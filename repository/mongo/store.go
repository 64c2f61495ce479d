// Package mongo is the MongoDB adapter of the repository contract (see
// package repository), on the official Go driver: the production store.
// Its tests run the contract suite against FerretDB v1 (a MongoDB
// wire-protocol stand-in, started by the tests) or against the MongoDB at
// RAPPORT_TEST_MONGODB_URI.
//
// Storage rules, chosen so the same code is correct on a MongoDB replica set
// (and on the FerretDB stand-in):
//   - every document has a string _id that starts with "{tenant}/", and a
//     tenant field; every query is scoped by both;
//   - hot reads are point reads by _id;
//   - no transactions, change streams or $lookup, and TTL indexes only where
//     the server has them (see SupportsTTL; the retention purge does the same
//     work everywhere): multi-document changes are ordered so that a crash
//     between two steps leaves a state that the next retry, or the next
//     reader, repairs;
//   - driver errors become the repository's sentinel errors at this edge
//     (dbErr marks those a retry may get past as repository.ErrUnavailable);
//   - one write per call, acknowledged under write concern majority: the
//     embedded store's group commit (several calls sharing one commit) has
//     its equivalent in the server, whose journal already commits the
//     writes of concurrent clients together, so throughput grows with
//     concurrency without the adapter gathering calls into shared bulk
//     writes (which would not be atomic either, and would let one call's
//     failure or slow write delay or fail the others').
package mongo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapporthq/rapport/repository"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// Collection names.
const (
	customersCollection  = "customers"
	identitiesCollection = "identities"
	requestsCollection   = "requests"
)

// Store is the MongoDB-backed repository. It is safe for concurrent use by
// many goroutines and by many processes sharing one database.
type Store struct {
	db           *mongo.Database
	customers    *mongo.Collection
	identities   *mongo.Collection
	requests     *mongo.Collection
	now          func() time.Time
	locks        *keyLocks
	indexesMu    sync.Mutex
	indexesReady bool
	// indexed says that EnsureIndexes has run in this process: ListCustomers
	// names its index only then (a hint of an index not yet built fails).
	indexed atomic.Bool
	// useTTL says whether TTL indexes may be used where the server has them
	// (WithTTL); supportsTTL is what EnsureIndexes found.
	useTTL      bool
	supportsTTL atomic.Bool
	// claimGrace is how long an identity claim whose owner does not list the
	// identity is still honoured (the owner may be between its two writes).
	claimGrace time.Duration
	// maxAttempts bounds optimistic updates' attempts.
	maxAttempts int
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock used for timestamps (tests).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithClaimGrace sets how long an unconfirmed identity claim is honoured.
func WithClaimGrace(d time.Duration) Option { return func(s *Store) { s.claimGrace = d } }

// WithTTL says whether to create the TTL index that deletes expired
// interactions where the server supports TTL indexes (the default, true);
// false leaves expiry to the retention purge alone, on any server.
func WithTTL(use bool) Option { return func(s *Store) { s.useTTL = use } }

// WithMaxUpdateAttempts bounds the compare-and-swap attempts of an update
// (default 16), after which a summary update marks the summary stale and
// other updates give up with repository.ErrContention (tests).
func WithMaxUpdateAttempts(n int) Option { return func(s *Store) { s.maxAttempts = n } }

// WithLocksOf makes the store share other's in-process locks of
// conditional writes (see keyLocks): only needed on FerretDB v1, whose
// conditional updates are not atomic, when two stores of one process
// write the same database (the tests' second "replica").
func WithLocksOf(other *Store) Option { return func(s *Store) { s.locks = other.locks } }

// New returns a Store on db. Call EnsureIndexes before serving.
func New(db *mongo.Database, opts ...Option) *Store {
	s := &Store{
		db:          db,
		customers:   db.Collection(customersCollection),
		identities:  db.Collection(identitiesCollection),
		requests:    db.Collection(requestsCollection),
		now:         time.Now,
		claimGrace:  time.Minute,
		useTTL:      true,
		maxAttempts: maxUpdateAttempts,
	}
	for _, o := range opts {
		o(s)
	}
	if s.locks == nil {
		s.locks = newKeyLocks()
	}
	return s
}

// Atomically runs fn, whose writes land one by one, in order: this adapter
// uses no multi-document transactions (see the package rules). Every write
// path is ordered so that a retry of the whole call repairs a crash between
// two of its steps, and readers tolerate the states in between.
func (s *Store) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}

// Close does nothing: the client's owner disconnects it.
func (s *Store) Close() error { return nil }

// ServerSelectionTimeout is how long an operation waits for a usable
// database server before failing with an error repository.IsUnavailable recognises.
const ServerSelectionTimeout = 2 * time.Second

// Connect opens a client for uri with the options Rapport relies on:
// majority writes, primary reads, bounded server selection. It does not wait
// for the server: use Store.Ping. The monitors may be nil.
func Connect(uri, appName string, pool *event.PoolMonitor, commands *event.CommandMonitor) (*mongo.Client, error) {
	opts := options.Client().
		ApplyURI(uri).
		SetAppName(appName).
		SetWriteConcern(writeconcern.Majority()).
		SetReadPreference(readpref.Primary()).
		// Fail fast when the database is away: a call gets UNAVAILABLE
		// (retryable) within ServerSelectionTimeout rather than hanging to
		// its deadline. A primary election takes longer: callers retry.
		SetServerSelectionTimeout(ServerSelectionTimeout).
		SetConnectTimeout(ServerSelectionTimeout).
		SetHeartbeatInterval(2 * time.Second).
		SetRetryWrites(true).
		SetRetryReads(true)
	if pool != nil {
		opts.SetPoolMonitor(pool)
	}
	if commands != nil {
		opts.SetMonitor(commands)
	}
	c, err := mongo.Connect(opts)
	if err != nil {
		return nil, dbErr("connect to mongodb", err)
	}
	return c, nil
}

// MaxPoolSize is the size of the connection pool a client of uri gets: its
// maxPoolSize, or the driver's default of 100.
func MaxPoolSize(uri string) uint64 {
	if o := options.Client().ApplyURI(uri); o.MaxPoolSize != nil {
		return *o.MaxPoolSize
	}
	return 100
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.Client().Ping(ctx, readpref.Primary()); err != nil {
		return dbErr("ping", err)
	}
	return nil
}

// Ready reports whether the database answers and the indexes exist,
// creating them on the first call that reaches the database.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return err
	}
	s.indexesMu.Lock()
	defer s.indexesMu.Unlock()
	if !s.indexesReady {
		if err := s.EnsureIndexes(ctx); err != nil {
			return err
		}
		s.indexesReady = true
	}
	return nil
}

// EnsureIndexes creates the secondary indexes. It is idempotent and safe to
// run from every replica at start. Every point read uses _id, which needs no
// index; these serve the erasure sweeps, per-tenant scans and the retention
// purge. Where the server supports TTL indexes (see SupportsTTL) it also
// creates the one that deletes interactions at their expire_at.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	byOwner := mongo.IndexModel{
		Keys:    bson.D{{Key: "tenant", Value: 1}, {Key: "customer_id", Value: 1}},
		Options: options.Index().SetName("tenant_customer"),
	}
	indexes := map[string][]mongo.IndexModel{
		// ListCustomers: the customers not merged (merged missing), or
		// the merged ones, in _id order.
		customersCollection: {{
			Keys:    bson.D{{Key: "merged", Value: 1}, {Key: "_id", Value: 1}},
			Options: options.Index().SetName(customersListedIndex),
		}},
		identitiesCollection: {byOwner},
		requestsCollection:   {byOwner},
		interactionsCollection: {
			// History newest first, and its paging cursor.
			{
				Keys:    bson.D{{Key: "tenant", Value: 1}, {Key: "customer_id", Value: 1}, {Key: "occur_time", Value: -1}, {Key: "interaction_id", Value: -1}},
				Options: options.Index().SetName("tenant_customer_occur"),
			},
			// The retention purge: a tenant's interactions older than a cutoff.
			{
				Keys:    bson.D{{Key: "tenant", Value: 1}, {Key: "occur_time", Value: 1}},
				Options: options.Index().SetName("tenant_occur"),
			},
		},
		issuesCollection: {{
			Keys:    bson.D{{Key: "tenant", Value: 1}, {Key: "customer_id", Value: 1}, {Key: "open_time", Value: -1}, {Key: "issue_id", Value: -1}},
			Options: options.Index().SetName("tenant_customer_open"),
		}},
		auditCollection: {
			{Keys: bson.D{{Key: "tenant", Value: 1}, {Key: "time", Value: -1}, {Key: "audit_id", Value: -1}}, Options: options.Index().SetName("tenant_time")},
			{Keys: bson.D{{Key: "tenant", Value: 1}, {Key: "customers", Value: 1}, {Key: "time", Value: -1}}, Options: options.Index().SetName("tenant_customers_time")},
			// The audit retention purge, across tenants.
			{Keys: bson.D{{Key: "time", Value: 1}}, Options: options.Index().SetName("time")},
		},
		apiKeysCollection: {{
			Keys:    bson.D{{Key: "tenant", Value: 1}, {Key: "create_time", Value: 1}},
			Options: options.Index().SetName("tenant_create"),
		}},
		// The retention purge: summaries that count an interaction older
		// than a cutoff.
		summariesCollection: {{
			Keys:    bson.D{{Key: "tenant", Value: 1}, {Key: "first_contact", Value: 1}},
			Options: options.Index().SetName("tenant_first_contact"),
		}},
		// The merges into a survivor (ListMerges, read by every profile
		// read and list); the erasure's sweep of a merged customer's.
		mergesCollection: {{
			Keys:    bson.D{{Key: "tenant", Value: 1}, {Key: "survivor_id", Value: 1}, {Key: "merge_time", Value: 1}},
			Options: options.Index().SetName("tenant_survivor_time"),
		}, byOwner},
		followUpsCollection: {followUpIndex, byOwner},
		// A person's contact marks (merges, erasure); the retention purge's
		// of periods before a cutoff.
		contactedCollection: {byOwner, {
			Keys:    bson.D{{Key: "day", Value: 1}},
			Options: options.Index().SetName("day"),
		}},
	}
	// One index per createIndexes: FerretDB v1 panics (and drops the
	// connection) when one createIndexes names two or more indexes that
	// already exist, as every start after the first does.
	for coll, models := range indexes {
		// One at a time: FerretDB v1 panics when createIndexes names
		// several indexes of which some exist already.
		for _, m := range models {
			if _, err := s.db.Collection(coll).Indexes().CreateOne(ctx, m); err != nil {
				return dbErr("create indexes on "+coll, err)
			}
		}
	}
	ttl := false
	if s.useTTL {
		var err error
		if ttl, err = s.serverHasTTL(ctx); err != nil {
			return err
		}
	}
	if ttl {
		_, err := s.db.Collection(interactionsCollection).Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys: bson.D{{Key: "expire_at", Value: 1}},
			// Sparse: interactions kept forever have no expire_at.
			Options: options.Index().SetName(ttlIndexName).SetExpireAfterSeconds(0).SetSparse(true),
		})
		var ce mongo.CommandError
		switch {
		case errors.As(err, &ce) && slices.Contains(ttlRefusedCodes, ce.Code):
			// A server that claims MongoDB compatibility but refuses the
			// option: the purge does the work.
			ttl = false
		case err != nil:
			return dbErr("create the TTL index on "+interactionsCollection, err)
		}
	}
	s.supportsTTL.Store(ttl)
	s.indexed.Store(true)
	return nil
}

// customersListedIndex is the index {merged, _id} of customers that
// ListCustomers seeks.
const customersListedIndex = "merged_id"

// ttlIndexName is the TTL index on interactions' expire_at.
const ttlIndexName = "expire_at_ttl"

// ttlRefusedCodes are the server error codes by which createIndexes says it
// does not know expireAfterSeconds: NotImplemented (FerretDB v1),
// CommandNotSupported, InvalidIndexSpecificationOption.
var ttlRefusedCodes = []int32{238, 115, 197}

// SupportsTTL reports whether the server deletes expired interactions
// itself, through the TTL index EnsureIndexes created: MongoDB, and
// FerretDB from v2 (v1 refuses TTL indexes). It is false until
// EnsureIndexes (or Ready) has run, and with WithTTL(false).
func (s *Store) SupportsTTL() bool { return s.supportsTTL.Load() }

// serverHasTTL tells TTL-capable servers apart by their buildInfo. FerretDB
// adds a ferretdbVersion field to it: TTL indexes came in its v2, and v1,
// when embedded as a library (as here), reports "unknown"; anything that
// does not parse as v2 or later is taken as without TTL, which is the safe
// side (the purge still runs). A server without that field is MongoDB.
func (s *Store) serverHasTTL(ctx context.Context) (bool, error) {
	info, err := s.db.Client().Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		return false, dbErr("buildInfo", err)
	}
	if v, ok := info.Lookup("ferretdbVersion").StringValueOK(); ok {
		return ferretDBMajor(v) >= 2, nil
	}
	return true, nil
}

// ferretDBMajor reads the major version of a FerretDB version such as
// "v1.24.2" or "2.1.0"; 0 when it does not parse.
func ferretDBMajor(v string) int {
	major, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0
	}
	return n
}

// docID is the _id of a document of tenant with key: "{tenant}/{key}".
func docID(tenant, key string) string { return tenant + "/" + key }

// tenantRange returns the bounds of every _id of tenant: [tenant/, tenant0).
// '0' is the byte after '/', and tenants never contain '/'.
func tenantRange(tenant string) (string, string) { return tenant + "/", tenant + "0" }

// isUnavailable reports whether a driver error means the database could
// not be reached (a network error, or no server selectable within
// ServerSelectionTimeout), as opposed to a refusal of the operation.
func isUnavailable(err error) bool {
	var sel topology.ServerSelectionError
	return mongo.IsNetworkError(err) || errors.As(err, &sel)
}

// dbErr wraps a driver error with what failed; an error that a retry may get
// past becomes repository.ErrUnavailable.
func dbErr(what string, err error) error {
	if isUnavailable(err) {
		return repository.Unavailable(what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// newestFirst lists one customer's documents of coll that match every
// condition in conds, newest first by timeField then idField, after the
// cursor if given; it returns up to limit of them converted by conv, and
// whether more follow.
func newestFirst[D, P any](ctx context.Context, coll *mongo.Collection, tenant, customerID string, also []string, conds bson.A,
	timeField, idField string, after *repository.Cursor, limit int, conv func(*D) P) ([]P, bool, error) {
	filter := bson.D{{Key: "tenant", Value: tenant}, {Key: "customer_id", Value: customerID}}
	if len(also) > 0 {
		// The customer and the halves merged into it.
		filter[1].Value = bson.D{{Key: "$in", Value: append([]string{customerID}, also...)}}
	}
	if after != nil {
		conds = append(conds, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: timeField, Value: bson.D{{Key: "$lt", Value: after.Time}}}},
			bson.D{{Key: timeField, Value: after.Time}, {Key: idField, Value: bson.D{{Key: "$lt", Value: after.ID}}}},
		}}})
	}
	if len(conds) > 0 {
		filter = append(filter, bson.E{Key: "$and", Value: conds})
	}
	return findPage(ctx, coll, filter, bson.D{{Key: timeField, Value: -1}, {Key: idField, Value: -1}}, limit, conv)
}

// findPage runs a find with sort and returns up to limit documents
// converted by conv, and whether more follow.
func findPage[D, P any](ctx context.Context, coll *mongo.Collection, filter, sort bson.D, limit int, conv func(*D) P, hint ...string) ([]P, bool, error) {
	// One batch of the page (and the one more that says whether more
	// follow): the server holds no cursor for the rest of the history.
	opts := options.Find().SetSort(sort).SetLimit(int64(limit) + 1).SetBatchSize(int32(min(limit+1, math.MaxInt32)))
	if len(hint) > 0 {
		opts.SetHint(hint[0]) // the index, by name, that the page must seek
	}
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, false, dbErr("list "+coll.Name(), err)
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, false, dbErr("list "+coll.Name(), err)
	}
	more := len(docs) > limit
	if more {
		docs = docs[:limit]
	}
	out := make([]P, len(docs))
	for i := range docs {
		out[i] = conv(&docs[i])
	}
	return out, more, nil
}
