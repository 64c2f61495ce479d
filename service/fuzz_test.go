package service

// Native fuzz targets (go test -fuzz) for what reads untrusted input before
// anything else: filters, resource names, identities, page tokens and the
// request validators. Their seed corpora are in testdata/fuzz; .ci/run
// fuzzes each for a few seconds. Each checks that nothing panics and what
// must hold of any input it accepts.

import (
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/customercontext"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		`status = ISSUE_STATUS_OPEN`,
		`status != ISSUE_STATUS_CLOSED AND topic = "billing"`,
		`channel = CHANNEL_EMAIL AND occur_time >= "2026-01-01T00:00:00Z" AND topics:"billing"`,
		`issue = "customers/ada/issues/refund"`,
		`(((status = ISSUE_STATUS_OPEN)))`,
		`code = "OK" AND time < "2026-01-01T00:00:00Z" AND customer = "customers/ada"`,
		`topic = "((((" OR x`,
		`NOT -a.b.c(1, 2) = "\"\\"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		_, errIssues := issueFilter(filter)
		_, errInteractions := interactionFilter(filter, "customers/ada")
		_, errAudit := parseAuditFilter(filter)
		if len(filter) > maxFilterBytes && (errIssues == nil || errInteractions == nil || errAudit == nil) {
			t.Errorf("a filter of %d bytes was accepted", len(filter))
		}
		if terms, err := parseFilter(filter, issueFilterDecls); err == nil && len(terms) > maxFilterTerms {
			t.Errorf("%d comparisons accepted", len(terms))
		}
	})
}

func FuzzResourceNames(f *testing.F) {
	for _, s := range []string{"customers/ada", "customers/ada/issues/refund", "customers/ada/interactions/i-1",
		"customers/", "customers//issues/x", "customers/ADA", "customers/ada/issues/refund/x", "projects/p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if id, err := parseCustomerName("name", name); err == nil {
			if repository.CustomerName(id) != name || !validCustomerID(id) {
				t.Errorf("%q read as customer %q", name, id)
			}
		} else if _, ok := status.FromError(err); !ok {
			t.Errorf("not a status: %v", err)
		}
		if c, is, err := parseIssueName("name", name); err == nil && repository.CustomerName(c)+"/issues/"+is != name {
			t.Errorf("%q read as issue %q of %q", name, is, c)
		}
		if c, in, err := parseInteractionName("name", name); err == nil && repository.CustomerName(c)+"/interactions/"+in != name {
			t.Errorf("%q read as interaction %q of %q", name, in, c)
		}
		if c := customerOfName(name); c != "" && !strings.HasPrefix(name, c) {
			t.Errorf("customerOfName(%q) = %q", name, c)
		}
	})
}

func FuzzIdentity(f *testing.F) {
	for _, s := range []string{"email:Ada@Example.com", "phone:+14155550100", "phone:4155550100", "chat:Ada", "social:@ada",
		"external:crm 42", "email:not-an-email", "unknown:x", "email:", ":", "phone:+1 (415) 555-0100"} {
		f.Add(s)
	}
	n := identityNormalizer{defaultRegion: "US"}
	f.Fuzz(func(t *testing.T, s string) {
		typ, value, err := n.parseIdentity(s)
		if err != nil {
			return
		}
		// The canonical form reads back as itself.
		key := repository.IdentityKey(typ, value)
		typ2, value2, err := n.parseIdentity(key)
		if err != nil || typ2 != typ || value2 != value {
			t.Errorf("%q normalised to %q, which reads as %v %q (%v)", s, key, typ2, value2, err)
		}
	})
}

func FuzzPageToken(f *testing.F) {
	f.Add(nextPageToken(repository.Cursor{Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), ID: "i-1"}, 42), uint32(42))
	f.Add("", uint32(0))
	f.Add("not a token", uint32(7))
	f.Fuzz(func(t *testing.T, token string, checksum uint32) {
		var v violations
		var tok historyPageToken
		decodeHistoryToken(&v, token, checksum, &tok)
		if len(v) > 0 || token == "" {
			return
		}
		// A token accepted is one the server could have made.
		var again historyPageToken
		decodeHistoryToken(&v, nextPageToken(repository.Cursor{Time: tok.Time, ID: tok.ID}, checksum), checksum, &again)
		if len(v) > 0 || !again.Time.Equal(tok.Time) || again.ID != tok.ID {
			t.Errorf("token %q: %+v, re-encoded: %+v %v", token, tok, again, v)
		}
	})
}

// checkValidator runs a validator on a message read from data: whatever
// the message, the error is bounded; and a message it accepts (in the
// canonical form it leaves) it accepts again unchanged.
func checkValidator[M proto.Message](t *testing.T, data []byte, normalize func(M) violations) {
	var m M
	m = m.ProtoReflect().Type().New().Interface().(M)
	if proto.Unmarshal(data, m) != nil {
		return
	}
	v := normalize(m)
	if err := v.err(); err != nil {
		if n := proto.Size(status.Convert(err).Proto()); n > 16<<10 {
			t.Errorf("an error of %d bytes", n)
		}
		return
	}
	again := proto.Clone(m).(M)
	if v := normalize(again); len(v) > 0 {
		t.Fatalf("accepted, then refused in canonical form: %v", v.err())
	}
	if !proto.Equal(m, again) {
		t.Errorf("not idempotent:\n%v\n%v", m, again)
	}
}

func FuzzValidateCustomer(f *testing.F) {
	for _, c := range []*rapportv1.Customer{
		{DisplayName: "Ada", Tags: []string{"vip", "vip"}, Traits: map[string]string{"plan": "premium"}},
		{DisplayName: "Ada", Identities: []*rapportv1.Identity{
			{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: "Ada@Example.com"},
			{Type: rapportv1.IdentityType_IDENTITY_TYPE_PHONE, Value: "+14155550100"},
		}, Preferences: &rapportv1.Preferences{LanguageCode: "en-gb", TimeZone: "Europe/Lisbon",
			ContactWindows:     []*rapportv1.ContactWindow{{Days: []rapportv1.DayOfWeek{1, 2}, StartTime: "09:00", EndTime: "17:00"}},
			AccessibilityNeeds: []rapportv1.AccessibilityNeed{1}, Consents: []*rapportv1.ChannelConsent{{Channel: 1, Status: 1}}}},
	} {
		b, _ := proto.Marshal(c)
		f.Add(b)
	}
	n := identityNormalizer{defaultRegion: "US"}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkValidator(t, data, func(c *rapportv1.Customer) violations { return n.normalizeCustomer("customer", c) })
	})
}

func FuzzValidateInteraction(f *testing.F) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, in := range []*rapportv1.Interaction{
		{Channel: 1, OccurTime: nil, Summary: "hello"},
		{Channel: rapportv1.Channel_CHANNEL_CHAT, Topics: []string{"Billing", "billing"}, Text: "It never arrived :(",
			Facts: []*rapportv1.Fact{{Key: "order_number", Value: " A-1 "}, {Key: "order_number", Value: "a-1"}}, SourceSystem: "crm", SourceId: "1"},
	} {
		b, _ := proto.Marshal(in)
		f.Add(b)
	}
	s := &interactionServer{sentiment: customercontext.NewSentimentModel()}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkValidator(t, data, func(in *rapportv1.Interaction) violations {
			in.Sentiment = nil // computed, so that a second pass computes it again
			return s.normalizeInteraction("interaction", in, now)
		})
	})
}

func FuzzValidateIssue(f *testing.F) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, is := range []*rapportv1.Issue{
		{Title: "Refund", Topic: "Billing", Facts: []*rapportv1.Fact{{Key: "order_number", Value: "A-1"}}},
		{Title: "", Priority: 99},
	} {
		b, _ := proto.Marshal(is)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkValidator(t, data, func(is *rapportv1.Issue) violations { return normalizeIssue("issue", is, now) })
	})
}
