package service_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"google.golang.org/protobuf/proto"
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
// may be left in any of them.
func TestErasureLeavesNoResidueInTheFiles(t *testing.T) {
	t.Parallel()
	if engine().Name() != "sqlite" {
		t.Skip("the files of the embedded store")
	}
	ts, store := newTestServerDB(t)
	dir := repositorytest.DataDir(t, store)
	name, needles := eraseSubject(t, ts)
	if hits := rawHits(t, dir, needles); len(hits) == 0 {
		t.Fatal("the values are not in the files before the erasure: the scan finds nothing")
	}
	if _, err := ts.customers.DeleteCustomer(t.Context(), &rapportv1.DeleteCustomerRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	if hits := rawHits(t, dir, needles); len(hits) > 0 {
		t.Errorf("after the erasure the files still hold: %v", hits)
	}
}
