// Package repositorytest gives tests a real database server speaking the
// MongoDB wire protocol: the embedded FerretDB by default, or the MongoDB at
// RAPPORT_TEST_MONGODB_URI when that is set. Never a fake.
package repositorytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/embedded"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// EnvURI names the variable that points the tests at a real MongoDB.
const EnvURI = "RAPPORT_TEST_MONGODB_URI"

var (
	client *mongo.Client
	uri    string
)

// Main starts the database server for a test binary, runs its tests and stops
// the server. Call it from TestMain: os.Exit(repositorytest.Main(m)).
func Main(m *testing.M) int {
	uri = os.Getenv(EnvURI)
	if uri == "" {
		dir, err := os.MkdirTemp("", "rapport-test-*")
		if err != nil {
			fmt.Fprintln(os.Stderr, "repositorytest:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		var logger *slog.Logger
		if path := os.Getenv("RAPPORT_TEST_STORE_LOG"); path != "" {
			f, err := os.Create(path)
			if err == nil {
				defer f.Close()
				logger = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelWarn}))
			}
		}
		store, err := embedded.Start(context.Background(), embedded.Config{DataDir: dir, Logger: logger})
		if err != nil {
			fmt.Fprintln(os.Stderr, "repositorytest:", err)
			return 1
		}
		defer store.Close()
		uri = store.URI()
	}
	c, err := repository.Connect(uri, "rapport-test", nil, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "repositorytest:", err)
		return 1
	}
	client = c
	defer func() { _ = c.Disconnect(context.Background()) }()
	return m.Run()
}

// Embedded reports whether the tests run on the embedded FerretDB (v1),
// rather than on the MongoDB at RAPPORT_TEST_MONGODB_URI.
func Embedded() bool { return os.Getenv(EnvURI) == "" }

// Address is the host:port of the test database server.
func Address() string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return u.Host
}

// Database returns a new, uniquely named database, dropped when t ends.
func Database(t testing.TB) *mongo.Database {
	t.Helper()
	if client == nil {
		t.Fatal("repositorytest: call repositorytest.Main from TestMain")
	}
	return newDatabase(t, client)
}

// MonitoredStore is Store on a client of its own that reports every
// command it sends to monitor: for tests that count database round trips.
func MonitoredStore(t testing.TB, monitor *event.CommandMonitor) *repository.Store {
	t.Helper()
	if client == nil {
		t.Fatal("repositorytest: call repositorytest.Main from TestMain")
	}
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetMonitor(monitor))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	s := repository.New(newDatabase(t, c))
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	return s
}

func newDatabase(t testing.TB, c *mongo.Client) *mongo.Database {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	db := c.Database("t_" + hex.EncodeToString(b))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = db.Drop(ctx)
	})
	return db
}

// Store returns a repository on a new database, with its indexes created.
func Store(t testing.TB, opts ...repository.Option) (*repository.Store, *mongo.Database) {
	t.Helper()
	db := Database(t)
	s := repository.New(db, opts...)
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	return s, db
}
