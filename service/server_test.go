package service_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
)

func TestMain(m *testing.M) { os.Exit(repositorytest.Main(m)) }

// testServer is the real server (interceptor chain included) on a fresh
// database, reached through an in-memory connection.
type testServer struct {
	conn         *grpc.ClientConn
	customers    rapportv1.CustomerServiceClient
	interactions rapportv1.InteractionServiceClient
	issues       rapportv1.IssueServiceClient
	contexts     rapportv1.ContextServiceClient
	audit        rapportv1.AuditServiceClient
	health       healthpb.HealthClient
}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	ts, _ := newTestServerDB(t)
	return ts
}

// engine is the storage engine the tests run on: the embedded SQLite
// store unless RAPPORT_TEST_STORE=mongo (see repositorytest.Default).
func engine() repositorytest.Engine { return repositorytest.Default() }

// newStore is a new, empty store of the test engine.
func newStore(t testing.TB) repositorytest.Store {
	t.Helper()
	return engine().New(t, repositorytest.Options{})
}

// newTestServerDB is newTestServer that also returns its store, for tests
// that look at what is stored (through the engine).
func newTestServerDB(t testing.TB) (*testServer, repositorytest.Store) {
	t.Helper()
	store := newStore(t)
	return startServer(t, store, service.Options{}), store
}

// startServer serves store through the real server (interceptor chain
// included) on an in-memory connection until t ends.
func startServer(t testing.TB, store service.Store, opts service.Options) *testServer {
	ts, _ := startServerWith(t, store, opts)
	return ts
}

// startServerWith is startServer that also returns the server.
func startServerWith(t testing.TB, store service.Store, opts service.Options) (*testServer, *service.Server) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	opts.Reflection = true
	srv := service.NewServer(store, opts)
	ctx, cancel := context.WithCancel(context.Background())
	lis := bufconn.Listen(1 << 20)
	done := make(chan struct{}, 3)
	go func() { _ = srv.GRPC.Serve(lis); done <- struct{}{} }()
	go func() { srv.RunAudit(); done <- struct{}{} }()
	go func() { _ = srv.WatchHealth(ctx, 50*time.Millisecond); done <- struct{}{} }()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		srv.StopWatches()
		srv.GRPC.Stop()
		srv.StopRebuilds()
		srv.StopAudit()
		<-done
		<-done
		<-done
	})
	return &testServer{
		conn:         conn,
		customers:    rapportv1.NewCustomerServiceClient(conn),
		interactions: rapportv1.NewInteractionServiceClient(conn),
		issues:       rapportv1.NewIssueServiceClient(conn),
		contexts:     rapportv1.NewContextServiceClient(conn),
		audit:        rapportv1.NewAuditServiceClient(conn),
		health:       healthpb.NewHealthClient(conn),
	}, srv
}

// statusDetails returns the code, ErrorInfo and field violations of err.
func statusDetails(t *testing.T, err error) (codes.Code, *errdetails.ErrorInfo, map[string]string) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("not a status: %v", err)
	}
	var info *errdetails.ErrorInfo
	fields := map[string]string{}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			info = d
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				fields[v.GetField()] = v.GetDescription()
			}
		}
	}
	if err != nil && info == nil {
		t.Errorf("status %v has no ErrorInfo", st)
	}
	return st.Code(), info, fields
}

func TestHealthServingWhileDatabaseAnswers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	deadline := time.Now().Add(5 * time.Second)
	for _, svc := range []string{"", "rapport.v1.CustomerService"} {
		for {
			resp, err := ts.health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: svc})
			if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("health of %q: %v, %v; want SERVING", svc, resp, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// failingStore is a store whose database is never reachable, or panics.
type failingStore struct {
	service.Store
	err   error
	panic bool
}

func (f *failingStore) Ready(context.Context) error { return f.err }

func (f *failingStore) GetCustomer(context.Context, string, string) (*rapportv1.Customer, error) {
	if f.panic {
		panic("boom: secret internal detail")
	}
	return nil, f.err
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		store *failingStore
		code  codes.Code
	}{
		{"panic", &failingStore{panic: true}, codes.Internal},
		{"driver error", &failingStore{err: io.ErrUnexpectedEOF}, codes.Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := service.NewServer(tc.store, service.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			lis := bufconn.Listen(1 << 20)
			go func() { _ = srv.GRPC.Serve(lis) }()
			defer srv.GRPC.Stop()
			conn, err := grpc.NewClient("passthrough:///bufnet",
				grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
				grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_, err = rapportv1.NewCustomerServiceClient(conn).GetCustomer(t.Context(), &rapportv1.GetCustomerRequest{Name: "customers/ada"})
			code, info, _ := statusDetails(t, err)
			if code != tc.code || info.GetReason() != "INTERNAL" {
				t.Errorf("got %v (%v), want %v INTERNAL", code, info, tc.code)
			}
			if msg := status.Convert(err).Message(); msg != "internal error" {
				t.Errorf("message %q leaks internal text", msg)
			}
		})
	}
}
