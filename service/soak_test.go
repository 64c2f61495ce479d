package service_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestSoak runs a mixed load (records, contexts, history pages, watch
// streams opened and closed) for a bounded time (25 s after a 5 s warm-up;
// RAPPORT_SOAK_DURATION=5m for a longer one) and checks that goroutines and
// the live heap do not grow between the first and the last sample.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a 30-second soak")
	}
	ts := startServer(t, mustStore(t), service.Options{WatchPollInterval: 50 * time.Millisecond})
	parents := []string{ts.newCustomer(t, "a"), ts.newCustomer(t, "b"), ts.newCustomer(t, "c")}
	// sample counts the goroutines that are not the database's own
	// connections (the driver's pool may grow to its bound under load, and
	// each connection of the embedded FerretDB has goroutines of its own),
	// and the live heap.
	sample := func() (int, uint64) {
		runtime.GC()
		buf := make([]byte, 4<<20)
		buf = buf[:runtime.Stack(buf, true)]
		n := 0
		for _, g := range strings.Split(string(buf), "\n\n") {
			if !strings.Contains(g, "FerretDB/internal/clientconn") && !strings.Contains(g, "mongo-driver/v2/x/mongo/driver/topology") {
				n++
			}
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return n, m.HeapAlloc
	}
	errs := make(chan error, 16)
	var calls, unavailable atomic.Int64
	// load runs the mixed load for d and returns when every caller stopped.
	load := func(d time.Duration) {
		ctx, stop := context.WithTimeout(t.Context(), d)
		defer stop()
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					parent := parents[(w+i)%len(parents)]
					var err error
					switch i % 4 {
					case 0:
						// A bounded history: source IDs repeat, so replays
						// add nothing and the data stops growing.
						_, err = ts.interactions.RecordInteraction(ctx, &rapportv1.RecordInteractionRequest{Parent: parent,
							Interaction: interaction(rapportv1.Channel(i%7+1), i%50, fmt.Sprint("soak-", parent, "-", w, "-", i%200))})
					case 1:
						_, err = ts.contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: parent})
					case 2:
						_, err = ts.interactions.ListInteractions(ctx, &rapportv1.ListInteractionsRequest{Parent: parent, PageSize: 20})
					case 3:
						// A desktop opens a watch, gets the context, hangs up.
						wctx, cancel := context.WithCancel(ctx)
						stream, werr := ts.contexts.WatchCustomerContext(wctx, &rapportv1.WatchCustomerContextRequest{Context: &rapportv1.GetCustomerContextRequest{Customer: parent}})
						if werr == nil {
							_, werr = stream.Recv()
						}
						cancel()
						err = werr
					}
					calls.Add(1)
					switch c := status.Code(err); {
					case err == nil, ctx.Err() != nil, c == codes.DeadlineExceeded, c == codes.Canceled:
						// Calls cut by the end of the phase are not failures.
					case c == codes.Unavailable:
						// Retryable, and counted: the embedded store
						// occasionally drops a connection under this load.
						unavailable.Add(1)
					default:
						select {
						case errs <- err:
						default:
						}
					}
				}
			}()
		}
		wg.Wait()
		time.Sleep(500 * time.Millisecond) // let streams and pollers wind down
	}
	load(5 * time.Second) // warm up: pools, caches, first allocations
	g0, h0 := sample()
	soak := 25 * time.Second
	if d, err := time.ParseDuration(os.Getenv("RAPPORT_SOAK_DURATION")); err == nil && d > 0 {
		soak = d
	}
	load(soak)
	g1, h1 := sample()
	close(errs)
	for err := range errs {
		t.Errorf("call failed during the soak: %v", err)
	}
	t.Logf("%d calls, %d UNAVAILABLE", calls.Load(), unavailable.Load())
	if unavailable.Load()*1000 > calls.Load() {
		t.Errorf("%d of %d calls UNAVAILABLE: more than 0.1%%", unavailable.Load(), calls.Load())
	}
	t.Logf("goroutines %d -> %d, heap %d KiB -> %d KiB", g0, g1, h0>>10, h1>>10)
	if g1 > g0+2 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
	if h1 > 2*h0+16<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB", h0>>10, h1>>10)
	}
}
