package service_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// An RPC is traced, the database commands it makes are child spans, and
// its log line carries the trace ID.
func TestTracingAndTraceIDsInLogs(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	var logs lockedBuffer
	logger := slog.New(service.TraceLogHandler(slog.NewTextHandler(&logs, nil)))
	store := repositorytest.MonitoredStore(t, repository.TracingMonitor(tp))
	ts := startServer(t, store, service.Options{Tracer: tp, Logger: logger})
	parent := ts.newCustomer(t, "ada")
	exp.Reset()
	if _, err := ts.contexts.GetCustomerContext(t.Context(), &rapportv1.GetCustomerContextRequest{Customer: parent}); err != nil {
		t.Fatal(err)
	}
	var rpc, find *tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		switch s.Name {
		case "rapport.v1.ContextService/GetCustomerContext":
			rpc = &s
		case "find":
			find = &s
		}
	}
	if rpc == nil || find == nil {
		t.Fatalf("spans %v: want the RPC and its find", exp.GetSpans())
	}
	if find.Parent.SpanID() != rpc.SpanContext.SpanID() || find.SpanContext.TraceID() != rpc.SpanContext.TraceID() {
		t.Errorf("the find span is not a child of the RPC span")
	}
	if !strings.Contains(logs.String(), "trace_id="+rpc.SpanContext.TraceID().String()) {
		t.Errorf("no log line carries the RPC's trace ID %s:\n%s", rpc.SpanContext.TraceID(), logs.String())
	}
}
