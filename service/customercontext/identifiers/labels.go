package identifiers

// labels are the words that say what the value after them is, by kind, in
// the eight supported languages (lower case; a space stands for any run
// of spaces). The longest label that matches wins ("pedido de suporte" is
// a ticket, "pedido" an order). A labelled value needs a digit in it.
var labels = map[string][]string{
	"order_number": {
		"order", "order no", "order number", "order ref", "order id", // en
		"bestellung", "bestellnummer", "bestellnr", "auftrag", "auftragsnummer", // de
		"pedido", "número de pedido", "numero de pedido", "nº de pedido", // es
		"commande", "numéro de commande", "n° de commande", "no de commande", // fr
		"encomenda", "número da encomenda", "número do pedido", // pt
		"ordine", "numero d'ordine", "numero dell'ordine", "numero ordine", "n. ordine", // it
		"bestelling", "bestelnummer", "ordernummer", // nl
		"zamówienie", "zamówienia", "numer zamówienia", "nr zamówienia", // pl
	},
	"invoice_number": {
		"invoice", "invoice no", "invoice number", "bill number",
		"rechnung", "rechnungsnummer", "rechnungsnr",
		"factura", "número de factura",
		"facture", "numéro de facture",
		"fatura", "número da fatura", "nota fiscal",
		"fattura", "numero di fattura", "numero fattura",
		"factuur", "factuurnummer",
		"faktura", "faktury", "fakturę", "numer faktury",
	},
	"claim_number": {
		"claim", "claim no", "claim number", "claim reference",
		"schaden", "schadennummer", "schadensnummer", "schadensmeldung",
		"siniestro", "parte del siniestro", "número de siniestro",
		"sinistre", "numéro de sinistre",
		"sinistro", "número do sinistro", "numero di sinistro", "numero sinistro",
		"schade", "schadenummer", "schadeclaim",
		"szkoda", "szkodę", "szkody", "numer szkody",
	},
	"case_number": {
		"case", "case no", "case number", "case reference", "case id", "reference number",
		"fallnummer", "vorgang", "vorgangsnummer", "aktenzeichen",
		"número de caso", "expediente", "número de expediente",
		"dossier", "numéro de dossier",
		"processo", "número do processo", "número de processo",
		"pratica", "numero di pratica", "numero pratica",
		"dossiernummer", "zaaknummer", "zaak",
		"sprawa", "sprawy", "numer sprawy",
	},
	"ticket_number": {
		"ticket", "ticket no", "ticket number", "ticket id",
		"ticketnummer", "ticketnr",
		"incidencia", "número de incidencia", "número de ticket",
		"numéro de ticket", "numéro d'incident",
		"chamado", "protocolo", "número do chamado", "número de protocolo", "pedido de suporte", "número do pedido de suporte",
		"numero del ticket", "numero di ticket", "segnalazione", "numero di segnalazione",
		"meldingnummer", "meldingsnummer",
		"zgłoszenie", "zgłoszenia", "numer zgłoszenia", "nr zgłoszenia",
	},
	"rma_number": {
		"rma", "rma no", "rma number", "rma-nr", "return authorisation", "return authorization",
		"retourennummer", "rücksendenummer",
		"autorización rma", "número de devolución",
		"numéro de retour", "numéro rma",
		"número de devolução",
		"autorizzazione rma", "numero di reso",
		"retournummer",
		"numer rma", "numer zwrotu",
	},
	"serial_number": {
		"serial", "serial no", "serial number", "s/n",
		"seriennummer", "seriennr",
		"número de serie", "nº de serie",
		"numéro de série", "n° de série",
		"número de série",
		"matricola", "numero di serie", "numero seriale",
		"serienummer",
		"numer seryjny", "nr seryjny",
	},
	"customer_number": {
		"customer number", "customer no", "customer id", "account no", "account number", "account", "membership number",
		"kundennummer", "kundennr", "kunden-nr",
		"número de cliente", "nº de cliente", "n.º de cliente",
		"numéro de client", "n° client", "n° de client", "no client",
		"número do cliente",
		"codice cliente", "numero cliente", "numero di cliente",
		"klantnummer", "klantnr",
		"numer klienta", "nr klienta",
	},
	"contract_number": {
		"contract", "contract no", "contract number", "policy", "policy number", "policy no",
		"vertrag", "vertragsnummer", "versicherungsschein", "versicherungsnummer", "police", "policennummer",
		"póliza", "contrato", "número de contrato", "número de póliza",
		"contrat", "numéro de contrat", "numéro de police",
		"apólice", "número da apólice",
		"polizza", "contratto", "numero di polizza", "numero di contratto",
		"polis", "polisnummer", "contractnummer",
		"umowa", "umowy", "numer umowy", "polisa", "polisy", "numer polisy",
	},
	"booking_reference": {
		"booking", "booking ref", "booking reference", "booking number", "booking code", "reservation", "reservation number", "confirmation number", "pnr",
		"buchung", "buchungsnummer", "reservierung", "reservierungsnummer",
		"reserva", "número de reserva", "localizador",
		"réservation", "numéro de réservation",
		"prenotazione", "codice prenotazione", "numero di prenotazione",
		"boeking", "boekingsnummer", "reservering", "reserveringsnummer",
		"rezerwacja", "rezerwacji", "numer rezerwacji",
	},
	"tracking_number": {
		"tracking", "tracking number", "tracking no", "tracking code",
		"sendungsnummer", "sendungsverfolgungsnummer", "trackingnummer", "paketnummer",
		"número de seguimiento", "código de seguimiento",
		"numéro de suivi",
		"código de rastreamento", "código de rastreio",
		"numero di tracciamento", "codice di tracciamento", "codice di spedizione",
		"track & trace", "trackingcode", "volgnummer", "barcode",
		"numer przesyłki", "numer śledzenia", "numer paczki",
	},
	"error_code": {
		"error", "error code", "fault code",
		"fehler", "fehlercode",
		"código de error",
		"erreur", "code d'erreur", "code erreur",
		"código de erro",
		"codice di errore", "codice errore",
		"foutcode", "foutmelding",
		"kod błędu", "błąd",
	},
}

