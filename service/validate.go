package service

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

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
		Reason:      ReasonInvalidField,
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
	return newStatus(codes.InvalidArgument, ReasonInvalidField, msg, nil,
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
