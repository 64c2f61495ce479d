package service_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
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
	store := engine().New(t, repositorytest.Options{Tracer: tp})
	ts := startServer(t, store, service.Options{Tracer: tp, Logger: logger})
	parent := ts.newCustomer(t, "ada")
	exp.Reset()
	if _, err := ts.contexts.GetCustomerContext(t.Context(), &rapportv1.GetCustomerContextRequest{Customer: parent}); err != nil {
		t.Fatal(err)
	}
	// The health checks (every 50 ms here) and the audit writer run
	// meanwhile: they must not make spans of their own.
	time.Sleep(300 * time.Millisecond)
	var rpc, read *tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == "rapport.v1.ContextService/GetCustomerContext" {
			rpc = &s
		}
	}
	if rpc == nil {
		t.Fatalf("spans %v: want the RPC's", exp.GetSpans())
	}
	for _, s := range exp.GetSpans() {
		if s.SpanKind != trace.SpanKindClient {
			continue
		}
		collection := ""
		for _, a := range s.Attributes {
			if a.Key == "db.collection.name" {
				collection = a.Value.AsString()
			}
		}
		if !s.Parent.IsValid() {
			t.Errorf("a database span without a parent (a background chore's?): %s %v", s.Name, s.Attributes)
		}
		if collection == "" {
			t.Errorf("database span %s without db.collection.name: %v", s.Name, s.Attributes)
		}
		if s.Parent.SpanID() == rpc.SpanContext.SpanID() && (collection == "summaries" || collection == "contexts") {
			read = &s
		}
	}
	if read == nil {
		t.Fatalf("spans %v: want the RPC's read of the summary as its child", exp.GetSpans())
	}
	if read.SpanContext.TraceID() != rpc.SpanContext.TraceID() {
		t.Errorf("the read span is not in the RPC's trace")
	}
	if !strings.Contains(logs.String(), "trace_id="+rpc.SpanContext.TraceID().String()) {
		t.Errorf("no log line carries the RPC's trace ID %s:\n%s", rpc.SpanContext.TraceID(), logs.String())
	}
}
