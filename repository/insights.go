package repository

import "time"

// InsightKey names one counter of the tenant's insight rollups (see
// service/insights): a period (Granularity "D" day, "W" ISO week, "M"
// month) by its first day (Day, "2006-01-02", UTC), a group (Dim "" for
// none, "channel", "topic" or "agent", and its Value) and a counter name.
// A rollup holds counts only: no customer ID, name or text.
type InsightKey struct {
	Granularity, Day, Dim, Value, Counter string
}

// InsightRow is a counter of the rollups and its value (AddInsights: the
// amount to add, which may be negative).
type InsightRow struct {
	InsightKey
	N int64
}

// InsightQuery says which rollup rows ReadInsights reads: those of one
// granularity whose Day is in [From, To) ("2006-01-02"), of the groups
// Dims ("" for the tenant's totals), and when Counters is not empty of
// those counters only.
type InsightQuery struct {
	Granularity string
	From, To    string
	Dims        []string
	Counters    []string
}

// ContactMarksBefore is the first day (a mark's Day, "2006-01-02") of the
// marks a retention purge with cutoff keeps: a period starting 31 days or
// more before cutoff (a day, an ISO week or a month) ended before it.
func ContactMarksBefore(cutoff time.Time) string {
	return cutoff.UTC().AddDate(0, 0, -31).Format(time.DateOnly)
}
