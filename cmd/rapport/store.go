package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/embedded"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.opentelemetry.io/otel/trace"
)

// storeConfig is what opening the store needs: where it is, and what to
// report about it.
type storeConfig struct {
	// MongoDBURI is the MongoDB connection string; empty runs the embedded
	// store in DataDir, listening on EmbeddedListen.
	MongoDBURI      string
	MongoDBDatabase string
	DataDir         string
	EmbeddedListen  string
	// AppName names this client to the database.
	AppName string
	// Metrics, when set, receives the connection pool's metrics and
	// rapport_store_info.
	Metrics prometheus.Registerer
	// Tracer, when set, traces every database command.
	Tracer trace.TracerProvider
}

// openStore opens the store every command works on: MongoDB at
// cfg.MongoDBURI, or the embedded store when it is empty. closeFn
// disconnects and stops it; call it once the store is no longer used.
func openStore(ctx context.Context, cfg storeConfig, logger *slog.Logger) (store *repository.Store, closeFn func(), err error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	uri := cfg.MongoDBURI
	if uri == "" {
		// FerretDB logs every connection at INFO: keep its warnings only,
		// unless debugging.
		emb, err := embedded.Start(ctx, embedded.Config{
			DataDir:    cfg.DataDir,
			ListenAddr: cfg.EmbeddedListen,
			Logger:     slog.New(atLeast(logger.Handler(), slog.LevelWarn)).With("component", "ferretdb"),
		})
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, emb.Close)
		uri = emb.URI()
		logger.Info("no MongoDB URI configured: running the embedded FerretDB (SQLite) store in-process",
			"data_dir", cfg.DataDir, "mongodb_uri", uri)
	}
	var pool *event.PoolMonitor
	if cfg.Metrics != nil {
		kind := "mongodb"
		if cfg.MongoDBURI == "" {
			kind = "embedded"
		}
		storeInfo := prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_store_info", Help: "The kind of store: embedded (FerretDB in the process) or mongodb.",
			ConstLabels: prometheus.Labels{"kind": kind},
		})
		storeInfo.Set(1)
		cfg.Metrics.MustRegister(storeInfo)
		pool = repository.NewPoolMetrics(cfg.Metrics).Monitor()
	}
	var commands *event.CommandMonitor
	if cfg.Tracer != nil {
		commands = repository.TracingMonitor(cfg.Tracer)
	}
	client, err := repository.Connect(uri, cfg.AppName, pool, commands)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	closers = append(closers, func() { disconnect(ctx, client) })
	return repository.New(client.Database(cfg.MongoDBDatabase)), closeAll, nil
}

// disconnect closes a database client, within 5 s even after ctx ended.
func disconnect(ctx context.Context, client *mongo.Client) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = client.Disconnect(dctx)
}

// atLeast is h without the records below min, unless h is enabled for
// debugging: then it passes everything h takes.
func atLeast(h slog.Handler, min slog.Level) slog.Handler {
	if h.Enabled(context.Background(), slog.LevelDebug) {
		return h
	}
	return minLevelHandler{Handler: h, min: min}
}

type minLevelHandler struct {
	slog.Handler
	min slog.Level
}

func (h minLevelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithAttrs(attrs), min: h.min}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithGroup(name), min: h.min}
}
