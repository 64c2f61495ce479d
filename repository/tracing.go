package repository

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// TracingMonitor returns a command monitor that records an OpenTelemetry
// span for every database command, as a child of the span in the
// operation's context (the RPC's). Pass it to Connect.
func TracingMonitor(tp trace.TracerProvider) *event.CommandMonitor {
	tracer := tp.Tracer("github.com/rapporthq/rapport/repository")
	var spans sync.Map // request ID -> trace.Span
	end := func(requestID int64, err string) {
		if s, ok := spans.LoadAndDelete(requestID); ok {
			span := s.(trace.Span)
			if err != "" {
				span.SetStatus(codes.Error, err)
			}
			span.End()
		}
	}
	return &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			_, span := tracer.Start(ctx, e.CommandName, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
				attribute.String("db.system", "mongodb"),
				attribute.String("db.namespace", e.DatabaseName),
				attribute.String("db.operation.name", e.CommandName),
			))
			spans.Store(e.RequestID, span)
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { end(e.RequestID, "") },
		Failed:    func(_ context.Context, e *event.CommandFailedEvent) { end(e.RequestID, e.Failure.Error()) },
	}
}
