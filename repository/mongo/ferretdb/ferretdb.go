// Package ferretdb runs FerretDB v1 (its SQLite handler) inside the
// process: a MongoDB wire-protocol stand-in on a loopback address, so that
// the tests of the MongoDB adapter talk to a real server through the real
// driver where no MongoDB can be installed. Test-only: the rapport binary
// does not link it (FerretDB v1 is no longer developed, and its SQLite
// backend does not scale: see the sqlite adapter).
package ferretdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Store is a running FerretDB.
type Store struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Config says where FerretDB keeps its data and listens.
type Config struct {
	// DataDir holds the SQLite files; created if missing.
	DataDir string
	// ListenAddr is the loopback TCP address of the MongoDB wire protocol
	// listener; "127.0.0.1:0" picks a free port.
	ListenAddr string
	// Logger receives FerretDB's own logs.
	Logger *slog.Logger
}

// Start creates the data directory and starts FerretDB. Call Close to stop it.
func Start(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("ferretdb: empty data directory")
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "127.0.0.1:0"
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("ferretdb: data directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("ferretdb: create data directory: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: cfg.ListenAddr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("ferretdb: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Store{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(runCtx) // always nil; it returns when runCtx is cancelled
	}()
	// MongoDBURI blocks until the listener is bound.
	s.uri = f.MongoDBURI()
	return s, nil
}

// URI is the MongoDB connection string of the server.
func (s *Store) URI() string { return s.uri }

// Close stops the listener, closes every connection and the SQLite files, and
// waits until that is done.
func (s *Store) Close() {
	s.once.Do(s.cancel)
	<-s.done
}
