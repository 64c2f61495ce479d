package access

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestParseScopes(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []Scope
		ok   bool
	}{
		{[]string{"context.read"}, []Scope{ScopeContextRead}, true},
		{[]string{" admin", "privacy ", "admin"}, []Scope{ScopeAdmin, ScopePrivacy}, true},
		{[]string{"context.read", "all"}, AllScopes, true},
		{[]string{"context.write"}, nil, false},
		{nil, nil, false},
	} {
		got, err := ParseScopes(tc.in)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("ParseScopes(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

type keyStore map[string]*repository.APIKey

func (s keyStore) GetAPIKey(_ context.Context, id string) (*repository.APIKey, error) {
	if k, ok := s[id]; ok {
		return k, nil
	}
	return nil, repository.ErrNotFound
}

func TestAPIKeys(t *testing.T) {
	now := time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC)
	store := keyStore{}
	add := func(tenant string, expire time.Time) string {
		t.Helper()
		token, k, err := NewAPIKey(tenant, "test", []Scope{ScopeContextRead}, now, expire)
		if err != nil {
			t.Fatal(err)
		}
		if !apiKeyPattern.MatchString(token) || len(k.SecretHash) != 32 {
			t.Fatalf("token %q, hash of %d bytes", token, len(k.SecretHash))
		}
		store[k.ID] = &k
		return token
	}
	good := add("acme", time.Time{})
	expired := add("acme", now)
	revoked := add("acme", time.Time{})
	store[revoked[3:19]].RevokeTime = now
	v := newKeyVerifier(store, time.Minute, func() time.Time { return now })
	p, err := v.verify(t.Context(), good)
	if err != nil || p.Tenant != "acme" || p.ID != "apiKeys/"+good[3:19] || !p.Has(ScopeContextRead) || p.Has(ScopeAdmin) {
		t.Errorf("good key: %+v, %v", p, err)
	}
	other := "A"
	if good[20] == 'A' {
		other = "B"
	}
	for name, token := range map[string]string{
		"expired":      expired,
		"revoked":      revoked,
		"wrong secret": good[:20] + other + good[21:],
		"unknown":      "rk_aaaaaaaaaaaaaaaa_" + good[20:],
		"malformed":    "rk_short",
	} {
		if _, err := v.verify(t.Context(), token); status.Code(err) != codes.Unauthenticated {
			t.Errorf("%s key: %v, want UNAUTHENTICATED", name, err)
		}
	}
	if _, _, err := NewAPIKey("Not/A/Tenant", "x", AllScopes, now, time.Time{}); err == nil {
		t.Error("a key for an invalid tenant")
	}
	if _, _, err := NewAPIKey("acme", "x", nil, now, time.Time{}); err == nil {
		t.Error("a key without scopes")
	}
}
