package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rapporthq/rapport/repository/sqlite"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/customercontext/topics"
	"github.com/rapporthq/rapport/service/retention"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// config is everything `rapport serve` can be told, from flags or RAPPORT_*
// environment variables (a flag wins over the variable).
type config struct {
	Listen          string
	MongoDBURI      string
	MongoDBDatabase string
	// MongoDBKeyDatabase holds the wrapped data keys, apart from the data.
	MongoDBKeyDatabase string
	DataDir            string
	// KEKFile is the key-encryption key's file; the RAPPORT_KEK variable
	// (the key itself, never a flag, never logged) wins over it.
	KEKFile string
	kekText string
	// Synchronous is the embedded store's durability (FULL or NORMAL).
	Synchronous        sqlite.Synchronous
	LogLevel           slog.Level
	LogFormat          string
	ShutdownTimeout    time.Duration
	HealthInterval     time.Duration
	DefaultPhoneRegion string
	Reflection         bool
	Demo               bool
	Hints              customercontext.HintConfig
	WatchPollInterval  time.Duration
	MaxWatchStreams    int
	ContextCacheMB     int
	LogSuccessEvery    int
	MaxWatchPerTenant  int
	MetricsListen      string
	// ConsoleListen is the web console's address; empty: no console.
	// consoleDefault: it is the development default, not asked for, so a
	// busy port only turns the console off.
	ConsoleListen  string
	consoleDefault bool
	OTLPEndpoint   string
	OTLPInsecure   bool

	// Authentication and transport security.
	APIKeys             bool
	APIKeyCacheTTL      time.Duration
	JWT                 access.JWTConfig
	TLSCert, TLSKey     string
	TLSClientCA         string
	InsecureAllowNoAuth bool
	Limits              access.Limits
	Retention           retention.Policy
	AuditRetention      time.Duration
	PurgeInterval       time.Duration
}

// defaultConsoleListen is the console's address in development mode.
const defaultConsoleListen = "127.0.0.1:8080"

// development reports whether no credentials are configured.
func (c config) development() bool { return !c.APIKeys && c.JWT.KeysFile == "" }

