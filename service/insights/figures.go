package insights

import (
	"fmt"
	"slices"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Query is a validated read of figures: periods of Granularity from the
// one holding From up to the one holding the instant before To, broken
// down by Dim (DimNone: no breakdown).
type Query struct {
	Granularity string
	From, To    time.Time
	Dim         string
}

// Bounds are the first day and the day after the last of q's periods.
func (q Query) Bounds() (from, to time.Time) {
	from = PeriodStart(q.Granularity, q.From)
	to = PeriodEnd(q.Granularity, PeriodStart(q.Granularity, q.To.Add(-time.Nanosecond)))
	return from, to
}

// Reads are the rollup reads q needs: the daily counters of the periods,
// and for weeks and months the distinct counts of customers of those.
func (q Query) Reads() []repository.InsightQuery {
	from, to := q.Bounds()
	dims := []string{DimNone}
	if q.Dim != DimNone {
		dims = append(dims, q.Dim)
	}
	reads := []repository.InsightQuery{{Granularity: Day, From: DayString(from), To: DayString(to), Dims: dims}}
	if q.Granularity != Day {
		reads = append(reads, repository.InsightQuery{Granularity: q.Granularity, From: DayString(from), To: DayString(to), Dims: dims, Counters: []string{CounterCustomers}})
	}
	return reads
}

// Counters are summed counters of one group of one period.
type Counters map[string]int64

// Periods sums rows (what q.Reads read) into q's periods, every period
// included, oldest first, with their groups ordered by value.
func Periods(q Query, rows []repository.InsightRow) []*rapportv1.InsightsPeriod {
	from, to := q.Bounds()
	const total = "\x00"
	sums := map[string]map[string]Counters{}
	for _, r := range rows {
		day, err := time.Parse(time.DateOnly, r.Day)
		if err != nil {
			continue
		}
		if r.Counter == CounterCustomers && r.Granularity != q.Granularity {
			continue // distinct counts do not add up across days
		}
		if r.Granularity != Day && r.Granularity != q.Granularity {
			continue
		}
		if r.Dim != DimNone && r.Dim != q.Dim {
			continue
		}
		p := DayString(PeriodStart(q.Granularity, day))
		g := total
		if r.Dim != DimNone {
			g = r.Value
		}
		if sums[p] == nil {
			sums[p] = map[string]Counters{}
		}
		if sums[p][g] == nil {
			sums[p][g] = Counters{}
		}
		sums[p][g][r.Counter] += r.N
	}
	var out []*rapportv1.InsightsPeriod
	for start := from; start.Before(to); start = PeriodEnd(q.Granularity, start) {
		end := PeriodEnd(q.Granularity, start)
		groups := sums[DayString(start)]
		p := &rapportv1.InsightsPeriod{StartTime: timestamppb.New(start), EndTime: timestamppb.New(end), Figures: Figures(groups[total])}
		if q.Dim != DimNone {
			var values []string
			for v, c := range groups {
				if v != total && !zero(c) {
					values = append(values, v)
				}
			}
			slices.Sort(values)
			for _, v := range values {
				p.Groups = append(p.Groups, &rapportv1.InsightsGroup{Value: v, Figures: Figures(groups[v])})
			}
		}
		out = append(out, p)
	}
	return out
}

func zero(c Counters) bool {
	for _, n := range c {
		if n != 0 {
			return false
		}
	}
	return true
}

// Figures are the figures of summed counters; a figure without a sample
// is absent.
func Figures(c Counters) *rapportv1.InsightsFigures {
	f := &rapportv1.InsightsFigures{Contacts: c[CounterContacts], CustomersContacted: c[CounterCustomers]}
	if n := c[CounterCSATN]; n > 0 {
		f.Csat = &rapportv1.InsightsCsat{Mean: float64(c[CounterCSATSum]) / float64(n), SatisfiedShare: float64(c[CounterCSATSat]) / float64(n), SatisfiedCount: c[CounterCSATSat], SampleCount: n}
	}
	if n := c[CounterNPSN]; n > 0 {
		f.Nps = &rapportv1.InsightsNps{Score: 100 * float64(c[CounterNPSPromoter]-c[CounterNPSDetractor]) / float64(n),
			Promoters: c[CounterNPSPromoter], Passives: c[CounterNPSPassive], Detractors: c[CounterNPSDetractor], SampleCount: n}
	}
	if n := c[CounterCESN]; n > 0 {
		f.Ces = &rapportv1.InsightsMean{Mean: float64(c[CounterCESSum]) / float64(n), SampleCount: n}
	}
	f.FirstContactResolution = rate(c[CounterFCR], c[CounterResolved])
	f.RepeatContact = rate(c[CounterRepeat], c[CounterContacted])
	f.Relapse = rate(c[CounterRelapsed], c[CounterEverResolved])
	f.Reopen = rate(c[CounterReopened], c[CounterEverResolved])
	f.SurveyResponse = rate(c[CounterSurveyed], c[CounterContacts])
	if n := c[CounterSentPos] + c[CounterSentNeu] + c[CounterSentNeg]; n > 0 {
		f.Sentiment = &rapportv1.InsightsSentimentMix{Positive: c[CounterSentPos], Neutral: c[CounterSentNeu], Negative: c[CounterSentNeg], SampleCount: n}
	}
	var hist [Buckets]int64
	var n int64
	for b := range Buckets {
		hist[b] = c[fmt.Sprintf("%s%02d", ttrPrefix, b)]
		n += hist[b]
	}
	if n > 0 {
		f.ResolutionTime = &rapportv1.InsightsResolutionTime{
			Median: durationpb.New(percentile(hist[:], n, 0.5)), P90: durationpb.New(percentile(hist[:], n, 0.9)), SampleCount: n,
		}
	}
	return f
}

func rate(count, sample int64) *rapportv1.InsightsRate {
	if sample <= 0 {
		return nil
	}
	return &rapportv1.InsightsRate{Rate: float64(count) / float64(sample), Count: count, SampleCount: sample}
}

// percentile reads the q-quantile of a histogram of n samples: the value
// of the bucket holding the ceil(q×n)-th smallest sample.
func percentile(hist []int64, n int64, q float64) time.Duration {
	rank := int64(q*float64(n) + 0.999999)
	rank = max(rank, 1)
	var seen int64
	for b, c := range hist {
		seen += c
		if seen >= rank {
			return BucketValue(b)
		}
	}
	return BucketValue(len(hist) - 1)
}
