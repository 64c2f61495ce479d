package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// metric reads a counter of the process's /metrics.
func metric(t *testing.T, addr, name string) float64 {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}

// The process is killed (SIGKILL) while 32 clients record interactions at
// once, their writes sharing commits (group commit): after a restart every
// acknowledged interaction is stored, and retrying every request that was
// sent (acknowledged or in flight, same request IDs) stores each exactly
// once.
func TestKilledDuringGroupCommitLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	p := start(t, bin, dataDir, addr, "--metrics-listen", metricsAddr)
	const writers, customers = 32, 4
	for c := range customers {
		_, err := rapportv1.NewCustomerServiceClient(p.conn).CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{
			CustomerId: fmt.Sprint("c", c), Customer: &rapportv1.Customer{DisplayName: fmt.Sprint("C", c)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	base := time.Now()
	request := func(w, n int) *rapportv1.RecordInteractionRequest {
		return &rapportv1.RecordInteractionRequest{
			Parent:    fmt.Sprint("customers/c", w%customers),
			RequestId: fmt.Sprintf("00000000-0000-4000-8000-%04x%08x", w, n),
			Interaction: &rapportv1.Interaction{Channel: rapportv1.Channel(n%7 + 1), Summary: fmt.Sprintf("writer %d call %d", w, n),
				OccurTime: timestamppb.New(base.Add(-time.Duration(n) * time.Minute))},
		}
	}
	var (
		mu    sync.Mutex
		acked = map[string]bool{} // interaction names
		sent  [writers]int        // calls sent by each writer
		total atomic.Int64
		ended atomic.Int64
		first atomic.Value // the first error before the kill
	)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	client := rapportv1.NewInteractionServiceClient(p.conn)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ended.Add(1)
			for n := 0; ctx.Err() == nil; n++ {
				mu.Lock()
				sent[w] = n + 1
				mu.Unlock()
				res, err := client.RecordInteraction(ctx, request(w, n))
				if err != nil {
					first.CompareAndSwap(nil, err)
					return // the kill
				}
				mu.Lock()
				acked[res.GetInteraction().GetName()] = true
				mu.Unlock()
				total.Add(1)
			}
		}()
	}
	for total.Load() < 2000 {
		if ended.Load() == writers {
			t.Fatalf("the writers stopped before the kill: %v", first.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	commits := metric(t, metricsAddr, "rapport_sqlite_write_commits_total")
	calls := metric(t, metricsAddr, "rapport_sqlite_write_committed_calls_total")
	if calls < 2*commits {
		t.Errorf("%v calls in %v commits: the writes were not grouped", calls, commits)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	cancel()
	wg.Wait()

	p = start(t, bin, dataDir, addr)
	defer p.stop(t)
	stored := storedNames(t, p, customers)
	lost := 0
	for name := range acked {
		if !stored[name] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged interactions are missing after the kill", lost, len(acked))
	}
	// Retry everything that was sent: each request is stored once.
	attempted := 0
	client = rapportv1.NewInteractionServiceClient(p.conn)
	for w := range writers {
		for n := range sent[w] {
			attempted++
			res, err := client.RecordInteraction(t.Context(), request(w, n))
			if err != nil {
				t.Fatal(err)
			}
			if name := res.GetInteraction().GetName(); acked[name] && !res.GetAlreadyRecorded() {
				t.Errorf("%s was acknowledged, but its retry recorded it again", name)
			}
		}
	}
	after := len(storedNames(t, p, customers))
	t.Logf("%d acknowledged before the kill (%v calls in %v commits), %d stored after it, %d sent", len(acked), calls, commits, len(stored), attempted)
	if after != attempted {
		t.Errorf("%d interactions after the retries, want exactly the %d requests sent", after, attempted)
	}
}

// storedNames lists the interactions of customers c0, c1, ...
func storedNames(t *testing.T, p *process, customers int) map[string]bool {
	t.Helper()
	stored := map[string]bool{}
	client := rapportv1.NewInteractionServiceClient(p.conn)
	for c := range customers {
		req := &rapportv1.ListInteractionsRequest{Parent: fmt.Sprint("customers/c", c), PageSize: 500}
		for {
			res, err := client.ListInteractions(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range res.GetInteractions() {
				stored[in.GetName()] = true
			}
			if req.PageToken = res.GetNextPageToken(); req.PageToken == "" {
				break
			}
		}
	}
	return stored
}
