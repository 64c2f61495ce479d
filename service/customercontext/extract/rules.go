package extract

import (
	"regexp"
	"strings"
)

// The rules, one row each, that a support team can read and change. A row
// reads a fact when one of its trigger words (in any of the languages) is
// followed, after at most a few linking words, by a value of the row's
// shape. Precision comes first: a wrong "fact" read aloud to a customer is
// worse than none, so every identifier needs a trigger word right before
// it and a digit in it. (Steps already tried have their own tables, in the
// steps package.)

// identifierRules read identifiers: the words before a value say what it
// is; the value is one token with at least one digit.
var identifierRules = []identifierRule{
	{"order_number", words(
		"order", "order no", "order number", "order ref", // en
		"bestellung", "bestellnummer", "bestellnr", "auftrag", "auftragsnummer", // de
		"pedido", "número de pedido", // es, pt
		"commande", "numéro de commande", // fr
		"encomenda", "número da encomenda", "número do pedido", // pt
	)},
	{"tracking_number", words(
		"tracking", "tracking number", "tracking no", "tracking code", "consignment", "parcel", // en
		"sendungsnummer", "sendungsverfolgungsnummer", "trackingnummer", "paketnummer", // de
		"seguimiento", "número de seguimiento", "código de seguimiento", // es
		"suivi", "numéro de suivi", "colis", // fr
		"rastreamento", "código de rastreamento", "código de rastreio", "rastreio", // pt
	)},
	{"invoice_number", words(
		"invoice", "invoice no", "invoice number", "bill number", // en
		"rechnung", "rechnungsnummer", "rechnungsnr", // de
		"factura", "número de factura", // es
		"facture", "numéro de facture", // fr
		"fatura", "número da fatura", "nota fiscal", // pt
	)},
	{"claim_number", words(
		"claim", "claim no", "claim number", "claim reference", // en
		"schadennummer", "schadensnummer", "reklamation", "reklamationsnummer", // de
		"reclamación", "número de reclamación", "siniestro", // es
		"sinistre", "réclamation", "numéro de réclamation", "numéro de sinistre", // fr
		"reclamação", "sinistro", "número do sinistro", // pt
	)},
	{"case_number", words(
		"case", "case no", "case number", "case reference", "case id", "reference number", // en
		"fallnummer", "vorgang", "vorgangsnummer", "aktenzeichen", // de
		"caso", "número de caso", "expediente", // es
		"dossier", "numéro de dossier", // fr
		"processo", "número do processo", // pt
	)},
	{"ticket_number", words(
		"ticket", "ticket no", "ticket number", "ticket id", // en
		"ticketnummer",                                           // de
		"incidencia", "número de incidencia", "número de ticket", // es
		"numéro de ticket",                                                 // fr
		"chamado", "protocolo", "número do chamado", "número de protocolo", // pt
	)},
	{"error_code", words(
		"error", "error code", "error message", "fault code", // en
		"fehler", "fehlercode", "fehlermeldung", // de
		"código de error",                        // es
		"erreur", "code d'erreur", "code erreur", // fr
		"erro", "código de erro", // pt
	)},
	{"account_number", words(
		"account", "account no", "account number", "customer number", "customer id", "membership number", // en
		"kundennummer", "kontonummer", "kundenkonto", // de
		"número de cliente", "cuenta", "número de cuenta", // es, pt
		"numéro de client", "compte", "numéro de compte", // fr
		"conta", "número da conta", // pt
	)},
}

// linkWords may stand between a trigger and its value: "order number is
// A-1234", "Bestellnummer lautet 1234", "numéro de commande : 1234".
var linkWords = []string{
	"number", "no", "nr", "num", "nº", "n°", "#", "id", "ref", "reference", "code", "is", "was",
	"nummer", "ist", "lautet", "lautete", "número", "numero", "es", "era", "numéro", "est", "était", "é",
	"my", "mein", "meine", "mi", "mon", "ma", "meu", "minha",
}

// notValues are shapes that are not identifiers even with a trigger word
// before them: dates, times, money and quantities.
var notValues = []*regexp.Regexp{
	regexp.MustCompile(`^\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?$`), // 12.03.2024, 3/4
	regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`),                    // 2024-03-12
	regexp.MustCompile(`^\d{1,2}[:h]\d{2}$`),                     // 14:30, 14h30
	regexp.MustCompile(`^\d+[.,]\d{1,2}$`),                       // 49.99
	regexp.MustCompile(`^(?:19|20)\d{2}$`),                       // a year
	regexp.MustCompile(`^\d{1,2}$`),                              // a quantity
}

// identifierRule is one row of identifierRules.
type identifierRule struct {
	key      string
	triggers []string
}

func words(ws ...string) []string { return ws }

// value is the shape of an identifier: letters, digits, '/', '_', '-' and
// inner dots, with at least one digit.
const value = `(\d(?:[A-Z0-9/_-]|\.[A-Z0-9])*|[A-Z](?:[A-Z0-9/_-]|\.[A-Z0-9])*?\d(?:[A-Z0-9/_-]|\.[A-Z0-9])*)`

// compile builds a row's expression: a trigger, link words, a value.
// (?:^|[^\pL\pN]) and (?:[^\pL\pN]|$) stand for word boundaries that know
// accented letters.
func (r identifierRule) compile() *regexp.Regexp {
	quote := func(ws []string) string {
		var q []string
		for _, w := range ws {
			q = append(q, strings.ReplaceAll(regexp.QuoteMeta(w), " ", `\s+`))
		}
		return strings.Join(q, "|")
	}
	return regexp.MustCompile(`(?i)(?:^|[^\pL\pN])(?:` + quote(r.triggers) + `)(?:\s*(?:` + quote(linkWords) + `)(?:[\s.:#]|$))*\s*[:#]?\s*` + value + `(?:[^\pL\pN]|$)`)
}
