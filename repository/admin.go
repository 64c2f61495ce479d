package repository

import "time"

// APIKey is a stored API key: who it speaks for and what it may do, with a
// hash of its secret, never the secret itself. Keys are looked up by ID
// before the tenant is known: the ID is unique across tenants.
type APIKey struct {
	ID     string
	Tenant string
	Name   string
	Scopes []string
	// SecretHash is the SHA-256 of the key's secret.
	SecretHash []byte
	CreateTime time.Time
	// ExpireTime, when set, is when the key stops working.
	ExpireTime time.Time
	// RevokeTime, when set, is when the key was revoked.
	RevokeTime time.Time
}

// AuditEvent is one call recorded in the audit trail: names only, never
// message text.
type AuditEvent struct {
	// ID orders events of the same time; time-ordered (a UUIDv7).
	ID        string
	Tenant    string
	Time      time.Time
	Principal string
	Method    string
	// Customers are the customers' resource names; Omitted counts those
	// the event had no room for.
	Customers []string
	Omitted   int32
	Code      string
}

// AuditFilter selects audit events: every non-empty field must match.
type AuditFilter struct {
	// Customer is a customer's resource name that the event lists.
	Customer, Principal, Method, Code string
	// Times are conditions on the event time.
	Times []TimeCondition
}

// TimeCondition compares a time field with a value: Op is one of "$gt",
// "$gte", "$lt", "$lte".
type TimeCondition struct {
	Op   string
	Time time.Time
}

// TenantScope selects the tenants a retention rule applies to: Tenant, or,
// when Tenant is empty, every tenant except those in Except (the tenants
// with a rule of their own).
type TenantScope struct {
	Tenant string
	Except []string
}

// SummaryRef names a customer's context summary.
type SummaryRef struct {
	Tenant, CustomerID string
}
