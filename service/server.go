// Package service holds Rapport's gRPC handlers (customers, interactions,
// issues, context, export, audit), their validation, paging and filters,
// the mapping of errors to statuses, and NewServer, the one place where the
// gRPC server and its whole interceptor chain are built. The rules of the
// context and hints are in customercontext; who may call and how much in
// access; the audit writer in audit; the watch hub in watch; the retention
// purge in retention; the statuses' reasons in rpcerr. Those packages never
// import this one.
package service

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/auth"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"
	"github.com/prometheus/client_golang/prometheus"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/audit"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/retention"
	"github.com/rapporthq/rapport/service/rpcerr"
	"github.com/rapporthq/rapport/service/watch"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Atomic groups the writes of one call: they land together, or not at all,
// where the store has transactions (the embedded SQLite store), and one by
// one in an order whose retry repairs a crash in between elsewhere
// (MongoDB). Store calls inside fn must use the context fn is given.
type Atomic interface {
	Atomically(ctx context.Context, fn func(ctx context.Context) error) error
}

// Store is everything the service needs from storage.
type Store interface {
	CustomerStore
	InteractionStore
	IssueStore
	ContextStore
	access.APIKeyStore
	AuditStore
	retention.Store
	MergeStore
	InsightStore
	FollowUpStore
	// Ready reports whether the database answers and is set up for serving.
	Ready(ctx context.Context) error
}

// MaxMessageBytes is the largest request message the server accepts.
const MaxMessageBytes = 40 << 20

// MaxHeaderBytes bounds a request's metadata (headers).
const MaxHeaderBytes = 64 << 10

// Options configure the server.
type Options struct {
	// Logger receives request logs and errors, with identities, email
	// addresses and phone numbers redacted from every line. Required.
	Logger *slog.Logger
	// DefaultPhoneRegion reads phone numbers written without '+' (e.g. "US");
	// empty requires international form.
	DefaultPhoneRegion string
	// Reflection registers the server reflection service (for grpcurl).
	Reflection bool
	// Hints are the thresholds of the personalization hints; the zero value
	// means DefaultHintConfig.
	Hints customercontext.HintConfig
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// WatchPollInterval is how often watched customers' summaries are
	// checked for changes; zero means 1s.
	WatchPollInterval time.Duration
	// MaxWatchStreams bounds the WatchCustomerContext streams of the
	// process; zero means 1000.
	MaxWatchStreams int
	// MaxWatchStreamsPerTenant bounds one tenant's share of them; zero
	// means MaxWatchStreams (no share).
	MaxWatchStreamsPerTenant int
	// WithoutInsightRollups stops the upkeep of the insight rollups on
	// writes, for benchmarks that measure what it costs: QueryInsights then
	// answers figures that miss this server's writes (until a rebuild).
	WithoutInsightRollups bool
	// Tracer, when set, traces every RPC (otelgrpc); nil traces nothing.
	Tracer trace.TracerProvider
	// Metrics, when set, receives the RPC metrics (go-grpc-middleware's
	// Prometheus provider: counts by method and code, handling time) and
	// the service's own (database up, watch streams, retention purge).
	Metrics prometheus.Registerer
	// Auth says which credentials are accepted; the zero value is
	// development mode (every call in access.DefaultTenant, every scope).
	Auth access.AuthConfig
	// Limits are the rate limits, default deadline and stream limits.
	Limits access.Limits
	// TLS, when set, serves over TLS (with client certificates checked if
	// it says so); nil serves plaintext.
	TLS *tls.Config
	// Retention is how long interactions are kept, by tenant: interactions
	// are recorded with their expiry, and PurgeOnce and PurgeExpired apply
	// it. The zero value keeps everything.
	Retention retention.Policy
	// AuditRetention is how long audit events are kept; the purge deletes
	// older ones. Zero keeps them forever.
	AuditRetention time.Duration
}

// Server is the gRPC server with its services and health.
type Server struct {
	GRPC    *grpc.Server
	Health  *health.Server
	store   Store
	logger  *slog.Logger
	watches *watch.Hub
	dbUp    prometheus.Gauge
	audit   *audit.Writer
	purger  *retention.Purger
	// rebuilds are the summary rebuilds that outlive the read that
	// started them (see StopRebuilds).
	rebuilds *rebuilder
}

