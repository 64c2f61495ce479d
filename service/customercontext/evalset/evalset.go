// Package evalset holds what the evaluations of the text analyzers share:
// where the labelled sets are (testdata/eval, written blind: see its
// README), reading a JSON-lines file, and precision/recall counts. It is
// for tests only; the blind sets are read only by tests that print
// aggregate figures.
package evalset

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Dir is where the labelled sets are, seen from a package beside
// testdata (service/customercontext/X); RAPPORT_EVAL_DIR points elsewhere
// (a copy of another revision of the sets).
func Dir() string {
	if d := os.Getenv("RAPPORT_EVAL_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "testdata", "eval")
}

// RealData is the public labelled text, ../shared/data/realdata from the
// repository root (see its README: never copied into the repository), or
// RAPPORT_REALDATA (another split of it: the held-out twin), seen from a
// package beside testdata (service/customercontext/X). It skips t, saying
// so, where the folder is absent.
func RealData(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("RAPPORT_REALDATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data", "realdata")
	}
	if _, err := os.Stat(filepath.Join(dir, "sentiment-dev.jsonl")); err != nil {
		t.Skipf("the real public text is not here (%s): not measured", dir)
	}
	return dir
}

// ReadLines calls each with every line of path that is not blank (lines
// up to 1 MiB).
func ReadLines(t testing.TB, path string, each func([]byte)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) > 0 {
			each(sc.Bytes())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// Counts are true positives, predictions and expected items.
type Counts struct{ TP, Pred, Gold int }

// Precision is TP/Pred, 1 when nothing was predicted.
func (c Counts) Precision() float64 {
	if c.Pred == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.Pred)
}

// Recall is TP/Gold, 1 when nothing was expected.
func (c Counts) Recall() float64 {
	if c.Gold == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.Gold)
}

// String is both figures with their counts.
func (c Counts) String() string {
	return fmt.Sprintf("P %.3f (%d/%d) R %.3f (%d/%d)", c.Precision(), c.TP, c.Pred, c.Recall(), c.TP, c.Gold)
}
