package service_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// cancellingStore cancels the call at its first issue read, and answers
// once the server has seen the cancellation.
type cancellingStore struct {
	repositorytest.Store
	cancel atomic.Pointer[context.CancelFunc]
	reads  atomic.Int32
}

func (s *cancellingStore) GetIssue(ctx context.Context, tenant, customerID, issueID string) (*rapportv1.Issue, error) {
	if cancel := s.cancel.Load(); cancel != nil {
		if s.reads.Add(1) == 1 {
			(*cancel)()
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
			}
		}
	}
	return s.Store.GetIssue(ctx, tenant, customerID, issueID)
}

// A batch whose caller goes away stops where it is: the items after the
// cancellation are not read, checked or analysed (each item here links its
// own issue, so each would read one), and nothing is stored.
func TestCancelledBatchStopsWorking(t *testing.T) {
	t.Parallel()
	store := &cancellingStore{Store: newStore(t)}
	ts, srv := startServerWith(t, store, service.Options{})
	parent := ts.newCustomer(t, "ada")
	var reqs []*rapportv1.RecordInteractionRequest
	for i := range 20 {
		is, err := ts.issues.CreateIssue(t.Context(), &rapportv1.CreateIssueRequest{Parent: parent, Issue: &rapportv1.Issue{Title: fmt.Sprint("issue ", i)}})
		if err != nil {
			t.Fatal(err)
		}
		in := interaction(rapportv1.Channel_CHANNEL_EMAIL, i, fmt.Sprint("c-", i))
		in.Issue = is.GetIssue().GetName()
		in.Text = "The router drops the connection every evening; I restarted it twice."
		reqs = append(reqs, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	store.cancel.Store(&cancel)
	_, err := ts.interactions.BatchRecordInteractions(ctx, &rapportv1.BatchRecordInteractionsRequest{Requests: reqs})
	if status.Code(err) != codes.Canceled {
		t.Fatalf("cancelled batch: %v", err)
	}
	srv.GRPC.GracefulStop() // waits for the handler to return
	if n := store.reads.Load(); n != 1 {
		t.Errorf("the cancelled batch read %d issues, want 1 (it went on after its caller left)", n)
	}
	page, _, err := store.ListInteractions(t.Context(), "default", "ada", repository.InteractionFilter{}, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 0 {
		t.Errorf("a cancelled batch stored %d interactions", len(page))
	}
}
