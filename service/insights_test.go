package service_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/insights"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func (ts *testServer) insights(t *testing.T, from, to time.Time, g rapportv1.InsightsGranularity, by rapportv1.InsightsDimension) []*rapportv1.InsightsPeriod {
	t.Helper()
	res, err := rapportv1.NewInsightsServiceClient(ts.conn).QueryInsights(t.Context(), &rapportv1.QueryInsightsRequest{
		StartTime: timestamppb.New(from), EndTime: timestamppb.New(to), Granularity: g, GroupBy: by,
	})
	if err != nil {
		t.Fatalf("QueryInsights: %v", err)
	}
	return res.GetPeriods()
}

// dayFigures are the figures of the one day starting at day.
func (ts *testServer) dayFigures(t *testing.T, day time.Time) *rapportv1.InsightsFigures {
	t.Helper()
	ps := ts.insights(t, day, day.Add(24*time.Hour), rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_DAY, 0)
	if len(ps) != 1 {
		t.Fatalf("%d periods for one day", len(ps))
	}
	return ps[0].GetFigures()
}

// storedRollups are every non-zero rollup counter of the tenant, read
// from the store.
func storedRollups(t *testing.T, store repositorytest.Store) insights.Delta {
	t.Helper()
	d := insights.Delta{}
	for _, g := range []string{insights.Day, insights.Week, insights.Month} {
		rows, err := store.ReadInsights(t.Context(), "default", repository.InsightQuery{
			Granularity: g, From: "0000-00-00", To: "9999-99-99",
			Dims: []string{insights.DimNone, insights.DimChannel, insights.DimTopic, insights.DimAgent},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			d[r.InsightKey] += r.N
		}
	}
	maps.DeleteFunc(d, func(_ repository.InsightKey, n int64) bool { return n == 0 })
	return d
}

var day0 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday

func atDay(day int, hour int) *timestamppb.Timestamp {
	return timestamppb.New(day0.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour))
}

