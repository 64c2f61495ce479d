package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rapporthq/rapport/service"
)

// config is everything `rapport serve` can be told, from flags or RAPPORT_*
// environment variables (a flag wins over the variable).
type config struct {
	Listen             string
	MongoDBURI         string
	MongoDBDatabase    string
	DataDir            string
	EmbeddedListen     string
	LogLevel           slog.Level
	LogFormat          string
	ShutdownTimeout    time.Duration
	HealthInterval     time.Duration
	DefaultPhoneRegion string
	Reflection         bool
	Demo               bool
	Hints              service.HintConfig
	WatchPollInterval  time.Duration
	MaxWatchStreams    int
	MetricsListen      string
	OTLPEndpoint       string
	OTLPInsecure       bool
	Retention          service.RetentionPolicy
	PurgeInterval      time.Duration
}

// parseServeConfig reads the serve flags from args, with defaults taken from
// the environment, and validates the result once.
func parseServeConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var (
		c         config
		level     string
		shutdown  string
		health    string
		watchPoll string
		retention string
		perTenant string
		purge     string
	)
	fs := flag.NewFlagSet("rapport serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Listen, "listen", env("RAPPORT_LISTEN", "127.0.0.1:50051"), "gRPC listen address (RAPPORT_LISTEN)")
	fs.StringVar(&c.MongoDBURI, "mongodb-uri", env("RAPPORT_MONGODB_URI", ""), "MongoDB connection string; empty runs the embedded store (RAPPORT_MONGODB_URI)")
	fs.StringVar(&c.MongoDBDatabase, "mongodb-database", env("RAPPORT_MONGODB_DATABASE", "rapport"), "database name (RAPPORT_MONGODB_DATABASE)")
	fs.StringVar(&c.DataDir, "data-dir", env("RAPPORT_DATA_DIR", "rapport-data"), "data directory of the embedded store (RAPPORT_DATA_DIR)")
	fs.StringVar(&c.EmbeddedListen, "embedded-listen", env("RAPPORT_EMBEDDED_LISTEN", "127.0.0.1:0"), "loopback address of the embedded store's MongoDB listener (RAPPORT_EMBEDDED_LISTEN)")
	fs.StringVar(&level, "log-level", env("RAPPORT_LOG_LEVEL", "info"), "debug, info, warn or error (RAPPORT_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("RAPPORT_LOG_FORMAT", "text"), "text or json (RAPPORT_LOG_FORMAT)")
	fs.StringVar(&shutdown, "shutdown-timeout", env("RAPPORT_SHUTDOWN_TIMEOUT", "15s"), "how long to let calls finish on stop (RAPPORT_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&health, "health-interval", env("RAPPORT_HEALTH_INTERVAL", "1s"), "how often to check the database for health (RAPPORT_HEALTH_INTERVAL)")
	fs.StringVar(&retention, "retention", env("RAPPORT_RETENTION", "0"), "how long interactions are kept after they occurred, in every tenant without a --tenant-retention: a duration (8760h) or days (365d); 0 keeps them forever (RAPPORT_RETENTION)")
	fs.StringVar(&perTenant, "tenant-retention", env("RAPPORT_TENANT_RETENTION", ""), "retention by tenant, overriding --retention: tenantA=8760h,tenantB=30d; 0 keeps a tenant's forever (RAPPORT_TENANT_RETENTION)")
	fs.StringVar(&purge, "purge-interval", env("RAPPORT_PURGE_INTERVAL", "1h"), "how often expired interactions are deleted and their customers' contexts rebuilt (RAPPORT_PURGE_INTERVAL)")
	fs.StringVar(&c.DefaultPhoneRegion, "default-phone-region", env("RAPPORT_DEFAULT_PHONE_REGION", ""), "region for phone numbers without +, e.g. US (RAPPORT_DEFAULT_PHONE_REGION)")
	var errs []error
	envBool := func(name string, def bool) bool {
		v := getenv(name)
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want true or false", name, v))
		}
		return b
	}
	fs.BoolVar(&c.Reflection, "reflection", envBool("RAPPORT_REFLECTION", true), "serve gRPC reflection (RAPPORT_REFLECTION)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", env("RAPPORT_METRICS_LISTEN", "127.0.0.1:9464"), "HTTP address of the Prometheus /metrics endpoint; empty disables it (RAPPORT_METRICS_LISTEN)")
	fs.StringVar(&c.OTLPEndpoint, "otlp-endpoint", env("RAPPORT_OTLP_ENDPOINT", ""), "OTLP/gRPC collector (host:port) to export traces to; empty disables tracing (RAPPORT_OTLP_ENDPOINT)")
	fs.StringVar(&watchPoll, "watch-poll-interval", env("RAPPORT_WATCH_POLL_INTERVAL", "1s"), "how often watched customers are checked for changes (RAPPORT_WATCH_POLL_INTERVAL)")
	fs.BoolVar(&c.OTLPInsecure, "otlp-insecure", envBool("RAPPORT_OTLP_INSECURE", false), "talk to the OTLP collector without TLS (RAPPORT_OTLP_INSECURE)")
	fs.BoolVar(&c.Demo, "demo", envBool("RAPPORT_DEMO", false), "load the demo customers at start; idempotent (RAPPORT_DEMO)")
	envNum := func(name string, def float64) float64 {
		v := getenv(name)
		if v == "" {
			return def
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want a number", name, v))
			return def
		}
		return f
	}
	h := service.DefaultHintConfig()
	hintInt := func(dst *int, flagName, envName, usage string) {
		fs.IntVar(dst, flagName, int(envNum(envName, float64(*dst))), usage+" ("+envName+")")
	}
	hintInt(&h.RepeatWindowDays, "hint-repeat-window-days", "RAPPORT_HINT_REPEAT_WINDOW_DAYS", "days in which contacts about one topic or issue count as repeats")
	hintInt(&h.RepeatMinContacts, "hint-repeat-min-contacts", "RAPPORT_HINT_REPEAT_MIN_CONTACTS", "contacts in the repeat window that make a repeat contact")
	fs.Float64Var(&h.NegativeScore, "hint-negative-score", envNum("RAPPORT_HINT_NEGATIVE_SCORE", h.NegativeScore), "sentiment at or below which a contact calls for an apology (RAPPORT_HINT_NEGATIVE_SCORE)")
	hintInt(&h.NegativeWindowDays, "hint-negative-window-days", "RAPPORT_HINT_NEGATIVE_WINDOW_DAYS", "how recent a negative contact must be to call for an apology")
	lowCSAT := int(h.LowCSAT)
	hintInt(&lowCSAT, "hint-low-csat", "RAPPORT_HINT_LOW_CSAT", "CSAT at or below which a recent answer calls for an apology")
	hintInt(&h.SurveyWindowDays, "hint-survey-window-days", "RAPPORT_HINT_SURVEY_WINDOW_DAYS", "how recent a low CSAT or detractor NPS must be")
	hintInt(&h.FollowUpDays, "hint-follow-up-days", "RAPPORT_HINT_FOLLOW_UP_DAYS", "issues resolved within this many days get a follow-up hint")
	reopens := int(h.EscalateReopens)
	hintInt(&reopens, "hint-escalate-reopens", "RAPPORT_HINT_ESCALATE_REOPENS", "reopenings of an issue that call for escalation")
	fs.IntVar(&c.MaxWatchStreams, "max-watch-streams", int(envNum("RAPPORT_MAX_WATCH_STREAMS", 1000)), "WatchCustomerContext streams per process (RAPPORT_MAX_WATCH_STREAMS)")
	hintInt(&h.EscalateContacts, "hint-escalate-contacts", "RAPPORT_HINT_ESCALATE_CONTACTS", "contacts about one issue in the repeat window that call for escalation")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	h.LowCSAT, h.EscalateReopens = int32(lowCSAT), int32(reopens)
	c.Hints = h
	if err := h.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("hints: %w", err))
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", level))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q: want text or json", c.LogFormat))
	}
	var err error
	if c.ShutdownTimeout, err = time.ParseDuration(shutdown); err != nil || c.ShutdownTimeout < 0 {
		errs = append(errs, fmt.Errorf("shutdown timeout %q: want a duration such as 15s", shutdown))
	}
	if c.WatchPollInterval, err = time.ParseDuration(watchPoll); err != nil || c.WatchPollInterval < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("watch poll interval %q: want a duration of at least 10ms", watchPoll))
	}
	if c.MaxWatchStreams < 1 {
		errs = append(errs, fmt.Errorf("max watch streams %d: want at least 1", c.MaxWatchStreams))
	}
	if c.HealthInterval, err = time.ParseDuration(health); err != nil || c.HealthInterval <= 0 {
		errs = append(errs, fmt.Errorf("health interval %q: want a positive duration such as 1s", health))
	}
	if c.Retention, err = parseRetentionPolicy(retention, perTenant); err != nil {
		errs = append(errs, err)
	}
	if c.PurgeInterval, err = time.ParseDuration(purge); err != nil || c.PurgeInterval < minPurgeInterval {
		errs = append(errs, fmt.Errorf("purge interval %q: want a duration of at least %v", purge, minPurgeInterval))
	}

	if c.Listen == "" {
		errs = append(errs, errors.New("listen address is empty"))
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
	return c, errors.Join(errs...)
}

