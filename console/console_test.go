package console_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/console"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestMain(m *testing.M) { os.Exit(repositorytest.Main(m)) }

// rig is a real Rapport server (its whole interceptor chain) on a fresh
// store of the test engine, and the console in front of it.
type rig struct {
	t     *testing.T
	store repositorytest.Store
	conn  *grpc.ClientConn
	web   *httptest.Server
	admin string // a key with every scope, for setting up and auditing
}

// newRig serves a store with API keys accepted (dev: development mode).
func newRig(t *testing.T, dev, tlsOn bool) *rig {
	t.Helper()
	return newRigOpts(t, dev, tlsOn, service.Options{})
}

// newRigOpts is newRig with server options (limits).
func newRigOpts(t *testing.T, dev, tlsOn bool, opts service.Options) *rig {
	t.Helper()
	store := repositorytest.Default().New(t, repositorytest.Options{})
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	opts.Auth.APIKeys = !dev
	srv := service.NewServer(store, opts)
	lis := bufconn.Listen(1 << 20)
	done := make(chan struct{}, 2)
	go func() { _ = srv.GRPC.Serve(lis); done <- struct{}{} }()
	go func() { srv.RunAudit(); done <- struct{}{} }()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	h := console.New(console.Config{Conn: conn, Development: dev, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	web := httptest.NewUnstartedServer(h)
	if tlsOn {
		web.StartTLS()
	} else {
		web.Start()
	}
	t.Cleanup(func() {
		web.Close()
		_ = conn.Close()
		srv.GRPC.Stop()
		srv.StopRebuilds()
		srv.StopAudit()
		<-done
		<-done
	})
	r := &rig{t: t, store: store, conn: conn, web: web}
	if !dev {
		r.admin = r.key(access.AllScopes...)
	}
	return r
}

// key stores an API key of tenant "acme" and returns it.
func (r *rig) key(scopes ...access.Scope) string {
	r.t.Helper()
	token, k, err := access.NewAPIKey("acme", "console test", scopes, time.Now(), time.Time{})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.store.CreateAPIKey(r.t.Context(), k); err != nil {
		r.t.Fatal(err)
	}
	return token
}

// as is a context calling the API with a credential.
func (r *rig) as(cred string) context.Context {
	if cred == "" {
		return r.t.Context()
	}
	return metadata.AppendToOutgoingContext(r.t.Context(), "authorization", "Bearer "+cred)
}

// seed creates Ada with an open issue, a fact and two contacts.
func (r *rig) seed() {
	r.t.Helper()
	ctx := r.as(r.admin)
	customers := rapportv1.NewCustomerServiceClient(r.conn)
	if _, err := customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{
		DisplayName: "Ada Lovelace", PreferredName: "Ada",
		Identities: []*rapportv1.Identity{{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: "ada@example.org"}},
	}}); err != nil {
		r.t.Fatal(err)
	}
	if _, err := customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "grace", Customer: &rapportv1.Customer{DisplayName: "Grace Hopper"}}); err != nil {
		r.t.Fatal(err)
	}
	issue, err := rapportv1.NewIssueServiceClient(r.conn).CreateIssue(ctx, &rapportv1.CreateIssueRequest{Parent: "customers/ada", Issue: &rapportv1.Issue{Title: "Charged twice <b>", Topic: "billing"}})
	if err != nil {
		r.t.Fatal(err)
	}
	in := rapportv1.NewInteractionServiceClient(r.conn)
	for i, text := range []string{"I was charged twice and I am annoyed.", "Still no refund, this is terrible."} {
		if _, err := in.RecordInteraction(ctx, &rapportv1.RecordInteractionRequest{Parent: "customers/ada", Interaction: &rapportv1.Interaction{
			Channel: []rapportv1.Channel{rapportv1.Channel_CHANNEL_VOICE, rapportv1.Channel_CHANNEL_EMAIL}[i], Direction: rapportv1.Direction_DIRECTION_INBOUND,
			OccurTime: timestamp(time.Now().Add(-time.Duration(2-i) * time.Hour)), Summary: text, Topics: []string{"billing"},
			Issue: issue.GetIssue().GetName(), Facts: []*rapportv1.Fact{{Key: "order_number", Value: "A-1234"}},
		}}); err != nil {
			r.t.Fatal(err)
		}
	}
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t *testing.T
	r *rig
	c *http.Client
}

