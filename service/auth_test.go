package service_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/repository/repositorytest"
	"github.com/rapporthq/rapport/service"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/rpcerr"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// issuer signs test tokens with an Ed25519 key published in a JWKS file.
type issuer struct {
	priv ed25519.PrivateKey
	file string
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: "k1", Algorithm: "EdDSA", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return &issuer{priv: priv, file: file}
}

// token signs claims (with defaults for what is not given; a nil value
// removes the claim) with the issuer's key, kid "k1".
func (is *issuer) token(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	return is.signed(t, "k1", claims)
}

// signed signs claims (with defaults) with the issuer's key under kid.
func (is *issuer) signed(t testing.TB, kid string, claims jwt.MapClaims) string {
	t.Helper()
	c := jwt.MapClaims{"iss": "https://idp.test", "aud": "rapport", "sub": "agent-1", "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(is.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tenantToken is a valid token of tenant with scopes (space-separated).
func (is *issuer) tenantToken(t testing.TB, tenant, scopes string) string {
	return is.token(t, jwt.MapClaims{"tenant": tenant, "scope": scopes, "sub": "agent-of-" + tenant})
}

func (is *issuer) verifier(t testing.TB) *access.JWTVerifier {
	t.Helper()
	v, err := access.NewJWTVerifier(access.JWTConfig{KeysFile: is.file, Issuer: "https://idp.test", Audience: "rapport"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// as returns a context that calls with the bearer token.
func as(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

const allScopes = "context.read history.write customer.write privacy admin insights.read"

// authServer serves a fresh store with API keys and JWTs accepted.
func authServer(t *testing.T, opts service.Options) (*testServer, repositorytest.Store, *issuer) {
	t.Helper()
	is := newIssuer(t)
	store := newStore(t)
	opts.Auth.APIKeys = true
	opts.Auth.JWT = is.verifier(t)
	return startServer(t, store, opts), store, is
}

// apiKey stores a key and returns its token.
func apiKey(t *testing.T, store repositorytest.Store, tenant string, expire time.Time, scopes ...access.Scope) (string, repository.APIKey) {
	t.Helper()
	token, k, err := access.NewAPIKey(tenant, "test", scopes, time.Now(), expire)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateAPIKey(t.Context(), k); err != nil {
		t.Fatal(err)
	}
	return token, k
}

func TestEveryMethodNeedsAScope(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	_, srv := startServerWith(t, store, service.Options{})
	for name, info := range srv.GRPC.GetServiceInfo() {
		if name == healthpb.Health_ServiceDesc.ServiceName || name == "grpc.reflection.v1.ServerReflection" || name == "grpc.reflection.v1alpha.ServerReflection" {
			continue
		}
		for _, m := range info.Methods {
			full := "/" + name + "/" + m.Name
			if _, ok := access.MethodScopes[full]; !ok {
				t.Errorf("%s has no scope: nobody may call it", full)
			}
		}
	}
}

func TestBadCredentialsAreRefused(t *testing.T) {
	t.Parallel()
	ts, store, is := authServer(t, service.Options{})
	ctx := t.Context()
	good, _ := apiKey(t, store, "acme", time.Time{}, access.ScopeContextRead, access.ScopeCustomerWrite)
	revoked, rk := apiKey(t, store, "acme", time.Time{}, access.AllScopes...)
	if _, err := store.RevokeAPIKey(ctx, rk.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	expired, _ := apiKey(t, store, "acme", time.Now().Add(-time.Minute), access.AllScopes...)
	otherIssuer := newIssuer(t)
	none := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": "https://idp.test", "aud": "rapport", "sub": "x", "tenant": "acme", "scope": allScopes, "exp": time.Now().Add(time.Hour).Unix()})
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	hmacWithPublicKey := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "https://idp.test", "aud": "rapport", "sub": "x", "tenant": "acme", "scope": allScopes, "exp": time.Now().Add(time.Hour).Unix()})
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString([]byte(is.priv.Public().(ed25519.PublicKey)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	create := func(ctx context.Context) error {
		_, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "mallory", Customer: &rapportv1.Customer{DisplayName: "M"}})
		return err
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want codes.Code
	}{
		{"no credentials", ctx, codes.Unauthenticated},
		{"not a token", as(ctx, "hello"), codes.Unauthenticated},
		{"basic auth", metadata.AppendToOutgoingContext(ctx, "authorization", "Basic YWRtaW46YWRtaW4="), codes.Unauthenticated},
		{"malformed API key", as(ctx, "rk_short_x"), codes.Unauthenticated},
		{"API key with a wrong secret", as(ctx, good[:len(good)-4]+"AAAA"), codes.Unauthenticated},
		{"unknown API key", as(ctx, "rk_aaaaaaaaaaaaaaaa_secret"), codes.Unauthenticated},
		{"revoked API key", as(ctx, revoked), codes.Unauthenticated},
		{"expired API key", as(ctx, expired), codes.Unauthenticated},
		{"expired token", as(ctx, is.token(t, jwt.MapClaims{"tenant": "acme", "scope": allScopes, "exp": time.Now().Add(-time.Hour).Unix()})), codes.Unauthenticated},
		{"token without expiry", as(ctx, is.token(t, jwt.MapClaims{"tenant": "acme", "scope": allScopes, "exp": nil})), codes.Unauthenticated},
		{"token not yet valid", as(ctx, is.token(t, jwt.MapClaims{"tenant": "acme", "scope": allScopes, "nbf": time.Now().Add(time.Hour).Unix()})), codes.Unauthenticated},
		{"token signed with another key", as(ctx, otherIssuer.tenantToken(t, "acme", allScopes)), codes.Unauthenticated},
		{"token with alg none", as(ctx, none), codes.Unauthenticated},
		{"token signed with HMAC over the public key", as(ctx, hmacWithPublicKey), codes.Unauthenticated},
		{"token of another issuer", as(ctx, is.token(t, jwt.MapClaims{"iss": "https://evil.test", "tenant": "acme", "scope": allScopes})), codes.Unauthenticated},
		{"token for another audience", as(ctx, is.token(t, jwt.MapClaims{"aud": "billing", "tenant": "acme", "scope": allScopes})), codes.Unauthenticated},
		{"token without tenant", as(ctx, is.token(t, jwt.MapClaims{"scope": allScopes})), codes.Unauthenticated},
		{"token with a malformed tenant", as(ctx, is.token(t, jwt.MapClaims{"tenant": "acme/other", "scope": allScopes})), codes.Unauthenticated},
		{"token without subject", as(ctx, is.token(t, jwt.MapClaims{"sub": nil, "tenant": "acme", "scope": allScopes})), codes.Unauthenticated},
		{"tampered token (scope escalated)", as(ctx, tamper(t, is.tenantToken(t, "acme", "context.read"), "scope", allScopes)), codes.Unauthenticated},
		{"token without the scope", as(ctx, is.tenantToken(t, "acme", "context.read history.write")), codes.PermissionDenied},
		{"token with a look-alike scope", as(ctx, is.tenantToken(t, "acme", "customer.write.all context.read")), codes.PermissionDenied},
		{"API key without the scope", as(ctx, mustKey(t, store, "acme", access.ScopeContextRead)), codes.PermissionDenied},
	} {
		err := create(tc.ctx)
		code, info, _ := statusDetails(t, err)
		if code != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			continue
		}
		if code == codes.PermissionDenied && (info.GetReason() != rpcerr.ReasonMissingScope || info.GetMetadata()["scope"] != "customer.write") {
			t.Errorf("%s: error info %v, want MISSING_SCOPE naming customer.write", tc.name, info)
		}
	}
	// Nothing refused changed anything.
	list, err := ts.customers.ListCustomers(as(ctx, good), &rapportv1.ListCustomersRequest{})
	if err != nil || len(list.GetCustomers()) != 0 {
		t.Fatalf("after refused calls: %v, %v; want no customer", list, err)
	}
	// The good credentials work, and health needs none.
	if err := create(as(ctx, good)); err != nil {
		t.Fatalf("good API key: %v", err)
	}
	if _, err := ts.customers.GetCustomer(as(ctx, is.tenantToken(t, "acme", "context.read")), &rapportv1.GetCustomerRequest{Name: "customers/mallory"}); err != nil {
		t.Fatalf("good token: %v", err)
	}
	if _, err := ts.health.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("health without credentials: %v", err)
	}
}

func mustKey(t *testing.T, store repositorytest.Store, tenant string, scopes ...access.Scope) string {
	tok, _ := apiKey(t, store, tenant, time.Time{}, scopes...)
	return tok
}

// tamper rewrites one claim of a signed token, keeping its signature.
func tamper(t *testing.T, token, claim string, value any) string {
	t.Helper()
	parts := splitToken(token)
	payload, err := jwt.NewParser().DecodeSegment(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	claims[claim] = value
	b, _ := json.Marshal(claims)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

func splitToken(s string) [3]string {
	var out [3]string
	i := 0
	start := 0
	for j := range len(s) {
		if s[j] == '.' && i < 2 {
			out[i] = s[start:j]
			i++
			start = j + 1
		}
	}
	out[2] = s[start:]
	return out
}

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRevokedKeyStopsWorkingWithinTheCacheTTL(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	ts, store, _ := authServer(t, service.Options{Now: clk.now, Auth: access.AuthConfig{KeyCacheTTL: 5 * time.Second}})
	key, k := apiKey(t, store, "acme", time.Time{}, access.ScopeContextRead)
	ctx := as(t.Context(), key)
	list := func() error {
		_, err := ts.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{})
		return err
	}
	if err := list(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.RevokeAPIKey(t.Context(), k.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Within the TTL a replica may still trust what it read...
	clk.advance(4 * time.Second)
	_ = list()
	// ...and past it, no replica does.
	clk.advance(2 * time.Second)
	if code := status.Code(list()); code != codes.Unauthenticated {
		t.Fatalf("revoked key past the cache TTL: %v, want UNAUTHENTICATED", code)
	}
}

func TestRateLimitsPerTenantAndPerKey(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	ts, store, is := authServer(t, service.Options{Now: clk.now, Limits: access.Limits{TenantRate: 1, TenantBurst: 3, KeyRate: 1, KeyBurst: 2}})
	ctx := t.Context()
	call := func(token string) error {
		_, err := ts.customers.ListCustomers(as(ctx, token), &rapportv1.ListCustomersRequest{})
		return err
	}
	a1 := mustKey(t, store, "a", access.ScopeContextRead)
	a2 := mustKey(t, store, "a", access.ScopeContextRead)
	b := is.tenantToken(t, "b", "context.read")
	// Key a1 has a burst of 2.
	for i := range 2 {
		if err := call(a1); err != nil {
			t.Fatalf("call %d of key a1: %v", i+1, err)
		}
	}
	err := call(a1)
	if code, info, _ := statusDetails(t, err); code != codes.ResourceExhausted || info.GetReason() != rpcerr.ReasonRateLimited {
		t.Fatalf("third call of a1: %v, want RESOURCE_EXHAUSTED RATE_LIMITED", err)
	}
	var retry *errdetails.RetryInfo
	for _, d := range status.Convert(err).Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if retry == nil || retry.GetRetryDelay().AsDuration() <= 0 || retry.GetRetryDelay().AsDuration() > time.Second {
		t.Fatalf("RetryInfo %v, want a delay up to 1s", retry)
	}
	// Tenant a has a burst of 3: key a2 gets the one left.
	if err := call(a2); err != nil {
		t.Fatalf("a2: %v", err)
	}
	if code := status.Code(call(a2)); code != codes.ResourceExhausted {
		t.Fatalf("a2 past tenant a's burst: %v, want RESOURCE_EXHAUSTED", code)
	}
	// Tenant b is not affected by a's exhaustion.
	if err := call(b); err != nil {
		t.Fatalf("tenant b while a is limited: %v", err)
	}
	// Once the retry delay has passed, a1 may call again.
	clk.advance(retry.GetRetryDelay().AsDuration())
	if err := call(a1); err != nil {
		t.Fatalf("a1 after the retry delay: %v", err)
	}
}

func TestHugeMessageIsRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	big := make([]byte, service.MaxMessageBytes+1)
	for i := range big {
		big[i] = 'a'
	}
	_, err := ts.customers.CreateCustomer(t.Context(), &rapportv1.CreateCustomerRequest{Customer: &rapportv1.Customer{DisplayName: string(big)}})
	if code := status.Code(err); code != codes.ResourceExhausted {
		t.Fatalf("a %d-byte message: %v, want RESOURCE_EXHAUSTED", len(big), err)
	}
}

// Authenticating with an API key costs a database read the first time a
// replica sees the key, then none until the cache TTL passes: a context
// read stays one round trip.
func TestAPIKeyAuthCostsNoRoundTripOnceCached(t *testing.T) {
	t.Parallel()
	var counter commandCounter
	store := counter.store(t)
	ts := startServer(t, store, service.Options{Auth: access.AuthConfig{APIKeys: true, KeyCacheTTL: time.Hour}})
	key := mustKey(t, store, "acme", access.AllScopes...)
	ctx := as(t.Context(), key)
	if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada"}}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		byName := counter.during(func() {
			if _, err := ts.contexts.GetCustomerContext(ctx, &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"}); err != nil {
				t.Fatal(err)
			}
		})
		if total(byName) != 1 || byName["read"] != 1 {
			t.Fatalf("GetCustomerContext with a cached API key sent %v, want one read", byName)
		}
	}
}

// hangingStore never answers GetCustomer until the call's context ends.
type hangingStore struct{ repositorytest.Store }

func (hangingStore) GetCustomer(ctx context.Context, _, _ string) (*rapportv1.Customer, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// A unary call that sets no deadline gets the default one: a stuck
// database cannot hold it (and its resources) forever.
func TestCallsWithoutDeadlineGetTheDefault(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ts := startServer(t, hangingStore{store}, service.Options{Limits: access.Limits{DefaultDeadline: 100 * time.Millisecond}})
	done := make(chan error, 1)
	go func() {
		_, err := ts.customers.GetCustomer(context.Background(), &rapportv1.GetCustomerRequest{Name: "customers/ada"})
		done <- err
	}()
	select {
	case err := <-done:
		if status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("a call without deadline on a stuck store: %v, want DEADLINE_EXCEEDED", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a call without deadline on a stuck store never ended")
	}
}

// Rotating JWT keys needs no restart: once the keys file holds the new key
// and is reloaded, tokens it signed are accepted; once the old key leaves
// the file, its tokens (even ones verified before) are not.
func TestJWTKeysRotateWithoutRestart(t *testing.T) {
	t.Parallel()
	oldIss, newIss := newIssuer(t), newIssuer(t)
	v := oldIss.verifier(t)
	store := newStore(t)
	ts := startServer(t, store, service.Options{Auth: access.AuthConfig{JWT: v}})
	call := func(token string) error {
		_, err := ts.customers.ListCustomers(as(t.Context(), token), &rapportv1.ListCustomersRequest{})
		return err
	}
	oldTok := oldIss.tenantToken(t, "acme", "context.read")
	newTok := newIss.tenantToken(t, "acme", "context.read")
	if err := call(oldTok); err != nil {
		t.Fatal(err)
	}
	if status.Code(call(newTok)) != codes.Unauthenticated {
		t.Fatal("a token of a key not yet in the file was accepted")
	}
	writeJWKS := func(keys ...jose.JSONWebKey) {
		b, _ := json.Marshal(jose.JSONWebKeySet{Keys: keys})
		if err := os.WriteFile(oldIss.file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if changed, err := v.Reload(); err != nil || !changed {
			t.Fatalf("reload: %v, %v", changed, err)
		}
	}
	oldKey := jose.JSONWebKey{Key: oldIss.priv.Public(), KeyID: "k1", Algorithm: "EdDSA"}
	newKey := jose.JSONWebKey{Key: newIss.priv.Public(), KeyID: "k2", Algorithm: "EdDSA"}
	newTok = newIss.signed(t, "k2", jwt.MapClaims{"tenant": "acme", "scope": "context.read", "sub": "desk"})
	writeJWKS(oldKey, newKey)
	if err := call(newTok); err != nil {
		t.Fatalf("new key after reload: %v", err)
	}
	if err := call(oldTok); err != nil {
		t.Fatalf("old key while still in the file: %v", err)
	}
	writeJWKS(newKey)
	if status.Code(call(oldTok)) != codes.Unauthenticated {
		t.Fatal("a token of a key removed from the file is still accepted")
	}
	// A broken file keeps the keys read before.
	if err := os.WriteFile(oldIss.file, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Reload(); err == nil {
		t.Fatal("a broken keys file was accepted")
	}
	if err := call(newTok); err != nil {
		t.Fatalf("after a failed reload: %v", err)
	}
}

// A stream of made-up API keys neither pushes real keys out of the cache
// nor makes the database read without bound.
func TestMadeUpAPIKeysCannotFloodTheDatabase(t *testing.T) {
	t.Parallel()
	var counter commandCounter
	store := counter.store(t)
	clk := &clock{t: time.Now()} // frozen: the read budget does not refill
	ts := startServer(t, store, service.Options{Now: clk.now, Auth: access.AuthConfig{APIKeys: true}})
	key := mustKey(t, store, "acme", access.ScopeContextRead)
	list := func(token string) error {
		_, err := ts.customers.ListCustomers(as(t.Context(), token), &rapportv1.ListCustomersRequest{})
		return err
	}
	if err := list(key); err != nil {
		t.Fatal(err)
	}
	// With the key cached, a list is one find (of customers).
	before := counter.during(func() {
		if err := list(key); err != nil {
			t.Fatal(err)
		}
	})
	refused := 0
	reads := counter.during(func() {
		for i := range 300 {
			id := []byte("zzzzzzzzzzzzzzzz")
			for j, n := 15, i; n > 0; j, n = j-1, n/26 {
				id[j] = byte('a' + n%26)
			}
			fake := "rk_" + string(id) + "_" + strings.Repeat("A", 43)
			err := list(fake)
			switch status.Code(err) {
			case codes.Unauthenticated:
			case codes.ResourceExhausted:
				refused++
			default:
				t.Fatalf("made-up key %s: %v", fake, err)
			}
		}
	})
	if reads["read"] > 200 || refused < 100 {
		t.Errorf("300 made-up keys: %d key reads, %d refused; want at most 200 reads", reads["read"], refused)
	}
	after := counter.during(func() {
		if err := list(key); err != nil {
			t.Fatalf("the real key after the flood: %v", err)
		}
	})
	if after["read"] != before["read"] {
		t.Errorf("a list sent %v after the flood, %v before: made-up keys pushed the real one out of the cache", after, before)
	}
}

// Streams are guarded like unary calls: credentials and scope are checked
// when they open.
func TestStreamsNeedCredentialsAndScope(t *testing.T) {
	t.Parallel()
	ts, _, is := authServer(t, service.Options{})
	reader := as(t.Context(), is.tenantToken(t, "acme", "context.read"))
	writer := as(t.Context(), is.tenantToken(t, "acme", allScopes))
	seedTenant(t, ts, writer)
	first := func(recv func() error) codes.Code { return status.Code(recv()) }
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want codes.Code
	}{
		{"no credentials", t.Context(), codes.Unauthenticated},
		{"read scope only", reader, codes.PermissionDenied},
	} {
		imp, err := ts.interactions.ImportInteractions(tc.ctx)
		if err != nil {
			t.Fatal(err)
		}
		_ = imp.Send(&rapportv1.ImportInteractionsRequest{})
		if got := first(func() error { _, err := imp.Recv(); return err }); got != tc.want {
			t.Errorf("import, %s: %v, want %v", tc.name, got, tc.want)
		}
		exp, err := ts.customers.ExportCustomer(tc.ctx, &rapportv1.ExportCustomerRequest{Name: "customers/ada"})
		if err == nil {
			if got := first(func() error { _, err := exp.Recv(); return err }); got != tc.want {
				t.Errorf("export, %s: %v, want %v", tc.name, got, tc.want)
			}
		}
	}
	w, err := ts.contexts.WatchCustomerContext(t.Context(), &rapportv1.WatchCustomerContextRequest{Context: &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"}})
	if err == nil {
		if _, err = w.Recv(); status.Code(err) != codes.Unauthenticated {
			t.Errorf("watch without credentials: %v", err)
		}
	}
}

// One tenant cannot hold every watch stream of a server.
func TestWatchStreamsPerTenant(t *testing.T) {
	t.Parallel()
	ts, _, is := authServer(t, service.Options{MaxWatchStreams: 10, MaxWatchStreamsPerTenant: 1})
	a := as(t.Context(), is.tenantToken(t, "a", allScopes))
	b := as(t.Context(), is.tenantToken(t, "b", allScopes))
	seedTenant(t, ts, a)
	seedTenant(t, ts, b)
	open := func(ctx context.Context) error {
		w, err := ts.contexts.WatchCustomerContext(ctx, &rapportv1.WatchCustomerContextRequest{Context: &rapportv1.GetCustomerContextRequest{Customer: "customers/ada"}})
		if err != nil {
			return err
		}
		_, err = w.Recv()
		return err
	}
	ctx, cancel := context.WithCancel(a)
	defer cancel()
	if err := open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := open(a); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("tenant a's second watch: %v, want RESOURCE_EXHAUSTED", err)
	}
	bctx, bcancel := context.WithCancel(b)
	defer bcancel()
	if err := open(bctx); err != nil {
		t.Fatalf("tenant b's watch while a holds its share: %v", err)
	}
}

// An import streams at its tenant's rate: each message after the first
// takes a token, waiting for it rather than failing.
func TestImportIsPacedByTheRateLimit(t *testing.T) {
	t.Parallel()
	ts, _, is := authServer(t, service.Options{Limits: access.Limits{TenantRate: 20, TenantBurst: 1}})
	ctx := as(t.Context(), is.tenantToken(t, "acme", allScopes))
	if _, err := ts.customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: "ada", Customer: &rapportv1.Customer{DisplayName: "Ada"}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the bucket refill its one token
	st, err := ts.interactions.ImportInteractions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	const messages = 6
	for i := range messages {
		if err := st.Send(&rapportv1.ImportInteractionsRequest{Requests: []*rapportv1.RecordInteractionRequest{{Parent: "customers/ada",
			Interaction: interaction(rapportv1.Channel_CHANNEL_CHAT, i, "paced-"+string(rune('a'+i)))}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Recv(); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	// Five messages past the first at 20/s cannot take less than 250 ms.
	if took := time.Since(start); took < 240*time.Millisecond {
		t.Fatalf("%d messages took %v: the stream was not paced", messages, took)
	}
}
