package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// chromium is the path of a Chromium to drive. Without one the browser
// tests fail under CI=true (.ci/run installs Debian's chromium) and are
// skipped, saying so, elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH: the console's browser tests need it (apt-get install chromium; .ci/run installs it)")
	}
	t.Skip("no chromium on PATH: the console's browser tests are skipped (apt-get install chromium to run them; under CI=true they fail instead)")
	return ""
}

// newBrowser starts a headless Chromium of its own, closed when t ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		// Without these Chromium's own connections (updates, sync, QUIC
		// probes) are refused by a closed network and it stalls.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// screenshots is where the pages' screenshots go: docs/screenshots when
// RAPPORT_UPDATE_SCREENSHOTS=1 (to commit them), a temporary directory
// otherwise (they are taken, and checked to be images, on every run).
func screenshots(t *testing.T) string {
	t.Helper()
	if os.Getenv("RAPPORT_UPDATE_SCREENSHOTS") == "1" {
		dir := filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if len(png) < 1000 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", name, len(png))
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func cdpRun[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func cdpDo(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitLog waits until the server's log has line.
func waitLog(t *testing.T, p *process, line string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(p.logs.String(), line) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log after 60s:\n%s", line, p.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestConsoleInABrowser drives the web console in headless Chromium
// against the binary with the demo data: the development banner, then,
// with API keys on, sign-in, search by name and by identity, the
// customer's context with its chart, on a desktop and a phone, keyboard
// first, and the audit trail of what it read.
func TestConsoleInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and Chromium")
	}
	ctx := newBrowser(t)
	shots := screenshots(t)
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")

	// Development mode: the demo data, and a console that signs nobody in.
	web := freeAddr(t)
	dev := start(t, bin, dataDir, freeAddr(t), "--demo", "--console-listen", web)
	waitLog(t, dev, "demo data loaded")
	cdpDo(t, ctx, "development console", chromedp.Navigate("http://"+web+"/"), chromedp.WaitVisible(chromedp.CSS("#results")))
	if banner := cdpRun(t, ctx, "banner", chromedp.Text(chromedp.CSS(".banner"))); !strings.Contains(banner, "Development mode: no sign-in.") {
		t.Errorf("development banner %q", banner)
	}
	dev.stop(t)

	// API keys: the console's own (read only) and an admin's, for checks.
	agentKey := createKey(t, bin, dataDir, "context.read,insights.read,history.write")
	adminKey := createKey(t, bin, dataDir, "all")
	web = freeAddr(t)
	srv := start(t, bin, dataDir, freeAddr(t), "--api-keys", "--console-listen", web)
	base := "http://" + web

	// Signed out, every page leads to the sign-in form.
	cdpDo(t, ctx, "open the console", chromedp.Navigate(base+"/customers/ada-lovelace"), chromedp.WaitVisible(chromedp.CSS("#credential")))
	if title := cdpRun(t, ctx, "title", chromedp.Title()); title != "Sign in · Rapport console" {
		t.Errorf("sign-in title %q", title)
	}
	screenshot(t, ctx, shots, "signin.png")
	// The first Tab reaches the skip link, and the form's field is labelled.
	cdpDo(t, ctx, "tab", chromedp.KeyEvent("\t"))
	if focused := cdpRun(t, ctx, "focus", chromedp.Evaluate[string](`document.activeElement.className`)); focused != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", focused)
	}
	if label := cdpRun(t, ctx, "label", chromedp.Evaluate[string](`document.querySelector('#credential').labels[0].textContent`)); label == "" {
		t.Error("the credential field has no label")
	}

	cdpDo(t, ctx, "wrong key", chromedp.SendKeys(chromedp.CSS("#credential"), "rk_nosuchkey_secret"), chromedp.Click(chromedp.CSS("form.stack button")),
		chromedp.WaitVisible(chromedp.CSS("#signin-error")))
	cdpDo(t, ctx, "sign in", chromedp.SendKeys(chromedp.CSS("#credential"), agentKey), chromedp.Click(chromedp.CSS("form.stack button")),
		chromedp.WaitVisible(chromedp.CSS("#results")))
	// The session cookie is invisible to script (HttpOnly).
	if cookies := cdpRun(t, ctx, "cookies", chromedp.Evaluate[string](`document.cookie`)); cookies != "" {
		t.Errorf("script sees cookies %q", cookies)
	}
	listed := cdpRun(t, ctx, "list", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#results tbody tr td:first-child a')].map(a => a.textContent)`))
	for _, want := range []string{"Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Lena Weber"} {
		if !slices.Contains(listed, want) {
			t.Errorf("the customer list %v lacks %s", listed, want)
		}
	}
	screenshot(t, ctx, shots, "search.png")

	// By name, then by an identity.
	cdpDo(t, ctx, "search by name", chromedp.SetValue(chromedp.CSS("#q"), "grace"), chromedp.Submit(chromedp.CSS("#q")),
		chromedp.WaitVisible(chromedp.CSS("#results-heading")))
	if found := cdpRun(t, ctx, "by name", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#results tbody a')].map(a => a.textContent)`)); !slices.Equal(found, []string{"Grace Hopper"}) {
		t.Errorf("search for grace found %v", found)
	}
	cdpDo(t, ctx, "search by identity", chromedp.SetValue(chromedp.CSS("#q"), "ada.lovelace@example.org"), chromedp.Submit(chromedp.CSS("#q")),
		chromedp.WaitVisible(chromedp.CSS(`#results a[href="/customers/ada-lovelace"]`)))
	cdpDo(t, ctx, "open Ada", chromedp.Click(chromedp.CSS(`#results a[href="/customers/ada-lovelace"]`)), chromedp.WaitVisible(chromedp.CSS("#hints")))

	// The page shows what the API answers, as the agent's key sees it.
	want, err := rapportv1.NewContextServiceClient(srv.conn).GetCustomerContext(bearerCtx(t.Context(), agentKey),
		&rapportv1.GetCustomerContextRequest{Customer: "customers/ada-lovelace"})
	if err != nil {
		t.Fatal(err)
	}
	cx := want.GetContext()
	var wantCodes []string
	for _, h := range cx.GetHints() {
		wantCodes = append(wantCodes, h.GetCode())
	}
	codes := cdpRun(t, ctx, "hints", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#hints li')].map(li => li.dataset.code)`))
	if !slices.Equal(codes, wantCodes) {
		t.Errorf("hints on the page %v, the API's %v", codes, wantCodes)
	}
	body := cdpRun(t, ctx, "page text", chromedp.Text(chromedp.CSS("main")))
	for _, s := range []string{"Charged twice for order A-1234", "Refund not received yet", "order_number", "A-1234", "CSAT"} {
		if !strings.Contains(body, s) {
			t.Errorf("the customer page lacks %q", s)
		}
	}
	// The chart's figures, as drawn and as announced, are the API's.
	var wantBars []string
	for _, cc := range cx.GetContactCounts() {
		if cc.GetDays() == 90 {
			for _, bc := range cc.GetByChannel() {
				wantBars = append(wantBars, fmt.Sprintf("%s=%d", strings.ToLower(strings.TrimPrefix(bc.GetChannel().String(), "CHANNEL_")), bc.GetCount()))
			}
		}
	}
	if len(wantBars) < 2 {
		t.Fatalf("the demo's Ada has contacts on %v only", wantBars)
	}
	bars := cdpRun(t, ctx, "chart", chromedp.Evaluate[[]string](`[...document.querySelectorAll('svg[data-chart="contacts-by-channel"] g.chart-row')].map(g => g.dataset.label + '=' + g.querySelector('.chart-value').textContent)`))
	if !slices.Equal(bars, wantBars) {
		t.Errorf("chart bars %v, the API's %v", bars, wantBars)
	}
	desc := cdpRun(t, ctx, "chart desc", chromedp.Evaluate[string](`document.querySelector('svg[data-chart="contacts-by-channel"] desc').textContent`))
	for _, b := range wantBars {
		label, n, _ := strings.Cut(b, "=")
		if !strings.Contains(desc, label+": "+n+" contacts") {
			t.Errorf("chart description %q lacks %s", desc, b)
		}
	}
	if w := cdpRun(t, ctx, "chart width", chromedp.Evaluate[float64](`document.querySelector('svg.chart').getBoundingClientRect().width`)); w < 200 {
		t.Errorf("the chart is %vpx wide", w)
	}
	// The stylesheet loaded under the CSP (the cards have its background).
	if bg := cdpRun(t, ctx, "style", chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.card')).backgroundColor`)); bg != "rgb(245, 246, 248)" {
		t.Errorf("card background %q: the stylesheet did not apply", bg)
	}
	screenshot(t, ctx, shots, "customer.png")

	// On a phone: no sideways scrolling.
	cdpDo(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#hints")))
	if sw := cdpRun(t, ctx, "scroll width", chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); sw > 390 {
		t.Errorf("on a 390px phone the page is %vpx wide", sw)
	}
	screenshot(t, ctx, shots, "customer-phone.png")
	cdpDo(t, ctx, "desktop", chromedp.EmulateViewport(1280, 900))

	// Each page view was audited as the agent's key.
	keyID := "apiKeys/" + strings.Split(agentKey, "_")[1]
	audit := rapportv1.NewAuditServiceClient(srv.conn)
	filter := `customer = "customers/ada-lovelace" AND method = "` + rapportv1.ContextService_GetCustomerContext_FullMethodName + `" AND principal = "` + keyID + `"`
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := audit.ListAuditEvents(bearerCtx(t.Context(), adminKey), &rapportv1.ListAuditEventsRequest{Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		// Two page views (desktop, phone) and the test's own call.
		if len(resp.GetAuditEvents()) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d audit events of the customer page by %s, want 3", len(resp.GetAuditEvents()), keyID)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Insights: the charts' figures are the API's for the interval the page
	// says it shows.
	cdpDo(t, ctx, "insights", chromedp.Click(chromedp.CSS(`nav a[href="/insights"]`)), chromedp.WaitVisible(chromedp.CSS("#figures")))
	interval := cdpRun(t, ctx, "interval", chromedp.Evaluate[[]string](`[document.querySelector('#interval').dataset.start, document.querySelector('#interval').dataset.end]`))
	from, err1 := time.Parse(time.RFC3339, interval[0])
	to, err2 := time.Parse(time.RFC3339, interval[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("interval %v", interval)
	}
	ins, err := rapportv1.NewInsightsServiceClient(srv.conn).QueryInsights(bearerCtx(t.Context(), agentKey), &rapportv1.QueryInsightsRequest{
		StartTime: timestamppb.New(from), EndTime: timestamppb.New(to),
		Granularity: rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_WEEK, GroupBy: rapportv1.InsightsDimension_INSIGHTS_DIMENSION_CHANNEL})
	if err != nil {
		t.Fatal(err)
	}
	var wantTrend []string
	byChannel := map[string]int64{}
	var total int64
	for _, per := range ins.GetPeriods() {
		wantTrend = append(wantTrend, fmt.Sprint(per.GetFigures().GetContacts()))
		total += per.GetFigures().GetContacts()
		for _, g := range per.GetGroups() {
			byChannel[g.GetValue()] += g.GetFigures().GetContacts()
		}
	}
	if total == 0 {
		t.Fatal("the demo data has no contacts in the insights")
	}
	trend := cdpRun(t, ctx, "trend", chromedp.Evaluate[[]string](`[...document.querySelectorAll('svg[data-chart="contacts-per-period"] g.chart-point')].map(g => g.dataset.value)`))
	if !slices.Equal(trend, wantTrend) {
		t.Errorf("contacts per week on the page %v, the API's %v", trend, wantTrend)
	}
	channels := cdpRun(t, ctx, "by channel", chromedp.Evaluate[[]string](`[...document.querySelectorAll('svg[data-chart="contacts-by-channel"] g.chart-row')].map(g => g.dataset.label + '=' + g.dataset.value)`))
	if len(channels) != len(byChannel) {
		t.Errorf("channels on the page %v, the API's %v", channels, byChannel)
	}
	for _, c := range channels {
		label, n, _ := strings.Cut(c, "=")
		if fmt.Sprint(byChannel[label]) != n {
			t.Errorf("channel %s: the page says %s, the API %d", label, n, byChannel[label])
		}
	}
	screenshot(t, ctx, shots, "insights.png")

	// The worklist: complete the first follow-up with its button.
	cdpDo(t, ctx, "follow-ups", chromedp.Click(chromedp.CSS(`nav a[href="/follow-ups"]`)), chromedp.WaitVisible(chromedp.CSS("#worklist")))
	first := cdpRun(t, ctx, "first follow-up", chromedp.Evaluate[string](`document.querySelector('#worklist tbody tr').dataset.name`))
	screenshot(t, ctx, shots, "follow-ups.png")
	// Customers are named as a person would say it, not by their IDs.
	if who := cdpRun(t, ctx, "who", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#worklist tbody tr td:nth-child(2) a')].map(a => a.textContent)`)); len(who) == 0 || slices.ContainsFunc(who, func(n string) bool { return !strings.Contains(n, " ") }) {
		t.Errorf("the worklist names its customers %q, want their display names", who)
	}
	cdpDo(t, ctx, "complete", chromedp.Click(chromedp.CSS(`#worklist tbody tr:first-child form.complete button`)), chromedp.WaitVisible(chromedp.CSS("#completed")))
	rows := cdpRun(t, ctx, "rows", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#worklist tbody tr')].map(tr => tr.dataset.name)`))
	if slices.Contains(rows, first) {
		t.Errorf("%s is still on the worklist after Complete", first)
	}
	// Snooze the next one for three days, by keyboard-reachable controls.
	if len(rows) == 0 {
		t.Fatal("one follow-up in the demo data: nothing left to snooze")
	}
	cdpDo(t, ctx, "snooze", chromedp.SetValue(chromedp.CSS(`#worklist tbody tr:first-child form.snooze select`), "3d"),
		chromedp.Click(chromedp.CSS(`#worklist tbody tr:first-child form.snooze button`)), chromedp.WaitVisible(chromedp.CSS("#snoozed")))
	snoozed, err := rapportv1.NewFollowUpServiceClient(srv.conn).ListFollowUps(bearerCtx(t.Context(), adminKey),
		&rapportv1.ListFollowUpsRequest{Parent: "customers/-", Filter: `state = FOLLOW_UP_STATE_OPEN`})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range snoozed.GetFollowUps() {
		if f.GetName() != rows[0] {
			continue
		}
		if until := time.Until(f.GetSnoozeTime().AsTime()); until < 71*time.Hour || until > 73*time.Hour || f.GetDueTime().AsTime().Before(f.GetSnoozeTime().AsTime()) {
			t.Errorf("snoozed for 3 days: snooze in %v, due %v", until, f.GetDueTime().AsTime())
		}
		rows = nil
	}
	if rows != nil {
		t.Errorf("the snoozed follow-up %s is not open", rows[0])
	}
	// The worklist on a phone: one card per follow-up, no sideways scrolling.
	cdpDo(t, ctx, "phone worklist", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#worklist")))
	if sw := cdpRun(t, ctx, "scroll width", chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); sw > 390 {
		t.Errorf("on a 390px phone the worklist is %vpx wide", sw)
	}
	screenshot(t, ctx, shots, "follow-ups-phone.png")
	cdpDo(t, ctx, "desktop", chromedp.EmulateViewport(1280, 900))
	fus, err := rapportv1.NewFollowUpServiceClient(srv.conn).ListFollowUps(bearerCtx(t.Context(), adminKey),
		&rapportv1.ListFollowUpsRequest{Parent: "customers/-", Filter: `state = FOLLOW_UP_STATE_COMPLETED`})
	if err != nil {
		t.Fatal(err)
	}
	if len(fus.GetFollowUps()) != 1 || fus.GetFollowUps()[0].GetName() != first {
		t.Errorf("completed follow-ups %v, want %s", fus.GetFollowUps(), first)
	}

	// Signing out ends the session: the customer page asks for a sign-in.
	cdpDo(t, ctx, "sign out", chromedp.Click(chromedp.CSS(".who button")), chromedp.WaitVisible(chromedp.CSS("#credential")))
	cdpDo(t, ctx, "after sign-out", chromedp.Navigate(base+"/customers/ada-lovelace"), chromedp.WaitVisible(chromedp.CSS("#credential")))
}

// createKey makes an API key of tenant default (the demo's) with scopes.
func createKey(t *testing.T, bin, dataDir, scopes string) string {
	t.Helper()
	out, err := rapportCmd(t, bin, "keys", "create", "--data-dir", dataDir, "--tenant", "default", "--scopes", scopes, "--name", "console test")
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(out)
	if !strings.HasPrefix(key, "rk_") {
		t.Fatalf("keys create printed %q", out)
	}
	return key
}
