package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/repository/sqlite"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestEncryptAStoreWrittenInClear writes a customer, an identity, an issue
// with a fact, an interaction and a summary into an embedded store in
// clear (as a store of before encryption, or one migrated from FerretDB,
// holds them), runs rapport encrypt, and reads every byte of the data
// directory: none of the values is left in clear; the encrypted store
// finds the customer by identity and reads every value back. A second run
// resumes after the last customer and changes nothing.
func TestEncryptAStoreWrittenInClear(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	raw, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.CreateCustomer(ctx, "acme", repository.CreateRequest{CustomerID: "ada", Customer: &rapportv1.Customer{
		DisplayName: "Plainada Lovelace", Identities: []*rapportv1.Identity{{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: "plainada@example.org"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.CreateIssue(ctx, "acme", repository.CreateIssueRequest{CustomerID: "ada", IssueID: "refund", Issue: &rapportv1.Issue{
		Title: "plaintitle refund", Facts: []*rapportv1.Fact{{Key: "order_number", Value: "PLAINORDER9"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.RecordInteractions(ctx, "acme", []repository.NewInteraction{{CustomerID: "ada", InteractionID: "i1", Interaction: &rapportv1.Interaction{
		Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: timestamppb.Now(), Text: "plaintext charged twice", Summary: "plainsummary"}}}); err != nil {
		t.Fatal(err)
	}
	profile, _ := proto.Marshal(&rapportv1.Customer{DisplayName: "Plainada Lovelace"})
	if _, err := raw.UpdateSummary(ctx, "acme", "ada", func(s *repository.Summary) error { s.Customer = profile; return nil }); err != nil {
		t.Fatal(err)
	}
	_ = raw.Close()
	needles := []string{"Plainada", "plainada@example.org", "plaintitle", "PLAINORDER9", "plaintext charged", "plainsummary"}
	if len(filesHolding(t, dir, needles)) == 0 {
		t.Fatal("the values are not in the files before: the scan finds nothing")
	}

	kek := kekSource{text: testKEK}
	var out bytes.Buffer
	if err := encryptStore(ctx, storeConfig{DataDir: dir, Synchronous: sqlite.SynchronousFull, KEK: kek}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "done: 1 customers encrypted") {
		t.Errorf("output: %q", out.String())
	}
	if hits := filesHolding(t, dir, needles); len(hits) > 0 {
		t.Errorf("in clear after rapport encrypt: %v", hits)
	}
	out.Reset()
	if err := encryptStore(ctx, storeConfig{DataDir: dir, Synchronous: sqlite.SynchronousFull, KEK: kek}, &out); err != nil || !strings.Contains(out.String(), "resuming after acme/ada") || !strings.Contains(out.String(), "done: 0 customers") {
		t.Errorf("a second run: %q, %v", out.String(), err)
	}

	st, closeStore, err := openStore(ctx, storeConfig{DataDir: dir, Synchronous: sqlite.SynchronousFull, KEK: kek}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	c, id, err := st.LookupIdentity(ctx, "acme", rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "plainada@example.org")
	if err != nil || c.GetDisplayName() != "Plainada Lovelace" || id.GetValue() != "plainada@example.org" {
		t.Fatalf("lookup after encryption: %v %v %v", c, id, err)
	}
	is, err := st.GetIssue(ctx, "acme", "ada", "refund")
	if err != nil || is.GetTitle() != "plaintitle refund" || is.GetFacts()[0].GetValue() != "PLAINORDER9" {
		t.Errorf("issue after encryption: %v, %v", is, err)
	}
	in, err := st.GetInteraction(ctx, "acme", "ada", "i1")
	if err != nil || in.GetText() != "plaintext charged twice" || in.GetSummary() != "plainsummary" {
		t.Errorf("interaction after encryption: %v, %v", in, err)
	}
	sum, err := st.GetSummary(ctx, "acme", "ada")
	if err != nil || !bytes.Equal(sum.Customer, profile) {
		t.Errorf("summary after encryption: %v, %v", sum, err)
	}
}

// filesHolding returns which needles each file under dir holds in clear.
func filesHolding(t *testing.T, dir string, needles []string) []string {
	t.Helper()
	var hits []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				hits = append(hits, e.Name()+": "+n)
			}
		}
	}
	return hits
}

// TestServeRefusesAStoreWithoutItsKEK: outside development mode a store
// opened without a key-encryption key, or with another one than its keys
// were wrapped with, refuses to start with an error that says so; in
// development mode one is made in the data directory (mode 0600) and used
// again at the next start.
func TestServeRefusesAStoreWithoutItsKEK(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	open := func(k kekSource) error {
		_, closeStore, err := openStore(ctx, storeConfig{DataDir: dir, Synchronous: sqlite.SynchronousFull, KEK: k}, logger)
		if err == nil {
			closeStore()
		}
		return err
	}
	if err := open(kekSource{}); err == nil || !strings.Contains(err.Error(), "no key-encryption key") || !strings.Contains(err.Error(), "--kek-file") {
		t.Errorf("no KEK: %v", err)
	}
	if err := open(kekSource{text: testKEK}); err != nil {
		t.Fatal(err)
	}
	if err := open(kekSource{text: "7Hq2Lw9Zx4Cv6Bn1Mm3Kk5Jj8Gg0Ff2Dd4Ss6Aa8Qq0="}); err == nil || !strings.Contains(err.Error(), "does not open this store's keys") {
		t.Errorf("a wrong KEK: %v", err)
	}
	if err := open(kekSource{development: true}); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("development mode on a store with a KEK of its own: %v", err)
	}
	dev := t.TempDir()
	for range 2 {
		if _, closeStore, err := openStore(ctx, storeConfig{DataDir: dev, Synchronous: sqlite.SynchronousFull, KEK: kekSource{development: true}}, logger); err != nil {
			t.Fatalf("development mode: %v", err)
		} else {
			closeStore()
		}
	}
	if fi, err := os.Stat(filepath.Join(dev, devKEKFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the development KEK file: %v, %v", fi, err)
	}
}

// TestEncryptAMongoDBStoreWrittenInClear is TestEncryptAStoreWrittenInClear
// on the MongoDB adapter (FerretDB started by the tests, or the MongoDB of
// RAPPORT_TEST_MONGODB_URI): after rapport encrypt no document of the
// database holds a value in clear, the encrypted store reads every value
// back and finds the customer by identity, and a second run resumes after
// the last customer.
func TestEncryptAMongoDBStoreWrittenInClear(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := repositorytest.NewDatabase(t)
	t.Cleanup(func() { _ = db.Client().Database(db.Name() + "_keys").Drop(context.WithoutCancel(ctx)) })
	cfg := storeConfig{MongoDBURI: repositorytest.MongoURI(t), MongoDBDatabase: db.Name(), AppName: "rapport-test"}
	logger := slog.New(slog.DiscardHandler)
	plain := cfg
	plain.Plain = true
	raw, closeRaw, err := openStore(ctx, plain, logger)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.CreateCustomer(ctx, "acme", repository.CreateRequest{CustomerID: "ada", Customer: &rapportv1.Customer{
		DisplayName: "Plainada Lovelace", Identities: []*rapportv1.Identity{{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: "plainada@example.org"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.CreateIssue(ctx, "acme", repository.CreateIssueRequest{CustomerID: "ada", IssueID: "refund", Issue: &rapportv1.Issue{
		Title: "plaintitle refund", Facts: []*rapportv1.Fact{{Key: "order_number", Value: "PLAINORDER9"}}}}); err != nil {
		t.Fatal(err)
	}
	csat := int32(2)
	if _, err := raw.RecordInteractions(ctx, "acme", []repository.NewInteraction{{CustomerID: "ada", InteractionID: "i1", Interaction: &rapportv1.Interaction{
		Channel: rapportv1.Channel_CHANNEL_EMAIL, OccurTime: timestamppb.Now(), Text: "plaintext charged twice", Summary: "plainsummary",
		Facts:  []*rapportv1.Fact{{Key: "invoice_number", Value: "PLAININVOICE7"}},
		Survey: &rapportv1.SurveyAnswers{Csat: &csat, Comment: "plaincomment slow"}}}}); err != nil {
		t.Fatal(err)
	}
	profile, _ := proto.Marshal(&rapportv1.Customer{DisplayName: "Plainada Lovelace"})
	if _, err := raw.UpdateSummary(ctx, "acme", "ada", func(s *repository.Summary) error { s.Customer = profile; return nil }); err != nil {
		t.Fatal(err)
	}
	closeRaw()
	needles := []string{"Plainada", "plainada@example.org", "plaintitle", "PLAINORDER9", "plaintext charged", "plainsummary", "PLAININVOICE7", "plaincomment"}
	if len(documentsHolding(t, db, needles)) < len(needles) {
		t.Fatalf("the values are not all in the documents before: the scan finds only %v", documentsHolding(t, db, needles))
	}

	cfg.KEK = kekSource{text: testKEK}
	var out bytes.Buffer
	if err := encryptStore(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "done: 1 customers encrypted") {
		t.Errorf("output: %q", out.String())
	}
	if hits := documentsHolding(t, db, needles); len(hits) > 0 {
		t.Errorf("in clear after rapport encrypt: %v", hits)
	}
	out.Reset()
	if err := encryptStore(ctx, cfg, &out); err != nil || !strings.Contains(out.String(), "resuming after acme/ada") || !strings.Contains(out.String(), "done: 0 customers") {
		t.Errorf("a second run: %q, %v", out.String(), err)
	}

	st, closeStore, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	c, id, err := st.LookupIdentity(ctx, "acme", rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, "plainada@example.org")
	if err != nil || c.GetDisplayName() != "Plainada Lovelace" || id.GetValue() != "plainada@example.org" {
		t.Fatalf("lookup after encryption: %v %v %v", c, id, err)
	}
	is, err := st.GetIssue(ctx, "acme", "ada", "refund")
	if err != nil || is.GetTitle() != "plaintitle refund" || is.GetFacts()[0].GetValue() != "PLAINORDER9" {
		t.Errorf("issue after encryption: %v, %v", is, err)
	}
	in, err := st.GetInteraction(ctx, "acme", "ada", "i1")
	if err != nil || in.GetText() != "plaintext charged twice" || in.GetSummary() != "plainsummary" ||
		in.GetFacts()[0].GetValue() != "PLAININVOICE7" || in.GetSurvey().GetComment() != "plaincomment slow" || in.GetSurvey().GetCsat() != 2 {
		t.Errorf("interaction after encryption: %v, %v", in, err)
	}
	sum, err := st.GetSummary(ctx, "acme", "ada")
	if err != nil || !bytes.Equal(sum.Customer, profile) {
		t.Errorf("summary after encryption: %v, %v", sum, err)
	}
}

// documentsHolding returns which needles the documents of each collection
// of db hold in clear, read as the raw BSON the server returns.
func documentsHolding(t *testing.T, db *driver.Database, needles []string) []string {
	t.Helper()
	ctx := t.Context()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var hits []string
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			for _, n := range needles {
				if k := name + ": " + n; !seen[k] && bytes.Contains(cur.Current, []byte(n)) {
					seen[k] = true
					hits = append(hits, k)
				}
			}
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		_ = cur.Close(ctx)
	}
	return hits
}
