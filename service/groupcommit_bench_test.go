package service_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/repository/sqlite"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// startTCPServer serves store through the real server on a loopback TCP
// port until b ends, and returns a connection to it.
func startTCPServer(b *testing.B, store service.Store) *grpc.ClientConn {
	b.Helper()
	srv := service.NewServer(store, service.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{}, 2)
	go func() { _ = srv.GRPC.Serve(lis); done <- struct{}{} }()
	go func() { srv.RunAudit(); done <- struct{}{} }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = conn.Close()
		srv.GRPC.Stop()
		srv.StopRebuilds()
		srv.StopAudit()
		<-done
		<-done
	})
	return conn
}

// BenchmarkGroupCommit: RecordInteraction through the gRPC server over
// loopback TCP, from 1, 4, 16 and 32 concurrent clients, on one customer
// and spread over 64, with each write committing alone
// (sqlite.WithMaxGroup(1): the store before group commit) and grouped
// (the default), in the same run; then the floor: an empty call (health
// Check) plus the database's own one-row insert transaction, in series.
// Reports calls/s, p50 and p99 latency, CPU per call (the whole process:
// client, server and store) and commits/s.
//
//	go test -run '^$' -bench BenchmarkGroupCommit -benchtime 2000x ./service/
func BenchmarkGroupCommit(b *testing.B) {
	if engine().Name() != "sqlite" {
		b.Skip("group commit is the SQLite store's")
	}
	for _, spread := range []struct {
		name      string
		customers int
	}{{"one-customer", 1}, {"many-customers", 64}} {
		for _, clients := range []int{1, 4, 16, 32} {
			for _, mode := range []struct {
				name     string
				maxGroup int
			}{{"alone", 1}, {"grouped", 0}} {
				b.Run(fmt.Sprintf("%s/clients=%d/%s", spread.name, clients, mode.name), func(b *testing.B) {
					benchRecord(b, spread.customers, clients, mode.maxGroup)
				})
			}
		}
	}
	b.Run("floor", func(b *testing.B) {
		store := engine().New(b, repositorytest.Options{})
		conn := startTCPServer(b, store)
		parent := "customers/c0"
		if _, err := rapportv1.NewCustomerServiceClient(conn).CreateCustomer(b.Context(), &rapportv1.CreateCustomerRequest{
			CustomerId: "c0", Customer: &rapportv1.Customer{DisplayName: "C0"}}); err != nil {
			b.Fatal(err)
		}
		if _, err := rapportv1.NewInteractionServiceClient(conn).RecordInteraction(b.Context(), recordRequest(parent, 0)); err != nil {
			b.Fatal(err)
		}
		health := healthpb.NewHealthClient(conn)
		insert := engine().InsertFloor(b, store, 1)
		cpu := processCPU()
		b.ResetTimer()
		for range b.N {
			if _, err := health.Check(b.Context(), &healthpb.HealthCheckRequest{}); err != nil {
				b.Fatal(err)
			}
			if err := insert(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/call")
	})
}

func recordRequest(parent string, n int64) *rapportv1.RecordInteractionRequest {
	return &rapportv1.RecordInteractionRequest{
		Parent:    parent,
		RequestId: fmt.Sprintf("00000000-0000-4000-8000-%012x", n),
		Interaction: &rapportv1.Interaction{
			Channel:   rapportv1.Channel(n%7 + 1),
			OccurTime: timestamppb.New(time.Now().Add(-time.Duration(n%1000) * time.Minute)),
			Summary:   fmt.Sprint("Customer asked about order A-", n),
			Agent:     fmt.Sprint("agent-", n%40),
		},
	}
}

func benchRecord(b *testing.B, customers, clients, maxGroup int) {
	store := engine().New(b, repositorytest.Options{MaxGroup: maxGroup})
	raw := repositorytest.Raw(store).(*sqlite.Store)
	conn := startTCPServer(b, store)
	for c := range customers {
		if _, err := rapportv1.NewCustomerServiceClient(conn).CreateCustomer(b.Context(), &rapportv1.CreateCustomerRequest{
			CustomerId: fmt.Sprint("c", c), Customer: &rapportv1.Customer{DisplayName: fmt.Sprint("C", c)}}); err != nil {
			b.Fatal(err)
		}
	}
	client := rapportv1.NewInteractionServiceClient(conn)
	var next atomic.Int64
	call := func(ctx context.Context) error {
		n := next.Add(1)
		_, err := client.RecordInteraction(ctx, recordRequest(fmt.Sprint("customers/c", n%int64(customers)), n))
		return err
	}
	for range 2 * clients { // warm the connection and the statement caches
		if err := call(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	latencies := make([][]time.Duration, clients)
	var left atomic.Int64
	left.Store(int64(b.N))
	commits, calls := raw.GroupStats()
	cpu := processCPU()
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				start := time.Now()
				if err := call(b.Context()); err != nil {
					b.Error(err)
					return
				}
				latencies[c] = append(latencies[c], time.Since(start))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	cpuUsed := processCPU() - cpu
	commits2, calls2 := raw.GroupStats()
	all := slices.Sorted(slices.Values(slices.Concat(latencies...)))
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/secs, "calls/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(cpuUsed.Microseconds())/float64(b.N), "cpu-µs/call")
	b.ReportMetric(float64(commits2-commits)/secs, "commits/s")
	b.ReportMetric(float64(calls2-calls)/float64(max(1, commits2-commits)), "calls/commit")
	b.ReportMetric(0, "ns/op")
}