func (r *rig) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := *r.web.Client() // a copy: each browser its own jar
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: r.t, r: r, c: &c}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.r.web.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.r.web.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of a page's forms.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", p.body)
	}
	return m[1]
}

// signIn signs the browser in with cred and checks it worked.
func (b *browser) signIn(cred string) {
	b.t.Helper()
	form := b.get("/signin")
	p := b.post("/signin", url.Values{"csrf": {form.csrf(b.t)}, "credential": {cred}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
		b.t.Fatalf("sign-in: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
}

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, false)
	b := r.browser()
	for _, path := range []string{"/signin", "/", "/customers/ada", "/static/console.css", "/nowhere"} {
		p := b.get(path)
		if got := p.header.Get("Content-Security-Policy"); got != console.ContentSecurityPolicy {
			t.Errorf("%s: CSP %q", path, got)
		}
		if p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: nosniff %q, referrer %q", path, p.header.Get("X-Content-Type-Options"), p.header.Get("Referrer-Policy"))
		}
	}
	if !strings.Contains(console.ContentSecurityPolicy, "default-src 'none'") || strings.Contains(console.ContentSecurityPolicy, "script-src") {
		t.Errorf("CSP %q should allow no script", console.ContentSecurityPolicy)
	}
	// No inline style or script anywhere in a page: the CSP would block it.
	p := b.get("/signin")
	for _, bad := range []string{"<script", "style=", "<style"} {
		if strings.Contains(p.body, bad) {
			t.Errorf("sign-in page contains %q", bad)
		}
	}
}

func TestSignInRequiredThenSessionCookie(t *testing.T) {
	t.Parallel()
	for _, tlsOn := range []bool{false, true} {
		r := newRig(t, false, tlsOn)
		b := r.browser()
		if p := b.get("/"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/signin" {
			t.Fatalf("signed out: %d %q", p.status, p.header.Get("Location"))
		}
		// The sign-in form's CSRF token is in its own cookie (double
		// submit): a visitor who has not signed in holds no session.
		form := b.get("/signin")
		before := cookieNamed(t, form.header, "rapport_console_signin")
		if !before.HttpOnly || before.SameSite != http.SameSiteStrictMode || before.Secure != tlsOn || before.Value != form.csrf(t) {
			t.Errorf("sign-in cookie %+v", before)
		}

		// A key the server does not know is refused.
		p := b.post("/signin", url.Values{"csrf": {form.csrf(t)}, "credential": {"rk_nosuchkey_secret"}})
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "was not accepted") {
			t.Errorf("unknown key: %d\n%s", p.status, p.body)
		}

		key := r.key(access.ScopeContextRead)
		p = b.post("/signin", url.Values{"csrf": {form.csrf(t)}, "credential": {key}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("sign-in: %d\n%s", p.status, p.body)
		}
		after := cookie(t, p.header)
		if !after.HttpOnly || after.SameSite != http.SameSiteStrictMode || after.Secure != tlsOn || after.Path != "/" {
			t.Errorf("tls %v: cookie HttpOnly %v SameSite %v Secure %v Path %q", tlsOn, after.HttpOnly, after.SameSite, after.Secure, after.Path)
		}
		if after.Value == before.Value {
			t.Error("the session ID is the sign-in form's token")
		}
		if strings.Contains(after.Value, key) || strings.Contains(after.Value, strings.SplitN(key, "_", 3)[2]) {
			t.Error("the cookie holds the key")
		}
		if p := b.get("/"); p.status != http.StatusOK || !strings.Contains(p.body, "API key apiKeys/") {
			t.Errorf("signed in: %d\n%s", p.status, p.body)
		}
		// Signing out ends the session on the server, not just in the browser.
		home := b.get("/")
		if p := b.post("/signout", url.Values{"csrf": {home.csrf(t)}}); p.status != http.StatusSeeOther {
			t.Errorf("sign out: %d", p.status)
		}
		stolen := r.browser()
		u, _ := url.Parse(r.web.URL)
		stolen.c.Jar.SetCookies(u, []*http.Cookie{{Name: console.CookieName, Value: after.Value}})
		if p := stolen.get("/"); p.status != http.StatusSeeOther {
			t.Errorf("the signed-out session still works: %d", p.status)
		}
	}
}

