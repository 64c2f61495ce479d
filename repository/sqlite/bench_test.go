package sqlite_test

import (
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
)

// BenchmarkGetSummary: the store's read of a summary (query and decode)
// next to the database's own point read of the same row.
//
//	go test -run '^$' -bench BenchmarkGetSummary -benchmem ./repository/sqlite/
func BenchmarkGetSummary(b *testing.B) {
	e := repositorytest.SQLite()
	s := e.New(b, repositorytest.Options{})
	if _, err := s.CreateCustomer(b.Context(), "acme", repository.CreateRequest{CustomerID: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.UpdateSummary(b.Context(), "acme", "ada", func(sum *repository.Summary) error {
		sum.Customer = make([]byte, 300)
		for i := range 20 {
			sum.Recent = append(sum.Recent, repository.SummaryInteraction{InteractionID: "i", OccurTime: time.Now(), Interaction: make([]byte, 200)})
			sum.Days = append(sum.Days, repository.DayBucket{Day: int32(20000 + i), Channels: make([]int32, 8), Hashes: make([]byte, 8)})
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.GetSummary(b.Context(), "acme", "ada"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor-pointread", func(b *testing.B) {
		read := e.SummaryPointRead(b, s)
		for b.Loop() {
			if err := read(b.Context(), "acme", "ada"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