// ChangeStore is what following database changes needs.
type ChangeStore interface {
	WatchSummaries(ctx context.Context, fn func(tenant, customerID string)) error
}

// FollowChanges feeds watch streams from the database's change stream, when
// it has one (a MongoDB replica set), so that changes reach watchers at
// once; the per-customer poll stays as the safety net. Without change
// streams (the embedded store, a standalone MongoDB) it logs that once and
// returns nil: watchers then rely on the poll. It runs until ctx ends,
// reopening a broken stream after a pause.
func (s *Server) FollowChanges(ctx context.Context, store ChangeStore) error {
	for {
		err := store.WatchSummaries(ctx, s.watches.Changed)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, repository.ErrChangeStreamsUnsupported):
			s.logger.InfoContext(ctx, "no change streams on this database: watchers see changes by polling", "error", err)
			return nil
		}
		s.logger.WarnContext(ctx, "change stream interrupted; reopening", "error", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// StopWatches ends every WatchCustomerContext stream (with UNAVAILABLE, so
// desktops reconnect elsewhere) and stops their pollers. Call it before
// GracefulStop, which otherwise waits for these long-lived streams.
func (s *Server) StopWatches() { s.watches.Close() }

// StopRebuilds cancels the summary rebuilds still running after the reads
// that started them answered (partial answers under a deadline) and waits
// for them; a rebuild cancelled leaves the summary stale, and the next read
// rebuilds it. Call it once no call runs any more.
func (s *Server) StopRebuilds() { s.rebuilds.Close() }

// servedServices are the services whose health follows the database.
var servedServices = []string{
	"",
	rapportv1.CustomerService_ServiceDesc.ServiceName,
	rapportv1.InteractionService_ServiceDesc.ServiceName,
	rapportv1.IssueService_ServiceDesc.ServiceName,
	rapportv1.ContextService_ServiceDesc.ServiceName,
	rapportv1.AuditService_ServiceDesc.ServiceName,
	rapportv1.FollowUpService_ServiceDesc.ServiceName,
}

// NewServer builds the gRPC server: tracing (a stats handler, when
// configured), the interceptor chain, the Rapport services, health checking
// and reflection. The chain, outermost first: metrics (when configured),
// logging, panic recovery, error mapping, authentication (health and
// reflection stay open), rate limits, audit, scope check, default
// deadline, panic recovery again. A request that does not unmarshal is
// answered INVALID_ARGUMENT after authentication and audit (see
// malformedCodec). Health starts NOT_SERVING; WatchHealth turns it SERVING while
// the database answers. Run RunAudit while serving.
func NewServer(store Store, opts Options) *Server {
	// Every line the server logs has identities redacted (redactingHandler).
	logger := slog.New(redactingHandler{opts.Logger.Handler()})
	// Every write through the handlers keeps the insight rollups.
	if !opts.WithoutInsightRollups {
		store = rollupStore{Store: store}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	limits := opts.Limits
	if limits.DefaultDeadline <= 0 {
		limits.DefaultDeadline = 30 * time.Second
	}
	if limits.MaxConcurrentStreams == 0 {
		limits.MaxConcurrentStreams = 1000
	}
	logOpts := []logging.Option{logging.WithLogOnEvents(logging.FinishCall)}
	recoveryOpt := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in handler", "panic", p, "stack", string(debug.Stack()))
		return rpcerr.New(codes.Internal, rpcerr.ReasonInternal, "internal error", nil)
	})
	errUnary, errStream := errorInterceptor(logger)
	authn := access.NewAuthenticator(opts.Auth, store, now)
	// Health and reflection answer without credentials, and are logged at
	// DEBUG: probes check health every few seconds, and neither is what
	// the log is read for.
	guarded := selector.MatchFunc(func(_ context.Context, c interceptors.CallMeta) bool { return !isHealthOrReflection(c) })
	housekeeping := selector.MatchFunc(func(_ context.Context, c interceptors.CallMeta) bool { return isHealthOrReflection(c) })
	debugLogOpts := append(slices.Clone(logOpts), logging.WithLevels(func(codes.Code) logging.Level { return logging.LevelDebug }))
	limitUnary, limitStream := access.RateLimitInterceptors(limits, now)
	auditor := audit.New(audit.Options{Store: store, Logger: logger, Now: now, Code: statusCode, Customer: customerOfName})
	auditUnary, auditStream := auditor.Interceptors()
	codec := newMalformedCodec()
	takeMalformed, checkMalformed, malformedStream := codec.interceptors()
	// Recovery runs twice: innermost, so that a panicking handler's call is
	// still audited, and right after logging, so that a panic in the
	// interceptors themselves (auth, limits, audit) fails one call, not the
	// process.
	callLog := newRefusalSampler().wrap(slogAdapter(logger))
	unary := []grpc.UnaryServerInterceptor{
		takeMalformed,
		selector.UnaryServerInterceptor(logging.UnaryServerInterceptor(callLog, logOpts...), guarded),
		selector.UnaryServerInterceptor(logging.UnaryServerInterceptor(slogAdapter(logger), debugLogOpts...), housekeeping),
		recovery.UnaryServerInterceptor(recoveryOpt),
		errUnary,
		selector.UnaryServerInterceptor(auth.UnaryServerInterceptor(authn.Authenticate), guarded),
	}
	unary = append(unary, limitUnary...)
	unary = append(unary,
		auditUnary,
		checkMalformed,
		selector.UnaryServerInterceptor(access.AuthorizeUnary, guarded),
		access.DefaultDeadline(limits.DefaultDeadline),
		recovery.UnaryServerInterceptor(recoveryOpt),
	)
	stream := []grpc.StreamServerInterceptor{
		malformedStream,
		selector.StreamServerInterceptor(logging.StreamServerInterceptor(callLog, logOpts...), guarded),
		selector.StreamServerInterceptor(logging.StreamServerInterceptor(slogAdapter(logger), debugLogOpts...), housekeeping),
		recovery.StreamServerInterceptor(recoveryOpt),
		errStream,
		selector.StreamServerInterceptor(auth.StreamServerInterceptor(authn.Authenticate), guarded),
	}
	stream = append(stream, limitStream...)
	stream = append(stream,
		auditStream,
		selector.StreamServerInterceptor(access.AuthorizeStream, guarded),
		recovery.StreamServerInterceptor(recoveryOpt),
	)
	var rpcMetrics *grpcprom.ServerMetrics
	dbUp := prometheus.NewGauge(prometheus.GaugeOpts{Name: "rapport_database_up", Help: "1 while the database answers health checks, else 0."})
	if opts.Metrics != nil {
		rpcMetrics = grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
		opts.Metrics.MustRegister(append([]prometheus.Collector{rpcMetrics, dbUp}, auditor.Collectors()...)...)
		// Outermost, so that every call is counted with its final code.
		unary = append([]grpc.UnaryServerInterceptor{rpcMetrics.UnaryServerInterceptor()}, unary...)
		stream = append([]grpc.StreamServerInterceptor{rpcMetrics.StreamServerInterceptor()}, stream...)
	}
	serverOpts := []grpc.ServerOption{
		// A full batch (500 interactions of up to 64 KiB of text) must fit.
		grpc.MaxRecvMsgSize(MaxMessageBytes),
		// Malformed requests are INVALID_ARGUMENT, not gRPC's INTERNAL.
		grpc.ForceServerCodecV2(codec),
		grpc.MaxConcurrentStreams(limits.MaxConcurrentStreams),
		// Headers carry credentials of a few KiB at most; without a bound a
		// caller could send megabytes for the server to hash and parse.
		grpc.MaxHeaderListSize(MaxHeaderBytes),
		// Refuse clients that ping more often than every 10s (a misbehaving
		// client could otherwise keep the server busy with pings); check
		// idle connections every 2 minutes and drop dead ones.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 2 * time.Minute, Timeout: 20 * time.Second}),
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
	}
	if opts.TLS != nil {
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(opts.TLS)))
	}
	if opts.Tracer != nil {
		serverOpts = append(serverOpts, grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(opts.Tracer))))
	}
	s := grpc.NewServer(serverOpts...)
	hints := opts.Hints
	if hints == (customercontext.HintConfig{}) {
		hints = customercontext.DefaultHintConfig()
	}
	ids := identityNormalizer{defaultRegion: opts.DefaultPhoneRegion}
	heavy := access.NewHeavyReads(limits.MaxHeavyReadsPerTenant)
	sums := summaries{store: store, now: now, hints: hints}
	merged := aliases{store: store}
	interactions := &interactionServer{
		audit:       auditor,
		store:       store,
		summaries:   sums,
		sentiment:   customercontext.NewSentimentModel(),
		logger:      logger,
		now:         now,
		retention:   opts.Retention,
		heavy:       heavy,
		merges:      merged,
		phoneRegion: opts.DefaultPhoneRegion,
	}
	rapportv1.RegisterInteractionServiceServer(s, interactions)
	rapportv1.RegisterIssueServiceServer(s, &issueServer{store: store, summaries: sums, now: now, heavy: heavy, logger: logger, merges: merged})
	watches := watch.New(store, opts.WatchPollInterval, opts.MaxWatchStreams, opts.MaxWatchStreamsPerTenant, logger)
	if opts.Metrics != nil {
		opts.Metrics.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rapport_watch_streams", Help: "WatchCustomerContext streams open.",
		}, func() float64 { return float64(watches.Count()) }),
			// The limits, so that an alert can compare the streams with them.
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "rapport_watch_streams_limit", Help: "The most WatchCustomerContext streams the process serves at once (--max-watch-streams).",
			}, func() float64 { return float64(watches.Max()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "rapport_watch_streams_per_tenant_limit", Help: "The most WatchCustomerContext streams one tenant may hold in the process (--max-watch-streams-per-tenant, or the process limit).",
			}, func() float64 { return float64(watches.MaxPerTenant()) }))
	}
	contexts := &contextServer{store: store, watches: watches, ids: ids, hints: hints, logger: logger, now: now, heavy: heavy, merges: merged, rebuilds: newRebuilder(logger)}
	rapportv1.RegisterContextServiceServer(s, contexts)
	// CustomerService, ExportCustomer included.
	rapportv1.RegisterCustomerServiceServer(s, &customerServer{
		store:     store,
		ids:       ids,
		summaries: sums,
		history:   store,
		contexts:  contexts,
		logger:    logger,
		now:       now,
		merges:    merged,
	})
	rapportv1.RegisterAuditServiceServer(s, &auditServer{store: store})
	rapportv1.RegisterInsightsServiceServer(s, &insightsServer{store: store, rebuild: store})
	rapportv1.RegisterFollowUpServiceServer(s, &followUpServer{store: store, now: now, hints: hints, heavy: heavy, interactions: interactions})
	hs := health.NewServer()
	for _, name := range servedServices {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_NOT_SERVING)
	}
	healthpb.RegisterHealthServer(s, hs)
	if opts.Reflection {
		registerReflection(s, logger)
	}
	if rpcMetrics != nil {
		rpcMetrics.InitializeMetrics(s)
	}
	purger := retention.NewPurger(retention.Options{
		Store: store, Policy: opts.Retention, AuditRetention: opts.AuditRetention,
		Rebuild: func(ctx context.Context, tenant, customerID string) error {
			_, _, err := contexts.rebuild(ctx, tenant, customerID)
			return err
		},
		Now: now, Logger: logger, Metrics: opts.Metrics,
	})
	return &Server{GRPC: s, Health: hs, store: store, logger: logger, watches: watches, dbUp: dbUp, audit: auditor, purger: purger, rebuilds: contexts.rebuilds}
}

