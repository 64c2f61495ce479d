package service_test

import (
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Reflection (grpc.reflection.v1, what grpcurl uses) serves the API with
// its documentation: a field's comment comes back as written in the proto.
func TestReflectionServesTheDocumentation(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../proto/rapport/v1/customer.proto")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`((?:\n  //[^\n]*)+)\n  string display_name = 2;`).FindSubmatch(src)
	if m == nil {
		t.Fatal("no documented Customer.display_name in customer.proto")
	}
	want := regexp.MustCompile(`\n  //`).ReplaceAllString(string(m[1]), "\n") // comment lines, without "//"
	want = strings.TrimPrefix(want, "\n") + "\n"

	srv := service.NewServer(&failingStore{}, service.Options{Logger: slog.New(slog.DiscardHandler), Reflection: true})
	conn := serveInMemory(t, srv)
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "rapport.v1.Customer"},
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
	if _, err := stream.Recv(); err != io.EOF {
		t.Fatalf("stream end: %v", err)
	}
	set := &descriptorpb.FileDescriptorSet{}
	for _, b := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
		f := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(b, f); err != nil {
			t.Fatal(err)
		}
		set.File = append(set.File, f)
	}
	files, err := protodesc.NewFiles(set)
	if err != nil {
		t.Fatalf("the files reflection sent do not link: %v", err)
	}
	d, err := files.FindDescriptorByName("rapport.v1.Customer.display_name")
	if err != nil {
		t.Fatal(err)
	}
	got := d.ParentFile().SourceLocations().ByDescriptor(d).LeadingComments
	if got != want {
		t.Errorf("Customer.display_name documented over reflection as %q, want %q", got, want)
	}
	msg, _ := files.FindDescriptorByName("rapport.v1.Customer")
	if c := msg.ParentFile().SourceLocations().ByDescriptor(msg.(protoreflect.MessageDescriptor)).LeadingComments; !strings.Contains(c, "customers/{customer}") {
		t.Errorf("Customer documented as %q", c)
	}
}
