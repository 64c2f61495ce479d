package service

import (
	"context"
	"log/slog"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// HistoryStore is what ExportCustomer reads besides the customer: the
// newest-first history lists.
type HistoryStore interface {
	ListInteractions(ctx context.Context, tenant, customerID string, f repository.InteractionFilter, after *repository.Cursor, limit int) ([]*rapportv1.Interaction, bool, error)
	ListIssues(ctx context.Context, tenant, customerID string, f repository.IssueFilter, after *repository.Cursor, limit int) ([]*rapportv1.Issue, bool, error)
}

// exportSent counts what an ExportCustomer stream sent, for its audit record.
type exportSent struct {
	customer, context    bool
	interactions, issues int
}

// ExportCustomer streams everything stored about one customer, in the order
// the proto documents: the customer, every interaction and every issue
// (newest first, read and sent a page at a time), then the context. Every
// call leaves an audit record.
func (s *customerServer) ExportCustomer(req *rapportv1.ExportCustomerRequest, stream grpc.ServerStreamingServer[rapportv1.ExportCustomerResponse]) (err error) {
	ctx := stream.Context()
	tenant := access.TenantOf(ctx)
	start := time.Now()
	var sent exportSent
	defer func() { s.auditExport(ctx, req.GetName(), sent, start, err) }()

	customerID, err := parseCustomerName("name", req.GetName())
	if err != nil {
		return err
	}
	ctx, release, err := s.contexts.heavy.Acquire(ctx, tenant)
	if err != nil {
		return err
	}
	defer release()
	// A merged customer's name exports the survivor, with its halves.
	if customerID, err = s.merges.survivor(ctx, tenant, customerID); err != nil {
		return err
	}
	halves, _, err := s.merges.halves(ctx, tenant, customerID)
	if err != nil {
		return err
	}
	c, err := s.merges.resolved(ctx, tenant, customerID)
	if err != nil {
		return customerErr(err, req.GetName())
	}
	if err := stream.Send(&rapportv1.ExportCustomerResponse{Item: &rapportv1.ExportCustomerResponse_Customer{Customer: c}}); err != nil {
		return err
	}
	sent.customer = true

	err = eachPage(func(after *repository.Cursor, size int) ([]*rapportv1.Interaction, bool, error) {
		return s.history.ListInteractions(ctx, tenant, customerID, repository.InteractionFilter{AlsoCustomers: halves}, after, size)
	}, interactionCursor, func(page []*rapportv1.Interaction) error {
		for _, in := range page {
			if err := stream.Send(&rapportv1.ExportCustomerResponse{Item: &rapportv1.ExportCustomerResponse_Interaction{Interaction: in}}); err != nil {
				return err
			}
			sent.interactions++
		}
		return nil
	})
	if err != nil {
		return err
	}

	err = eachPage(func(after *repository.Cursor, size int) ([]*rapportv1.Issue, bool, error) {
		return s.history.ListIssues(ctx, tenant, customerID, repository.IssueFilter{AlsoCustomers: halves}, after, size)
	}, issueCursor, func(page []*rapportv1.Issue) error {
		for _, is := range page {
			if err := stream.Send(&rapportv1.ExportCustomerResponse{Item: &rapportv1.ExportCustomerResponse_Issue{Issue: is}}); err != nil {
				return err
			}
			sent.issues++
		}
		return nil
	})
	if err != nil {
		return err
	}

	// As GetCustomerContext returns it by name: no read mask, default limit.
	cc, err := s.contexts.getContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: req.GetName(), RequireComplete: true})
	if err != nil {
		return err
	}
	if err := stream.Send(&rapportv1.ExportCustomerResponse{Item: &rapportv1.ExportCustomerResponse_Context{Context: cc}}); err != nil {
		return err
	}
	sent.context = true
	return nil
}

// auditExport logs, besides the audit event every call leaves in the audit
// trail, what an ExportCustomer call sent, whatever its outcome: who (the
// tenant) exported which customer, how much, and the code it ended with.
func (s *customerServer) auditExport(ctx context.Context, name string, sent exportSent, start time.Time, err error) {
	code := codes.OK
	if err != nil {
		st, _ := clientStatus(ctx, err)
		code = status.Code(st)
	}
	s.logger.LogAttrs(ctx, slog.LevelInfo, "audit: customer export",
		slog.Bool("audit", true),
		slog.String("tenant", access.TenantOf(ctx)),
		slog.String("customer", name),
		slog.Bool("complete", sent.context),
		slog.Bool("customer_sent", sent.customer),
		slog.Int("interactions_sent", sent.interactions),
		slog.Int("issues_sent", sent.issues),
		slog.String("code", code.String()),
		slog.Duration("duration", time.Since(start)),
	)
}
