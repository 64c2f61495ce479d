package service_test

import (
	"context"
	"errors"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
)

// inFlightStore counts the history reads in progress at once, each held a
// little so that concurrent readers overlap.
type inFlightStore struct {
	repositorytest.Store
	now, most atomic.Int64
}

func (s *inFlightStore) ListInteractions(ctx context.Context, tenant, customerID string, f repository.InteractionFilter, after *repository.Cursor, limit int) ([]*rapportv1.Interaction, bool, error) {
	if n := s.now.Add(1); n > s.most.Load() {
		s.most.Store(n) // racy maximum, but never above the true one
	}
	defer s.now.Add(-1)
	time.Sleep(20 * time.Millisecond)
	return s.Store.ListInteractions(ctx, tenant, customerID, f, after, limit)
}

// heapBytes is the memory held by the heap objects the last collection
// found live: what the reads hold, not the garbage the runtime's pacing
// lets pile up between collections (with the language detector's models,
// about 180 MiB live, GOGC 100 lets as much garbage pile up again).
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Heavy reads are bounded per tenant: however many exports of a long
// history (and long pages) one tenant runs at once, at most
// MaxHeavyReadsPerTenant read the history at a time, each a page of 100
// interactions at a time; the others wait, or are refused with
// RESOURCE_EXHAUSTED and retry. So the memory they take is bounded too (6
// exports of a 29,500-interaction history grew the process from 0.8 to
// 2.2 GB).
func TestConcurrentHeavyReadsAreBoundedPerTenant(t *testing.T) {
	const (
		history = 600
		exports = 6
		most    = 2
	)
	store := &inFlightStore{Store: newStore(t)}
	ts := startServer(t, store, service.Options{Limits: access.Limits{MaxHeavyReadsPerTenant: most}})
	parent := ts.newCustomer(t, "ada")
	text := strings.Repeat("The parcel never arrived and nobody called me back. ", 320) // 16 KiB
	for b := range history / 100 {
		var batch []*rapportv1.RecordInteractionRequest
		for i := range 100 {
			in := interaction(rapportv1.Channel_CHANNEL_EMAIL, b*100+i, "")
			in.Text, in.Sentiment = text, &rapportv1.Sentiment{Score: -0.5}
			batch = append(batch, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
		}
		// The setup's deadline, not the default 30 s: 100 texts of 16 KiB
		// are read for facts and statements, 10-30 s on a loaded machine.
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		res, err := ts.interactions.BatchRecordInteractions(ctx, &rapportv1.BatchRecordInteractionsRequest{Requests: batch})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.GetResults() {
			if r.GetError() != nil {
				t.Fatalf("batch %d: %v", b, r.GetError())
			}
		}
	}
	store.most.Store(0)
	// Collect often (at 10% growth, not 100%), so that the live heap is
	// measured many times during the reads (heapBytes): with the language
	// detector's 180 MiB of models, GOGC 100 would collect only a few times.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	base := heapBytes()
	var peak atomic.Uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if h := heapBytes(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	var retries atomic.Int64
	// retry calls read until it is not refused for too many heavy reads.
	retry := func(read func() error) error {
		for {
			err := read()
			if _, info, _ := statusDetails(t, err); err == nil || info.GetReason() != "TOO_MANY_HEAVY_READS" {
				return err
			}
			retries.Add(1)
			time.Sleep(100 * time.Millisecond)
		}
	}
	var wg sync.WaitGroup
	for range exports {
		wg.Go(func() {
			err := retry(func() error {
				stream, err := ts.customers.ExportCustomer(t.Context(), &rapportv1.ExportCustomerRequest{Name: parent})
				if err != nil {
					return err
				}
				got := 0
				for {
					msg, err := stream.Recv()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						return err
					}
					if msg.GetInteraction() != nil {
						got++
					}
				}
				if got != history {
					t.Errorf("an export sent %d interactions, want %d", got, history)
				}
				return nil
			})
			if err != nil {
				t.Errorf("export: %v", err)
			}
		})
		wg.Go(func() {
			err := retry(func() error {
				_, err := ts.interactions.ListInteractions(t.Context(), &rapportv1.ListInteractionsRequest{Parent: parent, PageSize: 200})
				return err
			})
			if err != nil {
				t.Errorf("list: %v", err)
			}
		})
	}
	wg.Wait()
	close(stopSampling)
	<-sampled
	grew := int64(peak.Load()) - int64(base)
	t.Logf("%d exports and %d pages of 200 of a %d-interaction history (%d MiB of text): at most %d reading at once, %d retries; heap grew by %d MiB at most",
		exports, exports, history, history*len(text)>>20, store.most.Load(), retries.Load(), grew>>20)
	if store.most.Load() > most {
		t.Errorf("%d heavy reads of one tenant at once, want at most %d", store.most.Load(), most)
	}
	// A guard against gross growth, not a measure of the cap (most is
	// that): the peak of the live heap, sampled every 5 ms while the
	// collector runs at 10%, spread over 41–75 MiB in seven runs on a
	// 2-core machine (two commits, the same code path), so 64 MiB failed
	// one run in four. The history alone is 9 MiB: the 12 reads each
	// holding it whole at once would be over 108 MiB. Only on SQLite: the
	// tests' FerretDB (standing in for MongoDB) runs in this process, and
	// its own memory counts too.
	if engine().Name() == "sqlite" && grew > 96<<20 {
		t.Errorf("the heap grew by %d MiB", grew>>20)
	}
}
