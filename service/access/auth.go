package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/auth"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/rpcerr"
	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Scope is a permission a credential carries. A method needs exactly one.
type Scope string

// The scopes. They do not imply one another: a credential that may write
// history and read context carries both.
const (
	// ScopeContextRead reads customers, their history, issues and context.
	ScopeContextRead Scope = "context.read"
	// ScopeHistoryWrite records interactions and creates and updates issues.
	ScopeHistoryWrite Scope = "history.write"
	// ScopeCustomerWrite creates and updates customers.
	ScopeCustomerWrite Scope = "customer.write"
	// ScopePrivacy erases and exports customers.
	ScopePrivacy Scope = "privacy"
	// ScopeAdmin reads the audit trail and rebuilds context summaries.
	ScopeAdmin Scope = "admin"
	// ScopeInsightsRead reads the tenant's figures (InsightsService),
	// which hold no customer's data.
	ScopeInsightsRead Scope = "insights.read"
)

// AllScopes lists every scope.
var AllScopes = []Scope{ScopeContextRead, ScopeHistoryWrite, ScopeCustomerWrite, ScopePrivacy, ScopeAdmin, ScopeInsightsRead}

// ParseScopes checks scope names; "all" stands for every scope.
func ParseScopes(names []string) ([]Scope, error) {
	var out []Scope
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "all" {
			return slices.Clone(AllScopes), nil
		}
		if !slices.Contains(AllScopes, Scope(n)) {
			return nil, fmt.Errorf("unknown scope %q (scopes: %s, or all)", n, scopeList(AllScopes))
		}
		if !slices.Contains(out, Scope(n)) {
			out = append(out, Scope(n))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no scopes")
	}
	return out, nil
}

func scopeList(scopes []Scope) string {
	s := make([]string, len(scopes))
	for i, sc := range scopes {
		s[i] = string(sc)
	}
	return strings.Join(s, ", ")
}

// MethodScopes is the scope each RPC needs. A method missing here is
// refused to everybody (a test checks that every method has one).
var MethodScopes = map[string]Scope{
	rapportv1.CustomerService_CreateCustomer_FullMethodName:  ScopeCustomerWrite,
	rapportv1.CustomerService_UpdateCustomer_FullMethodName:  ScopeCustomerWrite,
	rapportv1.CustomerService_GetCustomer_FullMethodName:     ScopeContextRead,
	rapportv1.CustomerService_ListCustomers_FullMethodName:   ScopeContextRead,
	rapportv1.CustomerService_LookupCustomer_FullMethodName:  ScopeContextRead,
	rapportv1.CustomerService_DeleteCustomer_FullMethodName:  ScopePrivacy,
	rapportv1.CustomerService_ExportCustomer_FullMethodName:  ScopePrivacy,
	rapportv1.CustomerService_MergeCustomers_FullMethodName:  ScopeCustomerWrite,
	rapportv1.CustomerService_UnmergeCustomer_FullMethodName: ScopeCustomerWrite,
	rapportv1.CustomerService_ListMerges_FullMethodName:      ScopeContextRead,

	rapportv1.InteractionService_RecordInteraction_FullMethodName:       ScopeHistoryWrite,
	rapportv1.InteractionService_BatchRecordInteractions_FullMethodName: ScopeHistoryWrite,
	rapportv1.InteractionService_RecordSurvey_FullMethodName:            ScopeHistoryWrite,
	rapportv1.InteractionService_ImportInteractions_FullMethodName:      ScopeHistoryWrite,
	rapportv1.InteractionService_GetInteraction_FullMethodName:          ScopeContextRead,
	rapportv1.InteractionService_ListInteractions_FullMethodName:        ScopeContextRead,

	rapportv1.InsightsService_QueryInsights_FullMethodName:   ScopeInsightsRead,
	rapportv1.InsightsService_RebuildInsights_FullMethodName: ScopeAdmin,

	rapportv1.IssueService_CreateIssue_FullMethodName:  ScopeHistoryWrite,
	rapportv1.IssueService_ImportIssues_FullMethodName: ScopeHistoryWrite,
	rapportv1.IssueService_UpdateIssue_FullMethodName:  ScopeHistoryWrite,
	rapportv1.IssueService_GetIssue_FullMethodName:     ScopeContextRead,
	rapportv1.IssueService_ListIssues_FullMethodName:   ScopeContextRead,

	rapportv1.ContextService_GetCustomerContext_FullMethodName:       ScopeContextRead,
	rapportv1.ContextService_BatchGetCustomerContexts_FullMethodName: ScopeContextRead,
	rapportv1.ContextService_GetPersonalizationHints_FullMethodName:  ScopeContextRead,
	rapportv1.ContextService_EnrichTicket_FullMethodName:             ScopeContextRead,
	rapportv1.ContextService_WatchCustomerContext_FullMethodName:     ScopeContextRead,
	rapportv1.ContextService_RebuildCustomerContext_FullMethodName:   ScopeAdmin,

	rapportv1.AuditService_ListAuditEvents_FullMethodName: ScopeAdmin,

	rapportv1.FollowUpService_ListFollowUps_FullMethodName:    ScopeContextRead,
	rapportv1.FollowUpService_CompleteFollowUp_FullMethodName: ScopeHistoryWrite,
	rapportv1.FollowUpService_SnoozeFollowUp_FullMethodName:   ScopeHistoryWrite,
}