// linkWords may stand between a label and its value: "order number is
// A-1234", "Bestellnummer lautet 1234", "numéro de commande : 1234".
var linkWords = []string{
	"number", "no", "nr", "num", "nº", "n°", "n.º", "n", "#", "id", "ref", "reference", "code", "is", "was", "the", "my",
	"nummer", "ist", "lautet", "mein", "meine",
	"número", "numero", "es", "el", "era", "mi",
	"numéro", "est", "le", "mon", "ma",
	"é", "o", "meu", "minha",
	"è", "il", "mio", "mia",
	"is", "mijn", "het",
	"numer", "to", "mój", "moje",
	// a negation: "order number is not 448120 but 448210" (see Corrections)
	"not", "nicht", "pas", "não", "niet", "nie",
}

// phoneLabels say a number after them (in the same sentence) is a phone
// number; a national number needs one.
var phoneLabels = []string{
	"phone", "call", "ring", "tel", "mobile", "cell", "reach me", "text me", "whatsapp", "landline", "number is", "number:",
	"telefon", "handy", "anrufen", "erreichbar", "ruf",
	"teléfono", "telefono", "móvil", "movil", "llám", "llama",
	"tél", "téléphone", "portable", "gsm", "joignable", "appel",
	"telefone", "telemóvel", "liga", "contacto", "celular",
	"cellulare", "chiam",
	"bel ", "bel:", "telefoon", "mobiel", "bereikbaar",
	"dzwoń", "dzwon", "komórk", "numer telefonu",
}

// phoneLabelsAfter say the number before them is a phone number.
var phoneLabelsAfter = []string{"erreichbar", "bereikbaar", "joignable", "raggiungibile", "localizable"}

// carriers name parcel carriers: a long number in a message that names
// one is its tracking number.
var carriers = []string{
	"fedex", "ups", "dhl", "hermes", "gls", "dpd", "tnt", "usps", "royal mail", "evri", "parcelforce",
	"postnl", "bpost", "seur", "correos", "mrw", "chronopost", "colissimo", "la poste", "ctt", "poste", "sda", "brt",
	"inpost", "poczta", "pocztex", "deutsche post", "post",
}
