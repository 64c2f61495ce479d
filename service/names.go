package service

import (
	"strings"

	"go.einride.tech/aip/resourcename"
)

// parseName reads a resource name of pattern (e.g.
// "customers/{customer}/issues/{issue}") into ids, or returns
// INVALID_ARGUMENT naming field, with example as the expected form.
func parseName(field, name, pattern, example string, ids ...*string) error {
	var v violations
	if name == "" {
		v.add(field, "is required")
		return v.err()
	}
	if err := resourcename.Sscan(name, pattern, ids...); err != nil {
		v.add(field, "must be a name such as %s", example)
		return v.err()
	}
	for _, id := range ids {
		if !validCustomerID(*id) {
			v.add(field, "must be a name such as %s", example)
			return v.err()
		}
	}
	return nil
}

// parseCustomerName returns the ID in a `customers/{customer}` name.
func parseCustomerName(field, name string) (string, error) {
	var c string
	return c, parseName(field, name, "customers/{customer}", "customers/ada", &c)
}

// parseIssueName returns the IDs in a `customers/{customer}/issues/{issue}`.
func parseIssueName(field, name string) (customer, issue string, err error) {
	err = parseName(field, name, "customers/{customer}/issues/{issue}", "customers/ada/issues/refund", &customer, &issue)
	return customer, issue, err
}

// parseInteractionName returns the IDs in
// `customers/{customer}/interactions/{interaction}`.
func parseInteractionName(field, name string) (customer, interaction string, err error) {
	err = parseName(field, name, "customers/{customer}/interactions/{interaction}", "customers/ada/interactions/i-1", &customer, &interaction)
	return customer, interaction, err
}

// customerOfName returns "customers/{id}" of a resource name under a
// customer, or "" unless the ID is a valid customer ID: the audit trail
// never stores whatever text a caller put in a name.
func customerOfName(name string) string {
	rest, ok := strings.CutPrefix(name, "customers/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	if !validCustomerID(id) {
		return ""
	}
	return "customers/" + id
}
