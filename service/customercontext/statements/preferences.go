package statements

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// Preferences reads stated preferences: the name to use, a channel never
// (or only) to use, a language, a time of day. Annotations: Kind
// "preference", Key one of PreferredName, ChannelNever, ChannelOnly,
// Language, ContactTime; Value the name as written, the channel ("voice",
// "sms", "email", "chat"), the language (ISO 639-1) or the time
// ("18:00-", "-12:00", "09:00-17:00", "morning", "afternoon", "evening").
type Preferences struct{}

// Name implements analysis.Analyzer.
func (Preferences) Name() string { return "preferences" }

// prefRule is one row: in a language, a pattern whose first group is the
// value, and how the value is read from it.
type prefRule struct {
	lang, key string
	re        cuePattern
	// value turns the group into the annotation's value; "" reads nothing.
	value    func(group string) string
	evidence string
}

// nameGroup is a name as written: one to three words starting upper case
// ("Sam", "Jean-Baptiste", "Frau Dr. Lehmann"). It is case-sensitive; the
// cue before it is not.
const nameGroup = `(\p{Lu}[\p{L}'’.-]*(?:[ \t]+\p{Lu}[\p{L}'’.-]*){0,2})`

// notNames are words that follow "call me" and are not a name.
var notNames = words("Back", "Asap", "Tomorrow", "Today", "Tonight", "Again", "Please", "Now", "Later", "Anytime",
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "On", "At", "After", "Before", "When", "If", "Only", "Maybe",
	"Morgen", "Heute", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag", "Bitte", "Nicht",
	"Mañana", "Hoy", "Lunes", "Martes", "Demain", "Lundi", "Amanhã", "Domani", "Lunedì", "Morgen", "Jutro")

func words(ws ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range ws {
		m[strings.ToLower(w)] = true
	}
	return m
}

// asName reads a name group: the name, without a trailing "." or "-", or
// "" when its first word is not a name.
func asName(g string) string {
	// A word that ends a sentence ends the name: "address me as Dr. Rao.
	// And ..." (a title's dot does not: "Dr.", "Sr.").
	if ws := strings.Fields(g); len(ws) > 1 {
		for i, w := range ws[:len(ws)-1] {
			if strings.HasSuffix(w, ".") && !nameTitles[strings.ToLower(strings.TrimSuffix(w, "."))] {
				g = strings.Join(ws[:i+1], " ")
				break
			}
		}
	}
	g = strings.TrimRight(g, ".-'’")
	first, _, _ := strings.Cut(g, " ")
	if !isTitle(first) || notNames[strings.ToLower(strings.TrimRight(first, "."))] {
		return ""
	}
	return g
}

// nameTitles are the abbreviated titles written with a dot before a
// name, lower case without the dot.
var nameTitles = words("dr", "mr", "mrs", "ms", "prof", "sr", "sra", "srta", "dra", "mme", "mlle", "m", "hr", "fr", "dott", "ing", "avv", "sig", "mevr", "dhr", "ir", "mgr", "inż", "eng", "eng.º", "d")

// asTitledName is asName for a match whose group may start with a title
// written in lower case ("doña Carmen", "mevrouw De Vries"): the title is
// part of the name.
func asTitledName(g string) string { return strings.TrimRight(g, ".-'’") }

// titled is nameGroup after an optional title of titles, written in lower
// case, in the same group.
func titled(titles string) string { return `((?i:(?:` + titles + `)\s+)?` + nameGroup[1:] }

// channelWords map a word for a channel, in any language, to the channel.
var channelWords = map[string]string{
	"ring": "voice", "call": "voice", "calls": "voice", "calling": "voice", "ringing": "voice", "phone": "voice", "phoning": "voice", "telephone": "voice",
	"anrufen": "voice", "anrufe": "voice", "telefon": "voice",
	"llamen": "voice", "llames": "voice", "llame": "voice", "telefoneen": "voice", "teléfono": "voice", "telefono": "voice",
	"appelez": "voice", "appeler": "voice", "téléphonez": "voice", "téléphoner": "voice", "téléphone": "voice",
	"liguem": "voice", "ligue": "voice", "ligues": "voice", "telefonem": "voice", "telefone": "voice",
	"chiamatemi": "voice", "telefonatemi": "voice", "chiamarmi": "voice", "telefonarmi": "voice", "chiamate": "voice", "chiami": "voice", "telefonate": "voice",
	"bellen": "voice", "bel": "voice", "telefoon": "voice", "telefonisch": "voice",
	"dzwonić": "voice", "dzwonic": "voice", "dzwońcie": "voice", "dzwoncie": "voice", "dzwoń": "voice", "dzwon": "voice", "telefonicznie": "voice",
	"text": "sms", "texts": "sms", "texting": "sms", "sms": "sms", "smsen": "sms", "sms'en": "sms", "smsem": "sms", "simsen": "sms",
	"email": "email", "e-mail": "email", "emails": "email", "e-mails": "email", "emailing": "email", "mail": "email", "mails": "email", "mailen": "email",
	"correo": "email", "correo electrónico": "email", "courriel": "email", "mailowo": "email", "maila": "email",
	"chat": "chat", "czat": "chat", "whatsapp": "chat",
	"posta elettronica": "email", "mailowy": "email", "mailowa": "email",
}

func asChannel(g string) string { return channelWords[strings.ToLower(g)] }

// asChannelStem is the channel of a word for a kind of message, by its
// stem: "SMS-ów", "sms'jes", "mensagens", "correos", "E-Mails".
func asChannelStem(g string) string {
	w := strings.ToLower(g)
	switch {
	case strings.HasPrefix(w, "sms"), strings.HasPrefix(w, "text"), strings.HasPrefix(w, "mensag"), strings.HasPrefix(w, "mensaj"), strings.HasPrefix(w, "messagg"):
		return "sms"
	case strings.Contains(w, "mail"), strings.HasPrefix(w, "correo"), strings.HasPrefix(w, "courriel"):
		return "email"
	}
	return ""
}

