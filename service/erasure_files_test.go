package service_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/repository/sqlite"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/retention"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// rawHits returns, for each needle, how many times it occurs in the bytes
// of every file under dir (the database, its write-ahead log and shared
// memory, backups), byte for byte as a forensic tool would read them.
func rawHits(t *testing.T, dir string, needles []string) map[string]int {
	t.Helper()
	hits := map[string]int{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if c := bytes.Count(b, []byte(n)); c > 0 {
				hits[filepath.Base(path)+": "+n] += c
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// eraseSubject writes a customer whose every value holds a distinctive
// marker (names, identities, traits, notes, an issue with facts, an
// interaction with text, summary, facts and a survey comment), and returns
// its name and the values to search the raw bytes for.
func eraseSubject(t *testing.T, ts *testServer) (string, []string) {
	t.Helper()
	ctx := t.Context()
	res, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{
		Customer: &rapportv1.Customer{
			DisplayName: "Xyzzy Shredsubject", PreferredName: "Xyzzyname",
			Identities: []*rapportv1.Identity{
				identity(emailType, "xyzzy.shred@example.org"),
				identity(phoneType, "+44 20 7946 0777"),
			},
			Traits:      map[string]string{"note": "xyzzytrait"},
			Preferences: &rapportv1.Preferences{AccessibilityNotes: "xyzzynotes"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	name := res.GetCustomer().GetName()
	is := ts.newIssue(t, name, "refund", &rapportv1.Issue{Title: "xyzzytitle refund", Topic: "billing",
		Facts: []*rapportv1.Fact{{Key: "order_number", Value: "XYZZYORDER42"}}})
	in := interaction(rapportv1.Channel_CHANNEL_EMAIL, 5, "src-xyzzy")
	in.Text = "xyzzytext my card was charged twice"
	in.Summary = "xyzzysummary double charge"
	in.Issue = is.GetName()
	in.Survey = &rapportv1.SurveyAnswers{Csat: proto.Int32(1), Comment: "xyzzycomment awful"}
	ts.record(t, name, in)
	return name, []string{"Shredsubject", "Xyzzyname", "xyzzy.shred@example.org", "+442079460777",
		"xyzzytrait", "xyzzynotes", "xyzzytitle", "XYZZYORDER42", "xyzzytext", "xyzzysummary", "xyzzycomment"}
}

// TestErasureLeavesNoResidueInTheFiles erases a customer and then reads
// every byte of every file of the embedded store's data directory: the
// database, its write-ahead log and its shared memory. secure_delete
// overwrites what the erasure deleted, and the log is checkpointed and
// truncated before the erasure answers, so none of the customer's values
// may be left in any of them; in a store without encryption (where the
// values are in the files before) as in an encrypted one (where they
// never are).
func TestErasureLeavesNoResidueInTheFiles(t *testing.T) {
	t.Parallel()
	if engine().Name() != "sqlite" {
		t.Skip("the files of the embedded store")
	}
	for _, plain := range []bool{true, false} {
		t.Run(map[bool]string{true: "clear", false: "encrypted"}[plain], func(t *testing.T) {
			t.Parallel()
			store := engine().New(t, repositorytest.Options{Plain: plain})
			ts := startServer(t, store, service.Options{})
			dir := repositorytest.DataDir(t, store)
			name, needles := eraseSubject(t, ts)
			switch hits := rawHits(t, dir, needles); {
			case plain && len(hits) == 0:
				t.Fatal("the values are not in the files of a store in clear before the erasure: the scan finds nothing")
			case !plain && len(hits) > 0:
				t.Errorf("an encrypted store holds values in clear: %v", hits)
			}
			res, err := ts.customers.DeleteCustomer(t.Context(), &rapportv1.DeleteCustomerRequest{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			if res.GetDataKeyDestroyed() == plain {
				t.Errorf("data_key_destroyed = %v in a store with encryption %v", res.GetDataKeyDestroyed(), !plain)
			}
			if hits := rawHits(t, dir, needles); len(hits) > 0 {
				t.Errorf("after the erasure the files still hold: %v", hits)
			}
		})
	}
}

// TestRetentionPurgeLeavesNoResidueInTheFiles: the interactions the
// retention purge deletes leave nothing in the embedded store's files
// either (secure_delete, and the log truncated after the purge), in a
// store in clear, where the text is in the files before.
func TestRetentionPurgeLeavesNoResidueInTheFiles(t *testing.T) {
	t.Parallel()
	if engine().Name() != "sqlite" {
		t.Skip("the files of the embedded store")
	}
	store := engine().New(t, repositorytest.Options{Plain: true})
	ts, srv := startServerWith(t, store, service.Options{Retention: retention.Policy{Default: 30 * days}})
	parent := ts.newCustomer(t, "purged")
	old := interaction(rapportv1.Channel_CHANNEL_EMAIL, 0, "src-old")
	old.OccurTime = timestamppb.New(time.Now().Add(-100 * days))
	old.Text = "qwertyexpiredtext from long ago"
	ts.record(t, parent, old)
	dir := repositorytest.DataDir(t, store)
	needles := []string{"qwertyexpiredtext"}
	if hits := rawHits(t, dir, needles); len(hits) == 0 {
		t.Fatal("the text is not in the files before the purge: the scan finds nothing")
	}
	if res, err := srv.PurgeOnce(t.Context()); err != nil || res.Interactions != 1 {
		t.Fatalf("purge: %+v, %v", res, err)
	}
	if hits := rawHits(t, dir, needles); len(hits) > 0 {
		t.Errorf("after the purge the files still hold: %v", hits)
	}
}

// TestErasureReachesABackupTakenBefore takes a backup (rapport backup's
// copy) of an encrypted store, then erases a customer: the backup holds
// none of their values in clear, and restored (the backup as the data
// file, with the live key store) it serves the other customers and knows
// nothing of the erased one, by name, by identity, in lists and contexts.
func TestErasureReachesABackupTakenBefore(t *testing.T) {
	t.Parallel()
	if engine().Name() != "sqlite" {
		t.Skip("the files of the embedded store")
	}
	ctx := t.Context()
	ts, store := newTestServerDB(t)
	name, needles := eraseSubject(t, ts)
	kept := ts.newCustomer(t, "bystander")
	backup := filepath.Join(t.TempDir(), "before.db")
	if err := repositorytest.Raw(store).(*sqlite.Store).Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.customers.DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	if hits := rawHits(t, filepath.Dir(backup), needles); len(hits) > 0 {
		t.Errorf("the backup holds in clear: %v", hits)
	}
	if hits := rawHits(t, repositorytest.DataDir(t, store), needles); len(hits) > 0 {
		t.Errorf("the data directory holds in clear: %v", hits)
	}

	// Restore: the backup as the data file, the live key store beside it.
	restored := t.TempDir()
	copyFile(t, backup, filepath.Join(restored, sqlite.FileName))
	copyFile(t, filepath.Join(repositorytest.DataDir(t, store), sqlite.KeysFileName), filepath.Join(restored, sqlite.KeysFileName))
	rs := startServer(t, repositorytest.OpenSQLite(t, restored, repositorytest.Options{}), service.Options{})
	if _, err := rs.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: kept}); err != nil {
		t.Errorf("the other customer in the restored backup: %v", err)
	}
	if _, err := rs.customers.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: name}); status.Code(err) != codes.NotFound {
		t.Errorf("the erased customer in the restored backup: %v, want NotFound", err)
	}
	if _, err := rs.customers.LookupCustomer(ctx, &rapportv1.LookupCustomerRequest{Identity: "email:xyzzy.shred@example.org"}); status.Code(err) != codes.NotFound {
		t.Errorf("the erased customer's identity in the restored backup: %v, want NotFound", err)
	}
	if _, err := rs.contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: name}); status.Code(err) != codes.NotFound {
		t.Errorf("the erased customer's context in the restored backup: %v, want NotFound", err)
	}
	list, err := rs.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list.GetCustomers() {
		if c.GetName() == name {
			t.Errorf("the restored backup lists the erased customer: %v", c)
		}
	}
	if len(list.GetCustomers()) != 1 {
		t.Errorf("the restored backup lists %d customers, want the other one", len(list.GetCustomers()))
	}
}
