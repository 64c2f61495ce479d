package main

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// importMessage is message m of a back-fill: 200 interactions with source
// IDs, one every 30 minutes going back (fewer than 100 a day, so that a
// retry's repair of the context is exact; see maxDayHashes).
func importMessage(parent string, m int) *rapportv1.ImportInteractionsRequest {
	msg := &rapportv1.ImportInteractionsRequest{}
	for i := range 200 {
		n := m*200 + i
		msg.Requests = append(msg.Requests, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: &rapportv1.Interaction{
			Channel: rapportv1.Channel(n%7 + 1), OccurTime: timestamppb.New(time.Now().Add(-time.Duration(n) * 30 * time.Minute)),
			Summary: fmt.Sprint("back-filled ", n), SourceSystem: "legacy", SourceId: fmt.Sprint(n),
		}})
	}
	return msg
}

func countInteractions(t *testing.T, p *process, parent string) int {
	t.Helper()
	client := rapportv1.NewInteractionServiceClient(p.conn)
	req := &rapportv1.ListInteractionsRequest{Parent: parent, PageSize: 500}
	n := 0
	for {
		res, err := client.ListInteractions(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		n += len(res.GetInteractions())
		if res.GetNextPageToken() == "" {
			return n
		}
		req.PageToken = res.GetNextPageToken()
	}
}

// The process is killed (SIGKILL) in the middle of a bulk import: after a
// restart no acknowledged interaction is missing, and replaying the whole
// import creates no duplicates and repairs the customer's context.
func TestKilledDuringImportLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	p := start(t, bin, dataDir, addr)
	_, err := rapportv1.NewCustomerServiceClient(p.conn).CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{
		CustomerId: "bulk", Customer: &rapportv1.Customer{DisplayName: "Bulk"}})
	if err != nil {
		t.Fatal(err)
	}
	parent := "customers/bulk"
	const messages = 8
	stream, err := rapportv1.NewInteractionServiceClient(p.conn).ImportInteractions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var acked int64
	for m := range 5 {
		if err := stream.Send(importMessage(parent, m)); err != nil {
			t.Fatal(err)
		}
		ack, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		acked = ack.GetRecorded()
	}
	// More in flight, then the kill.
	for m := 5; m < messages; m++ {
		_ = stream.Send(importMessage(parent, m))
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	if acked != 1000 {
		t.Fatalf("acknowledged %d before the kill, want 1000", acked)
	}

	p = start(t, bin, dataDir, addr)
	defer p.stop(t)
	if n := countInteractions(t, p, parent); n < int(acked) {
		t.Fatalf("after the restart %d interactions, but %d were acknowledged", n, acked)
	}
	replay, err := rapportv1.NewInteractionServiceClient(p.conn).ImportInteractions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var last *rapportv1.ImportInteractionsResponse
	for m := range messages {
		if err := replay.Send(importMessage(parent, m)); err != nil {
			t.Fatal(err)
		}
		if last, err = replay.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	_ = replay.CloseSend()
	if last.GetFailed() != 0 || last.GetAlreadyRecorded() < acked || last.GetRecorded()+last.GetAlreadyRecorded() != messages*200 {
		t.Errorf("replay: %v", last)
	}
	if n := countInteractions(t, p, parent); n != messages*200 {
		t.Errorf("%d interactions after the replay, want exactly %d", n, messages*200)
	}
	cc, err := rapportv1.NewContextServiceClient(p.conn).GetCustomerContext(t.Context(), &rapportv1.GetCustomerContextRequest{Customer: parent})
	if err != nil {
		t.Fatal(err)
	}
	if n := cc.GetContext().GetContactCounts()[2].GetTotal(); n != messages*200 {
		t.Errorf("the context counts %d contacts in 90 days, want %d", n, messages*200)
	}
}
