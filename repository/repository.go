// Package repository is Rapport's storage contract: the types, names and
// errors that the service and every storage adapter share. The adapters
// live below it:
//
//   - repository/sqlite: the embedded store (the default), SQLite in the
//     process, in the data directory;
//   - repository/mongo: MongoDB (production), through the official driver;
//   - repository/repositorytest: the one contract suite that every adapter
//     passes, and the engines the service's tests run on.
//
// What every adapter promises (the suite checks each):
//   - every record belongs to one tenant, and every operation is scoped by
//     the tenant it is given (CheckTenant guards the entry points);
//   - creates with a request ID, and records with an interaction ID, are
//     idempotent: a retry returns the first result and stores nothing twice;
//   - an identity resolves to at most one customer of a tenant;
//   - updates are optimistic (a revision, shown as the etag) and lose no
//     concurrent change;
//   - DeleteCustomer leaves nothing of the customer but the audit trail's
//     resource names, even when writes race it;
//   - list pages are keyset pages, stable under concurrent inserts; a
//     page of customers is full (limit customers when that many follow)
//     however many merged customers it skips, and costs the same;
//   - merges never chain, even when they race from several processes (a
//     customer that is merged is never a survivor, and the reverse);
//   - Atomically groups the writes of one call: they land together (SQLite,
//     a transaction) or one by one in an order whose retry repairs a crash
//     in between (MongoDB, which has no transactions on the hot path);
//   - errors are the sentinels below (wrapped), so that the service maps
//     them to status codes in one place.
package repository

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// Sentinel errors. Callers test them with errors.Is; some come wrapped in a
// typed error with more detail (see IdentityConflictError).
var (
	// ErrNotFound: the record does not exist in the tenant.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a record with that key already exists.
	ErrAlreadyExists = errors.New("already exists")
	// ErrEtagMismatch: the caller's etag is not the stored one.
	ErrEtagMismatch = errors.New("etag mismatch")
	// ErrRequestReused: a request ID was used before for a different request.
	ErrRequestReused = errors.New("request id reused for a different request")
	// ErrContention: optimistic concurrency gave up after repeated conflicts.
	ErrContention = errors.New("too much contention, try again")
	// ErrUnavailable: the database could not be reached, or is busy beyond
	// its timeout (another process holds the embedded store's write lock):
	// the operation may be retried.
	ErrUnavailable = errors.New("database unavailable")
	// ErrMergeConflict: a merge that would chain merges or merge a customer
	// twice (see MergeCustomers).
	ErrMergeConflict = errors.New("customers cannot be merged so")
	// ErrChangeStreamsUnsupported: the database cannot push changes (the
	// embedded store in another process, a MongoDB that is not a replica
	// set): watchers poll.
	ErrChangeStreamsUnsupported = errors.New("change streams are not supported by this database")
)

// IsUnavailable reports whether err means the database could not be
// reached (as opposed to a refusal of the operation, or the caller's own
// deadline): the caller may retry.
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// Unavailable wraps err, a database failure that a retry may get past, so
// that IsUnavailable recognises it; what says what failed.
func Unavailable(what string, err error) error {
	return fmt.Errorf("%s: %w: %w", what, ErrUnavailable, err)
}

// IdentityConflictError says that an identity belongs to another customer.
// It wraps ErrAlreadyExists.
type IdentityConflictError struct {
	// Identity is the identity key, e.g. "email:ada@example.com".
	Identity string
	// Owner is the ID of the customer who owns it.
	Owner string
}

func (e *IdentityConflictError) Error() string {
	return fmt.Sprintf("identity %q belongs to customer %q", e.Identity, e.Owner)
}

func (e *IdentityConflictError) Unwrap() error { return ErrAlreadyExists }

// SourceConflictError says that an interaction ID (from a source record or
// request ID) is already used by another customer's interaction. It wraps
// ErrAlreadyExists.
type SourceConflictError struct{ InteractionID string }

func (e *SourceConflictError) Error() string {
	return fmt.Sprintf("interaction %q is recorded for another customer", e.InteractionID)
}

func (e *SourceConflictError) Unwrap() error { return ErrAlreadyExists }

// CheckTenant guards every entry point of an adapter: a tenant must be
// non-empty and must not contain '/', which separates it from the key in
// MongoDB _ids.
func CheckTenant(tenant string) error {
	if tenant == "" || strings.Contains(tenant, "/") {
		return fmt.Errorf("invalid tenant %q", tenant)
	}
	return nil
}

// Truncate returns t rounded down to what every adapter keeps
// (milliseconds), in UTC, so that values returned on write equal values
// read back later.
func Truncate(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }

// Etag is the etag of a record at a revision.
func Etag(revision int64) string { return strconv.FormatInt(revision, 10) }

// CustomerKey names a customer of any tenant: the walk of a migration that
// must see every customer (rapport encrypt).
type CustomerKey struct{ Tenant, CustomerID string }

// Cursor is the position after the last item of a page of a list ordered
// newest first: the item's time, and its ID to order items of equal time.
type Cursor struct {
	Time time.Time
	ID   string
}

