package service_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
)

// rawCodec sends a request's bytes as they are, so that a test can send
// what no protobuf library would write. It reads nothing back.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}
func (rawCodec) Unmarshal(mem.BufferSlice, any) error { return nil }
func (rawCodec) Name() string                         { return "proto" }

// Malformed requests (invalid UTF-8 in a string, truncated or garbage
// bytes) are INVALID_ARGUMENT with reason MALFORMED_MESSAGE: they were
// INTERNAL, which the README says is always a bug. An anonymous caller of
// a server that needs credentials gets UNAUTHENTICATED, as for any other
// call: credentials are checked first, and a caller without them learns
// nothing about how its bytes were read.
func TestMalformedRequestsAreInvalidArgument(t *testing.T) {
	invalidUTF8 := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte{'c', 0xff, 0xfe})
	truncated := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.BytesType), 10)
	truncated = append(truncated, "cust"...)
	garbage := []byte{0xff, 0xff, 0xff, 0xff, 0xff}

	var logs lockedBuffer
	is := newIssuer(t)
	store := newStore(t)
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	dev := startServer(t, store, service.Options{Logger: logger})
	authed := startServer(t, store, service.Options{Logger: logger, Auth: access.AuthConfig{JWT: is.verifier(t)}})
	token := is.tenantToken(t, "acme", "context.read history.write privacy")

	for _, tc := range []struct {
		name  string
		conn  *grpc.ClientConn
		ctx   context.Context
		bytes []byte
		want  codes.Code
	}{
		{"invalid UTF-8", dev.conn, t.Context(), invalidUTF8, codes.InvalidArgument},
		{"truncated", dev.conn, t.Context(), truncated, codes.InvalidArgument},
		{"garbage", dev.conn, t.Context(), garbage, codes.InvalidArgument},
		{"invalid UTF-8 with credentials", authed.conn, as(t.Context(), token), invalidUTF8, codes.InvalidArgument},
		{"invalid UTF-8, anonymous", authed.conn, t.Context(), invalidUTF8, codes.Unauthenticated},
		{"garbage, anonymous", authed.conn, t.Context(), garbage, codes.Unauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out []byte
			err := tc.conn.Invoke(tc.ctx, "/rapport.v1.CustomerService/GetCustomer", &tc.bytes, &out, grpc.ForceCodecV2(rawCodec{}))
			code, info, _ := statusDetails(t, err)
			if code != tc.want {
				t.Fatalf("code %v, want %v: %v", code, tc.want, err)
			}
			if tc.want == codes.InvalidArgument && info.GetReason() != "MALFORMED_MESSAGE" {
				t.Errorf("reason %q", info.GetReason())
			}
		})
	}

	// Streams: a malformed message of an import, and the request of a
	// watch, are refused the same way.
	streams := []struct {
		method string
		desc   grpc.StreamDesc
	}{
		{"/rapport.v1.InteractionService/ImportInteractions", grpc.StreamDesc{ClientStreams: true, ServerStreams: true}},
		{"/rapport.v1.ContextService/WatchCustomerContext", grpc.StreamDesc{ServerStreams: true}},
		{"/rapport.v1.CustomerService/ExportCustomer", grpc.StreamDesc{ServerStreams: true}},
	}
	for _, sc := range streams {
		t.Run(sc.method, func(t *testing.T) {
			for _, srv := range []*testServer{dev, authed} {
				s, err := srv.conn.NewStream(as(t.Context(), token), &sc.desc, sc.method, grpc.ForceCodecV2(rawCodec{}))
				if err != nil {
					t.Fatal(err)
				}
				if err := s.SendMsg(&garbage); err != nil {
					t.Fatal(err)
				}
				_ = s.CloseSend()
				var out []byte
				err = s.RecvMsg(&out)
				if code, info, _ := statusDetails(t, err); code != codes.InvalidArgument || info.GetReason() != "MALFORMED_MESSAGE" {
					t.Errorf("code %v, reason %q: %v", code, info.GetReason(), err)
				}
			}
		})
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("malformed requests logged at ERROR:\n%s", logs.String())
	}
}