// parseServeConfig reads the serve flags from args, with defaults taken from
// the environment, and validates the result once.
func parseServeConfig(args []string, getenv func(string) string) (config, error) {
	fs := pflag.NewFlagSet("rapport serve", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := addServeFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return f.config()
}

// serveFlags are the flags of `rapport serve` as parsed, before validation.
type serveFlags struct {
	fs     *pflag.FlagSet
	getenv func(string) string
	c      config
	h      customercontext.HintConfig
	// The flags validated into c.
	level, shutdown, health, watchPoll, keyTTL, deadline, jwtLeeway string
	retention, perTenant, purge, auditKeep, synchronous             string
	topicSynonyms                                                   string
	tenantWeights, tenantClasses                                    string
	lowCSAT, reopens                                                int
	maxStreams                                                      *uint
	// envErrs are the RAPPORT_* variables that do not parse.
	envErrs []error
}

// addServeFlags defines the serve flags on fs, each defaulting to its
// RAPPORT_* variable when that is set (so a flag wins over the variable).
func addServeFlags(fs *pflag.FlagSet, getenv func(string) string) *serveFlags {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	f := &serveFlags{fs: fs, getenv: getenv}
	c := &f.c
	fs.StringVar(&c.Listen, "listen", env("RAPPORT_LISTEN", "127.0.0.1:50051"), "gRPC listen address (RAPPORT_LISTEN)")
	fs.StringVar(&c.MongoDBURI, "mongodb-uri", env("RAPPORT_MONGODB_URI", ""), "MongoDB connection string; empty runs the embedded store (RAPPORT_MONGODB_URI)")
	showDefault(fs, "mongodb-uri", redactURI(c.MongoDBURI))
	fs.StringVar(&c.MongoDBDatabase, "mongodb-database", env("RAPPORT_MONGODB_DATABASE", "rapport"), "database name (RAPPORT_MONGODB_DATABASE)")
	fs.StringVar(&c.MongoDBKeyDatabase, "mongodb-key-database", env("RAPPORT_MONGODB_KEY_DATABASE", ""), "database of the wrapped data keys, apart from the data so that its dumps and snapshots hold no key; empty: the database name and _keys (RAPPORT_MONGODB_KEY_DATABASE)")
	fs.StringVar(&c.DataDir, "data-dir", env("RAPPORT_DATA_DIR", "rapport-data"), "data directory of the embedded store (RAPPORT_DATA_DIR)")
	fs.StringVar(&c.KEKFile, "kek-file", env("RAPPORT_KEK_FILE", ""), "file of the key-encryption key that wraps the customers' data keys (rapport kek generate); the RAPPORT_KEK variable may hold the key instead; required outside development mode (RAPPORT_KEK_FILE)")
	c.kekText = getenv("RAPPORT_KEK")
	fs.StringVar(&f.synchronous, "sqlite-synchronous", env("RAPPORT_SQLITE_SYNCHRONOUS", "full"), "durability of the embedded store's commits: full (a committed write survives a power cut) or normal (faster; survives a crash of the process, a power cut may lose the last writes) (RAPPORT_SQLITE_SYNCHRONOUS)")
	fs.StringVar(&f.level, "log-level", env("RAPPORT_LOG_LEVEL", "info"), "debug, info, warn or error (RAPPORT_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("RAPPORT_LOG_FORMAT", "text"), "text or json (RAPPORT_LOG_FORMAT)")
	fs.StringVar(&f.shutdown, "shutdown-timeout", env("RAPPORT_SHUTDOWN_TIMEOUT", "15s"), "how long to let calls finish on stop (RAPPORT_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&f.health, "health-interval", env("RAPPORT_HEALTH_INTERVAL", "1s"), "how often to check the database for health (RAPPORT_HEALTH_INTERVAL)")
	fs.StringVar(&f.retention, "retention", env("RAPPORT_RETENTION", "0"), "how long interactions are kept after they occurred, in every tenant without a --tenant-retention: a duration (8760h) or days (365d); 0 keeps them forever (RAPPORT_RETENTION)")
	fs.StringVar(&f.perTenant, "tenant-retention", env("RAPPORT_TENANT_RETENTION", ""), "retention by tenant, overriding --retention: tenantA=8760h,tenantB=30d; 0 keeps a tenant's forever (RAPPORT_TENANT_RETENTION)")
	fs.StringVar(&f.auditKeep, "audit-retention", env("RAPPORT_AUDIT_RETENTION", "400d"), "how long audit events are kept: a duration or days; 0 keeps them forever (RAPPORT_AUDIT_RETENTION)")
	fs.StringVar(&f.purge, "purge-interval", env("RAPPORT_PURGE_INTERVAL", "1h"), "how often expired interactions are deleted and their customers' contexts rebuilt (RAPPORT_PURGE_INTERVAL)")
	fs.StringVar(&c.DefaultPhoneRegion, "default-phone-region", env("RAPPORT_DEFAULT_PHONE_REGION", ""), "region for phone numbers without +, e.g. US (RAPPORT_DEFAULT_PHONE_REGION)")
	envBool := func(name string, def bool) bool {
		v := getenv(name)
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q: want true or false", name, v))
		}
		return b
	}
	fs.BoolVar(&c.Reflection, "reflection", envBool("RAPPORT_REFLECTION", true), "serve gRPC reflection (RAPPORT_REFLECTION)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", env("RAPPORT_METRICS_LISTEN", "127.0.0.1:9464"), "HTTP address of the Prometheus /metrics endpoint; empty disables it (RAPPORT_METRICS_LISTEN)")
	fs.StringVar(&c.ConsoleListen, "console-listen", env("RAPPORT_CONSOLE_LISTEN", ""), "HTTP address of the web console; in development mode "+defaultConsoleListen+" unless set, otherwise off unless set; --console-listen= turns it off (RAPPORT_CONSOLE_LISTEN)")
	fs.StringVar(&c.OTLPEndpoint, "otlp-endpoint", env("RAPPORT_OTLP_ENDPOINT", ""), "OTLP/gRPC collector (host:port) to export traces to; empty disables tracing (RAPPORT_OTLP_ENDPOINT)")
	fs.StringVar(&f.watchPoll, "watch-poll-interval", env("RAPPORT_WATCH_POLL_INTERVAL", "1s"), "how often watched customers are checked for changes (RAPPORT_WATCH_POLL_INTERVAL)")
	fs.BoolVar(&c.OTLPInsecure, "otlp-insecure", envBool("RAPPORT_OTLP_INSECURE", false), "talk to the OTLP collector without TLS (RAPPORT_OTLP_INSECURE)")
	fs.BoolVar(&c.Demo, "demo", envBool("RAPPORT_DEMO", false), "load the demo customers at start; idempotent (RAPPORT_DEMO)")
	envNum := func(name string, def float64) float64 {
		v := getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q: want a number", name, v))
			return def
		}
		return n
	}
	f.h = customercontext.DefaultHintConfig()
	h := &f.h
	hintInt := func(dst *int, flagName, envName, usage string) {
		fs.IntVar(dst, flagName, int(envNum(envName, float64(*dst))), usage+" ("+envName+")")
	}
	hintInt(&h.RepeatWindowDays, "hint-repeat-window-days", "RAPPORT_HINT_REPEAT_WINDOW_DAYS", "days in which contacts about one topic or issue count as repeats")
	hintInt(&h.RepeatMinContacts, "hint-repeat-min-contacts", "RAPPORT_HINT_REPEAT_MIN_CONTACTS", "contacts in the repeat window that make a repeat contact")
	fs.Float64Var(&h.NegativeScore, "hint-negative-score", envNum("RAPPORT_HINT_NEGATIVE_SCORE", h.NegativeScore), "sentiment at or below which a contact calls for an apology (RAPPORT_HINT_NEGATIVE_SCORE)")
	hintInt(&h.NegativeWindowDays, "hint-negative-window-days", "RAPPORT_HINT_NEGATIVE_WINDOW_DAYS", "how recent a negative contact must be to call for an apology")
	f.lowCSAT = int(h.LowCSAT)
	hintInt(&f.lowCSAT, "hint-low-csat", "RAPPORT_HINT_LOW_CSAT", "CSAT at or below which a recent answer calls for an apology")
	hintInt(&h.SurveyWindowDays, "hint-survey-window-days", "RAPPORT_HINT_SURVEY_WINDOW_DAYS", "how recent a low CSAT or detractor NPS must be")
	hintInt(&h.FollowUpDays, "hint-follow-up-days", "RAPPORT_HINT_FOLLOW_UP_DAYS", "issues resolved within this many days get a follow-up hint")
	f.reopens = int(h.EscalateReopens)
	hintInt(&f.reopens, "hint-escalate-reopens", "RAPPORT_HINT_ESCALATE_REOPENS", "reopenings of an issue that call for escalation")
	fs.IntVar(&c.MaxWatchPerTenant, "max-watch-streams-per-tenant", int(envNum("RAPPORT_MAX_WATCH_STREAMS_PER_TENANT", 0)), "WatchCustomerContext streams one tenant may hold per process; 0 = --max-watch-streams (RAPPORT_MAX_WATCH_STREAMS_PER_TENANT)")
	fs.IntVar(&c.Limits.MaxHeavyReadsPerTenant, "max-heavy-reads-per-tenant", int(envNum("RAPPORT_MAX_HEAVY_READS_PER_TENANT", access.DefaultHeavyReadsPerTenant)), "exports, context rebuilds and list pages over 100 one tenant may run at once per process; more wait up to 5s, then RESOURCE_EXHAUSTED (RAPPORT_MAX_HEAVY_READS_PER_TENANT)")
	fs.IntVar(&c.Limits.Replicas, "replicas", int(envNum("RAPPORT_REPLICAS", 1)), "replicas serving the same store: per-tenant and per-credential rates, bursts and heavy reads are divided by it, so that they hold for the deployment (RAPPORT_REPLICAS)")
	fs.IntVar(&c.Limits.WorkSlots, "work-slots", int(envNum("RAPPORT_WORK_SLOTS", 0)), "work slots of the process, a call holding 1 per cost unit up to 8; 0 = 8 per core (GOMAXPROCS) (RAPPORT_WORK_SLOTS)")
	fs.IntVar(&c.Limits.TenantWorkSlots, "tenant-work-slots", int(envNum("RAPPORT_TENANT_WORK_SLOTS", 0)), "work slots one tenant may hold at once; 0 = half of --work-slots, at least 8 (RAPPORT_TENANT_WORK_SLOTS)")
	fs.IntVar(&c.Limits.MaxQueuedPerTenant, "max-queued-per-tenant", int(envNum("RAPPORT_MAX_QUEUED_PER_TENANT", access.DefaultTenantQueue)), "calls of one tenant that may wait for work slots; more are RESOURCE_EXHAUSTED (RAPPORT_MAX_QUEUED_PER_TENANT)")
	fs.StringVar(&f.tenantWeights, "tenant-weights", env("RAPPORT_TENANT_WEIGHTS", ""), "tenants' shares of the work slots while they wait, e.g. acme=2,initech=0.5; others 1 (RAPPORT_TENANT_WEIGHTS)")
	fs.StringVar(&f.tenantClasses, "tenant-classes", env("RAPPORT_TENANT_CLASSES", ""), "tenants' classes in the admission metrics, e.g. acme=enterprise; others \"default\" (RAPPORT_TENANT_CLASSES)")
	fs.IntVar(&c.LogSuccessEvery, "log-success-every", int(envNum("RAPPORT_LOG_SUCCESS_EVERY", 1)), "log one successful call in N at INFO (the others at DEBUG); failures are always logged (RAPPORT_LOG_SUCCESS_EVERY)")
	fs.IntVar(&c.ContextCacheMB, "context-cache-mb", int(envNum("RAPPORT_CONTEXT_CACHE_MB", 64)), "memory for decoded customer summaries, checked against the store on every read; 0 turns the cache off (RAPPORT_CONTEXT_CACHE_MB)")
	fs.IntVar(&c.MaxWatchStreams, "max-watch-streams", int(envNum("RAPPORT_MAX_WATCH_STREAMS", 1000)), "WatchCustomerContext streams per process (RAPPORT_MAX_WATCH_STREAMS)")
	hintInt(&h.EscalateContacts, "hint-escalate-contacts", "RAPPORT_HINT_ESCALATE_CONTACTS", "contacts about one open issue since it opened that call for escalation")
	fs.StringVar(&f.topicSynonyms, "topic-synonyms", env("RAPPORT_TOPIC_SYNONYMS", ""), "YAML file of topic synonym tables (default: and tenants: <tenant>:, each a list of groups of words), replacing the built-in table; see README (RAPPORT_TOPIC_SYNONYMS)")
	fs.BoolVar(&h.ExplicitConsent, "hint-explicit-consent", envBool("RAPPORT_HINT_EXPLICIT_CONSENT", false), "consent must be explicit: note a channel without consent even for customers with no consent on record (RAPPORT_HINT_EXPLICIT_CONSENT)")
	fs.BoolVar(&c.APIKeys, "api-keys", envBool("RAPPORT_API_KEYS", false), "accept the API keys stored in the database (rapport keys create) (RAPPORT_API_KEYS)")
	fs.StringVar(&f.keyTTL, "api-key-cache-ttl", env("RAPPORT_API_KEY_CACHE_TTL", "10s"), "how long a verified API key is trusted before it is read again: the longest a revocation takes to apply (RAPPORT_API_KEY_CACHE_TTL)")
	fs.StringVar(&c.JWT.KeysFile, "jwt-keys", env("RAPPORT_JWT_KEYS", ""), "file of public keys (PEM or JWKS) whose signed bearer tokens (JWT) are accepted (RAPPORT_JWT_KEYS)")
	fs.StringVar(&c.JWT.Issuer, "jwt-issuer", env("RAPPORT_JWT_ISSUER", ""), "required iss claim of bearer tokens; empty accepts any (RAPPORT_JWT_ISSUER)")
	fs.StringVar(&c.JWT.Audience, "jwt-audience", env("RAPPORT_JWT_AUDIENCE", ""), "required aud claim of bearer tokens; empty accepts any (RAPPORT_JWT_AUDIENCE)")
	fs.StringVar(&c.JWT.TenantClaim, "jwt-tenant-claim", env("RAPPORT_JWT_TENANT_CLAIM", "tenant"), "claim naming the caller's tenant (RAPPORT_JWT_TENANT_CLAIM)")
	fs.StringVar(&c.JWT.ScopesClaim, "jwt-scopes-claim", env("RAPPORT_JWT_SCOPES_CLAIM", "scope"), "claim holding the scopes, space-separated or an array (RAPPORT_JWT_SCOPES_CLAIM)")
	fs.StringVar(&f.jwtLeeway, "jwt-leeway", env("RAPPORT_JWT_LEEWAY", "30s"), "clock skew tolerated on exp, nbf and iat (RAPPORT_JWT_LEEWAY)")
	fs.StringVar(&c.TLSCert, "tls-cert", env("RAPPORT_TLS_CERT", ""), "PEM certificate (chain) of the gRPC listener; with --tls-key enables TLS (RAPPORT_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", env("RAPPORT_TLS_KEY", ""), "PEM private key of --tls-cert (RAPPORT_TLS_KEY)")
	fs.StringVar(&c.TLSClientCA, "tls-client-ca", env("RAPPORT_TLS_CLIENT_CA", ""), "PEM CA certificates: require client certificates they signed (mutual TLS) (RAPPORT_TLS_CLIENT_CA)")
	fs.BoolVar(&c.InsecureAllowNoAuth, "insecure-allow-unauthenticated", envBool("RAPPORT_INSECURE_ALLOW_UNAUTHENTICATED", false), "allow development mode (no credentials) on a non-loopback address: anyone who reaches the port reads and changes everything (RAPPORT_INSECURE_ALLOW_UNAUTHENTICATED)")
	fs.Float64Var(&c.Limits.TenantRate, "tenant-rate", envNum("RAPPORT_TENANT_RATE", 1000), "calls per second one tenant may make, sustained; 0 = unlimited; in development mode 0 unless set (RAPPORT_TENANT_RATE)")
	fs.IntVar(&c.Limits.TenantBurst, "tenant-burst", int(envNum("RAPPORT_TENANT_BURST", 2000)), "calls one tenant may make at once above its rate (RAPPORT_TENANT_BURST)")
	fs.Float64Var(&c.Limits.KeyRate, "key-rate", envNum("RAPPORT_KEY_RATE", 500), "calls per second one credential (API key or token subject) may make; 0 = unlimited; in development mode 0 unless set (RAPPORT_KEY_RATE)")
	fs.IntVar(&c.Limits.KeyBurst, "key-burst", int(envNum("RAPPORT_KEY_BURST", 1000)), "calls one credential may make at once above its rate (RAPPORT_KEY_BURST)")
	fs.StringVar(&f.deadline, "default-deadline", env("RAPPORT_DEFAULT_DEADLINE", "30s"), "deadline of unary calls that set none (RAPPORT_DEFAULT_DEADLINE)")
	f.maxStreams = fs.Uint("max-concurrent-streams", uint(envNum("RAPPORT_MAX_CONCURRENT_STREAMS", 1000)), "calls one connection may have open at once (RAPPORT_MAX_CONCURRENT_STREAMS)")
	return f
}

// config validates the flags, once, into the configuration.
func (f *serveFlags) config() (config, error) {
	c, h := f.c, f.h
	errs := append([]error(nil), f.envErrs...)
	c.Limits.MaxConcurrentStreams = uint32(min(*f.maxStreams, 1<<31))
	h.LowCSAT, h.EscalateReopens = int32(f.lowCSAT), int32(f.reopens)
	if f.topicSynonyms != "" {
		tables, err := loadTopicSynonyms(f.topicSynonyms)
		if err != nil {
			errs = append(errs, fmt.Errorf("topic synonyms: %w", err))
		}
		h.Topics = tables
	}
	c.Hints = h
	if err := h.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("hints: %w", err))
	}
	if err := c.LogLevel.UnmarshalText([]byte(f.level)); err != nil {
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", f.level))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q: want text or json", c.LogFormat))
	}
	var err error
	if c.ShutdownTimeout, err = time.ParseDuration(f.shutdown); err != nil || c.ShutdownTimeout < 0 {
		errs = append(errs, fmt.Errorf("shutdown timeout %q: want a duration such as 15s", f.shutdown))
	}
	if c.WatchPollInterval, err = time.ParseDuration(f.watchPoll); err != nil || c.WatchPollInterval < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("watch poll interval %q: want a duration of at least 10ms", f.watchPoll))
	}
	if c.MaxWatchPerTenant < 0 {
		errs = append(errs, fmt.Errorf("max watch streams per tenant %d: want 0 or more", c.MaxWatchPerTenant))
	}
	if c.LogSuccessEvery < 1 {
		errs = append(errs, fmt.Errorf("log success every %d: want 1 (every call) or more", c.LogSuccessEvery))
	}
	if c.ContextCacheMB < 0 {
		errs = append(errs, fmt.Errorf("context cache %d MB: want 0 (off) or more", c.ContextCacheMB))
	}
	if c.MaxWatchStreams < 1 {
		errs = append(errs, fmt.Errorf("max watch streams %d: want at least 1", c.MaxWatchStreams))
	}
	if c.HealthInterval, err = time.ParseDuration(f.health); err != nil || c.HealthInterval <= 0 {
		errs = append(errs, fmt.Errorf("health interval %q: want a positive duration such as 1s", f.health))
	}
	if c.Retention, err = parseRetentionPolicy(f.retention, f.perTenant); err != nil {
		errs = append(errs, err)
	}
	if c.AuditRetention, err = parseRetention(f.auditKeep); err != nil {
		errs = append(errs, fmt.Errorf("audit retention %q: %w", f.auditKeep, err))
	} else if c.AuditRetention != 0 && c.AuditRetention < retention.Minimum {
		errs = append(errs, fmt.Errorf("audit retention %q: want 0 (keep forever) or at least %v", f.auditKeep, retention.Minimum))
	}
	if c.PurgeInterval, err = time.ParseDuration(f.purge); err != nil || c.PurgeInterval < minPurgeInterval {
		errs = append(errs, fmt.Errorf("purge interval %q: want a duration of at least %v", f.purge, minPurgeInterval))
	}

	if c.Listen == "" {
		errs = append(errs, errors.New("listen address is empty"))
	}
	// Addresses are checked here, before anything starts, not when they
	// are first used.
	if c.development() && c.ConsoleListen == "" && !f.set("console-listen", "RAPPORT_CONSOLE_LISTEN") {
		c.ConsoleListen, c.consoleDefault = defaultConsoleListen, true
	}
	addrs := []struct{ flag, addr string }{{"--listen", c.Listen}, {"--metrics-listen", c.MetricsListen}, {"--console-listen", c.ConsoleListen}, {"--otlp-endpoint", c.OTLPEndpoint}}
	for _, a := range addrs {
		if a.addr == "" {
			continue
		}
		if err := checkAddr(a.addr); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", a.flag, a.addr, err))
		}
	}
	if c.MongoDBDatabase == "" || strings.ContainsAny(c.MongoDBDatabase, "/\\. \"$") {
		errs = append(errs, fmt.Errorf("database name %q is not valid", c.MongoDBDatabase))
	}
	if r := c.DefaultPhoneRegion; r != "" && (len(r) != 2 || strings.ToUpper(r) != r) {
		errs = append(errs, fmt.Errorf("default phone region %q: want a two-letter region code such as US", r))
	}
	if c.MongoDBURI == "" && c.DataDir == "" {
		errs = append(errs, errors.New("data directory is empty"))
	}
	if c.APIKeyCacheTTL, err = time.ParseDuration(f.keyTTL); err != nil || c.APIKeyCacheTTL <= 0 || c.APIKeyCacheTTL > time.Hour {
		errs = append(errs, fmt.Errorf("api key cache ttl %q: want a duration between 1ms and 1h", f.keyTTL))
	}
	if c.JWT.Leeway, err = time.ParseDuration(f.jwtLeeway); err != nil || c.JWT.Leeway < 0 || c.JWT.Leeway > 5*time.Minute {
		errs = append(errs, fmt.Errorf("jwt leeway %q: want a duration between 0 and 5m", f.jwtLeeway))
	}
	if c.Limits.DefaultDeadline, err = time.ParseDuration(f.deadline); err != nil || c.Limits.DefaultDeadline <= 0 {
		errs = append(errs, fmt.Errorf("default deadline %q: want a positive duration such as 30s", f.deadline))
	}
	if c.Limits.TenantRate < 0 || c.Limits.KeyRate < 0 || c.Limits.TenantBurst < 1 || c.Limits.KeyBurst < 1 {
		errs = append(errs, errors.New("rates must not be negative and bursts must be at least 1"))
	}
	if c.Limits.MaxHeavyReadsPerTenant < 1 {
		errs = append(errs, errors.New("max heavy reads per tenant: want at least 1"))
	}
	if c.Limits.Replicas < 1 {
		errs = append(errs, fmt.Errorf("replicas %d: want at least 1", c.Limits.Replicas))
	}
	if c.Limits.WorkSlots < 0 || c.Limits.TenantWorkSlots < 0 || c.Limits.MaxQueuedPerTenant < 1 {
		errs = append(errs, errors.New("work slots must not be negative and --max-queued-per-tenant must be at least 1"))
	}
	weights, err := parseTenantMap(f.tenantWeights, "tenant weights", "acme=2", func(v string) (float64, error) {
		w, err := strconv.ParseFloat(v, 64)
		if err != nil || w <= 0 || w > 1000 {
			return 0, errors.New("want a number above 0, at most 1000")
		}
		return w, nil
	})
	errs = append(errs, err)
	c.Limits.TenantWeights = weights
	classes, err := parseTenantMap(f.tenantClasses, "tenant classes", "acme=enterprise", func(v string) (string, error) {
		if !validClass(v) {
			return "", errors.New("want 1 to 32 letters, digits, '_' or '-'")
		}
		return v, nil
	})
	errs = append(errs, err)
	c.Limits.TenantClasses = classes
	if *f.maxStreams < 1 {
		errs = append(errs, errors.New("max concurrent streams: want at least 1"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.TLSClientCA != "" && c.TLSCert == "" {
		errs = append(errs, errors.New("--tls-client-ca (mutual TLS) needs --tls-cert and --tls-key"))
	}
	switch strings.ToLower(f.synchronous) {
	case "full":
		c.Synchronous = sqlite.SynchronousFull
	case "normal":
		c.Synchronous = sqlite.SynchronousNormal
	default:
		errs = append(errs, fmt.Errorf("--sqlite-synchronous %q: want full or normal", f.synchronous))
	}
	if c.development() {
		if !c.InsecureAllowNoAuth && !isLoopback(c.Listen) {
			errs = append(errs, fmt.Errorf("no credentials are configured (development mode), so the server listens on loopback addresses only, not %q: "+
				"configure --api-keys or --jwt-keys, listen on 127.0.0.1, or pass --insecure-allow-unauthenticated", c.Listen))
		}
		if c.ConsoleListen != "" && !c.InsecureAllowNoAuth && !isLoopback(c.ConsoleListen) {
			errs = append(errs, fmt.Errorf("no credentials are configured (development mode), so the console signs nobody in and listens on loopback addresses only, not %q: "+
				"configure --api-keys or --jwt-keys, use --console-listen 127.0.0.1:8080, or pass --insecure-allow-unauthenticated", c.ConsoleListen))
		}
		// Every caller is then one principal of one tenant: the limits
		// would throttle the developer's first load test and protect no
		// other tenant. They stay off unless set.
		if !f.set("tenant-rate", "RAPPORT_TENANT_RATE") && !f.set("tenant-burst", "RAPPORT_TENANT_BURST") {
			c.Limits.TenantRate = 0
		}
		if !f.set("key-rate", "RAPPORT_KEY_RATE") && !f.set("key-burst", "RAPPORT_KEY_BURST") {
			c.Limits.KeyRate = 0
		}
	} else if c.Demo {
		errs = append(errs, errors.New("--demo loads its data through the API without credentials: it works in development mode only"))
	}
	if c.ConsoleListen != "" && !c.consoleDefault && c.TLSClientCA != "" {
		errs = append(errs, errors.New("--console-listen does not work with --tls-client-ca (mutual TLS): the console calls the API in process without a client certificate; run it in a replica without mutual TLS"))
	}
	if c.TLSClientCA != "" && c.consoleDefault {
		c.ConsoleListen, c.consoleDefault = "", false
	}
	if c.Demo && c.TLSCert != "" {
		errs = append(errs, errors.New("--demo loads its data over a plaintext connection: it does not work with --tls-cert"))
	}
	return c, errors.Join(errs...)
}

// set reports whether a flag was given, or else its variable.
func (f *serveFlags) set(flag, env string) bool {
	return f.fs.Changed(flag) || f.getenv(env) != ""
}

// checkAddr checks that addr is host:port with a port number (or a service
// name the system knows) that a listener or client can use.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port, such as 127.0.0.1:50051")
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("port %q is not a port number", port)
	}
	return nil
}