func TestInsightsFiguresAsDefined(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	c := ts.newCustomer(t, "fig")
	one := ts.newIssue(t, c, "one", &rapportv1.Issue{Title: "Bill", Topic: "billing", OpenTime: atDay(0, 8)})
	two := ts.newIssue(t, c, "two", &rapportv1.Issue{Title: "Router", Topic: "router", OpenTime: atDay(0, 8)})
	contacts := []*rapportv1.Interaction{
		{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: atDay(0, 9), Agent: "a1", Topics: []string{"billing"}, Issue: one.GetName(),
			Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(5), Nps: proto.Int32(10), Ces: proto.Int32(2)}, Text: "Thank you so much, this is wonderful and very helpful!"},
		{Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: atDay(0, 10), Agent: "a2", Topics: []string{"invoice", "zzq"}, Issue: two.GetName(),
			Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(2), Nps: proto.Int32(3)}},
		{Channel: rapportv1.Channel_CHANNEL_VOICE, OccurTime: atDay(0, 11), Issue: two.GetName()},
		{Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: atDay(1, 9)},
	}
	for _, in := range contacts {
		ts.record(t, c, in)
	}
	if _, err := ts.setStatus(t, one.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.setStatus(t, two.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.setStatus(t, two.GetName(), rapportv1.IssueStatus_ISSUE_STATUS_REOPENED); err != nil {
		t.Fatal(err)
	}

	f := ts.dayFigures(t, day0)
	if f.GetContacts() != 3 || f.GetCustomersContacted() != 1 {
		t.Errorf("contacts %d, customers %d; want 3, 1", f.GetContacts(), f.GetCustomersContacted())
	}
	if cs := f.GetCsat(); cs.GetSampleCount() != 2 || cs.GetMean() != 3.5 || cs.GetSatisfiedShare() != 0.5 || cs.GetSatisfiedCount() != 1 {
		t.Errorf("csat %v", cs)
	}
	if n := f.GetNps(); n.GetSampleCount() != 2 || n.GetPromoters() != 1 || n.GetDetractors() != 1 || n.GetPassives() != 0 || n.GetScore() != 0 {
		t.Errorf("nps %v", n)
	}
	if ces := f.GetCes(); ces.GetSampleCount() != 1 || ces.GetMean() != 2 {
		t.Errorf("ces %v", ces)
	}
	if r := f.GetSurveyResponse(); r.GetCount() != 2 || r.GetSampleCount() != 3 {
		t.Errorf("survey response %v", r)
	}
	if s := f.GetSentiment(); s.GetPositive() != 1 || s.GetSampleCount() != 1 {
		t.Errorf("sentiment %v (only computed scores count: one text)", s)
	}
	// Issue one: resolved with one contact. Issue two: two contacts,
	// resolved then reopened within the window.
	if r := f.GetFirstContactResolution(); r.GetCount() != 1 || r.GetSampleCount() != 1 {
		t.Errorf("fcr %v", r)
	}
	if r := f.GetRepeatContact(); r.GetCount() != 1 || r.GetSampleCount() != 2 {
		t.Errorf("repeat %v", r)
	}
	if r := f.GetRelapse(); r.GetCount() != 1 || r.GetSampleCount() != 2 {
		t.Errorf("relapse %v", r)
	}
	if r := f.GetReopen(); r.GetCount() != 1 || r.GetSampleCount() != 2 {
		t.Errorf("reopen %v", r)
	}
	if rt := f.GetResolutionTime(); rt.GetSampleCount() != 1 || rt.GetMedian().AsDuration() <= 0 {
		t.Errorf("resolution time %v", rt)
	}

	// No survey that day: the survey figures are absent, not zero.
	f1 := ts.dayFigures(t, day0.AddDate(0, 0, 1))
	if f1.GetContacts() != 1 || f1.Csat != nil || f1.Nps != nil || f1.Ces != nil || f1.Sentiment != nil || f1.FirstContactResolution != nil || f1.ResolutionTime != nil {
		t.Errorf("a day without surveys or issues: %v", f1)
	}
	// An empty day is a period with empty figures.
	if f2 := ts.dayFigures(t, day0.AddDate(0, 0, 2)); f2.GetContacts() != 0 || f2.SurveyResponse != nil {
		t.Errorf("an empty day: %v", f2)
	}

	// Grouped by topic: "invoice" counts as billing, "zzq" as other.
	ps := ts.insights(t, day0, day0.AddDate(0, 0, 7), rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_WEEK, rapportv1.InsightsDimension_INSIGHTS_DIMENSION_TOPIC)
	if len(ps) != 1 {
		t.Fatalf("%d weeks", len(ps))
	}
	got := map[string]int64{}
	for _, g := range ps[0].GetGroups() {
		got[g.GetValue()] = g.GetFigures().GetContacts()
	}
	if want := map[string]int64{"billing": 2, "other": 1, "none": 0}; got["billing"] != 2 || got["other"] != 1 {
		t.Errorf("contacts by topic %v, want %v", got, want)
	}
	if ps[0].GetFigures().GetContacts() != 4 || ps[0].GetFigures().GetCustomersContacted() != 1 {
		t.Errorf("the week: %v", ps[0].GetFigures())
	}
	// By agent.
	ps = ts.insights(t, day0, day0.AddDate(0, 0, 1), 0, rapportv1.InsightsDimension_INSIGHTS_DIMENSION_AGENT)
	var agents []string
	for _, g := range ps[0].GetGroups() {
		agents = append(agents, fmt.Sprintf("%s:%d", g.GetValue(), g.GetFigures().GetContacts()))
	}
	if want := []string{"a1:1", "a2:1", "none:1"}; !slices.Equal(agents, want) {
		t.Errorf("by agent %v, want %v", agents, want)
	}
	_ = ctx
}

func TestInsightsLateSurveyCountsInTheContactsPeriod(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.newCustomer(t, "late")
	in := ts.record(t, c, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: atDay(0, 9), Summary: "asked"}).GetInteraction()
	if f := ts.dayFigures(t, day0); f.Csat != nil {
		t.Fatalf("csat before any answer: %v", f.Csat)
	}
	for _, csat := range []int32{2, 5} { // the later answer replaces the first
		_, err := ts.interactions.RecordSurvey(t.Context(), &rapportv1.RecordSurveyRequest{Interaction: in.GetName(), RequestId: fmt.Sprintf("4e0d9d0e-1111-4a3c-9c1e-00000000000%d", csat),
			Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(csat), AnswerTime: atDay(20+int(csat), 9)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if f := ts.dayFigures(t, day0); f.GetCsat().GetSampleCount() != 1 || f.GetCsat().GetMean() != 5 {
		t.Errorf("the contact's day: csat %v, want the one latest answer (5)", f.GetCsat())
	}
	if f := ts.dayFigures(t, day0.AddDate(0, 0, 25)); f.Csat != nil {
		t.Errorf("the answer's day: csat %v, want none", f.GetCsat())
	}
}

func TestInsightsMergeCountsACustomerOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	a, b := ts.newCustomer(t, "m-a"), ts.newCustomer(t, "m-b")
	ts.record(t, a, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: atDay(0, 9), Summary: "x"})
	ts.record(t, b, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: atDay(0, 10), Summary: "y"})
	ts.record(t, b, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_SMS, OccurTime: atDay(3, 10), Summary: "z"})
	month := func() *rapportv1.InsightsFigures {
		ps := ts.insights(t, day0, day0.Add(time.Hour), rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_MONTH, 0)
		return ps[0].GetFigures()
	}
	if f, d := month(), ts.dayFigures(t, day0); f.GetCustomersContacted() != 2 || f.GetContacts() != 3 || d.GetCustomersContacted() != 2 {
		t.Fatalf("before the merge: month %v, day %v", f, d)
	}
	if _, err := ts.customers.MergeCustomers(t.Context(), &rapportv1.MergeCustomersRequest{Customer: a, MergedCustomer: b}); err != nil {
		t.Fatal(err)
	}
	if f, d := month(), ts.dayFigures(t, day0); f.GetCustomersContacted() != 1 || f.GetContacts() != 3 || d.GetCustomersContacted() != 1 {
		t.Errorf("after the merge: month %v, day %v; want 1 customer, 3 contacts", f, d)
	}
	// A retried merge moves nothing twice.
	if _, err := ts.customers.MergeCustomers(t.Context(), &rapportv1.MergeCustomersRequest{Customer: a, MergedCustomer: b}); err != nil {
		t.Fatal(err)
	}
	if f := month(); f.GetCustomersContacted() != 1 {
		t.Errorf("after a retried merge: %v", f)
	}
	// A contact recorded for the merged customer is the survivor's person.
	ts.record(t, b, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: atDay(0, 12), Summary: "w"})
	if d := ts.dayFigures(t, day0); d.GetCustomersContacted() != 1 || d.GetContacts() != 3 {
		t.Errorf("a contact of the merged half: %v", d)
	}
	if _, err := ts.customers.UnmergeCustomer(t.Context(), &rapportv1.UnmergeCustomerRequest{Name: a + "/merges/m-b"}); err != nil {
		t.Fatal(err)
	}
	if f, d := month(), ts.dayFigures(t, day0); f.GetCustomersContacted() != 2 || d.GetCustomersContacted() != 2 {
		t.Errorf("after the unmerge: month %v, day %v", f, d)
	}
}

