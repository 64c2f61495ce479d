// Package repositorytest holds the repository contract suite (Run), which
// every storage adapter passes, and the engines that give tests real
// stores: the embedded SQLite store, and the MongoDB adapter on a real
// server speaking the wire protocol (FerretDB v1 started in the test
// process, or the MongoDB at RAPPORT_TEST_MONGODB_URI). Never a fake.
//
// The service's tests run on Default(): SQLite unless RAPPORT_TEST_STORE
// says mongo (or RAPPORT_TEST_MONGODB_URI is set and RAPPORT_TEST_STORE is
// not).
package repositorytest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository"
	"go.opentelemetry.io/otel/trace"
)

// Store is the whole repository contract: everything the service and the
// commands need from storage, which every adapter implements.
type Store interface{ repository.Adapter }

// Options configure a store an engine makes.
type Options struct {
	// Now is the store's clock; nil is time.Now.
	Now func() time.Time
	// StatementHook, when set, is called with every round trip the store
	// makes to its database (a statement, a command), for tests that count
	// them.
	StatementHook func(ctx context.Context, what string)
	// Tracer, when set, records the store's database spans.
	Tracer trace.TracerProvider
	// MaxUpdateAttempts, when set, bounds the compare-and-swap attempts of
	// the MongoDB adapter's updates (mongo.WithMaxUpdateAttempts), so that
	// tests of contention see writers lose the race; the SQLite store,
	// which serialises writers, ignores it.
	MaxUpdateAttempts int
	// MaxGroup, when set, is the SQLite store's group size
	// (sqlite.WithMaxGroup: 1 commits each call alone); MongoDB ignores it.
	MaxGroup int
	// Plain, when set, returns the adapter itself, storing in clear, not
	// wrapped in repository/sealed's encryption (with TestKEK) as every
	// other store the engines make.
	Plain bool
	// KEK is the key file's text of the key-encryption key; empty is
	// TestKEK.
	KEK string
}

// Row is one stored record as the database holds it, for tests that look
// behind the contract (erasure scans): its table (named as the contract's
// records: customers, identities, requests, interactions, issues,
// summaries, audit_events, api_keys, and the adapter's own), its key, and
// every text and binary value in it (field names included).
type Row struct {
	Table, Key string
	Values     []string
}

// Engine makes stores of one adapter for tests, and looks behind the
// contract where a test must (what is physically stored, damage and
// crashes to simulate).
type Engine interface {
	// Name is "sqlite" or "mongo".
	Name() string
	// New returns a new, empty store of its own, closed when t ends.
	New(t testing.TB, o Options) Store
	// Reopen returns a second store on the same data as s (another process
	// or replica would see), closed when t ends.
	Reopen(t testing.TB, s Store, o Options) Store
	// Rows returns every record stored for s, in every table.
	Rows(t testing.TB, s Store) []Row
	// Count returns how many records of tenant a table holds; tables are
	// named as the contract's records: customers, identities, requests,
	// interactions, issues, summaries, audit_events, api_keys.
	Count(t testing.TB, s Store, table, tenant string) int
	// ExpireAt returns an interaction's stored expiry, if it has one.
	ExpireAt(t testing.TB, s Store, tenant, interactionID string) (time.Time, bool)
	// CorruptSummary overwrites a customer's stored summary with garbage.
	CorruptSummary(t testing.TB, s Store, tenant, customerID string)
	// DropSummaries deletes every stored summary behind the store's back,
	// as lost updates would.
	DropSummaries(t testing.TB, s Store)
	// DeleteExpired deletes the interactions whose expiry is before a time
	// behind the store's back, as MongoDB's TTL monitor does (or a purge
	// that died before it rebuilt the summaries).
	DeleteExpired(t testing.TB, s Store, before time.Time)

	// SummaryPointRead returns the database's own point read of a stored
	// summary, without the store's decoding: the floor that benchmarks
	// compare GetCustomerContext with.
	SummaryPointRead(t testing.TB, s Store) func(ctx context.Context, tenant, customerID string) error
	// InsertFloor returns the database's own insert of copies of n stored
	// interactions (the same rows, new keys), in one batch: the floor that
	// benchmarks compare an import with. On SQLite the copies go into the
	// interactions table itself, so the floor pays for the same table size
	// and indexes as the import (a new table would start small and cheap,
	// and grow dearer run after run); on MongoDB into a collection like it.
	InsertFloor(t testing.TB, s Store, n int) func(ctx context.Context) error
}

// EnvStore names the variable that picks the engine of the service's tests.
const EnvStore = "RAPPORT_TEST_STORE"

// Default is the engine the service's tests run on: SQLite, unless
// RAPPORT_TEST_STORE is "mongo" (or RAPPORT_TEST_MONGODB_URI is set and
// RAPPORT_TEST_STORE is not).
func Default() Engine {
	switch os.Getenv(EnvStore) {
	case "mongo":
		return Mongo()
	case "":
		if os.Getenv(EnvURI) != "" {
			return Mongo()
		}
	}
	return SQLite()
}

// Main runs a test binary's tests and then stops the database server the
// Mongo engine started, if any. Call it from TestMain:
// os.Exit(repositorytest.Main(m)).
//
// A binary started by MergeInAnotherProcess is a merge worker instead: it
// runs no test.
func Main(m *testing.M) int {
	if spec := os.Getenv(envMergeWorker); spec != "" {
		return mergeWorker(spec)
	}
	defer stopFerretDB()
	return m.Run()
}
