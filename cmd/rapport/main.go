// Command rapport is the Rapport customer-context service.
//
//	rapport serve     run the gRPC server (embedded SQLite store unless a MongoDB URI is set)
//	rapport seed      load the demo customers into a running server
//	rapport repair    rebuild context summaries from the history
//	rapport keys      create, list and revoke API keys
//	rapport migrate   carry the FerretDB store of earlier versions over to SQLite
//	rapport backup    copy the embedded store while it serves
//	rapport version   print the version (also rapport --version)
//
// Every command and subcommand takes -h or --help.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
	_ "time/tzdata" // IANA time zones for preference validation, whatever the host has

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rapport:", err)
		os.Exit(1)
	}
}

// buildVersion is the -X version, else the module version Go recorded.
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func newLogger(format string, level slog.Level, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(service.TraceLogHandler(h))
}

// newTracer returns the tracer provider exporting to the OTLP collector,
// or nil when no collector is configured; stop flushes and stops it.
func newTracer(ctx context.Context, cfg config) (tp trace.TracerProvider, stop func(context.Context) error, err error) {
	if cfg.OTLPEndpoint == "" {
		return nil, func(context.Context) error { return nil }, nil
	}
	opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(cfg.OTLPEndpoint)}
	if cfg.OTLPInsecure {
		opts = append(opts, otlptracegrpc.WithInsecure())
	}
	exp, err := otlptracegrpc.New(ctx, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("otlp exporter: %w", err)
	}
	sdk := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "rapport"), attribute.String("service.version", buildVersion()))),
	)
	return sdk, sdk.Shutdown, nil
}

// loadDemo loads the demo data through the server's own API, logging the
// outcome: a failure leaves the server running.
func loadDemo(ctx context.Context, addr string, logger *slog.Logger) {
	if err := loadDemoAt(ctx, &clientConfig{addr: addr}); err != nil {
		logger.Error("demo data not loaded", "error", err)
		return
	}
	logger.Info("demo data loaded", "customers", demoCustomerNames)
}

// jwtKeysReload is how often the JWT keys file is read again for rotated keys.
const jwtKeysReload = 30 * time.Second

// authConfig is the credentials the server accepts.
func authConfig(cfg config) (access.AuthConfig, error) {
	a := access.AuthConfig{APIKeys: cfg.APIKeys, KeyCacheTTL: cfg.APIKeyCacheTTL}
	if cfg.JWT.KeysFile != "" {
		v, err := access.NewJWTVerifier(cfg.JWT, nil)
		if err != nil {
			return a, err
		}
		a.JWT = v
	}
	return a, nil
}

// serverTLS is the TLS configuration of the gRPC listener, or nil.
func serverTLS(cfg config) (*tls.Config, error) {
	if cfg.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	t := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if cfg.TLSClientCA != "" {
		pool, err := certPool(cfg.TLSClientCA)
		if err != nil {
			return nil, err
		}
		t.ClientCAs, t.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return t, nil
}

// certPool reads PEM CA certificates.
func certPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tls: no PEM certificate in %s", file)
	}
	return pool, nil
}

