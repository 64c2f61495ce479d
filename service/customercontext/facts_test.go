package customercontext

import (
	"testing"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

func TestSameFact(t *testing.T) {
	for _, tc := range []struct {
		a, b *rapportv1.Fact
		same bool
	}{
		{&rapportv1.Fact{Key: "order", Value: "AB 12"}, &rapportv1.Fact{Key: "order", Value: " ab  12 "}, true},
		{&rapportv1.Fact{Key: "order", Value: "AB 12"}, &rapportv1.Fact{Key: "order", Value: "AB12"}, false},
		{&rapportv1.Fact{Key: "order", Value: "12"}, &rapportv1.Fact{Key: "invoice", Value: "12"}, false},
	} {
		if got := SameFact(tc.a, tc.b); got != tc.same {
			t.Errorf("SameFact(%v, %v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestLinkInteraction(t *testing.T) {
	is := &rapportv1.Issue{Name: customer + "/issues/refund"}
	call := interaction("call", daysAgo(2), voice)
	call.Facts = []*rapportv1.Fact{{Key: "order", Value: "A1"}}
	if !LinkInteraction(is, call, 10) {
		t.Fatal("first link changed nothing")
	}
	if is.GetInteractionCount() != 1 || len(is.GetFacts()) != 1 || is.GetFacts()[0].GetChannel() != voice || is.GetFacts()[0].GetInteraction() != call.GetName() {
		t.Fatalf("issue %v", is)
	}
	if LinkInteraction(is, call, 10) {
		t.Error("linking again changed the issue")
	}
	// An earlier giving of the same fact replaces the later one.
	chat := interaction("chat", daysAgo(3), rapportv1.Channel_CHANNEL_CHAT)
	chat.Facts = []*rapportv1.Fact{{Key: "order", Value: "a1"}, {Key: "postcode", Value: "X"}}
	if !LinkInteraction(is, chat, 2) {
		t.Fatal("an earlier giving changed nothing")
	}
	if len(is.GetFacts()) != 2 || is.GetFacts()[0].GetInteraction() != chat.GetName() || is.GetInteractionCount() != 2 {
		t.Errorf("issue %v", is)
	}
	// The issue keeps at most maxFacts facts.
	mail := interaction("mail", daysAgo(1), email)
	mail.Facts = []*rapportv1.Fact{{Key: "phone", Value: "123"}}
	LinkInteraction(is, mail, 2)
	if len(is.GetFacts()) != 2 {
		t.Errorf("facts %v, want at most 2", is.GetFacts())
	}
}
