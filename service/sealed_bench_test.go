package service_test

import (
	"fmt"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
)

// BenchmarkEncryptionCost measures, in one run, the same calls on a store
// in clear and on an encrypted one (repository/sealed, the default), with
// the CPU time per call: GetCustomerContext of a customer with a recent
// history (100 interactions, 10 in the last 30 days) and of a busy one
// (1,000 over five years), a RecordInteraction (text, summary, survey;
// it updates the summary), and an erasure of a customer with 10
// interactions (the erasure also pays for secure_delete and the log's
// checkpoint, in both stores).
//
//	go test -run '^$' -bench BenchmarkEncryptionCost -benchtime 2s -count 3 ./service/
func BenchmarkEncryptionCost(b *testing.B) {
	for _, plain := range []bool{true, false} {
		kind := map[bool]string{true: "clear", false: "encrypted"}[plain]
		store := engine().New(b, repositorytest.Options{Plain: plain})
		ts := startServer(b, store, service.Options{})
		recent := historyOf(b, ts, "recent", 100, false)
		busy := historyOf(b, ts, "busy", 1000, true)
		for _, bc := range []struct{ name, parent string }{{"history=100", recent}, {"busy-history=1000", busy}} {
			b.Run("context/"+bc.name+"/"+kind, func(b *testing.B) {
				req := &rapportv1.GetCustomerContextRequest{Customer: bc.parent}
				cpu := processCPU()
				for b.Loop() {
					if _, err := ts.contexts.GetCustomerContext(b.Context(), req); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			})
		}
		b.Run("record/"+kind, func(b *testing.B) {
			n := 0
			cpu := processCPU()
			for b.Loop() {
				n++
				req := historyItem(recent, 100_000+n)
				req.Interaction.SourceId = fmt.Sprint("bench-", n)
				if _, err := ts.interactions.RecordInteraction(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
		b.Run("erase/"+kind, func(b *testing.B) {
			n := 0
			var cpu, used int64
			for b.Loop() {
				b.StopTimer()
				n++
				parent := ts.newCustomer(b, fmt.Sprint("gone-", n))
				for i := range 10 {
					req := historyItem(parent, i)
					req.Interaction.SourceId = fmt.Sprint("gone-", n, "-", i)
					if _, err := ts.interactions.RecordInteraction(b.Context(), req); err != nil {
						b.Fatal(err)
					}
				}
				cpu = int64(processCPU())
				b.StartTimer()
				if _, err := ts.customers.DeleteCustomer(b.Context(), &rapportv1.DeleteCustomerRequest{Name: parent}); err != nil {
					b.Fatal(err)
				}
				used += int64(processCPU()) - cpu
			}
			b.ReportMetric(float64(used)/float64(b.N), "cpu-ns/op")
		})
	}
}
