package service_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// cpuTime is the CPU the test process has used, user and system: unlike
// the wall clock, other processes on the machine do not add to it. Tests
// that read it are not parallel, so the CPU is theirs (and their
// server's).
func cpuTime(t testing.TB) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxRefusalCPU bounds the CPU of refusing one hostile request, client
// marshalling included. Before the limits were checked first, these
// requests took 26 to 56 s of CPU (and the deepest filter killed the
// process); refused before any work per item they take milliseconds, so
// the bound holds on a slow machine (and, ten times over, under -race).
// Most of what remains is protobuf marshalling of the 100,000 items, on
// both ends.
const maxRefusalCPU = time.Second

// refusedFast asserts that call is answered INVALID_ARGUMENT naming field,
// in less than maxRefusalCPU of CPU, with an error small enough to echo
// nothing large.
func refusedFast(t *testing.T, field string, call func() error) {
	t.Helper()
	before := cpuTime(t)
	err := call()
	used := cpuTime(t) - before
	code, _, fields := statusDetails(t, err)
	if code != codes.InvalidArgument {
		t.Fatalf("code %v, want INVALID_ARGUMENT: %.200v", code, err)
	}
	if _, ok := fields[field]; !ok {
		t.Errorf("no violation of %s in %v", field, fields)
	}
	t.Logf("refused in %v of CPU", used)
	most := maxRefusalCPU
	if raceEnabled {
		most *= 10
	}
	if used > most {
		t.Errorf("refusing took %v of CPU, want under %v", used, most)
	}
	if n := proto.Size(status.Convert(err).Proto()); n > 16<<10 {
		t.Errorf("the status is %d bytes: it echoes the request", n)
	}
}

func TestFilterLimitsAreCheckedBeforeParsing(t *testing.T) {
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	nested := func(depth int, inner string) string {
		return strings.Repeat("(", depth) + inner + strings.Repeat(")", depth)
	}
	anded := func(n int, term string) string {
		return strings.TrimSuffix(strings.Repeat(term+" AND ", n), " AND ")
	}
	listIssues := func(filter string) error {
		_, err := ts.issues.ListIssues(t.Context(), &rapportv1.ListIssuesRequest{Parent: parent, Filter: filter})
		return err
	}
	listInteractions := func(filter string) error {
		_, err := ts.interactions.ListInteractions(t.Context(), &rapportv1.ListInteractionsRequest{Parent: parent, Filter: filter})
		return err
	}
	listAudit := func(filter string) error {
		_, err := ts.audit.ListAuditEvents(t.Context(), &rapportv1.ListAuditEventsRequest{Filter: filter})
		return err
	}
	for _, tc := range []struct {
		name   string
		list   func(string) error
		filter string
	}{
		// 400,000 parentheses overflowed the parser's stack: a fatal
		// error for the whole process.
		{"400,000 nested parentheses on ListIssues", listIssues, nested(400000, "status = ISSUE_STATUS_OPEN")},
		{"400,000 nested parentheses on ListInteractions", listInteractions, nested(400000, "channel = CHANNEL_CHAT")},
		{"400,000 nested parentheses on ListAuditEvents", listAudit, nested(400000, `code = "OK"`)},
		// 2 MB of ANDed terms cost 36 s of CPU.
		{"100,000 ANDed terms", listIssues, anded(100000, `topic = "billing"`)},
		{"one byte too long", listIssues, `topic = "` + strings.Repeat("a", 1000-len(`topic = ""`)+1) + `"`},
		{"nested one too deep", listIssues, nested(9, "status = ISSUE_STATUS_OPEN")},
		{"one comparison too many", listIssues, anded(17, "status != ISSUE_STATUS_CLOSED")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refusedFast(t, "filter", func() error { return tc.list(tc.filter) })
		})
	}
	// At the limits, filters are served.
	for _, filter := range []string{
		nested(8, "status != ISSUE_STATUS_CLOSED"),
		anded(16, "status != ISSUE_STATUS_CLOSED"),
		`topic = "` + strings.Repeat("a", 1000-len(`topic = ""`)) + `"`,
		`topic = "(((((((((((((((" AND status = ISSUE_STATUS_OPEN`, // parentheses in a string do not nest
	} {
		if err := listIssues(filter); err != nil {
			t.Errorf("ListIssues(%.40q…): %v", filter, err)
		}
	}
}