// languageNames map a language's name, in the supported languages, to its
// code.
var languageNames = map[string]string{
	"english": "en", "german": "de", "spanish": "es", "french": "fr", "portuguese": "pt", "italian": "it", "dutch": "nl", "polish": "pl",
	"englisch": "en", "deutsch": "de", "spanisch": "es", "französisch": "fr", "portugiesisch": "pt", "italienisch": "it", "niederländisch": "nl", "polnisch": "pl",
	"inglés": "en", "ingles": "en", "alemán": "de", "español": "es", "francés": "fr", "portugués": "pt", "italiano": "it", "holandés": "nl", "neerlandés": "nl", "polaco": "pl",
	"anglais": "en", "allemand": "de", "espagnol": "es", "français": "fr", "portugais": "pt", "italien": "it", "néerlandais": "nl", "polonais": "pl",
	"inglês": "en", "alemão": "de", "espanhol": "es", "francês": "fr", "português": "pt", "holandês": "nl", "polonês": "pl",
	"inglese": "en", "tedesco": "de", "spagnolo": "es", "francese": "fr", "portoghese": "pt", "olandese": "nl", "polacco": "pl",
	"engels": "en", "duits": "de", "spaans": "es", "frans": "fr", "portugees": "pt", "italiaans": "it", "nederlands": "nl", "pools": "pl",
	"angielsku": "en", "niemiecku": "de", "hiszpańsku": "es", "francusku": "fr", "portugalsku": "pt", "włosku": "it", "niderlandzku": "nl", "holendersku": "nl", "polsku": "pl",
}

func asLanguage(g string) string { return languageNames[strings.ToLower(g)] }

// Groups of words the rules share.
const (
	enChannel = `(ring|call|phone|text|e-?mail)`
	langEN    = `(English|German|Spanish|French|Portuguese|Italian|Dutch|Polish)`
	langDE    = `(Englisch|Deutsch|Spanisch|Französisch|Portugiesisch|Italienisch|Niederländisch|Polnisch)`
	langES    = `(español|inglés|ingles|alemán|francés|portugués|italiano|holandés|neerlandés|polaco)`
	langFR    = `(anglais|français|allemand|espagnol|portugais|italien|néerlandais|polonais)`
	langPT    = `(português|inglês|espanhol|alemão|francês|italiano|holandês|polonês|polaco)`
	langIT    = `(italiano|inglese|tedesco|spagnolo|francese|portoghese|olandese|polacco)`
	langNL    = `(Engels|Nederlands|Duits|Frans|Spaans|Portugees|Italiaans|Pools)`
	langPL    = `(polsku|angielsku|niemiecku|hiszpańsku|francusku|portugalsku|włosku|niderlandzku|holendersku)`
	w         = `[^.?!;\n]{0,30}` // a few words within the sentence
)

// re compiles a rule's pattern. Go's \b knows only ASCII letters, so
// "inglés" or "ça" would have no word boundary: each \b also accepts the
// start or end of the text or a character that is not a letter or digit
// (which the match then includes; spans are trimmed).
func re(s string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(s, `\b`, `(?:\b|^|$|[^\p{L}\p{N}_])`))
}

