package customercontext

import (
	"strings"
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

func TestLikelyIssue(t *testing.T) {
	router := &rapportv1.Issue{Name: "router", Title: "Router keeps dropping", Topic: "network"}
	refund := &rapportv1.Issue{Name: "refund", Title: "Refund for March", Topic: "billing",
		Facts: []*rapportv1.Fact{{Key: "order_number", Value: "A-5521"}}}
	for _, tc := range []struct {
		name, subject, topic string
		open                 []*rapportv1.Issue
		want, reason         string
	}{
		{"a fact given before", "Where is A-5521?", "", []*rapportv1.Issue{router, refund}, "refund", "already given as order_number"},
		{"the same topic", "Help", "network", []*rapportv1.Issue{router, refund}, "router", "same topic (network)"},
		{"words of the title", "my router is dropping again", "", []*rapportv1.Issue{refund, router}, "router", "shares words with the title: router, dropping"},
		{"the only open issue", "Hello", "", []*rapportv1.Issue{router}, "router", "the customer's only open issue"},
		{"no evidence among several", "Hello", "", []*rapportv1.Issue{router, refund}, "", ""},
	} {
		got, reason := LikelyIssue(tc.open, tc.subject, tc.topic)
		if got.GetName() != tc.want || !strings.Contains(reason, tc.reason) {
			t.Errorf("%s: %q (%q), want %q (%q)", tc.name, got.GetName(), reason, tc.want, tc.reason)
		}
	}
}
