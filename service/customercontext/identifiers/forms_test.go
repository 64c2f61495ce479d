package identifiers

import (
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// inForce returns "key=value" of the identifiers in force that the
// package's analyzers read in text, spaces taken out of the values.
func inForce(text, lang, region string) string {
	cur, _ := Read(pipeline.Run(&analysis.Doc{Text: text, Region: region, Language: lang}))
	var out []string
	for _, an := range cur {
		out = append(out, an.Key+"="+strings.ReplaceAll(an.Value, " ", ""))
	}
	return strings.Join(out, " ")
}

// The ways each kind is labelled and written in the eight languages: the
// labels made of a noun and the language's number words ("Schaden-Nr.",
// "nº cliente", "klantnr."), lists after one label, a few words and a
// copula between label and value, phone numbers after the word for
// "number" (not when another label reads it), versions by their dotted
// shape or after a version word, and shapes that are none of these
// (amounts, IP addresses, times). Written for the rules, not taken from
// the labelled sets.
func TestFormsInEachLanguage(t *testing.T) {
	for _, tc := range []struct{ lang, region, text, want string }{
		{"en", "GB", "my customer number: 40017723", "customer_number=40017723"},
		{"en", "GB", "Client number 40017723, member since 2019", "customer_number=40017723"},
		{"en", "GB", "membership no. M-118273", "customer_number=M-118273"},
		{"en", "GB", "account ID ACC-99812", "customer_number=ACC-99812"},
		{"en", "GB", "Invoices INV-2231 and INV-2232 are wrong", "invoice_number=INV-2231 invoice_number=INV-2232"},
		{"en", "GB", "invoice #2024-118", "invoice_number=2024-118"},
		{"en", "GB", "S/N: C02XK1JHJG5H", "serial_number=C02XK1JHJG5H"},
		{"en", "GB", "SN C02XK1JHJG5H", "serial_number=C02XK1JHJG5H"},
		{"en", "GB", "the serial on the back is C02XK1JHJG5H", "serial_number=C02XK1JHJG5H"},
		{"en", "GB", "updated to 5.1.2 yesterday and now it crashes", "version=5.1.2"},
		{"en", "GB", "running iOS 17.2.1 on an iPhone 13", "version=17.2.1"},
		{"en", "GB", "the app (v4.18) keeps crashing", "version=4.18"},
		{"en", "GB", "firmware is now 3.0.18", "version=3.0.18"},
		{"en", "GB", "my mobile: 07911 123456", "phone=+447911123456"},
		{"en", "GB", "you can reach me on 07911 123 456", "phone=+447911123456"},
		{"en", "GB", "claim ref CLM-2024-118832", "claim_number=CLM-2024-118832"},
		{"en", "GB", "my claim number is 40-2291-77", "claim_number=40-2291-77"},
		{"en", "GB", "booking ref: QX7T2A", "booking_reference=QX7T2A"},
		{"en", "GB", "I called about order 0171234567", "order_number=0171234567"},
		{"en", "GB", "order number is 07911123456", "order_number=07911123456"},
		{"de", "DE", "Kd.-Nr. 55102398", "customer_number=55102398"},
		{"de", "DE", "Kunden-Nr.: 55102398", "customer_number=55102398"},
		{"de", "DE", "Mitgliedsnummer 55102398", "customer_number=55102398"},
		{"de", "DE", "Schaden-Nr. 24/118832", "claim_number=24/118832"},
		{"de", "DE", "Schadennr. 24/118832", "claim_number=24/118832"},
		{"de", "DE", "Schadensfall 2024-55123", "claim_number=2024-55123"},
		{"de", "DE", "Rechnungs-Nr. RE-2024-0091", "invoice_number=RE-2024-0091"},
		{"de", "DE", "Seriennr. SN8834KX2210", "serial_number=SN8834KX2210"},
		{"de", "DE", "Serien-Nr: SN8834KX2210", "serial_number=SN8834KX2210"},
		{"de", "DE", "Vertragsnr. 8812-44", "contract_number=8812-44"},
		{"de", "DE", "Auftragsnr. A-771220", "order_number=A-771220"},
		{"de", "DE", "nach dem Update auf 2.8.14 geht nichts mehr", "version=2.8.14"},
		{"de", "DE", "Handynummer 0172 5538190", "phone=+491725538190"},
		{"de", "DE", "meine Nummer: 0172 5538190", "phone=+491725538190"},
		{"de", "DE", "Rückrufnummer 0172 5538190", "phone=+491725538190"},
		{"es", "ES", "número de socio 44812", "customer_number=44812"},
		{"es", "ES", "nº cliente 41100982", "customer_number=41100982"},
		{"es", "ES", "mi número es el 611 902 345", "phone=+34611902345"},
		{"es", "ES", "tlf 611902345", "phone=+34611902345"},
		{"es", "ES", "reclamación R-5512", "claim_number=R-5512"},
		{"es", "ES", "número de siniestro: 24-118776", "claim_number=24-118776"},
		{"es", "ES", "nº de serie CF2291X00812", "serial_number=CF2291X00812"},
		{"es", "ES", "N/S CF2291X00812", "serial_number=CF2291X00812"},
		{"es", "ES", "tengo la versión 11.2.4", "version=11.2.4"},
		{"fr", "FR", "numéro client 20918374", "customer_number=20918374"},
		{"fr", "FR", "référence client RC-20918", "customer_number=RC-20918"},
		{"fr", "FR", "mon numéro : 06 12 34 56 78", "phone=+33612345678"},
		{"fr", "FR", "réclamation numéro RC-8812", "claim_number=RC-8812"},
		{"fr", "FR", "n° de sinistre 2024/55187", "claim_number=2024/55187"},
		{"fr", "FR", "N° série VX22019KT883", "serial_number=VX22019KT883"},
		{"fr", "FR", "depuis la mise à jour 4.0.21", "version=4.0.21"},
		{"pt", "PT", "número de cliente: 51203394", "customer_number=51203394"},
		{"pt", "PT", "n.º de cliente 51203394", "customer_number=51203394"},
		{"pt", "PT", "nº de contribuinte 123456789", ""},
		{"pt", "PT", "o meu número é 918 224 306", "phone=+351918224306"},
		{"pt", "PT", "telemóvel 918224306", "phone=+351918224306"},
		{"pt", "PT", "reclamação RC-5501", "claim_number=RC-5501"},
		{"pt", "PT", "n.º do sinistro 24-338190", "claim_number=24-338190"},
		{"pt", "PT", "fatura n.º FT 2024/512", "invoice_number=FT2024/512"},
		{"pt", "PT", "desde a atualização 9.1.3", "version=9.1.3"},
		{"it", "IT", "cod. cliente 60019283", "customer_number=60019283"},
		{"it", "IT", "numero utente 60019283", "customer_number=60019283"},
		{"it", "IT", "il mio numero è 345 220 9981", "phone=+393452209981"},
		{"it", "IT", "n. sinistro 24/330871", "claim_number=24/330871"},
		{"it", "IT", "dopo l'aggiornamento 5.18.1", "version=5.18.1"},
		{"it", "IT", "numero di serie DL3309A77120", "serial_number=DL3309A77120"},
		{"nl", "NL", "klantnr. 70012984", "customer_number=70012984"},
		{"nl", "NL", "relatienummer 70012984", "customer_number=70012984"},
		{"nl", "NL", "mijn nummer is 06 18 23 90 41", "phone=+31618239041"},
		{"nl", "NL", "schadenummer 24-0098812", "claim_number=24-0098812"},
		{"nl", "NL", "schadenr. 24-0098812", "claim_number=24-0098812"},
		{"nl", "NL", "serienr. SV19930KX771", "serial_number=SV19930KX771"},
		{"nl", "NL", "na de update naar 3.14.7", "version=3.14.7"},
		{"nl", "NL", "factuurnr. 20240318-05", "invoice_number=20240318-05"},
		{"pl", "PL", "nr klienta 80019273", "customer_number=80019273"},
		{"pl", "PL", "ID klienta 80019273", "customer_number=80019273"},
		{"pl", "PL", "mój numer to 512 330 984", "phone=+48512330984"},
		{"pl", "PL", "nr szkody 2024/77019", "claim_number=2024/77019"},
		{"pl", "PL", "nr seryjny EX8812K00931", "serial_number=EX8812K00931"},
		{"pl", "PL", "po aktualizacji do 6.3.0", "version=6.3.0"},
		{"pl", "PL", "nr faktury FV/118/03/2024", "invoice_number=FV/118/03/2024"},
		{"en", "GB", "I paid 1.158.000 for it", ""},
		{"de", "DE", "Betrag 1.234.567 Euro", ""},
		{"en", "GB", "my router's IP is 192.168.1.1", ""},
		{"en", "GB", "I'll be home between 10.30 and 12.15", ""},
		{"en", "GB", "tell me why 0171234567 was charged", ""},
		// Quotes and brackets, a label after its value, digit groups,
		// past copulas, articles and possessives.
		{"en", "GB", "order (#448120) still missing", "order_number=448120"},
		{"en", "GB", "order \"448120\" still missing", "order_number=448120"},
		{"de", "DE", "Bestellung „448120“ fehlt", "order_number=448120"},
		{"fr", "FR", "commande « 448120 »", "order_number=448120"},
		{"en", "GB", "55102398 is my customer number", "customer_number=55102398"},
		{"en", "GB", "55102398 (customer number)", "customer_number=55102398"},
		{"de", "DE", "55102398 ist meine Kundennummer", "customer_number=55102398"},
		{"es", "ES", "el 41100982 es mi número de cliente", "customer_number=41100982"},
		{"en", "GB", "customer number 5510 2398", "customer_number=55102398"},
		{"de", "DE", "Kundennummer 5510 2398", "customer_number=55102398"},
		{"en", "GB", "invoice FACT 2024/118", "invoice_number=FACT2024/118"},
		{"de", "DE", "meine Bestellnummer war 448120", "order_number=448120"},
		{"en", "GB", "our order number is 448120", "order_number=448120"},
		{"en", "GB", "your reference for the claim was CLM-2291", "claim_number=CLM-2291"},
		{"de", "DE", "Ihr Aktenzeichen: AZ-2291-24", "case_number=AZ-2291-24"},
		{"en", "GB", "order 1234 5 items missing", "order_number=1234"},
		{"en", "GB", "order 12345 for 2 items", "order_number=12345"},
		// Words and a number word between label and value; a national
		// number without the trunk prefix 0 is no phone in Germany.
		{"en", "GB", "my claim was registered under 2024-55123", "claim_number=2024-55123"},
		{"de", "DE", "Schaden gemeldet unter der Nummer 2024-55123", "claim_number=2024-55123"},
		{"en", "GB", "the order arrived but the invoice number 1234 is wrong", "invoice_number=1234"},
		// A form's fields ("Customer: …"), digits that go on after a
		// number ("CLM 2024 55187", "2024 / 55187"), but not into a quantity.
		{"en", "GB", "Customer: 55102398", "customer_number=55102398"},
		{"de", "DE", "Kunde: 55102398", "customer_number=55102398"},
		{"en", "GB", "claim no. CLM 2024 55187", "claim_number=CLM202455187"},
		{"en", "GB", "claim 2024 / 55187", "claim_number=2024/55187"},
		{"de", "DE", "Schadennummer 2024 - 55187", "claim_number=2024-55187"},
		{"en", "GB", "order 12345 150 items", "order_number=12345"},
		{"en", "GB", "I've been a customer since 2019", ""},
		{"en", "GB", "card ending in 4242 was charged twice", "payment_card=4242"},
		{"de", "DE", "die Karte mit den Endziffern 4242", "payment_card=4242"},
		{"es", "ES", "la tarjeta acabada en 4242", "payment_card=4242"},
		{"fr", "FR", "ma carte se terminant par 4242", "payment_card=4242"},
		{"en", "GB", "paid with **** **** **** 4242", "payment_card=4242"},
		{"es", "ES", "Por favor, escríbenos a cliente@empresa.es", ""},
		// A 15-digit number with no IMEI word needs a GSMA reporting body
		// (35…), and is another label's when one reads it; a card with no
		// card word needs a scheme's issuer range and length.
		{"en", "GB", "it's 358240051111110 on the box", "imei=358240051111110"},
		{"en", "GB", "serial no. 358240051111110", "serial_number=358240051111110"},
		{"en", "GB", "ref 777777777777772", ""},
		// 16 digits of a card's shape after another label: masked, not read
		// (a card number is never kept, whatever it is called).
		{"en", "GB", "customer number 4000000000000002", ""},
		{"en", "GB", "Amex 3782 822463 10005 declined", "payment_card=0005"},
		// A company's free or premium line is no customer's phone.
		{"en", "GB", "I called 0800 028 0050 twice", ""},
		{"de", "DE", "Rückruf unter 0800 3301000 klappt nicht", ""},
	} {
		if got := inForce(tc.text, tc.lang, tc.region); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.lang, tc.text, got, tc.want)
		}
	}
}
