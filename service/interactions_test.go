package service_test

import (
	"fmt"
	"google.golang.org/grpc"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// newCustomer creates customers/{id} through the API.
func (ts *testServer) newCustomer(t testing.TB, id string) string {
	t.Helper()
	_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{CustomerId: id, Customer: &rapportv1.Customer{DisplayName: "Customer " + id}})
	if err != nil {
		t.Fatal(err)
	}
	return "customers/" + id
}

var base = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func at(minutes int) *timestamppb.Timestamp {
	return timestamppb.New(base.Add(time.Duration(minutes) * time.Minute))
}

func interaction(ch rapportv1.Channel, minutes int, source string) *rapportv1.Interaction {
	in := &rapportv1.Interaction{Channel: ch, OccurTime: at(minutes), Summary: "contact " + source}
	if source != "" {
		in.SourceSystem, in.SourceId = "crm", source
	}
	return in
}

func (ts *testServer) record(t *testing.T, parent string, in *rapportv1.Interaction) *rapportv1.RecordInteractionResponse {
	t.Helper()
	res, err := ts.interactions.RecordInteraction(t.Context(), &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	return res
}

func TestRecordOnEveryChannel(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	var want []string
	for i, ch := range []rapportv1.Channel{
		rapportv1.Channel_CHANNEL_VOICE, rapportv1.Channel_CHANNEL_CHAT, rapportv1.Channel_CHANNEL_EMAIL,
		rapportv1.Channel_CHANNEL_SMS, rapportv1.Channel_CHANNEL_SOCIAL, rapportv1.Channel_CHANNEL_WEB,
		rapportv1.Channel_CHANNEL_IN_PERSON,
	} {
		nps := int32(9)
		in := interaction(ch, i, fmt.Sprint("rec-", i))
		in.Direction, in.Agent, in.Outcome = rapportv1.Direction_DIRECTION_INBOUND, "agent-7", rapportv1.Outcome_OUTCOME_RESOLVED
		in.Topics = []string{"Billing", "billing", "refunds"}
		in.Survey = &rapportv1.SurveyAnswers{Nps: &nps}
		res := ts.record(t, parent, in)
		got := res.GetInteraction()
		if res.GetAlreadyRecorded() || got.GetChannel() != ch || !strings.HasPrefix(got.GetName(), parent+"/interactions/") ||
			strings.Join(got.GetTopics(), ",") != "billing,refunds" || got.GetSurvey().GetNps() != 9 || got.GetCreateTime() == nil {
			t.Errorf("recorded %v", res)
		}
		fetched, err := ts.interactions.GetInteraction(t.Context(), &rapportv1.GetInteractionRequest{Name: got.GetName()})
		if err != nil || !proto.Equal(fetched.GetInteraction(), got) {
			t.Errorf("get %s = %v, %v", got.GetName(), fetched, err)
		}
		want = append([]string{got.GetName()}, want...)
	}
	list, err := ts.interactions.ListInteractions(t.Context(), &rapportv1.ListInteractionsRequest{Parent: parent})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range list.GetInteractions() {
		got = append(got, in.GetName())
	}
	if !slices.Equal(got, want) {
		t.Errorf("history %v, want newest first %v", got, want)
	}
	// Another customer's interaction is not found under this one.
	other := ts.newCustomer(t, "bob")
	_, err = ts.interactions.GetInteraction(t.Context(), &rapportv1.GetInteractionRequest{Name: strings.Replace(want[0], parent, other, 1)})
	if code, info, _ := statusDetails(t, err); code != codes.NotFound || info.GetReason() != "INTERACTION_NOT_FOUND" {
		t.Errorf("interaction under another customer: %v %v", code, info)
	}
}

func TestRecordRetriesCreateNothingTwice(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	parent := ts.newCustomer(t, "ada")
	other := ts.newCustomer(t, "bob")

	req := &rapportv1.RecordInteractionRequest{Parent: parent, RequestId: "0b7b1f8e-2d0c-4c36-9f47-5b0f5c0a9d10",
		Interaction: &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: at(0), Text: "hello"}}
	first, err := ts.interactions.RecordInteraction(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ts.interactions.RecordInteraction(ctx, req)
	if err != nil || !again.GetAlreadyRecorded() || !proto.Equal(again.GetInteraction(), first.GetInteraction()) {
		t.Fatalf("retry = %v, %v; want the first result, already recorded", again, err)
	}
	changed := proto.Clone(req).(*rapportv1.RecordInteractionRequest)
	changed.Interaction.Text = "something else"
	_, err = ts.interactions.RecordInteraction(ctx, changed)
	if code, info, _ := statusDetails(t, err); code != codes.FailedPrecondition || info.GetReason() != "REQUEST_ID_REUSED" {
		t.Errorf("request id reused: %v %v", code, info)
	}

	// The same source record: recorded once, whatever the copies say.
	src := interaction(rapportv1.Channel_CHANNEL_EMAIL, 5, "ticket-1")
	a := ts.record(t, parent, proto.Clone(src).(*rapportv1.Interaction))
	src.Summary = "an edited copy"
	b := ts.record(t, parent, src)
	if !b.GetAlreadyRecorded() || b.GetInteraction().GetName() != a.GetInteraction().GetName() || b.GetInteraction().GetSummary() != a.GetInteraction().GetSummary() {
		t.Errorf("second copy of a source record: %v; want the first %v", b, a)
	}
	_, err = ts.interactions.RecordInteraction(ctx, &rapportv1.RecordInteractionRequest{Parent: other, Interaction: interaction(rapportv1.Channel_CHANNEL_EMAIL, 5, "ticket-1")})
	if code, info, _ := statusDetails(t, err); code != codes.AlreadyExists || info.GetReason() != "SOURCE_RECORD_OF_OTHER_CUSTOMER" {
		t.Errorf("source record for another customer: %v %v", code, info)
	}
	list, _ := ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: parent})
	if n := len(list.GetInteractions()); n != 2 {
		t.Errorf("%d interactions stored, want 2", n)
	}
}

