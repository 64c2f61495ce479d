// Package statements reads what a customer says about themselves and about
// an earlier problem: stated preferences (the name to use, a channel never
// or only to use, a language, a time of day to be contacted), SMS opt-out
// and opt-in keywords, statements that a problem came back (relapse) or
// is fixed (closure), and that the customer is upset, and why, or
// threatens to leave (Upset). Each reader is an analysis.Analyzer with its
// rules in one table per kind, one row per language, that a support team
// can read.
//
// Precision comes first: a rule reads a statement only where the words
// around it say it is one ("please call me Sam", not "my son Peter";
// "call me after 6", not "it broke after 6"). What it is unsure of it
// leaves out.
//
// It knows nothing of gRPC, storage or the clock.
package statements

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Annotation kinds and keys this package adds.
const (
	KindPreference = "preference"
	KindRelapse    = "relapse"
	KindClosure    = "closure"

	PreferredName = "preferred_name"
	ChannelNever  = "channel_never"
	ChannelOnly   = "channel_only"
	Language      = "language"
	ContactTime   = "contact_time"
	SMSOptOut     = "sms_opt_out"
	SMSOptIn      = "sms_opt_in"
)

// sentenceEnd reports whether r ends a clause for the rules' windows.
func sentenceEnd(r rune) bool {
	switch r {
	case '.', '!', '?', '\n', ';':
		return true
	}
	return false
}

// clauseBefore is the part of text before i back to the start of its
// sentence.
func clauseBefore(text string, i int) string {
	j := strings.LastIndexFunc(text[:i], sentenceEnd)
	return text[j+1 : i]
}

// isTitle reports whether w is a name-like word: an upper-case letter then
// at least one lower-case letter (so not "ASAP", not "I").
func isTitle(w string) bool {
	r, n := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) {
		return false
	}
	for _, r := range w[n:] {
		if unicode.IsLower(r) {
			return true
		}
	}
	return false
}

// maxChunk bounds the part of a text one rule's pattern runs on: texts are
// read line by line, and a line longer than this at its sentence ends, so
// that the patterns run on short inputs (fast) and the cost stays linear
// in the text.
const maxChunk = 512

// maxRead bounds how much of a text is read for statements: its first 8
// KiB (a message's own words come first; what follows in a long e-mail is
// mostly quoted history), which bounds the cost of the worst 64 KiB text.
const maxRead = 8 << 10

// chunks splits the first maxRead bytes of text into lines, and lines longer than maxChunk at ". ",
// "! ", "? " or "; " (and, failing those, at maxChunk bytes on a rune
// boundary). Each chunk comes with its offset in text.
func chunks(text string, each func(off int, chunk string)) {
	if len(text) > maxRead {
		cut := maxRead
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	off := 0
	for off < len(text) {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += off
		}
		line := text[off:end]
		for len(line) > maxChunk {
			cut := -1
			for _, sep := range []string{". ", "! ", "? ", "; "} {
				if i := strings.LastIndex(line[:maxChunk], sep); i > cut {
					cut = i + 1
				}
			}
			if cut <= 0 {
				cut = maxChunk
				for cut > 0 && !utf8.RuneStart(line[cut]) {
					cut--
				}
			}
			each(off, line[:cut])
			off += cut
			line = line[cut:]
		}
		if line != "" {
			each(off, line)
		}
		off = end + 1
	}
}
