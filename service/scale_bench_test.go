package service_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/repository/sqlite"
	"github.com/rapporthq/rapport/service"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The scale benchmarks measure the public API on stores of realistic size,
// so that cost against store size shows (issue 10): every operation for a
// customer created first, in the middle and last, on stores of 1,000,
// 10,000 and 100,000 customers (RAPPORT_BENCH_SIZES overrides), each
// customer with 10 interactions over the last 90 days and one open issue.
//
//	RAPPORT_BENCH_DIR=/tmp/rapport-bench go test -run '^$' -bench BenchmarkScale -benchtime 2000x -count 6 -timeout 2h ./service/
//
// Seeding 100,000 customers takes minutes: with RAPPORT_BENCH_DIR set, each
// seeded store is kept there and copied for later runs.

const (
	scaleInteractions = 10 // per customer
	scaleSeedVersion  = "3"
	// longHistory is the history of customers/long, whom every seeded
	// store has besides its n customers.
	longHistory = 30_000
)

func scaleSizes(b *testing.B) []int {
	spec := os.Getenv("RAPPORT_BENCH_SIZES")
	if spec == "" {
		spec = "1000,10000,100000"
	}
	var sizes []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			b.Fatalf("RAPPORT_BENCH_SIZES: %v", err)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

func scaleID(i int) string { return fmt.Sprintf("c%07d", i) }

// seedScale fills an empty store, through the API, with n customers (email
// identities), one open issue each and scaleInteractions interactions each
// (the third linked to the issue), imported 500 per message.
func seedScale(b *testing.B, ts *testServer, n int) {
	ctx := context.Background()
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i := range n {
		g.Go(func() error {
			id := scaleID(i)
			if _, err := ts.customers.CreateCustomer(gctx, &rapportv1.CreateCustomerRequest{CustomerId: id, Customer: &rapportv1.Customer{
				DisplayName: "Customer " + id, PreferredName: id,
				Identities:  []*rapportv1.Identity{{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: id + "@example.com"}},
				Preferences: &rapportv1.Preferences{LanguageCode: "en"},
			}}); err != nil {
				return err
			}
			_, err := ts.issues.CreateIssue(gctx, &rapportv1.CreateIssueRequest{Parent: "customers/" + id, IssueId: "open",
				Issue: &rapportv1.Issue{Title: "Refund for order " + id, Topic: "billing"}})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	created := time.Since(start)
	now := time.Now()
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(2)
	per := importBatch / scaleInteractions
	for first := 0; first < n; first += per {
		g.Go(func() error {
			stream, err := ts.interactions.ImportInteractions(gctx)
			if err != nil {
				return err
			}
			msg := &rapportv1.ImportInteractionsRequest{}
			for c := first; c < min(n, first+per); c++ {
				parent := "customers/" + scaleID(c)
				for k := range scaleInteractions {
					item := historyItem(parent, c*scaleInteractions+k)
					item.Interaction.OccurTime = timestamppb.New(now.Add(-time.Duration(k*9*24+c%24) * time.Hour))
					item.Interaction.SourceId = fmt.Sprint("seed-", c, "-", k)
					if k == 2 {
						item.Interaction.Issue = parent + "/issues/open"
					}
					msg.Requests = append(msg.Requests, item)
				}
			}
			if err := stream.Send(msg); err != nil {
				return err
			}
			ack, err := stream.Recv()
			if err != nil {
				return err
			}
			if ack.GetFailed() != 0 {
				return fmt.Errorf("import: %d failed: %v", ack.GetFailed(), ack.GetFailures()[0])
			}
			return stream.CloseSend()
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d customers in %v, their %d interactions in %v", n, created.Round(time.Second), n*scaleInteractions, (time.Since(start) - created).Round(time.Second))
	historyOf(b, ts, "long", longHistory, true)
}

// scaleStore returns a SQLite store seeded with n customers: seeded now, or
// copied from RAPPORT_BENCH_DIR where an earlier run left it. Seeding runs
// with synchronous=NORMAL (its durability does not matter); the store
// measured has the default, FULL.
func scaleStore(b *testing.B, n int) (*testServer, repositorytest.Store) {
	dir := b.TempDir()
	cache := os.Getenv("RAPPORT_BENCH_DIR")
	src := filepath.Join(cache, fmt.Sprintf("v%s-schema%d-%d", scaleSeedVersion, sqlite.SchemaVersion, n))
	if _, err := os.Stat(filepath.Join(src, "done")); cache == "" || err != nil {
		seedDir := b.TempDir()
		seeding := openSQLite(b, seedDir, sqlite.WithSynchronous(sqlite.SynchronousNormal))
		ts := startServer(b, seeding, benchOptions())
		seedScale(b, ts, n)
		if cache == "" {
			src = b.TempDir()
		} else if err := os.MkdirAll(src, 0o750); err != nil {
			b.Fatal(err)
		}
		// A consistent, compact copy of the seeded file.
		_ = os.Remove(filepath.Join(src, sqlite.FileName))
		if err := seeding.(*sqlite.Store).Backup(context.Background(), filepath.Join(src, sqlite.FileName)); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, "done"), nil, 0o640); err != nil {
			b.Fatal(err)
		}
	}
	copyFile(b, filepath.Join(src, sqlite.FileName), filepath.Join(dir, sqlite.FileName))
	store := openSQLite(b, dir)
	return startServer(b, store, benchOptions()), store
}

func openSQLite(b *testing.B, dir string, opts ...sqlite.Option) repositorytest.Store {
	s, err := sqlite.Open(context.Background(), dir, opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// benchOptions: no rate limits, so that the benchmark measures the work.
func benchOptions() service.Options {
	return service.Options{}
}

func copyFile(b testing.TB, from, to string) {
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkScale: see the comment at the top of this file.
func BenchmarkScale(b *testing.B) {
	for _, n := range scaleSizes(b) {
		ts, _ := scaleStore(b, n)
		positions := []struct {
			name string
			i    int
		}{{"first", 0}, {"middle", n / 2}, {"last", n - 1}}
		for _, pos := range positions {
			parent := "customers/" + scaleID(pos.i)
			at := fmt.Sprintf("customers=%d/%s", n, pos.name)
			b.Run("GetCustomerContext/"+at, func(b *testing.B) {
				req := &rapportv1.GetCustomerContextRequest{Customer: parent}
				cpu := processCPU()
				for b.Loop() {
					if _, err := ts.contexts.GetCustomerContext(b.Context(), req); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			})
			b.Run("RecordInteraction/"+at, func(b *testing.B) {
				i := 0
				cpu := processCPU()
				for b.Loop() {
					i++
					in := interaction(rapportv1.Channel_CHANNEL_CHAT, 0, fmt.Sprint("bench-", b.N, "-", i, "-", time.Now().UnixNano()))
					in.OccurTime = timestamppb.Now()
					if _, err := ts.interactions.RecordInteraction(b.Context(), &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in}); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			})
			b.Run("RecordInteractionOnIssue/"+at, func(b *testing.B) {
				i := 0
				cpu := processCPU()
				for b.Loop() {
					i++
					in := interaction(rapportv1.Channel_CHANNEL_EMAIL, 0, fmt.Sprint("bench-issue-", b.N, "-", i, "-", time.Now().UnixNano()))
					in.OccurTime, in.Issue = timestamppb.Now(), parent+"/issues/open"
					if _, err := ts.interactions.RecordInteraction(b.Context(), &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in}); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			})
			b.Run("UpdateCustomer/"+at, func(b *testing.B) {
				i := 0
				cpu := processCPU()
				for b.Loop() {
					i++
					if _, err := ts.customers.UpdateCustomer(b.Context(), &rapportv1.UpdateCustomerRequest{
						Customer:   &rapportv1.Customer{Name: parent, PreferredName: fmt.Sprint("P", i)},
						UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"preferred_name"}},
					}); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			})
			b.Run("CreateIssue/"+at, func(b *testing.B) {
				cpu := processCPU()
				for b.Loop() {
					if _, err := ts.issues.CreateIssue(b.Context(), &rapportv1.CreateIssueRequest{Parent: parent,
						Issue: &rapportv1.Issue{Title: "Another question", Topic: "delivery"}}); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			})
			b.Run("ListCustomers/"+at, func(b *testing.B) {
				// A page that starts at the customer (its page token).
				first, err := ts.customers.ListCustomers(b.Context(), &rapportv1.ListCustomersRequest{PageSize: int32(max(1, pos.i))})
				if err != nil {
					b.Fatal(err)
				}
				req := &rapportv1.ListCustomersRequest{PageSize: 50}
				if pos.i > 0 {
					req.PageToken = first.GetNextPageToken()
				}
				cpu := processCPU()
				for b.Loop() {
					if _, err := ts.customers.ListCustomers(b.Context(), req); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			})
		}
		// New customers: IDs that sort first, in the middle and last.
		for _, pos := range []struct{ name, prefix string }{{"first", "a"}, {"middle", "c0500000x"}, {"last", "z"}} {
			b.Run(fmt.Sprintf("CreateCustomer/customers=%d/%s", n, pos.name), func(b *testing.B) {
				i := 0
				cpu := processCPU()
				for b.Loop() {
					i++
					id := fmt.Sprintf("%s-%d-%d", pos.prefix, time.Now().UnixNano(), i)
					if _, err := ts.customers.CreateCustomer(b.Context(), &rapportv1.CreateCustomerRequest{CustomerId: id, Customer: &rapportv1.Customer{
						DisplayName: "New " + id,
						Identities:  []*rapportv1.Identity{{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: fmt.Sprint(id, "-", time.Now().UnixNano(), "@example.com")}},
					}}); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// reportCPU reports the process's CPU time per iteration since start, as
// cpu-ns/op: on a machine shared with other work it varies far less than
// the wall time per call (which waits for the CPU), and it counts the
// background work a call causes.
func reportCPU(b *testing.B, start time.Duration) {
	if used := processCPU() - start; start > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// rss is the process's resident set size in bytes (Linux).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// peakRSS samples rss every 10 ms while f runs and returns the highest.
func peakRSS(f func()) int64 {
	var (
		mu   sync.Mutex
		peak = rss()
	)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if r := rss(); r > 0 {
					mu.Lock()
					peak = max(peak, r)
					mu.Unlock()
				}
			}
		}
	}()
	f()
	close(done)
	runtime.GC()
	mu.Lock()
	defer mu.Unlock()
	return peak
}

// BenchmarkScaleHistory reads a long history (customers/long, 30,000
// interactions) on a small store (1,000 customers, 40,000 interactions in
// all) and on a large one (100,000 customers, 1,030,000 interactions):
// ListInteractions pages (the first, and one 20,000 deep through its page
// token), ExportCustomer of the whole history (interactions/s), and the
// process's peak RSS while 8 exports, or 8 walks of the history one
// interaction per page, run at once.
//
//	RAPPORT_BENCH_DIR=/tmp/rapport-bench go test -run '^$' -bench BenchmarkScaleHistory -count 6 -timeout 2h ./service/
func BenchmarkScaleHistory(b *testing.B) {
	sizes := []int{1000, 100000}
	if os.Getenv("RAPPORT_BENCH_SIZES") != "" {
		sizes = scaleSizes(b)
	}
	for _, n := range sizes {
		ts, _ := scaleStore(b, n)
		at := fmt.Sprintf("customers=%d", n)
		deep, err := ts.interactions.ListInteractions(b.Context(), &rapportv1.ListInteractionsRequest{Parent: "customers/long", PageSize: 500})
		if err != nil {
			b.Fatal(err)
		}
		for range 39 { // 20,000 deep
			if deep, err = ts.interactions.ListInteractions(b.Context(), &rapportv1.ListInteractionsRequest{
				Parent: "customers/long", PageSize: 500, PageToken: deep.GetNextPageToken()}); err != nil {
				b.Fatal(err)
			}
		}
		for _, page := range []struct {
			name  string
			token string
		}{{"first", ""}, {"20000-deep", deep.GetNextPageToken()}} {
			b.Run(fmt.Sprintf("ListInteractions/%s/page=%s/size=50", at, page.name), func(b *testing.B) {
				req := &rapportv1.ListInteractionsRequest{Parent: "customers/long", PageSize: 50, PageToken: page.token}
				if page.token != "" {
					// A token is bound to the page size it was made with.
					first, err := ts.interactions.ListInteractions(b.Context(), &rapportv1.ListInteractionsRequest{Parent: "customers/long", PageSize: 50})
					if err != nil {
						b.Fatal(err)
					}
					req.PageToken = first.GetNextPageToken()
					for range 399 {
						res, err := ts.interactions.ListInteractions(b.Context(), req)
						if err != nil {
							b.Fatal(err)
						}
						req.PageToken = res.GetNextPageToken()
					}
				}
				for b.Loop() {
					if res, err := ts.interactions.ListInteractions(b.Context(), req); err != nil || len(res.GetInteractions()) != 50 {
						b.Fatal(len(res.GetInteractions()), err)
					}
				}
			})
		}
		b.Run("ExportCustomer/"+at, func(b *testing.B) {
			for b.Loop() {
				if got := countExport(b, ts, "customers/long"); got != longHistory {
					b.Fatalf("exported %d interactions", got)
				}
			}
			b.ReportMetric(float64(b.N*longHistory)/b.Elapsed().Seconds(), "interactions/s")
		})
		b.Run("8-concurrent-exports/"+at, func(b *testing.B) {
			var peak int64
			for b.Loop() {
				peak = max(peak, peakRSS(func() {
					var g errgroup.Group
					for range 8 {
						g.Go(func() error {
							if got := countExport(b, ts, "customers/long"); got != longHistory {
								return fmt.Errorf("exported %d", got)
							}
							return nil
						})
					}
					if err := g.Wait(); err != nil {
						b.Fatal(err)
					}
				}))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		})
		b.Run("8-concurrent-walks-page-size-1/"+at, func(b *testing.B) {
			var peak int64
			for b.Loop() {
				peak = max(peak, peakRSS(func() {
					var g errgroup.Group
					for range 8 {
						g.Go(func() error {
							req := &rapportv1.ListInteractionsRequest{Parent: "customers/long", PageSize: 1}
							for range 2000 {
								res, err := ts.interactions.ListInteractions(b.Context(), req)
								if err != nil {
									return err
								}
								req.PageToken = res.GetNextPageToken()
							}
							return nil
						})
					}
					if err := g.Wait(); err != nil {
						b.Fatal(err)
					}
				}))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		})
	}
}

// countExport reads a whole export, keeping nothing, and returns how many interactions it held.
func countExport(b *testing.B, ts *testServer, name string) int {
	st, err := ts.customers.ExportCustomer(b.Context(), &rapportv1.ExportCustomerRequest{Name: name})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		msg, err := st.Recv()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		if msg.GetInteraction() != nil {
			n++
		}
	}
}

// BenchmarkScaleImport measures ImportInteractions on a store of 10,000
// customers and 100,000 interactions (RAPPORT_BENCH_SIZES overrides), for
// messages of 500 interactions spread over many customers (500 customers,
// one each; 50 customers, ten each), next to the floor in the same run:
// the database's own insert of copies of 500 stored interactions into the
// same table, in one transaction (see repositorytest.Engine.InsertFloor).
// Run it in separate processes, so that every sample starts from the
// seeded store (with -count, each sample writes into a larger table):
//
//	go test -c -o service.test ./service/
//	for i in 1 2 3 4 5 6; do (cd service && RAPPORT_BENCH_DIR=/tmp/rapport-bench ../service.test -test.run '^$' -test.bench BenchmarkScaleImport -test.benchtime 20x -test.benchmem); done
func BenchmarkScaleImport(b *testing.B) {
	sizes := []int{10000}
	if os.Getenv("RAPPORT_BENCH_SIZES") != "" {
		sizes = scaleSizes(b)
	}
	for _, n := range sizes {
		ts, store := scaleStore(b, n)
		// The floor first, on the store as seeded: the imports after it
		// write into a table it has made larger, never the other way.
		b.Run(fmt.Sprintf("floor-insert/customers=%d", n), func(b *testing.B) {
			insert := engine().InsertFloor(b, store, importBatch)
			b.ResetTimer()
			cpu := processCPU()
			for range b.N {
				if err := insert(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportCPU(b, cpu)
			b.ReportMetric(float64(b.N*importBatch)/b.Elapsed().Seconds(), "interactions/s")
		})
		for _, spread := range []int{500, 50} {
			b.Run(fmt.Sprintf("rapport-import/customers=%d/spread=%d", n, spread), func(b *testing.B) {
				stream, err := ts.interactions.ImportInteractions(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				nonce := time.Now().UnixNano()
				now := time.Now()
				cpu := processCPU()
				for round := range b.N {
					msg := &rapportv1.ImportInteractionsRequest{}
					for k := range importBatch {
						c := (round*importBatch + k) % n // distinct customers, round after round
						if spread < importBatch {
							c = (round*spread + k%spread) % n
						}
						parent := "customers/" + scaleID(c)
						item := historyItem(parent, k)
						item.Interaction.OccurTime = timestamppb.New(now.Add(-time.Duration(k) * time.Minute))
						item.Interaction.SourceId = fmt.Sprint("import-", nonce, "-", round, "-", k)
						msg.Requests = append(msg.Requests, item)
					}
					if err := stream.Send(msg); err != nil {
						b.Fatal(err)
					}
					ack, err := stream.Recv()
					if err != nil || ack.GetFailed() != 0 {
						b.Fatalf("ack %v, %v", ack, err)
					}
				}
				b.StopTimer()
				reportCPU(b, cpu)
				_ = stream.CloseSend()
				b.ReportMetric(float64(b.N*importBatch)/b.Elapsed().Seconds(), "interactions/s")
			})
		}
	}
}