func cookie(t *testing.T, h http.Header) *http.Cookie {
	t.Helper()
	return cookieNamed(t, h, console.CookieName)
}

func cookieNamed(t *testing.T, h http.Header, name string) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, h)
	return nil
}

func TestFormsNeedTheirCSRFToken(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, false)
	key := r.key(access.ScopeContextRead)

	b := r.browser()
	form := b.get("/signin")
	for name, f := range map[string]url.Values{
		"no token":    {"credential": {key}},
		"wrong token": {"csrf": {"x" + form.csrf(t)}, "credential": {key}},
	} {
		if p := b.post("/signin", f); p.status != http.StatusForbidden {
			t.Errorf("sign-in, %s: %d", name, p.status)
		}
	}
	// Another browser's token is not this one's.
	other := r.browser().get("/signin").csrf(t)
	if p := b.post("/signin", url.Values{"csrf": {other}, "credential": {key}}); p.status != http.StatusForbidden {
		t.Errorf("sign-in with another session's token: %d", p.status)
	}
	// A form posted from another site is refused before its token is read.
	if p := b.post("/signin", url.Values{"csrf": {form.csrf(t)}, "credential": {key}}, "Sec-Fetch-Site", "cross-site"); p.status != http.StatusForbidden {
		t.Errorf("cross-site sign-in: %d", p.status)
	}

	b.signIn(key)
	if p := b.post("/signout", url.Values{"csrf": {"forged"}}); p.status != http.StatusForbidden {
		t.Errorf("sign out with a forged token: %d", p.status)
	}
	if p := b.get("/"); p.status != http.StatusOK {
		t.Errorf("a refused sign-out ended the session: %d", p.status)
	}
}

func TestMissingScopeIsRefusedClearly(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, false)
	r.seed()
	b := r.browser()
	b.signIn(r.key(access.ScopeHistoryWrite)) // a valid key, without context.read
	for _, path := range []string{"/", "/?q=ada@example.org", "/customers/ada"} {
		p := b.get(path)
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "lacks the scope this page needs: context.read") {
			t.Errorf("%s: %d\n%s", path, p.status, p.body)
		}
		if strings.Contains(p.body, "Ada Lovelace") {
			t.Errorf("%s: shows the customer", path)
		}
	}
}

func TestSearchAndCustomerPage(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, false)
	r.seed()
	b := r.browser()
	b.signIn(r.key(access.ScopeContextRead))

	for q, want := range map[string][]string{
		"":                      {"Ada Lovelace", "Grace Hopper"},
		"ada@example.org":       {"Ada Lovelace"},
		"email:ADA@example.org": {"Ada Lovelace"},
		"hopper":                {"Grace Hopper"},
		"nobody":                {},
	} {
		p := b.get("/?q=" + url.QueryEscape(q))
		if p.status != http.StatusOK {
			t.Fatalf("q=%q: %d\n%s", q, p.status, p.body)
		}
		for _, name := range []string{"Ada Lovelace", "Grace Hopper"} {
			if got, wanted := strings.Contains(p.body, name), contains(want, name); got != wanted {
				t.Errorf("q=%q: shows %s %v, want %v", q, name, got, wanted)
			}
		}
	}
	if p := b.get("/?q=phone:+10"); p.status != http.StatusBadRequest {
		t.Errorf("bad identity: %d", p.status)
	}

	p := b.get("/customers/ada")
	if p.status != http.StatusOK {
		t.Fatalf("customer page: %d\n%s", p.status, p.body)
	}
	for _, want := range []string{
		"Charged twice &lt;b&gt;",            // the open issue, escaped
		"Still no refund, this is terrible.", // a recent contact's summary
		"order_number", "A-1234",             // a fact already given
		`data-code="REPEAT_CONTACT_`,                             // a hint
		`role="img"`, `data-label="voice"`, `data-label="email"`, // the chart of contacts by channel
		"<title>Ada Lovelace · Rapport console</title>",
		`id="customer-follow-ups"`, // the follow-ups owed (the negative contacts call for an apology)
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("customer page lacks %q", want)
		}
	}
	if p := b.get("/customers/nobody"); p.status != http.StatusNotFound {
		t.Errorf("unknown customer: %d", p.status)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCustomerPageIsAuditedAsTheSignedInKey(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, false)
	r.seed()
	key := r.key(access.ScopeContextRead)
	b := r.browser()
	b.signIn(key)
	if p := b.get("/customers/ada"); p.status != http.StatusOK {
		t.Fatalf("customer page: %d", p.status)
	}
	r.awaitAudit(key, "customers/ada", rapportv1.ContextService_GetCustomerContext_FullMethodName)
}

