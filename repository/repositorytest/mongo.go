package repositorytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository/mongo"
	"github.com/rapporthq/rapport/repository/mongo/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// EnvURI names the variable that points the Mongo engine at a real MongoDB
// instead of FerretDB.
const EnvURI = "RAPPORT_TEST_MONGODB_URI"

// The server of the Mongo engine: started on first use, stopped by Main.
var server struct {
	once   sync.Once
	err    error
	uri    string
	dir    string
	ferret *ferretdb.Store
	client *driver.Client
}

func startServer() error {
	server.once.Do(func() {
		server.uri = os.Getenv(EnvURI)
		if server.uri == "" {
			dir, err := os.MkdirTemp("", "rapport-ferretdb-*")
			if err != nil {
				server.err = err
				return
			}
			server.dir = dir
			var logger *slog.Logger
			if path := os.Getenv("RAPPORT_TEST_STORE_LOG"); path != "" {
				if f, err := os.Create(path); err == nil {
					logger = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelWarn}))
				}
			}
			f, err := ferretdb.Start(context.Background(), ferretdb.Config{DataDir: dir, Logger: logger})
			if err != nil {
				server.err = err
				return
			}
			server.ferret, server.uri = f, f.URI()
		}
		server.client, server.err = mongo.Connect(server.uri, "rapport-test", nil, nil)
	})
	return server.err
}

func stopFerretDB() {
	if server.client != nil {
		_ = server.client.Disconnect(context.Background())
	}
	if server.ferret != nil {
		server.ferret.Close()
	}
	if server.dir != "" {
		_ = os.RemoveAll(server.dir)
	}
}

// Embedded reports whether the Mongo engine runs on FerretDB v1 rather
// than on the MongoDB at RAPPORT_TEST_MONGODB_URI.
func Embedded() bool { return os.Getenv(EnvURI) == "" }

// MongoAddress is the host:port of the Mongo engine's server, started if
// need be.
func MongoAddress(t testing.TB) string {
	t.Helper()
	if err := startServer(); err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	u, err := url.Parse(server.uri)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// MongoURI is the connection string of the Mongo engine's server, started
// if need be: for tests that open the adapter as rapport does.
func MongoURI(t testing.TB) string {
	t.Helper()
	if err := startServer(); err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	return server.uri
}

type mongoEngine struct{}

// Mongo is the engine of the MongoDB adapter: a new database per store on
// the test server.
func Mongo() Engine { return mongoEngine{} }

func (mongoEngine) Name() string { return "mongo" }

// mongoStores remembers the database of each store the engine made.
var mongoStores sync.Map // *mongo.Store -> *driver.Database

// NewDatabase returns a new, uniquely named database on the test server,
// dropped when t ends.
func NewDatabase(t testing.TB) *driver.Database {
	t.Helper()
	if err := startServer(); err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	return newDatabase(t, server.client)
}

func newDatabase(t testing.TB, c *driver.Client) *driver.Database {
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

func (e mongoEngine) New(t testing.TB, o Options) Store {
	t.Helper()
	return e.open(t, NewDatabase(t).Name(), o)
}

func (e mongoEngine) Reopen(t testing.TB, s Store, o Options) Store {
	t.Helper()
	var opts []mongo.Option
	if Embedded() {
		// FerretDB v1's conditional updates are not atomic: the two stores
		// of this process take the same locks, as one would.
		opts = append(opts, mongo.WithLocksOf(Raw(s).(*mongo.Store)))
	}
	return e.open(t, e.db(t, s).Name(), o, opts...)
}

func (mongoEngine) open(t testing.TB, name string, o Options, opts ...mongo.Option) Store {
	c := server.client
	if o.StatementHook != nil || o.Tracer != nil {
		var monitor *event.CommandMonitor
		if o.Tracer != nil {
			monitor = mongo.TracingMonitor(o.Tracer)
		}
		if hook := o.StatementHook; hook != nil {
			traced := monitor
			monitor = &event.CommandMonitor{Started: func(ctx context.Context, e *event.CommandStartedEvent) {
				hook(ctx, e.CommandName)
				if traced != nil {
					traced.Started(ctx, e)
				}
			}}
			if traced != nil {
				monitor.Succeeded, monitor.Failed = traced.Succeeded, traced.Failed
			}
		}
		var err error
		c, err = driver.Connect(options.Client().ApplyURI(server.uri).SetMonitor(monitor))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	}
	if o.Now != nil {
		opts = append(opts, mongo.WithClock(o.Now))
	}
	if o.MaxUpdateAttempts > 0 {
		opts = append(opts, mongo.WithMaxUpdateAttempts(o.MaxUpdateAttempts))
	}
	db := c.Database(name)
	s := mongo.New(db, opts...)
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	mongoStores.Store(s, db)
	if o.Plain {
		return s
	}
	keysDB := c.Database(name + "_keys")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = keysDB.Drop(ctx)
	})
	return sealStore(t, s, mongo.NewKeyStore(keysDB), o)
}

// db returns the database behind a store the engine made.
func (mongoEngine) db(t testing.TB, s Store) *driver.Database {
	t.Helper()
	db, ok := mongoStores.Load(Raw(s))
	if !ok {
		t.Fatal("repositorytest: not a store of the Mongo engine")
	}
	return db.(*driver.Database)
}

// mongoCollections maps the contract's record names to collections.
var mongoCollections = map[string]string{"summaries": "contexts"}

