package service_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/mongo"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// proxy is a loopback TCP proxy to the test database that can cut every
// connection and refuse new ones, then let them through again.
type proxy struct {
	lis    net.Listener
	target string
	mu     sync.Mutex
	up     bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func newProxy(t *testing.T, target string, up bool) *proxy {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{lis: lis, target: target, up: up, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = lis.Close()
		p.set(false)
		p.wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.lis.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.lis.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if !p.up {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		d, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c], p.conns[d] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		pipe := func(dst, src net.Conn) {
			defer p.wg.Done()
			_, _ = io.Copy(dst, src)
			_ = dst.Close()
			_ = src.Close()
		}
		go pipe(c, d)
		go pipe(d, c)
	}
}

// set lets connections through (true) or cuts them all (false).
func (p *proxy) set(up bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = up
	if !up {
		for c := range p.conns {
			_ = c.Close()
		}
		p.conns = map[net.Conn]struct{}{}
	}
}

// healthWithin polls the health service until it reports want, and returns
// how long that took, or fails after limit.
func healthWithin(t *testing.T, ts *testServer, want healthpb.HealthCheckResponse_ServingStatus, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		resp, err := ts.health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: "rapport.v1.ContextService"})
		if err == nil && resp.GetStatus() == want {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("health not %v after %v (last %v, %v)", want, limit, resp.GetStatus(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// storeBehind returns a MongoDB store reaching the test server through p:
// these tests cut the network between the service and its database, which
// only the MongoDB adapter has.
func storeBehind(t *testing.T, p *proxy) *mongo.Store {
	t.Helper()
	c, err := mongo.Connect("mongodb://"+p.addr()+"/", "rapport-fault-test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return mongo.New(c.Database(repositorytest.NewDatabase(t).Name()))
}

func TestDatabaseAbsentAtStartThenAppears(t *testing.T) {
	t.Parallel()
	p := newProxy(t, repositorytest.MongoAddress(t), false)
	ts, srv := startServerWith(t, storeBehind(t, p), service.Options{})
	go func() { _ = srv.WatchHealth(t.Context(), 100*time.Millisecond) }()
	healthWithin(t, ts, healthpb.HealthCheckResponse_NOT_SERVING, time.Second)
	// Calls fail with UNAVAILABLE, not a hang.
	start := time.Now()
	_, err := ts.customers.GetCustomer(t.Context(), &rapportv1.GetCustomerRequest{Name: "customers/ada"})
	if status.Code(err) != codes.Unavailable || time.Since(start) > mongo.ServerSelectionTimeout+time.Second {
		t.Errorf("call without a database: %v after %v, want UNAVAILABLE", err, time.Since(start))
	}
	p.set(true)
	if took := healthWithin(t, ts, healthpb.HealthCheckResponse_SERVING, 5*time.Second); took > time.Second {
		t.Errorf("SERVING %v after the database appeared, want within a second", took)
	}
	ts.newCustomer(t, "ada")
}

func TestDatabaseGoesAwayUnderLoad(t *testing.T) {
	t.Parallel()
	p := newProxy(t, repositorytest.MongoAddress(t), true)
	ts, srv := startServerWith(t, storeBehind(t, p), service.Options{})
	go func() { _ = srv.WatchHealth(t.Context(), 100*time.Millisecond) }()
	healthWithin(t, ts, healthpb.HealthCheckResponse_SERVING, 5*time.Second)
	parent := ts.newCustomer(t, "ada")

	// Load: callers with a 5-second deadline, each call timed.
	ctx, stop := context.WithCancel(t.Context())
	var mu sync.Mutex
	codesSeen := map[codes.Code]int{}
	var slowest time.Duration
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				start := time.Now()
				var err error
				if i%2 == 0 {
					_, err = ts.contexts.GetCustomerContext(cctx, &rapportv1.GetCustomerContextRequest{Customer: parent})
				} else {
					_, err = ts.interactions.RecordInteraction(cctx, &rapportv1.RecordInteractionRequest{Parent: parent,
						Interaction: interaction(rapportv1.Channel_CHANNEL_CHAT, 0, fmt.Sprint("load-", w, "-", i))})
				}
				took := time.Since(start)
				cancel()
				mu.Lock()
				codesSeen[status.Code(err)]++
				slowest = max(slowest, took)
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	p.set(false)
	if took := healthWithin(t, ts, healthpb.HealthCheckResponse_NOT_SERVING, 5*time.Second); took > time.Second {
		t.Errorf("NOT_SERVING %v after the database went away, want within a second", took)
	}
	time.Sleep(2 * mongo.ServerSelectionTimeout)
	p.set(true)
	if took := healthWithin(t, ts, healthpb.HealthCheckResponse_SERVING, 5*time.Second); took > 1500*time.Millisecond {
		t.Errorf("SERVING %v after the database came back", took)
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()
	t.Logf("codes seen: %v; slowest call %v", codesSeen, slowest)
	for c := range codesSeen {
		if c != codes.OK && c != codes.Unavailable {
			t.Errorf("%d calls ended with %v: want only OK and UNAVAILABLE", codesSeen[c], c)
		}
	}
	if codesSeen[codes.Unavailable] == 0 || codesSeen[codes.OK] == 0 {
		t.Errorf("codes %v: the outage was not seen, or nothing worked", codesSeen)
	}
	if slowest >= 5*time.Second {
		t.Errorf("a call hung to its deadline (%v)", slowest)
	}
	// Recovered without a restart.
	if _, err := ts.contexts.GetCustomerContext(t.Context(), &rapportv1.GetCustomerContextRequest{Customer: parent}); err != nil {
		t.Errorf("after recovery: %v", err)
	}
}
