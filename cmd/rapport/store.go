package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/ferretdbv1"
	"github.com/rapporthq/rapport/repository/mongo"
	"github.com/rapporthq/rapport/repository/sealed"
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
	// MongoDBKeyDatabase is where MongoDB keeps the wrapped data keys;
	// empty is MongoDBDatabase + "_keys".
	MongoDBKeyDatabase string
	DataDir            string
	// KEK says where the key-encryption key comes from.
	KEK kekSource
	// Plain opens the adapter without its encryption, for what needs no
	// personal data (rapport keys: API keys are hashes, not encrypted).
	Plain bool
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
		if c.Plain {
			return st, func() { _ = st.Close() }, nil
		}
		keys, err := sqlite.OpenKeyStore(ctx, c.DataDir)
		if err != nil {
			_ = st.Close()
			return nil, nil, err
		}
		sealedStore, err := sealStore(ctx, st, keys, c.KEK, c.DataDir, logger)
		if err != nil {
			_ = keys.Close()
			_ = st.Close()
			return nil, nil, err
		}
		return sealedStore, func() { _ = st.Close(); _ = keys.Close() }, nil
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
	ms := mongo.New(client.Database(c.MongoDBDatabase))
	if c.Plain {
		return ms, closeFn, nil
	}
	keyDB := c.MongoDBKeyDatabase
	if keyDB == "" {
		keyDB = c.MongoDBDatabase + "_keys"
	}
	sealedStore, err := sealStore(ctx, ms, mongo.NewKeyStore(client.Database(keyDB)), c.KEK, "", logger)
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	return sealedStore, closeFn, nil
}

// kekSource is where the key-encryption key comes from: the RAPPORT_KEK
// variable (the key itself), else a key file, else, in development mode
// on the embedded store only, a key file made in the data directory.
type kekSource struct {
	file, text  string
	development bool
}

// DevKEKFile is the development key file in the data directory.
const devKEKFile = "kek.dev"

// describe says where the key comes from, never the key.
func (k kekSource) describe() string {
	switch {
	case k.text != "":
		return "from RAPPORT_KEK"
	case k.file != "":
		return "file " + k.file
	case k.development:
		return "development key file in the data directory"
	}
	return "none"
}

// errNoKEK says what to do without a key-encryption key.
var errNoKEK = errors.New("no key-encryption key: the store encrypts personal data with a key per customer, wrapped by a key-encryption key from outside the store; " +
	"pass --kek-file FILE or set RAPPORT_KEK (make a key with `rapport kek generate`; keep it apart from the data and its backups: without it the data is lost)")

// load returns the key-encryption key; dataDir is the embedded store's
// directory ("" for MongoDB), where development mode keeps its own.
func (k kekSource) load(dataDir string, logger *slog.Logger) (*sealed.LocalKEK, error) {
	switch {
	case k.text != "":
		return sealed.ParseLocalKEK([]byte(k.text))
	case k.file != "":
		return sealed.ReadLocalKEK(k.file)
	case !k.development || dataDir == "":
		return nil, errNoKEK
	}
	path := filepath.Join(dataDir, devKEKFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		_, err = f.WriteString("# DEVELOPMENT ONLY: a key-encryption key beside the data protects nothing.\n" + sealed.NewKEKText())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("development key-encryption key: %w", err)
		}
	case !errors.Is(err, os.ErrExist):
		return nil, fmt.Errorf("development key-encryption key: %w", err)
	}
	logger.Warn("DEVELOPMENT MODE: the key-encryption key is a file in the data directory, for development only: a key beside the data protects neither the data nor its backups, and erasures do not reach backups taken with it. "+
		"In production pass one from outside the store (--kek-file, RAPPORT_KEK).", "file", path)
	return sealed.ReadLocalKEK(path)
}

// sealStore wraps an adapter in the per-customer encryption, with its key
// store and the key-encryption key; a missing or wrong key refuses to
// start.
func sealStore(ctx context.Context, adapter repository.Adapter, keys sealed.KeyStore, src kekSource, dataDir string, logger *slog.Logger) (store, error) {
	kek, err := src.load(dataDir, logger)
	if err != nil {
		return nil, err
	}
	ring, err := sealed.NewKeyring(ctx, keys, kek)
	if err != nil {
		return nil, fmt.Errorf("the key store: %w", err)
	}
	logger.Info("personal data is encrypted with a key per customer", "kek", src.describe(), "kek_id", kek.ID())
	return sealed.New(adapter, ring), nil
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