func TestBatchRecordHasAResultPerItem(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	parent := ts.newCustomer(t, "ada")
	bad := int32(9)
	invalid := interaction(rapportv1.Channel_CHANNEL_VOICE, 2, "b-2")
	invalid.Survey = &rapportv1.SurveyAnswers{Csat: &bad}
	batch := &rapportv1.BatchRecordInteractionsRequest{Requests: []*rapportv1.RecordInteractionRequest{
		{Parent: parent, Interaction: interaction(rapportv1.Channel_CHANNEL_VOICE, 1, "b-1")},
		{Parent: parent, Interaction: invalid},
		{Parent: "customers/nobody", Interaction: interaction(rapportv1.Channel_CHANNEL_VOICE, 3, "b-3")},
		{Parent: parent, Interaction: interaction(rapportv1.Channel_CHANNEL_CHAT, 4, "b-4")},
		{Parent: parent, Interaction: interaction(rapportv1.Channel_CHANNEL_CHAT, 4, "b-4")}, // the same record twice
	}}
	check := func(res *rapportv1.BatchRecordInteractionsResponse, replay bool) {
		t.Helper()
		r := res.GetResults()
		if len(r) != 5 {
			t.Fatalf("%d results for 5 items", len(r))
		}
		if r[0].GetError() != nil || r[0].GetAlreadyRecorded() != replay || r[0].GetInteraction() == nil {
			t.Errorf("item 0: %v", r[0])
		}
		if e := r[1].GetError(); e.GetCode() != "INVALID_ARGUMENT" || len(e.GetFieldViolations()) != 1 || e.GetFieldViolations()[0].GetField() != "interaction.survey.csat" {
			t.Errorf("item 1: %v", r[1])
		}
		if e := r[2].GetError(); e.GetCode() != "NOT_FOUND" || e.GetReason() != "CUSTOMER_NOT_FOUND" {
			t.Errorf("item 2: %v", r[2])
		}
		if r[3].GetError() != nil || r[4].GetError() != nil || !r[4].GetAlreadyRecorded() || r[3].GetInteraction().GetName() != r[4].GetInteraction().GetName() {
			t.Errorf("items 3 and 4 (one record twice): %v / %v", r[3], r[4])
		}
	}
	res, err := ts.interactions.BatchRecordInteractions(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	check(res, false)
	res, err = ts.interactions.BatchRecordInteractions(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	check(res, true)
	list, _ := ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: parent})
	if n := len(list.GetInteractions()); n != 2 {
		t.Errorf("%d interactions stored after a batch and its replay, want 2", n)
	}
	for _, n := range []int{0, 501} {
		_, err := ts.interactions.BatchRecordInteractions(ctx, &rapportv1.BatchRecordInteractionsRequest{Requests: make([]*rapportv1.RecordInteractionRequest, n)})
		if code, _, fields := statusDetails(t, err); code != codes.InvalidArgument || fields["requests"] == "" {
			t.Errorf("batch of %d: %v %v", n, code, fields)
		}
	}
}

