package statements

import (
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// pref is a preference as the tests write it: "key=value".
func prefs(d *analysis.Doc) []string {
	var out []string
	for _, an := range d.Of(KindPreference) {
		out = append(out, an.Key+"="+an.Value)
	}
	return out
}

func TestPreferences(t *testing.T) {
	for _, tc := range []struct {
		channel, text string
		want          []string
	}{
		{"chat", "Please call me Sam, not Samuel.", []string{"preferred_name=Sam"}},
		{"chat", "call me back tomorrow please", nil},
		{"chat", "don't call me Samuel", nil},
		{"email", "please write, don't ring me at work", []string{"channel_never=voice"}},
		{"chat", "bitte nicht auf der Arbeit anrufen", []string{"channel_never=voice"}},
		{"chat", "no me llamen al trabajo", []string{"channel_never=voice"}},
		{"chat", "Proszę nie dzwonić do mnie do pracy", []string{"channel_never=voice"}},
		{"chat", "please contact me only by email", []string{"channel_only=email"}},
		{"chat", "nur per E-Mail bitte", []string{"channel_only=email"}},
		{"chat", "I only speak English", []string{"language=en"}},
		{"chat", "¿me pueden atender en inglés?", []string{"language=en"}},
		{"chat", "no hablo bien inglés", nil},
		{"chat", "after 6 pm is best to call me", []string{"contact_time=18:00-"}},
		{"chat", "you can reach me between 9 and 5", []string{"contact_time=09:00-17:00"}},
		{"chat", "the box broke after 6 pm yesterday", nil},
		{"chat", "Sie erreichen mich am besten nach 18 Uhr", []string{"contact_time=18:00-"}},
		{"chat", "please call me in the morning", []string{"contact_time=morning"}},
		{"email", "My son Peter set the account up for me. I called you yesterday.", nil},
	} {
		got := prefs(Preferences{}.run(tc.channel, tc.text))
		if !equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestOptOut(t *testing.T) {
	for _, tc := range []struct {
		channel, text string
		want          []string
	}{
		{"sms", "STOP", []string{"sms_opt_out="}},
		{"sms", " quit. ", []string{"sms_opt_out="}},
		{"sms", "Unsubscribe", []string{"sms_opt_out="}},
		{"sms", "START", []string{"sms_opt_in="}},
		{"sms", "unstop", []string{"sms_opt_in="}},
		{"sms", "please stop the calls", nil},
		{"chat", "STOP", nil},
	} {
		got := prefs(analysis.Pipeline{OptOut{}}.Run(&analysis.Doc{Text: tc.text, Channel: tc.channel}))
		if !equal(got, tc.want) {
			t.Errorf("%s %q: %v, want %v", tc.channel, tc.text, got, tc.want)
		}
	}
}

func TestRelapse(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"it's broken again, same as last month", KindRelapse},
		{"the wifi problem is back", KindRelapse},
		{"das WLAN ist schon wieder kaputt", KindRelapse},
		{"otra vez lo mismo con el wifi", KindRelapse},
		{"ça recommence", KindRelapse},
		{"è successo di nuovo", KindRelapse},
		{"de wifi is weer stuk", KindRelapse},
		{"wifi znowu nie działa", KindRelapse},
		{"all working now, thanks!", KindClosure},
		{"alles funktioniert wieder, danke", KindClosure},
		{"ya funciona todo", KindClosure},
		{"thanks, but it still doesn't work", ""},
		{"it is not working now", ""},
		{"thanks again for your help", ""},
		{"gracias otra vez", ""},
	} {
		if got := Label(analysis.Pipeline{Relapse{}}.Run(&analysis.Doc{Text: tc.text})); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
	}
}

func (p Preferences) run(channel, text string) *analysis.Doc {
	return analysis.Pipeline{p}.Run(&analysis.Doc{Text: text, Channel: channel})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkStatements reads a 64 KiB text (the largest an interaction may
// have) in which every sentence holds a cue of every rule: the worst case.
// A plain 64 KiB text with no cue is the typical case.
func BenchmarkStatements(b *testing.B) {
	for _, tc := range []struct{ name, sentence string }{
		{"cues in every sentence", "Please call me Sam, don't ring me at work, only by email, can we continue in English, call me after 6 pm; it's back again, all working now. "},
		{"no cue", "The router in the hall blinks red and the box was delivered on Tuesday with a charger. "},
	} {
		b.Run(tc.name, func(b *testing.B) {
			text := strings.Repeat(tc.sentence, 64<<10/len(tc.sentence))
			p := analysis.Pipeline{OptOut{}, Preferences{}, Relapse{}}
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				p.Run(&analysis.Doc{Text: text, Channel: "email"})
			}
		})
	}
}

// A text is read for statements in its first 8 KiB only (the cost bound).
func TestStatementsReadTheFirst8KiB(t *testing.T) {
	pad := strings.Repeat("The router is in the box. ", 8<<10/26+1)
	if got := prefs(Preferences{}.run("email", "Please call me Sam. "+pad)); len(got) != 1 {
		t.Errorf("at the start: %v", got)
	}
	if got := prefs(Preferences{}.run("email", pad+" Please call me Sam.")); len(got) != 0 {
		t.Errorf("after 8 KiB: %v, want none", got)
	}
}
