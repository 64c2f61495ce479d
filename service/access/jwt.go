package access

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// JWTConfig says which bearer tokens (JWT) to accept and how to read them.
type JWTConfig struct {
	// KeysFile holds the public keys that sign valid tokens: PEM (PUBLIC
	// KEY, RSA PUBLIC KEY or CERTIFICATE blocks) or a JWKS (JSON). RSA,
	// ECDSA and Ed25519 keys; shared (HMAC) secrets are not accepted.
	KeysFile string
	// Issuer and Audience, when set, must match the iss and aud claims.
	Issuer   string
	Audience string
	// TenantClaim names the claim holding the tenant; empty means "tenant".
	TenantClaim string
	// ScopesClaim names the claim holding the scopes, a space-separated
	// string or an array of strings; empty means "scope".
	ScopesClaim string
	// Leeway is the clock skew tolerated on exp, nbf and iat.
	Leeway time.Duration
}

// JWTVerifier verifies bearer tokens against configured public keys.
type JWTVerifier struct {
	cfg    JWTConfig
	keys   atomic.Pointer[jwtKeys]
	parser *jwt.Parser
	now    func() time.Time
	// verified remembers tokens already verified until they expire, so that
	// a client reusing its token (they all do) costs one signature check,
	// not one per call.
	mu       sync.Mutex
	verified map[string]verifiedToken
}

// jwtKeys are the public keys of the keys file, as last read.
type jwtKeys struct {
	byKID map[string]crypto.PublicKey
	all   []crypto.PublicKey
	sum   [sha256.Size]byte // of the file, to tell a change
}

type verifiedToken struct {
	principal *Principal
	exp       time.Time
	// keys are the keys it was verified with: after a reload the token is
	// verified again, so a removed key's tokens stop working.
	keys *jwtKeys
}

// maxVerifiedTokens bounds the verified-token cache; past it, it starts afresh.
const maxVerifiedTokens = 10000

// jwtMethods are the signing algorithms accepted: asymmetric ones only, so
// neither "none" nor an HMAC made with a public key can pass.
var jwtMethods = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// NewJWTVerifier loads the keys of cfg. now is the clock (nil: time.Now).
func NewJWTVerifier(cfg JWTConfig, now func() time.Time) (*JWTVerifier, error) {
	if cfg.TenantClaim == "" {
		cfg.TenantClaim = "tenant"
	}
	if cfg.ScopesClaim == "" {
		cfg.ScopesClaim = "scope"
	}
	if now == nil {
		now = time.Now
	}
	v := &JWTVerifier{cfg: cfg, now: now, verified: map[string]verifiedToken{}}
	if _, err := v.Reload(); err != nil {
		return nil, err
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(jwtMethods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(now),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// Keys is how many public keys the verifier holds.
func (v *JWTVerifier) Keys() int { return len(v.keys.Load().all) }

// Reload reads the keys file again and, if it changed, uses its keys from
// now on and forgets the tokens verified with the old ones. A file that
// does not parse, or holds no key, leaves the keys as they were.
func (v *JWTVerifier) Reload() (changed bool, err error) {
	data, err := os.ReadFile(v.cfg.KeysFile)
	if err != nil {
		return false, fmt.Errorf("jwt keys: %w", err)
	}
	sum := sha256.Sum256(data)
	if old := v.keys.Load(); old != nil && old.sum == sum {
		return false, nil
	}
	ks := &jwtKeys{byKID: map[string]crypto.PublicKey{}, sum: sum}
	if strings.HasPrefix(strings.TrimSpace(string(data)), "{") {
		err = ks.loadJWKS(data)
	} else {
		err = ks.loadPEM(data)
	}
	if err != nil {
		return false, fmt.Errorf("jwt keys in %s: %w", v.cfg.KeysFile, err)
	}
	if len(ks.all) == 0 {
		return false, fmt.Errorf("jwt keys in %s: no public key found", v.cfg.KeysFile)
	}
	v.keys.Store(ks)
	v.mu.Lock()
	clear(v.verified)
	v.mu.Unlock()
	return true, nil
}

// FollowKeysFile reloads the keys file every interval until ctx ends, so
// that keys are rotated without a restart, logging each change and each
// failure to read it.
func (v *JWTVerifier) FollowKeysFile(ctx context.Context, interval time.Duration, logger *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		switch changed, err := v.Reload(); {
		case err != nil:
			logger.ErrorContext(ctx, "jwt keys file not reloaded; keeping the keys read before", "error", err)
		case changed:
			logger.InfoContext(ctx, "jwt keys reloaded", "file", v.cfg.KeysFile, "keys", v.Keys())
		}
	}
}

func (v *jwtKeys) add(kid string, k crypto.PublicKey) error {
	switch k.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return fmt.Errorf("key %q: unsupported key type %T (want RSA, ECDSA or Ed25519 public keys)", kid, k)
	}
	if kid != "" {
		v.byKID[kid] = k
	}
	v.all = append(v.all, k)
	return nil
}

func (v *jwtKeys) loadJWKS(data []byte) error {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		return fmt.Errorf("not a JWKS: %w", err)
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return fmt.Errorf("key %q is not a public key: only public keys belong in the keys file", k.KeyID)
		}
		if err := v.add(k.KeyID, k.Key); err != nil {
			return err
		}
	}
	return nil
}

