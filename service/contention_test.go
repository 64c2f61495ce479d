package service_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
)

// 16 writers record interactions of one customer at once. Every answer
// tells the truth: each write is answered OK and is stored (ABORTED was
// answered for 110 of 426 writes that were all stored, and the context
// under-counted until a rebuild). On MongoDB the store gives up the race
// for the summary after one attempt here, so that writers lose it: the
// summary is then marked stale and the next read rebuilds it. The context
// read after the writes equals a rebuild's, on both adapters.
func TestConcurrentWritersOfOneCustomerAllTellTheTruth(t *testing.T) {
	t.Parallel()
	for _, linked := range []bool{false, true} {
		t.Run(fmt.Sprint("linked to one issue: ", linked), func(t *testing.T) {
			t.Parallel()
			concurrentWriters(t, linked)
		})
	}
}

// concurrentWriters runs the test, with every interaction linked to one
// issue when linked: then the issue's links lose the race too, and the
// read after the writes makes them.
func concurrentWriters(t *testing.T, linked bool) {
	now := base.Add(24 * time.Hour)
	store := engine().New(t, repositorytest.Options{MaxUpdateAttempts: 1})
	ts := startServer(t, store, service.Options{Now: func() time.Time { return now }})
	parent := ts.newCustomer(t, "ada")
	issue := ""
	if linked {
		issue = ts.newIssue(t, parent, "refund", &rapportv1.Issue{Title: "Refund"}).GetName()
	}
	const writers, each = 16, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				in := interaction(rapportv1.Channel(1+(w+i)%4), w*each+i, fmt.Sprintf("w%d-%d", w, i))
				in.Topics, in.Issue = []string{"billing"}, issue
				in.Facts = []*rapportv1.Fact{{Key: "order_number", Value: fmt.Sprintf("A-%d-%d", w, i)}}
				_, err := ts.interactions.RecordInteraction(t.Context(), &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a write was answered %v (%v)", status.Code(err), err)
		}
	}
	if sum, err := store.GetSummary(t.Context(), "default", "ada"); err == nil {
		t.Logf("summary stale after the writes: %v", sum.Stale)
	}
	list, err := ts.interactions.ListInteractions(t.Context(), &rapportv1.ListInteractionsRequest{Parent: parent, PageSize: 500})
	if err != nil || len(list.GetInteractions()) != writers*each {
		t.Fatalf("stored %d interactions, want %d (%v)", len(list.GetInteractions()), writers*each, err)
	}
	req := &rapportv1.GetCustomerContextRequest{Customer: parent, RecentInteractionLimit: ptr(int32(20))}
	kept := ts.context(t, req)
	if got := kept.GetContactCounts()[0].GetTotal(); got != writers*each {
		t.Errorf("the context counts %d contacts, want %d", got, writers*each)
	}
	if linked {
		is, err := ts.issues.GetIssue(t.Context(), &rapportv1.GetIssueRequest{Name: issue})
		if err != nil || is.GetIssue().GetInteractionCount() != writers*each || len(is.GetIssue().GetFacts()) != writers*each {
			t.Errorf("after the read, the issue links %d interactions and %d facts, want %d (%v)",
				is.GetIssue().GetInteractionCount(), len(is.GetIssue().GetFacts()), writers*each, err)
		}
	}
	rebuilt, err := ts.contexts.RebuildCustomerContext(t.Context(), &rapportv1.RebuildCustomerContextRequest{Customer: parent})
	if err != nil || rebuilt.GetInteractionsRead() != writers*each {
		t.Fatalf("rebuild read %d: %v", rebuilt.GetInteractionsRead(), err)
	}
	if diff := cmp.Diff(kept, ts.context(t, req), protocmp.Transform()); diff != "" {
		t.Errorf("the context after the writes differs from a rebuild (-kept +rebuilt):\n%s", diff)
	}
}