// Principal is who is calling: the tenant they act in, an identifier for
// the audit trail, and what they may do.
type Principal struct {
	Tenant string
	// ID names the credential: "apiKeys/{id}", "jwt/{subject}" or "dev".
	ID     string
	Scopes []Scope
}

// Has reports whether p carries scope s.
func (p *Principal) Has(s Scope) bool { return slices.Contains(p.Scopes, s) }

// callState is what the interceptors learn about a call, shared with the
// handler through the context: the principal, and why it was rate limited.
type callState struct {
	principal  *Principal
	mu         sync.Mutex
	retryAfter time.Duration
}

type callKey struct{}

func callOf(ctx context.Context) *callState {
	c, _ := ctx.Value(callKey{}).(*callState)
	return c
}

// PrincipalOf returns the caller, or nil for a call that did not pass
// authentication (health checks and reflection).
func PrincipalOf(ctx context.Context) *Principal {
	if c := callOf(ctx); c != nil {
		return c.principal
	}
	return nil
}

// TenantOf returns the caller's tenant. Handlers only ever run behind the
// auth interceptor, which always sets one.
func TenantOf(ctx context.Context) string {
	if c := callOf(ctx); c != nil {
		return c.principal.Tenant
	}
	return ""
}

// DefaultTenant is the tenant of development mode.
const DefaultTenant = "default"

// tenantPattern is what a tenant name may look like: it prefixes every
// stored _id, so it never holds '/'.
var tenantPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidTenant reports whether name can be a tenant.
func ValidTenant(name string) bool { return tenantPattern.MatchString(name) }

// AuthConfig says how callers prove who they are. With neither API keys nor
// JWT configured the server is in development mode: every call runs in
// DefaultTenant with every scope, credentials or not.
type AuthConfig struct {
	// APIKeys accepts the API keys stored in the database.
	APIKeys bool
	// KeyCacheTTL is how long a verified (or unknown) key is remembered
	// before the database is asked again: the longest a revocation takes to
	// reach every replica. Zero means 10s.
	KeyCacheTTL time.Duration
	// JWT, when set, accepts bearer tokens it verifies.
	JWT *JWTVerifier
}

// Development reports whether c configures no credentials at all.
func (c AuthConfig) Development() bool { return !c.APIKeys && c.JWT == nil }

// APIKeyStore is what verifying API keys needs from storage.
type APIKeyStore interface {
	GetAPIKey(ctx context.Context, id string) (*repository.APIKey, error)
}

// Authenticator is the go-grpc-middleware auth function's state.
type Authenticator struct {
	cfg  AuthConfig
	keys *keyVerifier
}