func TestInsightsErasureKeepsFiguresAndNoPersonalData(t *testing.T) {
	t.Parallel()
	ts, store := newTestServerDB(t)
	const id, marker = "erased-insights-subject", "zq-insight-marker"
	_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: id, Customer: &rapportv1.Customer{DisplayName: "Zqname " + marker,
		Identities: []*rapportv1.Identity{identity(emailType, "zq-insights@example.com")}}})
	if err != nil {
		t.Fatal(err)
	}
	c := "customers/" + id
	is := ts.newIssue(t, c, "i", &rapportv1.Issue{Title: "about " + marker, Topic: "billing", OpenTime: atDay(0, 8)})
	ts.record(t, c, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: atDay(0, 9), Text: "I am " + marker + " and very happy", Summary: marker,
		Agent: "agent-7", Topics: []string{"billing"}, Issue: is.GetName(), Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(4), Comment: marker}})
	before := ts.dayFigures(t, day0)
	if _, err := ts.customers.DeleteCustomer(t.Context(), &rapportv1.DeleteCustomerRequest{Name: c}); err != nil {
		t.Fatal(err)
	}
	if after := ts.dayFigures(t, day0); !proto.Equal(before, after) || after.GetContacts() != 1 {
		t.Errorf("figures after the erasure %v, want as before %v", after, before)
	}
	var rollups int
	for _, r := range engine().Rows(t, store) {
		if !strings.Contains(r.Table, "insight") {
			continue
		}
		rollups++
		for _, v := range append([]string{r.Key}, r.Values...) {
			low := strings.ToLower(v)
			for _, needle := range []string{id, marker, "zqname", "zq-insights", "example.com"} {
				if strings.Contains(low, needle) {
					t.Errorf("rollup %s %q holds %q", r.Table, v, needle)
				}
			}
		}
	}
	if rollups == 0 {
		t.Fatal("no rollup rows found to check")
	}
}