// storeConfig says which store serve opens.
func (c config) storeConfig() storeConfig {
	return storeConfig{MongoDBURI: c.MongoDBURI, MongoDBDatabase: c.MongoDBDatabase, MongoDBKeyDatabase: c.MongoDBKeyDatabase,
		DataDir: c.DataDir, Synchronous: c.Synchronous,
		KEK: kekSource{file: c.KEKFile, text: c.kekText, development: c.development()}}
}

// isLoopback reports whether a listen address only accepts connections from
// this machine: localhost or a loopback IP (not an empty host, which means
// every interface).
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// logValue is the configuration as logged at start, with secrets masked.
func (c config) logValue() slog.Value {
	store := "embedded SQLite in " + c.DataDir
	if c.MongoDBURI != "" {
		store = redactURI(c.MongoDBURI)
	}
	return slog.GroupValue(
		slog.String("listen", c.Listen),
		slog.String("metrics_listen", c.MetricsListen),
		slog.String("console_listen", c.ConsoleListen),
		slog.String("otlp_endpoint", c.OTLPEndpoint),
		slog.String("store", store),
		slog.String("database", c.MongoDBDatabase),
		slog.String("kek", c.storeConfig().KEK.describe()),
		slog.String("log_level", c.LogLevel.String()),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Duration("health_interval", c.HealthInterval),
		slog.String("default_phone_region", c.DefaultPhoneRegion),
		slog.Bool("reflection", c.Reflection),
		slog.Bool("demo", c.Demo),
		slog.Duration("watch_poll_interval", c.WatchPollInterval),
		slog.Int("max_watch_streams", c.MaxWatchStreams),
		slog.Int("context_cache_mb", c.ContextCacheMB),
		slog.Int("log_success_every", c.LogSuccessEvery),
		slog.Int("max_watch_streams_per_tenant", c.MaxWatchPerTenant),
		slog.Any("hints", c.Hints),
		slog.Bool("development_mode", c.development()),
		slog.Bool("api_keys", c.APIKeys),
		slog.String("jwt_keys", c.JWT.KeysFile),
		slog.Bool("tls", c.TLSCert != ""),
		slog.Bool("mutual_tls", c.TLSClientCA != ""),
		slog.Any("limits", c.Limits),
		slog.String("retention", c.Retention.String()),
		slog.Duration("purge_interval", c.PurgeInterval),
		slog.Duration("audit_retention", c.AuditRetention),
	)
}

