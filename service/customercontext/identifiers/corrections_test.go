package identifiers

import (
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// converse reads a conversation (messages split by " | ") as the
// evaluation does, and returns what it gave: "key=value" in force,
// "~~key=value~~" superseded, two spaces apart.
func converse(lang, region, conv string) string {
	var given []Given
	prev := ""
	for n, m := range strings.Split(conv, " | ") {
		d := pipeline.Run(&analysis.Doc{Text: m, Previous: prev, Region: region, Language: lang})
		given = Follow(given, n, d)
		prev = m
	}
	var out []string
	for _, g := range given {
		s := g.Key + "=" + g.Value
		if g.SupersededBy >= 0 {
			s = "~~" + s + "~~"
		}
		out = append(out, s)
	}
	return strings.Join(out, "  ")
}

// The forms customers correct a value in, in each language: in the same
// message (a marker between the values, a marker after a bare value,
// "not X but Y", "X... I mean Y"), in the next message (a marker and a
// bare value, a bare value one slip away, a retraction), and across an
// unrelated message. These were written for the rules, not taken from
// the labelled sets.
func TestCorrectionForms(t *testing.T) {
	for _, tc := range []struct{ lang, region, conv, want string }{
		{"en", "GB", "My contract number is K-55810 — sorry, K-55801", "~~contract_number=K-55810~~  contract_number=K-55801"},
		{"en", "GB", "contract K-55810... I mean K-55801", "~~contract_number=K-55810~~  contract_number=K-55801"},
		{"en", "GB", "my order is 448120, no wait, it's 448210", "~~order_number=448120~~  order_number=448210"},
		{"en", "GB", "the order number is not 448120 but 448210", "~~order_number=448120~~  order_number=448210"},
		{"en", "GB", "order 448120 | sorry, wrong one: 448210", "~~order_number=448120~~  order_number=448210"},
		{"en", "GB", "order 448120 | 448210 sorry", "~~order_number=448120~~  order_number=448210"},
		{"en", "GB", "order 448120 | no, 448210", "~~order_number=448120~~  order_number=448210"},
		{"en", "GB", "order 448120 | my bad — order 448210", "~~order_number=448120~~  order_number=448210"},
		{"en", "GB", "email me at jo.smith@gmial.com | jo.smith@gmail.com*", "~~email=jo.smith@gmial.com~~  email=jo.smith@gmail.com"},
		{"en", "GB", "email me at jo.smith@gmial.com | oops, meant jo.smith@gmail.com", "~~email=jo.smith@gmial.com~~  email=jo.smith@gmail.com"},
		{"en", "GB", "call me on 07700 900562 | wait no, it's 07700 900526", "~~phone=+447700900562~~  phone=+447700900526"},
		{"en", "GB", "IBAN GB82WEST12345698765432 | sorry, that was my old account, use GB33BUKB20201555555555", "~~iban=GB82WEST12345698765432~~  iban=GB33BUKB20201555555555"},
		{"de", "DE", "Meine Vertragsnummer ist K-55810, nein Moment, K-55801", "~~contract_number=K-55810~~  contract_number=K-55801"},
		{"de", "DE", "Vertragsnummer nicht K-55810 sondern K-55801", "~~contract_number=K-55810~~  contract_number=K-55801"},
		{"de", "DE", "Bestellung 448120 | Sorry, falsche Nummer, richtig ist 448210", "~~order_number=448120~~  order_number=448210"},
		{"de", "DE", "Bestellung 448120 | ähm, 448210 meinte ich", "~~order_number=448120~~  order_number=448210"},
		{"de", "DE", "Kundennummer 3310-2298 – ich meine natürlich 3310-2289", "~~customer_number=3310-2298~~  customer_number=3310-2289"},
		{"es", "ES", "mi número de pedido es 448120, perdón, 448210", "~~order_number=448120~~  order_number=448210"},
		{"es", "ES", "pedido 448120 | uy no, es el 448210", "~~order_number=448120~~  order_number=448210"},
		{"es", "ES", "el pedido no es 448120 sino 448210", "~~order_number=448120~~  order_number=448210"},
		{"es", "ES", "pedido 448120... quiero decir 448210", "~~order_number=448120~~  order_number=448210"},
		{"fr", "FR", "commande 448120 | non attendez, c'est 448210", "~~order_number=448120~~  order_number=448210"},
		{"fr", "FR", "ce n'est pas la commande 448120 mais la 448210", "~~order_number=448120~~  order_number=448210"},
		{"fr", "FR", "commande 448120... enfin je veux dire 448210", "~~order_number=448120~~  order_number=448210"},
		{"pt", "PT", "encomenda 448120 | não, espera, é 448210", "~~order_number=448120~~  order_number=448210"},
		{"pt", "PT", "não é a encomenda 448120 mas sim a 448210", "~~order_number=448120~~  order_number=448210"},
		{"it", "IT", "ordine 448120 | no aspetta, è 448210", "~~order_number=448120~~  order_number=448210"},
		{"it", "IT", "non è l'ordine 448120 ma il 448210", "~~order_number=448120~~  order_number=448210"},
		{"it", "IT", "ordine 448120... cioè 448210", "~~order_number=448120~~  order_number=448210"},
		{"nl", "NL", "bestelling 448120 | nee wacht, het is 448210", "~~order_number=448120~~  order_number=448210"},
		{"nl", "NL", "niet bestelling 448120 maar 448210", "~~order_number=448120~~  order_number=448210"},
		{"nl", "NL", "bestelling 448120... ik bedoel 448210", "~~order_number=448120~~  order_number=448210"},
		{"pl", "PL", "zamówienie 448120 | nie, czekaj, to 448210", "~~order_number=448120~~  order_number=448210"},
		{"pl", "PL", "nie zamówienie 448120 tylko 448210", "~~order_number=448120~~  order_number=448210"},
		{"pl", "PL", "zamówienie 448120... to znaczy 448210", "~~order_number=448120~~  order_number=448210"},
		{"en", "GB", "my old email was jo@oldmail.com, please use jo.smith@newmail.com now", "~~email=jo@oldmail.com~~  email=jo.smith@newmail.com"},
		{"en", "GB", "my card 4532 7688 1546 8583, sorry, 4532 7688 1546 8591", "~~payment_card=8583~~  payment_card=8591"},
		{"en", "GB", "imei 867692048845719 | oops that's the other phone, it's 013263009053876", "~~imei=867692048845719~~  imei=013263009053876"},
		{"en", "GB", "IBAN GB82WEST12345698765432 | that IBAN is wrong, one sec", "~~iban=GB82WEST12345698765432~~"},
		{"en", "GB", "IBAN GB82WEST12345698765432 | that IBAN is wrong | GB33BUKB20201555555555", "~~iban=GB82WEST12345698765432~~  iban=GB33BUKB20201555555555"},
		{"en", "GB", "order 448120 | wait, it's actually 448210", "~~order_number=448120~~  order_number=448210"},
		{"en", "GB", "ref 448120 for order ABC-12345 | sorry the order is ABC-12354", "~~order_number=ABC-12345~~  order_number=ABC-12354"},
		{"en", "GB", "my number is 07911 123456 | no sorry 07911 123465", "~~phone=+447911123456~~  phone=+447911123465"},
		{"en", "GB", "claim number CLM-2024-0091 | sorry typo, CLM-2024-0019", "~~claim_number=CLM-2024-0091~~  claim_number=CLM-2024-0019"},
		{"en", "GB", "The tracking number you gave me, RR532917574ES, I think I typed it wrong — it's RR532917588ES", "~~tracking_number=RR532917574ES~~  tracking_number=RR532917588ES"},
		{"en", "GB", "order 448120 | also order 448121 hasn't arrived", "order_number=448120  order_number=448121"},
		{"en", "GB", "order 448120 | and order 448121 too", "order_number=448120  order_number=448121"},
		{"en", "GB", "serial SN8834KX2210 | correction: SN8834KX2201", "~~serial_number=SN8834KX2210~~  serial_number=SN8834KX2201"},
		{"en", "GB", "version 3.0.18 | sorry, 3.0.19", "~~version=3.0.18~~  version=3.0.19"},
		{"de", "DE", "meine IMEI 867692048845719, Moment, falsch abgelesen: 013263009053876", "~~imei=867692048845719~~  imei=013263009053876"},
		{"de", "DE", "Rechnung 9100238811 | nee, die richtige Rechnungsnummer ist 9100238812", "~~invoice_number=9100238811~~  invoice_number=9100238812"},
		{"de", "DE", "Tel 0160 9123 4455 | Korrektur: 0160 9123 4456", "~~phone=+4916091234455~~  phone=+4916091234456"},
		{"fr", "FR", "sinistre 2024/55187 | pardon je me suis trompé, c'est 2024/55178", "~~claim_number=2024/55187~~  claim_number=2024/55178"},
		{"es", "ES", "mi teléfono es 611 902 345 | perdón, 611 902 354", "~~phone=+34611902345~~  phone=+34611902354"},
		{"it", "IT", "ordine ORD-228190 | errore mio: ORD-228109", "~~order_number=ORD-228190~~  order_number=ORD-228109"},
		{"nl", "NL", "factuur 20240318-05 | sorry, moet 20240318-06 zijn", "~~invoice_number=20240318-05~~  invoice_number=20240318-06"},
		{"pl", "PL", "numer zamówienia 9901234 | pomyłka, poprawny to 9901243", "~~order_number=9901234~~  order_number=9901243"},
		{"en", "GB", "order 448120 | it hasn't arrived | sorry, the number is 448210", "~~order_number=448120~~  order_number=448210"},
		{"en", "GB", "order 448120 | it hasn't arrived | the order number I gave was wrong", "~~order_number=448120~~"},
		{"en", "GB", "order 448120 and invoice 2024-991 | it hasn't arrived | sorry, 2024-919", "order_number=448120  ~~invoice_number=2024-991~~  invoice_number=2024-919"},
		{"en", "GB", "IMEI 867692048845719 | sorry, that was my old phone. the new one is 013263009053876", "~~imei=867692048845719~~  imei=013263009053876"},
		{"en", "GB", "IMEI 867692048845719 | that's the IMEI of the old handset, use 013263009053876", "~~imei=867692048845719~~  imei=013263009053876"},
		{"en", "GB", "my number's +44 (0)7911 123456", "phone=+447911123456"},
		{"en", "GB", "mob 07911-123-456", "phone=+447911123456"},
		{"fr", "FR", "tél. 06.12.34.56.78", "phone=+33612345678"},
		{"de", "DE", "Tel. 0172/5538190", "phone=+491725538190"},
		{"de", "DE", "erreichbar unter +49 (0) 172 5538190", "phone=+491725538190"},
		{"en", "GB", "phone 07911 123456 | I've got a new number now: 07911 654321", "~~phone=+447911123456~~  phone=+447911654321"},
		{"en", "GB", "phone 07911 123456 | that's my work phone, please call my mobile 07700 900526 instead", "~~phone=+447911123456~~  phone=+447700900526"},
		{"de", "DE", "IBAN DE89 3704 0044 0532 0130 00 | Entschuldigung, das ist das alte Konto. Neue IBAN: DE02 1203 0000 0000 2020 51", "~~iban=DE89370400440532013000~~  iban=DE02120300000000202051"},
		{"es", "ES", "IMEI 867692048845719 | perdona, me he confundido de móvil: 013263009053876", "~~imei=867692048845719~~  imei=013263009053876"},
		{"it", "IT", "IMEI 867692048845719 | scusate, ho sbagliato telefono: 013263009053876", "~~imei=867692048845719~~  imei=013263009053876"},
		{"nl", "NL", "IMEI 867692048845719 | sorry, verkeerde telefoon, het is 013263009053876", "~~imei=867692048845719~~  imei=013263009053876"},
		{"pl", "PL", "IMEI 867692048845719 | przepraszam, to był stary telefon, nowy ma 013263009053876", "~~imei=867692048845719~~  imei=013263009053876"},
		{"pt", "PT", "IMEI 867692048845719 | desculpem, esse é o do telemóvel antigo, o certo é 013263009053876", "~~imei=867692048845719~~  imei=013263009053876"},
		{"en", "GB", "card 4532 7688 1546 8583 | sorry wrong card, it's 5483 5544 4148 4889", "~~payment_card=8583~~  payment_card=4889"},
		{"en", "GB", "card 4532 7688 1546 8583 | no that's my husband's card. mine is 5483-5544-4148-4889", "~~payment_card=8583~~  payment_card=4889"},
		{"de", "DE", "Karte 4532 7688 1546 8583 | Moment, falsche Karte – 5483 5544 4148 4889", "~~payment_card=8583~~  payment_card=4889"},
		{"es", "ES", "tarjeta 4532 7688 1546 8583 | uy no, esa es la de empresa, la mía es 5483 5544 4148 4889", "~~payment_card=8583~~  payment_card=4889"},
		{"fr", "FR", "carte 4532 7688 1546 8583 | pardon, mauvaise carte : 5483 5544 4148 4889", "~~payment_card=8583~~  payment_card=4889"},
		{"it", "IT", "carta 4532 7688 1546 8583 | scusate, carta sbagliata, è la 5483 5544 4148 4889", "~~payment_card=8583~~  payment_card=4889"},
		{"nl", "NL", "kaart 4532 7688 1546 8583 | oeps, verkeerde kaart: 5483 5544 4148 4889", "~~payment_card=8583~~  payment_card=4889"},
		{"pl", "PL", "karta 4532 7688 1546 8583 | przepraszam, zła karta, chodzi o 5483 5544 4148 4889", "~~payment_card=8583~~  payment_card=4889"},
		{"pt", "PT", "cartão 4532 7688 1546 8583 | desculpe, cartão errado, é o 5483 5544 4148 4889", "~~payment_card=8583~~  payment_card=4889"},
		{"en", "GB", "IMEI 867692048845719 | hmm actually the box says 013263009053876", "~~imei=867692048845719~~  imei=013263009053876"},
		{"en", "GB", "the IMEI is 867692048845719, not 013263009053876", "~~imei=013263009053876~~  imei=867692048845719"},
		{"en", "GB", "imei 013263009053876 (not 867692048845719 like I said before)", "~~imei=867692048845719~~  imei=013263009053876"},
		{"en", "GB", "my mobile is 07911 123456 | oops, 07911 123465", "~~phone=+447911123456~~  phone=+447911123465"},
		{"en", "GB", "my mobile is 07911 123456 | 07911 123465*", "~~phone=+447911123456~~  phone=+447911123465"},
		{"en", "GB", "my mobile is 07911 123456 | sorry typo — should end 465, so 07911 123465", "~~phone=+447911123456~~  phone=+447911123465"},
		{"de", "DE", "Handy 0172 5538190 | Sorry, Zahlendreher: 0172 5538109", "~~phone=+491725538190~~  phone=+491725538109"},
		{"de", "DE", "meine Nummer ist 0172 5538190, äh nein, 0172 5538109", "~~phone=+491725538190~~  phone=+491725538109"},
		{"es", "ES", "mi móvil es el 611 902 345 | perdón, me equivoqué: 611 902 354", "~~phone=+34611902345~~  phone=+34611902354"},
		{"fr", "FR", "mon portable : 06 12 34 56 78 | pardon, c'est 06 12 34 56 87", "~~phone=+33612345678~~  phone=+33612345687"},
		{"it", "IT", "cellulare 345 220 9981 | scusate, 345 220 9918", "~~phone=+393452209981~~  phone=+393452209918"},
		{"nl", "NL", "mijn nummer is 06 18 23 90 41 | sorry, 06 18 23 90 14", "~~phone=+31618239041~~  phone=+31618239014"},
		{"pl", "PL", "mój numer to 512 330 984 | przepraszam, 512 330 948", "~~phone=+48512330984~~  phone=+48512330948"},
		{"pt", "PT", "o meu telemóvel é 918 224 306 | desculpe, enganei-me: 918 224 360", "~~phone=+351918224306~~  phone=+351918224360"},
		{"en", "GB", "call me on 07911 123456 or 07911 123465 if no answer", "phone=+447911123456  phone=+447911123465"},
		// One value of a kind in a later message replaces the one before
		// (a correction in words no rule knows); "also" adds one.
		{"en", "GB", "my email is jo@oldmail.com | jo.smith@newmail.com", "~~email=jo@oldmail.com~~  email=jo.smith@newmail.com"},
		{"de", "DE", "Vertrag 8812-44 | es geht um Vertragsnummer 9931-07", "~~contract_number=8812-44~~  contract_number=9931-07"},
		// "B is the right one", "B (instead of A)".
		{"en", "GB", "order 448120 — 448210 is the right one", "~~order_number=448120~~  order_number=448210"},
		{"en", "GB", "my email is jo.smith@newmail.com (instead of jo@oldmail.com)", "~~email=jo@oldmail.com~~  email=jo.smith@newmail.com"},
		{"en", "GB", "order 1234 arrived, order no 5678 did not", "order_number=1234  order_number=5678"},
		// Two e-mails (phones, IBANs, customer or contract numbers) in one
		// sentence, not in a list: the second corrects the first.
		{"en", "GB", "send it to jo@oldmail.com jo.smith@newmail.com", "~~email=jo@oldmail.com~~  email=jo.smith@newmail.com"},
		{"en", "GB", "write to jo@oldmail.com or jo.smith@newmail.com", "email=jo@oldmail.com  email=jo.smith@newmail.com"},
		// Not corrections: two values in a list, an apology with one value.
		{"en", "GB", "order 1123987 and order 1123988 both late, sorry", "order_number=1123987  order_number=1123988"},
		{"en", "GB", "sorry to bother you, order 448120 is late | it was due Monday", "order_number=448120"},
		{"de", "DE", "Bestellung 448120 | Entschuldigung, noch eine Frage: wann kommt sie?", "order_number=448120"},
	} {
		if got := converse(tc.lang, tc.region, tc.conv); got != tc.want {
			t.Errorf("%s %q:\n got %s\nwant %s", tc.lang, tc.conv, got, tc.want)
		}
	}
}
