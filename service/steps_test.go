package service_test

import (
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// Scenario tests of issue 18, point 4, through the public API: steps
// already tried, said in the customer's own words in each language, reach
// the next agent's context (as extracted facts and in the do-not-ask-again
// hint); a step the customer says they have not tried does not.
func TestStepsTriedInEachLanguageReachTheNextAgent(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, tc := range []struct {
		lang, text, step, notTried string
	}{
		{"en", "The wifi keeps dropping. I cleared the cache and cookies and plugged it into a different socket. I haven't tried updating the firmware.",
			"plugged it into a different socket", "updating the firmware"},
		{"de", "Das Internet fällt ständig aus. Ich habe den Router schon neu gestartet. Den Stecker habe ich noch nicht gezogen.",
			"den Router schon neu gestartet", "Stecker"},
		{"es", "La app se cierra sola. Ya desinstalé la app. Todavía no he borrado la caché.",
			"desinstalé la app", "borrado la caché"},
		{"fr", "La box coupe sans arrêt. J'ai déjà vidé le cache du navigateur. Je n'ai pas encore changé le câble.",
			"vidé le cache du navigateur", "changé le câble"},
		{"pt", "A internet cai toda hora. Já troquei o cabo de rede. Ainda não reiniciei o modem.",
			"troquei o cabo de rede", "reiniciei o modem"},
		{"it", "La connessione cade ogni cinque minuti. Ho già resettato il router. Non ho ancora aggiornato il firmware.",
			"resettato il router", "aggiornato il firmware"},
		{"nl", "Het internet valt steeds weg. Ik heb de stekker eruit gehaald. De modem heb ik nog niet vervangen.",
			"de stekker eruit gehaald", "vervangen"},
		{"pl", "Internet co chwilę się rozłącza. Wymieniłem już kabel sieciowy. Jeszcze nie resetowałem routera.",
			"Wymieniłem już kabel sieciowy", "resetowałem routera"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			parent := ts.newCustomer(t, "steps-"+tc.lang)
			rec := ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Hour), Text: tc.text,
				SourceSystem: "chat", SourceId: "steps-" + tc.lang})
			var steps []string
			for _, f := range rec.GetInteraction().GetFacts() {
				if f.GetKey() != "step_tried" {
					continue
				}
				steps = append(steps, f.GetValue())
				if f.GetOrigin() != rapportv1.FactOrigin_FACT_ORIGIN_EXTRACTED || f.GetSpan().GetField() != "text" ||
					tc.text[f.GetSpan().GetStart():f.GetSpan().GetEnd()] != f.GetValue() {
					t.Errorf("fact %v: not extracted from the text where it says", f)
				}
				if strings.Contains(f.GetValue(), tc.notTried) {
					t.Errorf("the step not tried was read as tried: %q", f.GetValue())
				}
			}
			cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent, Channel: rapportv1.Channel_CHANNEL_VOICE})
			found := false
			for _, f := range cc.GetCustomerFacts() {
				if f.GetKey() == "step_tried" && f.GetValue() == tc.step && f.GetChannel() == rapportv1.Channel_CHANNEL_CHAT {
					found = true
				}
				if f.GetKey() == "step_tried" && strings.Contains(f.GetValue(), tc.notTried) {
					t.Errorf("context fact %v: a step not tried", f)
				}
			}
			if !found {
				t.Errorf("context facts %v (recorded steps %q), want step_tried=%q", cc.GetCustomerFacts(), steps, tc.step)
			}
			if len(steps) == 0 {
				t.Errorf("no step read")
			}
			h := findHint(cc.GetHints(), "CUSTOMER_FACTS_ALREADY_GIVEN")
			if h == nil || !strings.Contains(h.GetText(), tc.step) || strings.Contains(h.GetText(), tc.notTried) {
				t.Errorf("do-not-ask-again hint %v", h)
			}
		})
	}
}

// A question, a plan and a negation are no steps: nothing is offered to
// the next agent as already tried.
func TestQuestionsPlansAndNegationsAreNoSteps(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	parent := ts.newCustomer(t, "no-steps")
	for i, text := range []string{
		"Should I restart the router? I haven't tried rebooting it yet.",
		"Ich werde den Router morgen neu starten.",
		"¿Tengo que reiniciar el router? No he probado nada todavía.",
		"Je vais réinstaller l'appli ce soir.",
	} {
		ts.record(t, parent, &rapportv1.Interaction{Channel: rapportv1.Channel_CHANNEL_CHAT, OccurTime: ago(time.Duration(i+1) * time.Minute), Text: text,
			SourceSystem: "chat", SourceId: "no-steps-" + string(rune('a'+i))})
	}
	cc := ts.context(t, &rapportv1.GetCustomerContextRequest{Customer: parent, Channel: rapportv1.Channel_CHANNEL_VOICE})
	for _, f := range cc.GetCustomerFacts() {
		if f.GetKey() == "step_tried" {
			t.Errorf("a step tried read from a question, plan or negation: %v", f)
		}
	}
	if h := findHint(cc.GetHints(), "CUSTOMER_FACTS_ALREADY_GIVEN"); h != nil && strings.Contains(h.GetText(), "already tried") {
		t.Errorf("do-not-ask-again hint %v", h)
	}
}
