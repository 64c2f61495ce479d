package insights

import (
	"math"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestBucketErrorIsBounded(t *testing.T) {
	for d := time.Minute; d < 300*24*time.Hour; d = d * 21 / 20 {
		got := BucketValue(Bucket(d))
		if r := float64(got) / float64(d); r > math.Pow(2, 0.25)+1e-9 || r < 1/math.Pow(2, 0.25)-1e-9 {
			t.Fatalf("%v reads %v: off by %.3f", d, got, r)
		}
	}
	if Bucket(time.Second) != 0 || Bucket(100*365*24*time.Hour) != Buckets-1 {
		t.Error("the first and last buckets hold what is outside")
	}
}

func TestPeriods(t *testing.T) {
	thu := time.Date(2026, 1, 1, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		g    string
		want string
	}{{Day, "2026-01-01"}, {Week, "2025-12-29"}, {Month, "2026-01-01"}} {
		if got := DayString(PeriodStart(tc.g, thu)); got != tc.want {
			t.Errorf("%s of %v: %s, want %s", tc.g, thu, got, tc.want)
		}
	}
	from, to := Span([]time.Time{thu})
	if DayString(from) != "2025-12-29" || DayString(to) != "2026-02-01" {
		t.Errorf("span %v %v", from, to)
	}
}

func key(g, day, dim, value, c string) repository.InsightKey {
	return repository.InsightKey{Granularity: g, Day: day, Dim: dim, Value: value, Counter: c}
}

func TestASurveyReplacedMovesOnlyItsCounters(t *testing.T) {
	in := &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: timestamppb.New(time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)),
		Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(2)}}
	after := proto.Clone(in).(*rapportv1.Interaction)
	after.Survey = &rapportv1.SurveyAnswers{Csat: proto.Int32(5), AnswerTime: timestamppb.New(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))}
	d := Change(Groups{}.Interaction(in), Groups{}.Interaction(after))
	// Three groups (totals, channel, agent "none"), csat_sum +3 and
	// csat_sat +1 in each, on the contact's day.
	if len(d) != 6 {
		t.Fatalf("%d counters moved: %v", len(d), d)
	}
	if d[key(Day, "2026-03-04", DimNone, "", CounterCSATSum)] != 3 || d[key(Day, "2026-03-04", DimChannel, "chat", CounterCSATSat)] != 1 {
		t.Errorf("delta %v", d)
	}
}

func TestIssueFigures(t *testing.T) {
	open := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	ts := func(h int) *timestamppb.Timestamp { return timestamppb.New(open.Add(time.Duration(h) * time.Hour)) }
	is := &rapportv1.Issue{OpenTime: ts(0), Status: rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, ResolveTime: ts(400), InteractionCount: 1, ReopenCount: 1,
		StatusHistory: []*rapportv1.IssueStatusChange{
			{Status: rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, ChangeTime: ts(2)},
			{Status: rapportv1.IssueStatus_ISSUE_STATUS_REOPENED, ChangeTime: ts(300)}, // 12.5 days: no relapse
			{Status: rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, ChangeTime: ts(400)},
		}}
	f := Figures(sum(Groups{}.Issue(is)))
	if f.GetFirstContactResolution().GetRate() != 1 || f.GetReopen().GetCount() != 1 || f.GetRelapse().GetCount() != 0 || f.GetRelapse().GetSampleCount() != 1 {
		t.Errorf("figures %v", f)
	}
	if got := f.GetResolutionTime().GetMedian().AsDuration(); math.Abs(float64(got)/float64(400*time.Hour)-1) > 0.19 {
		t.Errorf("median %v, want 400h within 19%%", got)
	}
	if f.Csat != nil || f.Nps != nil || f.SurveyResponse != nil {
		t.Errorf("figures without a sample must be absent: %v", f)
	}
}

func sum(d Delta) Counters {
	c := Counters{}
	for k, n := range d {
		if k.Dim == DimNone {
			c[k.Counter] += n
		}
	}
	return c
}

func TestCustomersAreDistinctPerPeriod(t *testing.T) {
	at := func(day int) *rapportv1.Interaction {
		return &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_SMS, OccurTime: timestamppb.New(time.Date(2026, 3, day, 9, 0, 0, 0, time.UTC))}
	}
	d := Groups{}.Customer([]*rapportv1.Interaction{at(2), at(2), at(3), at(20)})
	if d[key(Month, "2026-03-01", DimNone, "", CounterCustomers)] != 1 || d[key(Day, "2026-03-02", DimNone, "", CounterCustomers)] != 1 ||
		d[key(Week, "2026-03-02", DimChannel, "sms", CounterCustomers)] != 1 {
		t.Errorf("%v", d)
	}
}