func (v *jwtKeys) loadPEM(data []byte) error {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil
		}
		var k crypto.PublicKey
		var err error
		switch b.Type {
		case "PUBLIC KEY":
			k, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "RSA PUBLIC KEY":
			k, err = x509.ParsePKCS1PublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				k = c.PublicKey
			}
		default:
			return fmt.Errorf("PEM block %q: want PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE", b.Type)
		}
		if err != nil {
			return fmt.Errorf("PEM block %q: %w", b.Type, err)
		}
		if err := v.add("", k); err != nil {
			return err
		}
	}
}

func (ks *jwtKeys) keyFor(t *jwt.Token) (any, error) {
	if kid, _ := t.Header["kid"].(string); kid != "" {
		if k, ok := ks.byKID[kid]; ok {
			return k, nil
		}
		if len(ks.byKID) > 0 {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
	}
	keys := make([]jwt.VerificationKey, len(ks.all))
	for i, k := range ks.all {
		keys[i] = k
	}
	return jwt.VerificationKeySet{Keys: keys}, nil
}

// verify checks the token's signature, expiry, issuer and audience, and
// reads the principal from its claims.
func (v *JWTVerifier) verify(token string) (*Principal, error) {
	now := v.now()
	ks := v.keys.Load()
	v.mu.Lock()
	c, ok := v.verified[token]
	v.mu.Unlock()
	if ok && c.keys == ks && now.Before(c.exp) {
		return c.principal, nil
	}
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(token, claims, ks.keyFor); err != nil {
		return nil, unauthenticated("invalid bearer token: " + jwtReason(err))
	}
	p, err := v.principal(claims)
	if err != nil {
		return nil, err
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		v.mu.Lock()
		if len(v.verified) >= maxVerifiedTokens {
			clear(v.verified)
		}
		// Not a moment past exp: the leeway only excuses clock skew once.
		v.verified[token] = verifiedToken{principal: p, exp: exp.Time, keys: ks}
		v.mu.Unlock()
	}
	return p, nil
}

// principal reads the caller from a verified token's claims.
func (v *JWTVerifier) principal(claims jwt.MapClaims) (*Principal, error) {
	sub, _ := claims.GetSubject()
	if sub == "" {
		return nil, unauthenticated("invalid bearer token: no subject (sub)")
	}
	tenant, _ := claims[v.cfg.TenantClaim].(string)
	if !ValidTenant(tenant) {
		return nil, unauthenticated(fmt.Sprintf("invalid bearer token: claim %q does not name a tenant", v.cfg.TenantClaim))
	}
	var names []string
	switch s := claims[v.cfg.ScopesClaim].(type) {
	case string:
		names = strings.Fields(s)
	case []any:
		for _, n := range s {
			if n, ok := n.(string); ok {
				names = append(names, n)
			}
		}
	}
	p := &Principal{Tenant: tenant, ID: "jwt/" + sub}
	for _, n := range names {
		// Scopes of other services may share the token: keep ours.
		for _, s := range AllScopes {
			if n == string(s) && !p.Has(s) {
				p.Scopes = append(p.Scopes, s)
			}
		}
	}
	return p, nil
}

// jwtReason says why a token failed, without echoing it.
func jwtReason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "signature not made by a trusted key, or algorithm not accepted"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "not valid yet"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim (exp) is missing"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	}
	return "rejected"
}
