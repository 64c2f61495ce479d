// Package embedded runs FerretDB (SQLite handler) inside the process, so that
// Rapport works with no MongoDB to install. It speaks the MongoDB wire protocol
// on a loopback address, and the rest of the service talks to it through the
// same driver and code path as to a real MongoDB.
package embedded

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

// Store is a running embedded FerretDB.
type Store struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Config says where the embedded store keeps its data and listens.
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
		return nil, errors.New("embedded store: empty data directory")
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "127.0.0.1:0"
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded store: data directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded store: create data directory: %w", err)
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
		return nil, fmt.Errorf("embedded store: %w", err)
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

// URI is the MongoDB connection string of the embedded store.
func (s *Store) URI() string { return s.uri }

// Close stops the listener, closes every connection and the SQLite files, and
// waits until that is done.
func (s *Store) Close() {
	s.once.Do(s.cancel)
	<-s.done
}
