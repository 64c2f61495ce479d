package service

import (
	"context"
	"sync"

	"github.com/rapporthq/rapport/service/rpcerr"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
)

// malformedCodec is gRPC's protobuf codec, except that a message that does
// not unmarshal (invalid UTF-8 in a string, truncated or garbage bytes) is
// not an error to gRPC, which would answer INTERNAL for it before any
// interceptor runs (and INTERNAL means a bug here). The message is left
// empty and its error kept until the interceptors take it:
// malformedInterceptors answer such a call INVALID_ARGUMENT once the
// caller is authenticated, so an anonymous caller still gets
// UNAUTHENTICATED, as for any other call.
type malformedCodec struct {
	encoding.CodecV2
	mu     sync.Mutex
	failed map[any]error // message pointer: its unmarshal error
}

func newMalformedCodec() *malformedCodec {
	return &malformedCodec{CodecV2: encoding.GetCodecV2(protocodec.Name), failed: map[any]error{}}
}

func (c *malformedCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	m, isProto := v.(proto.Message)
	if err == nil || !isProto {
		return err
	}
	proto.Reset(m)
	c.mu.Lock()
	c.failed[v] = err
	c.mu.Unlock()
	return nil
}

// take returns and forgets the unmarshal error of message v, if it had one.
func (c *malformedCodec) take(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err, ok := c.failed[v]
	if ok {
		delete(c.failed, v)
	}
	return err
}

func malformedStatus(err error) error {
	return rpcerr.New(codes.InvalidArgument, rpcerr.ReasonMalformedMessage,
		truncate("the request is not a valid protobuf message: "+err.Error(), maxViolationText), nil)
}

type malformedKey struct{}

// interceptors returns the interceptors that report malformed requests:
// take, outermost, takes a unary request's error from the codec at once
// (so that nothing is left behind whatever refuses the call) into the
// context; check, placed after authentication, answers INVALID_ARGUMENT
// for it. A stream's messages are checked as the handler receives them,
// which is after authentication.
func (c *malformedCodec) interceptors() (take, check grpc.UnaryServerInterceptor, stream grpc.StreamServerInterceptor) {
	take = func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := c.take(req); err != nil {
			ctx = context.WithValue(ctx, malformedKey{}, err)
		}
		return handler(ctx, req)
	}
	check = func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err, ok := ctx.Value(malformedKey{}).(error); ok {
			return nil, malformedStatus(err)
		}
		return handler(ctx, req)
	}
	stream = func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &malformedStream{ServerStream: ss, codec: c})
	}
	return take, check, stream
}

type malformedStream struct {
	grpc.ServerStream
	codec *malformedCodec
}

func (s *malformedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if err := s.codec.take(m); err != nil {
		return malformedStatus(err)
	}
	return nil
}
