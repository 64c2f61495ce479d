package service

import (
	"context"
	"errors"
	"log/slog"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/sealed"
	"github.com/rapporthq/rapport/service/rpcerr"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

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
		return rpcerr.New(codes.AlreadyExists, rpcerr.ReasonIdentityAlreadyClaimed,
			"identity "+conflict.Identity+" belongs to "+owner,
			map[string]string{"identity": conflict.Identity, "owner": owner}), true
	case errors.Is(err, repository.ErrNotFound):
		return status.Error(codes.NotFound, "not found"), true
	case errors.Is(err, sealed.ErrUndecryptable):
		// Logged, as the store's damage it is; the client learns nothing
		// of what the value was.
		return rpcerr.New(codes.DataLoss, rpcerr.ReasonUndecryptable, "a stored record does not decrypt: it is damaged or not this customer's", nil), false
	case errors.Is(err, repository.ErrAlreadyExists):
		return rpcerr.New(codes.AlreadyExists, rpcerr.ReasonCustomerAlreadyExists, "the customer already exists", nil), true
	case errors.Is(err, repository.ErrEtagMismatch):
		return rpcerr.New(codes.Aborted, rpcerr.ReasonEtagMismatch, "the etag does not match: the resource changed; read it again", nil), true
	case errors.Is(err, repository.ErrRequestReused):
		return rpcerr.New(codes.FailedPrecondition, rpcerr.ReasonRequestIDReused, "request_id was already used for a different request", nil), true
	case errors.Is(err, repository.ErrContention):
		return rpcerr.New(codes.Aborted, rpcerr.ReasonContention, "too many concurrent changes; retry", nil), true
	case repository.IsUnavailable(err):
		// Also when the driver's own server-selection timeout expired (it
		// wraps context.DeadlineExceeded): the caller's deadline has not.
		return rpcerr.New(codes.Unavailable, rpcerr.ReasonUnavailable, "the database is unavailable; retry", nil), false
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded"), true
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "canceled"), true
	}
	return rpcerr.New(codes.Internal, rpcerr.ReasonInternal, "internal error", nil), false
}

// statusCode is the code of the status toStatus makes of err.
func statusCode(err error) codes.Code {
	st, _ := toStatus(err)
	return status.Code(st)
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
