package service

import (
	"errors"
	"fmt"
	"time"

	"go.einride.tech/aip/filtering"
	expr "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
)

// filterTerm is one comparison of a filter: `field op value`.
type filterTerm struct {
	field string
	op    string
	// value is the right-hand side: an enum value name, a string, or a time.
	str  string
	time time.Time
}

// Limits of every filter, as documented on each List method's filter
// field. They are checked before the filter is parsed: the parser recurses
// once per parenthesis (400,000 of them overflowed the stack and killed the
// process) and its cost grows with the length of the text.
const (
	maxFilterBytes = 1000
	maxFilterDepth = 8
	maxFilterTerms = 16
)

// checkFilterShape refuses a filter longer than maxFilterBytes or with
// parentheses nested deeper than maxFilterDepth, in one pass over its
// bytes and before any parsing. Parentheses inside quoted strings do not
// count.
func checkFilterShape(filter string) error {
	if len(filter) > maxFilterBytes {
		return fmt.Errorf("must be at most %d bytes (got %d)", maxFilterBytes, len(filter))
	}
	depth := 0
	var quote byte
	for i := 0; i < len(filter); i++ {
		c := filter[i]
		switch {
		case quote != 0 && c == '\\':
			i++ // the escaped byte, whatever it is
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			if depth++; depth > maxFilterDepth {
				return fmt.Errorf("must not nest parentheses more than %d deep", maxFilterDepth)
			}
		case c == ')':
			depth--
		}
	}
	return nil
}

// parseFilter parses an AIP-160 filter with go.einride.tech/aip/filtering,
// type-checks it against decls, and returns its comparisons. The service
// supports the subset documented on each List method: at most
// maxFilterTerms comparisons joined by AND. The shape limits are checked
// first (checkFilterShape).
func parseFilter(filter string, decls *filtering.Declarations) ([]filterTerm, error) {
	if err := checkFilterShape(filter); err != nil {
		return nil, err
	}
	f, err := filtering.ParseFilterString(filter, decls)
	if err != nil {
		return nil, err
	}
	var terms []filterTerm
	var walk func(e *expr.Expr) error
	walk = func(e *expr.Expr) error {
		call := e.GetCallExpr()
		if call == nil {
			return errors.New("only comparisons joined by AND are supported")
		}
		switch call.GetFunction() {
		case filtering.FunctionAnd, filtering.FunctionFuzzyAnd:
			for _, a := range call.GetArgs() {
				if err := walk(a); err != nil {
					return err
				}
			}
			return nil
		case filtering.FunctionEquals, filtering.FunctionNotEquals, filtering.FunctionLessThan,
			filtering.FunctionLessEquals, filtering.FunctionGreaterThan, filtering.FunctionGreaterEquals,
			filtering.FunctionHas:
		default:
			return fmt.Errorf("%s is not supported; join comparisons with AND", call.GetFunction())
		}
		args := call.GetArgs()
		if len(args) != 2 || args[0].GetIdentExpr() == nil {
			return errors.New("a comparison must have a field on the left")
		}
		t := filterTerm{field: args[0].GetIdentExpr().GetName(), op: call.GetFunction()}
		rhs := args[1]
		switch {
		case rhs.GetIdentExpr() != nil:
			t.str = rhs.GetIdentExpr().GetName()
		case rhs.GetConstExpr() != nil:
			t.str = rhs.GetConstExpr().GetStringValue()
		case rhs.GetCallExpr().GetFunction() == filtering.FunctionTimestamp && len(rhs.GetCallExpr().GetArgs()) == 1:
			t.str = rhs.GetCallExpr().GetArgs()[0].GetConstExpr().GetStringValue()
		default:
			return fmt.Errorf("unsupported value for %s", t.field)
		}
		if ts, err := time.Parse(time.RFC3339Nano, t.str); err == nil {
			t.time = ts
		}
		if len(terms) == maxFilterTerms {
			return fmt.Errorf("must have at most %d comparisons", maxFilterTerms)
		}
		terms = append(terms, t)
		return nil
	}
	if f.CheckedExpr == nil {
		return nil, nil
	}
	if err := walk(f.CheckedExpr.GetExpr()); err != nil {
		return nil, err
	}
	return terms, nil
}

// mustDeclarations builds filter declarations that are fixed at compile
// time; an error is a programming error.
func mustDeclarations(opts ...filtering.DeclarationOption) *filtering.Declarations {
	d, err := filtering.NewDeclarations(append([]filtering.DeclarationOption{filtering.DeclareStandardFunctions()}, opts...)...)
	if err != nil {
		panic(err)
	}
	return d
}
