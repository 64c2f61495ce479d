package statements

import (
	"strings"
	"unicode"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// OptOut reads the carriers' standard SMS keywords (CTIA; the lists that
// Twilio and other SMS gateways honour by default): an SMS whose whole text
// is STOP, STOPALL, UNSUBSCRIBE, CANCEL, END or QUIT withdraws the
// customer's SMS consent (Key SMSOptOut); START, UNSTOP or YES gives it back
// (Key SMSOptIn). Case, spaces and a final "." or "!" do not matter. A
// keyword inside a longer text ("please stop the calls") is not one: it is
// the whole SMS or nothing. Only on the "sms" channel.
type OptOut struct{}

// Name implements analysis.Analyzer.
func (OptOut) Name() string { return "sms_keywords" }

// smsKeywords are the keywords and what each does.
var smsKeywords = map[string]string{
	"STOP": SMSOptOut, "STOPALL": SMSOptOut, "UNSUBSCRIBE": SMSOptOut, "CANCEL": SMSOptOut, "END": SMSOptOut, "QUIT": SMSOptOut,
	"START": SMSOptIn, "UNSTOP": SMSOptIn, "YES": SMSOptIn,
}

// Keyword returns SMSOptOut or SMSOptIn when text, as a whole SMS, is one
// of the keywords, and "" otherwise.
func Keyword(text string) string {
	if len(text) > 20 {
		return ""
	}
	k := strings.ToUpper(strings.TrimRightFunc(strings.TrimSpace(text), func(r rune) bool { return r == '.' || r == '!' || unicode.IsSpace(r) }))
	return smsKeywords[k]
}

// Analyze implements analysis.Analyzer.
func (o OptOut) Analyze(d *analysis.Doc) {
	if d.Channel != "sms" {
		return
	}
	if k := Keyword(d.Text); k != "" {
		d.Add(o, analysis.Annotation{Kind: KindPreference, Key: k, Span: analysis.Span{Start: 0, End: len(d.Text)}, Confidence: 1,
			Evidence: "the whole SMS is the keyword " + strings.ToUpper(strings.TrimSpace(d.Text))})
	}
}
