package repository_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestSummaryRoundTripAndConcurrency(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t)
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
	}
	create(t, s, tenant, "ada")
	if _, err := s.UpdateSummary(t.Context(), tenant, "ada", func(sum *repository.Summary) error {
		rev := sum.Revision
		*sum = want
		sum.Revision = rev
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSummary(t.Context(), tenant, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, *got, cmp.FilterPath(func(p cmp.Path) bool {
		switch p.Last().String() {
		case ".ID", ".Tenant", ".CustomerID", ".Revision", ".UpdateTime":
			return true
		}
		return false
	}, cmp.Ignore())); diff != "" {
		t.Errorf("read back differs (-want +got):\n%s", diff)
	}
	if got.Revision != 1 || got.ID != tenant+"/ada" {
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
	// A damaged document is an error, not a silently empty summary.
	if _, err := db.Collection("contexts").UpdateOne(t.Context(), bson.D{{Key: "_id", Value: tenant + "/ada"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "data", Value: bson.Binary{Data: []byte("garbage")}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSummary(t.Context(), tenant, "ada"); err == nil || errors.Is(err, repository.ErrNotFound) {
		t.Errorf("corrupt summary: %v", err)
	}
}