// awaitAudit waits for the one audit event of key's call of method on
// customer, and checks it succeeded.
func (r *rig) awaitAudit(key, customer, method string) {
	r.t.Helper()
	principal := "apiKeys/" + strings.Split(key, "_")[1]
	audit := rapportv1.NewAuditServiceClient(r.conn)
	filter := `customer = "` + customer + `" AND method = "` + method + `" AND principal = "` + principal + `"`
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := audit.ListAuditEvents(r.as(r.admin), &rapportv1.ListAuditEventsRequest{Filter: filter})
		if err != nil {
			r.t.Fatal(err)
		}
		if n := len(resp.GetAuditEvents()); n == 1 {
			if c := resp.GetAuditEvents()[0].GetCode(); c != "OK" {
				r.t.Errorf("audited with code %s", c)
			}
			return
		} else if n > 1 {
			r.t.Fatalf("%d events of %s on %s for one page view", n, method, customer)
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("no audit event of %s on %s (the audit trail is written asynchronously; waited 10s)", method, customer)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDevelopmentModeNeedsNoSignIn(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, false)
	ctx := r.t.Context()
	if _, err := rapportv1.NewCustomerServiceClient(r.conn).CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada Lovelace"}}); err != nil {
		t.Fatal(err)
	}
	b := r.browser()
	p := b.get("/")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Development mode: no sign-in.") || !strings.Contains(p.body, "Ada Lovelace") {
		t.Errorf("development mode: %d\n%s", p.status, p.body)
	}
	if p := b.get("/signin"); p.status != http.StatusSeeOther {
		t.Errorf("sign-in page in development mode: %d", p.status)
	}
}

