// Package access decides who may call and how much: the principal and
// tenant a call runs as (from its API key or JWT, or development mode),
// the API key and JWT verifiers with their caches and key-file reload,
// the scopes each method needs, the cost of a call (Cost), the rate limits
// per tenant and per credential (charged by cost), the admission of calls
// to the process's work slots through a weighted fair queue per tenant
// (Admission), and the default deadline. It gives the building blocks of
// the interceptor chain (Authenticator.Authenticate, AuthorizeUnary and
// AuthorizeStream, RateLimitInterceptors, Admission.Interceptors,
// DefaultDeadline); service.NewServer
// puts them in order. Handlers read the caller with TenantOf and PrincipalOf.
package access