// importStream sends messages and returns the server's answers.
func importStream(t *testing.T, ts *testServer, msgs []*rapportv1.ImportInteractionsRequest) []*rapportv1.ImportInteractionsResponse {
	t.Helper()
	stream, err := ts.interactions.ImportInteractions(t.Context())
	return driveImport(t, stream, err, msgs)
}

// driveImport sends each message on an import stream, collects each
// answer, and checks that the stream ends cleanly.
func driveImport[Req, Resp any](t *testing.T, stream grpc.BidiStreamingClient[Req, Resp], err error, msgs []*Req) []*Resp {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var acks []*Resp
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			t.Fatal(err)
		}
		ack, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		acks = append(acks, ack)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != io.EOF {
		t.Fatalf("end of stream: %v", err)
	}
	return acks
}

func TestImportReplayCreatesNothingTwice(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	var msgs []*rapportv1.ImportInteractionsRequest
	for m := range 3 {
		msg := &rapportv1.ImportInteractionsRequest{}
		for i := range 100 {
			n := m*100 + i
			msg.Requests = append(msg.Requests, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: interaction(rapportv1.Channel_CHANNEL_EMAIL, n, fmt.Sprint("old-", n))})
		}
		msgs = append(msgs, msg)
	}
	// One item without a source ID: refused, since a replay would duplicate it.
	msgs[2].Requests[7].Interaction.SourceSystem, msgs[2].Requests[7].Interaction.SourceId = "", ""

	acks := importStream(t, ts, msgs)
	for m, ack := range acks {
		if ack.GetReceived() != int64(100*(m+1)) {
			t.Errorf("ack %d: received %d", m, ack.GetReceived())
		}
	}
	last := acks[2]
	if last.GetRecorded() != 299 || last.GetFailed() != 1 || last.GetAlreadyRecorded() != 0 ||
		len(last.GetFailures()) != 1 || last.GetFailures()[0].GetIndex() != 7 || last.GetFailures()[0].GetError().GetCode() != "INVALID_ARGUMENT" {
		t.Errorf("first import: %v", last)
	}
	replay := importStream(t, ts, msgs)[2]
	if replay.GetRecorded() != 0 || replay.GetAlreadyRecorded() != 299 || replay.GetFailed() != 1 {
		t.Errorf("replayed import: %v", replay)
	}
	total := 0
	req := &rapportv1.ListInteractionsRequest{Parent: parent, PageSize: 500}
	res, err := ts.interactions.ListInteractions(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	total += len(res.GetInteractions())
	if total != 299 {
		t.Errorf("%d interactions stored, want 299", total)
	}
}