func timestamp(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// The API's rate limits are the console's: past its credential's burst a
// page answers 429 with Retry-After from the API's RetryInfo.
func TestRateLimitsAreTheAPIs(t *testing.T) {
	t.Parallel()
	r := newRigOpts(t, false, false, service.Options{Limits: access.Limits{KeyRate: 0.01, KeyBurst: 3}})
	b := r.browser()
	b.signIn(r.key(access.ScopeContextRead)) // one call
	var last page
	for range 4 {
		if last = b.get("/"); last.status == http.StatusTooManyRequests {
			break
		}
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, "Too many requests") {
		t.Fatalf("past the burst: %d\n%s", last.status, last.body)
	}
	if ra := last.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
}

var dataValues = regexp.MustCompile(`<g class="chart-(?:row|point)" data-label="([^"]*)" data-value="([^"]*)">`)

// chartFigures returns label=value of each bar or point of the chart with
// this data-chart ID.
func chartFigures(t *testing.T, body, id string) []string {
	t.Helper()
	i := strings.Index(body, `data-chart="`+id+`"`)
	if i < 0 {
		t.Fatalf("no chart %s", id)
	}
	svg := body[i : i+strings.Index(body[i:], "</svg>")]
	var out []string
	for _, m := range dataValues.FindAllStringSubmatch(svg, -1) {
		out = append(out, m[1]+"="+m[2])
	}
	return out
}

func TestInsightsPageChartsTheAPIsFigures(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, false)
	r.seed()
	b := r.browser()
	b.signIn(r.key(access.ScopeInsightsRead))
	p := b.get("/insights?period=day")
	if p.status != http.StatusOK {
		t.Fatalf("insights: %d\n%s", p.status, p.body)
	}
	// The seed: one voice and one email contact in the last two hours.
	if got := chartFigures(t, p.body, "contacts-by-channel"); !slices.Equal(sorted(got), []string{"email=1", "voice=1"}) {
		t.Errorf("contacts by channel %v", got)
	}
	var total int
	for _, f := range chartFigures(t, p.body, "contacts-per-period") {
		n, _ := strconv.Atoi(f[strings.IndexByte(f, '=')+1:])
		total += n
	}
	if total != 2 {
		t.Errorf("contacts per day add up to %d, want 2", total)
	}
	if p := b.get("/insights?period=year"); p.status != http.StatusBadRequest {
		t.Errorf("period=year: %d", p.status)
	}
	// Insights need their own scope.
	other := r.browser()
	other.signIn(r.key(access.ScopeContextRead))
	if p := other.get("/insights"); p.status != http.StatusForbidden || !strings.Contains(p.body, "insights.read") {
		t.Errorf("without insights.read: %d\n%s", p.status, p.body)
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestWorklistCompletion(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, false)
	r.seed()
	api := rapportv1.NewFollowUpServiceClient(r.conn)
	open := func() []string {
		t.Helper()
		resp, err := api.ListFollowUps(r.as(r.admin), &rapportv1.ListFollowUpsRequest{Parent: "customers/-"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range resp.GetFollowUps() {
			names = append(names, f.GetName())
		}
		return names
	}
	before := open()
	if len(before) == 0 {
		t.Fatal("the seed owes no follow-up")
	}
	name := before[0]

	// A key that may read but not write sees the worklist, and cannot
	// complete.
	reader := r.browser()
	reader.signIn(r.key(access.ScopeContextRead))
	list := reader.get("/follow-ups")
	if list.status != http.StatusOK || !strings.Contains(list.body, `data-name="`+name+`"`) {
		t.Fatalf("worklist: %d\n%s", list.status, list.body)
	}
	form := url.Values{"csrf": {list.csrf(t)}, "name": {name}, "request_id": {"6b0f0d5e-0d0a-4c61-9a41-6f1a7c2d0c01"}, "channel": {"CHANNEL_EMAIL"}}
	if p := reader.post("/follow-ups/complete", form); p.status != http.StatusForbidden || !strings.Contains(p.body, "history.write") {
		t.Errorf("complete without history.write: %d\n%s", p.status, p.body)
	}

	agent := r.browser()
	agent.signIn(r.key(access.ScopeContextRead, access.ScopeHistoryWrite))
	list = agent.get("/follow-ups")
	noToken := url.Values{"name": {name}, "channel": {"CHANNEL_EMAIL"}}
	if p := agent.post("/follow-ups/complete", noToken); p.status != http.StatusForbidden {
		t.Errorf("complete without the CSRF token: %d", p.status)
	}
	if p := agent.post("/follow-ups/complete", url.Values{"csrf": {list.csrf(t)}, "name": {name}, "channel": {"CHANNEL_NOPE"}}); p.status != http.StatusBadRequest {
		t.Errorf("complete on a bad channel: %d", p.status)
	}
	if got := open(); !slices.Contains(got, name) {
		t.Fatalf("a refused completion completed %s", name)
	}
	form.Set("csrf", list.csrf(t))
	p := agent.post("/follow-ups/complete", form)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/follow-ups?completed=") {
		t.Fatalf("complete: %d %q\n%s", p.status, p.header.Get("Location"), p.body)
	}
	if got := open(); slices.Contains(got, name) {
		t.Errorf("%s still open after Complete", name)
	}
	if after := agent.get(p.header.Get("Location")); !strings.Contains(after.body, `id="completed"`) || strings.Contains(after.body, `data-name="`+name+`"`) {
		t.Errorf("the worklist after completion:\n%s", after.body)
	}
	// Sent again (a double click, a reload), the same form changes nothing.
	if p := agent.post("/follow-ups/complete", form); p.status != http.StatusSeeOther {
		t.Errorf("the same form again: %d\n%s", p.status, p.body)
	}
}

// The worklist names each customer by display name (a profile read,
// audited), and a follow-up can be snoozed from it: the form's time
// counts from when the page was shown, so sending it twice snoozes once;
// a choice not offered, or a page older than its snooze, changes nothing.
func TestWorklistNamesAndSnooze(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, false)
	r.seed()
	api := rapportv1.NewFollowUpServiceClient(r.conn)
	get := func(name string) *rapportv1.FollowUp {
		t.Helper()
		resp, err := api.ListFollowUps(r.as(r.admin), &rapportv1.ListFollowUpsRequest{Parent: "customers/-"})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range resp.GetFollowUps() {
			if f.GetName() == name {
				return f
			}
		}
		t.Fatalf("%s is not on the worklist", name)
		return nil
	}
	key := r.key(access.ScopeContextRead, access.ScopeHistoryWrite)
	agent := r.browser()
	agent.signIn(key)
	list := agent.get("/follow-ups")
	if list.status != http.StatusOK {
		t.Fatalf("worklist: %d\n%s", list.status, list.body)
	}
	m := regexp.MustCompile(`(?s)<tr data-name="(customers/ada/followUps/[^"]+)">.*?<a href="/customers/ada">([^<]*)</a>.*?name="snooze_request_id" value="([^"]+)".*?name="shown" value="([0-9]+)"`).FindStringSubmatch(list.body)
	if m == nil {
		t.Fatalf("no snooze form for ada's follow-up:\n%s", list.body)
	}
	name, shownName, requestID, shown := m[1], m[2], m[3], m[4]
	if shownName != "Ada Lovelace" {
		t.Errorf("the worklist names ada %q, want her display name", shownName)
	}
	r.awaitAudit(key, "customers/ada", rapportv1.CustomerService_GetCustomer_FullMethodName)
	before := get(name)

	form := url.Values{"csrf": {list.csrf(t)}, "name": {name}, "snooze_request_id": {requestID}, "shown": {shown}, "for": {"2d"}}
	if p := agent.post("/follow-ups/snooze", form); p.status != http.StatusBadRequest {
		t.Errorf("a snooze not offered: %d", p.status)
	}
	stale := url.Values{"csrf": {list.csrf(t)}, "name": {name}, "snooze_request_id": {requestID}, "for": {"4h"},
		"shown": {strconv.FormatInt(time.Now().Add(-5*time.Hour).Unix(), 10)}}
	if p := agent.post("/follow-ups/snooze", stale); p.status != http.StatusBadRequest || !strings.Contains(p.body, "reload") {
		t.Errorf("a page older than its snooze: %d\n%s", p.status, p.body)
	}
	if got := get(name); !proto.Equal(got, before) {
		t.Fatalf("a refused snooze changed the follow-up: %v, was %v", got, before)
	}

	form.Set("for", "3d")
	for range 2 { // a double click
		p := agent.post("/follow-ups/snooze", form)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/follow-ups?snoozed="+name {
			t.Fatalf("snooze: %d %q\n%s", p.status, p.header.Get("Location"), p.body)
		}
	}
	after := get(name)
	secs, _ := strconv.ParseInt(shown, 10, 64)
	if want := time.Unix(secs, 0).Add(72 * time.Hour); !after.GetSnoozeTime().AsTime().Equal(want) || after.GetDueTime().AsTime().Before(want) {
		t.Errorf("after a 3-day snooze: snooze %v, due %v; want snooze %v and due no earlier", after.GetSnoozeTime().AsTime(), after.GetDueTime().AsTime(), want)
	}
	if page := agent.get("/follow-ups?snoozed=" + name); !strings.Contains(page.body, `id="snoozed"`) || !strings.Contains(page.body, `data-name="`+name+`"`) {
		t.Errorf("the worklist after the snooze:\n%s", page.body)
	}

	// Snoozing needs history.write, as the API's SnoozeFollowUp.
	reader := r.browser()
	reader.signIn(r.key(access.ScopeContextRead))
	page := reader.get("/follow-ups")
	form.Set("csrf", page.csrf(t))
	form.Set("snooze_request_id", "1f6a2b3c-4d5e-4f60-8a71-9b8c7d6e5f40")
	if p := reader.post("/follow-ups/snooze", form); p.status != http.StatusForbidden || !strings.Contains(p.body, "history.write") {
		t.Errorf("snooze without history.write: %d\n%s", p.status, p.body)
	}
}