// minPurgeInterval bounds how often every replica purges.
const minPurgeInterval = time.Minute

// parseRetentionPolicy reads --retention and --tenant-retention and
// validates the policy they make.
func parseRetentionPolicy(def, perTenant string) (retention.Policy, error) {
	var p retention.Policy
	var errs []error
	d, err := parseRetention(def)
	if err != nil {
		errs = append(errs, fmt.Errorf("retention %q: %w", def, err))
	}
	p.Default = d
	if strings.TrimSpace(perTenant) != "" {
		p.Tenants = map[string]time.Duration{}
		for item := range strings.SplitSeq(perTenant, ",") {
			tenant, value, ok := strings.Cut(item, "=")
			tenant = strings.TrimSpace(tenant)
			switch _, dup := p.Tenants[tenant]; {
			case !ok:
				errs = append(errs, fmt.Errorf("tenant retention %q: want tenant=duration, e.g. acme=8760h", item))
				continue
			case dup:
				errs = append(errs, fmt.Errorf("tenant retention: %q given twice", tenant))
				continue
			}
			d, err := parseRetention(value)
			if err != nil {
				errs = append(errs, fmt.Errorf("retention of tenant %q: %w", tenant, err))
				continue
			}
			p.Tenants[tenant] = d
		}
	}
	if err := p.Validate(); err != nil {
		errs = append(errs, err)
	}
	return p, errors.Join(errs...)
}

