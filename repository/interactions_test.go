package repository_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func newInteraction(customer, id string, minute int) repository.NewInteraction {
	return repository.NewInteraction{CustomerID: customer, InteractionID: id, Fingerprint: "f-" + id, Interaction: &rapportv1.Interaction{
		Channel:   rapportv1.Channel_CHANNEL_CHAT,
		OccurTime: timestamppb.New(time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC)),
		Summary:   "s " + id,
	}}
}

func TestRecordInteractionsIsIdempotentByID(t *testing.T) {
	t.Parallel()
	s, db := repositorytest.Store(t)
	items := []repository.NewInteraction{newInteraction("ada", "i1", 1), newInteraction("ada", "i2", 2), newInteraction("ada", "i1", 1)}
	res, err := s.RecordInteractions(t.Context(), tenant, items)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].AlreadyRecorded || res[1].Err != nil || !res[2].AlreadyRecorded || res[2].Interaction.GetName() != "customers/ada/interactions/i1" {
		t.Fatalf("first batch: %+v", res)
	}
	replay := []repository.NewInteraction{newInteraction("ada", "i1", 1), newInteraction("bob", "i2", 2)}
	replay[0].Interaction.Summary = "changed"
	replay[0].CheckFingerprint, replay[0].Fingerprint = true, "other"
	res, err = s.RecordInteractions(t.Context(), tenant, replay)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(res[0].Err, repository.ErrRequestReused) {
		t.Errorf("same ID, other fingerprint, checked: %v", res[0].Err)
	}
	var conflict *repository.SourceConflictError
	if !errors.As(res[1].Err, &conflict) || !errors.Is(res[1].Err, repository.ErrAlreadyExists) {
		t.Errorf("same ID for another customer: %v", res[1].Err)
	}
	if n := count(t, db, "interactions", tenant); n != 2 {
		t.Errorf("%d interactions stored, want 2", n)
	}
	if _, err := s.GetInteraction(t.Context(), tenant, "bob", "i2"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("ada's interaction read as bob's: %v", err)
	}
}

func TestListInteractionsKeysetWithEqualTimes(t *testing.T) {
	t.Parallel()
	s, _ := repositorytest.Store(t)
	var items []repository.NewInteraction
	for i := range 25 {
		items = append(items, newInteraction("ada", fmt.Sprintf("i%02d", i), i/5)) // five per minute
	}
	items = append(items, newInteraction("bob", "other", 3))
	if _, err := s.RecordInteractions(t.Context(), tenant, items); err != nil {
		t.Fatal(err)
	}
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

func TestUpdateIssueOptimisticConcurrency(t *testing.T) {
	t.Parallel()
	s, _ := repositorytest.Store(t)
	create(t, s, tenant, "ada")
	is, err := s.CreateIssue(t.Context(), tenant, repository.CreateIssueRequest{CustomerID: "ada", IssueID: "x", Issue: &rapportv1.Issue{Title: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateIssue(t.Context(), tenant, repository.CreateIssueRequest{CustomerID: "nobody", IssueID: "x", Issue: &rapportv1.Issue{Title: "t"}}); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("issue of a missing customer: %v", err)
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
	if _, err := s.UpdateIssue(t.Context(), tenant, "ada", "x", is.GetEtag(), func(*rapportv1.Issue) error { return nil }); !errors.Is(err, repository.ErrEtagMismatch) {
		t.Errorf("stale etag: %v", err)
	}
}