func TestInsightsBadRequests(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := rapportv1.NewInsightsServiceClient(ts.conn)
	for _, tc := range []struct {
		name  string
		req   *rapportv1.QueryInsightsRequest
		field string
	}{
		{"no start", &rapportv1.QueryInsightsRequest{EndTime: timestamppb.New(day0)}, "start_time"},
		{"no end", &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(day0)}, "end_time"},
		{"end before start", &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(day0), EndTime: timestamppb.New(day0.Add(-time.Hour))}, "end_time"},
		{"too many days", &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(day0), EndTime: timestamppb.New(day0.AddDate(2, 0, 0))}, "end_time"},
		{"unknown granularity", &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(day0), EndTime: timestamppb.New(day0.AddDate(0, 0, 1)), Granularity: 9}, "granularity"},
		{"unknown dimension", &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(day0), EndTime: timestamppb.New(day0.AddDate(0, 0, 1)), GroupBy: 9}, "group_by"},
	} {
		_, err := c.QueryInsights(t.Context(), tc.req)
		st := status.Convert(err)
		if st.Code() != codes.InvalidArgument {
			t.Errorf("%s: %v, want INVALID_ARGUMENT", tc.name, err)
			continue
		}
		var fields []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					fields = append(fields, v.GetField())
				}
			}
		}
		if !slices.Contains(fields, tc.field) {
			t.Errorf("%s: violations on %v, want %s", tc.name, fields, tc.field)
		}
	}
	// A year by month is 12 periods.
	res, err := c.QueryInsights(t.Context(), &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		EndTime: timestamppb.New(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)), Granularity: rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_MONTH})
	if err != nil || len(res.GetPeriods()) != 12 {
		t.Errorf("a year by month: %d periods, %v", len(res.GetPeriods()), err)
	}
}

// issueMoves are the lifecycle's legal moves (UpdateIssue).
var issueMoves = map[rapportv1.IssueStatus][]rapportv1.IssueStatus{
	rapportv1.IssueStatus_ISSUE_STATUS_OPEN:     {rapportv1.IssueStatus_ISSUE_STATUS_PENDING, rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, rapportv1.IssueStatus_ISSUE_STATUS_CLOSED},
	rapportv1.IssueStatus_ISSUE_STATUS_PENDING:  {rapportv1.IssueStatus_ISSUE_STATUS_OPEN, rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, rapportv1.IssueStatus_ISSUE_STATUS_CLOSED},
	rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED: {rapportv1.IssueStatus_ISSUE_STATUS_REOPENED, rapportv1.IssueStatus_ISSUE_STATUS_REOPENED, rapportv1.IssueStatus_ISSUE_STATUS_CLOSED},
	rapportv1.IssueStatus_ISSUE_STATUS_REOPENED: {rapportv1.IssueStatus_ISSUE_STATUS_PENDING, rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, rapportv1.IssueStatus_ISSUE_STATUS_CLOSED},
}