// Each repeated field's count limit is checked before any work per item,
// and the work per item is linear: a hostile request is refused at once.
func TestRepeatedFieldLimitsAreCheckedFirst(t *testing.T) {
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	issue := ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Refund"})
	many := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	facts := func(n int) []*rapportv1.Fact {
		out := make([]*rapportv1.Fact, n)
		for i := range out {
			out[i] = &rapportv1.Fact{Key: "order_number", Value: fmt.Sprintf("A-%d", i)}
		}
		return out
	}
	createCustomer := func(c *rapportv1.Customer) func() error {
		c.DisplayName = "Mallory"
		return func() error {
			_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{Customer: c})
			return err
		}
	}
	days := make([]rapportv1.DayOfWeek, 100000)
	needs := make([]rapportv1.AccessibilityNeed, 100000)
	consents := make([]*rapportv1.ChannelConsent, 100000)
	identities := make([]*rapportv1.Identity, 100000)
	for i := range days {
		days[i] = rapportv1.DayOfWeek(1 + i%7)
		needs[i] = rapportv1.AccessibilityNeed(1 + i%2)
		consents[i] = &rapportv1.ChannelConsent{Channel: rapportv1.Channel_CHANNEL_EMAIL, Status: rapportv1.ConsentStatus(1)}
		identities[i] = identity(rapportv1.IdentityType_IDENTITY_TYPE_EXTERNAL_ID, fmt.Sprintf("crm-%d", i))
	}
	traits := map[string]string{}
	for i := range 100000 {
		traits[fmt.Sprintf("k%d", i)] = "v"
	}
	for _, tc := range []struct {
		name, field string
		call        func() error
	}{
		{"100,000 tags", "customer.tags", createCustomer(&rapportv1.Customer{Tags: many(100000, func(i int) string { return fmt.Sprint("t", i) })})},
		{"100,000 traits", "customer.traits", createCustomer(&rapportv1.Customer{Traits: traits})},
		{"100,000 identities", "customer.identities", createCustomer(&rapportv1.Customer{Identities: identities})},
		{"100,000 days", "customer.preferences.contact_windows[0].days", createCustomer(&rapportv1.Customer{Preferences: &rapportv1.Preferences{
			TimeZone: "Europe/Lisbon", ContactWindows: []*rapportv1.ContactWindow{{Days: days, StartTime: "09:00", EndTime: "17:00"}},
		}})},
		{"100,000 accessibility needs", "customer.preferences.accessibility_needs", createCustomer(&rapportv1.Customer{Preferences: &rapportv1.Preferences{AccessibilityNeeds: needs}})},
		{"100,000 consents", "customer.preferences.consents", createCustomer(&rapportv1.Customer{Preferences: &rapportv1.Preferences{Consents: consents}})},
		{"20,000 facts", "interaction.facts", func() error {
			in := interaction(rapportv1.Channel_CHANNEL_CHAT, 0, "")
			in.Facts = facts(20000)
			_, err := ts.interactions.RecordInteraction(t.Context(), &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
			return err
		}},
		{"100,000 topics", "interaction.topics", func() error {
			in := interaction(rapportv1.Channel_CHANNEL_CHAT, 0, "")
			in.Topics = many(100000, func(i int) string { return fmt.Sprint("topic-", i) })
			_, err := ts.interactions.RecordInteraction(t.Context(), &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
			return err
		}},
		{"100,000 facts on a new issue", "issue.facts", func() error {
			_, err := ts.issues.CreateIssue(t.Context(), &rapportv1.CreateIssueRequest{Parent: parent, Issue: &rapportv1.Issue{Title: "x", Facts: facts(100000)}})
			return err
		}},
		{"100,000 facts on an issue's update", "issue.facts", func() error {
			_, err := ts.issues.UpdateIssue(t.Context(), &rapportv1.UpdateIssueRequest{
				Issue: &rapportv1.Issue{Name: issue.GetName(), Facts: facts(100000)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"facts"}},
			})
			return err
		}},
		{"100,000 update_mask paths", "update_mask.paths", func() error {
			_, err := ts.customers.UpdateCustomer(t.Context(), &rapportv1.UpdateCustomerRequest{
				Customer: &rapportv1.Customer{Name: parent}, UpdateMask: &fieldmaskpb.FieldMask{Paths: many(100000, func(int) string { return "tags" })},
			})
			return err
		}},
		{"100,000 read_mask paths", "read_mask.paths", func() error {
			_, err := ts.contexts.GetCustomerContext(t.Context(), &rapportv1.GetCustomerContextRequest{
				Customer: parent, ReadMask: &fieldmaskpb.FieldMask{Paths: many(100000, func(int) string { return "hints" })},
			})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { refusedFast(t, tc.field, tc.call) })
	}
	// A refused call stores nothing.
	res, err := ts.interactions.ListInteractions(t.Context(), &rapportv1.ListInteractionsRequest{Parent: parent})
	if err != nil || len(res.GetInteractions()) != 0 {
		t.Errorf("interactions after the refusals: %v, %v", res.GetInteractions(), err)
	}
}

// An error is bounded whatever the request: at most 20 field violations
// (their total in the message and the ErrorInfo), texts cut short. A
// BadRequest of 100,000 violations made a trailer too large for the
// client, which dropped its whole connection, an unrelated watch stream
// with it.
func TestOversizeErrorLeavesConnectionAndWatchAlive(t *testing.T) {
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "ada")
	stream, err := ts.contexts.WatchCustomerContext(t.Context(), &rapportv1.WatchCustomerContextRequest{
		Context: &rapportv1.GetCustomerContextRequest{Customer: parent},
	})
	if err != nil {
		t.Fatal(err)
	}
	recvContext(t, stream, 5*time.Second)

	badKeys := map[string]string{}
	for i := range 100000 {
		badKeys[fmt.Sprintf("NOT-A-KEY-%d-%s", i, strings.Repeat("X", 100))] = "v"
	}
	var manyWrong []*rapportv1.Identity
	for i := range 50 {
		manyWrong = append(manyWrong, identity(rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, fmt.Sprintf("not-an-email-%d", i)))
	}
	longKeys := map[string]string{}
	for i := range 50 {
		longKeys[fmt.Sprintf("BAD%d", i)+strings.Repeat("K", 40000)] = "v"
	}
	for _, tc := range []struct {
		name       string
		customer   *rapportv1.Customer
		violations int // in total
	}{
		{"100,000 invalid trait keys", &rapportv1.Customer{DisplayName: "M", Traits: badKeys}, 1},
		{"100 violations within the limits", &rapportv1.Customer{DisplayName: "M", Identities: manyWrong, Traits: longKeys}, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{Customer: tc.customer})
			st := status.Convert(err)
			code, info, fields := statusDetails(t, err)
			if code != codes.InvalidArgument {
				t.Fatalf("code %v: %.300v", code, err)
			}
			if want := fmt.Sprint(tc.violations); info.GetMetadata()["violations"] != want {
				t.Errorf("metadata violations = %q, want %s", info.GetMetadata()["violations"], want)
			}
			if len(fields) > 20 {
				t.Errorf("%d field violations sent, want at most 20", len(fields))
			}
			for f, d := range fields {
				if len(f) > 200 || len(d) > 300 {
					t.Errorf("violation %.80q: %.80q is not cut short", f, d)
				}
			}
			if n := proto.Size(st.Proto()); n > 16<<10 {
				t.Errorf("the status is %d bytes", n)
			}
		})
	}
	// The connection and the watch on it are still there.
	if _, err := ts.customers.GetCustomer(t.Context(), &rapportv1.GetCustomerRequest{Name: parent}); err != nil {
		t.Fatalf("a call on the same connection: %v", err)
	}
	ts.record(t, parent, interaction(rapportv1.Channel_CHANNEL_CHAT, 0, "after"))
	if cc := recvContext(t, stream, 5*time.Second); len(cc.GetRecentInteractions()) != 1 {
		t.Errorf("the watch after the errors: %v", cc.GetRecentInteractions())
	}
}
