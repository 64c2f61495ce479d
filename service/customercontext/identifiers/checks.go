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

// imeiRBI reports whether an IMEI's first two digits are a reporting body
// of the GSMA's IMEI allocation (01, 10, 30, 33, 35, 44, 45, 49, 50-54,
// 86, 91, 98, 99): with no IMEI word, a 15-digit number needs one.
func imeiRBI(digits string) bool {
	switch digits[:2] {
	case "01", "10", "30", "33", "35", "44", "45", "49", "50", "51", "52", "53", "54", "86", "91", "98", "99":
		return true
	}
	return false
}

// cardIIN reports whether digits start as a payment card of a major
// scheme does, at a length it issues (ISO/IEC 7812 issuer ranges: Visa 4,
// 13/16/19; Mastercard 51-55 and 2221-2720, 16; Amex 34/37, 15; Discover
// 6011/644-649/65, 16-19; JCB 3528-3589, 16-19; UnionPay 62, 16-19;
// Maestro 50/56-69, 12-19; Diners 36/38/300-305, 14-19): with no card
// word, a number needs one.
func cardIIN(digits string) bool {
	n := len(digits)
	p := func(k int) int {
		v := 0
		for i := 0; i < k && i < n; i++ {
			v = v*10 + int(digits[i]-'0')
		}
		return v
	}
	switch {
	case digits[0] == '4':
		return n == 13 || n == 16 || n == 19
	case p(2) >= 51 && p(2) <= 55, p(4) >= 2221 && p(4) <= 2720:
		return n == 16
	case p(2) == 34 || p(2) == 37:
		return n == 15
	case p(4) == 6011, p(3) >= 644 && p(3) <= 649, p(2) == 65, p(2) == 62, p(4) >= 3528 && p(4) <= 3589:
		return n >= 16
	case p(2) == 50, p(2) >= 56 && p(2) <= 69:
		return n >= 12
	case p(2) == 36, p(2) == 38, p(3) >= 300 && p(3) <= 305:
		return n >= 14
	}
	return false
}
