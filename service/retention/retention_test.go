package retention

import (
	"slices"
	"testing"
	"time"

	"github.com/rapporthq/rapport/repository"
)

const year = 365 * 24 * time.Hour

func TestPolicy(t *testing.T) {
	p := Policy{Default: year, Tenants: map[string]time.Duration{"initech": 0, "acme": 30 * 24 * time.Hour}}
	if p.For("acme") != 30*24*time.Hour || p.For("initech") != 0 || p.For("other") != year {
		t.Errorf("For: acme %v, initech %v, other %v", p.For("acme"), p.For("initech"), p.For("other"))
	}
	if got, want := p.String(), "8760h0m0s; acme=720h0m0s, initech=forever"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	want := []retentionRule{
		{scope: repository.TenantScope{Tenant: "acme"}, retention: 30 * 24 * time.Hour},
		{scope: repository.TenantScope{Tenant: "initech"}, retention: 0},
		{scope: repository.TenantScope{Except: []string{"acme", "initech"}}, retention: year},
	}
	if got := p.rules(); !slices.EqualFunc(got, want, func(a, b retentionRule) bool {
		return a.retention == b.retention && a.scope.Tenant == b.scope.Tenant && slices.Equal(a.scope.Except, b.scope.Except)
	}) {
		t.Errorf("rules %+v, want %+v", got, want)
	}
	for _, tc := range []struct {
		p       Policy
		enabled bool
		valid   bool
	}{
		{Policy{}, false, true},
		{Policy{Tenants: map[string]time.Duration{"acme": 0}}, false, true},
		{Policy{Tenants: map[string]time.Duration{"acme": Minimum}}, true, true},
		{Policy{Default: time.Minute}, true, false},
		{Policy{Tenants: map[string]time.Duration{"a/b": year}}, true, false},
	} {
		if tc.p.Enabled() != tc.enabled || (tc.p.Validate() == nil) != tc.valid {
			t.Errorf("%v: enabled %v, Validate() %v", tc.p, tc.p.Enabled(), tc.p.Validate())
		}
	}
}
