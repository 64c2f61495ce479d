package sealed

import (
	"bytes"
	"context"
	"testing"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/sqlite"
)

// BenchmarkOpenSummary is the decryption a GetCustomerContext adds to its
// point read, alone: a summary with a 400-byte profile, 2 issues and 10
// recent interactions of 500 bytes (their serialised size in
// BenchmarkEncryptionCost's history), the key in memory.
//
//	go test -run '^$' -bench BenchmarkOpenSummary ./repository/sealed/
func BenchmarkOpenSummary(b *testing.B) {
	ctx := context.Background()
	keys, err := sqlite.OpenKeyStore(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer keys.Close()
	kek, err := ParseLocalKEK([]byte("q0Yx2m8zXgkS3c1Y2J6q5mVb4eN7tD9aHf0uLwPzRkE="))
	if err != nil {
		b.Fatal(err)
	}
	ring, err := NewKeyring(ctx, keys, kek)
	if err != nil {
		b.Fatal(err)
	}
	sum := &repository.Summary{Tenant: "t", CustomerID: "ada", Customer: bytes.Repeat([]byte("p"), 400)}
	for range 2 {
		sum.Issues = append(sum.Issues, repository.SummaryIssue{IssueID: "i", Issue: bytes.Repeat([]byte("i"), 300)})
	}
	for range 10 {
		sum.Recent = append(sum.Recent, repository.SummaryInteraction{InteractionID: "r", Interaction: bytes.Repeat([]byte("r"), 500)})
	}
	if err := summaryFields(sum, ring.codec(ctx, "t", "ada").bytesFunc(true)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s := *sum
		s.Issues = append([]repository.SummaryIssue(nil), sum.Issues...)
		s.Recent = append([]repository.SummaryInteraction(nil), sum.Recent...)
		if err := ring.reader(ctx, "t", "ada").openSummary(&s); err != nil {
			b.Fatal(err)
		}
	}
}
