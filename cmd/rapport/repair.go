package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// repairCommand is `rapport repair`: rebuilds context summaries from the
// stored history through a running server's RebuildCustomerContext, for one
// customer or for every customer.
func repairCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rapport repair", flag.ContinueOnError)
	fs.SetOutput(stderr)
	client := clientFlags(fs, getenv)
	customer := fs.String("customer", "", "the customer to repair, customers/{customer}; empty: every customer")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline of each rebuild")
	if err := fs.Parse(args); err != nil {
		return err
	}
	conn, err := client.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	customers := rapportv1.NewCustomerServiceClient(conn)
	contexts := rapportv1.NewContextServiceClient(conn)
	rebuild := func(name string) error {
		cctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		res, err := contexts.RebuildCustomerContext(cctx, &rapportv1.RebuildCustomerContextRequest{Customer: name})
		if err != nil {
			return fmt.Errorf("repair %s: %w", name, err)
		}
		fmt.Fprintf(stdout, "%s: rebuilt from %d interactions\n", name, res.GetInteractionsRead())
		return nil
	}
	if *customer != "" {
		return rebuild(*customer)
	}
	req := &rapportv1.ListCustomersRequest{PageSize: 500}
	for {
		page, err := customers.ListCustomers(ctx, req)
		if err != nil {
			return err
		}
		for _, c := range page.GetCustomers() {
			if err := rebuild(c.GetName()); err != nil {
				return err
			}
		}
		if page.GetNextPageToken() == "" {
			return nil
		}
		req.PageToken = page.GetNextPageToken()
	}
}
