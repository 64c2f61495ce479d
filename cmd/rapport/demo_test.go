package main

import (
	"bytes"
	"context"
	"google.golang.org/protobuf/encoding/protojson"
	"slices"
	"strings"

	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// snapshot is what the demo data looks like through the API: every
// customer's and issue's etag (they change on any write) and every
// interaction name.
func snapshot(t *testing.T, ctx context.Context, p *process) map[string]string {
	t.Helper()
	customers := rapportv1.NewCustomerServiceClient(p.conn)
	issues := rapportv1.NewIssueServiceClient(p.conn)
	interactions := rapportv1.NewInteractionServiceClient(p.conn)
	out := map[string]string{}
	list, err := customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	// The merged customers too: ListCustomers lists them under their
	// survivor only, unless asked.
	merged, err := customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 100, Filter: "merged = true"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range merged.GetCustomers() {
		out[c.GetName()] = c.GetEtag()
	}
	for _, c := range list.GetCustomers() {
		out[c.GetName()] = c.GetEtag()
		is, err := issues.ListIssues(ctx, &rapportv1.ListIssuesRequest{Parent: c.GetName(), PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range is.GetIssues() {
			out[i.GetName()] = i.GetEtag()
		}
		ins, err := interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: c.GetName(), PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range ins.GetInteractions() {
			out[in.GetName()] = in.GetCreateTime().AsTime().String()
		}
	}
	return out
}

func TestDemoDataIsIdempotent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), freeAddr(t), "--demo")
	defer p.stop(t)
	ctx := t.Context()
	contexts := rapportv1.NewContextServiceClient(p.conn)
	// The demo loads while the server serves: wait until it says it is
	// done (a customer can be there before its issues).
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(p.logs.String(), "demo data loaded"); {
		if time.Now().After(deadline) {
			t.Fatalf("demo data not loaded after 30s:\n%s", p.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	res, err := contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: "customers/katherine-johnson"})
	if err != nil {
		t.Fatal(err)
	}
	cc := res.GetContext()
	if len(cc.GetOpenIssues()) != 1 || len(cc.GetHints()) == 0 {
		t.Errorf("demo context: %v", cc)
	}
	before := snapshot(t, ctx, p)
	// 6 customers (one merged into another), 6 issues (one migrated), 14
	// interactions.
	if len(before) != 26 {
		t.Fatalf("demo data has %d records, want 26", len(before))
	}
	// The German customer: facts read from her transcripts, sentiment
	// computed in German, and an apology owed (she is upset).
	lena, err := contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: "customers/lena-weber"})
	if err != nil {
		t.Fatal(err)
	}
	lc := lena.GetContext()
	if len(lc.GetOpenIssues()) != 1 || len(lc.GetOpenIssues()[0].GetFacts()) != 2 || lc.GetOpenIssues()[0].GetFacts()[0].GetOrigin() != rapportv1.FactOrigin_FACT_ORIGIN_EXTRACTED ||
		len(lc.GetCustomerFacts()) != 1 || lc.GetRecentInteractions()[0].GetExcerpt() == "" ||
		lc.GetRecentInteractions()[0].GetSentiment().GetSource() != rapportv1.SentimentSource_SENTIMENT_SOURCE_COMPUTED ||
		lc.GetRecentInteractions()[0].GetSentiment().GetLanguage() != "de" || !slices.ContainsFunc(lc.GetHints(), func(h *rapportv1.Hint) bool { return h.GetCode() == "APOLOGIZE_UPSET" }) {
		t.Errorf("lena's demo context: %v", lc)
	}
	// The merged customer's phone finds Ada, whose context holds its call.
	merged, err := contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Identity: "phone:+442079460999"})
	if err != nil {
		t.Fatal(err)
	}
	if merged.GetContext().GetCustomer() != "customers/ada-lovelace" || !slices.ContainsFunc(merged.GetContext().GetRecentInteractions(),
		func(in *rapportv1.Interaction) bool {
			return strings.HasPrefix(in.GetName(), "customers/ada-lovelace-phone/")
		}) {
		t.Errorf("the merged customer's context: %v", merged.GetContext())
	}
	// Grace's late survey, and Alan's tenure from his migrated start.
	grace, err := contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: "customers/grace-hopper"})
	if err != nil {
		t.Fatal(err)
	}
	if grace.GetContext().GetSatisfaction().GetCsat().GetValue() != 1 {
		t.Errorf("grace's late CSAT: %v", grace.GetContext().GetSatisfaction())
	}
	alan, err := contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: "customers/alan-turing"})
	if err != nil {
		t.Fatal(err)
	}
	if got := alan.GetContext().GetCustomerSince().AsTime(); !got.Equal(time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("alan's customer since %v", got)
	}
	if err := seedDemo(ctx, p.conn, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, ctx, p)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed on the second load: %q -> %q", k, v, after[k])
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d records after the second load, %d before", len(after), len(before))
	}
	ada, err := contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Identity: "email:ada.lovelace@example.org"})
	if err != nil || len(ada.GetContext().GetRepeatContacts()) == 0 {
		t.Errorf("ada's demo context: %v, %v", ada, err)
	}
	// rapport repair rebuilds every summary; the contexts stay the same.
	var out, errw bytes.Buffer
	addr := p.cmd.Args[slices.Index(p.cmd.Args, "--listen")+1]
	if err := run(ctx, []string{"repair", "--addr", addr}, func(string) string { return "" }, &out, &errw); err != nil {
		t.Fatalf("repair: %v\n%s", err, errw.String())
	}
	// Five names: the merged customer is listed under Ada only, whose
	// rebuild reads both halves (its name would rebuild Ada's context
	// again).
	if n := strings.Count(out.String(), "rebuilt from"); n != 5 || strings.Contains(out.String(), "ada-lovelace-phone") {
		t.Errorf("repair rebuilt %d customers:\n%s", n, out.String())
	}
	again, err := contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Identity: "email:ada.lovelace@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	clockFree(ada.GetContext())
	clockFree(again.GetContext())
	if diff := cmp.Diff(ada.GetContext(), again.GetContext(), protocmp.Transform()); diff != "" {
		t.Errorf("context changed by repair (-before +after):\n%s", diff)
	}

	// rapport insights shows the demo's figures; a rebuild recounts the
	// same ones (the demo erases nobody).
	insightsOf := func(args ...string) string {
		t.Helper()
		var out, errw bytes.Buffer
		args = append([]string{"insights", "--addr", addr, "--from", time.Now().AddDate(0, -3, 0).Format(time.DateOnly), "--by", "month"}, args...)
		if err := run(ctx, args, func(string) string { return "" }, &out, &errw); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errw.String())
		}
		return out.String()
	}
	asJSON := insightsOf("--json")
	var figures rapportv1.QueryInsightsResponse
	if err := protojson.Unmarshal([]byte(asJSON), &figures); err != nil {
		t.Fatal(err)
	}
	var contacts, csat int64
	for _, p := range figures.GetPeriods() {
		contacts += p.GetFigures().GetContacts()
		csat += p.GetFigures().GetCsat().GetSampleCount()
	}
	if contacts < 5 || csat == 0 {
		t.Errorf("the demo's insights: %d contacts, %d CSAT answers:\n%s", contacts, csat, asJSON)
	}
	if table := insightsOf("--group-by", "channel"); !strings.Contains(table, "CONTACTS") || !strings.Contains(table, "all") {
		t.Errorf("the table:\n%s", table)
	}
	out.Reset()
	if err := run(ctx, []string{"insights", "rebuild", "--addr", addr}, func(string) string { return "" }, &out, &errw); err != nil || !strings.Contains(out.String(), "counters") {
		t.Fatalf("insights rebuild: %v\n%s%s", err, out.String(), errw.String())
	}
	if again := insightsOf("--json"); again != asJSON {
		t.Errorf("a rebuild changed the figures:\n%s\n---\n%s", asJSON, again)
	}
}
