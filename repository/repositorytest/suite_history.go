package repositorytest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func testRecordInteractionsIsIdempotentByID(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	create(t, s, tenant, "bob")
	res := record(t, s, tenant, newInteraction("ada", "i1", 1), newInteraction("ada", "i2", 2), newInteraction("ada", "i1", 1))
	if res[0].Err != nil || res[0].AlreadyRecorded || res[1].Err != nil || !res[2].AlreadyRecorded || res[2].Interaction.GetName() != "customers/ada/interactions/i1" {
		t.Fatalf("first batch: %+v", res)
	}
	if res[0].Interaction.GetCreateTime() == nil || res[0].Interaction.GetSummary() != "s i1" {
		t.Errorf("recorded interaction %v", res[0].Interaction)
	}
	replay := []repository.NewInteraction{newInteraction("ada", "i1", 1), newInteraction("bob", "i2", 2)}
	replay[0].Interaction.Summary = "changed"
	replay[0].CheckFingerprint, replay[0].Fingerprint = true, "other"
	res = record(t, s, tenant, replay...)
	if !errors.Is(res[0].Err, repository.ErrRequestReused) {
		t.Errorf("same ID, other fingerprint, checked: %v", res[0].Err)
	}
	var conflict *repository.SourceConflictError
	if !errors.As(res[1].Err, &conflict) || !errors.Is(res[1].Err, repository.ErrAlreadyExists) {
		t.Errorf("same ID for another customer: %v", res[1].Err)
	}
	// Unchecked, a replay with other content keeps the first copy.
	again := newInteraction("ada", "i1", 1)
	again.Interaction.Summary = "changed"
	if res := record(t, s, tenant, again); !res[0].AlreadyRecorded || res[0].Interaction.GetSummary() != "s i1" {
		t.Errorf("replay of a source record: %+v", res[0])
	}
	if n := e.Count(t, s, "interactions", tenant); n != 2 {
		t.Errorf("%d interactions stored, want 2", n)
	}
	if _, err := s.GetInteraction(t.Context(), tenant, "bob", "i2"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("ada's interaction read as bob's: %v", err)
	}
	got, err := s.GetInteraction(t.Context(), tenant, "ada", "i2")
	if err != nil || got.GetName() != "customers/ada/interactions/i2" || !got.GetOccurTime().AsTime().Equal(time.Date(2026, 1, 1, 0, 2, 0, 0, time.UTC)) {
		t.Errorf("get: %v, %v", got, err)
	}
}

