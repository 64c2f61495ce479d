package service_test

import (
	"context"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// floodPhase is what the victim tenant saw during one phase.
type floodPhase struct {
	name                string
	victim              []time.Duration
	victimErrs          int
	floodOK, floodLimit int64
	floodOther          int64
}

// calmCalls makes the calm tenant's calls, 50 a second, until ctx ends,
// and records each one's latency, or its refusal.
func (p *floodPhase) calmCalls(ctx context.Context, t *testing.T, call func() error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		start := time.Now()
		if err := call(); err != nil {
			p.victimErrs++
			t.Logf("%s: calm tenant refused: %v", p.name, err)
		} else {
			p.victim = append(p.victim, time.Since(start))
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

func (p floodPhase) quantile(q float64) time.Duration {
	if len(p.victim) == 0 {
		return 0
	}
	s := slices.Clone(p.victim)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// TestFloodFromOneTenantDoesNotStarveAnother: tenant "flood" calls
// GetCustomerContext from 16 goroutines as fast as it can while tenant
// "calm" calls it 50 times a second; the calm tenant's latencies are
// compared with a run without the flood and one with the flood but no rate
// limit. Each phase lasts 2 s (RAPPORT_FLOOD_DURATION=30s for the figures
// in BENCHMARKS.md). It asserts what does not depend on the machine: the
// calm tenant is never refused, and the flood is.
func TestFloodFromOneTenantDoesNotStarveAnother(t *testing.T) {
	if testing.Short() {
		t.Skip("a timed load")
	}
	d := 2 * time.Second
	if v := os.Getenv("RAPPORT_FLOOD_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatal(err)
		}
	}
	is := newIssuer(t)
	// Low enough that even a slow machine (or -race) floods past it.
	limits := access.Limits{TenantRate: 50, TenantBurst: 50}
	store := newStore(t)
	limited := startServer(t, store, service.Options{Limits: limits, Auth: access.AuthConfig{JWT: is.verifier(t)}})
	unlimited := startServer(t, store, service.Options{Auth: access.AuthConfig{JWT: is.verifier(t)}})
	flood := as(t.Context(), is.tenantToken(t, "flood", allScopes))
	calm := as(t.Context(), is.tenantToken(t, "calm", allScopes))
	for _, ctx := range []context.Context{flood, calm} {
		seedTenant(t, limited, ctx)
	}
	get := &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"}

	run := func(name string, ts *testServer, flooding bool) floodPhase {
		p := floodPhase{name: name}
		ctx, stop := context.WithTimeout(t.Context(), d)
		defer stop()
		var wg sync.WaitGroup
		var ok, limited, other atomic.Int64
		if flooding {
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						_, err := ts.contexts.GetCustomerContext(flood, get)
						switch status.Code(err) {
						case codes.OK:
							ok.Add(1)
						case codes.ResourceExhausted:
							limited.Add(1)
						default:
							if ctx.Err() == nil {
								other.Add(1)
							}
						}
					}
				}()
			}
		}
		p.calmCalls(ctx, t, func() error {
			_, err := ts.contexts.GetCustomerContext(calm, get)
			return err
		})
		wg.Wait()
		p.floodOK, p.floodLimit, p.floodOther = ok.Load(), limited.Load(), other.Load()
		return p
	}
	phases := []floodPhase{
		run("calm tenant alone", limited, false),
		run("flood, tenant limit 50/s", limited, true),
		run("flood, no limit", unlimited, true),
	}
	for _, p := range phases {
		t.Logf("%-26s calm: %4d calls, p50 %8v, p99 %8v, max %8v, refused %d | flood: %6d OK (%5.0f/s), %7d RESOURCE_EXHAUSTED, %d other",
			p.name, len(p.victim), p.quantile(0.5).Round(time.Microsecond), p.quantile(0.99).Round(time.Microsecond),
			p.quantile(1).Round(time.Microsecond), p.victimErrs, p.floodOK, float64(p.floodOK)/d.Seconds(), p.floodLimit, p.floodOther)
	}
	for _, p := range phases {
		if p.victimErrs > 0 {
			t.Errorf("%s: the calm tenant was refused %d times", p.name, p.victimErrs)
		}
	}
	if phases[1].floodLimit == 0 {
		t.Errorf("the flood was never limited")
	}
	// The limited flood got about its rate (50/s plus the burst), never more.
	if most := int64(50*d.Seconds()) + 50 + 10; phases[1].floodOK > most {
		t.Errorf("the limited flood got %d calls through, more than its rate allows (%d)", phases[1].floodOK, most)
	}
}
