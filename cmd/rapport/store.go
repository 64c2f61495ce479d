package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/ferretdbv1"
	"github.com/rapporthq/rapport/repository/mongo"
	"github.com/rapporthq/rapport/repository/sqlite"
	"github.com/rapporthq/rapport/service"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel/trace"
)

// store is what the commands need of a repository adapter.
type store interface {
	service.Store
	service.ChangeStore
	// Key management (rapport keys).
	CreateAPIKey(ctx context.Context, k repository.APIKey) error
	ListAPIKeys(ctx context.Context, tenant string) ([]repository.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string, at time.Time) (*repository.APIKey, error)
	Close() error
}

// storeConfig says which store to open: MongoDB when MongoDBURI is set,
// else the embedded SQLite store in DataDir.
type storeConfig struct {
	MongoDBURI      string
	MongoDBDatabase string
	DataDir         string
	// Synchronous is the embedded store's durability: FULL or NORMAL.
	Synchronous sqlite.Synchronous
	// AppName names the client to MongoDB.
	AppName string
	// Metrics and Tracer, when set, receive rapport_store_info, the
	// database client's metrics and spans.
	Metrics prometheus.Registerer
	Tracer  trace.TracerProvider
}

// kind is the store's kind as the rapport_store_info metric and the log
// say it: "sqlite" or "mongodb".
func (c storeConfig) kind() string {
	if c.MongoDBURI != "" {
		return "mongodb"
	}
	return "sqlite"
}

// openStore opens the configured store, ready for use (the embedded store's
// schema migrated; MongoDB connected, its indexes created on the first
// health check). closeStore releases it.
func openStore(ctx context.Context, c storeConfig, logger *slog.Logger) (s store, closeStore func(), err error) {
	if c.Metrics != nil {
		info := prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_store_info", Help: "The kind of store: sqlite (embedded, in the process) or mongodb.",
			ConstLabels: prometheus.Labels{"kind": c.kind()},
		})
		info.Set(1)
		c.Metrics.MustRegister(info)
	}
	if c.MongoDBURI == "" {
		if err := checkFerretDBData(ctx, c.DataDir, logger); err != nil {
			return nil, nil, err
		}
		opts := []sqlite.Option{sqlite.WithSynchronous(c.Synchronous)}
		if c.Tracer != nil {
			opts = append(opts, sqlite.WithTracer(c.Tracer))
		}
		st, err := sqlite.Open(ctx, c.DataDir, opts...)
		if err != nil {
			return nil, nil, err
		}
		if c.Metrics != nil {
			st.RegisterMetrics(c.Metrics)
		}
		logger.Info("no MongoDB URI configured: using the embedded SQLite store", "file", st.Path(), "synchronous", c.Synchronous)
		return st, func() { _ = st.Close() }, nil
	}
	var pool *event.PoolMonitor
	if c.Metrics != nil {
		pool = mongo.NewPoolMetrics(c.Metrics, mongo.MaxPoolSize(c.MongoDBURI)).Monitor()
	}
	var commands *event.CommandMonitor
	if c.Tracer != nil {
		commands = mongo.TracingMonitor(c.Tracer)
	}
	client, err := mongo.Connect(c.MongoDBURI, c.AppName, pool, commands)
	if err != nil {
		return nil, nil, err
	}
	closeFn := func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = client.Disconnect(dctx)
	}
	return mongo.New(client.Database(c.MongoDBDatabase)), closeFn, nil
}

// checkFerretDBData looks for the data of the embedded FerretDB store of
// earlier versions in dir. Such data is not read by this version, and must
// not be mistaken for an empty store: unless `rapport migrate` carried it
// into the SQLite store already, starting is refused with what to do.
func checkFerretDBData(ctx context.Context, dir string, logger *slog.Logger) error {
	found, err := ferretdbv1.Detect(dir)
	if err != nil || !found {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err == nil {
		st, err := sqlite.Open(ctx, dir)
		if err != nil {
			return err
		}
		done, err := st.Meta(ctx, migratedKey)
		_ = st.Close()
		if err != nil {
			return err
		}
		if done != "" {
			logger.Info("the data directory still holds the files of the FerretDB store that rapport migrate carried over; remove them when you no longer need them",
				"data_dir", dir, "migration", done)
			return nil
		}
	}
	return fmt.Errorf("the data directory %s holds data of the embedded FerretDB store of an earlier Rapport, which this version no longer runs: "+
		"stop every rapport that uses it and run `rapport migrate --data-dir %s` (it reads the old files without changing them and writes the new store beside them), then start again", dir, dir)
}
