package main

import (
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/service/retention"
)

func TestRetentionConfig(t *testing.T) {
	t.Parallel()
	const days = 24 * time.Hour
	noEnv := func(string) string { return "" }
	cfg, err := parseServeConfig(nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Retention.Enabled() || cfg.Retention.Tenants != nil || cfg.PurgeInterval != retention.DefaultPurgeInterval {
		t.Errorf("defaults: retention %v, purge interval %v; want forever, 1h", cfg.Retention, cfg.PurgeInterval)
	}

	env := map[string]string{"RAPPORT_RETENTION": "365d", "RAPPORT_TENANT_RETENTION": "acme=720h, initech = 0 ,umbrella=2d", "RAPPORT_PURGE_INTERVAL": "15m"}
	cfg, err = parseServeConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := retention.Policy{Default: 365 * days, Tenants: map[string]time.Duration{"acme": 30 * days, "initech": 0, "umbrella": 2 * days}}
	if cfg.Retention.Default != want.Default || !maps.Equal(cfg.Retention.Tenants, want.Tenants) || cfg.PurgeInterval != 15*time.Minute {
		t.Errorf("from the environment: %v every %v, want %v every 15m", cfg.Retention, cfg.PurgeInterval, want)
	}
	if got := cfg.Retention.For("acme"); got != 30*days {
		t.Errorf("acme keeps %v", got)
	}
	if got := cfg.Retention.For("initech"); got != 0 {
		t.Errorf("initech keeps %v, want forever", got)
	}
	if got := cfg.Retention.For("default"); got != 365*days {
		t.Errorf("the default tenant keeps %v", got)
	}
	if logged := cfg.logValue().String(); !strings.Contains(logged, "retention=8760h0m0s; acme=720h0m0s, initech=forever, umbrella=48h0m0s") || !strings.Contains(logged, "purge_interval=15m0s") {
		t.Errorf("logged configuration lacks the retention: %s", logged)
	}

	// A flag wins over the variable.
	cfg, err = parseServeConfig([]string{"--retention", "0", "--tenant-retention", "default=90d"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Retention.Default != 0 || !maps.Equal(cfg.Retention.Tenants, map[string]time.Duration{"default": 90 * days}) {
		t.Errorf("flags: %v", cfg.Retention)
	}

	for _, bad := range [][]string{
		{"--retention", "-1h"},
		{"--retention", "30m"},
		{"--retention", "1.5d"},
		{"--retention", "d"},
		{"--retention", "forever"},
		{"--tenant-retention", "acme"},
		{"--tenant-retention", "=30d"},
		{"--tenant-retention", "acme=30d,acme=60d"},
		{"--tenant-retention", "acme=30d,"},
		{"--tenant-retention", "a/b=30d"},
		{"--tenant-retention", "acme=10m"},
		{"--tenant-retention", "acme=soon"},
		{"--purge-interval", "0"},
		{"--purge-interval", "10s"},
		{"--purge-interval", "hourly"},
	} {
		if _, err := parseServeConfig(bad, noEnv); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// In development mode the rate limits are off unless set, by flag or
// variable; with credentials they have their defaults.
func TestDevelopmentModeRateLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args             []string
		env              map[string]string
		tenantRate, rate float64
	}{
		{nil, nil, 0, 0},
		{[]string{"--api-keys"}, nil, 1000, 500},
		{[]string{"--jwt-keys", "keys.pem"}, nil, 1000, 500},
		{[]string{"--key-rate", "50"}, nil, 0, 50},
		{[]string{"--key-burst", "10"}, nil, 0, 500},
		{nil, map[string]string{"RAPPORT_TENANT_RATE": "100"}, 100, 0},
		{[]string{"--tenant-burst", "10"}, nil, 1000, 0},
		{[]string{"--api-keys", "--key-rate", "0"}, nil, 1000, 0},
	} {
		cfg, err := parseServeConfig(tc.args, func(k string) string { return tc.env[k] })
		if err != nil {
			t.Fatalf("%v %v: %v", tc.args, tc.env, err)
		}
		if cfg.Limits.TenantRate != tc.tenantRate || cfg.Limits.KeyRate != tc.rate {
			t.Errorf("%v %v: tenant rate %v, key rate %v; want %v, %v", tc.args, tc.env, cfg.Limits.TenantRate, cfg.Limits.KeyRate, tc.tenantRate, tc.rate)
		}
	}
}

// --topic-synonyms reads a YAML file of synonym tables: a default and one
// per tenant; a file that does not parse is refused.
func TestTopicSynonymsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := dir + "/topics.yaml"
	if err := os.WriteFile(path, []byte("default:\n  - [billing, invoice, payment]\ntenants:\n  acme:\n    - [energy, electricity, gas, meter]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseServeConfig([]string{"--topic-synonyms", path}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	tabs := cfg.Hints.Topics
	if tabs == nil || tabs.Default.Canonical("invoices") != "billing" || tabs.ByTenant["acme"].Canonical("meters") != "energy" {
		t.Fatalf("tables %+v", tabs)
	}
	if err := os.WriteFile(path, []byte("tenant:\n  acme: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := parseServeConfig([]string{"--topic-synonyms", path}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "topic synonyms") {
		t.Errorf("a misspelt key: %v", err)
	}
}

func TestFairShareConfig(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	cfg, err := parseServeConfig(nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if l := cfg.Limits; l.Replicas != 1 || l.WorkSlots != 0 || l.TenantWorkSlots != 0 || l.MaxQueuedPerTenant != 64 || l.TenantWeights != nil || l.TenantClasses != nil {
		t.Errorf("defaults: %+v", l)
	}
	env := map[string]string{"RAPPORT_REPLICAS": "4", "RAPPORT_TENANT_WEIGHTS": "acme=2, initech=0.5", "RAPPORT_TENANT_CLASSES": "acme=enterprise", "RAPPORT_WORK_SLOTS": "32"}
	cfg, err = parseServeConfig([]string{"--max-queued-per-tenant", "8", "--tenant-work-slots", "12"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Limits
	if l.Replicas != 4 || l.WorkSlots != 32 || l.TenantWorkSlots != 12 || l.MaxQueuedPerTenant != 8 ||
		!maps.Equal(l.TenantWeights, map[string]float64{"acme": 2, "initech": 0.5}) || !maps.Equal(l.TenantClasses, map[string]string{"acme": "enterprise"}) {
		t.Errorf("from flags and environment: %+v", l)
	}
	if per := l.PerReplica(); per.TenantRate != l.TenantRate/4 || per.TenantBurst != l.TenantBurst/4 {
		t.Errorf("per replica: rate %v burst %d of %v, %d", per.TenantRate, per.TenantBurst, l.TenantRate, l.TenantBurst)
	}
	for _, bad := range [][]string{
		{"--replicas", "0"},
		{"--work-slots", "-1"},
		{"--max-queued-per-tenant", "0"},
		{"--tenant-weights", "acme"},
		{"--tenant-weights", "acme=0"},
		{"--tenant-weights", "acme=2,acme=3"},
		{"--tenant-classes", "acme=has space"},
		{"--tenant-classes", "=gold"},
	} {
		if _, err := parseServeConfig(bad, noEnv); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
