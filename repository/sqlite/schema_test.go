package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/repository/sqlite"
)

// A store of schema version 1 (merges, no merged_into on customers) is
// migrated when it opens: a customer merged before the migration is
// listed under its survivor only.
func TestSchema2MarksTheCustomersMergedBefore(t *testing.T) {
	dir := t.TempDir()
	s := repositorytest.OpenSQLite(t, dir, repositorytest.Options{Plain: true})
	ctx := t.Context()
	for _, id := range []string{"ada", "bob", "cy"} {
		if _, err := s.CreateCustomer(ctx, "acme", repository.CreateRequest{CustomerID: id, Customer: &rapportv1.Customer{DisplayName: id}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.MergeCustomers(ctx, "acme", repository.Merge{Survivor: "ada", Merged: "bob", MergeTime: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Back to version 1, as an older Rapport left it.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TABLE insight_contacted", "DROP TABLE follow_ups", "DROP TABLE insight_rollups", "DROP INDEX customers_listed", "DROP INDEX customers_merged", "ALTER TABLE customers DROP COLUMN merged_into", "PRAGMA user_version = 1"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	_ = db.Close()

	s = repositorytest.OpenSQLite(t, dir, repositorytest.Options{Plain: true})
	for _, tc := range []struct {
		f    repository.CustomerFilter
		want []string
	}{
		{repository.CustomerFilter{}, []string{"customers/ada", "customers/cy"}},
		{repository.CustomerFilter{Merged: true}, []string{"customers/bob"}},
	} {
		page, _, err := s.ListCustomers(ctx, "acme", tc.f, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range page {
			got = append(got, c.GetName())
		}
		if len(got) != len(tc.want) || got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1] {
			t.Errorf("listed (merged %v) after the migration: %v, want %v", tc.f.Merged, got, tc.want)
		}
		if tc.f.Merged && page[0].GetMergedInto() != "customers/ada" {
			t.Errorf("bob merged into %q", page[0].GetMergedInto())
		}
	}
}