// TestInsightsEqualARecountAfterRandomOperations drives random records,
// late surveys, back-filled issues, issue moves, merges, unmerges and
// erasures through the API, and checks that the rollups kept on the way
// equal a recount of what is stored, plus what the erased customers had
// contributed (figures of the past stay).
func TestInsightsEqualARecountAfterRandomOperations(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	ts, store := newTestServerDB(t)
	ctx := t.Context()
	type customer struct {
		id       string
		into     string   // survivor, when merged
		halves   []string // merged into it
		ins      []*rapportv1.Interaction
		issues   []*rapportv1.Issue
		erasable bool
	}
	people := map[string]*customer{}
	var ids []string
	for i := range 12 {
		id := fmt.Sprintf("p%d", i)
		ts.newCustomer(t, id)
		people[id] = &customer{id: id}
		ids = append(ids, id)
	}
	erased := insights.Delta{}
	pick := func(ok func(*customer) bool) *customer {
		var cs []*customer
		for _, id := range ids {
			if c := people[id]; c != nil && ok(c) {
				cs = append(cs, c)
			}
		}
		if len(cs) == 0 {
			return nil
		}
		return cs[rng.IntN(len(cs))]
	}
	any := func(*customer) bool { return true }
	channels := []rapportv1.Channel{rapportv1.Channel_CHANNEL_CHAT, rapportv1.Channel_CHANNEL_VOICE, rapportv1.Channel_CHANNEL_EMAIL, rapportv1.Channel_CHANNEL_SMS}
	topicWords := []string{"billing", "invoice", "router", "zzq-odd", "delivery"}
	agents := []string{"", "a1", "a2", "bot"}
	texts := []string{"", "Thank you, this is great and very helpful!", "This is terrible, I am angry and upset.", "The parcel arrived on Tuesday."}
	for op := range 120 {
		switch k := rng.IntN(100); {
		case k < 40: // record
			c := pick(any)
			if c == nil {
				continue
			}
			in := &rapportv1.Interaction{Channel: channels[rng.IntN(len(channels))], OccurTime: atDay(rng.IntN(34)-20, rng.IntN(24)),
				Agent: agents[rng.IntN(len(agents))], Text: texts[rng.IntN(len(texts))], Summary: "op " + fmt.Sprint(op)}
			for range rng.IntN(3) {
				in.Topics = append(in.Topics, topicWords[rng.IntN(len(topicWords))])
			}
			if rng.IntN(3) == 0 {
				in.Survey = &rapportv1.SurveyAnswers{Csat: proto.Int32(int32(1 + rng.IntN(5)))}
				if rng.IntN(2) == 0 {
					in.Survey.Nps = proto.Int32(int32(rng.IntN(11)))
				}
				if rng.IntN(2) == 0 {
					in.Survey.Ces = proto.Int32(int32(1 + rng.IntN(7)))
				}
			}
			if len(c.issues) > 0 && rng.IntN(2) == 0 {
				in.Issue = c.issues[rng.IntN(len(c.issues))].GetName()
			}
			res := ts.record(t, "customers/"+c.id, in)
			c.ins = append(c.ins, res.GetInteraction())
		case k < 52: // a late survey
			c := pick(func(c *customer) bool { return len(c.ins) > 0 })
			if c == nil {
				continue
			}
			in := c.ins[rng.IntN(len(c.ins))]
			answer := in.GetOccurTime().AsTime().Add(time.Duration(1+rng.IntN(500)) * time.Hour)
			if answer.After(time.Now()) {
				answer = time.Now()
			}
			_, err := ts.interactions.RecordSurvey(ctx, &rapportv1.RecordSurveyRequest{Interaction: in.GetName(), RequestId: fmt.Sprintf("5a0d9d0e-2222-4a3c-9c1e-%012d", op),
				Survey: &rapportv1.SurveyAnswers{Csat: proto.Int32(int32(1 + rng.IntN(5))), Nps: proto.Int32(int32(rng.IntN(11))), AnswerTime: timestamppb.New(answer)}})
			if err != nil {
				t.Fatalf("op %d survey: %v", op, err)
			}
		case k < 64: // a back-filled issue
			c := pick(any)
			if c == nil {
				continue
			}
			is := ts.newIssue(t, "customers/"+c.id, fmt.Sprintf("is%d", op), &rapportv1.Issue{Title: "t", Topic: topicWords[rng.IntN(len(topicWords))], OpenTime: atDay(rng.IntN(40)-20, 1)})
			c.issues = append(c.issues, is)
		case k < 80: // an issue move
			c := pick(func(c *customer) bool { return len(c.issues) > 0 })
			if c == nil {
				continue
			}
			i := rng.IntN(len(c.issues))
			moves := issueMoves[c.issues[i].GetStatus()]
			if len(moves) == 0 {
				continue
			}
			is, err := ts.setStatus(t, c.issues[i].GetName(), moves[rng.IntN(len(moves))])
			if err != nil {
				t.Fatalf("op %d move: %v", op, err)
			}
			c.issues[i] = is
		case k < 88: // a merge
			s := pick(func(c *customer) bool { return c.into == "" })
			m := pick(func(c *customer) bool { return c.into == "" && len(c.halves) == 0 && c != s })
			if s == nil || m == nil {
				continue
			}
			if _, err := ts.customers.MergeCustomers(ctx, &rapportv1.MergeCustomersRequest{Customer: "customers/" + s.id, MergedCustomer: "customers/" + m.id}); err != nil {
				t.Fatalf("op %d merge: %v", op, err)
			}
			m.into, s.halves = s.id, append(s.halves, m.id)
		case k < 94: // an unmerge
			m := pick(func(c *customer) bool { return c.into != "" })
			if m == nil {
				continue
			}
			s := people[m.into]
			if _, err := ts.customers.UnmergeCustomer(ctx, &rapportv1.UnmergeCustomerRequest{Name: "customers/" + s.id + "/merges/" + m.id}); err != nil {
				t.Fatalf("op %d unmerge: %v", op, err)
			}
			m.into, s.halves = "", slices.DeleteFunc(s.halves, func(id string) bool { return id == m.id })
		default: // an erasure: what the customer counted stays
			c := pick(func(c *customer) bool { return c.into == "" && len(c.halves) == 0 })
			if c == nil {
				continue
			}
			d, err := service.RecountPerson(ctx, store, "default", c.id, insights.Groups{})
			if err != nil {
				t.Fatal(err)
			}
			erased.Add(d, 1)
			if _, err := ts.customers.DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: "customers/" + c.id}); err != nil {
				t.Fatalf("op %d erase: %v", op, err)
			}
			delete(people, c.id)
		}
	}
	want, err := service.RecountInsights(ctx, store, "default", insights.Groups{})
	if err != nil {
		t.Fatal(err)
	}
	want.Add(erased, 1)
	got := storedRollups(t, store)
	if len(want) == 0 {
		t.Fatal("nothing counted")
	}
	diffs := 0
	for k, n := range want {
		if got[k] != n {
			diffs++
			if diffs < 10 {
				t.Errorf("%+v: kept %d, recount %d", k, got[k], n)
			}
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			diffs++
			if diffs < 10 {
				t.Errorf("%+v: kept %d, recount 0", k, n)
			}
		}
	}
	if diffs > 0 {
		t.Errorf("%d counters differ of %d", diffs, len(want))
	}

	// A rebuild recounts (and drops the erased customers' figures).
	if _, err := rapportv1.NewInsightsServiceClient(ts.conn).RebuildInsights(ctx, &rapportv1.RebuildInsightsRequest{}); err != nil {
		t.Fatal(err)
	}
	want.Add(erased, -1)
	if got := storedRollups(t, store); !maps.Equal(got, want) {
		t.Errorf("after a rebuild: %d counters, recount %d", len(got), len(want))
	}
	// The rebuild made the contact marks again: a contact like one stored
	// (the same days and groups) counts no customer a second time.
	for _, id := range ids {
		c := people[id]
		if c == nil || c.into != "" || len(c.ins) == 0 {
			continue
		}
		like := proto.CloneOf(c.ins[0])
		ts.record(t, "customers/"+c.id, &rapportv1.Interaction{Channel: like.GetChannel(), OccurTime: like.GetOccurTime(), Agent: like.GetAgent(), Topics: like.GetTopics(), Summary: "again"})
		want, err := service.RecountInsights(ctx, store, "default", insights.Groups{})
		if err != nil {
			t.Fatal(err)
		}
		if got := storedRollups(t, store); !maps.Equal(got, want) {
			t.Errorf("a contact after the rebuild: %d counters, recount %d", len(got), len(want))
		}
		break
	}
}

