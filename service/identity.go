package service

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
)

// maxIdentityLen bounds an identity value, before and after normalisation.
const maxIdentityLen = 256

// identityNormalizer turns identities into their canonical, tenant-unique
// form. defaultRegion (a CLDR region such as "US", or empty) is used to read
// phone numbers written without a leading '+'.
type identityNormalizer struct {
	defaultRegion string
}

// normalize returns the canonical value of an identity of type t, or an
// error that says what is wrong with it (shown to the client).
func (n identityNormalizer) normalize(t rapportv1.IdentityType, value string) (string, error) {
	v := strings.TrimSpace(value)
	switch {
	case v == "":
		return "", errors.New("is required")
	case !utf8.ValidString(v):
		return "", errors.New("must be valid UTF-8")
	case utf8.RuneCountInString(v) > maxIdentityLen:
		return "", errors.New("must be at most 256 characters")
	}
	switch t {
	case rapportv1.IdentityType_IDENTITY_TYPE_EMAIL:
		return normalizeEmail(v)
	case rapportv1.IdentityType_IDENTITY_TYPE_PHONE:
		return n.normalizePhone(v)
	case rapportv1.IdentityType_IDENTITY_TYPE_CHAT_HANDLE:
		return normalizeHandle(v)
	case rapportv1.IdentityType_IDENTITY_TYPE_SOCIAL_HANDLE:
		return normalizeHandle(strings.TrimPrefix(v, "@"))
	case rapportv1.IdentityType_IDENTITY_TYPE_EXTERNAL_ID:
		if strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return "", errors.New("must not contain control characters")
		}
		return v, nil
	}
	return "", errors.New("has an unknown identity type")
}

func normalizeEmail(v string) (string, error) {
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Name != "" || addr.Address != v || !strings.Contains(addr.Address[strings.LastIndexByte(addr.Address, '@')+1:], ".") {
		return "", errors.New("must be an email address such as ada@example.com")
	}
	return strings.ToLower(addr.Address), nil
}

func (n identityNormalizer) normalizePhone(v string) (string, error) {
	num, err := phonenumbers.Parse(v, n.defaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		if n.defaultRegion == "" && !strings.HasPrefix(v, "+") {
			return "", errors.New("must be a phone number in international form, such as +14155550100")
		}
		return "", errors.New("must be a valid phone number, such as +14155550100")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

func normalizeHandle(v string) (string, error) {
	if v == "" || strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", errors.New("must be a handle with no spaces")
	}
	return strings.ToLower(v), nil
}

// parseIdentity reads "type:value" as written in LookupCustomer.
func (n identityNormalizer) parseIdentity(s string) (rapportv1.IdentityType, string, error) {
	prefix, value, ok := strings.Cut(s, ":")
	if !ok {
		return 0, "", errors.New("must be written type:value, e.g. email:ada@example.com")
	}
	t, ok := repository.IdentityTypeByPrefix(strings.ToLower(strings.TrimSpace(prefix)))
	if !ok {
		return 0, "", errors.New("has an unknown type " + prefix + "; use email, phone, chat, social or external")
	}
	v, err := n.normalize(t, value)
	if err != nil {
		return 0, "", err
	}
	return t, v, nil
}
