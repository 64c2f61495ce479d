package sqlite_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/sqlite"
)

// A year's figures read the rows of its days and nothing else: the read
// is one range of the primary key per dimension (tenant, granularity,
// dim, day), so it visits as many rows as twelve months' reads together,
// however many other tenants, dimensions and years the store holds.
func TestInsightsYearReadsTwelveMonthsOfRows(t *testing.T) {
	s, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	var rows []repository.InsightRow
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := start; d.Before(start.AddDate(3, 0, 0)); d = d.AddDate(0, 0, 1) {
		for _, dim := range []string{"", "channel", "agent"} {
			for v := range 3 {
				for _, c := range []string{"contacts", "csat_n"} {
					rows = append(rows, repository.InsightRow{InsightKey: repository.InsightKey{Granularity: "D", Day: d.Format(time.DateOnly), Dim: dim, Value: fmt.Sprint(v), Counter: c}, N: 1})
				}
			}
		}
	}
	for _, tenant := range []string{"acme", "globex"} {
		if err := s.AddInsights(ctx, tenant, rows); err != nil {
			t.Fatal(err)
		}
	}
	count := func(from, to time.Time) int {
		got, err := s.ReadInsights(ctx, "acme", repository.InsightQuery{Granularity: "D", From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Dims: []string{"", "channel"}})
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	year0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	months := 0
	for m := range 12 {
		months += count(year0.AddDate(0, m, 0), year0.AddDate(0, m+1, 0))
	}
	year := count(year0, year0.AddDate(1, 0, 0))
	if want := 365 * 2 * 3 * 2; year != want || months != want {
		t.Errorf("a year read %d rows, twelve months %d; want %d each", year, months, want)
	}
	plan, err := explain(planDB(t), sqlite.InsightsRead)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || !strings.Contains(plan[0], "SEARCH insight_rollups USING PRIMARY KEY (tenant=? AND granularity=? AND dim=? AND day>? AND day<?)") {
		t.Errorf("the read is not one range of the key: %v", plan)
	}
}
