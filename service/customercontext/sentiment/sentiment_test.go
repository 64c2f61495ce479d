package sentiment

import "testing"

func TestLexiconsReadPolarityNegationAndIntensity(t *testing.T) {
	for _, c := range []struct {
		lang, text string
		want       string
	}{
		{"de", "Der Service ist gut.", "positive"},
		{"de", "Der Service ist nicht gut.", "negative"},
		{"de", "Das ist eine Katastrophe, ich bin wütend.", "negative"},
		{"es", "El servicio es excelente, gracias.", "positive"},
		{"es", "La aplicación no funciona y es horrible.", "negative"},
		{"fr", "Je ne suis pas du tout content.", "negative"},
		{"fr", "Merci, c'est parfait.", "positive"},
		{"it", "Servizio pessimo, sono molto deluso.", "negative"},
		{"pt", "O atendimento foi ótimo, obrigado.", "positive"},
		{"pt", "Péssimo serviço, estou muito chateado.", "negative"},
		{"nl", "De service is slecht.", "negative"},
		{"pl", "Obsługa jest fatalna, jestem zły.", "negative"},
		{"en", "Thanks, that fixed it, great job!", "positive"},
		{"de", "Meine Kundennummer ist 12345.", "neutral"},
	} {
		s := For(c.lang)
		if s == nil {
			t.Fatalf("no scorer for %s", c.lang)
		}
		if got := s.Score(c.text); Label(got.Value) != c.want {
			t.Errorf("%s %q = %+v (%s), want %s", c.lang, c.text, got, Label(got.Value), c.want)
		}
	}
}

func TestIntensifierStrengthens(t *testing.T) {
	s := For("es")
	plain, strong := s.Score("es malo"), s.Score("es muy malo")
	if !(strong.Value < plain.Value && plain.Value < 0) {
		t.Errorf("malo %v, muy malo %v", plain.Value, strong.Value)
	}
}

func TestNoScorerForArabicOrHindi(t *testing.T) {
	for _, l := range []string{"ar", "hi", "und", ""} {
		if For(l) != nil {
			t.Errorf("%q has a scorer", l)
		}
	}
}

func TestRegisterReplacesAScorer(t *testing.T) {
	old := scorers["nl"]
	defer Register("nl", old)
	Register("nl", func() Scorer { return fixed{} })
	if got := For("nl").Score("x"); got.Resource != "fixed" {
		t.Errorf("got %+v", got)
	}
}

type fixed struct{}

func (fixed) Score(string) Score { return Score{Value: 0.5, Resource: "fixed"} }
