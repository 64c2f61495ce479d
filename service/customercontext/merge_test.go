package customercontext

import (
	"slices"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
)

func TestMergedProfile(t *testing.T) {
	email := &rapportv1.Identity{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: "ada@example.com"}
	phone := &rapportv1.Identity{Type: rapportv1.IdentityType_IDENTITY_TYPE_PHONE, Value: "+442079460958"}
	survivor := &rapportv1.Customer{Name: "customers/ada", DisplayName: "Ada Lovelace", Etag: "7", Identities: []*rapportv1.Identity{email},
		Tags: []string{"vip"}, Traits: map[string]string{"plan": "gold"},
		Preferences: &rapportv1.Preferences{LanguageCode: "en-GB", Consents: []*rapportv1.ChannelConsent{{Channel: rapportv1.Channel_CHANNEL_EMAIL, Status: rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED}}}}
	half := &rapportv1.Customer{Name: "customers/ada-2", DisplayName: "A. L.", PreferredName: "Ada", Identities: []*rapportv1.Identity{phone},
		Tags: []string{"vip", "phone"}, Traits: map[string]string{"plan": "basic", "city": "London"},
		Preferences: &rapportv1.Preferences{LanguageCode: "fr", TimeZone: "Europe/London", Consents: []*rapportv1.ChannelConsent{
			{Channel: rapportv1.Channel_CHANNEL_EMAIL, Status: rapportv1.ConsentStatus_CONSENT_STATUS_DENIED},
			{Channel: rapportv1.Channel_CHANNEL_VOICE, Status: rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED}}}}
	for _, tc := range []struct {
		rule                             rapportv1.MergeProfileRule
		display, language, plan, consent string
	}{
		{rapportv1.MergeProfileRule_MERGE_PROFILE_RULE_UNSPECIFIED, "Ada Lovelace", "en-GB", "gold", "CONSENT_STATUS_GRANTED"},
		{rapportv1.MergeProfileRule_MERGE_PROFILE_RULE_SURVIVOR_FIRST, "Ada Lovelace", "en-GB", "gold", "CONSENT_STATUS_GRANTED"},
		{rapportv1.MergeProfileRule_MERGE_PROFILE_RULE_MERGED_FIRST, "A. L.", "fr", "basic", "CONSENT_STATUS_DENIED"},
	} {
		t.Run(tc.rule.String(), func(t *testing.T) {
			got := MergedProfile(survivor, []*rapportv1.Customer{half}, []rapportv1.MergeProfileRule{tc.rule})
			p := got.GetPreferences()
			if got.GetName() != "customers/ada" || got.GetEtag() != "7" || got.GetDisplayName() != tc.display || got.GetPreferredName() != "Ada" ||
				p.GetLanguageCode() != tc.language || p.GetTimeZone() != "Europe/London" || got.GetTraits()["plan"] != tc.plan || got.GetTraits()["city"] != "London" {
				t.Errorf("merged profile %v", got)
			}
			if len(p.GetConsents()) != 2 || p.GetConsents()[0].GetStatus().String() != tc.consent {
				t.Errorf("consents %v, want email %s and voice", p.GetConsents(), tc.consent)
			}
			if !slices.Equal(got.GetTags(), []string{"vip", "phone"}) || len(got.GetIdentities()) != 2 || !slices.Equal(got.GetMergedCustomers(), []string{"customers/ada-2"}) {
				t.Errorf("tags %v, identities %v, merged %v", got.GetTags(), got.GetIdentities(), got.GetMergedCustomers())
			}
			if len(survivor.GetIdentities()) != 1 || survivor.GetPreferences().GetLanguageCode() != "en-GB" || survivor.GetTraits()["city"] != "" {
				t.Errorf("the survivor was changed in place: %v", survivor)
			}
		})
	}
}

func TestAliasSummary(t *testing.T) {
	sum := &repository.Summary{Tenant: "acme", CustomerID: "ada-2", Revision: 4, LastChannel: 3}
	if _, ok := AliasOf(sum); ok {
		t.Fatal("a plain summary read as an alias")
	}
	if err := MakeAlias(sum, "customers/ada"); err != nil {
		t.Fatal(err)
	}
	if got, ok := AliasOf(sum); !ok || got != "customers/ada" || sum.Revision != 4 || sum.LastChannel != 0 {
		t.Errorf("alias %q %v, summary %+v", got, ok, sum)
	}
	// A profile update to the merged customer never replaces the mark.
	mustApply(t, sum, Update{Customer: &rapportv1.Customer{Name: "customers/ada-2", Etag: "99"}})
	if got, ok := AliasOf(sum); !ok || got != "customers/ada" {
		t.Errorf("after a profile update: %q %v", got, ok)
	}
}
