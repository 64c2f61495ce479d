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

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"go.opentelemetry.io/otel/trace"
)

// Store is the whole repository contract: everything the service and the
// commands need from storage, which every adapter implements.
type Store interface {
	CreateCustomer(ctx context.Context, tenant string, req repository.CreateRequest) (*rapportv1.Customer, error)
	GetCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error)
	UpdateCustomer(ctx context.Context, tenant, customerID, etag string, mutate func(*rapportv1.Customer) error) (*rapportv1.Customer, error)
	DeleteCustomer(ctx context.Context, tenant, customerID, etag string) (repository.DeleteResult, error)
	ListCustomers(ctx context.Context, tenant, afterID string, limit int) ([]*rapportv1.Customer, bool, error)
	LookupIdentity(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (*rapportv1.Customer, *rapportv1.Identity, error)
	ResolveIdentity(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (string, error)

	RecordInteractions(ctx context.Context, tenant string, items []repository.NewInteraction) ([]repository.RecordResult, error)
	GetInteraction(ctx context.Context, tenant, customerID, interactionID string) (*rapportv1.Interaction, error)
	ListInteractions(ctx context.Context, tenant, customerID string, f repository.InteractionFilter, after *repository.Cursor, limit int) ([]*rapportv1.Interaction, bool, error)
	RecordSurvey(ctx context.Context, tenant string, a repository.SurveyAnswer) (repository.SurveyResult, error)

	CreateIssue(ctx context.Context, tenant string, req repository.CreateIssueRequest) (*rapportv1.Issue, error)
	GetIssue(ctx context.Context, tenant, customerID, issueID string) (*rapportv1.Issue, error)
	UpdateIssue(ctx context.Context, tenant, customerID, issueID, etag string, mutate func(*rapportv1.Issue) error) (*rapportv1.Issue, error)
	ListIssues(ctx context.Context, tenant, customerID string, f repository.IssueFilter, after *repository.Cursor, limit int) ([]*rapportv1.Issue, bool, error)

	MergeCustomers(ctx context.Context, tenant string, m repository.Merge) (repository.Merge, bool, error)
	UnmergeCustomers(ctx context.Context, tenant, survivor, merged string) error
	ListMerges(ctx context.Context, tenant, survivor string) ([]repository.Merge, error)
	MergedInto(ctx context.Context, tenant, customerID string) (string, error)

	GetSummary(ctx context.Context, tenant, customerID string) (*repository.Summary, error)
	UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*repository.Summary) error) (*repository.Summary, error)
	UpdateSummaries(ctx context.Context, tenant string, customerIDs []string, mutate func(*repository.Summary) error) error
	WatchSummaries(ctx context.Context, fn func(tenant, customerID string)) error

	CreateAPIKey(ctx context.Context, k repository.APIKey) error
	GetAPIKey(ctx context.Context, id string) (*repository.APIKey, error)
	ListAPIKeys(ctx context.Context, tenant string) ([]repository.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string, at time.Time) (*repository.APIKey, error)

	AppendAuditEvents(ctx context.Context, events []repository.AuditEvent) error
	ListAuditEvents(ctx context.Context, tenant string, f repository.AuditFilter, after *repository.Cursor, limit int) ([]repository.AuditEvent, bool, error)
	DeleteAuditEventsBefore(ctx context.Context, cutoff time.Time) (int64, error)

	DeleteInteractionsBefore(ctx context.Context, scope repository.TenantScope, cutoff time.Time) (int64, error)
	ReviseExpiry(ctx context.Context, scope repository.TenantScope, retention time.Duration, now time.Time, horizon time.Duration) (int64, error)
	SummariesContactedBefore(ctx context.Context, scope repository.TenantScope, cutoff time.Time, after repository.SummaryRef, limit int) ([]repository.SummaryRef, error)
	SupportsTTL() bool

	Atomically(ctx context.Context, fn func(ctx context.Context) error) error
	Ready(ctx context.Context) error
	Close() error
}

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
func Main(m *testing.M) int {
	defer stopFerretDB()
	return m.Run()
}