// serve runs the server until ctx ends, then stops it gracefully.
func serve(ctx context.Context, cfg config, logw io.Writer) error {
	logger := newLogger(cfg.LogFormat, cfg.LogLevel, logw)
	logger.Info("starting rapport", "version", buildVersion(), "config", cfg.logValue())

	// What can be refused is refused before the store starts: the
	// credentials, the TLS files and the listen addresses.
	authCfg, err := authConfig(cfg)
	if err != nil {
		return err
	}
	tlsCfg, err := serverTLS(cfg)
	if err != nil {
		return err
	}
	if authCfg.Development() {
		logger.Warn("DEVELOPMENT MODE: no credentials configured (--api-keys, --jwt-keys); every caller is in tenant \"default\" with every scope. Never run this way with real data.",
			"listen", cfg.Listen)
		if cfg.Limits.TenantRate == 0 && cfg.Limits.KeyRate == 0 {
			logger.Info("development mode: no rate limits unless set (--tenant-rate, --key-rate)")
		}
	}
	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	defer lis.Close() // on an early return; stopping the server closes it too
	if authCfg.Development() && !cfg.InsecureAllowNoAuth {
		// The name may have resolved to more than loopback: check the
		// address actually bound.
		if a, ok := lis.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
			return fmt.Errorf("development mode: %s listens on %s, not a loopback address; see --insecure-allow-unauthenticated", cfg.Listen, lis.Addr())
		}
	}
	if !authCfg.Development() && tlsCfg == nil && !isLoopback(cfg.Listen) {
		logger.Warn("credentials travel in plaintext: no --tls-cert; terminate TLS in front of this server (mesh, load balancer) or configure it here", "listen", cfg.Listen)
	}
	if authCfg.JWT != nil && (cfg.JWT.Audience == "" || cfg.JWT.Issuer == "") {
		logger.Warn("bearer tokens are accepted whatever their issuer or audience: set --jwt-issuer and --jwt-audience so that tokens your identity provider signs for other services are refused",
			"issuer", cfg.JWT.Issuer, "audience", cfg.JWT.Audience)
	}
	var mlis net.Listener
	if cfg.MetricsListen != "" {
		if mlis, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.MetricsListen, err)
		}
		defer mlis.Close()
	}

	clis, err := listenConsole(cfg, authCfg.Development(), logger)
	if err != nil {
		return err
	}
	if clis != nil {
		defer clis.Close()
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	registerBuildInfo(reg)
	tracer, stopTracer, err := newTracer(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := stopTracer(sctx); err != nil {
			logger.Warn("tracing: spans not exported at stop", "error", err)
		}
	}()
	if tracer != nil {
		// OpenTelemetry reports failed exports to one handler per process,
		// by default a plain line on stderr: log them like everything else.
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			logger.Warn("tracing: OpenTelemetry error", "error", err)
		}))
		logger.Info("tracing RPCs and database commands over OTLP", "endpoint", cfg.OTLPEndpoint)
	}
	sc := cfg.storeConfig()
	sc.AppName, sc.Metrics, sc.Tracer = "rapport", reg, tracer
	store, closeStore, err := openStore(ctx, sc, logger)
	if err != nil {
		return err
	}
	defer closeStore()

	srv := service.NewServer(store, service.Options{
		Auth:                     authCfg,
		Limits:                   cfg.Limits,
		TLS:                      tlsCfg,
		Logger:                   logger,
		DefaultPhoneRegion:       cfg.DefaultPhoneRegion,
		Reflection:               cfg.Reflection,
		Hints:                    cfg.Hints,
		WatchPollInterval:        cfg.WatchPollInterval,
		MaxWatchStreams:          cfg.MaxWatchStreams,
		ContextCacheBytes:        cfg.contextCacheBytes(),
		LogSuccessEvery:          cfg.LogSuccessEvery,
		MaxWatchStreamsPerTenant: cfg.MaxWatchPerTenant,
		Metrics:                  reg,
		Tracer:                   tracer,
		Retention:                cfg.Retention,
		AuditRetention:           cfg.AuditRetention,
	})

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		logger.Info("serving gRPC", "address", lis.Addr().String())
		return srv.GRPC.Serve(lis)
	})
	g.Go(func() error { return srv.WatchHealth(gctx, cfg.HealthInterval) })
	if authCfg.JWT != nil {
		g.Go(func() error { return authCfg.JWT.FollowKeysFile(gctx, jwtKeysReload, logger) })
	}
	g.Go(func() error {
		srv.RunAudit()
		return nil
	})
	g.Go(func() error { return srv.FollowChanges(gctx, store) })
	g.Go(func() error { return srv.PurgeExpired(gctx, cfg.PurgeInterval) })
	if mlis != nil {
		hs := &http.Server{Handler: metricsHandler(reg), ReadHeaderTimeout: 5 * time.Second}
		g.Go(func() error {
			logger.Info("serving metrics", "address", mlis.Addr().String(), "path", "/metrics")
			if err := hs.Serve(mlis); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("metrics server: %w", err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 5*time.Second)
			defer cancel()
			return hs.Shutdown(sctx)
		})
	}
	if clis != nil {
		if err := serveConsole(gctx, g, clis, srv, tlsCfg, authCfg.Development(), logger); err != nil {
			return err
		}
	}
	if cfg.Demo {
		g.Go(func() error {
			loadDemo(gctx, lis.Addr().String(), logger)
			return nil
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		logger.Info("stopping: health NOT_SERVING, letting calls finish", "timeout", cfg.ShutdownTimeout)
		srv.Health.Shutdown()
		srv.StopWatches()
		stopped := make(chan struct{})
		go func() {
			srv.GRPC.GracefulStop()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-time.After(cfg.ShutdownTimeout):
			logger.Warn("shutdown timeout: cancelling calls still running")
			srv.GRPC.Stop()
			<-stopped
		}
		// No call runs any more: end the rebuilds they left running, and
		// write the audit events still queued.
		srv.StopRebuilds()
		srv.StopAudit()
		return nil
	})
	err = g.Wait()
	logger.Info("stopped")
	return err
}
