// Package access decides who may call and how much: the principal and
// tenant a call runs as (from its API key or JWT, or development mode),
// the API key and JWT verifiers with their caches and key-file reload,
// the scopes each method needs, the rate limits per tenant and per
// credential, and the default deadline. It gives the building blocks of
// the interceptor chain (Authenticator.Authenticate, AuthorizeUnary and
// AuthorizeStream, RateLimitInterceptors, DefaultDeadline); service.NewServer
// puts them in order. Handlers read the caller with TenantOf and PrincipalOf.
package access
