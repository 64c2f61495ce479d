package service

import (
	"context"
	"fmt"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/audit"
	"go.einride.tech/aip/filtering"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// AuditStore is what the audit trail needs from storage: writing it, and
// reading it for AuditService.
type AuditStore interface {
	audit.Store
	ListAuditEvents(ctx context.Context, tenant string, f repository.AuditFilter, after *repository.Cursor, limit int) ([]repository.AuditEvent, bool, error)
}

// auditServer serves the audit trail.
type auditServer struct {
	rapportv1.UnimplementedAuditServiceServer
	store AuditStore
}

var auditFilterDecls = mustDeclarations(
	filtering.DeclareIdent("customer", filtering.TypeString),
	filtering.DeclareIdent("principal", filtering.TypeString),
	filtering.DeclareIdent("method", filtering.TypeString),
	filtering.DeclareIdent("code", filtering.TypeString),
	filtering.DeclareIdent("time", filtering.TypeTimestamp),
)

func parseAuditFilter(filter string) (repository.AuditFilter, error) {
	var f repository.AuditFilter
	terms, err := parseFilter(filter, auditFilterDecls)
	if err != nil {
		return f, err
	}
	ops := map[string]string{
		filtering.FunctionLessThan: "$lt", filtering.FunctionLessEquals: "$lte",
		filtering.FunctionGreaterThan: "$gt", filtering.FunctionGreaterEquals: "$gte",
	}
	for _, t := range terms {
		if t.field == "time" {
			op, ok := ops[t.op]
			if !ok || t.time.IsZero() {
				return f, fmt.Errorf("time takes <, <=, > or >= and an RFC 3339 timestamp")
			}
			f.Times = append(f.Times, repository.TimeCondition{Op: op, Time: t.time})
			continue
		}
		if t.op != filtering.FunctionEquals {
			return f, fmt.Errorf("%s takes only =", t.field)
		}
		switch t.field {
		case "customer":
			f.Customer = t.str
		case "principal":
			f.Principal = t.str
		case "method":
			f.Method = t.str
		case "code":
			f.Code = t.str
		}
	}
	return f, nil
}

func (s *auditServer) ListAuditEvents(ctx context.Context, req *rapportv1.ListAuditEventsRequest) (*rapportv1.ListAuditEventsResponse, error) {
	f, ferr := parseAuditFilter(req.GetFilter())
	size, after, checksum, err := startPage(ctx, req, ferr)
	if err != nil {
		return nil, err
	}
	events, more, err := s.store.ListAuditEvents(ctx, access.TenantOf(ctx), f, after, size)
	if err != nil {
		return nil, err
	}
	resp := &rapportv1.ListAuditEventsResponse{AuditEvents: make([]*rapportv1.AuditEvent, len(events))}
	for i, e := range events {
		resp.AuditEvents[i] = &rapportv1.AuditEvent{Name: "auditEvents/" + e.ID, Time: timestamppb.New(e.Time),
			Principal: e.Principal, Method: e.Method, Customers: e.Customers, CustomersOmitted: e.Omitted, Code: e.Code}
	}
	if more {
		last := events[len(events)-1]
		resp.NextPageToken = nextPageToken(repository.Cursor{Time: last.Time, ID: last.ID}, checksum)
	}
	return resp, nil
}
