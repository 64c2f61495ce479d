package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rapporthq/rapport/repository"
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
	// Metrics and Tracer, when set, receive the database client's metrics
	// and spans.
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
	if c.MongoDBURI == "" {
		if err := refuseFerretDBData(c.DataDir); err != nil {
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
		pool = mongo.NewPoolMetrics(c.Metrics).Monitor()
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

// refuseFerretDBData refuses a data directory written by the embedded
// FerretDB store of earlier versions: it is not read, and must not be
// mistaken for an empty store.
func refuseFerretDBData(dir string) error {
	found, err := ferretDBData(dir)
	if err != nil || !found {
		return err
	}
	return fmt.Errorf("the data directory %s holds data of the embedded FerretDB store of an earlier Rapport, which this version no longer runs: "+
		"carry it over to the SQLite store with `rapport migrate --data-dir %s` (it reads the old files without changing them), then start again", dir, dir)
}

// ferretDBData reports whether dir holds FerretDB v1 SQLite files: a
// <database>.sqlite file with FerretDB's metadata table.
func ferretDBData(dir string) (bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil {
		return false, err
	}
	for _, f := range files {
		db, err := sql.Open("sqlite", "file:"+f+"?mode=ro")
		if err != nil {
			return false, err
		}
		var n int
		err = db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '_ferretdb_database_metadata'").Scan(&n)
		_ = db.Close()
		if err == nil && n > 0 {
			return true, nil
		}
	}
	return false, nil
}
