package service_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
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

// madeUpKey is an API key of the right shape whose ID no store holds.
func madeUpKey(i int) string {
	const base32 = "abcdefghijklmnopqrstuvwxyz234567"
	id := make([]byte, 16)
	for j := range id {
		id[j] = base32[(i>>(j%4*5)+j*7)%32]
	}
	return fmt.Sprintf("rk_%s_%043d", id, i)
}

// A flood of made-up API key IDs uses up the limiter of unknown IDs only:
// a real key, whose cache entry expires again and again meanwhile, keeps
// being served (a shared limiter made it fail with RESOURCE_EXHAUSTED).
// The flood's log lines are sampled, with a count of those left out (it
// wrote a WARN line per call).
func TestUnknownKeyFloodLeavesRealKeysServed(t *testing.T) {
	var logs lockedBuffer
	store := newStore(t)
	ts := startServer(t, store, service.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Auth:   access.AuthConfig{APIKeys: true, KeyCacheTTL: 20 * time.Millisecond},
	})
	token, _ := apiKey(t, store, "acme", time.Time{}, access.ScopeContextRead)
	var stop atomic.Bool
	var flood, floodLimited atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := g; !stop.Load(); i += 8 {
				_, err := ts.customers.ListCustomers(as(t.Context(), madeUpKey(i)), &rapportv1.ListCustomersRequest{})
				flood.Add(1)
				switch status.Code(err) {
				case codes.ResourceExhausted:
					floodLimited.Add(1)
				case codes.Unauthenticated:
				default:
					t.Errorf("a made-up key was answered %v", err)
				}
			}
		})
	}
	start := time.Now()
	real := 0
	for time.Since(start) < 1500*time.Millisecond {
		_, err := ts.customers.ListCustomers(as(t.Context(), token), &rapportv1.ListCustomersRequest{})
		if err != nil {
			t.Errorf("the real key's call %d during the flood: %v", real, err)
		}
		real++
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("%d made-up keys in %v (%d refused as too many to verify); %d calls of the real key", flood.Load(), elapsed, floodLimited.Load(), real)

	refusals, notLogged := 0, int64(0)
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil || line["msg"] != "finished call" {
			continue
		}
		if c := line["grpc.code"]; c == "Unauthenticated" || c == "ResourceExhausted" {
			refusals++
			if n, ok := line["refusals_not_logged"].(float64); ok {
				notLogged += int64(n)
			}
		}
	}
	if most := 20 + int(5*elapsed.Seconds()) + 5; refusals > most {
		t.Errorf("%d lines for %d refused calls, want at most %d", refusals, flood.Load(), most)
	}
	if flood.Load() > 100 && notLogged == 0 {
		t.Errorf("no line counts the refusals left out")
	}
}
