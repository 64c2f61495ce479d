package service

import (
	"fmt"

	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/rapporthq/rapport/service/rpcerr"
	"go.einride.tech/aip/resourceid"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// violations collects the problems of one request, each with the path of
// the field at fault (AIP-193), e.g. "customer.identities[1].value".
type violations []*errdetails.BadRequest_FieldViolation

func (v *violations) add(field, format string, args ...any) {
	*v = append(*v, &errdetails.BadRequest_FieldViolation{
		Field:       field,
		Description: fmt.Sprintf(format, args...),
		Reason:      rpcerr.ReasonInvalidField,
	})
}

// err returns nil without violations, else INVALID_ARGUMENT carrying all of
// them as a google.rpc.BadRequest.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	msg := "invalid request: " + v[0].GetField() + ": " + v[0].GetDescription()
	if len(v) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(v)-1)
	}
	return rpcerr.New(codes.InvalidArgument, rpcerr.ReasonInvalidField, msg, nil,
		&errdetails.BadRequest{FieldViolations: v})
}

// text checks a free-text field: at most maxLen characters, valid UTF-8,
// no control characters except newlines and tabs when multiline.
func (v *violations) text(field, s string, maxLen int, required, multiline bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.add(field, "is required")
	case !utf8.ValidString(s):
		v.add(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > maxLen:
		v.add(field, "must be at most %d characters (got %d)", maxLen, utf8.RuneCountInString(s))
	case strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r'))
	}) >= 0:
		v.add(field, "must not contain control characters")
	}
}

// enum checks that an enum field holds a declared value, other than the
// zero value when required.
func (v *violations) enum(field string, e protoreflect.Enum, required bool) bool {
	n := e.Number()
	if e.Descriptor().Values().ByNumber(n) == nil {
		v.add(field, "unknown value %d", n)
		return false
	}
	if required && n == 0 {
		v.add(field, "is required")
		return false
	}
	return true
}

func indexed(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }

// userID checks an optional client-chosen resource ID (AIP-122): 1 to 63
// characters of a-z, 0-9 and '-', starting with a letter, or a UUID.
func (v *violations) userID(field, id string) {
	if id != "" && resourceid.ValidateUserSettable(id) != nil {
		v.add(field, "must be 1 to 63 characters of a-z, 0-9 and -, starting with a letter and not ending with -, or a UUID")
	}
}

// requestID checks an optional request_id (AIP-155): a UUID.
func (v *violations) requestID(field, id string) {
	if id == "" {
		return
	}
	if _, err := uuid.Parse(id); err != nil {
		v.add(field, "must be a UUID")
	}
}

// topic normalises a topic and reports whether it is one, adding a
// violation when it is not.
func (v *violations) topic(field, t string) (string, bool) {
	nt, ok := normalizeTopic(t)
	if !ok {
		v.add(field, "must be 1 to 64 characters of a-z, 0-9, _ and -")
	}
	return nt, ok
}
