package main

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Two server processes share one data directory (the embedded SQLite
// store's file, through SQLite's locks): a change made through the second
// reaches a watcher of the first within its poll interval.
func TestWatchAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	first := start(t, bin, dataDir, freeAddr(t), "--watch-poll-interval", "200ms")
	defer first.stop(t)
	second := start(t, bin, dataDir, freeAddr(t))
	defer second.stop(t)

	ctx := t.Context()
	_, err := rapportv1.NewCustomerServiceClient(second.conn).CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{
		CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada"}})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := rapportv1.NewContextServiceClient(first.conn).WatchCustomerContext(ctx, &rapportv1.WatchCustomerContextRequest{
		Context: &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"}})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.Recv()
	if err != nil || msg.GetContext().GetProfile().GetDisplayName() != "Ada" {
		t.Fatalf("first context: %v, %v", msg, err)
	}
	_, err = rapportv1.NewInteractionServiceClient(second.conn).RecordInteraction(ctx, &rapportv1.RecordInteractionRequest{
		Parent: "customers/ada", Interaction: &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT,
			OccurTime: timestamppb.Now(), Summary: "via the second process", SourceSystem: "e2e", SourceId: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		msg, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if in := msg.GetContext().GetRecentInteractions(); len(in) == 1 && in[0].GetSummary() == "via the second process" {
			t.Logf("the change reached the watcher of the other process in %v", time.Since(start))
			return
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the change made through the second process did not reach the watcher")
		}
	}
}

// Two server processes on one data directory, each with its context cache:
// what one writes or erases, the other's next context read shows, however
// often it read the customer before.
func TestContextCacheAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	first := start(t, bin, dataDir, freeAddr(t))
	defer first.stop(t)
	second := start(t, bin, dataDir, freeAddr(t))
	defer second.stop(t)
	ctx := t.Context()
	if _, err := rapportv1.NewCustomerServiceClient(second.conn).CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{
		CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada"}}); err != nil {
		t.Fatal(err)
	}
	contexts := rapportv1.NewContextServiceClient(first.conn)
	read := func() (*rapportv1.CustomerContext, error) {
		res, err := contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"})
		return res.GetContext(), err
	}
	for i := range 3 {
		for range 3 { // cached by the first process after its first read
			if cc, err := read(); err != nil || len(cc.GetRecentInteractions()) != i {
				t.Fatalf("before write %d: %d contacts, %v", i, len(cc.GetRecentInteractions()), err)
			}
		}
		if _, err := rapportv1.NewInteractionServiceClient(second.conn).RecordInteraction(ctx, &rapportv1.RecordInteractionRequest{
			Parent: "customers/ada", Interaction: &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT,
				OccurTime: timestamppb.Now(), Summary: "via the second process", SourceSystem: "e2e", SourceId: fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rapportv1.NewCustomerServiceClient(second.conn).DeleteCustomer(ctx, &rapportv1.DeleteCustomerRequest{Name: "customers/ada"}); err != nil {
		t.Fatal(err)
	}
	if _, err := read(); status.Code(err) != codes.NotFound {
		t.Fatalf("after the other process erased the customer: %v, want NotFound", err)
	}
}
