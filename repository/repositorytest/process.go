package repositorytest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/mongo"
	"github.com/rapporthq/rapport/repository/sqlite"
)

// envMergeWorker names the variable that makes a test binary, started by
// MergeInAnotherProcess, a merge worker instead of running its tests (see
// Main).
const envMergeWorker = "RAPPORT_TEST_MERGE_WORKER"

// mergeJob is what a merge worker is given: the store to open, as another
// process opens it (the embedded store's data directory, or the MongoDB
// server and database), and the merges to make at once.
type mergeJob struct {
	Engine, Location, Database, Tenant string
	Merges                             []repository.Merge
}

// mergeOutcome is what a merge worker answers, one per merge: "" (made),
// "conflict" (ErrMergeConflict), "contention", or the error's text.
type mergeOutcome []string

func outcome(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, repository.ErrMergeConflict):
		return "conflict"
	case errors.Is(err, repository.ErrContention):
		return "contention"
	}
	return err.Error()
}

// MergeProcess is a merge worker in another process, on the same data as
// a store: Start makes its merges all at once and Wait returns how each
// went.
type MergeProcess struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	done chan struct{}
}

// MergeInAnotherProcess starts this test binary again as a merge worker on
// the data of s (see Main), with its own store and database connections,
// ready to make merges of tenant when Start is called. It skips the test
// where the engine's store cannot be opened by another process.
func MergeInAnotherProcess(t *testing.T, s Store, tenant string, merges []repository.Merge) *MergeProcess {
	t.Helper()
	job := mergeJob{Tenant: tenant, Merges: merges}
	switch raw := Raw(s).(type) {
	case *sqlite.Store:
		job.Engine, job.Location = "sqlite", filepath.Dir(raw.Path())
	case *mongo.Store:
		db, ok := mongoStores.Load(raw)
		if !ok {
			t.Fatal("repositorytest: not a store of the Mongo engine")
		}
		job.Engine, job.Location, job.Database = "mongo", server.uri, db.(interface{ Name() string }).Name()
	default:
		t.Skipf("repositorytest: %T cannot be opened by another process", raw)
	}
	spec, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envMergeWorker+"="+string(spec))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &MergeProcess{cmd: cmd, in: in, out: bufio.NewReader(out), done: make(chan struct{})}
	t.Cleanup(func() {
		_ = in.Close()
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
		_ = cmd.Wait()
	})
	if line, err := p.out.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("repositorytest: the merge worker did not start: %q, %v", line, err)
	}
	return p
}

// Start makes the worker's merges, all at once.
func (p *MergeProcess) Start(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(p.in, "go\n"); err != nil {
		t.Fatal(err)
	}
}

// Wait returns the outcome of each of the worker's merges, in order: nil
// when it was made, else its error (ErrMergeConflict, ErrContention, or
// another).
func (p *MergeProcess) Wait(t *testing.T) []error {
	t.Helper()
	defer close(p.done)
	line, err := p.out.ReadString('\n')
	if err != nil {
		t.Fatalf("repositorytest: the merge worker's answer: %v", err)
	}
	var res mergeOutcome
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("repositorytest: the merge worker's answer %q: %v", line, err)
	}
	errs := make([]error, len(res))
	for i, r := range res {
		switch r {
		case "":
		case "conflict":
			errs[i] = repository.ErrMergeConflict
		case "contention":
			errs[i] = repository.ErrContention
		default:
			errs[i] = errors.New(r)
		}
	}
	return errs
}

// mergeWorker is the body of a merge worker process: it opens the store
// of the job in $RAPPORT_TEST_MERGE_WORKER, says "ready", waits for "go"
// on its input, makes every merge at once and prints their outcomes as
// one JSON line.
func mergeWorker(spec string) int {
	var job mergeJob
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		fmt.Fprintln(os.Stderr, "merge worker:", err)
		return 2
	}
	ctx := context.Background()
	var store interface {
		MergeCustomers(ctx context.Context, tenant string, m repository.Merge) (repository.Merge, bool, error)
	}
	switch job.Engine {
	case "sqlite":
		s, err := sqlite.Open(ctx, job.Location)
		if err != nil {
			fmt.Fprintln(os.Stderr, "merge worker:", err)
			return 2
		}
		defer s.Close()
		store = s
	case "mongo":
		c, err := mongo.Connect(job.Location, "rapport-test-merge-worker", nil, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "merge worker:", err)
			return 2
		}
		defer func() { _ = c.Disconnect(ctx) }()
		s := mongo.New(c.Database(job.Database))
		if err := s.Ready(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "merge worker:", err)
			return 2
		}
		store = s
	default:
		fmt.Fprintln(os.Stderr, "merge worker: engine", job.Engine)
		return 2
	}
	fmt.Println("ready")
	in := bufio.NewReader(os.Stdin)
	if line, err := in.ReadString('\n'); err != nil || line != "go\n" {
		return 0 // the test ended first
	}
	res := make(mergeOutcome, len(job.Merges))
	var wg sync.WaitGroup
	for i, m := range job.Merges {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := store.MergeCustomers(ctx, job.Tenant, m)
			res[i] = outcome(err)
		}()
	}
	wg.Wait()
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	_, _ = in.ReadString('\n') // until the test lets go
	return 0
}
