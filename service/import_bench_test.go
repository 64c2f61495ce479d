package service_test

import (
	"fmt"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
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
// floor: the raw driver's InsertMany of the same stored documents, 500 at a
// time, into the same embedded store.
//
//	go test -run '^$' -bench BenchmarkImport -benchtime 40x ./service/
func BenchmarkImport(b *testing.B) {
	ts, db := newTestServerDB(b)
	parent := ts.newCustomer(b, "bulk")
	stored, copies := 0, 0

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

	b.Run("floor-insertmany", func(b *testing.B) {
		cur, err := db.Collection("interactions").Find(b.Context(), bson.D{}, options.Find().SetLimit(importBatch))
		if err != nil {
			b.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(b.Context(), &docs); err != nil || len(docs) != importBatch {
			b.Fatalf("%d documents to copy, %v", len(docs), err)
		}
		floor := db.Collection("floor")
		b.ResetTimer()
		for range b.N {
			copies++
			batch := make([]any, len(docs))
			for j, d := range docs {
				c := bson.M{}
				for k, v := range d {
					c[k] = v
				}
				c["_id"] = fmt.Sprint(d["_id"], "-", copies)
				batch[j] = c
			}
			if _, err := floor.InsertMany(b.Context(), batch, options.InsertMany().SetOrdered(false)); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N*importBatch)/b.Elapsed().Seconds(), "interactions/s")
	})
}
