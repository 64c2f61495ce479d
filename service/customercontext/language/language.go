// Package language tells which language a customer's text is written in.
// It asks a maintained statistical detector, Lingua
// (github.com/pemistahl/lingua-go, n-gram models of 1 to 5 letters trained
// on large corpora, with published accuracy per language), restricted to
// the languages Rapport's customers write and its analyzers read, and adds
// what a customer-context service needs around it:
//
//   - "und" (not known) when the text is too short to tell, or the
//     detector's best guess is not clearly ahead of the next one
//     (MinLetters, MinConfidence);
//   - the customer's preferred language as a prior, used only when the
//     text alone is ambiguous and the prior is one of the close guesses;
//   - English only when the text reads as English: Latin-script text of a
//     language the detector does not know (romanised Hindi, Indonesian,
//     Turkish) would otherwise be given the closest known language, most
//     often English, and be scored with the English lexicon;
//   - a Mixed mark when a long text has a stretch in a second language;
//   - a bounded cost whatever the text's length (a sample of it is read).
//
// Mentions (@user), links and hashtag marks are not language and are left
// out before detecting. It knows nothing of gRPC, storage or the clock.
package language

import (
	"hash/maphash"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/pemistahl/lingua-go"
)

// Und is the code of a text whose language is not known.
const Und = "und"

// The thresholds, documented in README (sentiment section).
const (
	// MinLetters is the fewest letters a text needs to be given a
	// language: "ok", "Danke!" and "Awesome!!" are und.
	MinLetters = 8
	// MinConfidence is the detector's relative confidence (its top value
	// among the known languages, 0 to 1) below which a text is und
	// unless the prior settles it.
	MinConfidence = 0.5
	// MinLead is how many times the next guess's confidence the best
	// one needs, when under MinConfidence but above half of it, to be
	// taken: "Eu pensava que o Rafael era gay" is pt 0.49, fr 0.15.
	MinLead = 2.0
	// PriorConfidence is the least confidence the customer's preferred
	// language needs, in an ambiguous text, to be taken.
	PriorConfidence = 0.2
	// sampleBytes is how much of a text is read to tell its language: its
	// first 400 bytes (cut at a word), and for the mixed mark up to two
	// windows of windowBytes further on. The detector's cost grows with the
	// text; the language of a long text is plain in a paragraph of it.
	sampleBytes = 400
	windowBytes = 200
	// mixedMinWords is the fewest words a text needs to be tested for a
	// second language; a window is another language when the detector
	// gives it windowConfidence or more.
	mixedMinWords    = 12
	windowConfidence = 0.7
	// cacheSize is how many recent results Detect remembers, keyed by a
	// hash of the text and prior (never the text): the write path asks for
	// the same text's language up to three times (sentiment, facts,
	// statements).
	cacheSize = 4096
)

// Known are the languages the detector tells apart (ISO 639-1). Arabic
// and Hindi are there so that their text is recognised as what it is,
// not scored; Rapport's lexicons read the others but Arabic and Hindi.
var Known = []lingua.Language{
	lingua.English, lingua.German, lingua.Spanish, lingua.French, lingua.Italian,
	lingua.Portuguese, lingua.Dutch, lingua.Polish, lingua.Arabic, lingua.Hindi,
}

// Result is what Detect tells of a text.
type Result struct {
	// Code is the ISO 639-1 code ("de"), or Und.
	Code string
	// Confidence is the detector's relative confidence in Code, 0 to 1
	// (0 for Und).
	Confidence float64
	// Mixed is set when a long text has a long stretch in a second
	// language; Code is then the language of most of its letters.
	Mixed bool
	// Evidence says why, for an agent or an operator: "detector 0.93",
	// "too short", "prior de among close guesses".
	Evidence string
}

var (
	once     sync.Once
	detector lingua.LanguageDetector
)

// Load builds the detector with its models in memory (about 180 MiB of
// heap, a second of CPU), once per process; Detect calls it. A server calls
// it at start, so the first customer's message does not pay for it.
func Load() {
	once.Do(func() {
		detector = lingua.NewLanguageDetectorBuilder().FromLanguages(Known...).WithPreloadedLanguageModels().Build()
	})
}

// noise is what is not language in a message: mentions, hashtags (brand
// and show names, mostly English-looking), links, e-mail addresses.
var noise = regexp.MustCompile(`(?i)\S+@\S+\.\S+|@\w+|#\w+|https?://\S+|\bhttps?\b|www\.\S+|&amp;`)

var (
	seed  = maphash.MakeSeed()
	cache = func() *lru.Cache[uint64, Result] {
		c, err := lru.New[uint64, Result](cacheSize)
		if err != nil {
			panic(err)
		}
		return c
	}()
)

// Detect tells the language of text; prior is the customer's preferred
// language (BCP 47, "pt-BR"; "" when not known). Cost: about 0.5 ms for a
// chat message, bounded for any length (the first sampleBytes, and two
// windows for the mixed mark); a repeat of a recent text is a cache hit.
func Detect(text, prior string) Result {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(prior)
	h.WriteByte(0)
	h.WriteString(text)
	key := h.Sum64()
	if r, ok := cache.Get(key); ok {
		return r
	}
	r := detect(text, prior)
	cache.Add(key, r)
	return r
}

