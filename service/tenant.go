package service

import (
	"context"
)

// DefaultTenant is the tenant every request runs in until authentication
// assigns tenants from credentials.
const DefaultTenant = "default"

type tenantKey struct{}

// withTenant returns ctx carrying the caller's tenant.
func withTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// tenantOf returns the caller's tenant. Handlers only ever run behind the
// auth interceptor, which always sets one.
func tenantOf(ctx context.Context) string {
	t, _ := ctx.Value(tenantKey{}).(string)
	return t
}

// authenticate is the go-grpc-middleware auth function: it decides who the
// caller is and puts their tenant in the context. The tenant comes from the
// caller's credentials, never from a request field; until credentials exist
// every caller is in DefaultTenant.
func authenticate(ctx context.Context) (context.Context, error) {
	return withTenant(ctx, DefaultTenant), nil
}