// trimSpan narrows a match to its letters and digits at both ends.
func trimSpan(text string, start, end int) analysis.Span {
	for start < end {
		r, n := utf8.DecodeRuneInString(text[start:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(text[start:end])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			break
		}
		end -= n
	}
	return analysis.Span{Start: start, End: end}
}

// preferenceRules are the rules, by kind and language.
var preferenceRules = []prefRule{
	// The name to use.
	{"en", PreferredName, compileRule(`(?i:\b(?:please call me|you can call me|just call me|call me|i go by|address me as|refer to me as)\s+)` + nameGroup), asName, "asks to be called so"},
	{"de", PreferredName, compileRule(`(?i:\b(?:nennen Sie mich|nennt mich|nenn mich|sagen Sie|sag|sagt)\s+)` + nameGroup + `(?i:\s+(?:zu mir|bitte))`), asName, "asks to be called so"},
	{"de", PreferredName, compileRule(`(?i:\b(?:nennen Sie mich|nennt mich|nenn mich)\s+(?:(?:einfach|ruhig|bitte|gerne?)\s+)?)` + nameGroup), asName, "asks to be called so"},
	{"de", PreferredName, compileRule(`(?i:\bmich\s+(?:\p{L}+\s+){0,2}?(?:mit|als)\s+)` + nameGroup + `(?i:\s+(?:anzusprechen|ansprechen|anreden)\b)`), asName, "asks to be addressed so"},
	{"de", PreferredName, compileRule(`(?i:\bsprechen Sie mich (?:bitte )?(?:mit|als)\s+)` + nameGroup + `(?i:\s+an\b)`), asName, "asks to be addressed so"},
	{"es", PreferredName, compileRule(`(?i:\b(?:se dirijan a mí|se dirija a mí|me traten|me trate|dirigirse a mí)\s+(?:como|de)\s+)` + titled(`doña|don|señora|señor`)), asTitledName, "asks to be addressed so"},
	{"es", PreferredName, compileRule(`(?i:\b(?:llámame|llamame|llámenme|llamenme|me pueden llamar|pueden llamarme|puedes llamarme|dime|díganme)\s+)` + nameGroup), asName, "asks to be called so"},
	{"fr", PreferredName, compileRule(`(?i:\b(?:appelez-moi|appelle-moi|merci de m['’]appeler|vous pouvez m['’]appeler|tu peux m['’]appeler)\s+(?:simplement\s+|juste\s+)?)` + nameGroup), asName, "asks to be called so"},
	{"fr", PreferredName, compileRule(`(?i:\b(?:vous adresser à moi|vous adressiez à moi|m['’]appeler|me nommer)\s+(?:en tant que|comme)\s+)` + nameGroup), asName, "asks to be addressed so"},
	{"pt", PreferredName, compileRule(`(?i:\b(?:se dirijam a mim|se dirija a mim|me tratem|me trate)\s+(?:como|por)\s+)` + nameGroup), asName, "asks to be addressed so"},
	{"pt", PreferredName, compileRule(`(?i:\b(?:pode me chamar de|podem me chamar de|me chame de|me chamem de|chamem-me|pode chamar-me|trate-me por)\s+)` + nameGroup), asName, "asks to be called so"},
	{"it", PreferredName, compileRule(`(?i:\b(?:rivolgervi a me|rivolgersi a me|vi rivolgiate a me|chiamarmi)\s+come\s+)` + nameGroup), asName, "asks to be addressed so"},
	{"it", PreferredName, compileRule(`(?i:\b(?:chiamatemi pure|chiamatemi|chiamami pure|chiamami|potete chiamarmi|mi chiami pure)\s+)` + nameGroup), asName, "asks to be called so"},
	{"nl", PreferredName, compileRule(`(?i:\b(?:zeg maar|noem me|noem mij|spreek me aan met|spreek mij aan met)\s+(?:(?:gewoon|maar|gerust)\s+)?)` + nameGroup), asName, "asks to be called so"},
	{"nl", PreferredName, compileRule(`(?i:\bmij\s+aan\s+te\s+spreken\s+met\s+)` + titled(`mevrouw|meneer|mevr\.|dhr\.`)), asTitledName, "asks to be addressed so"},
	{"pl", PreferredName, compileRule(`(?i:\b(?:zwracali się|zwracać się|zwracanie się)\s+(?:\p{L}+\s+){0,2}?do mnie\s+(?:per|jako)\s+)` + nameGroup), asName, "asks to be addressed so"},
	{"pl", PreferredName, compileRule(`(?i:\b(?:mówić do mnie|mówcie do mnie|mów do mnie|mówcie mi|mów mi|mówić mi)\s+)` + nameGroup), asName, "asks to be called so"},

	// A channel never to use.
	{"en", ChannelNever, compileRule(`(?i)\b(?:don'?t|do not|never|please don'?t|pls don'?t)\s+(?:ever\s+)?` + enChannel + `\s+(?:me|us)\b`), asChannel, "asks not to be contacted so"},
	{"en", ChannelNever, compileRule(`(?i)\bstop\s+(calling|ringing|phoning|texting|emailing)\s+me\b`), asChannel, "asks not to be contacted so"},
	// No more messages of a channel: "stop sending me these promo texts",
	// "keine SMS mehr", "ne plus m'envoyer de SMS".
	{"en", ChannelNever, compileRule(`(?i)\bstop\s+sending\s+(?:me\s+)?(?:\p{L}+\s+){0,3}?(texts|text messages|sms|emails|e-mails)\b`), asChannelStem, "asks for no more messages so"},
	{"de", ChannelNever, compileRule(`(?i)\bkeine\s+(?:\p{L}+\s+)?(SMS|E-Mails?|Mails?)\s+mehr\b`), asChannelStem, "asks for no more messages so"},
	{"es", ChannelNever, compileRule(`(?i)\bdej(?:en|a|e)\s+de\s+(?:enviarme|mandarme)\s+(sms|mensajes|correos|e-?mails?)\b`), asChannelStem, "asks for no more messages so"},
	{"fr", ChannelNever, compileRule(`(?i)\bne\s+plus\s+m['’](?:envoyer|adresser)\s+(?:de\s+|d['’])?(SMS|textos|e-?mails?|mails?|courriels?)\b`), asChannelStem, "asks for no more messages so"},
	{"it", ChannelNever, compileRule(`(?i)\bnon\s+(?:mandatemi|inviatemi|mandarmi|inviarmi)\s+più\s+(SMS|e-?mail|mail|messaggi)\b`), asChannelStem, "asks for no more messages so"},
	{"nl", ChannelNever, compileRule(`(?i)\bgeen\s+(sms(?:['’]?jes|['’]?en)?|e-?mails?|mails?)\s+meer\b`), asChannelStem, "asks for no more messages so"},
	{"pl", ChannelNever, compileRule(`(?i)\bnie\s+(?:wysyłać|przysyłać|wysyłajcie)\s+(?:mi\s+)?(?:więcej\s+|już\s+)?(SMS\p{L}*(?:-\p{L}+)?|maili|e-maili)`), asChannelStem, "asks for no more messages so"},
	{"pt", ChannelNever, compileRule(`(?i)\bnão\s+(?:quero\s+receber|me\s+mandem|me\s+enviem)\s+mais\s+(SMS|e-?mails?|mensagens)\b`), asChannelStem, "asks for no more messages so"},
	{"en", ChannelNever, compileRule(`(?i)\bno\s+(?:more\s+)?(?:phone\s+)?(calls|texts|emails|e-mails)\s*(?:please|pls)\b`), asChannel, "asks not to be contacted so"},
	{"de", ChannelNever, compileRule(`(?i)\b(?:bitte|mich)\b` + w + `\bnicht\b` + w + `\b(anrufen|simsen|mailen)\b`), asChannel, "asks not to be contacted so"},
	{"de", ChannelNever, compileRule(`(?i)\b(?:rufen Sie|ruft|ruf)\s+mich\b` + w + `\bnicht\b` + w + `\b(an)\b`), func(string) string { return "voice" }, "asks not to be contacted so"},
	{"de", ChannelNever, compileRule(`(?i)\bbitte\s+keine\s+(Anrufe|SMS|E-?Mails|Mails)\b`), asChannel, "asks not to be contacted so"},
	{"es", ChannelNever, compileRule(`(?i)\bno\s+me\s+(llamen|llames|llame|telefoneen)\b(?:\s*[,;.!]|\s+(?:al|a|en|por|nunca|más|mas|nunca|de)\b)`), asChannel, "asks not to be contacted so"},
	{"fr", ChannelNever, compileRule(`(?i)\bne\s+m['’](appelez|téléphonez)\s+(?:plus|pas|jamais)\b`), asChannel, "asks not to be contacted so"},
	{"fr", ChannelNever, compileRule(`(?i)\bne\s+(?:pas|plus|jamais)\s+m['’](appeler|téléphoner)\b`), asChannel, "asks not to be contacted so"},
	{"pt", ChannelNever, compileRule(`(?i)\bn[ãa]o\s+me\s+(liguem|ligue|ligues|telefonem|telefone)\b`), asChannel, "asks not to be contacted so"},
	{"it", ChannelNever, compileRule(`(?i)\bnon\s+(chiamatemi|telefonatemi|chiamarmi|telefonarmi)\b`), asChannel, "asks not to be contacted so"},
	{"it", ChannelNever, compileRule(`(?i)(?:^|[.!;\n,]\s*|\b(?:per favore|per cortesia|vi prego),?\s+)non\s+mi\s+(chiamate|chiami|telefonate)\b`), asChannel, "asks not to be contacted so"},
	{"nl", ChannelNever, compileRule(`(?i)\b(?:me|mij|alstublieft|aub|graag|liever)\b` + w + `\bniet\b` + w + `\b(bellen|mailen|sms'?en)\b`), asChannel, "asks not to be contacted so"},
	{"nl", ChannelNever, compileRule(`(?i)\b(bel)\s+(?:me|mij)\s+(?:alstublieft\s+|aub\s+|a\.u\.b\.\s+)?niet\b`), asChannel, "asks not to be contacted so"},
	{"pl", ChannelNever, compileRule(`(?i)\bprosz[ęe]\s+(?:do\s+mnie\s+|mnie\s+)?nie\s+(dzwonić|dzwonic)\b`), asChannel, "asks not to be contacted so"},
	{"pl", ChannelNever, compileRule(`(?i)\bnie\s+(dzwońcie|dzwoncie|dzwoń)\b`), asChannel, "asks not to be contacted so"},

	// The only channel to use.
	{"en", ChannelOnly, compileRule(`(?i)\b(?:only|just)\s+(?:contact me\s+|reach me\s+|write to me\s+)?(?:by|via|through|over)\s+(e-?mail|text|sms|phone|chat)\b`), asChannel, "asks to be contacted only so"},
	{"en", ChannelOnly, compileRule(`(?i)\b(?:contact|reach|write to|message)\s+me\s+only\s+(?:by|via|through|over|on)\s+(e-?mail|text|sms|phone|chat)\b`), asChannel, "asks to be contacted only so"},
	{"en", ChannelOnly, compileRule(`(?i)\bonly\s+(e-?mail|text|call)\s+me\b`), asChannel, "asks to be contacted only so"},
	{"en", ChannelOnly, compileRule(`(?i)\b(e-?mail|text|sms)\s+only\b`), asChannel, "asks to be contacted only so"},
	{"de", ChannelOnly, compileRule(`(?i)\b(?:nur|ausschließlich|ausschliesslich)\s+(?:noch\s+)?(?:per|über|via|als|schriftlich per)\s+(E-?Mail|Mail|SMS|Telefon|Chat|WhatsApp)\b`), asChannel, "asks to be contacted only so"},
	{"es", ChannelOnly, compileRule(`(?i)\b(?:solo|sólo|solamente|únicamente)\s+(?:por|vía|via|mediante)\s+(correo electrónico|correo|e-?mail|mail|sms|teléfono|chat|whatsapp)\b`), asChannel, "asks to be contacted only so"},
	{"fr", ChannelOnly, compileRule(`(?i)\b(?:uniquement|seulement|exclusivement)\s+par\s+(e-?mail|mail|courriel|sms|téléphone|chat)\b`), asChannel, "asks to be contacted only so"},
	{"fr", ChannelOnly, compileRule(`(?i)\bque\s+par\s+(e-?mail|mail|courriel|sms|téléphone)\b`), asChannel, "asks to be contacted only so"},
	{"pt", ChannelOnly, compileRule(`(?i)\b(?:s[óo]|apenas|somente|unicamente)\s+(?:por|via|pelo|pela)\s+(e-?mail|sms|telefone|chat)\b`), asChannel, "asks to be contacted only so"},
	{"it", ChannelOnly, compileRule(`(?i)\b(?:solo|soltanto|solamente|unicamente|esclusivamente)\s+(?:via|per|tramite|su)\s+(posta elettronica|e-?mail|mail|sms|telefono|chat|whatsapp)\b`), asChannel, "asks to be contacted only so"},
	{"nl", ChannelOnly, compileRule(`(?i)\b(?:alleen|uitsluitend|enkel)\s+(?:per|via)\s+(e-?mail|mail|sms|telefoon|chat)\b`), asChannel, "asks to be contacted only so"},
	{"pl", ChannelOnly, compileRule(`(?i)\b(?:tylko|wyłącznie|jedynie)\s+(?:przez\s+|drogą\s+)?(e-?mail|mailowo|mailowy|mailowa|sms|smsem|telefonicznie|czat)\b`), asChannel, "asks to be contacted only so"},

	// A language.
	{"en", Language, compileRule(`(?i)\b(?:i only speak|i speak only|only speak)\s+` + langEN + `\b`), asLanguage, "asks for a language"},
	{"en", Language, compileRule(`(?i)\b(?:can|could)\s+(?:we|you)\s+(?:do this|continue|speak|talk|write|reply|answer|carry on)\s+in\s+` + langEN + `\b`), asLanguage, "asks for a language"},
	{"en", Language, compileRule(`(?i)\b(?:someone|somebody|anyone|anybody)\s+(?:who|that)\s+(?:speaks|can speak|can help me in|can answer in)\s+` + langEN + `\b`), asLanguage, "asks for a language"},
	{"en", Language, compileRule(`(?i)\b(?:help me|answer me|reply|write to me|talk to me)\s+in\s+` + langEN + `\b`), asLanguage, "asks for a language"},
	{"en", Language, compileRule(`(?i)\bin\s+` + langEN + `,?\s+please\b`), asLanguage, "asks for a language"},
	{"en", Language, compileRule(`(?i)\bdo\s+you\s+(?:have\s+(?:anyone|someone)\s+who\s+)?speaks?\s+` + langEN + `\b`), asLanguage, "asks for a language"},
	{"de", Language, compileRule(`(?i)\b(?:können wir|könnten wir|können Sie|könnten Sie|bitte|gerne|lieber)\b` + w + `\bauf\s+` + langDE + `\b`), asLanguage, "asks for a language"},
	{"de", Language, compileRule(`(?i)\b(?:spricht|sprechen Sie)\s+(?:hier\s+)?(?:jemand\s+)?` + langDE + `\b`), asLanguage, "asks for a language"},
	{"es", Language, compileRule(`(?i)\b(?:atender|atenderme|hablar|ayudar|ayudarme|escribir|escribirme|responder|responderme|contestar|contestarme|seguir|continuar)\b[^.?!;\n]{0,12}\ben\s+` + langES + `\b`), asLanguage, "asks for a language"},
	{"es", Language, compileRule(`(?i)\b(?:alguien|hay alguien)\s+que\s+hable\s+` + langES + `\b`), asLanguage, "asks for a language"},
	{"es", Language, compileRule(`(?i)\ben\s+` + langES + `,?\s+por\s+favor\b`), asLanguage, "asks for a language"},
	{"fr", Language, compileRule(`(?i)\b(?:répondre|parler|aider|écrire|continuer|m'aider|me répondre|m'écrire)\b[^.?!;\n]{0,12}\ben\s+` + langFR + `\b`), asLanguage, "asks for a language"},
	{"fr", Language, compileRule(`(?i)\bquelqu['’]un\s+qui\s+parle\s+` + langFR + `\b`), asLanguage, "asks for a language"},
	{"fr", Language, compileRule(`(?i)\ben\s+` + langFR + `,?\s+(?:svp|s'il vous plaît|s’il vous plaît|merci)\b`), asLanguage, "asks for a language"},
	{"pt", Language, compileRule(`(?i)\b(?:atender|me atender|falar|ajudar|me ajudar|responder|escrever|continuar)\b[^.?!;\n]{0,12}\bem\s+` + langPT + `\b`), asLanguage, "asks for a language"},
	{"pt", Language, compileRule(`(?i)\balgu[ée]m\s+que\s+fale\s+` + langPT + `\b`), asLanguage, "asks for a language"},
	{"it", Language, compileRule(`(?i)\b(?:assistito|assistita|assistere|assistermi|parlare|aiutare|aiutarmi|rispondere|rispondermi|scrivere|scrivermi|continuare)\b[^.?!;\n]{0,12}\bin\s+` + langIT + `\b`), asLanguage, "asks for a language"},
	{"it", Language, compileRule(`(?i)\bqualcuno\s+che\s+parla\s+` + langIT + `\b`), asLanguage, "asks for a language"},
	{"nl", Language, compileRule(`(?i)\b(?:kunnen we|kan het|kunt u|graag|helpen|verder|spreken|praten)\b[^.?!;\n]{0,20}\bin\s+het\s+` + langNL + `\b`), asLanguage, "asks for a language"},
	{"nl", Language, compileRule(`(?i)\bspreekt\s+(?:er\s+)?iemand\s+` + langNL + `\b`), asLanguage, "asks for a language"},
	{"pl", Language, compileRule(`(?i)\b(?:pomóc|pomoc|mówić|rozmawiać|porozmawiać|pisać|obsłużyć|odpowiedzieć|kontynuować)\b[^.?!;\n]{0,12}\bpo\s+` + langPL + `\b`), asLanguage, "asks for a language"},
}

// Analyze implements analysis.Analyzer.
func (p Preferences) Analyze(d *analysis.Doc) {
	seen := map[string]bool{}
	add := func(key, value string, start, end int, evidence string) {
		if value == "" || seen[key+"\x00"+value] {
			return
		}
		seen[key+"\x00"+value] = true
		d.Add(p, analysis.Annotation{Kind: KindPreference, Key: key, Value: value, Span: trimSpan(d.Text, start, end), Confidence: 0.9, Evidence: evidence})
	}
	chunks(d.Text, func(off int, text string) {
		lower := strings.ToLower(text)
		lang := containsAny(lower, languageCues)
		for _, r := range preferenceRules {
			if r.key == Language && !lang {
				continue // no language named: no language rule can match
			}
			ms := r.re.findAllSubmatch(text, lower, 4)
			slices.SortFunc(ms, func(a, b []int) int { return a[0] - b[0] })
			for _, m := range ms {
				g := text[m[2]:m[3]]
				if r.key == ChannelNever && namedAfter(text, m[1]) {
					continue // "don't call me Samuel": a name, not a channel
				}
				if r.key == PreferredName && negatedBefore(text, m[0]) {
					continue
				}
				// A language: the negation must be in the request's own
				// part of the sentence, not in "my English is not good, …".
				if r.key == Language && negatedBefore(text[max(0, lastCommaBefore(text, m[0])):], m[0]-max(0, lastCommaBefore(text, m[0]))) {
					continue
				}
				add(r.key, r.value(g), off+m[0], off+m[1], fmt.Sprintf("%s (%s)", r.evidence, r.lang))
			}
		}
		for _, ct := range contactTimes(text) {
			add(ContactTime, ct.value, off+ct.span.Start, off+ct.span.End, "says when to be contacted ("+ct.lang+")")
		}
	})
}

// languageCues are the language names, one of which every language rule
// holds: a text part with none is not run through those patterns (which
// keeps typical texts cheaper; no rule is skipped where it could match).
var languageCues = func() []string {
	var out []string
	for name := range languageNames {
		out = append(out, name)
	}
	return out
}()

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// namedAfter reports whether a name follows position i: "don't call me
// Samuel".
func namedAfter(text string, i int) bool {
	rest := strings.TrimLeft(text[i:], " \t")
	first, _, _ := strings.Cut(rest, " ")
	first = strings.TrimRight(first, ",.!;:")
	return asName(first) != ""
}

// negations are the words that negate a clause, in the supported
// languages.
var negations = words("not", "don't", "dont", "do not", "never", "nicht", "kein", "no", "ne", "pas", "não", "nao", "non", "niet", "geen", "nie")

// negatedBefore reports whether the clause before i holds a negation.
func negatedBefore(text string, i int) bool {
	for _, f := range strings.FieldsFunc(strings.ToLower(clauseBefore(text, i)), func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
		if negations[f] || strings.HasSuffix(f, "n't") {
			return true
		}
	}
	return false
}

// lastCommaBefore is where the part of the sentence holding i starts:
// after its last comma before i, or -1.
func lastCommaBefore(text string, i int) int {
	c := clauseBefore(text, i)
	if k := strings.LastIndexAny(c, ",;:"); k >= 0 {
		return i - len(c) + k + 1
	}
	return -1
}

// contactTime is a time of day to be contacted, read in a sentence that
// speaks of being contacted.
type contactTime struct {
	lang, value string
	span        analysis.Span
}

// timeRule reads times of day in one language: cue says the sentence is
// about contacting the customer; at reads "after 6 pm", "between 9 and 5";
// part reads "in the evening".
type timeRule struct {
	lang      string
	cue       cuePattern // a sentence without it is not read for a time
	at        *regexp.Regexp
	part      *regexp.Regexp
	pm        *regexp.Regexp // after an hour: it is in the afternoon or evening
	bareIsPM  bool           // an hour 1–7 without am/pm is in the afternoon
	after     []string
	before    []string
	between   []string
	partWords map[string]string
	// until is "I work until 5" (groups: hour, minutes, am/pm): in a
	// sentence with a cue or one of then ("after", "danach"), the time
	// from that hour on.
	until *regexp.Regexp
	then  []string
	// notBefore is "don't call before 10" (groups: hour, minutes,
	// am/pm): the time from that hour on, in a sentence with one of
	// calls (stems of calling).
	notBefore *regexp.Regexp
	calls     []string
}

// timeRules are the time-of-day rules, one per language.
var timeRules = []timeRule{
	{lang: "en", cue: compileRule(`(?i)\b(?:call me|ring me|phone me|call back|reach me|contact me|get hold of me|best time|is best|works best|suits me best|i'?m available|am available|available)\b`),
		at:   re(`(?i)\b(after|before|from|between)\s+(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|o'?clock)?(?:\s*(?:and|-|–|to|until)\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?)?`),
		part: re(`(?i)\b(?:in the|during the)\s+(morning|afternoon|evening)s?\b|\b(mornings|afternoons|evenings)\b`),
		pm:   re(`(?i)^\s*(?:pm|p\.m\.)`), bareIsPM: true,
		after: []string{"after", "from"}, before: []string{"before"}, between: []string{"between"},
		partWords: map[string]string{"morning": "morning", "afternoon": "afternoon", "evening": "evening", "mornings": "morning", "afternoons": "afternoon", "evenings": "evening"},
		until:     re(`(?i)\b(?:i'?m at work|i work|i'?m working|i'?m in the office|i'?m busy)\s+(?:until|till|til)\s+(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?`), then: []string{"after", "then"},
		notBefore: re(`(?i)\b(?:not|never|don'?t\s+\p{L}+(?:\s+me)?)\s+before\s+(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?`), calls: []string{"call", "ring", "phone"}},
	{lang: "de", cue: compileRule(`(?i)\b(?:anrufen|rufen Sie|erreichbar|erreichen Sie mich|zurückrufen|Rückruf|am besten|melden Sie sich)\b`),
		at:    re(`(?i)\b(nach|ab|vor|zwischen|von)\s+(\d{1,2})(?:[:.](\d{2}))?\s*(Uhr)?(?:\s*(?:und|-|–|bis)\s*(\d{1,2})(?:[:.](\d{2}))?\s*(Uhr)?)?`),
		part:  re(`(?i)\b(vormittags|morgens|nachmittags|abends)\b`),
		pm:    re(`(?i)^\s*(?:Uhr\s+)?(?:abends|nachmittags)`),
		after: []string{"nach", "ab", "von"}, before: []string{"vor"}, between: []string{"zwischen"},
		partWords: map[string]string{"vormittags": "morning", "morgens": "morning", "nachmittags": "afternoon", "abends": "evening"},
		until:     re(`(?i)\bich\s+(?:bin|arbeite)\s+(?:\p{L}+\s+){0,2}?bis\s+(\d{1,2})(?:[:.](\d{2}))?()\s*(?:Uhr)?`), then: []string{"danach", "später", "ab dann"},
		notBefore: re(`(?i)\bnicht\s+vor\s+(\d{1,2})(?:[:.](\d{2}))?()`), calls: []string{"ruf", "anruf", "melden"}},
	{lang: "es", cue: compileRule(`(?i)\b(?:llamarme|llámame|llámenme|llamenme|me pueden llamar|pueden llamar|podéis llamar|contactarme|localizarme|localizable|disponible|mejor)\b`),
		at:    re(`(?i)\b(después de las|a partir de las|antes de las|entre las|desde las)\s+(\d{1,2})(?:[:.](\d{2}))?()(?:\s*(?:y las|y|-|a|hasta las)\s*(\d{1,2})(?:[:.](\d{2}))?)?()`),
		part:  re(`(?i)\bpor\s+la\s+(mañana|tarde|noche)\b`),
		pm:    re(`(?i)^\s*(?:h\s+)?de\s+la\s+(?:tarde|noche)`),
		after: []string{"después de las", "a partir de las", "desde las"}, before: []string{"antes de las"}, between: []string{"entre las"},
		partWords: map[string]string{"mañana": "morning", "tarde": "afternoon", "noche": "evening"},
		until:     re(`(?i)\b(?:trabajo|estoy trabajando|estoy en el trabajo)\s+hasta\s+las\s+(\d{1,2})(?:[:.](\d{2}))?()`), then: []string{"después", "luego", "a partir de"},
		notBefore: re(`(?i)\bno\s+(?:me\s+)?\p{L}+\s+antes\s+de?\s+las\s+(\d{1,2})(?:[:.](\d{2}))?()`), calls: []string{"llam"}},
	{lang: "fr", cue: compileRule(`(?i)\b(?:appelez|appeler|m'appeler|rappelez|rappeler|me rappeler|joindre|joignable|contacter|me contacter|disponible)\b`),
		at:    re(`(?i)(après|avant|à partir de|entre|dès)\s+(\d{1,2})\s*(?:h|heures?)\s*(\d{2})?()(?:\s*(?:et|-|à)\s*(\d{1,2})\s*(?:h|heures?)\s*(\d{2})?)?()`),
		part:  re(`(?i)\b(le matin|l['’]après-midi|le soir|en soirée|en matinée)\b`),
		after: []string{"après", "à partir de", "dès"}, before: []string{"avant"}, between: []string{"entre"},
		partWords: map[string]string{"le matin": "morning", "en matinée": "morning", "l'après-midi": "afternoon", "l’après-midi": "afternoon", "le soir": "evening", "en soirée": "evening"},
		until:     re(`(?i)\bje\s+(?:travaille|suis\s+au\s+(?:travail|bureau))\s+jusqu['’]à\s+(\d{1,2})\s*(?:h|heures?)\s*(\d{2})?()`), then: []string{"après", "ensuite"},
		notBefore: re(`(?i)\bpas\s+avant\s+(\d{1,2})\s*(?:h|heures?)\s*(\d{2})?()`), calls: []string{"appel", "rappel", "contact"}},
	{lang: "pt", cue: compileRule(`(?i)\b(?:ligar|liguem|ligue|me ligar|ligar-me|contactar|contatar|contactar-me|telefonar|dispon[ií]vel|melhor)\b`),
		at:    re(`(?i)\b(depois das|antes das|a partir das|entre as|desde as)\s+(\d{1,2})(?:[:h](\d{2}))?()\s*h?(?:\s*(?:e as|e|-|às|até às|até as)\s*(\d{1,2})(?:[:h](\d{2}))?)?()`),
		part:  re(`(?i)\b(de manhã|à tarde|de tarde|à noite|de noite)\b`),
		pm:    re(`(?i)^\s*(?:h\s+)?da\s+(?:tarde|noite)`),
		after: []string{"depois das", "a partir das", "desde as"}, before: []string{"antes das"}, between: []string{"entre as"},
		partWords: map[string]string{"de manhã": "morning", "à tarde": "afternoon", "de tarde": "afternoon", "à noite": "evening", "de noite": "evening"},
		until:     re(`(?i)\b(?:trabalho|estou a trabalhar|estou trabalhando)\s+até\s+(?:às|as|à)\s+(\d{1,2})(?:[:h](\d{2}))?()`), then: []string{"depois", "a partir"},
		notBefore: re(`(?i)\bnão\s+(?:me\s+)?(?:\p{L}+\s+)?antes\s+das\s+(\d{1,2})(?:[:h](\d{2}))?()`), calls: []string{"lig", "telefon", "contact"}},
	{lang: "it", cue: compileRule(`(?i)\b(?:chiamatemi|chiamarmi|chiamare|chiamami|contattarmi|contattatemi|telefonatemi|reperibile|disponibile|meglio)\b`),
		at:    re(`(?i)\b(dopo le|prima delle|dalle|tra le|fra le)\s+(\d{1,2})(?:[:.](\d{2}))?()(?:\s*(?:e le|alle|-|e)\s*(\d{1,2})(?:[:.](\d{2}))?)?()`),
		part:  re(`(?i)\b(di mattina|la mattina|al mattino|di pomeriggio|nel pomeriggio|di sera|la sera)\b`),
		pm:    re(`(?i)^\s*di\s+sera`),
		after: []string{"dopo le", "dalle"}, before: []string{"prima delle"}, between: []string{"tra le", "fra le"},
		partWords: map[string]string{"di mattina": "morning", "la mattina": "morning", "al mattino": "morning", "di pomeriggio": "afternoon", "nel pomeriggio": "afternoon", "di sera": "evening", "la sera": "evening"},
		until:     re(`(?i)\b(?:lavoro|sono al lavoro|sono in ufficio)\s+fino\s+alle\s+(\d{1,2})(?:[:.](\d{2}))?()`), then: []string{"dopo", "poi"},
		notBefore: re(`(?i)\bnon\s+prima\s+delle\s+(\d{1,2})(?:[:.](\d{2}))?()`), calls: []string{"chiam", "telefon", "contatt"}},
	{lang: "nl", cue: compileRule(`(?i)\b(?:bel me|bel mij|bellen|terugbellen|bereikbaar|contact opnemen)\b`),
		at:    re(`(?i)\b(na|voor|vanaf|tussen)\s+(\d{1,2})(?:[:.](\d{2}))?\s*(uur)?(?:\s*(?:en|-|tot)\s*(\d{1,2})(?:[:.](\d{2}))?\s*(uur)?)?`),
		part:  re(`(?i)('s ochtends|'s morgens|'s middags|'s avonds)`),
		pm:    re(`(?i)^\s*(?:uur\s+)?'s\s+(?:avonds|middags)`),
		after: []string{"na", "vanaf"}, before: []string{"voor"}, between: []string{"tussen"},
		partWords: map[string]string{"'s ochtends": "morning", "'s morgens": "morning", "'s middags": "afternoon", "'s avonds": "evening"},
		until:     re(`(?i)\bik\s+(?:werk|ben\s+aan\s+het\s+werk|zit\s+op\s+kantoor)\s+tot\s+(\d{1,2})(?:[:.](\d{2}))?()`), then: []string{"daarna", "na "},
		notBefore: re(`(?i)\bniet\s+voor\s+(\d{1,2})(?:[:.](\d{2}))?()`), calls: []string{"bel"}},
	{lang: "pl", cue: compileRule(`(?i)(?:dzwonić|dzwonic|dzwońcie|zadzwonić|zadzwońcie|kontakt|dostępna|dostępny|najlepiej)`),
		at:    re(`(?i)(?:^|\s)(po|przed|od|między)\s+(\d{1,2})(?:[:.](\d{2}))?()(?:\s*(?:a|-|do)\s*(\d{1,2})(?:[:.](\d{2}))?)?()`),
		part:  re(`(?i)(?:^|\s)(rano|rankiem|po południu|wieczorem)\b`),
		after: []string{"po", "od"}, before: []string{"przed"}, between: []string{"między"},
		partWords: map[string]string{"rano": "morning", "rankiem": "morning", "po południu": "afternoon", "wieczorem": "evening"},
		until:     re(`(?i)(?:^|\s)(?:pracuję|jestem w pracy)\s+do\s+(\d{1,2})(?:[:.](\d{2}))?()`), then: []string{"po ", "potem"},
		notBefore: re(`(?i)(?:^|\s)nie\s+(?:\p{L}+\s+)?przed\s+(\d{1,2})(?:[:.](\d{2}))?()`), calls: []string{"dzwo"}},
}

// contactTimes reads the times of day to be contacted: only in a sentence
// that speaks of contacting the customer (a cue) and holds no negation.
func contactTimes(text string) []contactTime {
	var out []contactTime
	start := 0
	for start < len(text) {
		end := strings.IndexFunc(text[start:], sentenceEnd)
		if end < 0 {
			end = len(text)
		} else {
			end += start + 1
		}
		s := text[start:end]
		lower := strings.ToLower(s)
		for _, r := range timeRules {
			if r.notBefore != nil && containsAny(lower, r.calls) {
				if m := r.notBefore.FindStringSubmatchIndex(s); m != nil {
					if v := r.untilTime(s, m); v != "" {
						out = append(out, contactTime{r.lang, v, analysis.Span{Start: start + m[0], End: start + m[1]}})
						continue
					}
				}
			}
			if r.until != nil && (r.cue.match(s, lower) || containsAny(lower, r.then)) {
				if m := r.until.FindStringSubmatchIndex(s); m != nil {
					if v := r.untilTime(s, m); v != "" {
						out = append(out, contactTime{r.lang, v, analysis.Span{Start: start + m[0], End: start + m[1]}})
						continue
					}
				}
			}
			if !r.cue.match(s, lower) || negatedBefore(s, len(s)) {
				continue
			}
			if m := r.at.FindStringSubmatchIndex(s); m != nil {
				if v := r.read(s, m); v != "" {
					out = append(out, contactTime{r.lang, v, analysis.Span{Start: start + m[0], End: start + m[1]}})
					continue
				}
			}
			if m := r.part.FindStringSubmatchIndex(s); m != nil {
				for g := 2; g+1 < len(m); g += 2 {
					if m[g] >= 0 {
						if v := r.partWords[strings.ToLower(s[m[g]:m[g+1]])]; v != "" {
							out = append(out, contactTime{r.lang, v, analysis.Span{Start: start + m[0], End: start + m[1]}})
						}
						break
					}
				}
			}
		}
		start = end
	}
	return out
}

// untilTime is the time from the hour of an until match on ("17:00-").
func (r timeRule) untilTime(s string, m []int) string {
	group := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return s[m[2*i]:m[2*i+1]]
	}
	n, err := strconv.Atoi(group(1))
	if err != nil || n > 24 {
		return ""
	}
	ap := strings.ToLower(group(3))
	if (ap == "pm" || ap == "" && r.bareIsPM && n >= 1 && n <= 7) && n < 12 {
		n += 12
	}
	mm := group(2)
	if mm == "" {
		mm = "00"
	}
	return fmt.Sprintf("%02d:%s-", n, mm)
}

