package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rapporthq/rapport/repository/mongo"
	"go.yaml.in/yaml/v3"
)

// The metrics port answers /metrics, / (an index linking it) and /healthz;
// other paths are 404.
func TestMetricsPort(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	registerBuildInfo(reg)
	srv := httptest.NewServer(metricsHandler(reg))
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	if code, body := get("/"); code != http.StatusOK || !strings.Contains(body, `<a href="/metrics">`) || !strings.Contains(body, `<a href="/healthz">`) {
		t.Errorf("/: %d\n%s", code, body)
	}
	if code, body := get("/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	want := `rapport_build_info{goversion="` + runtime.Version() + `",version="` + buildVersion() + `"} 1`
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, want) {
		t.Errorf("/metrics: %d, want %s in\n%s", code, want, body)
	}
	for _, path := range []string{"/nothing", "/metrics/x", "/healthz/x"} {
		if code, _ := get(path); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
}

// ruleMetrics lists the metrics the alert rules' expressions use.
func ruleMetrics(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../deploy/prometheus/rapport-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct{ Expr string }
		}
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			names = append(names, regexp.MustCompile(`\b(?:rapport|grpc_server)_[a-z_]+`).FindAllString(r.Expr, -1)...)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) < 5 {
		t.Fatalf("the rules use only %v", names)
	}
	return names
}

// The MongoDB metrics the alert rules use are the ones the MongoDB
// adapter's pool exports (a server on the embedded store has none).
func TestMongoDBPoolMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	mongo.NewPoolMetrics(reg, mongo.MaxPoolSize("mongodb://db:27017/?maxPoolSize=25"))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]float64{}
	for _, f := range families {
		if m := f.GetMetric(); len(m) == 1 {
			exported[f.GetName()] = m[0].GetGauge().GetValue() + m[0].GetCounter().GetValue()
		}
	}
	for _, name := range ruleMetrics(t) {
		if _, ok := exported[name]; strings.HasPrefix(name, "rapport_mongodb_") && !ok {
			t.Errorf("the rules use %s, which the MongoDB pool metrics lack (%v)", name, exported)
		}
	}
	if got := exported["rapport_mongodb_pool_max_connections"]; got != 25 {
		t.Errorf("pool size %v, want the URI's maxPoolSize 25", got)
	}
	if got := mongo.MaxPoolSize("mongodb://db:27017/"); got != 100 {
		t.Errorf("default pool size %d, want the driver's 100", got)
	}
}
