package service

import (
	"fmt"
	"strconv"
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

// Bounds of what an INVALID_ARGUMENT carries, whatever the request: its
// details travel in a trailer, and a trailer larger than the client takes
// drops the client's whole connection (every call and stream on it). Field
// paths and descriptions may quote the request (a trait key, a filter's
// parse error), so both are cut too.
const (
	maxReportedViolations = 20
	maxViolationField     = 200
	maxViolationText      = 300
)

func (v *violations) add(field, format string, args ...any) {
	*v = append(*v, &errdetails.BadRequest_FieldViolation{
		Field:       truncate(field, maxViolationField),
		Description: truncate(fmt.Sprintf(format, args...), maxViolationText),
		Reason:      rpcerr.ReasonInvalidField,
	})
}

// err returns nil without violations, else INVALID_ARGUMENT carrying the
// first maxReportedViolations of them as a google.rpc.BadRequest; the
// message and the ErrorInfo metadata "violations" give their total.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	msg := "invalid request: " + v[0].GetField() + ": " + v[0].GetDescription()
	if len(v) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(v)-1)
	}
	return rpcerr.New(codes.InvalidArgument, rpcerr.ReasonInvalidField, msg,
		map[string]string{"violations": strconv.Itoa(len(v))},
		&errdetails.BadRequest{FieldViolations: v[:min(len(v), maxReportedViolations)]})
}

// truncate cuts s to at most n bytes, at a character boundary, marking the
// cut with "…"; invalid UTF-8 becomes U+FFFD (a status with it would not
// marshal).
func truncate(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "\uFFFD") + "…"
}

// text checks a free-text field: at most maxLen characters, valid UTF-8,
// no control characters except newlines and tabs when multiline. It
// reports whether s passed.
func (v *violations) text(field, s string, maxLen int, required, multiline bool) bool {
	n := len(*v)
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
	return len(*v) == n
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

// maxMaskPaths bounds the paths of a field mask (update_mask, read_mask):
// more than the messages have fields.
const maxMaskPaths = 32

// tooMany adds a violation and reports true when a repeated field has more
// than limit items: callers check it before any work per item, so that the
// cost of refusing a request does not grow with what it sent.
func (v *violations) tooMany(field string, n, limit int) bool {
	if n <= limit {
		return false
	}
	v.add(field, "must have at most %d entries (got %d)", limit, n)
	return true
}

// uniqueList checks at most limit items with check, which returns an
// item's canonical form and whether it is valid, and returns the valid ones
// in canonical form without repeats, in the order first given. Over the
// limit it checks none and returns items as they are.
func uniqueList(v *violations, field string, items []string, limit int, check func(field, item string) (string, bool)) []string {
	if v.tooMany(field, len(items), limit) {
		return items
	}
	var out []string
	seen := make(map[string]bool, len(items))
	for i, item := range items {
		if c, ok := check(indexed(field, i), item); ok && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// enumSet checks a repeated enum field whose values are each required and
// given at most once.
func enumSet[E protoreflect.Enum](v *violations, field string, values []E) {
	seen := make(map[protoreflect.EnumNumber]bool, len(values))
	for i, e := range values {
		f := indexed(field, i)
		if !v.enum(f, e, true) {
			continue
		}
		if seen[e.Number()] {
			v.add(f, "repeats %s", e.Descriptor().Values().ByNumber(e.Number()).Name())
		}
		seen[e.Number()] = true
	}
}
