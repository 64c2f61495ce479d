package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
)

// buildBinary compiles the rapport command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rapport")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// process is a running `rapport serve`.
type process struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	conn *grpc.ClientConn
}

// syncBuffer is a bytes.Buffer that the process's output goroutine and the
// test may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs `rapport serve` with the embedded store in dataDir on addr and
// waits until health says SERVING.
func start(t *testing.T, bin, dataDir, addr string, extra ...string) *process {
	t.Helper()
	return startWith(t, bin, dataDir, addr, insecure.NewCredentials(), extra...)
}

// startWith is start with the transport credentials to talk to it.
func startWith(t *testing.T, bin, dataDir, addr string, creds credentials.TransportCredentials, extra ...string) *process {
	t.Helper()
	p := &process{logs: &syncBuffer{}}
	p.cmd = exec.Command(bin, append([]string{"serve", "--listen", addr, "--data-dir", dataDir, "--metrics-listen", "127.0.0.1:0"}, extra...)...)
	p.cmd.Env = append(os.Environ(), "RAPPORT_MONGODB_URI=", "RAPPORT_KEK="+testKEK)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	p.conn = conn
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: "rapport.v1.CustomerService"})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not SERVING after 30s (%v, %v); logs:\n%s", resp, err, p.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; logs:\n%s", err, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit 30s after SIGTERM; logs:\n%s", p.logs)
	}
}

func TestEndToEndCustomerSurvivesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)

	p := start(t, bin, dataDir, addr)
	customers := rapportv1.NewCustomerServiceClient(p.conn)
	ctx := t.Context()
	created, err := customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{
		CustomerId: "ada",
		Customer: &rapportv1.Customer{
			DisplayName: "Ada Lovelace",
			Identities:  []*rapportv1.Identity{{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: "Ada@Example.com"}},
		},
	})
	if err != nil {
		t.Fatalf("create: %v\nlogs:\n%s", err, p.logs)
	}
	found, err := customers.LookupCustomer(ctx, &rapportv1.LookupCustomerRequest{Identity: "email:ada@example.com"})
	if err != nil || found.GetCustomer().GetName() != "customers/ada" {
		t.Fatalf("lookup = %v, %v", found, err)
	}
	_, err = customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{Customer: &rapportv1.Customer{}})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("bad input over TCP: %v, want INVALID_ARGUMENT", err)
	}
	// Reflection lists the service, as grpcurl sees it.
	refl, err := reflectionpb.NewServerReflectionClient(p.conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := refl.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := refl.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "rapport.v1.CustomerService") || !strings.Contains(got, "grpc.health.v1.Health") {
		t.Errorf("reflection lists %q", got)
	}
	_ = refl.CloseSend()
	// Prometheus metrics on their own port: RPCs by method and code, the
	// database, the connection pool.
	metrics := scrape(t, p)
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="CreateCustomer",grpc_service="rapport.v1.CustomerService",grpc_type="unary"} 1`,
		`grpc_server_handled_total{grpc_code="InvalidArgument",grpc_method="CreateCustomer",grpc_service="rapport.v1.CustomerService",grpc_type="unary"} 1`,
		"rapport_database_up 1",
		`rapport_sqlite_pool_max_connections{pool="write"} 1`,
		"rapport_watch_streams 0",
		`rapport_store_info{kind="sqlite"} 1`,
		"rapport_purge_interactions_deleted_total 0",
		"rapport_watch_streams_limit 1000",
		"rapport_watch_streams_per_tenant_limit 1000",
		`rapport_build_info{goversion="go`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Every metric the alert rules use is exported, but MongoDB's, which a
	// server on the embedded store has not (TestMongoDBPoolMetrics).
	for _, name := range ruleMetrics(t) {
		if strings.HasPrefix(name, "rapport_mongodb_") {
			continue
		}
		if !regexp.MustCompile(`(?m)^` + name + `[{ ]`).MatchString(metrics) {
			t.Errorf("deploy/prometheus/rapport-rules.yaml uses %s, which the server does not export", name)
		}
	}
	p.stop(t)
	if !strings.Contains(p.logs.String(), "embedded SQLite store") {
		t.Errorf("the log does not say the embedded store runs:\n%s", p.logs)
	}

	// Again, with a retention: the purge runs at start and says how.
	p = start(t, bin, dataDir, addr, "--retention", "365d", "--tenant-retention", "acme=30d")
	customers = rapportv1.NewCustomerServiceClient(p.conn)
	got, err := customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: "customers/ada"})
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if got.GetCustomer().GetEtag() != created.GetCustomer().GetEtag() || got.GetCustomer().GetDisplayName() != "Ada Lovelace" {
		t.Errorf("after restart: %v, want %v", got.GetCustomer(), created.GetCustomer())
	}
	found, err = customers.LookupCustomer(ctx, &rapportv1.LookupCustomerRequest{Identity: "email:ADA@example.com"})
	if err != nil || found.GetCustomer().GetName() != "customers/ada" {
		t.Errorf("lookup after restart = %v, %v", found, err)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.logs.String(), "the database has no TTL indexes"); {
		if time.Now().After(deadline) {
			t.Errorf("the log does not say how interactions expire:\n%s", p.logs)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop(t)
}

func TestVersionAndUsage(t *testing.T) {
	t.Parallel()
	var out, errw bytes.Buffer
	env := func(string) string { return "" }
	if err := run(t.Context(), []string{"version"}, env, &out, &errw); err != nil || !strings.HasPrefix(out.String(), "rapport ") {
		t.Errorf("version: %q, %v", out.String(), err)
	}
	if err := run(t.Context(), []string{"frobnicate"}, env, &out, &errw); err == nil {
		t.Error("unknown command accepted")
	}
	if err := run(t.Context(), nil, env, &out, &errw); err == nil {
		t.Error("no command accepted")
	}
}

func TestServeConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"RAPPORT_LISTEN": "127.0.0.1:6000", "RAPPORT_LOG_LEVEL": "debug", "RAPPORT_MONGODB_URI": "mongodb://u:secret@db:27017/"}
	cfg, err := parseServeConfig([]string{"--listen", "127.0.0.1:7000"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:7000" {
		t.Errorf("flag should win over environment: %q", cfg.Listen)
	}
	if cfg.LogLevel.String() != "DEBUG" || cfg.ShutdownTimeout != 15*time.Second {
		t.Errorf("environment and defaults: %+v", cfg)
	}
	if logged := cfg.logValue().String(); strings.Contains(logged, "secret") {
		t.Errorf("logged configuration shows the password: %s", logged)
	}
	for _, bad := range [][]string{
		{"--log-level", "loud"},
		{"--log-format", "xml"},
		{"--shutdown-timeout", "soon"},
		{"--reflection=maybe"},
		{"--hint-repeat-window-days", "0"},
		{"--default-phone-region", "usa"},
		{"--listen", ""},
		{"extra"},
	} {
		if _, err := parseServeConfig(bad, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// scrape reads the process's /metrics, at the address its log gives.
func scrape(t *testing.T, p *process) string {
	t.Helper()
	m := regexp.MustCompile(`msg="serving metrics" address=(\S+)`).FindStringSubmatch(p.logs.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", p.logs)
	}
	resp, err := http.Get("http://" + m[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %d, %v", resp.StatusCode, err)
	}
	return string(b)
}

// testKEK is the key-encryption key the servers the tests start get in
// RAPPORT_KEK (servers with credentials need one).
const testKEK = "q0Yx2m8zXgkS3c1Y2J6q5mVb4eN7tD9aHf0uLwPzRkE="
