package service_test

import (
	"fmt"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/access"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// historyOf gives customers/{id} a history of n interactions on every
// channel, with topics, surveys and computed sentiment, a third of them
// about one of two open issues; loaded through ImportInteractions. The
// latest `recent` are spread over the last 30 days; the others over the
// five years before the last 90 days (busy=false), or all n evenly over the
// last five years (busy=true: about 1 in 20 in the last 90 days).
func historyOf(b *testing.B, ts *testServer, id string, n int, busy bool) string {
	b.Helper()
	parent := ts.newCustomer(b, id)
	var issues []string
	for i := range 2 {
		res, err := ts.issues.CreateIssue(b.Context(), &rapportv1.CreateIssueRequest{Parent: parent, IssueId: fmt.Sprint("issue-", i),
			Issue: &rapportv1.Issue{Title: fmt.Sprint("Issue ", i), Topic: "billing"}})
		if err != nil {
			b.Fatal(err)
		}
		issues = append(issues, res.GetIssue().GetName())
	}
	stream, err := ts.interactions.ImportInteractions(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	const recent = 10
	span := 5 * 365 * 24 * time.Hour
	now := time.Now()
	occur := func(i int) time.Time {
		switch {
		case busy:
			return now.Add(-time.Duration(i) * (span / time.Duration(n)))
		case i < recent:
			return now.Add(-time.Duration(i) * 3 * 24 * time.Hour)
		}
		return now.Add(-100*24*time.Hour - time.Duration(i-recent)*(span/time.Duration(n)))
	}
	for start := 0; start < n; start += importBatch {
		msg := &rapportv1.ImportInteractionsRequest{}
		for i := start; i < min(n, start+importBatch); i++ {
			item := historyItem(parent, i)
			item.Interaction.OccurTime = timestamppb.New(occur(i))
			item.Interaction.SourceId = fmt.Sprint(id, "-", i)
			if i%3 == 0 {
				item.Interaction.Issue = issues[i%2]
			}
			msg.Requests = append(msg.Requests, item)
		}
		if err := stream.Send(msg); err != nil {
			b.Fatal(err)
		}
		if ack, err := stream.Recv(); err != nil || ack.GetFailed() != 0 {
			b.Fatalf("import: %d failed (first: %v), %v", ack.GetFailed(), ack.GetFailures()[:min(1, len(ack.GetFailures()))], err)
		}
	}
	_ = stream.CloseSend()
	return parent
}

// BenchmarkGetCustomerContext measures GetCustomerContext through the
// public API (in-memory gRPC connection, real interceptor chain, embedded
// store) for customers with 10 and with 10,000 interactions and the same
// recent activity (10 contacts in the last 30 days), and for a busy
// customer (10,000 over five years, ~550 in the last 90 days), next to its
// floor in the same run: an empty gRPC call (a health check through the
// same server) and the database's own point read of the same summary (an
// SQL SELECT by key, or MongoDB's FindOne by _id).
//
//	go test -run '^$' -bench BenchmarkGetCustomerContext -benchmem -count 5 ./service/
func BenchmarkGetCustomerContext(b *testing.B) {
	ts, db := newTestServerDB(b)
	small := historyOf(b, ts, "small", 10, false)
	medium := historyOf(b, ts, "medium", 100, false)
	large := historyOf(b, ts, "large", 10_000, false)
	busy := historyOf(b, ts, "busy", 10_000, true)
	for _, bc := range []struct{ name, parent string }{
		{"history=10", small}, {"history=100", medium}, {"history=10000", large}, {"busy-history=10000", busy},
	} {
		b.Run("rapport/"+bc.name, func(b *testing.B) {
			req := &rapportv1.GetCustomerContextRequest{Customer: bc.parent}
			cpu := processCPU()
			for b.Loop() {
				res, err := ts.contexts.GetCustomerContext(b.Context(), req)
				if err != nil || len(res.GetContext().GetHints()) == 0 {
					b.Fatal(res, err)
				}
			}
			reportCPU(b, cpu)
		})
		b.Run("floor-pointread/"+bc.name, func(b *testing.B) {
			read := engine().SummaryPointRead(b, db)
			id := bc.parent[len("customers/"):]
			cpu := processCPU()
			for b.Loop() {
				if err := read(b.Context(), access.DefaultTenant, id); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
	b.Run("floor-empty-grpc-call", func(b *testing.B) {
		cpu := processCPU()
		for b.Loop() {
			if _, err := ts.health.Check(b.Context(), &healthpb.HealthCheckRequest{}); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
	})
}
