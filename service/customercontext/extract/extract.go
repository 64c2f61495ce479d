// Package extract reads the facts a customer already gave from the text of
// a contact: identifiers (order, tracking, invoice, claim, case and ticket
// numbers, error codes, account numbers) in English, German, Spanish,
// French and Portuguese, and steps already tried (read by the steps
// package, in eight languages). The rules are in one
// table (rules.go); they favour precision over recall. It knows nothing of
// servers or storage.
package extract

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rapporthq/rapport/service/customercontext/steps"
)

// Limits of what is extracted.
const (
	// MaxFacts is the most facts read from one text.
	MaxFacts       = 20
	minIdentifier  = 4 // characters; error codes may have 3 ("404")
	maxIdentifier  = 40
	stepKey        = "step_tried"
	errorCodeKey   = "error_code"
	minErrorLength = 3
)

// Fact is a fact read from a text: its key, its value, and where the value
// is (byte offsets, End exclusive).
type Fact struct {
	Key, Value string
	Start, End int
}

// compiled are identifierRules' expressions, built once.
var compiled = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(identifierRules))
	for i, r := range identifierRules {
		out[i] = r.compile()
	}
	return out
}()

// Facts reads the facts in text, in the order they appear, each key and
// value once (ignoring case), at most MaxFacts. Its cost is linear in the
// text's length (Go's regular expressions never backtrack).
func Facts(text string) []Fact {
	var out []Fact
	// Steps already tried are read by the steps package, over the whole
	// text (a clause may run past what sentences() splits).
	for _, st := range steps.Find(text) {
		out = append(out, Fact{Key: stepKey, Value: st.Value, Start: st.Span.Start, End: st.Span.End})
	}
	for _, sn := range sentences(text) {
		s := text[sn[0]:sn[1]]
		lower := strings.ToLower(s)
		var found []Fact
		// Identifiers have a digit and a trigger word: a sentence without
		// them has none (the cheap test spares the expression).
		if strings.ContainsAny(s, "0123456789") {
			for i, re := range compiled {
				if containsAny(lower, identifierRules[i].triggers) {
					found = append(found, identifiers(s, identifierRules[i].key, re)...)
				}
			}
		}
		for _, f := range found {
			f.Start, f.End = f.Start+sn[0], f.End+sn[0]
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Fact) int { return cmp.Compare(a.Start, b.Start) })
	var kept []Fact
	for _, f := range out {
		dup := slices.ContainsFunc(kept, func(k Fact) bool {
			return (k.Key == f.Key && strings.EqualFold(k.Value, f.Value)) || (f.Start < k.End && k.Start < f.End)
		})
		if !dup && len(kept) < MaxFacts {
			kept = append(kept, f)
		}
	}
	return kept
}

// sentenceEnd is where a sentence ends: a line break, or '.', '!' or '?'
// before spaces and a capital letter ("Order no. 99812" is one sentence).
var sentenceEnd = regexp.MustCompile(`\n|[.!?]\s+\p{Lu}`)

// sentences splits text into sentences (start and end offsets), which the
// rules read one at a time: Go's expressions are linear in their input,
// but much faster on short inputs, and most sentences hold no digit.
func sentences(text string) [][2]int {
	var out [][2]int
	start := 0
	for _, m := range sentenceEnd.FindAllStringIndex(text, -1) {
		end := m[0] + 1
		if text[m[0]] == '\n' {
			end = m[0]
		}
		if end > start {
			out = append(out, [2]int{start, end})
		}
		start = m[1] - 1
		if text[m[0]] == '\n' {
			start = m[1]
		} else {
			_, size := utf8.DecodeLastRuneInString(text[:m[1]])
			start = m[1] - size
		}
	}
	if start < len(text) {
		out = append(out, [2]int{start, len(text)})
	}
	return out
}

// containsAny reports whether s contains one of words.
func containsAny(s string, words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
}

// identifiers finds every value re reads in text, one match after another.
func identifiers(text, key string, re *regexp.Regexp) []Fact {
	var out []Fact
	for pos := 0; pos < len(text); {
		m := re.FindStringSubmatchIndex(text[pos:])
		if m == nil {
			break
		}
		start, end := pos+m[2], pos+m[3]
		pos = end
		v := text[start:end]
		if plausible(key, v) {
			out = append(out, Fact{Key: key, Value: v, Start: start, End: end})
		}
	}
	return out
}

// plausible reports whether v can be an identifier of key: long enough,
// not too long, and not a date, time, amount or quantity.
func plausible(key, v string) bool {
	minLen := minIdentifier
	if key == errorCodeKey {
		minLen = minErrorLength
	}
	if len(v) < minLen || len(v) > maxIdentifier {
		return false
	}
	for _, re := range notValues {
		if re.MatchString(v) {
			return false
		}
	}
	return true
}