// detect is Detect without the cache.
func detect(text, prior string) Result {
	clean := cut(noise.ReplaceAllString(text, " "), 0, sampleBytes)
	if letters(clean) < MinLetters {
		return Result{Code: Und, Evidence: "too short to tell"}
	}
	Load()
	values := detector.ComputeLanguageConfidenceValues(clean)
	if len(values) == 0 {
		return Result{Code: Und, Evidence: "no known language"}
	}
	best := values[0]
	code, conf := iso(best.Language()), best.Value()
	evidence := "detector"
	second := 0.0
	if len(values) > 1 {
		second = values[1].Value()
	}
	if conf < MinConfidence && (conf < MinLead*second || conf < MinConfidence/2) {
		p := baseLanguage(prior)
		code, conf, evidence = Und, 0, "detector unsure"
		for _, v := range values {
			if iso(v.Language()) == p && v.Value() >= PriorConfidence {
				code, conf, evidence = p, v.Value(), "detector unsure; the customer's preferred language among its close guesses"
				break
			}
		}
		if code == Und {
			return Result{Code: Und, Evidence: evidence}
		}
	}
	if code == "en" {
		if !readsAsEnglish(clean) {
			return Result{Code: Und, Evidence: "closest known language is English, but the text has none of its common words"}
		}
		if romanisedHindi(clean) {
			return Result{Code: Und, Evidence: "romanised Hindi words: a language the detector cannot read in Latin letters"}
		}
	}
	return Result{Code: code, Confidence: conf, Mixed: mixed(noise.ReplaceAllString(text, " "), best.Language()), Evidence: evidence}
}

// mixed reports whether a text of mixedMinWords words or more has a
// window in another language: the detector, asked about the text's first
// and second halves (of a short text) or about a window in its middle and
// one at its end (of a long one), is sure (windowConfidence) of a language
// other than main for one of them.
func mixed(text string, main lingua.Language) bool {
	if len(strings.Fields(text)) < mixedMinWords {
		return false
	}
	var windows []string
	if len(text) <= 2*windowBytes {
		half := len(text) / 2
		windows = []string{cut(text, 0, half), cut(text, half, len(text))}
	} else {
		windows = []string{cut(text, len(text)/2-windowBytes/2, windowBytes), cut(text, len(text)-windowBytes, windowBytes)}
	}
	for _, w := range windows {
		if letters(w) < 3*MinLetters {
			continue
		}
		for _, v := range detector.ComputeLanguageConfidenceValues(w) {
			if v.Language() != main && v.Value() >= windowConfidence {
				return true
			}
			break
		}
	}
	return false
}

// cut is up to n bytes of s from from, both ends moved to a space (a whole
// word) where there is one near.
func cut(s string, from, n int) string {
	if from > 0 {
		if i := strings.IndexByte(s[from:], ' '); i >= 0 && i < 40 {
			from += i + 1
		}
	}
	if from >= len(s) {
		return ""
	}
	s = s[from:]
	if len(s) <= n {
		return s
	}
	if i := strings.LastIndexByte(s[:n], ' '); i > n-40 {
		return s[:i]
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// englishWords are the most frequent words of English (function words,
// pronouns, auxiliaries): a sentence of English of three words or more
// nearly always has one; romanised Hindi or Indonesian does not.
var englishWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the a an and or but of to in on at for with from by about as into
		is are was were be been am being do does did have has had will would can could should may must
		i me my mine you your we our us he him his she her it its they them their this that these those
		not no yes so just all any some very too what when where why how who which there here if then than
		get got go going make like know think want need please thanks thank love good bad new one more now
		im i'm it's don't can't dont cant u ur lol omg`) {
		englishWords[w] = true
	}
}

// readsAsEnglish reports whether text has one of englishWords, or is
// under three words (too short for the test; MinLetters applies).
func readsAsEnglish(text string) bool {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
	if len(words) < 3 {
		return true
	}
	for _, w := range words {
		if englishWords[strings.Trim(w, "'")] || englishWords[w] {
			return true
		}
	}
	return false
}

// hindiWords are frequent words of Hindi written in Latin letters that
// are not English words: the detector models Hindi in Devanagari only,
// and gives romanised Hindi ("bhai kya plans hai") the closest Latin
// language, most often English.
var hindiWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`hai hain nahi nhi nahin bhai kya yaar yr toh aur bhi mein kar karo kiya kiye tha thi raha rha rahi
		hoga gaya gya mera meri mere mujhe tum tumhara aap aapka aapki apni apna kuch sab woh yeh ko ka ki ke kahi kaise kyun kyu
		abhi bahut acha accha sirf jab tab phir matlab wala wali sath saath jaise`) {
		hindiWords[w] = true
	}
}

// romanisedHindi reports whether two or more of text's words are
// hindiWords.
func romanisedHindi(text string) bool {
	n := 0
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if hindiWords[w] {
			n++
		}
	}
	return n >= 2
}

// letters counts the letters of s.
func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// iso is the ISO 639-1 code of a language, lower case.
func iso(l lingua.Language) string { return strings.ToLower(l.IsoCode639_1().String()) }

// baseLanguage is the language of a BCP 47 tag: "pt-BR" → "pt".
func baseLanguage(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	return base
}
