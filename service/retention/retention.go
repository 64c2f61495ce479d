// Package retention applies how long interactions and audit events are
// kept: the Policy (by tenant), and the Purger that deletes what expired
// (or revises the expiry a TTL index acts on) and has the context summaries
// that counted deleted interactions rebuilt, with its metrics and its loop.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rapporthq/rapport/repository"
)

// Minimum is the shortest retention a policy may set (other than 0, which
// keeps interactions forever).
const Minimum = time.Hour

// DefaultPurgeInterval is how often `rapport serve` purges by default, and
// the interval Purger.Once assumes to the next run.
const DefaultPurgeInterval = time.Hour

// Policy says how long interactions are kept after they occurred,
// by tenant. Only interactions expire: customers, issues (with the facts
// and interaction names they gathered) and identities stay until the
// customer is erased. The zero value keeps everything forever.
type Policy struct {
	// Default applies to every tenant not in Tenants; 0 keeps forever.
	Default time.Duration
	// Tenants override Default by tenant; 0 keeps that tenant's forever.
	Tenants map[string]time.Duration
}

// For is the retention of tenant's interactions; 0 means forever.
func (p Policy) For(tenant string) time.Duration {
	if d, ok := p.Tenants[tenant]; ok {
		return d
	}
	return p.Default
}

// Enabled reports whether some tenant's interactions expire.
func (p Policy) Enabled() bool {
	if p.Default > 0 {
		return true
	}
	for _, d := range p.Tenants {
		if d > 0 {
			return true
		}
	}
	return false
}

// Validate checks that every retention is 0 or at least Minimum and
// that every tenant name is one a tenant can have.
func (p Policy) Validate() error {
	var errs []error
	check := func(what string, d time.Duration) {
		if d != 0 && d < Minimum {
			errs = append(errs, fmt.Errorf("%s is %v: want 0 (keep forever) or at least %v", what, d, Minimum))
		}
	}
	check("retention", p.Default)
	for _, t := range slices.Sorted(maps.Keys(p.Tenants)) {
		if t == "" || strings.ContainsAny(t, "/ \t\n,=") {
			errs = append(errs, fmt.Errorf("tenant %q: not a tenant name", t))
			continue
		}
		check(fmt.Sprintf("retention of tenant %q", t), p.Tenants[t])
	}
	return errors.Join(errs...)
}

// String is the policy as logged: the default, then the tenants' own,
// e.g. "8760h0m0s; acme=720h0m0s, initech=forever".
func (p Policy) String() string {
	var tenants []string
	for _, t := range slices.Sorted(maps.Keys(p.Tenants)) {
		tenants = append(tenants, t+"="+durationOrForever(p.Tenants[t]))
	}
	if len(tenants) == 0 {
		return durationOrForever(p.Default)
	}
	return durationOrForever(p.Default) + "; " + strings.Join(tenants, ", ")
}

func durationOrForever(d time.Duration) string {
	if d == 0 {
		return "forever"
	}
	return d.String()
}

// retentionRule is one retention and the tenants it applies to.
type retentionRule struct {
	scope     repository.TenantScope
	retention time.Duration
}

// rules splits the policy into rules: one per tenant with its own
// retention, then the default for every other tenant.
func (p Policy) rules() []retentionRule {
	tenants := slices.Sorted(maps.Keys(p.Tenants))
	var out []retentionRule
	for _, t := range tenants {
		out = append(out, retentionRule{scope: repository.TenantScope{Tenant: t}, retention: p.Tenants[t]})
	}
	return append(out, retentionRule{scope: repository.TenantScope{Except: tenants}, retention: p.Default})
}

// Store is what the retention purge needs from storage.
type Store interface {
	// Ready reports whether the database answers and is set up for serving.
	Ready(ctx context.Context) error
	SupportsTTL() bool
	DeleteInteractionsBefore(ctx context.Context, scope repository.TenantScope, cutoff time.Time) (int64, error)
	ReviseExpiry(ctx context.Context, scope repository.TenantScope, retention time.Duration, now time.Time, horizon time.Duration) (int64, error)
	SummariesContactedBefore(ctx context.Context, scope repository.TenantScope, cutoff time.Time, after repository.SummaryRef, limit int) ([]repository.SummaryRef, error)
	DeleteAuditEventsBefore(ctx context.Context, cutoff time.Time) (int64, error)
}