// Adapter is the whole repository contract: everything the service and
// the commands need from storage, which every adapter implements (and
// repository/sealed wraps).
type Adapter interface {
	CreateCustomer(ctx context.Context, tenant string, req CreateRequest) (*rapportv1.Customer, error)
	GetCustomer(ctx context.Context, tenant, customerID string) (*rapportv1.Customer, error)
	UpdateCustomer(ctx context.Context, tenant, customerID, etag string, mutate func(*rapportv1.Customer) error) (*rapportv1.Customer, error)
	DeleteCustomer(ctx context.Context, tenant, customerID, etag string) (DeleteResult, error)
	ListCustomers(ctx context.Context, tenant string, f CustomerFilter, afterID string, limit int) ([]*rapportv1.Customer, bool, error)
	LookupIdentity(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (*rapportv1.Customer, *rapportv1.Identity, error)
	ResolveIdentity(ctx context.Context, tenant string, t rapportv1.IdentityType, value string) (string, error)

	RecordInteractions(ctx context.Context, tenant string, items []NewInteraction) ([]RecordResult, error)
	GetInteraction(ctx context.Context, tenant, customerID, interactionID string) (*rapportv1.Interaction, error)
	ListInteractions(ctx context.Context, tenant, customerID string, f InteractionFilter, after *Cursor, limit int) ([]*rapportv1.Interaction, bool, error)
	RecordSurvey(ctx context.Context, tenant string, a SurveyAnswer) (SurveyResult, error)

	CreateIssue(ctx context.Context, tenant string, req CreateIssueRequest) (*rapportv1.Issue, error)
	GetIssue(ctx context.Context, tenant, customerID, issueID string) (*rapportv1.Issue, error)
	UpdateIssue(ctx context.Context, tenant, customerID, issueID, etag string, mutate func(*rapportv1.Issue) error) (*rapportv1.Issue, error)
	ListIssues(ctx context.Context, tenant, customerID string, f IssueFilter, after *Cursor, limit int) ([]*rapportv1.Issue, bool, error)

	MergeCustomers(ctx context.Context, tenant string, m Merge) (Merge, bool, error)
	UnmergeCustomers(ctx context.Context, tenant, survivor, merged string) error
	ListMerges(ctx context.Context, tenant, survivor string) ([]Merge, error)
	ListMergesInto(ctx context.Context, tenant string, survivors []string) ([]Merge, error)
	MergedInto(ctx context.Context, tenant, customerID string) (string, error)

	GetSummary(ctx context.Context, tenant, customerID string) (*Summary, error)
	UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*Summary) error) (*Summary, error)
	UpdateSummaries(ctx context.Context, tenant string, customerIDs []string, mutate func(*Summary) error) error
	WatchSummaries(ctx context.Context, fn func(tenant, customerID string)) error

	WriteFollowUps(ctx context.Context, tenant string, put []FollowUpRow, remove []FollowUpKey) error
	ListFollowUps(ctx context.Context, tenant string, f FollowUpFilter, after *FollowUpCursor, limit int) ([]FollowUpRow, bool, error)

	CreateAPIKey(ctx context.Context, k APIKey) error
	GetAPIKey(ctx context.Context, id string) (*APIKey, error)
	ListAPIKeys(ctx context.Context, tenant string) ([]APIKey, error)
	RevokeAPIKey(ctx context.Context, id string, at time.Time) (*APIKey, error)

	AppendAuditEvents(ctx context.Context, events []AuditEvent) error
	ListAuditEvents(ctx context.Context, tenant string, f AuditFilter, after *Cursor, limit int) ([]AuditEvent, bool, error)
	DeleteAuditEventsBefore(ctx context.Context, cutoff time.Time) (int64, error)

	DeleteInteractionsBefore(ctx context.Context, scope TenantScope, cutoff time.Time) (int64, error)
	ReviseExpiry(ctx context.Context, scope TenantScope, retention time.Duration, now time.Time, horizon time.Duration) (int64, error)
	SummariesContactedBefore(ctx context.Context, scope TenantScope, cutoff time.Time, after SummaryRef, limit int) ([]SummaryRef, error)
	SupportsTTL() bool

	// AddInsights adds to the tenant's insight rollups (service/insights),
	// in ctx's Atomically unit; ReadInsights reads them; ClearInsights
	// deletes them (a rebuild).
	AddInsights(ctx context.Context, tenant string, rows []InsightRow) error
	ReadInsights(ctx context.Context, tenant string, q InsightQuery) ([]InsightRow, error)
	ClearInsights(ctx context.Context, tenant string) error
	// MarkContacted, ListContacted and ReplaceContacted keep the contact
	// marks, beside the rollups, for the distinct count of customers
	// contacted: a mark says that a person (a survivor with the customers
	// merged into it, under the survivor's ID) is counted in the
	// "customers" counter of a period and group (an InsightKey; Counter is
	// not part of a mark). A write that records contacts marks their keys
	// in its Atomically unit and counts the customer once in each key it
	// marked first (MarkContacted returns those: the store's unique key
	// decides, however many writers race); ReplaceContacted sets a
	// person's marks (merges, unmerges, rebuilds; none deletes them).
	// Unlike the rollups, marks hold a customer ID: an erasure deletes the
	// customer's, the retention purge (DeleteInteractionsBefore) those of
	// periods that ended before its cutoff (ContactMarksBefore), and
	// ClearInsights the tenant's.
	MarkContacted(ctx context.Context, tenant, customerID string, keys []InsightKey) ([]InsightKey, error)
	ListContacted(ctx context.Context, tenant, customerID string) ([]InsightKey, error)
	ReplaceContacted(ctx context.Context, tenant, customerID string, keys []InsightKey) error

	Atomically(ctx context.Context, fn func(ctx context.Context) error) error
	Ready(ctx context.Context) error
	Close() error
}
