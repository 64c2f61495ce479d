package customercontext

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// stopWords are left out when matching a ticket subject to issue titles.
var stopWords = map[string]bool{"the": true, "and": true, "for": true, "with": true, "still": true, "again": true, "not": true, "was": true, "has": true, "have": true, "my": true, "our": true, "your": true, "about": true, "from": true}

func words(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) {
		if len(w) >= 3 && !stopWords[w] && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// LikelyIssue picks the open issue a new ticket most likely continues:
// facts already given that the subject mentions weigh most (3 each), then
// the same topic (2), then words shared with the title (1 each, up to 3);
// ties go to the most recently changed issue. With no evidence at all, a
// customer's only open issue is still the likely one.
func LikelyIssue(open []*rapportv1.Issue, subject, topic string) (*rapportv1.Issue, string) {
	subj := strings.ToLower(subject)
	subjWords := words(subject)
	var best *rapportv1.Issue
	bestScore, bestReason := 0, ""
	for _, is := range open { // most recently changed first
		score := 0
		var reasons, mentioned []string
		for _, f := range is.GetFacts() {
			if v := strings.ToLower(f.GetValue()); len(v) >= 3 && strings.Contains(subj, v) {
				score += 3
				mentioned = append(mentioned, words(v)...)
				reasons = append(reasons, fmt.Sprintf("subject mentions %s, already given as %s", f.GetValue(), f.GetKey()))
			}
		}
		if topic != "" && is.GetTopic() == topic {
			score += 2
			reasons = append(reasons, "same topic ("+topic+")")
		}
		var shared []string
		for _, w := range words(is.GetTitle()) {
			if slices.Contains(subjWords, w) && !slices.Contains(mentioned, w) && len(shared) < 3 {
				shared = append(shared, w)
			}
		}
		if len(shared) > 0 {
			score += len(shared)
			reasons = append(reasons, "subject shares words with the title: "+strings.Join(shared, ", "))
		}
		if score > bestScore {
			best, bestScore, bestReason = is, score, strings.Join(reasons, "; ")
		}
	}
	if best == nil && len(open) == 1 {
		return open[0], "the customer's only open issue"
	}
	return best, bestReason
}
