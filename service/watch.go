package service

import (
	"errors"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/customercontext"
	"github.com/rapporthq/rapport/service/rpcerr"
	"github.com/rapporthq/rapport/service/watch"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Limits of WatchCustomerContext, as documented in the proto.
const (
	defaultHeartbeat    = 15 * time.Second
	maxHeartbeatSeconds = 60
)

func (s *contextServer) WatchCustomerContext(req *rapportv1.WatchCustomerContextRequest, stream rapportv1.ContextService_WatchCustomerContextServer) error {
	ctx := stream.Context()
	inner := req.GetContext()
	if inner == nil {
		var v violations
		v.add("context", "is required")
		return v.err()
	}
	heartbeat := defaultHeartbeat
	if hs := req.GetHeartbeatSeconds(); hs != 0 {
		if hs < 1 || hs > maxHeartbeatSeconds {
			var v violations
			v.add("heartbeat_seconds", "must be between 1 and %d", maxHeartbeatSeconds)
			return v.err()
		}
		heartbeat = time.Duration(hs) * time.Second
	}
	tg, err := s.parseTarget(inner.GetCustomer(), inner.GetIdentity(), "context.customer", "context.identity")
	if err != nil {
		return err
	}
	opts, v := parseContextOptions(inner)
	if err := v.err(); err != nil {
		return err
	}
	tg.complete = true // a stream has no deadline to answer before
	d, _, err := s.load(ctx, tg)
	if err != nil {
		return err
	}
	tenant, customerID := access.TenantOf(ctx), d.Summary.CustomerID
	tg = target{name: d.Customer.GetName(), id: customerID, complete: true} // follow the customer, not the identity
	notify, done, release, err := s.watches.Subscribe(tenant, customerID, d.Summary.Revision)
	if errors.Is(err, watch.ErrClosed) {
		return rpcerr.New(codes.Unavailable, rpcerr.ReasonShuttingDown, "the server is shutting down; reconnect", nil)
	}
	if err != nil {
		return err
	}
	defer release()

	send := func(d customercontext.Decoded) error {
		cc := customercontext.Build(d, s.now(), customercontext.Options{RecentLimit: opts.limit, Channel: opts.channel, Hints: s.hints, WithHints: opts.wants("hints")})
		opts.prune(cc)
		return stream.Send(&rapportv1.WatchCustomerContextResponse{Event: &rapportv1.WatchCustomerContextResponse_Context{Context: cc}})
	}
	if err := send(d); err != nil {
		return err
	}
	sent := d.Summary.Revision
	beat := time.NewTimer(heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			return rpcerr.New(codes.Unavailable, rpcerr.ReasonShuttingDown, "the server is shutting down; reconnect", nil)
		case <-beat.C:
			if err := stream.Send(&rapportv1.WatchCustomerContextResponse{Event: &rapportv1.WatchCustomerContextResponse_Heartbeat{Heartbeat: timestamppb.New(s.now())}}); err != nil {
				return err
			}
		case <-notify:
			d, _, err := s.load(ctx, tg)
			if err != nil {
				return err // the customer was erased, or the store failed
			}
			if d.Summary.Revision == sent {
				continue
			}
			if err := send(d); err != nil {
				return err
			}
			sent = d.Summary.Revision
		}
		beat.Reset(heartbeat)
	}
}
