package sqlite_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
)

// BenchmarkListFollowUps: a page of 20 of today's open follow-ups on an
// index of 1,000 and of 100,000 follow-ups (half open, spread over 30 days):
// the page's cost should not grow with the index (BENCHMARKS.md).
//
//	go test -run '^$' -bench BenchmarkListFollowUps -benchtime 2000x -count 3 ./repository/sqlite/
func BenchmarkListFollowUps(b *testing.B) {
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{1_000, 100_000} {
		s := repositorytest.SQLite().New(b, repositorytest.Options{Plain: true})
		ctx := b.Context()
		for at := 0; at < n; at += 1000 {
			var rows []repository.FollowUpRow
			for i := at; i < at+1000 && i < n; i++ {
				rows = append(rows, repository.FollowUpRow{CustomerID: fmt.Sprintf("c%06d", i), FollowUpID: "f1", State: int32(1 + i%2), Reason: 1,
					DueTime: base.Add(time.Duration(i%(30*24)) * time.Hour), FollowUp: make([]byte, 200)})
			}
			if err := s.WriteFollowUps(ctx, "acme", rows, nil); err != nil {
				b.Fatal(err)
			}
		}
		today := repository.FollowUpFilter{State: 1, DueFrom: base.Add(10 * 24 * time.Hour), DueUntil: base.Add(11 * 24 * time.Hour)}
		b.Run(fmt.Sprint("followups=", n), func(b *testing.B) {
			for b.Loop() {
				page, _, err := s.ListFollowUps(ctx, "acme", today, nil, 20)
				if err != nil || len(page) != 20 {
					b.Fatal(len(page), err)
				}
			}
		})
	}
}
