package service

import (
	"regexp"
	"strings"
	"time"
	"unicode"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"golang.org/x/text/language"
)

// Limits of a customer, as documented in customer.proto.
const (
	maxDisplayName        = 200
	maxPreferredName      = 100
	maxIdentities         = 50
	maxTraits             = 50
	maxTraitValue         = 1024
	maxTags               = 50
	maxTag                = 64
	maxContactWindows     = 14
	maxAccessibilityNotes = 1000
	maxLanguageCode       = 35
	maxTimeZone           = 64
	// One of each day, need and channel (the values each enum declares).
	maxDays               = 7
	maxAccessibilityNeeds = 16
	maxConsents           = 16
)

var (
	traitKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	clockPattern    = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$`)
)

// normalizeCustomer checks every client-settable field of c, rewrites the
// ones that have a canonical form (identities, language, tags), and returns
// what is wrong, with paths under prefix (e.g. "customer").
func (n identityNormalizer) normalizeCustomer(prefix string, c *rapportv1.Customer) violations {
	var v violations
	v.text(prefix+".display_name", c.GetDisplayName(), maxDisplayName, true, false)
	v.text(prefix+".preferred_name", c.GetPreferredName(), maxPreferredName, false, false)
	n.normalizeIdentities(&v, prefix+".identities", c)
	normalizePreferences(&v, prefix+".preferences", c.GetPreferences())

	normalizeTraits(&v, prefix+".traits", c.GetTraits())
	c.Tags = normalizeTags(&v, prefix+".tags", c.GetTags())
	return v
}

func normalizeTraits(v *violations, field string, traits map[string]string) {
	if v.tooMany(field, len(traits), maxTraits) {
		return
	}
	for k, val := range traits {
		if !traitKeyPattern.MatchString(k) {
			v.add(field+"["+k+"]", "key must be 1 to 64 characters of a-z, 0-9 and _, starting with a letter")
			continue
		}
		v.text(field+"["+k+"]", val, maxTraitValue, false, true)
	}
}

// normalizeTags checks tags and returns them without repeats, in the order
// first given.
func normalizeTags(v *violations, field string, tags []string) []string {
	return uniqueList(v, field, tags, maxTags, func(f, t string) (string, bool) {
		return t, v.text(f, t, maxTag, true, false)
	})
}

func (n identityNormalizer) normalizeIdentities(v *violations, field string, c *rapportv1.Customer) {
	if v.tooMany(field, len(c.GetIdentities()), maxIdentities) {
		return
	}
	var out []*rapportv1.Identity
	first := make(map[string]int, len(c.GetIdentities())) // identity key: index in out
	for i, id := range c.GetIdentities() {
		f := indexed(field, i)
		if !v.enum(f+".type", id.GetType(), true) {
			continue
		}
		value, err := n.normalize(id.GetType(), id.GetValue())
		if err != nil {
			v.add(f+".value", "%s", err.Error())
			continue
		}
		id.Value = value
		key := repository.IdentityKey(id.GetType(), value)
		if dup, ok := first[key]; ok {
			out[dup].Verified = out[dup].GetVerified() || id.GetVerified()
			continue
		}
		first[key] = len(out)
		out = append(out, id)
	}
	c.Identities = out
}

func normalizePreferences(v *violations, field string, p *rapportv1.Preferences) {
	if p == nil {
		return
	}
	if p.GetLanguageCode() != "" {
		tag, err := language.Parse(p.GetLanguageCode())
		if err != nil || len(p.GetLanguageCode()) > maxLanguageCode {
			v.add(field+".language_code", "must be a BCP 47 language tag such as en-GB")
		} else {
			p.LanguageCode = tag.String()
		}
	}
	if tz := p.GetTimeZone(); tz != "" {
		if _, err := time.LoadLocation(tz); len(tz) > maxTimeZone || err != nil || tz == "Local" {
			v.add(field+".time_zone", "must be an IANA time zone such as Europe/Lisbon")
		}
	} else if len(p.GetContactWindows()) > 0 {
		v.add(field+".time_zone", "is required when contact_windows are given")
	}
	v.enum(field+".preferred_channel", p.GetPreferredChannel(), false)
	v.enum(field+".communication_style", p.GetCommunicationStyle(), false)

	normalizeContactWindows(v, field+".contact_windows", p.GetContactWindows())
	if !v.tooMany(field+".accessibility_needs", len(p.GetAccessibilityNeeds()), maxAccessibilityNeeds) {
		enumSet(v, field+".accessibility_needs", p.GetAccessibilityNeeds())
	}
	v.text(field+".accessibility_notes", p.GetAccessibilityNotes(), maxAccessibilityNotes, false, true)
	normalizeConsents(v, field+".consents", p.GetConsents())
}

func normalizeContactWindows(v *violations, field string, windows []*rapportv1.ContactWindow) {
	if v.tooMany(field, len(windows), maxContactWindows) {
		return
	}
	for i, w := range windows {
		f := indexed(field, i)
		if len(w.GetDays()) == 0 {
			v.add(f+".days", "must name at least one day")
		}
		if !v.tooMany(f+".days", len(w.GetDays()), maxDays) {
			enumSet(v, f+".days", w.GetDays())
		}
		start, end := w.GetStartTime(), w.GetEndTime()
		okStart, okEnd := clockPattern.MatchString(start), clockPattern.MatchString(end)
		if !okStart || start == "24:00" {
			v.add(f+".start_time", "must be HH:MM between 00:00 and 23:59")
		}
		if !okEnd {
			v.add(f+".end_time", "must be HH:MM between 00:01 and 24:00")
		}
		if okStart && okEnd && end <= start {
			v.add(f+".end_time", "must be later than start_time")
		}
	}
}

func normalizeConsents(v *violations, field string, consents []*rapportv1.ChannelConsent) {
	if v.tooMany(field, len(consents), maxConsents) {
		return
	}
	seen := map[rapportv1.Channel]bool{}
	for i, cs := range consents {
		f := indexed(field, i)
		if v.enum(f+".channel", cs.GetChannel(), true) {
			if seen[cs.GetChannel()] {
				v.add(f+".channel", "repeats %s: give one consent per channel", cs.GetChannel())
			}
			seen[cs.GetChannel()] = true
		}
		v.enum(f+".status", cs.GetStatus(), true)
	}
}

// validCustomerID reports whether id can be the last part of a customer's
// name: 1 to 63 characters of a-z, 0-9 and '-' (user-set IDs and UUIDs).
func validCustomerID(id string) bool {
	return len(id) >= 1 && len(id) <= 63 && strings.IndexFunc(id, func(r rune) bool {
		return !(r == '-' || unicode.IsDigit(r) && r < unicode.MaxASCII || r >= 'a' && r <= 'z')
	}) < 0
}

// earliestCustomerSince bounds Customer.customer_since, as documented.
const earliestCustomerSince = 1900

// checkCustomerSince checks the optional "customer since" time of a
// customer (a back-fill from another system): valid, not in the future,
// not before 1900.
func checkCustomerSince(v *violations, field string, c *rapportv1.Customer, now time.Time) {
	switch cs := c.GetCustomerSince(); {
	case cs == nil:
	case !cs.IsValid():
		v.add(field, "is not a valid time")
	case cs.AsTime().After(now.Add(maxFutureSkew)):
		v.add(field, "is in the future")
	case cs.AsTime().Year() < earliestCustomerSince:
		v.add(field, "must not be before %d", earliestCustomerSince)
	}
}
