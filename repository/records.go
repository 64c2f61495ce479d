package repository

import (
	"cmp"
	"slices"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// CreateRequest is a validated, normalised customer to create.
type CreateRequest struct {
	// CustomerID is the ID to use when this is not a retry.
	CustomerID string
	// RequestID makes the call idempotent when non-empty.
	RequestID string
	// Fingerprint identifies the request's content; a RequestID reused with
	// another fingerprint is refused with ErrRequestReused.
	Fingerprint string
	Customer    *rapportv1.Customer
	// Prepare, when set, is called with the ID the customer is stored
	// under (known only once a retry has found the first attempt's) just
	// before it is stored, and may change what is stored (the encryption of
	// repository/sealed). It is not called for a retry that returns the
	// first result.
	Prepare func(customerID string, c *rapportv1.Customer) error
}

// CreateIssueRequest is a validated issue to create. The issue's status,
// open time and update time are kept when set (a back-fill of an issue's
// past); unset, the issue is OPEN, opened and updated now.
type CreateIssueRequest struct {
	CustomerID  string
	IssueID     string
	RequestID   string
	Fingerprint string
	Issue       *rapportv1.Issue
	// Replayed, when not nil, is set to whether the call found RequestID
	// recorded before and returned the first call's issue.
	Replayed *bool
}

// DeleteResult counts what DeleteCustomer removed.
type DeleteResult struct {
	Customers      int64
	Identities     int64
	RequestRecords int64
	Interactions   int64
	Issues         int64
	Summaries      int64
	// DataKeyDestroyed says that the customer's data key was destroyed
	// before their records were deleted (an encrypted store, see
	// repository/sealed): every copy of their data, backups included, is
	// unreadable from then on.
	DataKeyDestroyed bool
}

// NewInteraction is a validated interaction to record.
type NewInteraction struct {
	CustomerID    string
	InteractionID string
	// IssueID links the interaction to an issue of the same customer.
	IssueID string
	// Fingerprint identifies the request's content; a colliding ID with
	// another fingerprint is ErrRequestReused (for request-ID derived IDs).
	Fingerprint string
	// CheckFingerprint says whether a collision with another fingerprint is
	// an error (request IDs) or a replay of the same source record (source
	// IDs: the first copy wins).
	CheckFingerprint bool
	// Retention is how long after it occurred the interaction is kept: it
	// gets expire_at = occur_time + Retention. Zero keeps it forever.
	Retention   time.Duration
	Interaction *rapportv1.Interaction
}

// RecordResult is the outcome of recording one interaction.
type RecordResult struct {
	Interaction *rapportv1.Interaction
	// AlreadyRecorded: the interaction existed (a retry or replay).
	AlreadyRecorded bool
	// Survivor is whom the item's customer counts as, read in the write's
	// own unit: the customer merged into (as MergedInto), or the customer
	// itself. Empty when the store did not read it: ask MergedInto.
	Survivor string
	// Err is set when the item was refused: ErrRequestReused, or
	// *SourceConflictError, or a storage error.
	Err error
}

// InteractionFilter narrows ListInteractions; empty fields match everything.
type InteractionFilter struct {
	// AlsoCustomers lists the records of these customers too (the halves
	// merged into the customer listed), in the same order.
	AlsoCustomers []string
	Channels      []rapportv1.Channel
	// After and Before bound occur_time; the *Inclusive flags say whether
	// the bound itself matches.
	After, Before                   time.Time
	AfterInclusive, BeforeInclusive bool
	// Topics must all be among the interaction's topics.
	Topics  []string
	IssueID string
}

// IssueFilter narrows ListIssues. Empty fields match everything.
type IssueFilter struct {
	// AlsoCustomers lists the records of these customers too (see
	// InteractionFilter).
	AlsoCustomers             []string
	Statuses, NotStatuses     []rapportv1.IssueStatus
	Priorities, NotPriorities []rapportv1.Priority
	Topic                     string
}

// StampConsents sets the update time of each consent of a customer being
// saved: kept from prev (the stored customer's consents) when its status
// did not change, now otherwise.
func StampConsents(prev, next []*rapportv1.ChannelConsent, now time.Time) {
	for _, cs := range next {
		cs.UpdateTime = timestamppb.New(now)
		for _, p := range prev {
			if p.GetChannel() == cs.GetChannel() && p.GetStatus() == cs.GetStatus() {
				cs.UpdateTime = p.GetUpdateTime()
			}
		}
	}
}

// Stored records, exactly as an adapter holds them (names, revisions,
// times): what a migration carries from one store into another.

// StoredCustomer is a customer with its keys. Its identities are claimed
// with it.
type StoredCustomer struct {
	Tenant string
	// Customer has its name, etag (the revision), times and identities.
	Customer        *rapportv1.Customer
	CreateRequestID string
}

// StoredRequest is an idempotency record: what a request ID created.
type StoredRequest struct {
	Tenant, Method, RequestID string
	CustomerID, ResourceID    string
	Fingerprint               string
}

// StoredInteraction is an interaction with what only the store keeps.
type StoredInteraction struct {
	Tenant string
	// Interaction has its name, issue and create time.
	Interaction *rapportv1.Interaction
	Fingerprint string
	// ExpireAt is when the retention ends for it; zero keeps it forever.
	ExpireAt time.Time
}

// StoredIssue is an issue with its keys.
type StoredIssue struct {
	Tenant string
	// Issue has its name and etag (the revision).
	Issue           *rapportv1.Issue
	CreateRequestID string
}

// Record is one stored record of any kind: exactly one field is set.
type Record struct {
	Customer    *StoredCustomer
	Request     *StoredRequest
	Interaction *StoredInteraction
	Issue       *StoredIssue
	Summary     *Summary
	APIKey      *APIKey
	AuditEvent  *AuditEvent
	Merge       *StoredMerge
}

// StoredMerge is a merge of customers with its tenant.
type StoredMerge struct {
	Tenant string
	Merge  Merge
}

// SurveyAnswer is a validated survey answer to attach to an interaction
// recorded before (RecordSurvey).
type SurveyAnswer struct {
	CustomerID, InteractionID string
	// RequestID is the answer's idempotency key (required); a RequestID
	// reused with another Fingerprint is ErrRequestReused.
	RequestID, Fingerprint string
	// Survey has its answer time; the store sets its RequestID.
	Survey *rapportv1.SurveyAnswers
}

// SurveyResult is the outcome of RecordSurvey.
type SurveyResult struct {
	// Interaction is the interaction as stored after the call.
	Interaction *rapportv1.Interaction
	// AlreadyRecorded: the request ID was recorded before (a retry).
	AlreadyRecorded bool
	// Superseded: the interaction holds another answer, which wins over
	// this one (see SurveyWins).
	Superseded bool
}

// SurveyWins reports whether survey answer a takes the place of b, the
// answer an interaction holds (nil: none): the later answer time wins, and
// of two at the same time the greater request ID. The winner does not
// depend on the order answers arrive in, so that every adapter, and every
// retry, converges on the same one.
func SurveyWins(a, b *rapportv1.SurveyAnswers) bool {
	if b == nil {
		return true
	}
	ta, tb := Truncate(a.GetAnswerTime().AsTime()), Truncate(b.GetAnswerTime().AsTime())
	if b.GetAnswerTime() == nil {
		tb = time.Time{}
	}
	if c := ta.Compare(tb); c != 0 {
		return c > 0
	}
	return a.GetRequestId() > b.GetRequestId()
}

// StampNewIssue sets what the store gives a new issue: its create time,
// and unless a back-fill gave them, the OPEN status and now as open and
// update time.
func StampNewIssue(is *rapportv1.Issue, now time.Time) {
	ts := timestamppb.New(now)
	if is.GetStatus() == rapportv1.IssueStatus_ISSUE_STATUS_UNSPECIFIED {
		is.Status = rapportv1.IssueStatus_ISSUE_STATUS_OPEN
	}
	if is.GetOpenTime() == nil {
		is.OpenTime = ts
	}
	if is.GetUpdateTime() == nil {
		is.UpdateTime = ts
	}
	is.CreateTime = ts
}

// Merge says that customer Merged was merged into Survivor: Merged's name
// resolves to Survivor. Nothing of Merged's is moved.
type Merge struct {
	Survivor, Merged string
	// Rule is the rapportv1.MergeProfileRule of the merge.
	Rule      int32
	MergeTime time.Time
}

// CustomerFilter says which customers ListCustomers lists.
type CustomerFilter struct {
	// Merged lists the customers merged into another (MergeCustomers),
	// each with Customer.merged_into naming its survivor, instead of the
	// others: by default a merged customer is not listed as its own entry
	// (it is listed under its survivor, in merged_customers).
	Merged bool
}

// SortMerges orders merges by survivor, then as ListMerges does (oldest
// first, then by the merged customer's ID).
func SortMerges(ms []Merge) {
	slices.SortFunc(ms, func(a, b Merge) int {
		return cmp.Or(strings.Compare(a.Survivor, b.Survivor), a.MergeTime.Compare(b.MergeTime), strings.Compare(a.Merged, b.Merged))
	})
}

// MaxMerges bounds how many customers can be merged into one.
const MaxMerges = 100
