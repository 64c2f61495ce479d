package repository

import "time"

// WrappedKey is a customer's data key as a key store holds it: encrypted
// (wrapped) by the tenant's key-encryption key, never in clear. The key of
// CustomerID "" is the tenant's blind-index key (see package
// repository/sealed); the record of Tenant "" and CustomerID "" is the
// store's check value, which tells a wrong key-encryption key at start.
type WrappedKey struct {
	Tenant, CustomerID string
	// KEKID names the key-encryption key that wrapped it.
	KEKID   string
	Wrapped []byte
	// CreateTime is when the key was made.
	CreateTime time.Time
}