// tableOf is the contract's name of the records of a collection.
func tableOf(coll string) string {
	for table, c := range mongoCollections {
		if c == coll {
			return table
		}
	}
	return coll
}

func collection(table string) string {
	if c, ok := mongoCollections[table]; ok {
		return c
	}
	return table
}

func (e mongoEngine) Rows(t testing.TB, s Store) []Row {
	t.Helper()
	ctx := t.Context()
	db := e.db(t, s)
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var out []Row
	for _, coll := range names {
		cur, err := db.Collection(coll).Find(ctx, bson.D{})
		if err != nil {
			t.Fatalf("scan %s: %v", coll, err)
		}
		for cur.Next(ctx) {
			doc := bson.Raw(bytes.Clone(cur.Current))
			r := Row{Table: tableOf(coll), Key: doc.Lookup("_id").String()}
			var walk func(v bson.RawValue)
			walk = func(v bson.RawValue) {
				switch v.Type {
				case bson.TypeString:
					r.Values = append(r.Values, v.StringValue())
				case bson.TypeSymbol:
					r.Values = append(r.Values, v.Symbol())
				case bson.TypeBinary:
					_, data := v.Binary()
					r.Values = append(r.Values, string(data))
				case bson.TypeEmbeddedDocument, bson.TypeArray:
					elems, err := bson.Raw(v.Value).Elements()
					if err != nil {
						t.Fatalf("%s %s: %v", coll, r.Key, err)
					}
					for _, el := range elems {
						r.Values = append(r.Values, el.Key())
						walk(el.Value())
					}
				}
			}
			walk(bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: doc})
			out = append(out, r)
		}
		if err := cur.Err(); err != nil {
			t.Fatalf("scan %s: %v", coll, err)
		}
		_ = cur.Close(ctx)
	}
	return out
}

func (e mongoEngine) Count(t testing.TB, s Store, table, tenant string) int {
	t.Helper()
	n, err := e.db(t, s).Collection(collection(table)).CountDocuments(t.Context(), bson.D{{Key: "tenant", Value: tenant}})
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func (e mongoEngine) ExpireAt(t testing.TB, s Store, tenant, interactionID string) (time.Time, bool) {
	t.Helper()
	raw, err := e.db(t, s).Collection("interactions").FindOne(t.Context(), bson.D{{Key: "_id", Value: tenant + "/" + interactionID}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	at, ok := raw.Lookup("expire_at").TimeOK()
	return at.UTC(), ok
}

func (e mongoEngine) CorruptSummary(t testing.TB, s Store, tenant, customerID string) {
	t.Helper()
	if _, err := e.db(t, s).Collection("contexts").UpdateOne(t.Context(), bson.D{{Key: "_id", Value: tenant + "/" + customerID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "data", Value: bson.Binary{Data: []byte("garbage")}}}}}); err != nil {
		t.Fatal(err)
	}
}

func (e mongoEngine) DropSummaries(t testing.TB, s Store) {
	t.Helper()
	if _, err := e.db(t, s).Collection("contexts").DeleteMany(t.Context(), bson.D{}); err != nil {
		t.Fatal(err)
	}
}

func (e mongoEngine) DeleteExpired(t testing.TB, s Store, before time.Time) {
	t.Helper()
	if _, err := e.db(t, s).Collection("interactions").DeleteMany(t.Context(), bson.D{{Key: "expire_at", Value: bson.D{{Key: "$lt", Value: before}}}}); err != nil {
		t.Fatal(err)
	}
}

func (e mongoEngine) SummaryPointRead(t testing.TB, s Store) func(ctx context.Context, tenant, customerID string) error {
	t.Helper()
	coll := e.db(t, s).Collection("contexts")
	return func(ctx context.Context, tenant, customerID string) error {
		_, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: tenant + "/" + customerID}}).Raw()
		return err
	}
}

func (e mongoEngine) InsertFloor(t testing.TB, s Store, n int) func(ctx context.Context) error {
	t.Helper()
	db := e.db(t, s)
	cur, err := db.Collection("interactions").Find(t.Context(), bson.D{}, options.Find().SetLimit(int64(n)))
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.M
	if err := cur.All(t.Context(), &docs); err != nil || len(docs) != n {
		t.Fatalf("repositorytest: %d documents to copy, want %d (%v)", len(docs), n, err)
	}
	floor := db.Collection("floor")
	if _, err := floor.Indexes().CreateOne(t.Context(), driver.IndexModel{
		Keys: bson.D{{Key: "tenant", Value: 1}, {Key: "customer_id", Value: 1}, {Key: "occur_time", Value: -1}, {Key: "interaction_id", Value: -1}},
	}); err != nil {
		t.Fatal(err)
	}
	copies, nonce := 0, time.Now().UnixNano()
	return func(ctx context.Context) error {
		copies++
		batch := make([]any, len(docs))
		for j, d := range docs {
			c := bson.M{}
			for k, v := range d {
				c[k] = v
			}
			c["_id"] = fmt.Sprint(d["_id"], "-", nonce, "-", copies)
			batch[j] = c
		}
		_, err := floor.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false))
		return err
	}
}

// MongoDB returns the database behind a store the Mongo engine made, for
// the MongoDB adapter's own tests.
func MongoDB(t testing.TB, s Store) *driver.Database {
	t.Helper()
	return mongoEngine{}.db(t, s)
}
