package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Two `rapport serve` processes on one store — the embedded store's data
// directory, and a MongoDB database (FerretDB started by the tests, or
// RAPPORT_TEST_MONGODB_URI) — are sent, at the same moment, merges that
// would chain (X into Y to one, Y into Z to the other) over TCP: at most
// one of each pair is made, the other answers MERGE_CONFLICT, every name
// resolves in one step on both, and both list the same customers.
func TestMergesRacingThroughTwoServerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, engine := range []string{"sqlite", "mongo"} {
		t.Run(engine, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			var extra []string
			if engine == "mongo" {
				db := repositorytest.NewDatabase(t)
				t.Cleanup(func() { _ = db.Client().Database(db.Name() + "_keys").Drop(context.WithoutCancel(t.Context())) })
				extra = []string{"--mongodb-uri", repositorytest.MongoURI(t), "--mongodb-database", db.Name()}
			}
			one := start(t, bin, dir, freeAddr(t), extra...)
			two := start(t, bin, dir, freeAddr(t), extra...)
			raceMerges(t, rapportv1.NewCustomerServiceClient(one.conn), rapportv1.NewCustomerServiceClient(two.conn))
			one.stop(t)
			two.stop(t)
		})
	}
}

func raceMerges(t *testing.T, one, two rapportv1.CustomerServiceClient) {
	ctx := t.Context()
	const rounds = 8
	made := 0
	for i := range rounds {
		x, y, z := fmt.Sprintf("customers/x%d", i), fmt.Sprintf("customers/y%d", i), fmt.Sprintf("customers/z%d", i)
		for _, name := range []string{x, y, z} {
			if _, err := one.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: name[len("customers/"):], Customer: &rapportv1.Customer{DisplayName: name}}); err != nil {
				t.Fatal(err)
			}
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, r := range []struct {
			c   rapportv1.CustomerServiceClient
			req *rapportv1.MergeCustomersRequest
		}{
			{one, &rapportv1.MergeCustomersRequest{Customer: y, MergedCustomer: x}},
			{two, &rapportv1.MergeCustomersRequest{Customer: z, MergedCustomer: y}},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[j] = r.c.MergeCustomers(ctx, r.req)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if st, _ := status.FromError(err); st.Code() != codes.FailedPrecondition && st.Code() != codes.Aborted {
				t.Errorf("the losing merge: %v, want FAILED_PRECONDITION (MERGE_CONFLICT)", err)
			}
		}
		if ok > 1 {
			t.Errorf("round %d: both merges made, a chain %s into %s into %s", i, x, y, z)
		}
		made += ok
		for _, c := range []rapportv1.CustomerServiceClient{one, two} {
			for _, name := range []string{x, y, z} {
				got, err := c.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: name})
				if err != nil {
					t.Fatal(err)
				}
				survivor := got.GetCustomer().GetName()
				if again, err := c.GetCustomer(ctx, &rapportv1.GetCustomerRequest{Name: survivor}); err != nil || again.GetCustomer().GetName() != survivor {
					t.Errorf("%s resolves to %s, which resolves to %s (%v)", name, survivor, again.GetCustomer().GetName(), err)
				}
			}
		}
	}
	t.Logf("%d of %d races made one merge", made, rounds)
	for _, c := range []rapportv1.CustomerServiceClient{one, two} {
		listed, err := c.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		merged, err := c.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 100, Filter: "merged = true"})
		if err != nil {
			t.Fatal(err)
		}
		if len(listed.GetCustomers()) != 3*rounds-made || len(merged.GetCustomers()) != made {
			t.Errorf("%d listed and %d merged, want %d and %d", len(listed.GetCustomers()), len(merged.GetCustomers()), 3*rounds-made, made)
		}
	}
}