// PurgeOnce applies the retention policy once, on every tenant (see
// retention.Purger.Once); it is safe to run from every replica at once.
func (s *Server) PurgeOnce(ctx context.Context) (retention.PurgeResult, error) {
	return s.purger.Once(ctx)
}

// PurgeExpired runs the retention purge at once, then every interval, until
// ctx ends (see retention.Purger.Run).
func (s *Server) PurgeExpired(ctx context.Context, interval time.Duration) error {
	return s.purger.Run(ctx, interval)
}

// RunAudit writes the audit trail until StopAudit, then writes what is
// left and returns.
func (s *Server) RunAudit() { s.audit.Run() }

// StopAudit ends RunAudit once the events queued are written. Call it
// after GracefulStop, when no call can add events.
func (s *Server) StopAudit() { s.audit.Close() }

// WatchHealth checks the database every interval until ctx ends and sets
// health SERVING while it answers, NOT_SERVING while it does not, logging
// each change once.
func (s *Server) WatchHealth(ctx context.Context, interval time.Duration) error {
	serving := false
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		checkCtx, cancel := context.WithTimeout(ctx, interval)
		err := s.store.Ready(checkCtx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if ok := err == nil; ok != serving {
			serving = ok
			st := healthpb.HealthCheckResponse_NOT_SERVING
			if ok {
				st = healthpb.HealthCheckResponse_SERVING
				s.logger.InfoContext(ctx, "database ready: serving")
			} else {
				s.logger.WarnContext(ctx, "database not answering: not serving", "error", err)
			}
			for _, name := range servedServices {
				s.Health.SetServingStatus(name, st)
			}
			if ok {
				s.dbUp.Set(1)
			} else {
				s.dbUp.Set(0)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// registerReflection serves server reflection (v1 and v1alpha) from the
// API's descriptors with their comments, so that grpcurl describe shows
// the documentation; everything else (health, reflection itself) from the
// descriptors linked into the binary.
func registerReflection(s *grpc.Server, logger *slog.Logger) {
	var set descriptorpb.FileDescriptorSet
	err := proto.Unmarshal(rapportv1.FileDescriptorSet, &set)
	var files *protoregistry.Files
	if err == nil {
		files, err = protodesc.NewFiles(&set)
	}
	if err != nil {
		// Only a broken generation gets here: reflection still works,
		// without the comments.
		logger.Error("reflection without documentation: the embedded descriptors do not load", "error", err)
		reflection.Register(s)
		return
	}
	opts := reflection.ServerOptions{Services: s, DescriptorResolver: resolvers{files, protoregistry.GlobalFiles}}
	reflectionv1.RegisterServerReflectionServer(s, reflection.NewServerV1(opts))
	reflectionv1alpha.RegisterServerReflectionServer(s, reflection.NewServer(opts))
}

// resolvers finds a descriptor in the first resolver that has it.
type resolvers []protodesc.Resolver

func (rs resolvers) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	for _, r := range rs {
		if d, err := r.FindFileByPath(path); err == nil {
			return d, nil
		}
	}
	return nil, protoregistry.NotFound
}

func (rs resolvers) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	for _, r := range rs {
		if d, err := r.FindDescriptorByName(name); err == nil {
			return d, nil
		}
	}
	return nil, protoregistry.NotFound
}

// isHealthOrReflection reports whether c is a health check or a reflection
// call.
func isHealthOrReflection(c interceptors.CallMeta) bool {
	return c.Service == healthpb.Health_ServiceDesc.ServiceName || strings.HasPrefix(c.Service, "grpc.reflection.")
}

// slogAdapter lets go-grpc-middleware's logging interceptor log through slog.
func slogAdapter(l *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		l.Log(ctx, slog.Level(lvl), msg, fields...)
	})
}