// read turns a time match into "HH:MM-", "-HH:MM" or "HH:MM-HH:MM"; ""
// when the hours are not hours.
func (r timeRule) read(s string, m []int) string {
	group := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return s[m[2*i]:m[2*i+1]]
	}
	prep := strings.ToLower(group(1))
	clock := func(h, mm, ampm string, endAt int) string {
		n, err := strconv.Atoi(h)
		if err != nil || n > 24 {
			return ""
		}
		ap := strings.ToLower(strings.ReplaceAll(ampm, ".", ""))
		pm := ap == "pm" || (r.pm != nil && endAt >= 0 && r.pm.MatchString(s[endAt:]))
		switch {
		case pm && n < 12:
			n += 12
		case ap == "am" && n == 12:
			n = 0
		case ap == "" && !pm && r.bareIsPM && n >= 1 && n <= 7:
			n += 12
		}
		if mm == "" {
			mm = "00"
		}
		return fmt.Sprintf("%02d:%s", n, mm)
	}
	// endOf is where an hour (and its minutes) ends: a "pm" word follows.
	endOf := func(i int) int { return max(m[2*i+1], m[2*i+3]) }
	from := clock(group(2), group(3), group(4), endOf(2))
	if from == "" {
		return ""
	}
	switch {
	case contains(r.between, prep):
		if group(5) == "" {
			return ""
		}
		to := clock(group(5), group(6), group(7), endOf(5))
		if r.bareIsPM && group(4) == "" && group(7) != "" {
			from = clock(group(2), group(3), "", -1) // "between 9 and 5pm": 09:00
		}
		if to == "" {
			return ""
		}
		return from + "-" + to
	case contains(r.after, prep):
		if group(5) != "" {
			if to := clock(group(5), group(6), group(7), endOf(5)); to != "" {
				return from + "-" + to
			}
		}
		return from + "-"
	case contains(r.before, prep):
		return "-" + from
	}
	return ""
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
