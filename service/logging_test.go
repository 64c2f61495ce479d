package service_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"strings"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
)

// Every call is logged when it ends, but health checks and reflection only
// at DEBUG: at INFO, the log has the API's calls alone.
func TestHealthAndReflectionAreLoggedAtDebug(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		level slog.Level
		want  map[string]string // service: level of its "finished call" line; absent: none
	}{
		{slog.LevelInfo, map[string]string{"rapport.v1.CustomerService": "INFO"}},
		{slog.LevelDebug, map[string]string{
			"rapport.v1.CustomerService":          "INFO",
			"grpc.health.v1.Health":               "DEBUG",
			"grpc.reflection.v1.ServerReflection": "DEBUG",
		}},
	} {
		t.Run(tc.level.String(), func(t *testing.T) {
			t.Parallel()
			var logs lockedBuffer
			srv := service.NewServer(&failingStore{err: repository.ErrNotFound}, service.Options{
				Logger:     slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: tc.level})),
				Reflection: true,
			})
			conn := serveInMemory(t, srv)
			if _, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
				t.Fatal(err)
			}
			listServices(t, conn)
			_, err := rapportv1.NewCustomerServiceClient(conn).GetCustomer(t.Context(), &rapportv1.GetCustomerRequest{Name: "customers/ada"})
			if status.Code(err) != codes.NotFound {
				t.Fatalf("GetCustomer: %v", err)
			}

			got := map[string]string{}
			sc := bufio.NewScanner(strings.NewReader(logs.String()))
			for sc.Scan() {
				var line struct {
					Level   string `json:"level"`
					Msg     string `json:"msg"`
					Service string `json:"grpc.service"`
				}
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatalf("%v: %s", err, sc.Text())
				}
				if line.Msg == "finished call" {
					got[line.Service] = line.Level
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("calls logged %v, want %v; log:\n%s", got, tc.want, logs.String())
			}
			for svc, level := range tc.want {
				if got[svc] != level {
					t.Errorf("%s logged at %q, want %q; log:\n%s", svc, got[svc], level, logs.String())
				}
			}
		})
	}
}

// listServices asks reflection for the services, to its end.
func listServices(t *testing.T, conn *grpc.ClientConn) []string {
	t.Helper()
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("reflection stream did not end: %v", err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	return names
}

// serveInMemory serves srv (without its background work) on an in-memory
// connection until t ends.
func serveInMemory(t *testing.T, srv *service.Server) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// With LogSuccessEvery, one successful call in N is logged at INFO (the
// others at DEBUG), and every failed call is logged at its level.
func TestSuccessfulCallsAreSampledFailuresNever(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	srv := service.NewServer(newStore(t), service.Options{
		Logger:          slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		LogSuccessEvery: 4,
	})
	conn := serveInMemory(t, srv)
	customers := rapportv1.NewCustomerServiceClient(conn)
	for range 8 {
		if _, err := customers.ListCustomers(t.Context(), &rapportv1.ListCustomersRequest{}); err != nil {
			t.Fatalf("ListCustomers: %v", err)
		}
		if _, err := customers.GetCustomer(t.Context(), &rapportv1.GetCustomerRequest{Name: "customers/nobody"}); status.Code(err) != codes.NotFound {
			t.Fatalf("GetCustomer: %v", err)
		}
		if _, err := customers.LookupCustomer(t.Context(), &rapportv1.LookupCustomerRequest{}); status.Code(err) != codes.InvalidArgument {
			t.Fatalf("LookupCustomer: %v", err)
		}
	}
	counts := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Code string `json:"grpc.code"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		if line.Msg == "finished call" {
			counts[line.Code]++
		}
	}
	if want := map[string]int{"OK": 2, "NotFound": 8, "InvalidArgument": 8}; !maps.Equal(counts, want) {
		t.Errorf("calls logged by code %v, want %v (one success in 4, every failure)", counts, want)
	}
}