// Lines of refused calls (UNAUTHENTICATED, RESOURCE_EXHAUSTED) logged per
// second, with bursts of refusalLogBurst: a flood of made-up credentials
// or of calls over a rate limit must not flood the log (68,000 WARN lines
// in 12 s). The lines left out are counted in the next one written.
const (
	refusalLogRate  = 5
	refusalLogBurst = 20
)

// refusalSampler writes the lines of refused calls at most at
// refusalLogRate, and every other line as it comes.
type refusalSampler struct {
	lines   *rate.Limiter
	dropped atomic.Int64
}

func newRefusalSampler() *refusalSampler {
	return &refusalSampler{lines: rate.NewLimiter(refusalLogRate, refusalLogBurst)}
}

// wrap is l with the refused calls' lines sampled.
func (r *refusalSampler) wrap(l logging.Logger) logging.Logger {
	return logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		if isRefusal(fields) {
			if !r.lines.Allow() {
				r.dropped.Add(1)
				return
			}
			if n := r.dropped.Swap(0); n > 0 {
				fields = append(fields, "refusals_not_logged", n)
			}
		}
		l.Log(ctx, lvl, msg, fields...)
	})
}

// isRefusal reports whether the logging interceptor's fields are those of
// a call refused before any work: bad credentials or over a rate limit.
func isRefusal(fields []any) bool {
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "grpc.code" {
			c := fields[i+1]
			return c == codes.Unauthenticated.String() || c == codes.ResourceExhausted.String()
		}
	}
	return false
}
