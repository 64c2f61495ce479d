package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/mongo"
	"github.com/rapporthq/rapport/repository/mongo/ferretdb"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

// oldServer runs the service as earlier versions did: on the embedded
// FerretDB store in dataDir. It returns the server's address and a stop
// function that shuts everything down, FerretDB's files closed.
func oldServer(t *testing.T, dataDir string, opts service.Options) (string, func()) {
	t.Helper()
	f, err := ferretdb.Start(context.Background(), ferretdb.Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	client, err := mongo.Connect(f.URI(), "rapport-old", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := mongo.New(client.Database("rapport"))
	if err := store.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := service.NewServer(store, opts)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { _ = srv.GRPC.Serve(lis); close(served) }()
	go srv.RunAudit()
	for _, name := range []string{"", "rapport.v1.CustomerService", "rapport.v1.InteractionService", "rapport.v1.IssueService", "rapport.v1.ContextService"} {
		srv.Health.SetServingStatus(name, 1)
	}
	return lis.Addr().String(), func() {
		srv.GRPC.GracefulStop()
		<-served
		srv.StopAudit()
		_ = client.Disconnect(context.Background())
		f.Close()
	}
}

// clockFree drops from a context what depends on the wall clock at the
// call: its compute time, and the contact-window hint (its text names the
// minute; it comes and goes with the window). The other hints keep their
// order, and rank follows it. Two snapshots a minute apart then compare.
func clockFree(cc *rapportv1.CustomerContext) {
	if cc == nil {
		return
	}
	cc.ComputeTime = nil
	var hints []*rapportv1.Hint
	for _, h := range cc.GetHints() {
		if h.GetType() == rapportv1.HintType_HINT_TYPE_RESPECT_CONTACT_WINDOW {
			continue
		}
		h.Rank = 0
		hints = append(hints, h)
	}
	cc.Hints = hints
}

// apiSnapshot is what the API says of a customer: its export and context.
func apiSnapshot(t *testing.T, conn *grpc.ClientConn, ctx context.Context, name string) []proto.Message {
	t.Helper()
	var out []proto.Message
	st, err := rapportv1.NewCustomerServiceClient(conn).ExportCustomer(ctx, &rapportv1.ExportCustomerRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := st.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("export %s: %v", name, err)
		}
		clockFree(msg.GetContext())
		out = append(out, msg)
	}
	return out
}

// A data directory of the FerretDB store that earlier versions embedded:
// serve refuses it and says what to do; rapport migrate carries it over;
// the server then serves the same customers, histories, contexts and API
// keys, and the old files are untouched.
func TestMigrateFromTheFerretDBStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")

	// The old version: demo data through the API, and an API key.
	addr, stop := oldServer(t, dataDir, service.Options{})
	if err := loadDemoAt(t.Context(), &clientConfig{addr: addr}); err != nil {
		t.Fatal(err)
	}
	conn, err := (&clientConfig{addr: addr}).dial()
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Split(demoCustomerNames, ", ")
	before := map[string][]proto.Message{}
	for _, name := range names {
		before[name] = apiSnapshot(t, conn, t.Context(), name)
	}
	_ = conn.Close()
	stop()
	token, key, err := access.NewAPIKey("default", "desk", []access.Scope{access.ScopeContextRead}, time.Now(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	{
		f, err := ferretdb.Start(context.Background(), ferretdb.Config{DataDir: dataDir})
		if err != nil {
			t.Fatal(err)
		}
		c, err := mongo.Connect(f.URI(), "rapport-old", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		st := mongo.New(c.Database("rapport"))
		if err := st.CreateAPIKey(t.Context(), key); err != nil {
			t.Fatal(err)
		}
		_ = c.Disconnect(context.Background())
		f.Close()
	}
	old := dirState(t, dataDir)

	// This version refuses to start on it, naming the way out.
	cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--listen", freeAddr(t), "--metrics-listen", "")
	cmd.Env = append(os.Environ(), "RAPPORT_MONGODB_URI=")
	refusal, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("serve started on FerretDB data:\n%s", refusal)
	}
	if !strings.Contains(string(refusal), "rapport migrate --data-dir "+dataDir) {
		t.Errorf("serve's refusal does not say what to do:\n%s", refusal)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "rapport.db")); err == nil {
		t.Error("the refused start created a store file")
	}

	out, err := rapportCmd(t, bin, "migrate", "--data-dir", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "customers: 6 carried over") || !strings.Contains(out, "merges: 1 carried over") || !strings.Contains(out, "interactions: ") ||
		!strings.Contains(out, "rapport insights rebuild") {
		t.Errorf("migrate says:\n%s", out)
	}
	// The old files are unchanged; the only new one is the store.
	now := dirState(t, dataDir)
	for name, st := range old {
		if now[name] != st {
			t.Errorf("migrate changed the old file %s: %s, then %s", name, st, now[name])
		}
	}
	for name := range now {
		if _, was := old[name]; !was && name != "rapport.db" {
			t.Errorf("migrate left %s behind", name)
		}
	}
	if _, err := rapportCmd(t, bin, "migrate", "--data-dir", dataDir); err == nil {
		t.Error("a second migration was accepted")
	}

	p := start(t, bin, dataDir, freeAddr(t))
	for _, name := range names {
		after := apiSnapshot(t, p.conn, t.Context(), name)
		if diff := cmp.Diff(before[name], after, protocmp.Transform()); diff != "" {
			t.Errorf("%s after the migration differs (-before +after):\n%s", name, diff)
		}
	}
	p.stop(t)
	if !strings.Contains(p.logs.String(), "carried over") {
		t.Errorf("the server does not mention the old files:\n%s", p.logs)
	}
	// The key made before the migration still works.
	p = start(t, bin, dataDir, freeAddr(t), "--api-keys")
	defer p.stop(t)
	if _, err := rapportv1.NewContextServiceClient(p.conn).GetCustomerContext(bearerCtx(t.Context(), token),
		&rapportv1.GetCustomerContextRequest{Customer: names[0]}); err != nil {
		t.Errorf("an API key from before the migration: %v", err)
	}
}

// dirState is the name, size and modification time of every file in dir.
func dirState(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fmt.Sprint(info.Size(), " bytes, modified ", info.ModTime())
	}
	return out
}
