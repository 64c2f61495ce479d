package customercontext

import (
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
	"github.com/rapporthq/rapport/service/customercontext/identifiers"
)

func TestAnalyzersLanguageFirst(t *testing.T) {
	if _, ok := Analyzers[0].(Language); !ok {
		t.Fatalf("Analyzers[0] = %T, want Language", Analyzers[0])
	}
	seen := map[string]bool{}
	for _, a := range Analyzers {
		if seen[a.Name()] {
			t.Errorf("analyzer %q twice", a.Name())
		}
		seen[a.Name()] = true
	}
}

func TestAnalyze(t *testing.T) {
	for _, tc := range []struct {
		text, channel, lang string
		kind, key           string
	}{
		{"My order number is A-12345 and it never came", "chat", "en", identifiers.Kind, "order_number"},
		{"I already restarted the router twice", "chat", "en", KindFact, "step_tried"},
		{"STOP", "sms", analysis.Und, "preference", "sms_opt_out"},
		{"Meine Bestellnummer ist 99812, bitte", "email", "de", identifiers.Kind, "order_number"},
	} {
		d := Analyze(tc.text, tc.channel, "")
		if d.Language != tc.lang {
			t.Errorf("%q: language %q, want %q", tc.text, d.Language, tc.lang)
		}
		found := false
		for _, an := range d.Of(tc.kind) {
			found = found || an.Key == tc.key
		}
		if !found {
			t.Errorf("%q: no %s %s in %+v", tc.text, tc.kind, tc.key, d.Annotations)
		}
	}
}
