package service_test

import (
	"fmt"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// BenchmarkInsightsWriteCost measures, in one run, what keeping the
// insight rollups adds to the write path: RecordInteraction (text, two
// topics, an agent, a survey; into a customer with 100 interactions) and
// RecordSurvey, on a server that keeps them and on one that does not
// (Options.WithoutInsightRollups), on the test engine.
//
//	go test -run '^$' -bench BenchmarkInsightsWriteCost -benchtime 2s -count 6 ./service/
func BenchmarkInsightsWriteCost(b *testing.B) {
	for _, without := range []bool{false, true} {
		kind := map[bool]string{false: "rollups", true: "none"}[without]
		ts := startServer(b, newStore(b), service.Options{WithoutInsightRollups: without})
		recent := historyOf(b, ts, "recent", 100, false)
		b.Run("record/"+kind, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n++
				req := historyItem(recent, n%2000)
				req.Interaction.SourceId = fmt.Sprint("bench-", n)
				if _, err := ts.interactions.RecordInteraction(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("survey/"+kind, func(b *testing.B) {
			req := historyItem(recent, 5)
			req.Interaction.SourceId = "surveyed"
			in, err := ts.interactions.RecordInteraction(b.Context(), req)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				surveyN++
				n := surveyN
				csat := int32(n%5 + 1)
				if _, err := ts.interactions.RecordSurvey(b.Context(), &rapportv1.RecordSurveyRequest{Interaction: in.GetInteraction().GetName(),
					RequestId: fmt.Sprintf("7b0d9d0e-3333-4a3c-9c1e-%012d", n), Survey: &rapportv1.SurveyAnswers{Csat: &csat, AnswerTime: timestamppb.Now()}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInsightsWriteCostInterleaved is BenchmarkInsightsWriteCost's
// record, with the two servers' calls interleaved in one loop (one into
// each per iteration, in alternating order), so that both meet the same
// machine at the same time: the ratio is what the rollups add. It
// reports each side's mean time per call and their ratio. Two workloads:
// contacts spread over the same two days (a customer already marked in
// each day and group after the first few: one marks insert), and each
// contact on a day of its own (every day's marks new: the week's and
// month's written too, a second insert).
//
//	go test -run '^$' -bench BenchmarkInsightsWriteCostInterleaved -benchtime 1000x -count 5 ./service/
func BenchmarkInsightsWriteCostInterleaved(b *testing.B) {
	for _, w := range []struct {
		name    string
		minutes func(n int) int // when the n-th contact occurred, before the base
	}{
		{"same-days", func(n int) int { return n % 2000 }},
		{"new-day-each", func(n int) int { return n * 24 * 60 }},
	} {
		b.Run(w.name, func(b *testing.B) {
			var sides [2]struct {
				ts     *testServer
				parent string
				spent  time.Duration
			}
			for i, without := range []bool{false, true} {
				sides[i].ts = startServer(b, newStore(b), service.Options{WithoutInsightRollups: without})
				sides[i].parent = historyOf(b, sides[i].ts, "recent", 100, false)
			}
			n := 0
			for b.Loop() {
				n++
				for j := range 2 {
					side := &sides[(n+j)%2]
					req := historyItem(side.parent, n%2000)
					req.Interaction.OccurTime = at(-w.minutes(n))
					req.Interaction.SourceId = fmt.Sprint("bench-", n)
					start := time.Now()
					if _, err := side.ts.interactions.RecordInteraction(b.Context(), req); err != nil {
						b.Fatal(err)
					}
					side.spent += time.Since(start)
				}
			}
			with, without := float64(sides[0].spent)/float64(n), float64(sides[1].spent)/float64(n)
			b.ReportMetric(with, "rollups-ns/call")
			b.ReportMetric(without, "none-ns/call")
			b.ReportMetric(with/without, "ratio")
		})
	}
}

// surveyN makes the survey answers' request IDs unique across runs.
var surveyN int

// BenchmarkInsightsScale reads the tenant's figures on the seeded
// 100,000-customer store (BenchmarkScale's; RAPPORT_BENCH_SIZES picks
// others): one day, a year by day, a year by month, a year by month and
// channel. Rows read are reported (rollup rows in the reply's range).
//
//	RAPPORT_BENCH_SIZES=100000 RAPPORT_BENCH_DIR=/tmp/rapport-bench go test -run '^$' -bench BenchmarkInsightsScale -benchtime 200x -count 6 -timeout 2h ./service/
func BenchmarkInsightsScale(b *testing.B) {
	for _, n := range scaleSizes(b) {
		ts, _ := scaleStore(b, n)
		c := rapportv1.NewInsightsServiceClient(ts.conn)
		today := time.Now().UTC().Truncate(24 * time.Hour)
		for _, q := range []struct {
			name string
			req  *rapportv1.QueryInsightsRequest
		}{
			{"day", &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(today.AddDate(0, 0, -3)), EndTime: timestamppb.New(today.AddDate(0, 0, -2))}},
			{"year-by-day", &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(today.AddDate(-1, 0, 1)), EndTime: timestamppb.New(today.AddDate(0, 0, 1))}},
			{"year-by-month", &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(today.AddDate(-1, 0, 1)), EndTime: timestamppb.New(today.AddDate(0, 0, 1)),
				Granularity: rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_MONTH}},
			{"year-by-month-channel", &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(today.AddDate(-1, 0, 1)), EndTime: timestamppb.New(today.AddDate(0, 0, 1)),
				Granularity: rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_MONTH, GroupBy: rapportv1.InsightsDimension_INSIGHTS_DIMENSION_CHANNEL}},
		} {
			b.Run(fmt.Sprintf("customers=%d/q=%s", n, q.name), func(b *testing.B) {
				var contacts int64
				for b.Loop() {
					res, err := c.QueryInsights(b.Context(), q.req)
					if err != nil {
						b.Fatal(err)
					}
					contacts = 0
					for _, p := range res.GetPeriods() {
						contacts += p.GetFigures().GetContacts()
					}
				}
				b.ReportMetric(float64(contacts), "contacts")
			})
		}
	}
}
