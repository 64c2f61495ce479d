// Package rpcerr holds the errors as clients see them: the ErrorDomain and
// reasons of the google.rpc.ErrorInfo every refusal carries, and the
// constructors of such statuses. The service and its subpackages (access,
// watch) build their statuses here, so that one list names every reason.
package rpcerr

import (
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
)

// ErrorDomain is the domain of every google.rpc.ErrorInfo the service sends.
const ErrorDomain = "rapport.v1"

// Reasons of google.rpc.ErrorInfo, one per distinct failure a client may
// want to handle.
const (
	ReasonInvalidField           = "INVALID_FIELD"
	ReasonMalformedMessage       = "MALFORMED_MESSAGE"
	ReasonCustomerNotFound       = "CUSTOMER_NOT_FOUND"
	ReasonIdentityNotFound       = "IDENTITY_NOT_FOUND"
	ReasonIssueNotFound          = "ISSUE_NOT_FOUND"
	ReasonInteractionNotFound    = "INTERACTION_NOT_FOUND"
	ReasonIssueAlreadyExists     = "ISSUE_ALREADY_EXISTS"
	ReasonSourceOfOtherCustomer  = "SOURCE_RECORD_OF_OTHER_CUSTOMER"
	ReasonIllegalStatusChange    = "ILLEGAL_STATUS_CHANGE"
	ReasonShuttingDown           = "SHUTTING_DOWN"
	ReasonCustomerAlreadyExists  = "CUSTOMER_ALREADY_EXISTS"
	ReasonIdentityAlreadyClaimed = "IDENTITY_ALREADY_CLAIMED"
	ReasonEtagMismatch           = "ETAG_MISMATCH"
	ReasonRequestIDReused        = "REQUEST_ID_REUSED"
	ReasonContention             = "CONTENTION"
	ReasonInternal               = "INTERNAL"
	ReasonUnavailable            = "DATABASE_UNAVAILABLE"
	ReasonUnauthenticated        = "UNAUTHENTICATED"
	ReasonMissingScope           = "MISSING_SCOPE"
	ReasonRateLimited            = "RATE_LIMITED"
	ReasonTooManyWatchStreams    = "TOO_MANY_WATCH_STREAMS"
	ReasonTooManyHeavyReads      = "TOO_MANY_HEAVY_READS"
	ReasonTenantQueueFull        = "TENANT_QUEUE_FULL"
	ReasonMergeConflict          = "MERGE_CONFLICT"
	ReasonMergeNotFound          = "MERGE_NOT_FOUND"
	// ReasonUndecryptable: a stored value does not decrypt with its
	// customer's key (damaged, or copied from another tenant or customer).
	ReasonUndecryptable = "UNDECRYPTABLE_RECORD"
)

// New builds a status with an ErrorInfo and any further details.
func New(code codes.Code, reason, msg string, metadata map[string]string, details ...protoadapt.MessageV1) error {
	st := status.New(code, msg)
	all := append([]protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain, Metadata: metadata}}, details...)
	withDetails, err := st.WithDetails(all...)
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

// NotFound reports a missing resource, naming it in the message and metadata.
func NotFound(reason, what, name string) error {
	return New(codes.NotFound, reason, what+" "+name+" not found",
		map[string]string{"resource": name},
		&errdetails.ResourceInfo{ResourceType: what, ResourceName: name})
}