// logValue is the configuration as logged at start, with secrets masked.
func (c config) logValue() slog.Value {
	store := "embedded FerretDB (SQLite) in " + c.DataDir
	if c.MongoDBURI != "" {
		store = redactURI(c.MongoDBURI)
	}
	return slog.GroupValue(
		slog.String("listen", c.Listen),
		slog.String("metrics_listen", c.MetricsListen),
		slog.String("otlp_endpoint", c.OTLPEndpoint),
		slog.String("store", store),
		slog.String("database", c.MongoDBDatabase),
		slog.String("log_level", c.LogLevel.String()),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Duration("health_interval", c.HealthInterval),
		slog.String("default_phone_region", c.DefaultPhoneRegion),
		slog.Bool("reflection", c.Reflection),
		slog.Bool("demo", c.Demo),
		slog.Duration("watch_poll_interval", c.WatchPollInterval),
		slog.Int("max_watch_streams", c.MaxWatchStreams),
		slog.Any("hints", c.Hints),
		slog.String("retention", c.Retention.String()),
		slog.Duration("purge_interval", c.PurgeInterval),
	)
}

// minPurgeInterval bounds how often every replica purges.
const minPurgeInterval = time.Minute

// parseRetentionPolicy reads --retention and --tenant-retention and
// validates the policy they make.
func parseRetentionPolicy(def, perTenant string) (service.RetentionPolicy, error) {
	var p service.RetentionPolicy
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