// NewAuthenticator accepts the credentials cfg configures, reading API keys
// from store; now is the clock.
func NewAuthenticator(cfg AuthConfig, store APIKeyStore, now func() time.Time) *Authenticator {
	a := &Authenticator{cfg: cfg}
	if cfg.APIKeys {
		ttl := cfg.KeyCacheTTL
		if ttl <= 0 {
			ttl = 10 * time.Second
		}
		a.keys = newKeyVerifier(store, ttl, now)
	}
	return a
}

var devPrincipal = &Principal{Tenant: DefaultTenant, ID: "dev", Scopes: AllScopes}

// Authenticate decides who the caller is from their credentials (the
// "authorization: Bearer ..." metadata: an API key or a JWT) and puts the
// call state in the context. The tenant comes from the credentials, never
// from a request field.
func (a *Authenticator) Authenticate(ctx context.Context) (context.Context, error) {
	p, err := a.principal(ctx)
	if err != nil {
		return nil, err
	}
	return context.WithValue(ctx, callKey{}, &callState{principal: p}), nil
}

// authorize refuses the call unless its principal carries the method's
// scope. It runs after the audit interceptor, so refusals are audited.
func authorize(ctx context.Context, method string) error {
	c := callOf(ctx)
	if c == nil {
		return unauthenticated("no credentials")
	}
	need, ok := MethodScopes[method]
	if !ok {
		return rpcerr.New(codes.PermissionDenied, rpcerr.ReasonMissingScope, "method "+method+" is not open to any credential", nil)
	}
	if !c.principal.Has(need) {
		return rpcerr.New(codes.PermissionDenied, rpcerr.ReasonMissingScope,
			fmt.Sprintf("%s needs scope %q, which this credential does not carry", method, need),
			map[string]string{"scope": string(need), "principal": c.principal.ID})
	}
	return nil
}

// AuthorizeUnary is authorize as a unary interceptor.
func AuthorizeUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := authorize(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

// AuthorizeStream is authorize as a stream interceptor.
func AuthorizeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := authorize(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return h(srv, ss)
}

func (a *Authenticator) principal(ctx context.Context) (*Principal, error) {
	if a.cfg.Development() {
		return devPrincipal, nil
	}
	token, err := auth.AuthFromMD(ctx, "bearer")
	if err != nil {
		return nil, unauthenticated("send credentials as \"authorization: Bearer <API key or JWT>\"")
	}
	if strings.HasPrefix(token, apiKeyPrefix) {
		if a.keys == nil {
			return nil, unauthenticated("API keys are not accepted by this server")
		}
		return a.keys.verify(ctx, token)
	}
	if a.cfg.JWT == nil {
		return nil, unauthenticated("not an API key, and bearer tokens (JWT) are not accepted by this server")
	}
	return a.cfg.JWT.verify(token)
}

func unauthenticated(msg string) error {
	return rpcerr.New(codes.Unauthenticated, rpcerr.ReasonUnauthenticated, msg, nil)
}

// API keys look like "rk_{id}_{secret}": the ID finds the stored key, the
// secret is checked against its hash.
const apiKeyPrefix = "rk_"

// NewAPIKey makes a key for tenant with scopes: the token to hand to the
// caller once, and what to store (only a hash of the secret). expire may be
// zero (never).
func NewAPIKey(tenant, name string, scopes []Scope, now, expire time.Time) (string, repository.APIKey, error) {
	if !ValidTenant(tenant) {
		return "", repository.APIKey{}, fmt.Errorf("tenant %q: want 1-63 lowercase letters, digits, '.', '_' or '-'", tenant)
	}
	if len(scopes) == 0 {
		return "", repository.APIKey{}, errors.New("a key needs at least one scope")
	}
	id := strings.ToLower(rand.Text()[:16]) // base32: a-z, 2-7
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails (crypto/rand)
	sec := base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(sec))
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = string(s)
	}
	k := repository.APIKey{ID: id, Tenant: tenant, Name: name, Scopes: names,
		SecretHash: sum[:], CreateTime: now, ExpireTime: expire}
	return apiKeyPrefix + id + "_" + sec, k, nil
}

