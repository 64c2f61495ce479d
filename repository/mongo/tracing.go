package mongo

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// TracingMonitor returns a command monitor that records an OpenTelemetry
// span for every database command made within a traced call, as a child of
// the span in the operation's context (the RPC's), with the collection it
// reads or writes as db.collection.name. Commands of background chores
// (health pings, the audit writer's batches), whose contexts carry no span,
// make none: a root span per ping would be noise. Pass it to Connect.
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
			if !trace.SpanContextFromContext(ctx).IsValid() {
				return
			}
			attrs := []attribute.KeyValue{
				attribute.String("db.system.name", "mongodb"),
				attribute.String("db.namespace", e.DatabaseName),
				attribute.String("db.operation.name", e.CommandName),
			}
			name := e.CommandName
			// A command names its collection as the value of its first
			// field: {find: "contexts", ...}.
			if coll, ok := e.Command.Lookup(e.CommandName).StringValueOK(); ok {
				attrs = append(attrs, attribute.String("db.collection.name", coll))
				name += " " + coll
			}
			_, span := tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
			spans.Store(e.RequestID, span)
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { end(e.RequestID, "") },
		Failed:    func(_ context.Context, e *event.CommandFailedEvent) { end(e.RequestID, e.Failure.Error()) },
	}
}
