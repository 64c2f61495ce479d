package service

import (
	"context"
	"errors"
	"log/slog"

	"github.com/rapporthq/rapport/repository"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
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
)

// newStatus builds a status with an ErrorInfo and any further details.
func newStatus(code codes.Code, reason, msg string, metadata map[string]string, details ...protoadapt.MessageV1) error {
	st := status.New(code, msg)
	all := append([]protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain, Metadata: metadata}}, details...)
	withDetails, err := st.WithDetails(all...)
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

// notFound reports a missing resource, naming it in the message and metadata.
func notFound(reason, what, name string) error {
	return newStatus(codes.NotFound, reason, what+" "+name+" not found",
		map[string]string{"resource": name},
		&errdetails.ResourceInfo{ResourceType: what, ResourceName: name})
}

// toStatus turns an error from a handler into the status the client sees:
// statuses pass through, the repository's sentinel errors become their
// codes, and anything else is INTERNAL with no internal text; ok is false
// for the latter, which the caller logs.
func toStatus(err error) (st error, ok bool) {
	if _, isStatus := status.FromError(err); isStatus {
		return err, true
	}
	var conflict *repository.IdentityConflictError
	switch {
	case errors.As(err, &conflict):
		owner := repository.CustomerName(conflict.Owner)
		return newStatus(codes.AlreadyExists, ReasonIdentityAlreadyClaimed,
			"identity "+conflict.Identity+" belongs to "+owner,
			map[string]string{"identity": conflict.Identity, "owner": owner}), true
	case errors.Is(err, repository.ErrNotFound):
		return status.Error(codes.NotFound, "not found"), true
	case errors.Is(err, repository.ErrAlreadyExists):
		return newStatus(codes.AlreadyExists, ReasonCustomerAlreadyExists, "the customer already exists", nil), true
	case errors.Is(err, repository.ErrEtagMismatch):
		return newStatus(codes.Aborted, ReasonEtagMismatch, "the etag does not match: the resource changed; read it again", nil), true
	case errors.Is(err, repository.ErrRequestReused):
		return newStatus(codes.FailedPrecondition, ReasonRequestIDReused, "request_id was already used for a different request", nil), true
	case errors.Is(err, repository.ErrContention):
		return newStatus(codes.Aborted, ReasonContention, "too many concurrent changes; retry", nil), true
	case repository.IsUnavailable(err):
		// Also when the driver's own server-selection timeout expired (it
		// wraps context.DeadlineExceeded): the caller's deadline has not.
		return newStatus(codes.Unavailable, ReasonUnavailable, "the database is unavailable; retry", nil), false
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded"), true
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "canceled"), true
	}
	return newStatus(codes.Internal, ReasonInternal, "internal error", nil), false
}

// clientStatus is toStatus for a handler's error as the client will see it:
// when the caller's deadline passed or it went away, that is what it says,
// whatever the store made of it.
func clientStatus(ctx context.Context, err error) (st error, ok bool) {
	if _, isStatus := status.FromError(err); !isStatus && ctx.Err() != nil {
		return status.FromContextError(ctx.Err()).Err(), true
	}
	return toStatus(err)
}

// errorInterceptor maps handler errors to statuses in one place and logs the
// ones whose text the client does not see, once.
func errorInterceptor(logger *slog.Logger) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	mapErr := func(ctx context.Context, method string, err error) error {
		if err == nil {
			return nil
		}
		st, ok := clientStatus(ctx, err)
		if !ok {
			logger.ErrorContext(ctx, "request failed", "method", method, "error", err)
		}
		return st
	}
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		return resp, mapErr(ctx, info.FullMethod, err)
	}
	stream := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return mapErr(ss.Context(), info.FullMethod, handler(srv, ss))
	}
	return unary, stream
}
