package statements

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A cue pattern is a table row's regular expression, compiled so that a
// text without the row's words costs next to nothing: the pattern is split
// at its top-level "|" into alternatives, each compiled on its own (small
// programs, which Go's regexp runs fast), and each alternative has the
// words of which at least one must be in a text for it to match (read
// from its syntax: "thanks\s+for\s+nothing" needs "nothing"). A text is
// searched with an alternative only when one of its words is in the text
// (lower-cased).
type cuePattern []cueAlt

type cueAlt struct {
	re *regexp.Regexp
	// need are lower-case strings one of which the text must hold; nil
	// when none could be read from the syntax (then it always runs).
	need []string
}

// compileCue compiles a row's pattern, case-insensitive, with \b standing
// for letterEdge.
func compileCue(pattern string) cuePattern {
	var out cuePattern
	for _, alt := range splitAlternatives(pattern) {
		expr := `(?i)` + strings.ReplaceAll(alt, `\b`, letterEdge)
		a := cueAlt{re: regexp.MustCompile(expr)}
		if tree, err := syntax.Parse(expr, syntax.Perl); err == nil {
			a.need = needed(tree)
		}
		out = append(out, a)
	}
	return out
}

// compileRule is compileCue for a pattern that says its own case rules
// ("(?i:…)" where it means it, a name's capital kept) and keeps Go's \b
// beside the letter edges, as re does.
func compileRule(pattern string) cuePattern {
	var out cuePattern
	for _, alt := range splitAlternatives(pattern) {
		expr := strings.ReplaceAll(alt, `\b`, `(?:\b|^|$|[^\p{L}\p{N}_])`)
		a := cueAlt{re: regexp.MustCompile(expr)}
		if tree, err := syntax.Parse(expr, syntax.Perl); err == nil {
			a.need = needed(tree)
		}
		out = append(out, a)
	}
	return out
}

// splitAlternatives splits a pattern at its "|" outside any group or
// character class.
func splitAlternatives(p string) []string {
	var out []string
	depth, class, start := 0, false, 0
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case class:
			if c == ']' {
				class = false
			}
		case c == '[':
			class = true
			if i+1 < len(p) && p[i+1] == ']' {
				i++
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}

// needed returns strings one of which every match of re holds (lower
// case), or nil when it cannot tell.
func needed(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{lowerRunes(re.Rune)}
	case syntax.OpCharClass:
		// a small class of single runes: one of them ('"', '“', '„')
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i+1]-re.Rune[i] > 4 || len(out) > 12 {
				return nil
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				out = append(out, lowerRunes([]rune{r}))
			}
		}
		return out
	case syntax.OpCapture, syntax.OpPlus:
		return needed(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return needed(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		for _, sub := range re.Sub {
			if n := needed(sub); n != nil && better(n, best) {
				best = n
			}
		}
		return best
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			n := needed(sub)
			if n == nil {
				return nil
			}
			out = append(out, n...)
		}
		return out
	}
	return nil
}

// better reports whether a is a stronger filter than b: its shortest
// string is longer (ties: fewer strings).
func better(a, b []string) bool {
	if b == nil {
		return true
	}
	ma, mb := shortest(a), shortest(b)
	return ma > mb || ma == mb && len(a) < len(b)
}

func shortest(xs []string) int {
	m := -1
	for _, x := range xs {
		if n := utf8.RuneCountInString(x); m < 0 || n < m {
			m = n
		}
	}
	return m
}

func lowerRunes(rs []rune) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// may reports whether a text (lower-cased) may match a.
func (a cueAlt) may(lower string) bool {
	if a.need == nil {
		return true
	}
	for _, s := range a.need {
		if strings.Contains(lower, s) {
			return true
		}
	}
	return false
}

// findAll returns the matches of each alternative in turn, at most n of
// each.
func (p cuePattern) findAll(text, lower string, n int) [][]int {
	return p.collect(lower, func(re *regexp.Regexp) [][]int { return re.FindAllStringIndex(text, n) })
}

// findAllSubmatch is findAll with the submatches.
func (p cuePattern) findAllSubmatch(text, lower string, n int) [][]int {
	return p.collect(lower, func(re *regexp.Regexp) [][]int { return re.FindAllStringSubmatchIndex(text, n) })
}

// collect joins what find gives for each alternative that may match.
func (p cuePattern) collect(lower string, find func(*regexp.Regexp) [][]int) [][]int {
	var out [][]int
	for _, a := range p {
		if a.may(lower) {
			out = append(out, find(a.re)...)
		}
	}
	return out
}

// find returns the first match of the first alternative that matches.
func (p cuePattern) find(text, lower string) []int {
	for _, a := range p {
		if a.may(lower) {
			if m := a.re.FindStringIndex(text); m != nil {
				return m
			}
		}
	}
	return nil
}

// match reports whether an alternative matches.
func (p cuePattern) match(text, lower string) bool {
	for _, a := range p {
		if a.may(lower) && a.re.MatchString(text) {
			return true
		}
	}
	return false
}
