// Package topics tells whether two topic words, or a text and an issue,
// are about the same thing in other words: "billing", "invoice" and
// "payments" are one topic. It reads words by their Snowball stem (the
// Snowball project's stemmers, github.com/blevesearch/snowballstem; en, de,
// es, fr, pt, it and nl; Polish has no Snowball stemmer and is matched by
// the synonym table alone) and by a synonym table of support topics that a
// tenant can replace (DefaultGroups is the default, documented in README).
//
// It knows nothing of gRPC, storage or the clock.
package topics

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/spanish"
)

// stemmers are the Snowball stemmers of the supported languages.
var stemmers = []struct {
	lang string
	stem func(*snowballstem.Env) bool
}{
	{"en", english.Stem}, {"de", german.Stem}, {"es", spanish.Stem}, {"fr", french.Stem},
	{"pt", portuguese.Stem}, {"it", italian.Stem}, {"nl", dutch.Stem},
}

// stems are a word's stems in each supported language ("lang:stem").
func stems(word string) []string {
	out := make([]string, 0, len(stemmers))
	for _, s := range stemmers {
		env := snowballstem.NewEnv(word)
		s.stem(env)
		out = append(out, s.lang+":"+env.Current())
	}
	return out
}

// DefaultGroups are the default synonym table: each group is one support
// topic, named by its first word, with the words (any supported language)
// that mean it. A tenant's own table replaces it (HintConfig).
var DefaultGroups = [][]string{
	{"billing", "bill", "invoice", "payment", "charge", "charged", "double charge", "refund", "direct debit", "rechnung", "abrechnung", "zahlung", "lastschrift", "erstattung", "factura", "facturación", "pago", "cobro", "reembolso", "facture", "facturation", "paiement", "prélèvement", "remboursement", "fatura", "cobrança", "pagamento", "reembolso", "bolletta", "fattura", "addebito", "rimborso", "factuur", "betaling", "incasso", "terugbetaling", "faktura", "płatność", "rachunek", "zwrot"},
	{"connectivity", "internet", "wifi", "wi-fi", "broadband", "connection", "network", "router", "modem", "outage", "verbindung", "wlan", "netz", "störung", "conexión", "red", "fibra", "connexion", "réseau", "conexão", "rede", "connessione", "rete", "verbinding", "netwerk", "storing", "połączenie", "sieć", "światłowód"},
	{"delivery", "shipping", "shipment", "parcel", "package", "tracking", "courier", "lieferung", "versand", "paket", "sendung", "envío", "entrega", "paquete", "livraison", "colis", "expédition", "encomenda", "consegna", "pacco", "spedizione", "levering", "pakket", "bezorging", "dostawa", "przesyłka", "paczka"},
	{"account access", "login", "log in", "sign in", "password", "locked out", "anmeldung", "passwort", "contraseña", "acceso", "mot de passe", "connexion au compte", "senha", "accesso", "inloggen", "wachtwoord", "logowanie", "hasło"},
	{"cancellation", "cancel", "termination", "kündigung", "cancelación", "baja", "résiliation", "cancelamento", "disdetta", "opzegging", "rezygnacja", "wypowiedzenie"},
	{"landline", "dial tone", "phone line", "festnetz", "freizeichen", "fijo", "línea fija", "fixe", "tonalité", "telefone fixo", "fisso", "vaste lijn", "kiestoon", "stacjonarny"},
	{"television", "tv", "fernsehen", "televisión", "télévision", "télé", "televisão", "televisione", "televisie"},
}

// Table is a synonym table, ready to look words up. It is safe for
// concurrent use.
type Table struct {
	byWord map[string]string // normalised word → group name
	byStem map[string]string // "lang:stem" → group name
	// seen memoises what the stemmers said of a word (seven Snowball
	// stemmers a word is most of a context's topic work, and the same
	// words come back on every read): at most maxSeen words, then new ones
	// are stemmed each time.
	seen    sync.Map // one-word string → stemmed
	seenLen atomic.Int64
}

// stemmed is what the stemmers say of a word: the group one of its stems
// belongs to ("" if none), and its English stem.
type stemmed struct{ group, en string }

// maxSeen bounds the words a table memoises (tens of bytes each).
const maxSeen = 1 << 16

// lookup stems w (one normalised word) unless it was seen before.
func (t *Table) lookup(w string) stemmed {
	if v, ok := t.seen.Load(w); ok {
		return v.(stemmed)
	}
	ss := stems(w)
	out := stemmed{en: ss[0][len("en:"):]}
	for _, s := range ss {
		if g, ok := t.byStem[s]; ok {
			out.group = g
			break
		}
	}
	if t.seenLen.Load() < maxSeen {
		if _, loaded := t.seen.LoadOrStore(strings.Clone(w), out); !loaded {
			t.seenLen.Add(1)
		}
	}
	return out
}

// Default is the table of DefaultGroups.
var Default = New(DefaultGroups)

// New builds a table from groups (each named by its first word).
func New(groups [][]string) *Table {
	t := &Table{byWord: map[string]string{}, byStem: map[string]string{}}
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		name := normalise(g[0])
		for _, w := range g {
			w = normalise(w)
			t.byWord[w] = name
			if !strings.Contains(w, " ") {
				for _, s := range stems(w) {
					if _, taken := t.byStem[s]; !taken {
						t.byStem[s] = name
					}
				}
			}
		}
	}
	return t
}

func normalise(w string) string { return strings.Join(strings.Fields(strings.ToLower(w)), " ") }

// Canonical is the topic a topic word stands for: its group's name when
// the table knows it (by the word, or by its stem in any supported
// language), else the word's English stem, else the word itself, lower
// case ("Invoices" → "billing", "routers" → "connectivity").
func (t *Table) Canonical(topic string) string {
	w := normalise(topic)
	if g, ok := t.byWord[w]; ok {
		return g
	}
	if !strings.Contains(w, " ") {
		l := t.lookup(w)
		if l.group != "" {
			return l.group
		}
		return l.en
	}
	return w
}

// Known reports whether topic is a group of the table, or a word of one.
func (t *Table) Known(topic string) bool {
	g := t.Canonical(topic)
	for _, name := range t.byWord {
		if name == g {
			return true
		}
	}
	return false
}

// Words are the words of a text, lower case, for matching: letters and
// digits, and inner '-' and '/'.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '/'
	})
}

// Groups returns the topics a text speaks of: the group of each of its
// words (and two-word phrases) the table knows, with the word that said it.
func (t *Table) Groups(text string) map[string]string {
	out := map[string]string{}
	ws := Words(text)
	for i, w := range ws {
		if i+1 < len(ws) {
			if g, ok := t.byWord[w+" "+ws[i+1]]; ok && out[g] == "" {
				out[g] = w + " " + ws[i+1]
			}
		}
		if len([]rune(w)) < 3 && w != "tv" {
			continue
		}
		if g, ok := t.byWord[w]; ok {
			if out[g] == "" {
				out[g] = w
			}
			continue
		}
		if g := t.lookup(w).group; g != "" && out[g] == "" {
			out[g] = w
		}
	}
	return out
}