func testListInteractionsKeysetWithEqualTimes(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	create(t, s, tenant, "bob")
	var items []repository.NewInteraction
	for i := range 25 {
		items = append(items, newInteraction("ada", fmt.Sprintf("i%02d", i), i/5)) // five per minute
	}
	items = append(items, newInteraction("bob", "other", 3))
	record(t, s, tenant, items...)
	var got []string
	var after *repository.Cursor
	for range 10 {
		page, more, err := s.ListInteractions(t.Context(), tenant, "ada", repository.InteractionFilter{}, after, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range page {
			got = append(got, in.GetName())
		}
		if !more {
			break
		}
		last := page[len(page)-1]
		after = &repository.Cursor{Time: last.GetOccurTime().AsTime(), ID: last.GetName()[len("customers/ada/interactions/"):]}
	}
	if len(got) != 25 {
		t.Fatalf("listed %d, want 25: %v", len(got), got)
	}
	for i, name := range got {
		if want := fmt.Sprintf("customers/ada/interactions/i%02d", 24-i); name != want {
			t.Fatalf("position %d: %s, want %s", i, name, want)
		}
	}
}

func testListInteractionsFilters(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	var items []repository.NewInteraction
	for i := range 10 {
		it := newInteraction("ada", fmt.Sprintf("i%d", i), i)
		it.Interaction.Channel = rapportv1.Channel(i%3 + 1)
		if i%2 == 0 {
			it.Interaction.Topics = []string{"billing", "refunds"}
		} else {
			it.Interaction.Topics = []string{"delivery"}
		}
		if i >= 7 {
			it.IssueID = "late"
		}
		items = append(items, it)
	}
	record(t, s, tenant, items...)
	minute := func(m int) time.Time { return time.Date(2026, 1, 1, 0, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		f    repository.InteractionFilter
		want []string
	}{
		{"channel", repository.InteractionFilter{Channels: []rapportv1.Channel{2}}, []string{"i7", "i4", "i1"}},
		{"topics", repository.InteractionFilter{Topics: []string{"billing", "refunds"}}, []string{"i8", "i6", "i4", "i2", "i0"}},
		{"no such topic", repository.InteractionFilter{Topics: []string{"bill"}}, nil},
		{"issue", repository.InteractionFilter{IssueID: "late"}, []string{"i9", "i8", "i7"}},
		{"after", repository.InteractionFilter{After: minute(7)}, []string{"i9", "i8"}},
		{"after inclusive", repository.InteractionFilter{After: minute(7), AfterInclusive: true}, []string{"i9", "i8", "i7"}},
		{"before", repository.InteractionFilter{Before: minute(2)}, []string{"i1", "i0"}},
		{"before inclusive and topic", repository.InteractionFilter{Before: minute(2), BeforeInclusive: true, Topics: []string{"billing"}}, []string{"i2", "i0"}},
	} {
		page, more, err := s.ListInteractions(t.Context(), tenant, "ada", tc.f, nil, 50)
		if err != nil || more {
			t.Fatalf("%s: %v (more %v)", tc.name, err, more)
		}
		var got []string
		for _, in := range page {
			got = append(got, in.GetName()[len("customers/ada/interactions/"):])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// testPagingIsStableUnderInserts pages through a history while newer
// interactions keep arriving: every interaction that existed when the
// paging began is listed exactly once.
func testPagingIsStableUnderInserts(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	var items []repository.NewInteraction
	for i := range 30 {
		items = append(items, newInteraction("ada", fmt.Sprintf("old%02d", i), i))
	}
	record(t, s, tenant, items...)
	seen := map[string]int{}
	var after *repository.Cursor
	for page := 0; ; page++ {
		list, more, err := s.ListInteractions(t.Context(), tenant, "ada", repository.InteractionFilter{}, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range list {
			seen[in.GetName()]++
		}
		// Newer contacts land between two pages.
		record(t, s, tenant, newInteraction("ada", fmt.Sprintf("new%02d", page), 100+page))
		if !more {
			break
		}
		last := list[len(list)-1]
		after = &repository.Cursor{Time: last.GetOccurTime().AsTime(), ID: last.GetName()[len("customers/ada/interactions/"):]}
	}
	for i := range 30 {
		if n := seen[fmt.Sprintf("customers/ada/interactions/old%02d", i)]; n != 1 {
			t.Errorf("old%02d listed %d times", i, n)
		}
	}
}

func testIssuesCreateIdempotentAndList(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	create(t, s, tenant, "ada")
	req := repository.CreateIssueRequest{CustomerID: "ada", IssueID: "gen-1", RequestID: "r1", Fingerprint: "f",
		Issue: &rapportv1.Issue{Title: "Refund", Topic: "billing", Priority: rapportv1.Priority_PRIORITY_HIGH}}
	first, err := s.CreateIssue(ctx, tenant, req)
	if err != nil {
		t.Fatal(err)
	}
	if first.GetName() != "customers/ada/issues/gen-1" || first.GetStatus() != rapportv1.IssueStatus_ISSUE_STATUS_OPEN || first.GetOpenTime() == nil || first.GetEtag() == "" {
		t.Errorf("created %v", first)
	}
	retry := req
	retry.IssueID = "gen-2"
	retry.Issue = &rapportv1.Issue{Title: "Refund", Topic: "billing", Priority: rapportv1.Priority_PRIORITY_HIGH}
	again, err := s.CreateIssue(ctx, tenant, retry)
	if err != nil || again.GetName() != first.GetName() {
		t.Errorf("retry: %v, %v; want the first", again.GetName(), err)
	}
	reuse := req
	reuse.Fingerprint = "other"
	if _, err := s.CreateIssue(ctx, tenant, reuse); !errors.Is(err, repository.ErrRequestReused) {
		t.Errorf("reused request ID: %v", err)
	}
	if _, err := s.CreateIssue(ctx, tenant, repository.CreateIssueRequest{CustomerID: "ada", IssueID: "gen-1", Issue: &rapportv1.Issue{Title: "t"}}); !errors.Is(err, repository.ErrAlreadyExists) {
		t.Errorf("existing issue ID: %v", err)
	}
	if _, err := s.CreateIssue(ctx, tenant, repository.CreateIssueRequest{CustomerID: "nobody", IssueID: "x", Issue: &rapportv1.Issue{Title: "t"}}); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("issue of a missing customer: %v", err)
	}
	if _, err := s.CreateIssue(ctx, tenant, repository.CreateIssueRequest{CustomerID: "ada", IssueID: "low", Issue: &rapportv1.Issue{Title: "t", Topic: "delivery"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateIssue(ctx, tenant, "ada", "low", "", func(is *rapportv1.Issue) error {
		is.Status = rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    repository.IssueFilter
		want []string
	}{
		{"all", repository.IssueFilter{}, []string{"low", "gen-1"}},
		{"open", repository.IssueFilter{Statuses: []rapportv1.IssueStatus{rapportv1.IssueStatus_ISSUE_STATUS_OPEN}}, []string{"gen-1"}},
		{"not resolved", repository.IssueFilter{NotStatuses: []rapportv1.IssueStatus{rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED}}, []string{"gen-1"}},
		{"high", repository.IssueFilter{Priorities: []rapportv1.Priority{rapportv1.Priority_PRIORITY_HIGH}}, []string{"gen-1"}},
		{"not high", repository.IssueFilter{NotPriorities: []rapportv1.Priority{rapportv1.Priority_PRIORITY_HIGH}}, []string{"low"}},
		{"topic", repository.IssueFilter{Topic: "delivery"}, []string{"low"}},
	} {
		list, _, err := s.ListIssues(ctx, tenant, "ada", tc.f, nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, is := range list {
			got = append(got, is.GetName()[len("customers/ada/issues/"):])
		}
		// Equal open times order by ID, newest (largest) first.
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func testUpdateIssueOptimisticConcurrency(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	is, err := s.CreateIssue(t.Context(), tenant, repository.CreateIssueRequest{CustomerID: "ada", IssueID: "x", Issue: &rapportv1.Issue{Title: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for i := range 6 {
		go func() {
			_, err := s.UpdateIssue(t.Context(), tenant, "ada", "x", "", func(is *rapportv1.Issue) error {
				is.Interactions = append(is.Interactions, fmt.Sprint("i", i))
				return nil
			})
			done <- err
		}()
	}
	for range 6 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.GetIssue(t.Context(), tenant, "ada", "x")
	if len(got.GetInteractions()) != 6 {
		t.Errorf("links %v: concurrent updates lost some", got.GetInteractions())
	}
	if !got.GetOpenTime().AsTime().Equal(is.GetOpenTime().AsTime()) || !got.GetCreateTime().AsTime().Equal(is.GetCreateTime().AsTime()) {
		t.Errorf("open/create time changed by updates: %v", got)
	}
	if _, err := s.UpdateIssue(t.Context(), tenant, "ada", "x", is.GetEtag(), func(*rapportv1.Issue) error { return nil }); !errors.Is(err, repository.ErrEtagMismatch) {
		t.Errorf("stale etag: %v", err)
	}
	if _, err := s.UpdateIssue(t.Context(), tenant, "ada", "nope", "", func(*rapportv1.Issue) error { return nil }); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("missing issue: %v", err)
	}
}

func testSummaryRoundTripAndConcurrency(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	if _, err := s.GetSummary(t.Context(), tenant, "ada"); !errors.Is(err, repository.ErrNotFound) {
		t.Fatalf("missing summary: %v", err)
	}
	when := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	want := repository.Summary{
		Customer: []byte("profile"), CustomerRevision: 7,
		Issues:       []repository.SummaryIssue{{IssueID: "refund", Revision: 3, Issue: []byte("issue")}},
		Recent:       []repository.SummaryInteraction{{InteractionID: "i1", OccurTime: when, Interaction: []byte("in")}},
		Days:         []repository.DayBucket{{Day: 20000, Channels: []int32{0, 2, 0, 1, 0, 0, 0, 0}, Hashes: []byte{1, 2, 3, 4, 5, 6, 7, 8}}},
		TopicDays:    []repository.KeyDayCount{{Key: "billing", Day: 20000, Count: 2}, {Key: "billing", Day: 20001, Count: 1}},
		IssueDays:    []repository.KeyDayCount{{Key: "customers/ada/issues/refund", Day: 20000, Count: 3}},
		CSAT:         &repository.SummaryScore{Value: 2, Time: when, Interaction: "i1"},
		NPS:          &repository.SummaryScore{Value: 9, Time: when, Interaction: "i1"},
		FirstContact: when, LastContact: when, LastChannel: 3,
		CustomerFacts: []repository.SummaryFact{{Time: when, Fact: []byte("account")}, {Time: when.Add(time.Hour), Fact: []byte("verified")}},
	}
	create(t, s, tenant, "ada")
	saved, err := s.UpdateSummary(t.Context(), tenant, "ada", func(sum *repository.Summary) error {
		rev := sum.Revision
		*sum = want
		sum.Revision = rev
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSummary(t.Context(), tenant, "ada")
	if err != nil {
		t.Fatal(err)
	}
	ignoreKeys := cmp.FilterPath(func(p cmp.Path) bool {
		switch p.Last().String() {
		case ".Tenant", ".CustomerID", ".Revision", ".UpdateTime", ".Fingerprint":
			return true
		}
		return false
	}, cmp.Ignore())
	if diff := cmp.Diff(want, *got, ignoreKeys); diff != "" {
		t.Errorf("read back differs (-want +got):\n%s", diff)
	}
	// A reader that knows the stored form's fingerprint is told it is
	// unchanged, and decodes nothing; after a save it is not.
	if r, ok := s.(repository.UnchangedSummaryReader); ok {
		create(t, s, tenant, "fp")
		save := func(channel int32) {
			t.Helper()
			if _, err := s.UpdateSummary(t.Context(), tenant, "fp", func(sum *repository.Summary) error { sum.LastChannel = channel; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		save(1)
		first, err := s.GetSummary(t.Context(), tenant, "fp")
		if err != nil {
			t.Fatal(err)
		}
		if first.Fingerprint == 0 {
			t.Fatal("GetSummary left the fingerprint zero")
		}
		again, unchanged, err := r.GetSummaryIfChanged(t.Context(), tenant, "fp", first.Fingerprint)
		if err != nil || !unchanged || again != nil {
			t.Fatalf("same stored form: %v, unchanged %v, %v; want nil, true", again, unchanged, err)
		}
		save(2)
		changed, unchanged, err := r.GetSummaryIfChanged(t.Context(), tenant, "fp", first.Fingerprint)
		if err != nil || unchanged || changed == nil || changed.LastChannel != 2 || changed.Fingerprint == first.Fingerprint {
			t.Fatalf("after a save: %+v, unchanged %v, %v; want the new summary with a new fingerprint", changed, unchanged, err)
		}
		if _, _, err := r.GetSummaryIfChanged(t.Context(), tenant, "nobody", first.Fingerprint); !errors.Is(err, repository.ErrNotFound) {
			t.Fatalf("a customer with no summary: %v, want ErrNotFound", err)
		}
	}
	if got.Revision != 1 || saved.Revision != 1 || got.Tenant != tenant || got.CustomerID != "ada" {
		t.Errorf("keys: %+v", got)
	}
	// Concurrent mergers: every increment lands.
	done := make(chan error)
	for range 6 {
		go func() {
			_, err := s.UpdateSummary(t.Context(), tenant, "ada", func(sum *repository.Summary) error {
				sum.LastChannel++
				return nil
			})
			done <- err
		}()
	}
	for range 6 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	got, _ = s.GetSummary(t.Context(), tenant, "ada")
	if got.LastChannel != 9 || got.Revision != 7 {
		t.Errorf("after 6 concurrent merges: last channel %d, revision %d", got.LastChannel, got.Revision)
	}
	// The stale mark round-trips, and a merge keeps it.
	if _, err := s.UpdateSummary(t.Context(), tenant, "ada", func(sum *repository.Summary) error { sum.Stale = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSummary(t.Context(), tenant, "ada", func(sum *repository.Summary) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetSummary(t.Context(), tenant, "ada"); !got.Stale || got.LastChannel != 9 {
		t.Errorf("a stale summary read back %+v", got)
	}
	if _, err := s.UpdateSummary(t.Context(), tenant, "ada", func(sum *repository.Summary) error { sum.Stale = false; return nil }); err != nil {
		t.Fatal(err)
	}
	// A mutation that fails saves nothing.
	refuse := errors.New("refused")
	if _, err := s.UpdateSummary(t.Context(), tenant, "ada", func(sum *repository.Summary) error { sum.LastChannel = 1; return refuse }); !errors.Is(err, refuse) {
		t.Errorf("mutate error: %v", err)
	}
	if got, _ := s.GetSummary(t.Context(), tenant, "ada"); got.LastChannel != 9 {
		t.Errorf("a refused mutation was saved")
	}
	// A damaged record is an error, not a silently empty summary; a
	// rebuild (an update that replaces it whole) repairs it.
	e.CorruptSummary(t, s, tenant, "ada")
	if _, err := s.GetSummary(t.Context(), tenant, "ada"); !errors.Is(err, repository.ErrCorruptSummary) {
		t.Errorf("corrupt summary: %v", err)
	}
}

func testSummaryOfAMissingCustomerIsRefused(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	_, err := s.UpdateSummary(t.Context(), tenant, "nobody", func(sum *repository.Summary) error { return nil })
	if !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("summary of a customer that does not exist: %v, want ErrNotFound", err)
	}
	if n := e.Count(t, s, "summaries", tenant); n != 0 {
		t.Errorf("%d summaries stored for nobody", n)
	}
}

func testAtomicallyCommitsAndReportsErrors(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	create(t, s, tenant, "ada")
	err := s.Atomically(ctx, func(ctx context.Context) error {
		if _, err := s.RecordInteractions(ctx, tenant, []repository.NewInteraction{newInteraction("ada", "i1", 1)}); err != nil {
			return err
		}
		// Reads inside see the writes made before them.
		if _, err := s.GetInteraction(ctx, tenant, "ada", "i1"); err != nil {
			return err
		}
		_, err := s.UpdateSummary(ctx, tenant, "ada", func(sum *repository.Summary) error { sum.LastChannel = 4; return nil })
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := s.GetSummary(ctx, tenant, "ada"); err != nil || sum.LastChannel != 4 {
		t.Errorf("summary after Atomically: %+v, %v", sum, err)
	}
	if _, err := s.GetInteraction(ctx, tenant, "ada", "i1"); err != nil {
		t.Errorf("interaction after Atomically: %v", err)
	}
	refuse := errors.New("refused")
	if err := s.Atomically(ctx, func(ctx context.Context) error { return refuse }); !errors.Is(err, refuse) {
		t.Errorf("Atomically returned %v, want fn's error", err)
	}
	// Nested: one unit.
	if err := s.Atomically(ctx, func(ctx context.Context) error {
		return s.Atomically(ctx, func(ctx context.Context) error {
			_, err := s.UpdateCustomer(ctx, tenant, "ada", "", func(c *rapportv1.Customer) error { c.DisplayName = "Nested"; return nil })
			return err
		})
	}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.GetCustomer(ctx, tenant, "ada"); c.GetDisplayName() != "Nested" {
		t.Errorf("nested Atomically: %q", c.GetDisplayName())
	}
}

func testExpireAtWrittenWithRetention(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	kept, expiring := newInteraction("ada", "kept", 1), newInteraction("ada", "expiring", 2)
	expiring.Retention = 30 * 24 * time.Hour
	record(t, s, tenant, kept, expiring)
	if at, ok := e.ExpireAt(t, s, tenant, "kept"); ok {
		t.Errorf("interaction without a retention expires at %v", at)
	}
	got, ok := e.ExpireAt(t, s, tenant, "expiring")
	if want := expiring.Interaction.GetOccurTime().AsTime().Add(30 * 24 * time.Hour); !ok || !got.Equal(want) {
		t.Errorf("expire_at %v (%v), want occur_time + 30 days = %v", got, ok, want)
	}
}

func testPurgeQueries(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	const days = 24 * time.Hour
	for tn, customers := range map[string][]string{"acme": {"ada", "bob", "cyd", "dan", "old"}, "umbrella": {"eve"}, "initech": {"joe"}} {
		for _, c := range customers {
			create(t, s, tn, c)
		}
	}
	rec := func(tn, customer, id string, age time.Duration) {
		t.Helper()
		it := repository.NewInteraction{CustomerID: customer, InteractionID: id, Interaction: &rapportv1.Interaction{
			Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: timestamppb.New(now.Add(-age)),
		}}
		if res := record(t, s, tn, it); res[0].Err != nil {
			t.Fatal(res[0].Err)
		}
	}
	rec("acme", "ada", "a1", 10*days)
	rec("acme", "ada", "a2", 40*days)
	rec("acme", "bob", "b1", 100*days)
	rec("umbrella", "eve", "u1", 100*days)
	rec("initech", "joe", "i1", 100*days)

	// One tenant, then every tenant but two.
	n, err := s.DeleteInteractionsBefore(ctx, repository.TenantScope{Tenant: "acme"}, now.Add(-30*days))
	if err != nil || n != 2 {
		t.Fatalf("deleted %d of acme's, %v; want 2", n, err)
	}
	n, err = s.DeleteInteractionsBefore(ctx, repository.TenantScope{Except: []string{"acme", "umbrella"}}, now.Add(-30*days))
	if err != nil || n != 1 {
		t.Fatalf("deleted %d of the other tenants', %v; want 1 (initech's)", n, err)
	}
	for tn, want := range map[string]int{"acme": 1, "umbrella": 1, "initech": 0} {
		if got := e.Count(t, s, "interactions", tn); got != want {
			t.Errorf("%s has %d interactions, want %d", tn, got, want)
		}
	}

	// Summaries by first contact: before the cutoff, after it, none.
	summary := func(tn, customer string, first time.Time) {
		t.Helper()
		if _, err := s.UpdateSummary(ctx, tn, customer, func(sum *repository.Summary) error {
			sum.FirstContact = first
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	summary("acme", "ada", now.Add(-40*days))
	summary("acme", "bob", now.Add(-10*days))
	summary("acme", "cyd", time.Time{})
	summary("acme", "dan", now.Add(-31*days))
	summary("acme", "old", now.Add(-90*days))
	summary("umbrella", "eve", now.Add(-100*days))
	var got []repository.SummaryRef
	var after repository.SummaryRef
	for {
		page, err := s.SummariesContactedBefore(ctx, repository.TenantScope{Tenant: "acme"}, now.Add(-30*days), after, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1]
	}
	want := []repository.SummaryRef{{Tenant: "acme", CustomerID: "ada"}, {Tenant: "acme", CustomerID: "dan"}, {Tenant: "acme", CustomerID: "old"}}
	if !slices.Equal(got, want) {
		t.Errorf("summaries to rebuild %v, want %v", got, want)
	}
	others, err := s.SummariesContactedBefore(ctx, repository.TenantScope{Except: []string{"acme"}}, now.Add(-30*days), repository.SummaryRef{}, 10)
	if err != nil || !slices.Equal(others, []repository.SummaryRef{{Tenant: "umbrella", CustomerID: "eve"}}) {
		t.Errorf("other tenants' summaries to rebuild %v, %v", others, err)
	}
}

func testReviseExpiry(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	create(t, s, tenant, "ada")
	now := time.Now().UTC().Truncate(time.Millisecond)
	const days = 24 * time.Hour
	// Recorded under a 30-day retention: 29 days old expires within the
	// hour; 5 days old in 25 days.
	occurs := map[string]time.Time{"soon": now.Add(-(29*days + 23*time.Hour + 30*time.Minute)), "later": now.Add(-5 * days)}
	var items []repository.NewInteraction
	for id, at := range occurs {
		items = append(items, repository.NewInteraction{CustomerID: "ada", InteractionID: id, Retention: 30 * days, Interaction: &rapportv1.Interaction{
			Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: timestamppb.New(at),
		}})
	}
	record(t, s, tenant, items...)
	expireAt := func(id string) (time.Time, bool) { return e.ExpireAt(t, s, tenant, id) }
	scope := repository.TenantScope{Tenant: tenant}

	// Unchanged retention: nothing to revise.
	if n, err := s.ReviseExpiry(ctx, scope, 30*days, now, 2*time.Hour); err != nil || n != 0 {
		t.Errorf("revised %d under the same retention, %v", n, err)
	}
	// Lengthened to 60 days: the one due within the horizon is saved, the
	// other is revised later, when it comes near.
	if n, err := s.ReviseExpiry(ctx, scope, 60*days, now, 2*time.Hour); err != nil || n != 1 {
		t.Errorf("revised %d under a longer retention, %v; want 1", n, err)
	}
	if got, _ := expireAt("soon"); !got.Equal(occurs["soon"].Add(60 * days)) {
		t.Errorf("soon expires at %v, want occur_time + 60 days", got)
	}
	if got, _ := expireAt("later"); !got.Equal(occurs["later"].Add(30 * days)) {
		t.Errorf("later expires at %v, want its first expiry (not yet due)", got)
	}
	// Near its first expiry, later is revised too.
	if n, err := s.ReviseExpiry(ctx, scope, 60*days, now.Add(25*days), 2*time.Hour); err != nil || n != 1 {
		t.Errorf("revised %d near the first expiry, %v; want 1", n, err)
	}
	// Retention off: expire_at goes, from what comes due within the horizon
	// (soon, now at occur_time + 60 days).
	if n, err := s.ReviseExpiry(ctx, scope, 0, now.Add(30*days), 2*time.Hour); err != nil || n != 1 {
		t.Errorf("cleared %d with the retention off, %v; want 1", n, err)
	}
	if at, ok := expireAt("soon"); ok {
		t.Errorf("soon still expires at %v with the retention off", at)
	}
}

func testAnotherStoreOnTheSameDataSeesWrites(t *testing.T, e Engine) {
	a := e.New(t, Options{})
	b := e.Reopen(t, a, Options{})
	ctx := t.Context()
	create(t, a, tenant, "ada", email("ada@example.com"))
	if _, err := b.GetCustomer(ctx, tenant, "ada"); err != nil {
		t.Fatalf("the other store: %v", err)
	}
	// Both write the same customer at once: nothing is lost.
	var wg sync.WaitGroup
	for i, s := range []Store{a, b, a, b} {
		wg.Go(func() {
			if _, err := s.UpdateSummary(ctx, tenant, "ada", func(sum *repository.Summary) error { sum.LastChannel++; return nil }); err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if sum, err := a.GetSummary(ctx, tenant, "ada"); err != nil || sum.LastChannel != 4 {
		t.Errorf("after writers on two stores: %+v, %v", sum, err)
	}
	if _, err := b.CreateCustomer(ctx, tenant, repository.CreateRequest{CustomerID: "bob", Customer: newCustomer("Bob", email("ada@example.com"))}); !errors.Is(err, repository.ErrAlreadyExists) {
		t.Errorf("identity claimed through the other store: %v", err)
	}
}

// testWatchSummariesPushesOrSaysItCannot: a store either pushes summary
// changes to a watcher (MongoDB change streams; the embedded store within
// its process) or says at once that it cannot (watchers then poll).
func testWatchSummariesPushesOrSaysItCannot(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	got := make(chan repository.SummaryRef, 16)
	done := make(chan error, 1)
	go func() {
		done <- s.WatchSummaries(ctx, func(tn, c string) { got <- repository.SummaryRef{Tenant: tn, CustomerID: c} })
	}()
	deadline := time.After(10 * time.Second)
	for {
		if _, err := s.UpdateSummary(t.Context(), tenant, "ada", func(sum *repository.Summary) error { sum.LastChannel++; return nil }); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if !errors.Is(err, repository.ErrChangeStreamsUnsupported) {
				t.Fatalf("WatchSummaries ended with %v", err)
			}
			return
		case ref := <-got:
			if ref != (repository.SummaryRef{Tenant: tenant, CustomerID: "ada"}) {
				t.Fatalf("change of %+v", ref)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("WatchSummaries after cancel: %v", err)
			}
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("no change pushed, and no ErrChangeStreamsUnsupported")
		}
	}
}

func testUpdateSummariesOfSeveralCustomers(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	ctx := t.Context()
	var ids []string
	for i := range 600 { // more than one IN list
		id := fmt.Sprintf("c%03d", i)
		create(t, s, tenant, id)
		ids = append(ids, id)
	}
	if _, err := s.UpdateSummary(ctx, tenant, "c001", func(sum *repository.Summary) error { sum.LastChannel = 10; return nil }); err != nil {
		t.Fatal(err)
	}
	bump := func(sum *repository.Summary) error {
		sum.LastChannel++
		sum.Customer = []byte(sum.CustomerID)
		return nil
	}
	// Two at once: nothing is lost.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := s.UpdateSummaries(ctx, tenant, ids, bump); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, id := range []string{"c000", "c001", "c599"} {
		sum, err := s.GetSummary(ctx, tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		want := int32(2)
		if id == "c001" {
			want = 12
		}
		if sum.LastChannel != want || string(sum.Customer) != id {
			t.Errorf("%s after two batch updates: last channel %d, customer %q", id, sum.LastChannel, sum.Customer)
		}
	}
	if err := s.UpdateSummaries(ctx, tenant, []string{"c000", "nobody"}, bump); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("a batch naming a missing customer: %v, want ErrNotFound", err)
	}
	if n := e.Count(t, s, "summaries", tenant); n != 600 {
		t.Errorf("%d summaries, want 600 (none for nobody)", n)
	}
}

func testRecordInteractionsOfAMissingCustomer(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	res := record(t, s, tenant, newInteraction("nobody", "n1", 1), newInteraction("ada", "a1", 2), newInteraction("nobody", "n2", 3))
	if !errors.Is(res[0].Err, repository.ErrNotFound) || !errors.Is(res[2].Err, repository.ErrNotFound) || res[1].Err != nil {
		t.Fatalf("results %+v: want ErrNotFound for nobody's, ada's recorded", res)
	}
	if n := e.Count(t, s, "interactions", tenant); n != 1 {
		t.Errorf("%d interactions stored, want 1", n)
	}
}

// Facts keep their origin, span, correction mark and the interaction that
// superseded them, and sentiments their language, on interactions and on
// issues.
func testFactOriginsAndSentimentLanguageKept(t *testing.T, e Engine) {
	s := e.New(t, Options{})
	create(t, s, tenant, "ada")
	facts := []*rapportv1.Fact{
		{Key: "order_number", Value: "A-1", Channel: rapportv1.Channel_CHANNEL_CHAT, Origin: rapportv1.FactOrigin_FACT_ORIGIN_GIVEN},
		{Key: "step_tried", Value: "restarted it", Channel: rapportv1.Channel_CHANNEL_CHAT, Origin: rapportv1.FactOrigin_FACT_ORIGIN_EXTRACTED,
			Span: &rapportv1.TextSpan{Field: "text", Start: 10, End: 22}},
		{Key: "contract_number", Value: "K-55810", Origin: rapportv1.FactOrigin_FACT_ORIGIN_EXTRACTED, SupersededBy: "customers/ada/interactions/i2"},
		{Key: "contract_number", Value: "K-55801", Origin: rapportv1.FactOrigin_FACT_ORIGIN_EXTRACTED, Correction: true},
	}
	in := newInteraction("ada", "i1", 1)
	in.Interaction.Facts = facts
	in.Interaction.Sentiment = &rapportv1.Sentiment{Source: rapportv1.SentimentSource_SENTIMENT_SOURCE_NOT_COMPUTED, Language: "de"}
	record(t, s, tenant, in)
	got, err := s.GetInteraction(t.Context(), tenant, "ada", "i1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(facts, got.GetFacts(), protocmp.Transform()); diff != "" {
		t.Errorf("interaction facts (-want +got):\n%s", diff)
	}
	if got.GetSentiment().GetLanguage() != "de" || got.GetSentiment().GetSource() != rapportv1.SentimentSource_SENTIMENT_SOURCE_NOT_COMPUTED {
		t.Errorf("sentiment %v", got.GetSentiment())
	}
	if _, err := s.CreateIssue(t.Context(), tenant, repository.CreateIssueRequest{CustomerID: "ada", IssueID: "x", Issue: &rapportv1.Issue{Title: "t", Facts: facts}}); err != nil {
		t.Fatal(err)
	}
	is, err := s.GetIssue(t.Context(), tenant, "ada", "x")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(facts, is.GetFacts(), protocmp.Transform()); diff != "" {
		t.Errorf("issue facts (-want +got):\n%s", diff)
	}
}
