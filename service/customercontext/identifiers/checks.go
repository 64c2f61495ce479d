package identifiers

import "strings"

// The check digits of the identifiers that have them. A value that fails
// its check is not a fact: it is a typing mistake or not an identifier.

// luhn reports whether digits (only '0'-'9') pass the Luhn check
// (ISO/IEC 7812-1: payment cards; 3GPP TS 23.003: IMEI).
func luhn(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return len(digits) > 1 && sum%10 == 0
}

// ibanLengths are the IBAN lengths of the countries of the SWIFT IBAN
// Registry (ISO 13616) that customers of the eight supported languages are
// most likely to give: a country code not here is not read (precision).
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
	"ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GI": 23, "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22,
	"IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "ME": 22, "MK": 19, "MT": 31, "NL": 18,
	"NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
	"VA": 22, "BR": 29,
}

// ibanValid reports whether s (upper case, no spaces) is an IBAN: a known
// country, its length, and the ISO 7064 mod-97-10 check (the country and
// check digits moved to the end, letters as 10..35, the number mod 97 is 1).
// No Go IBAN library is kept alive (the ones found have had no release for
// years), and the check is these few lines.
func ibanValid(s string) bool {
	if len(s) < 15 || ibanLengths[s[:min(2, len(s))]] != len(s) {
		return false
	}
	if s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9' {
		return false
	}
	r := 0
	for _, c := range s[4:] + s[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			r = (r*100 + int(c-'A'+10)) % 97
		default:
			return false
		}
	}
	return r == 1
}

// s10Valid reports whether s is a UPU S10 item number (UPU standard S10:
// two letters, eight digits, a check digit, a two-letter country) with a
// right check digit (weights 8 6 4 2 3 5 9 7; 11 − sum mod 11; 10 → 0,
// 11 → 5).
func s10Valid(s string) bool {
	if len(s) != 13 || strings.IndexFunc(s[2:11], func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return false
	}
	w := []int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := range 8 {
		sum += int(s[2+i]-'0') * w[i]
	}
	c := 11 - sum%11
	switch c {
	case 10:
		c = 0
	case 11:
		c = 5
	}
	return int(s[10]-'0') == c
}
