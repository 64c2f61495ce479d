package service_test

import (
	"fmt"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

const importBatch = 500

// historyItem is a realistic back-filled interaction: a summary, a
// transcript of a few sentences (so sentiment is computed), topics, a survey.
func historyItem(parent string, n int) *rapportv1.RecordInteractionRequest {
	csat := int32(n%5 + 1)
	return &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: &rapportv1.Interaction{
		Channel:      rapportv1.Channel(n%7 + 1),
		Direction:    rapportv1.Direction_DIRECTION_INBOUND,
		OccurTime:    at(-n),
		Agent:        fmt.Sprint("agent-", n%40),
		Summary:      "Customer asked about the invoice for order A-" + fmt.Sprint(1000+n),
		Text:         "Hi, I was charged twice for my last order and I would like a refund. I already restarted the app and checked my bank statement. Thanks for the quick help!",
		Topics:       []string{"billing", "refunds"},
		Survey:       &rapportv1.SurveyAnswers{Csat: &csat},
		Outcome:      rapportv1.Outcome_OUTCOME_RESOLVED,
		SourceSystem: "legacy-crm",
		SourceId:     fmt.Sprint("rec-", n),
	}}
}

// BenchmarkImport measures bulk import through the public API (an
// ImportInteractions stream over an in-memory gRPC connection, 500
// interactions per message, sentiment computed) and, in the same run, the
// floor: the database's own insert of copies of the stored records, 500 in
// one batch, into a table like the interactions' of the same store.
//
//	go test -run '^$' -bench BenchmarkImport -benchtime 40x ./service/
func BenchmarkImport(b *testing.B) {
	ts, db := newTestServerDB(b)
	parent := ts.newCustomer(b, "bulk")
	stored := 0

	b.Run("rapport-import", func(b *testing.B) {
		stream, err := ts.interactions.ImportInteractions(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			msg := &rapportv1.ImportInteractionsRequest{}
			for range importBatch {
				msg.Requests = append(msg.Requests, historyItem(parent, stored))
				stored++
			}
			if err := stream.Send(msg); err != nil {
				b.Fatal(err)
			}
			ack, err := stream.Recv()
			if err != nil || ack.GetFailed() != 0 {
				b.Fatalf("ack %v, %v", ack, err)
			}
		}
		b.StopTimer()
		_ = stream.CloseSend()
		b.ReportMetric(float64(b.N*importBatch)/b.Elapsed().Seconds(), "interactions/s")
	})

	b.Run("floor-insert", func(b *testing.B) {
		insert := engine().InsertFloor(b, db, importBatch)
		b.ResetTimer()
		for range b.N {
			if err := insert(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N*importBatch)/b.Elapsed().Seconds(), "interactions/s")
	})
}
