package ferretdbv1_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/rapporthq/rapport/repository/ferretdbv1"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// childEnv names the data directory of a FerretDB that the test binary runs
// as a child process (see TestMain), so that it can be killed mid-flight.
const childEnv = "FERRETDBV1_TEST_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(child(dir))
	}
	os.Exit(m.Run())
}

// child runs FerretDB on dir, writes its URI to dir+".uri" and serves until
// its standard input closes or it is killed; it never closes FerretDB.
func child(dir string) int {
	uri, _, err := runFerretDB(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.WriteFile(dir+".uri", []byte(uri), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

var newMu sync.Mutex

// runFerretDB starts FerretDB v1 on dir as repository/embedded.Start does,
// returning its URI and a channel closed once it has stopped after ctx ends.
func runFerretDB(ctx context.Context, dir string) (string, <-chan struct{}, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	newMu.Lock() // ferretdb.New sets a global
	defer newMu.Unlock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return "", nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	return f.MongoDBURI(), done, nil
}

// startFerretDB runs FerretDB in this process; stop closes it as Rapport did.
func startFerretDB(t *testing.T, dir string) (c *mongo.Client, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	uri, done, err := runFerretDB(ctx, dir)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	c = connect(t, uri)
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = c.Disconnect(context.Background())
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return c, stop
}

// startChild runs FerretDB in a child process; kill kills it with SIGKILL.
func startChild(t *testing.T, dir string) (c *mongo.Client, kill func()) {
	t.Helper()
	if err := os.Remove(dir + ".uri"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var killed bool
	kill = func() {
		if killed {
			return
		}
		killed = true
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = stdin.Close()
	}
	t.Cleanup(kill)
	var uri []byte
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if uri, err = os.ReadFile(dir + ".uri"); err == nil && len(uri) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child FerretDB did not start: %v", err)
		}
	}
	return connect(t, string(uri)), kill
}

func connect(t *testing.T, uri string) *mongo.Client {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c
}

func insert(t *testing.T, coll *mongo.Collection, docs ...any) {
	t.Helper()
	for len(docs) > 0 {
		n := min(len(docs), 500)
		if _, err := coll.InsertMany(t.Context(), docs[:n]); err != nil {
			t.Fatalf("insert into %s: %v", coll.Name(), err)
		}
		docs = docs[n:]
	}
}

// oid is a fixed ObjectID, so that failures read the same run to run.
func oid(i byte) bson.ObjectID {
	return bson.ObjectID{0x65, 0xa1, 0, 0, 0, 0, 0, 0, 0, 0, 0, i}
}

// allTypes is a document with every BSON type FerretDB v1 stores, at their
// edges, with keys out of alphabetical order.
func allTypes(id any) bson.D {
	return bson.D{
		{Key: "_id", Value: id},
		{Key: "string", Value: "héllo, 世界 🌍"},
		{Key: "emptyString", Value: ""},
		{Key: "invalidUTF8", Value: "a\xffb"}, // FerretDB stores U+FFFD
		{Key: "escapes", Value: "quote\" backslash\\ nul\x00 newline\n tab\t <>& \u2028 \u007f \\u0041"},
		{Key: "int32", Value: int32(-5)},
		{Key: "int32min", Value: int32(math.MinInt32)},
		{Key: "int32max", Value: int32(math.MaxInt32)},
		{Key: "int64", Value: int64(1 << 40)},
		{Key: "int64small", Value: int64(1)},
		{Key: "int64min", Value: int64(math.MinInt64)},
		{Key: "int64max", Value: int64(math.MaxInt64)},
		{Key: "double", Value: 1.5},
		{Key: "doubleWhole", Value: 1.0},
		{Key: "doubleTenth", Value: 0.1},
		{Key: "doubleTiny", Value: 5e-324},
		{Key: "doubleHuge", Value: math.MaxFloat64},
		{Key: "doubleBig", Value: 1e21},
		{Key: "doubleSmall", Value: -1e-7},
		{Key: "doubleNegZero", Value: math.Copysign(0, -1)}, // FerretDB stores 0
		{Key: "true", Value: true},
		{Key: "false", Value: false},
		{Key: "null", Value: nil},
		{Key: "date", Value: bson.DateTime(1700000000123)},
		{Key: "dateYear1", Value: bson.DateTime(-62135596800000)},
		{Key: "dateMin", Value: bson.DateTime(math.MinInt64)},
		{Key: "dateMax", Value: bson.DateTime(math.MaxInt64)},
		{Key: "binary", Value: bson.Binary{Subtype: 0x00, Data: []byte{0, 1, 2, 0xff}}},
		{Key: "binaryEmpty", Value: bson.Binary{Subtype: 0x00, Data: []byte{}}},
		{Key: "binaryFunction", Value: bson.Binary{Subtype: 0x01, Data: []byte("f")}},
		{Key: "binaryOld", Value: bson.Binary{Subtype: 0x02, Data: []byte{9, 9}}},
		{Key: "uuidOld", Value: bson.Binary{Subtype: 0x03, Data: bytes.Repeat([]byte{3}, 16)}},
		{Key: "uuid", Value: bson.Binary{Subtype: 0x04, Data: bytes.Repeat([]byte{4}, 16)}},
		{Key: "md5", Value: bson.Binary{Subtype: 0x05, Data: bytes.Repeat([]byte{5}, 16)}},
		{Key: "encrypted", Value: bson.Binary{Subtype: 0x06, Data: []byte{6}}},
		{Key: "column", Value: bson.Binary{Subtype: 0x07, Data: []byte{7}}},
		{Key: "sensitive", Value: bson.Binary{Subtype: 0x08, Data: []byte{8}}},
		{Key: "user", Value: bson.Binary{Subtype: 0x80, Data: []byte{0x80}}},
		{Key: "userMax", Value: bson.Binary{Subtype: 0xff, Data: []byte{0xff}}},
		{Key: "objectId", Value: oid(0xee)},
		{Key: "timestamp", Value: bson.Timestamp{T: 1700000000, I: 7}},
		{Key: "timestampMax", Value: bson.Timestamp{T: math.MaxUint32, I: math.MaxUint32}},
		{Key: "timestampZero", Value: bson.Timestamp{}},
		{Key: "regex", Value: bson.Regex{Pattern: `^a.*\d+/é"$`, Options: "imsx"}},
		{Key: "regexNoOptions", Value: bson.Regex{Pattern: "x"}},
		{Key: "document", Value: bson.D{
			{Key: "z", Value: int32(1)},
			{Key: "a", Value: bson.D{{Key: "deep", Value: bson.D{{Key: "deeper", Value: "x"}, {Key: "n", Value: nil}}}}},
			{Key: "m", Value: bson.A{}},
			{Key: `quo"te\`, Value: "nested keys may hold anything but dots and $"},
		}},
		{Key: "emptyDocument", Value: bson.D{}},
		{Key: "array", Value: bson.A{
			int32(1), int64(2), 3.5, "four", nil, true, bson.DateTime(5), bson.Binary{Data: []byte{6}},
			oid(7), bson.Timestamp{T: 8}, bson.Regex{Pattern: "9", Options: "i"}, bson.D{{Key: "ten", Value: int32(10)}},
		}},
		{Key: "emptyArray", Value: bson.A{}},
		{Key: "arrayOfDocuments", Value: bson.A{bson.D{{Key: "b", Value: int32(1)}, {Key: "a", Value: int32(2)}}, bson.D{}}},
		{Key: "ключ", Value: "unicode key"},
		{Key: "🔑", Value: int32(1)},
		{Key: "key with spaces", Value: int32(1)},
		{Key: "", Value: "empty key"},
	}
}

// populate writes the fixture into the FerretDB behind c: several databases
// and collections, every type, many and large documents, updates and
// deletes, awkward collection names, capped and empty collections.
func populate(t *testing.T, c *mongo.Client) {
	t.Helper()
	ctx := t.Context()
	alpha := c.Database("alpha")

	// Every type, under _id values of several types; _id not first in one.
	insert(t, alpha.Collection("Coll.One"),
		allTypes(oid(1)), allTypes("string id"), allTypes(int32(3)), allTypes(int64(4)), allTypes(5.5),
		allTypes(bson.D{{Key: "b", Value: int32(1)}, {Key: "a", Value: "x"}}),
		allTypes(bson.Binary{Subtype: 4, Data: bytes.Repeat([]byte{1}, 16)}),
		allTypes(bson.DateTime(6)), allTypes(true),
		bson.D{{Key: "x", Value: int32(1)}, {Key: "y", Value: "id comes last"}, {Key: "_id", Value: "last"}},
	)

	// Many documents, then updates (in place and growing) and deletes.
	many := alpha.Collection("many")
	docs := make([]any, 3000)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: int32(i)}, {Key: "n", Value: int64(i) * 1_000_003}, {Key: "s", Value: strings.Repeat("x", i%97)}}
	}
	insert(t, many, docs...)
	if _, err := many.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$mod", Value: bson.A{7, 0}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "updated", Value: true}, {Key: "list", Value: bson.A{"a", int32(1)}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := many.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$mod", Value: bson.A{11, 0}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := many.ReplaceOne(ctx, bson.D{{Key: "_id", Value: int32(1)}}, bson.D{{Key: "replaced", Value: "yes"}, {Key: "_id", Value: int32(1)}}); err != nil {
		t.Fatal(err)
	}

	// Large documents: near 9 MiB, many fields, a long array.
	wide := make(bson.D, 0, 5001)
	wide = append(wide, bson.E{Key: "_id", Value: "wide"})
	for i := range 5000 {
		wide = append(wide, bson.E{Key: fmt.Sprintf("f%05d", 4999-i), Value: int32(i)})
	}
	long := make(bson.A, 20000)
	for i := range long {
		long[i] = float64(i) / 3
	}
	insert(t, alpha.Collection("large"),
		bson.D{{Key: "_id", Value: "big"}, {Key: "text", Value: strings.Repeat("Rapport ✓ ", 500_000)},
			{Key: "blob", Value: bson.Binary{Data: bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 0xff}, 300_000)}}},
		wide,
		bson.D{{Key: "_id", Value: "long"}, {Key: "a", Value: long}},
	)

	// Collection names that FerretDB maps to tables in awkward ways.
	for _, name := range []string{"ключ", `back\slash`, "tab\there", "zero\u200bwidth", "Dup", "dup", "sqlite_master", "system.views2", "x'y z"} {
		insert(t, alpha.Collection(name), bson.D{{Key: "_id", Value: name}, {Key: "v", Value: int32(len(name))}})
	}

	beta := c.Database("beta_2")
	insert(t, beta.Collection("c"), allTypes(oid(2)))
	if err := beta.CreateCollection(ctx, "capped", options.CreateCollection().SetCapped(true).SetSizeInBytes(1<<20)); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		insert(t, beta.Collection("capped"), bson.D{{Key: "_id", Value: int32(i)}, {Key: "at", Value: bson.DateTime(i)}})
	}
	if err := beta.CreateCollection(ctx, "empty"); err != nil {
		t.Fatal(err)
	}
	if _, err := beta.Collection("empty").Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "a", Value: 1}}}); err != nil {
		t.Fatal(err)
	}

	// A database with nothing left in it.
	gone := c.Database("Gamma-3")
	insert(t, gone.Collection("dropped"), bson.D{{Key: "_id", Value: 1}})
	if err := gone.Collection("dropped").Drop(ctx); err != nil {
		t.Fatal(err)
	}
}

// store is what a find returned for every collection, by database.
type store map[string]map[string][]bson.Raw

// dump reads everything through the driver: what a find with no filter and
// no sort returned.
func dump(t *testing.T, c *mongo.Client) store {
	t.Helper()
	ctx := t.Context()
	dbs, err := c.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	s := store{}
	for _, db := range dbs {
		names, err := c.Database(db).ListCollectionNames(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		s[db] = map[string][]bson.Raw{}
		for _, name := range names {
			cur, err := c.Database(db).Collection(name).Find(ctx, bson.D{})
			if err != nil {
				t.Fatal(err)
			}
			docs := []bson.Raw{}
			for cur.Next(ctx) {
				docs = append(docs, slices.Clone(cur.Current))
			}
			if err := cur.Err(); err != nil {
				t.Fatalf("%s.%s: %v", db, name, err)
			}
			s[db][name] = docs
		}
	}
	return s
}

// read reads everything through the package.
func read(t *testing.T, dir string) store {
	t.Helper()
	ctx := t.Context()
	d, err := ferretdbv1.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := store{}
	for _, db := range d.Databases() {
		names, err := d.Collections(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		s[db] = map[string][]bson.Raw{}
		for _, name := range names {
			docs := []bson.Raw{}
			err := d.Each(ctx, db, name, func(doc bson.Raw) error {
				docs = append(docs, doc)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			n, err := d.Count(ctx, db, name)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(docs)) {
				t.Errorf("%s.%s: Count %d, Each %d", db, name, n, len(docs))
			}
			s[db][name] = docs
		}
	}
	return s
}

// same fails t unless got holds exactly want's databases, collections and
// documents, in order and byte for byte.
func same(t *testing.T, got, want store) {
	t.Helper()
	if g, w := keys(got), keys(want); !slices.Equal(g, w) {
		t.Fatalf("databases: got %q, want %q", g, w)
	}
	for db := range want {
		if g, w := keys(got[db]), keys(want[db]); !slices.Equal(g, w) {
			t.Fatalf("%s: collections: got %q, want %q", db, g, w)
		}
		for name, w := range want[db] {
			g := got[db][name]
			if len(g) != len(w) {
				t.Errorf("%s.%s: %d documents, want %d", db, name, len(g), len(w))
				continue
			}
			for i := range w {
				if !bytes.Equal(g[i], w[i]) {
					t.Errorf("%s.%s: document %d:\ngot  %.2000s\nwant %.2000s", db, name, i, g[i], w[i])
				}
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// snapshot describes every file in dir: name, size, mode, modification
// time and content hash.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	s := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		var sum [32]byte
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum = sha256.Sum256(b)
		}
		s[path] = fmt.Sprintf("size %d mode %v mtime %v sha256 %x", fi.Size(), fi.Mode(), fi.ModTime().UnixNano(), sum)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func unchanged(t *testing.T, before, after map[string]string) {
	t.Helper()
	for _, name := range keys(after) {
		if b, ok := before[name]; !ok {
			t.Errorf("new file %s", name)
		} else if b != after[name] {
			t.Errorf("%s changed: %s -> %s", name, b, after[name])
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			t.Errorf("%s removed", name)
		}
	}
}

func TestRoundTripAfterCleanStop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, stop := startFerretDB(t, dir)
	populate(t, c)
	want := dump(t, c)
	stop()

	if _, err := os.Stat(filepath.Join(dir, "alpha.sqlite-wal")); err == nil {
		t.Log("FerretDB left alpha.sqlite-wal after a clean stop")
	}
	if got := want["alpha"]["many"]; len(got) != 3000-273 {
		t.Fatalf("fixture: %d documents in alpha.many", len(got))
	}
	if _, ok := want["Gamma-3"]; !ok {
		t.Fatal("fixture: FerretDB lists no Gamma-3 database")
	}

	before := snapshot(t, dir)
	if ok, err := ferretdbv1.Detect(dir); !ok || err != nil {
		t.Fatalf("Detect: %v, %v", ok, err)
	}
	same(t, read(t, dir), want)
	unchanged(t, before, snapshot(t, dir))
}

func TestEachStopsAndIsCancelled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, stop := startFerretDB(t, dir)
	docs := make([]any, 10)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: int32(i)}}
	}
	insert(t, c.Database("db").Collection("c"), docs...)
	stop()

	d, err := ferretdbv1.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("stop")
	var n int
	err = d.Each(t.Context(), "db", "c", func(bson.Raw) error {
		if n++; n == 3 {
			return errStop
		}
		return nil
	})
	if err != errStop || n != 3 {
		t.Fatalf("Each returned %v after %d documents, want errStop after 3", err, n)
	}

	ctx, cancel := context.WithCancel(t.Context())
	n = 0
	err = d.Each(ctx, "db", "c", func(bson.Raw) error {
		if n++; n == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 2 {
		t.Fatalf("Each returned %v after %d documents, want context.Canceled after 2", err, n)
	}

	for _, tc := range []struct{ db, coll string }{{"db", "nope"}, {"nope", "c"}, {"../db", "c"}} {
		err := d.Each(t.Context(), tc.db, tc.coll, func(bson.Raw) error { return nil })
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Each(%q, %q): %v, want fs.ErrNotExist", tc.db, tc.coll, err)
		}
	}
	if _, err := d.Collections(t.Context(), "nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Collections(nope): %v, want fs.ErrNotExist", err)
	}
}

// TestTopLevelKeysFerretDBCannotRead: FerretDB wrote top-level keys into the
// JSON unescaped, so a key with a backslash that makes a JSON escape, or a
// control character, made it fail to read the collection back (one with
// another backslash it refused to store); the documents are still read here.
func TestTopLevelKeysFerretDBCannotRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, stop := startFerretDB(t, dir)
	docs := []bson.D{
		{{Key: "_id", Value: "backslash"}, {Key: `a\nb`, Value: int32(1)}, {Key: `\u0041`, Value: "x"}, {Key: `x\\y`, Value: "y"},
			{Key: `q\"uote`, Value: "z"}, {Key: `sl\/ash`, Value: nil}},
		{{Key: "_id", Value: "newline"}, {Key: "a\nb", Value: int32(2)}, {Key: "tab\t", Value: bson.D{{Key: `in\side`, Value: true}}}},
		{{Key: "_id", Value: "plain"}, {Key: "ok", Value: int32(3)}},
	}
	coll := c.Database("db").Collection("keys")
	for _, doc := range docs {
		insert(t, coll, doc)
	}
	if cur, err := coll.Find(t.Context(), bson.D{}); err == nil {
		for cur.Next(t.Context()) {
		}
		if cur.Err() == nil {
			t.Log("FerretDB read these keys back: its bug is fixed")
		}
	}
	stop()

	got := read(t, dir)["db"]["keys"]
	if len(got) != len(docs) {
		t.Fatalf("%d documents, want %d", len(got), len(docs))
	}
	for i, doc := range docs {
		if want := marshal(t, doc); !bytes.Equal(got[i], want) {
			t.Errorf("document %d:\ngot  %s\nwant %s", i, got[i], bson.Raw(want))
		}
	}
}

// TestFerretDBRefuses checks the limits the package comment states: what
// FerretDB v1 would not store, and so what no data directory holds.
func TestFerretDBRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, stop := startFerretDB(t, dir)
	coll := c.Database("db").Collection("refused")
	insert(t, coll, bson.D{{Key: "_id", Value: "kept"}})
	for name, v := range map[string]any{
		"NaN":          math.NaN(),
		"Inf":          math.Inf(-1),
		"decimal128":   bson.NewDecimal128(1, 2),
		"minKey":       bson.MinKey{},
		"maxKey":       bson.MaxKey{},
		"undefined":    bson.Undefined{},
		"JavaScript":   bson.JavaScript("x"),
		"scope":        bson.CodeWithScope{Code: "x", Scope: bson.D{}},
		"symbol":       bson.Symbol("x"),
		"DBPointer":    bson.DBPointer{DB: "x", Pointer: oid(1)},
		"nested array": bson.A{bson.A{1}},
		"dotted key":   bson.D{{Key: "a.b", Value: 1}},
		"dollar key":   bson.D{{Key: "$a", Value: 1}},
	} {
		if _, err := coll.InsertOne(t.Context(), bson.D{{Key: "_id", Value: name}, {Key: "v", Value: v}}); err == nil {
			t.Errorf("FerretDB stored %s", name)
		}
	}
	if _, err := coll.InsertOne(t.Context(), bson.D{{Key: "_id", Value: "top dotted"}, {Key: "a.b", Value: 1}}); err == nil {
		t.Error("FerretDB stored a dotted top-level key")
	}
	stop()
	if got := read(t, dir)["db"]["refused"]; len(got) != 1 {
		t.Errorf("%d documents, want the 1 kept", len(got))
	}
}

// TestLiveThenKilled reads a directory while a FerretDB in another process
// has it open, then after that process was killed with the last writes in
// its write-ahead log, and last with the log's -shm file gone.
func TestLiveThenKilled(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	c, kill := startChild(t, dir)
	populate(t, c)
	want := dump(t, c)

	before := snapshot(t, dir)
	for _, f := range []string{"alpha.sqlite-wal", "alpha.sqlite-shm"} {
		if _, ok := before[filepath.Join(dir, f)]; !ok {
			t.Fatalf("no %s while FerretDB runs", f)
		}
	}
	same(t, read(t, dir), want)
	unchanged(t, before, snapshot(t, dir))

	// What is written meanwhile is seen on the next read.
	insert(t, c.Database("alpha").Collection("Coll.One"), allTypes("while running"))
	insert(t, c.Database("delta").Collection("new"), allTypes(oid(9)))
	want = dump(t, c)
	same(t, read(t, dir), want)

	kill()
	wal, err := os.Stat(filepath.Join(dir, "delta.sqlite-wal"))
	if err != nil || wal.Size() == 0 {
		t.Fatalf("no write-ahead log left by the killed FerretDB: %v", err)
	}
	before = snapshot(t, dir)
	same(t, read(t, dir), want)
	unchanged(t, before, snapshot(t, dir))

	// Without its -shm file the log cannot be read without writing one.
	if err := os.Remove(filepath.Join(dir, "delta.sqlite-shm")); err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, dir)
	for name, f := range map[string]func() error{
		"Detect": func() error { _, err := ferretdbv1.Detect(dir); return err },
		"Open":   func() error { _, err := ferretdbv1.Open(dir); return err },
	} {
		if err := f(); err == nil || !strings.Contains(err.Error(), "no -shm file") {
			t.Errorf("%s: %v, want the error for a WAL without -shm", name, err)
		}
	}
	unchanged(t, before, snapshot(t, dir))

	// FerretDB itself recovers the log, and closing it checkpoints it; the
	// directory then reads as before.
	c2, stop := startFerretDB(t, dir)
	same(t, dump(t, c2), want)
	stop()
	same(t, read(t, dir), want)

	// A FerretDB that has just opened the files has empty -wal files.
	c3, kill3 := startChild(t, dir)
	if wal, err := os.Stat(filepath.Join(dir, "alpha.sqlite-wal")); err != nil || wal.Size() != 0 {
		t.Logf("alpha.sqlite-wal of a FerretDB just started: %v, %v", wal, err)
	}
	before = snapshot(t, dir)
	same(t, read(t, dir), want)
	unchanged(t, before, snapshot(t, dir))
	insert(t, c3.Database("alpha").Collection("many"), bson.D{{Key: "_id", Value: "after restart"}})
	want = dump(t, c3)
	same(t, read(t, dir), want)
	kill3()
}

func TestDetect(t *testing.T) {
	t.Parallel()
	ferret := t.TempDir()
	c, stop := startFerretDB(t, ferret)
	insert(t, c.Database("db").Collection("c"), bson.D{{Key: "_id", Value: 1}})
	stop()

	other := t.TempDir()
	makeSQLite(t, filepath.Join(other, "other.sqlite"))
	if err := os.WriteFile(filepath.Join(other, "zero.sqlite"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(other, "dir.sqlite"), 0o700); err != nil {
		t.Fatal(err)
	}
	makeSQLite(t, filepath.Join(ferret, "other.sqlite")) // beside FerretDB's

	garbage := t.TempDir()
	if err := os.WriteFile(filepath.Join(garbage, "bad.sqlite"), bytes.Repeat([]byte("not SQLite "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, dir string
		want      bool
		err       string
	}{
		{"FerretDB", ferret, true, ""},
		{"empty", t.TempDir(), false, ""},
		{"missing", filepath.Join(t.TempDir(), "missing"), false, ""},
		{"other SQLite and files", other, false, ""},
		{"not SQLite", garbage, false, "not a database"},
		{"a file", file, false, "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before map[string]string
			if _, err := os.Stat(tc.dir); err == nil {
				before = snapshot(t, tc.dir)
			}
			ok, err := ferretdbv1.Detect(tc.dir)
			if ok != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Detect: %v, %v; want %v and an error with %q", ok, err, tc.want, tc.err)
			}
			d, err := ferretdbv1.Open(tc.dir)
			switch {
			case tc.want && err != nil:
				t.Errorf("Open: %v", err)
			case tc.want && !slices.Equal(d.Databases(), []string{"db"}):
				t.Errorf("Databases: %q", d.Databases())
			case !tc.want && err == nil:
				t.Error("Open: no error")
			case !tc.want && tc.err == "" && tc.name != "missing" && !errors.Is(err, ferretdbv1.ErrNotFerretDB):
				t.Errorf("Open: %v, want ErrNotFerretDB", err)
			case tc.name == "missing" && !errors.Is(err, fs.ErrNotExist):
				t.Errorf("Open: %v, want fs.ErrNotExist", err)
			}
			if before != nil {
				unchanged(t, before, snapshot(t, tc.dir))
			} else if _, err := os.Stat(tc.dir); err == nil {
				t.Error("the missing directory was created")
			}
		})
	}
}

// makeSQLite writes a SQLite database that is not FerretDB's, in WAL mode
// like FerretDB's, and closes it.
func makeSQLite(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(wal)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"CREATE TABLE t (x TEXT)", "INSERT INTO t VALUES ('x')"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}