// PurgeResult is what one purge did.
type PurgeResult struct {
	// Interactions deleted because their tenant's retention ended.
	Interactions int64
	// Summaries rebuilt because they counted an interaction older than the
	// retention (deleted by this purge, an earlier one, or the TTL index).
	Summaries int64
	// Expiries revised after a retention changed (TTL index only).
	Expiries int64
	// Failed counts the summaries that could not be rebuilt; the next purge
	// tries them again.
	Failed int64
	// AuditEvents deleted because they are older than the audit retention.
	AuditEvents int64
}

// summariesPerPage is how many summaries the purge lists at a time.
const summariesPerPage = 100

// Purger applies a Policy to the store.
type Purger struct {
	store          Store
	policy         Policy
	auditRetention time.Duration
	rebuild        func(ctx context.Context, tenant, customerID string) error
	now            func() time.Time
	logger         *slog.Logger
	metrics        *purgeMetrics
}

// Options configure a Purger.
type Options struct {
	Store  Store
	Policy Policy
	// AuditRetention is how long audit events are kept; zero keeps them
	// forever.
	AuditRetention time.Duration
	// Rebuild recomputes a customer's context summary from their stored
	// history; repository.ErrNotFound means the customer is gone.
	Rebuild func(ctx context.Context, tenant, customerID string) error
	// Now is the clock of the cutoffs.
	Now    func() time.Time
	Logger *slog.Logger
	// Metrics, when set, receives the purge's counters.
	Metrics prometheus.Registerer
}

// NewPurger makes a Purger, registering its metrics.
func NewPurger(o Options) *Purger {
	return &Purger{store: o.Store, policy: o.Policy, auditRetention: o.AuditRetention, rebuild: o.Rebuild,
		now: o.Now, logger: o.Logger, metrics: newPurgeMetrics(o.Metrics)}
}

// Once applies the retention policy once, on every tenant, and is
// safe to run from every replica at once: it deletes the interactions older
// than their tenant's retention, then rebuilds, from what is left, the
// context summary of every customer whose summary still counts an older
// one. Deleting first makes it crash-safe: a summary left stale by a crash
// (or by the TTL index, which deletes without rebuilding) still has its
// first contact before the cutoff, so the next run rebuilds it. Running it
// again with nothing expired changes nothing.
func (s *Purger) Once(ctx context.Context) (PurgeResult, error) {
	return s.purge(ctx, 2*DefaultPurgeInterval)
}

// purge is Once; horizon is how far ahead expiries are revised, at
// least twice the time to the next purge.
func (s *Purger) purge(ctx context.Context, horizon time.Duration) (PurgeResult, error) {
	var res PurgeResult
	if err := s.store.Ready(ctx); err != nil {
		return res, err
	}
	now := s.now()
	if s.auditRetention > 0 {
		n, err := s.store.DeleteAuditEventsBefore(ctx, now.Add(-s.auditRetention))
		res.AuditEvents += n
		if err != nil {
			return res, err
		}
	}
	var errs []error
	for _, r := range s.policy.rules() {
		if s.store.SupportsTTL() {
			n, err := s.store.ReviseExpiry(ctx, r.scope, r.retention, now, horizon)
			res.Expiries += n
			if err != nil {
				return res, err
			}
		}
		if r.retention <= 0 {
			continue
		}
		cutoff := now.Add(-r.retention)
		n, err := s.store.DeleteInteractionsBefore(ctx, r.scope, cutoff)
		res.Interactions += n
		if err != nil {
			return res, err
		}
		var after repository.SummaryRef
		for {
			page, err := s.store.SummariesContactedBefore(ctx, r.scope, cutoff, after, summariesPerPage)
			if err != nil {
				return res, err
			}
			for _, ref := range page {
				switch err := s.rebuild(ctx, ref.Tenant, ref.CustomerID); {
				case err == nil:
					res.Summaries++
				case errors.Is(err, repository.ErrNotFound):
					// The customer is gone or being erased: erasure removes
					// the summary.
				case ctx.Err() != nil:
					return res, ctx.Err()
				default:
					res.Failed++
					if len(errs) < 3 {
						errs = append(errs, fmt.Errorf("rebuild the summary of %s in %s: %w", repository.CustomerName(ref.CustomerID), ref.Tenant, err))
					}
				}
			}
			if len(page) < summariesPerPage {
				break
			}
			after = page[len(page)-1]
		}
	}
	if res.Failed > 0 {
		return res, fmt.Errorf("%d summaries not rebuilt: %w", res.Failed, errors.Join(errs...))
	}
	return res, nil
}