// The rollups' cost on the write path in round trips (machine-independent):
// a RecordInteraction adds one read of the customer's survivor (merges; on
// SQLite none: the write's own read of the customer gives it),
// one insert of its contact marks (whether it is counted as a customer
// contacted in each period and group: no read of the history, however
// long) and one upsert of every counter it moves; a RecordSurvey one read
// and one upsert.
func TestInsightsRoundTripsPerWrite(t *testing.T) {
	t.Parallel()
	counts := map[bool][2]map[string]int{}
	for _, without := range []bool{false, true} {
		var counter commandCounter
		ts := startServer(t, counter.store(t), service.Options{WithoutInsightRollups: without})
		c := ts.newCustomer(t, "rt")
		for i := range 10 {
			req := historyItem(c, i)
			req.Interaction.SourceId = fmt.Sprint("rt-", i)
			ts.record(t, c, req.GetInteraction())
		}
		req := historyItem(c, 11)
		req.Interaction.SourceId = "rt-measured"
		var in *rapportv1.Interaction
		rec := counter.during(func() { in = ts.record(t, c, req.GetInteraction()).GetInteraction() })
		sv := counter.during(func() {
			csat := int32(2)
			if _, err := ts.interactions.RecordSurvey(t.Context(), &rapportv1.RecordSurveyRequest{Interaction: in.GetName(), RequestId: "8c0d9d0e-4444-4a3c-9c1e-000000000001",
				Survey: &rapportv1.SurveyAnswers{Csat: &csat, AnswerTime: timestamppb.Now()}}); err != nil {
				t.Fatal(err)
			}
		})
		counts[without] = [2]map[string]int{rec, sv}
	}
	t.Logf("RecordInteraction: %v with rollups, %v without", counts[false][0], counts[true][0])
	t.Logf("RecordSurvey: %v with rollups, %v without", counts[false][1], counts[true][1])
	total := func(m map[string]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	}
	// Reads: the survivor (merged into); writes: the marks, and one
	// upsert of the counters (a multi-row upsert on SQLite, a bulk write on
	// MongoDB).
	const writes = 1
	// SQLite reads the survivor with the customer the write checks
	// (RecordResult.Survivor); MongoDB reads it from the merges.
	reads := map[string]int{"sqlite": 0, "mongo": 1}[engine().Name()]
	if extra := total(counts[false][0]) - total(counts[true][0]); extra > reads+1+writes {
		t.Errorf("RecordInteraction: %d round trips for the rollups, want at most %d", extra, reads+1+writes)
	}
	if extra := counts[false][0]["read"] - counts[true][0]["read"]; extra > reads {
		t.Errorf("RecordInteraction: %d reads for the rollups, want %d (the survivor's; no read of the history)", extra, reads)
	}
	if extra := total(counts[false][1]) - total(counts[true][1]); extra > 1+writes {
		t.Errorf("RecordSurvey: %d round trips for the rollups, want at most %d", extra, 1+writes)
	}
}
