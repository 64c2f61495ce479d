package main

import (
	"context"
	"fmt"
	"io"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/spf13/cobra"
)

// newRepairCommand is `rapport repair`: rebuilds context summaries from
// the stored history through a running server's RebuildCustomerContext,
// for one customer or for every customer.
func newRepairCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "repair [--customer customers/ID]",
		Short: "Rebuild context summaries from the history, through a running server",
		Long: `Rebuild context summaries from the stored history, through a running
server's RebuildCustomerContext: one customer, or every customer. The key
needs the admin and context.read scopes.`,
		Args: noArgs,
	}
	client := clientFlags(cmd.Flags(), getenv)
	customer := cmd.Flags().String("customer", "", "the customer to repair, customers/{customer}; empty: every customer")
	timeout := cmd.Flags().Duration("timeout", 30*time.Second, "deadline of each rebuild")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return repair(cmd.Context(), client, *customer, *timeout, cmd.OutOrStdout())
	}
	return cmd
}

// repair rebuilds the summary of customer, or of every customer.
func repair(ctx context.Context, client *clientConfig, customer string, timeout time.Duration, stdout io.Writer) error {
	conn, err := client.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	customers := rapportv1.NewCustomerServiceClient(conn)
	contexts := rapportv1.NewContextServiceClient(conn)
	rebuild := func(name string) error {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		res, err := contexts.RebuildCustomerContext(cctx, &rapportv1.RebuildCustomerContextRequest{Customer: name})
		if err != nil {
			return fmt.Errorf("repair %s: %w", name, err)
		}
		fmt.Fprintf(stdout, "%s: rebuilt from %d interactions\n", name, res.GetInteractionsRead())
		return nil
	}
	if customer != "" {
		return rebuild(customer)
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