func TestListInteractionsPagesWithFilters(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	parent := ts.newCustomer(t, "ada")
	issue, err := ts.issues.CreateIssue(ctx, &rapportv1.CreateIssueRequest{Parent: parent, IssueId: "refund", Issue: &rapportv1.Issue{Title: "Refund"}})
	if err != nil {
		t.Fatal(err)
	}
	channels := []rapportv1.Channel{rapportv1.Channel_CHANNEL_EMAIL, rapportv1.Channel_CHANNEL_CHAT, rapportv1.Channel_CHANNEL_VOICE}
	var batch []*rapportv1.RecordInteractionRequest
	type rec struct {
		minute  int
		channel rapportv1.Channel
		billing bool
		issue   bool
	}
	var recs []rec
	for i := range 150 {
		r := rec{minute: i / 2, channel: channels[i%3], billing: i%4 == 0, issue: i%5 == 0} // pairs share a minute
		recs = append(recs, r)
		in := interaction(r.channel, r.minute, fmt.Sprint("h-", i))
		if r.billing {
			in.Topics = []string{"billing"}
		}
		if r.issue {
			in.Issue = issue.GetIssue().GetName()
		}
		batch = append(batch, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
	}
	res, err := ts.interactions.BatchRecordInteractions(ctx, &rapportv1.BatchRecordInteractionsRequest{Requests: batch})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.GetResults() {
		if r.GetError() != nil {
			t.Fatal(r.GetError())
		}
	}
	for _, tc := range []struct {
		filter string
		match  func(r rec) bool
	}{
		{"", func(rec) bool { return true }},
		{"channel = CHANNEL_EMAIL", func(r rec) bool { return r.channel == rapportv1.Channel_CHANNEL_EMAIL }},
		{`topics:"billing" AND occur_time >= "2026-11-01T09:30:00Z"`, func(r rec) bool { return r.billing && r.minute >= 30 }},
		{`occur_time < "2026-11-01T09:10:00Z" AND occur_time > "2026-11-01T09:02:00Z"`, func(r rec) bool { return r.minute < 10 && r.minute > 2 }},
		{`issue = "customers/ada/issues/refund" AND channel = CHANNEL_VOICE`, func(r rec) bool { return r.issue && r.channel == rapportv1.Channel_CHANNEL_VOICE }},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			want := 0
			for _, r := range recs {
				if tc.match(r) {
					want++
				}
			}
			seen := map[string]bool{}
			var prev *rapportv1.Interaction
			req := &rapportv1.ListInteractionsRequest{Parent: parent, Filter: tc.filter, PageSize: 7}
			for page := 0; ; page++ {
				if page > 40 {
					t.Fatal("too many pages")
				}
				res, err := ts.interactions.ListInteractions(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				for _, in := range res.GetInteractions() {
					if seen[in.GetName()] {
						t.Errorf("%s listed twice", in.GetName())
					}
					seen[in.GetName()] = true
					if prev != nil && in.GetOccurTime().AsTime().After(prev.GetOccurTime().AsTime()) {
						t.Errorf("%s after an older one", in.GetName())
					}
					prev = in
				}
				if res.GetNextPageToken() == "" {
					break
				}
				req.PageToken = res.GetNextPageToken()
			}
			if len(seen) != want {
				t.Errorf("listed %d, want %d", len(seen), want)
			}
		})
	}
	first, _ := ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: parent, PageSize: 5})
	for _, tc := range []struct{ name, filter, token string }{
		{"token with another filter", "channel = CHANNEL_CHAT", first.GetNextPageToken()},
		{"OR", "channel = CHANNEL_CHAT OR channel = CHANNEL_EMAIL", ""},
		{"unknown field", "mood = 3", ""},
		{"unknown enum value", "channel = CHANNEL_PIGEON", ""},
		{"issue of another customer", `issue = "customers/bob/issues/x"`, ""},
		{"bad time", `occur_time > "yesterday"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: parent, Filter: tc.filter, PageToken: tc.token})
			if code, _, fields := statusDetails(t, err); code != codes.InvalidArgument || len(fields) == 0 {
				t.Errorf("got %v %v, want INVALID_ARGUMENT", code, fields)
			}
		})
	}
	_, err = ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: "customers/nobody"})
	if code, _, _ := statusDetails(t, err); code != codes.NotFound {
		t.Errorf("history of a missing customer: %v", code)
	}
}

func TestComputedSentiment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	for i, tc := range []struct {
		text  string
		label rapportv1.SentimentLabel
	}{
		{"Thank you so much, the agent was wonderful and fixed everything!", rapportv1.SentimentLabel_SENTIMENT_LABEL_POSITIVE},
		{"Great service, I love it :)", rapportv1.SentimentLabel_SENTIMENT_LABEL_POSITIVE},
		{"This is terrible. I am furious and I hate waiting for hours.", rapportv1.SentimentLabel_SENTIMENT_LABEL_NEGATIVE},
		{"Worst experience ever, completely useless and rude!!!", rapportv1.SentimentLabel_SENTIMENT_LABEL_NEGATIVE},
		{"The package arrived on Tuesday.", rapportv1.SentimentLabel_SENTIMENT_LABEL_NEUTRAL},
	} {
		in := interaction(rapportv1.Channel_CHANNEL_CHAT, i, fmt.Sprint("s-", i))
		in.Summary, in.Text = "", tc.text
		got := ts.record(t, parent, in).GetInteraction().GetSentiment()
		if got.GetLabel() != tc.label || got.GetSource() != rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED {
			t.Errorf("%q: %v, want %v computed", tc.text, got, tc.label)
		}
		if (tc.label == rapportv1.SentimentLabel_SENTIMENT_LABEL_POSITIVE) != (got.GetScore() > 0.05) {
			t.Errorf("%q: score %v does not match %v", tc.text, got.GetScore(), tc.label)
		}
	}
	// A given sentiment is kept, its label derived from the score.
	in := interaction(rapportv1.Channel_CHANNEL_VOICE, 10, "given")
	in.Text = "Thank you so much!"
	in.Sentiment = &rapportv1.Sentiment{Score: -0.6}
	got := ts.record(t, parent, in).GetInteraction().GetSentiment()
	if got.GetScore() != -0.6 || got.GetLabel() != rapportv1.SentimentLabel_SENTIMENT_LABEL_NEGATIVE || got.GetSource() != rapportv1.SentimentSource_SENTIMENT_SOURCE_GIVEN {
		t.Errorf("given sentiment: %v", got)
	}
}

func TestBadInteractionInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := t.Context()
	parent := ts.newCustomer(t, "ada")
	bob := ts.newCustomer(t, "bob")
	bobIssue, err := ts.issues.CreateIssue(ctx, &rapportv1.CreateIssueRequest{Parent: bob, IssueId: "x", Issue: &rapportv1.Issue{Title: "Bob's"}})
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(in *rapportv1.Interaction)) *rapportv1.Interaction {
		in := interaction(rapportv1.Channel_CHANNEL_CHAT, 0, "")
		f(in)
		return in
	}
	big := int32(11)
	for _, tc := range []struct {
		name   string
		parent string
		in     *rapportv1.Interaction
		code   codes.Code
		field  string
	}{
		{"unknown customer", "customers/nobody", with(func(*rapportv1.Interaction) {}), codes.NotFound, ""},
		{"unknown issue", parent, with(func(in *rapportv1.Interaction) { in.Issue = parent + "/issues/nope" }), codes.NotFound, ""},
		{"issue of another customer", parent, with(func(in *rapportv1.Interaction) { in.Issue = bobIssue.GetIssue().GetName() }), codes.InvalidArgument, "interaction.issue"},
		{"no channel", parent, with(func(in *rapportv1.Interaction) { in.Channel = 0 }), codes.InvalidArgument, "interaction.channel"},
		{"unknown channel", parent, with(func(in *rapportv1.Interaction) { in.Channel = 99 }), codes.InvalidArgument, "interaction.channel"},
		{"unknown outcome", parent, with(func(in *rapportv1.Interaction) { in.Outcome = 42 }), codes.InvalidArgument, "interaction.outcome"},
		{"no time", parent, with(func(in *rapportv1.Interaction) { in.OccurTime = nil }), codes.InvalidArgument, "interaction.occur_time"},
		{"time in the future", parent, with(func(in *rapportv1.Interaction) { in.OccurTime = timestamppb.New(time.Now().Add(time.Hour)) }), codes.InvalidArgument, "interaction.occur_time"},
		{"oversize text", parent, with(func(in *rapportv1.Interaction) { in.Text = strings.Repeat("a", 65537) }), codes.InvalidArgument, "interaction.text"},
		{"too many topics", parent, with(func(in *rapportv1.Interaction) {
			for i := range 21 {
				in.Topics = append(in.Topics, fmt.Sprint("t", i))
			}
		}), codes.InvalidArgument, "interaction.topics"},
		{"bad topic", parent, with(func(in *rapportv1.Interaction) { in.Topics = []string{"two words"} }), codes.InvalidArgument, "interaction.topics[0]"},
		{"nps out of range", parent, with(func(in *rapportv1.Interaction) { in.Survey = &rapportv1.SurveyAnswers{Nps: &big} }), codes.InvalidArgument, "interaction.survey.nps"},
		{"sentiment out of range", parent, with(func(in *rapportv1.Interaction) { in.Sentiment = &rapportv1.Sentiment{Score: 2} }), codes.InvalidArgument, "interaction.sentiment.score"},
		{"source id alone", parent, with(func(in *rapportv1.Interaction) { in.SourceId = "x" }), codes.InvalidArgument, "interaction.source_id"},
		{"bad fact key", parent, with(func(in *rapportv1.Interaction) { in.Facts = []*rapportv1.Fact{{Key: "Order Number", Value: "1"}} }), codes.InvalidArgument, "interaction.facts[0].key"},
		{"no interaction", parent, nil, codes.InvalidArgument, "interaction"},
		{"bad parent", "ada", with(func(*rapportv1.Interaction) {}), codes.InvalidArgument, "parent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.interactions.RecordInteraction(ctx, &rapportv1.RecordInteractionRequest{Parent: tc.parent, Interaction: tc.in})
			code, _, fields := statusDetails(t, err)
			if code != tc.code {
				t.Fatalf("got %v %v, want %v", code, fields, tc.code)
			}
			if _, ok := fields[tc.field]; tc.field != "" && !ok {
				t.Errorf("violations %v do not name %s", fields, tc.field)
			}
		})
	}
	list, _ := ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: parent})
	if len(list.GetInteractions()) != 0 {
		t.Errorf("refused records stored %d interactions", len(list.GetInteractions()))
	}
}
