package customercontext

import (
	"strings"
	"unicode"
)

// Languages that DetectLanguage tells apart.
const (
	English    = "en"
	German     = "de"
	Spanish    = "es"
	French     = "fr"
	Portuguese = "pt"
)

// functionWords are frequent words of each language that are rare in the
// others: articles, pronouns, prepositions, auxiliaries. Words shared by
// two of the languages ("de", "a", "que", "en") are left out.
var functionWords = map[string][]string{
	English: {"the", "and", "is", "was", "are", "were", "it", "this", "that", "my", "you", "your", "i", "i'm", "i've", "of", "to", "for", "with",
		"not", "have", "has", "been", "but", "they", "we", "would", "will", "don", "didn", "doesn", "won", "ve", "ll", "what", "why", "again", "very", "so", "just", "from", "at", "on", "still", "thank", "thanks", "please", "no", "an", "be", "if", "when", "there", "here", "all", "any", "our", "can", "could", "need", "want"},
	German: {"der", "die", "das", "und", "ist", "nicht", "ich", "mein", "meine", "sie", "wir", "mit", "für", "auf", "ein", "eine", "einen", "es", "zu", "den", "dem", "des",
		"war", "habe", "hat", "haben", "wird", "schon", "noch", "immer", "aber", "auch", "sehr", "wieder", "kein", "keine", "nichts", "danke", "bitte", "ihr", "ihre", "wie", "warum", "seit", "bei", "vom", "zum", "gut",
		"am", "im", "muss", "welche", "sind", "dass", "mir", "mich", "uns", "wann", "ihnen", "einer", "nach", "von", "was", "kommt", "gibt"},
	Spanish: {"el", "los", "las", "del", "es", "está", "estoy", "y", "no", "mi", "mis", "por", "para", "con", "una", "un", "muy", "pero", "ya", "todo", "nada", "gracias",
		"sin", "he", "ha", "han", "fue", "otra", "vez", "sigue", "nadie", "porque", "hoy", "ayer", "también", "usted", "ustedes", "su", "sus", "lo", "al", "pedido", "hola", "bien",
		"la", "me", "se", "les", "qué", "esto", "esta", "tengo", "necesito", "quiero", "nunca", "desde", "cuándo", "cuál", "pueden", "mismo", "llevo", "necesitaba"},
	French: {"le", "la", "les", "des", "du", "est", "et", "je", "j'ai", "mon", "ma", "mes", "pour", "avec", "une", "un", "très", "mais", "pas", "ne", "rien", "merci",
		"sans", "vous", "nous", "il", "elle", "toujours", "encore", "depuis", "tout", "aucun", "aucune", "parce", "aujourd", "hui", "hier", "votre", "vos", "au", "aux", "bonjour", "bien", "suis",
		"j", "c", "qu", "l", "ce", "ça", "quels", "quel", "dois", "sont", "était", "vient", "se", "ai", "mon", "dans", "sur", "être"},
	Portuguese: {"o", "os", "as", "do", "da", "dos", "das", "é", "está", "estou", "e", "não", "meu", "minha", "por", "para", "com", "uma", "um", "muito", "mas", "já", "nada",
		"obrigado", "obrigada", "sem", "foi", "outra", "vez", "ninguém", "porque", "hoje", "ontem", "também", "você", "vocês", "seu", "sua", "ao", "no", "na", "pedido", "olá", "bem", "ainda",
		"em", "isto", "tenho", "pela", "pelo", "eu", "vosso", "vossa", "estava", "mesmo", "fico", "esteja", "nunca", "parem", "podem", "quero", "preciso", "têm"},
}

// letterHints are letters that only some of the languages write.
var letterHints = map[rune][]string{
	'ß': {German}, 'ä': {German}, 'ö': {German}, 'ü': {German},
	'ñ': {Spanish}, '¿': {Spanish}, '¡': {Spanish},
	'ã': {Portuguese}, 'õ': {Portuguese},
	'è': {French}, 'ê': {French, Portuguese}, 'ç': {French, Portuguese}, 'à': {French, Portuguese}, 'œ': {French}, 'û': {French}, 'î': {French},
}

// languageIndex maps a function word to its languages.
var languageIndex = func() map[string][]string {
	idx := map[string][]string{}
	for lang, ws := range functionWords {
		for _, w := range ws {
			idx[w] = append(idx[w], lang)
		}
	}
	return idx
}()

// languageOrder breaks ties between equal counts deterministically.
var languageOrder = []string{English, German, Spanish, French, Portuguese}

// DetectLanguage tells which of English, German, Spanish, French and
// Portuguese text is written in, by counting each language's function
// words (apostrophes split words: "j'ai" is "j" and "ai") and letters. It
// returns "" when the text has none of them, or two languages score the
// same; prior (a customer's preferred language, or "") breaks a tie it is
// part of. Cost: one pass over the text.
func DetectLanguage(text, prior string) string {
	counts := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		for _, lang := range languageIndex[w] {
			counts[lang]++
		}
	}
	for _, r := range strings.ToLower(text) {
		for _, lang := range letterHints[r] {
			counts[lang]++
		}
	}
	best, bestN, tied := "", 0, false
	for _, lang := range languageOrder {
		switch n := counts[lang]; {
		case n > bestN:
			best, bestN, tied = lang, n, false
		case n == bestN && n > 0:
			tied = true
		}
	}
	if bestN == 0 {
		return ""
	}
	if tied {
		if prior = baseLanguage(prior); counts[prior] == bestN {
			return prior
		}
		return ""
	}
	return best
}

// baseLanguage is the language of a BCP 47 tag: "pt-BR" → "pt".
func baseLanguage(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	return base
}