// Run runs the retention purge at once, then every interval, until
// ctx ends, logging what each run did (at debug level when it did nothing);
// a run that fails is retried within a minute. Every replica runs it: runs are idempotent. Its first successful
// run logs how interactions expire on this database.
func (s *Purger) Run(ctx context.Context, interval time.Duration) error {
	logged := false
	for {
		start := time.Now()
		res, err := s.purge(ctx, 2*interval)
		if ctx.Err() != nil {
			return nil
		}
		next := interval
		attrs := []any{"interactions_deleted", res.Interactions, "summaries_rebuilt", res.Summaries, "audit_events_deleted", res.AuditEvents,
			"expiries_revised", res.Expiries, "duration", time.Since(start).Round(time.Millisecond)}
		if err != nil {
			next = min(interval, time.Minute)
			s.logger.WarnContext(ctx, "retention purge failed; retrying", append(attrs, "error", err, "retry_in", next)...)
		} else {
			if !logged {
				logged = true
				s.logRetentionMode(ctx, interval)
			}
			level := slog.LevelDebug
			if res != (PurgeResult{}) {
				level = slog.LevelInfo
			}
			s.logger.Log(ctx, level, "retention purge done", attrs...)
		}
		s.metrics.record(res, err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(next):
		}
	}
}

// logRetentionMode says, once, how interactions expire.
func (s *Purger) logRetentionMode(ctx context.Context, interval time.Duration) {
	switch {
	case !s.policy.Enabled():
		s.logger.InfoContext(ctx, "retention off: interactions are kept until their customer is erased")
	case s.store.SupportsTTL():
		s.logger.InfoContext(ctx, "retention: a TTL index deletes expired interactions, the purge rebuilds their customers' summaries",
			"retention", s.policy.String(), "purge_interval", interval)
	default:
		s.logger.InfoContext(ctx, "retention: the database has no TTL indexes, the purge deletes expired interactions and rebuilds their customers' summaries",
			"retention", s.policy.String(), "purge_interval", interval)
	}
}

// purgeMetrics counts what the purge does; nil counts nothing.
type purgeMetrics struct {
	interactions, summaries prometheus.Counter
	lastSuccess             prometheus.Gauge
}

func newPurgeMetrics(reg prometheus.Registerer) *purgeMetrics {
	if reg == nil {
		return nil
	}
	m := &purgeMetrics{
		interactions: prometheus.NewCounter(prometheus.CounterOpts{Name: "rapport_purge_interactions_deleted_total", Help: "Interactions the retention purge deleted."}),
		summaries:    prometheus.NewCounter(prometheus.CounterOpts{Name: "rapport_purge_summaries_rebuilt_total", Help: "Context summaries the retention purge rebuilt."}),
		lastSuccess:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "rapport_purge_last_success_timestamp_seconds", Help: "When the retention purge last completed without error (Unix time)."}),
	}
	reg.MustRegister(m.interactions, m.summaries, m.lastSuccess)
	return m
}

func (m *purgeMetrics) record(res PurgeResult, err error) {
	if m == nil {
		return
	}
	m.interactions.Add(float64(res.Interactions))
	m.summaries.Add(float64(res.Summaries))
	if err == nil {
		m.lastSuccess.SetToCurrentTime()
	}
}