// keyVerifier checks API keys against the store, remembering what it read
// for ttl: a revoked key stops working on every replica within ttl. Keys
// it found and IDs it did not are remembered apart, so that a stream of
// made-up IDs cannot push real keys out; and the reads of IDs not
// remembered are rate limited, so that it cannot make the database work
// without bound either. The reads that refresh a key found before and
// those of IDs never found have a limiter each: a flood of made-up IDs
// uses up its own, and real keys keep being refreshed (a shared one made a
// real key's call fail with RESOURCE_EXHAUSTED).
type keyVerifier struct {
	store        APIKeyStore
	ttl          time.Duration
	now          func() time.Time
	mu           sync.Mutex
	known        map[string]cachedKey
	unknown      map[string]time.Time
	knownReads   *rate.Limiter
	unknownReads *rate.Limiter
}

type cachedKey struct {
	key  *repository.APIKey
	read time.Time
}

// Bounds of the key caches (each starts afresh when full) and of the key
// reads a process makes for keys it does not remember.
const (
	maxKnownKeys   = 100000
	maxUnknownKeys = 10000
	keyReadsPerSec = 200
)

func newKeyVerifier(store APIKeyStore, ttl time.Duration, now func() time.Time) *keyVerifier {
	return &keyVerifier{store: store, ttl: ttl, now: now, known: map[string]cachedKey{}, unknown: map[string]time.Time{},
		knownReads:   rate.NewLimiter(keyReadsPerSec, keyReadsPerSec),
		unknownReads: rate.NewLimiter(keyReadsPerSec, keyReadsPerSec)}
}

// apiKeyPattern is the exact shape of an API key: the prefix, a 16-letter
// base32 ID and a 43-character base64url secret.
var apiKeyPattern = regexp.MustCompile(`^rk_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$`)

func (v *keyVerifier) verify(ctx context.Context, token string) (*Principal, error) {
	if !apiKeyPattern.MatchString(token) {
		return nil, unauthenticated("malformed API key")
	}
	id, secret := token[3:19], token[20:]
	k, err := v.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(secret))
	now := v.now()
	switch {
	case k == nil || subtle.ConstantTimeCompare(sum[:], k.SecretHash) != 1:
		return nil, unauthenticated("unknown API key")
	case !k.RevokeTime.IsZero():
		return nil, unauthenticated("API key apiKeys/" + id + " was revoked")
	case !k.ExpireTime.IsZero() && !now.Before(k.ExpireTime):
		return nil, unauthenticated("API key apiKeys/" + id + " has expired")
	}
	scopes := make([]Scope, 0, len(k.Scopes))
	for _, s := range k.Scopes {
		scopes = append(scopes, Scope(s))
	}
	return &Principal{Tenant: k.Tenant, ID: "apiKeys/" + id, Scopes: scopes}, nil
}

// lookup returns the stored key, or nil if there is none.
func (v *keyVerifier) lookup(ctx context.Context, id string) (*repository.APIKey, error) {
	now := v.now()
	v.mu.Lock()
	c, ok := v.known[id]
	missed, unknown := v.unknown[id]
	v.mu.Unlock()
	switch {
	case ok && now.Sub(c.read) < v.ttl:
		return c.key, nil
	case unknown && now.Sub(missed) < v.ttl:
		return nil, nil
	}
	reads := v.unknownReads
	if ok {
		reads = v.knownReads
	}
	if r := reads.ReserveN(now, 1); r.DelayFrom(now) > 0 {
		d := r.DelayFrom(now)
		r.CancelAt(now)
		return nil, rpcerr.New(codes.ResourceExhausted, rpcerr.ReasonRateLimited,
			"too many API keys to verify at once; retry", nil, &errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
	}
	k, err := v.store.GetAPIKey(ctx, id)
	if errors.Is(err, repository.ErrNotFound) {
		k, err = nil, nil
	}
	if err != nil {
		return nil, err // UNAVAILABLE or INTERNAL through toStatus
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if k == nil {
		if len(v.unknown) >= maxUnknownKeys {
			clear(v.unknown)
		}
		v.unknown[id] = now
		delete(v.known, id)
		return nil, nil
	}
	if len(v.known) >= maxKnownKeys {
		clear(v.known)
	}
	v.known[id] = cachedKey{key: k, read: now}
	delete(v.unknown, id)
	return k, nil
}