// parseRetention reads a retention: a Go duration (720h) or a whole number
// of days (30d); 0 is forever.
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseInt(n, 10, 64)
		if err != nil || days < 0 || days > int64(math.MaxInt64/(24*time.Hour)) {
			return 0, errors.New("want a whole number of days such as 365d, or a duration such as 8760h")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New("want a duration such as 8760h, or a number of days such as 365d")
	}
	return d, nil
}

// redactURI hides the password of a connection string.
func redactURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparsable URI)"
	}
	return u.Redacted()
}

// loadTopicSynonyms reads a file of topic synonym tables:
//
//	default:            # replaces the built-in table (optional)
//	  - [billing, invoice, payment, refund]
//	tenants:
//	  acme:             # replaces it for one tenant
//	    - [energy, electricity, gas, meter]
//
// Each group is one topic, named by its first word.
func loadTopicSynonyms(path string) (*customercontext.TopicTables, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Default [][]string            `yaml:"default"`
		Tenants map[string][][]string `yaml:"tenants"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &customercontext.TopicTables{ByTenant: map[string]*topics.Table{}}
	if file.Default != nil {
		t.Default = topics.New(file.Default)
	}
	for tenant, groups := range file.Tenants {
		t.ByTenant[tenant] = topics.New(groups)
	}
	return t, nil
}

// parseTenantMap reads "tenant=value, ..." (what names the setting in
// errors, example an item) into a map; empty is nil.
func parseTenantMap[V any](list, what, example string, parse func(string) (V, error)) (map[string]V, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	m := map[string]V{}
	var errs []error
	for item := range strings.SplitSeq(list, ",") {
		tenant, value, ok := strings.Cut(item, "=")
		tenant = strings.TrimSpace(tenant)
		if _, dup := m[tenant]; !ok || tenant == "" || dup {
			errs = append(errs, fmt.Errorf("%s: %q: want tenant=value, each tenant once, e.g. %s", what, item, example))
			continue
		}
		v, err := parse(strings.TrimSpace(value))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: tenant %q: %w", what, tenant, err))
			continue
		}
		m[tenant] = v
	}
	return m, errors.Join(errs...)
}

// validClass reports whether c may be a metrics class: a short label
// value, so that classes never become an unbounded set of series.
func validClass(c string) bool {
	if c == "" || len(c) > 32 {
		return false
	}
	for _, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// contextCacheBytes is the context cache's budget for service.Options: -1
// (off) for 0 MB.
func (c config) contextCacheBytes() int64 {
	if c.ContextCacheMB == 0 {
		return -1
	}
	return int64(c.ContextCacheMB) << 20
}
