package customercontext

import (
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext/topics"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestConcerns(t *testing.T) {
	issue := &rapportv1.Issue{Name: "customers/a/issues/i", Title: "Wi-Fi drops", Topic: "connectivity",
		Facts: []*rapportv1.Fact{{Key: "order_number", Value: "A-1234"}, {Key: "step_tried", Value: "restarted it"}}}
	for _, tc := range []struct {
		name string
		in   *rapportv1.Interaction
		want string
	}{
		{"topic in other words", &rapportv1.Interaction{Topics: []string{"router"}}, `has topic "router", the issue's "connectivity"`},
		{"the title's topic in the text", &rapportv1.Interaction{Excerpt: "my wifi is broken again"}, `speaks of "wifi", the issue's "connectivity"`},
		{"a fact of the issue", &rapportv1.Interaction{Summary: "about order a-1234"}, "gives A-1234, the issue's order number"},
		{"a step is not a fact to match", &rapportv1.Interaction{Summary: "restarted it"}, ""},
		{"another topic", &rapportv1.Interaction{Topics: []string{"billing"}, Excerpt: "the invoice is wrong"}, ""},
		{"linked elsewhere", &rapportv1.Interaction{Issue: "customers/a/issues/j", Topics: []string{"wifi"}}, ""},
	} {
		if got := concerns(topics.Default, issue, tc.in); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestStatedPreferencesNewerThanTheProfile(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := func(h int) *timestamppb.Timestamp { return timestamppb.New(now.Add(time.Duration(h) * time.Hour)) }
	pref := func(key, value string) *rapportv1.Statement {
		return &rapportv1.Statement{Kind: "preference", Key: key, Value: value}
	}
	recent := []*rapportv1.Interaction{ // newest first
		{Name: "i3", CreateTime: at(-1), Statements: []*rapportv1.Statement{pref("preferred_name", "Sam"), pref("channel_never", "voice")}},
		{Name: "i2", CreateTime: at(-2), Statements: []*rapportv1.Statement{pref("preferred_name", "Sammy"), pref("channel_never", "sms"), pref("sms_opt_out", "")}},
		{Name: "i1", CreateTime: at(-5), Statements: []*rapportv1.Statement{pref("language", "en")}},
	}
	profile := &rapportv1.Customer{UpdateTime: at(-3)}
	got := statedPreferences(profile, recent)
	var keys []string
	for _, st := range got {
		keys = append(keys, st.GetInteraction()+":"+st.GetKey()+"="+st.GetValue())
	}
	want := []string{"i3:preferred_name=Sam", "i3:channel_never=voice", "i2:channel_never=sms"}
	if len(keys) != len(want) {
		t.Fatalf("stated %v, want %v", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Errorf("stated %v, want %v", keys, want)
		}
	}
}

func TestDescribeTime(t *testing.T) {
	for in, want := range map[string]string{"18:00-": "after 18:00", "-12:00": "before 12:00", "09:00-17:00": "between 09:00 and 17:00", "evening": "in the evening"} {
		if got := describeTime(in); got != want {
			t.Errorf("describeTime(%q) = %q, want %q", in, got, want)
		}
	}
}
