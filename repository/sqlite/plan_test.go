package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/repository/sqlite"
)

// Every statement the store sends while the contract suite runs finds its
// rows through a key or an index: none reads a whole table (SQLite's
// "SCAN t" without an index) or sorts rows it has read (a "TEMP B-TREE"),
// except the few that must see everything and say so below. This is why
// a call costs the same on a store of 100,000 customers as on one of 1,000
// (BENCHMARKS.md measures it); it fails when a new query, or a changed
// index, would make a call's cost grow with the store.
func TestEveryStatementUsesAnIndex(t *testing.T) {
	rec := &statements{seen: map[string]bool{}}
	t.Run("contract", func(t *testing.T) { repositorytest.Run(t, recordingEngine{repositorytest.SQLite(), rec}) })

	db := planDB(t)
	queries := rec.list()
	if len(queries) < 40 {
		t.Fatalf("the suite sent only %d distinct statements: is the hook called?", len(queries))
	}
	t.Logf("%d distinct statements", len(queries))
	for _, q := range queries {
		plan, err := explain(db, q)
		if err != nil {
			t.Errorf("EXPLAIN QUERY PLAN %s: %v", q, err)
			continue
		}
		if seeks(q) && !slices.ContainsFunc(plan, seeksRange) {
			t.Errorf("a page does not seek to its cursor (it walks the list from the start): %v\n\tin: %s", plan, q)
		}
		for _, step := range plan {
			if bad := fullRead(step); bad != "" {
				if why := allowed(step, q); why != "" {
					t.Logf("allowed (%s): %s\n\t%s", why, step, q)
					continue
				}
				t.Errorf("%s: %s\n\tin: %s", bad, step, q)
			}
		}
	}
}

type statements struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (s *statements) add(_ context.Context, q string) {
	s.mu.Lock()
	s.seen[q] = true
	s.mu.Unlock()
}

func (s *statements) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for q := range s.seen {
		out = append(out, q)
	}
	slices.Sort(out)
	return out
}

// recordingEngine is the SQLite engine with every store's statements
// recorded.
type recordingEngine struct {
	repositorytest.Engine
	rec *statements
}

func (e recordingEngine) hooked(o repositorytest.Options) repositorytest.Options {
	prev := o.StatementHook
	o.StatementHook = func(ctx context.Context, q string) {
		e.rec.add(ctx, q)
		if prev != nil {
			prev(ctx, q)
		}
	}
	return o
}

func (e recordingEngine) New(t testing.TB, o repositorytest.Options) repositorytest.Store {
	return e.Engine.New(t, e.hooked(o))
}

func (e recordingEngine) Reopen(t testing.TB, s repositorytest.Store, o repositorytest.Options) repositorytest.Store {
	return e.Engine.Reopen(t, s, e.hooked(o))
}

// planDB is an empty store's file, opened directly for EXPLAIN.
func planDB(t *testing.T) *sql.DB {
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// explain is the query plan of q, its parameters unbound (NULL): a plan's
// choice of index does not depend on the values.
func explain(db *sql.DB, q string) ([]string, error) {
	args := make([]any, strings.Count(q, "?"))
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}

// seeks says whether q is a page after a keyset cursor (a row value, or
// the last key column, compared), which its index must seek to.
func seeks(q string) bool {
	return strings.Contains(q, "ORDER BY") &&
		(strings.Contains(q, ") < (?") || strings.Contains(q, ") > (?") || strings.Contains(q, "customer_id > ?") ||
			strings.Contains(q, "< ? OR (") || strings.Contains(q, "> ? OR ("))
}

// seeksRange says whether a plan step searches an index with a range.
func seeksRange(step string) bool {
	return strings.HasPrefix(step, "SEARCH ") && strings.ContainsAny(step, "<>")
}

// fullRead says what is wrong with a plan step that reads more than the
// rows it needs: a table read whole, or rows sorted after reading them.
func fullRead(step string) string {
	switch {
	case strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, " USING "):
		return "reads a whole table"
	case strings.Contains(step, "TEMP B-TREE"):
		return "sorts what it read"
	}
	return ""
}

// byDesign are the plan steps that read more than a key's rows on
// purpose: a step, a part of the statement it belongs to, and why.
var byDesign = []struct{ step, in, why string }{
	{"SCAN json_each", "json_each(topics)", "an interaction's own topics (at most 20), for a topic filter within one customer's history"},
	{"SCAN api_keys", "FROM api_keys ORDER BY", "rapport keys list for every tenant: an operator's listing of all keys"},
	{"USE TEMP B-TREE FOR ORDER BY", "FROM api_keys ORDER BY", "the same listing, oldest first"},
	{"SCAN ", "INSERT INTO insight_rollups", "the rows of the statement's own VALUES clause (a multi-row upsert of rollup counters)"},
	{"SCAN ", "INSERT INTO insight_contacted", "the rows of the statement's own VALUES clause (a multi-row insert of contact marks)"},
}

// allowed says why a plan step that reads more is right for q, or "".
func allowed(step, q string) string {
	for _, d := range byDesign {
		if strings.HasPrefix(step, d.step) && strings.Contains(q, d.in) {
			return d.why
		}
	}
	return ""
}

// A page of customers seeks the partial index of its kind (listed, or
// merged) to its cursor and reads on in key order: the customers of the
// other kind are not in that index, so a page reads the rows it returns
// (and one more), however many merged customers lie between.
func TestListCustomersSeeksThePartialIndexOfItsKind(t *testing.T) {
	rec := &statements{seen: map[string]bool{}}
	s := recordingEngine{repositorytest.SQLite(), rec}.New(t, repositorytest.Options{Plain: true})
	for _, f := range []repository.CustomerFilter{{}, {Merged: true}} {
		if _, _, err := s.ListCustomers(t.Context(), "acme", f, "a", 10); err != nil {
			t.Fatal(err)
		}
	}
	db := planDB(t)
	found := map[string]bool{}
	for _, q := range rec.list() {
		if !strings.Contains(q, "FROM customers INDEXED BY") {
			continue
		}
		plan, err := explain(db, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, index := range []string{"customers_listed", "customers_merged"} {
			if strings.Contains(q, index) {
				want := "SEARCH customers USING INDEX " + index + " (tenant=? AND customer_id>?)"
				if !slices.Equal(plan, []string{want}) {
					t.Errorf("plan %v, want [%s]\n\tin: %s", plan, want, q)
				}
				found[index] = true
			}
		}
	}
	if len(found) != 2 {
		t.Errorf("the statements of ListCustomers use %v, want both partial indexes", found)
	}
}
