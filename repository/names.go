package repository

import (
	"strings"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// CustomerName returns the resource name of a customer ID.
func CustomerName(customerID string) string { return "customers/" + customerID }

// InteractionName returns the resource name of an interaction.
func InteractionName(customerID, interactionID string) string {
	return CustomerName(customerID) + "/interactions/" + interactionID
}

// IssueName returns the resource name of an issue.
func IssueName(customerID, issueID string) string {
	return CustomerName(customerID) + "/issues/" + issueID
}

// identityPrefixes maps identity types to the prefix of their keys, which is
// also how callers write them in LookupCustomer.
var identityPrefixes = map[rapportv1.IdentityType]string{
	rapportv1.IdentityType_IDENTITY_TYPE_EMAIL:         "email",
	rapportv1.IdentityType_IDENTITY_TYPE_PHONE:         "phone",
	rapportv1.IdentityType_IDENTITY_TYPE_CHAT_HANDLE:   "chat",
	rapportv1.IdentityType_IDENTITY_TYPE_SOCIAL_HANDLE: "social",
	rapportv1.IdentityType_IDENTITY_TYPE_EXTERNAL_ID:   "external",
}

// SealedIdentityPrefix starts an identity value that repository/sealed
// encrypted: the prefix, the identity's blind index (a keyed hash), NUL,
// the encrypted value. Normalised identities never start with NUL.
const SealedIdentityPrefix = "\x00I1"

// IdentityKey is the tenant-unique key of a normalised identity, e.g.
// "email:ada@example.com". The key of a sealed identity is its blind
// index, "email: " and the hash (a space, which no normalised identity
// starts with), so that a lookup by the blind index is the same one
// indexed read as a lookup by value.
func IdentityKey(t rapportv1.IdentityType, value string) string {
	if rest, ok := strings.CutPrefix(value, SealedIdentityPrefix); ok {
		token, _, _ := strings.Cut(rest, "\x00")
		return identityPrefixes[t] + ": " + token
	}
	return identityPrefixes[t] + ":" + value
}

// IdentityKeys returns the identity keys of a customer's identities.
func IdentityKeys(c *rapportv1.Customer) []string {
	keys := make([]string, 0, len(c.GetIdentities()))
	for _, id := range c.GetIdentities() {
		keys = append(keys, IdentityKey(id.GetType(), id.GetValue()))
	}
	return keys
}

// IdentityTypeByPrefix returns the identity type written as prefix ("email",
// "phone", ...), and whether there is one.
func IdentityTypeByPrefix(prefix string) (rapportv1.IdentityType, bool) {
	for t, p := range identityPrefixes {
		if p == prefix {
			return t, true
		}
	}
	return rapportv1.IdentityType_IDENTITY_TYPE_UNSPECIFIED, false
}
