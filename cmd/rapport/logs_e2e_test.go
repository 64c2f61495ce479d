package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
)

// At --log-level warn the server writes nothing below WARN, whatever it is
// asked (health checks, reflection, calls that succeed and fail), the
// embedded store's lines included, and an
// OTLP export that fails is logged through the same logger: as JSON, at
// WARN, not as a plain line on stderr.
func TestLogLevelWarnIsQuiet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	// Export every 100 ms, and give up on an unreachable collector within
	// half a second, so that the failure comes while the test watches.
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "500")
	bin := buildBinary(t)
	collector := freeAddr(t) // nothing listens there
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), freeAddr(t),
		"--log-level", "warn", "--log-format", "json", "--otlp-endpoint", collector, "--otlp-insecure")

	ctx := t.Context()
	for range 3 {
		if _, err := healthpb.NewHealthClient(p.conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	refl, err := reflectionpb.NewServerReflectionClient(p.conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := refl.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "rapport.v1.Customer"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := refl.Recv(); err != nil {
		t.Fatal(err)
	}
	_ = refl.CloseSend()
	customers := rapportv1.NewCustomerServiceClient(p.conn)
	if _, err := customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{Customer: &rapportv1.Customer{DisplayName: "Ada"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: "customers/nobody"}); status.Code(err) != codes.NotFound {
		t.Fatalf("GetCustomer: %v", err)
	}
	if _, err := customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{Customer: &rapportv1.Customer{}}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("CreateCustomer: %v", err)
	}
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(p.logs.String(), "OpenTelemetry error"); {
		if time.Now().After(deadline) {
			t.Fatalf("no failed export in the log after 30s:\n%s", p.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop(t)

	sc := bufio.NewScanner(strings.NewReader(p.logs.String()))
	sc.Buffer(nil, 1<<20)
	var lines, exportFailures int
	for sc.Scan() {
		lines++
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Errorf("not a JSON log line: %s", sc.Text())
			continue
		}
		if level, _ := line["level"].(string); level != "WARN" && level != "ERROR" {
			t.Errorf("%s line at --log-level warn: %s", level, sc.Text())
		}
		if msg, _ := line["msg"].(string); strings.HasPrefix(msg, "tracing: ") {
			exportFailures++
		}
	}
	if lines == 0 || exportFailures == 0 {
		t.Errorf("%d lines, %d about tracing:\n%s", lines, exportFailures, p.logs)
	}
}
