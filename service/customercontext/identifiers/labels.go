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
		"rechnung", "rechnungsnummer", "rechnungsnr", "rg.-nr.", "rg.-nr", "rg-nr", "rgnr", "re.-nr.", "rech.-nr.",
		"factura", "número de factura",
		"facture", "numéro de facture",
		"fatura", "número da fatura", "nota fiscal",
		"fattura", "numero di fattura", "numero fattura",
		"factuur", "factuurnummer",
		"faktura", "faktury", "fakturę", "fakturze", "numer faktury",
	},
	"claim_number": {
		"claim", "claim no", "claim number", "claim reference",
		"schaden", "schadennummer", "schadensnummer", "schadensmeldung",
		"siniestro", "parte del siniestro", "número de siniestro",
		"sinistre", "numéro de sinistre",
		"sinistro", "número do sinistro", "numero di sinistro", "numero sinistro",
		"schade", "schadenummer", "schadeclaim",
		"szkoda", "szkodę", "szkody", "numer szkody",
		"reclamación", "réclamation", "reclamação", "reclamo", "schadensfall", "schadenfall", "reklamation", "reklamacja", "reklamacji",
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
		"incidencia", "número de incidencia", "número de ticket", "folio", "número de folio",
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
		"serial", "serial no", "serial number", "s/n", "sn", "n/s", "s.n.", "n.s.",
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
		"member number", "member no", "membership no", "acct", "acct no", "acct no.", "a/c",
		"numéro d'adhérent", "n° d'adhérent", "adhérent", "numero di tessera", "tessera socio", "numero socio", "número de socio", "socio", "número de sócio",
		"lidnummer", "lidmaatschapsnummer", "numer członkowski", "mitgliedsnummer", "mitgliedsnr",
		"kundennummer", "kundennr", "kunden-nr", "kd.-nr.", "kd.-nr", "kd-nr", "kdnr", "kd.nr.", "kd. nr.",
		"número de cliente", "nº de cliente", "n.º de cliente",
		"numéro de client", "n° client", "n° de client", "no client",
		"número do cliente",
		"codice cliente", "numero cliente", "numero di cliente",
		"klantnummer", "klantnr",
		"customer", "kunde", "cliente", "client", "klant", "klient", "klienta", "customer ref", "customer reference",
		"numer klienta", "nr klienta",
	},
	"contract_number": {
		"contract", "contract no", "contract number", "policy", "policy number", "policy no",
		"vertrag", "vertragsnummer", "versicherungsschein", "versicherungsnummer", "police", "policennummer", "polizze", "polizzennummer",
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
		"parcel", "shipment", "consignment", "sendung", "paket", "envío", "paquete", "colis", "envoi", "pacco", "spedizione", "pakket", "zending", "paczka", "przesyłka",
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
		"error message", "fehlermeldung", "mensaje de error", "message d'erreur", "mensagem de erro", "messaggio di errore", "komunikat błędu",
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
	// past copulas, articles and possessives: "meine Bestellnummer war",
	// "our order number is", "c'était le"
	"war", "lautete", "wäre", "était", "c'est", "c'était", "fue", "foi", "era", "was", "waren", "był", "była", "było",
	"a", "an", "our", "your", "der", "die", "das", "unser", "unsere", "ihr", "ihre", "la", "les", "su", "nuestro", "nuestra",
	"votre", "notre", "a", "seu", "sua", "nosso", "nossa", "lo", "la", "vostro", "vostra", "nostro", "nostra", "de", "een", "uw", "onze",
	"nasz", "nasza", "wasz", "wasza",
}

// phoneLabels say a number after them (in the same sentence) is a phone
// number; a national number needs one. Whole words, but those ending in
// '*' (stems: "telefon*" is "telefono", "Telefonnummer"). The bare word
// for "number" counts only with no other label after it ("my number is",
// not "my order number is").
var phoneLabels = []string{
	"phone*", "call", "calls", "ring", "tel", "tel.", "tlf", "tfno", "telf", "mobile", "mob", "cell", "cellphone", "reach me", "text me", "whatsapp", "landline", "sms",
	"number",
	"telefon*", "handy*", "anrufen", "erreichbar", "ruf", "rufen", "rückruf*", "mobil*", "festnetz*", "nummer", "zurückrufen", "kontaktieren",
	"teléfono", "telefono", "móvil", "movil", "llám*", "llama*", "celular", "número", "numero", "marcar*", "márcame", "márqueme",
	"tél", "tél.", "téléphone", "portable", "gsm", "joignable", "appel*", "numéro", "rappel*", "joindre", "j'appelle",
	"telefone", "telemóvel", "telemovel", "telm", "liga", "ligue", "liguem", "liguem-me", "ligue-me", "liga-me", "contacto", "contato",
	"cellulare", "cell.", "chiam*", "cel", "richiam*", "contattarmi",
	"bel", "bellen", "telefoon*", "mobiel*", "bereikbaar", "terugbel*", "bereiken",
	"dzwoń", "dzwon*", "komórk*", "kom.", "numer", "zadzwoń",
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

// nouns name what a number is, by kind and language group: each becomes
// a label with the number words of its language (numbered, below), so a
// support team adds a noun, not every phrase made with it. Lower case.
var nouns = map[string]struct{ en, de, romance, nl, pl []string }{
	"order_number": {
		en: []string{"order", "purchase"}, de: []string{"bestell", "bestellungs", "auftrags", "order"},
		romance: []string{"pedido", "compra", "commande", "encomenda", "ordine", "acquisto"},
		nl:      []string{"bestel", "order"}, pl: []string{"zamówienia"},
	},
	"invoice_number": {
		en: []string{"invoice", "bill"}, de: []string{"rechnungs"},
		romance: []string{"factura", "facture", "fatura", "fattura"},
		nl:      []string{"factuur"}, pl: []string{"faktury", "rachunku"},
	},
	"claim_number": {
		en: []string{"claim", "insurance claim", "complaint"}, de: []string{"schaden", "schadens", "schadenfall", "schadensfall", "reklamations"},
		romance: []string{"siniestro", "sinistre", "sinistro", "reclamación", "réclamation", "reclamação", "reclamo"},
		nl:      []string{"schade", "claim"}, pl: []string{"szkody", "reklamacji"},
	},
	"case_number": {
		en: []string{"case"}, de: []string{"fall", "vorgangs", "akten"},
		romance: []string{"caso", "expediente", "dossier", "processo", "pratica"},
		nl:      []string{"dossier", "zaak"}, pl: []string{"sprawy"},
	},
	"ticket_number": {
		en: []string{"ticket", "support ticket", "incident", "support request"}, de: []string{"ticket", "störungs", "meldungs", "anfrage", "support"},
		romance: []string{"incidencia", "ticket", "incident", "chamado", "protocolo", "segnalazione", "richiesta", "solicitud", "demande"},
		nl:      []string{"ticket", "melding", "meldings"}, pl: []string{"zgłoszenia", "ticketu"},
	},
	"rma_number": {
		en: []string{"rma", "return", "returns"}, de: []string{"rma", "retouren", "rücksende", "retoure"},
		romance: []string{"rma", "devolución", "retour", "devolução", "reso"},
		nl:      []string{"rma", "retour"}, pl: []string{"rma", "zwrotu"},
	},
	"serial_number": {
		en: []string{"serial", "device serial"}, de: []string{"serien", "geräte"},
		romance: []string{"serie", "série", "serial", "matricola"},
		nl:      []string{"serie"}, pl: []string{"seryjny"},
	},
	"customer_number": {
		en:      []string{"customer", "client", "account", "member", "membership", "subscriber", "customer account"},
		de:      []string{"kunden", "mitglieds", "kundenkonto", "konto", "abonnenten"},
		romance: []string{"cliente", "client", "socio", "sócio", "adhérent", "abonné", "abonado", "assinante", "utente", "abbonato", "cuenta", "compte", "conta"},
		nl:      []string{"klant", "relatie", "lid", "lidmaatschaps", "abonnee", "debiteur"}, pl: []string{"klienta", "konta", "abonenta"},
	},
	"contract_number": {
		en: []string{"contract", "policy", "agreement", "insurance policy"}, de: []string{"vertrags", "policen", "versicherungs", "vertrag"},
		romance: []string{"contrato", "póliza", "contrat", "police", "apólice", "contratto", "polizza"},
		nl:      []string{"contract", "polis", "overeenkomst"}, pl: []string{"umowy", "polisy"},
	},
	"booking_reference": {
		en: []string{"booking", "reservation", "confirmation"}, de: []string{"buchungs", "reservierungs", "bestätigungs"},
		romance: []string{"reserva", "réservation", "prenotazione", "confirmación", "confirmation", "confirmação", "conferma"},
		nl:      []string{"boekings", "reserverings", "bevestigings"}, pl: []string{"rezerwacji", "potwierdzenia"},
	},
	"tracking_number": {
		en: []string{"tracking", "shipment", "parcel", "consignment", "package"}, de: []string{"sendungs", "paket", "tracking", "sendungsverfolgungs"},
		romance: []string{"seguimiento", "envío", "suivi", "colis", "envoi", "rastreio", "rastreamento", "envio", "tracciamento", "spedizione", "pacco"},
		nl:      []string{"zending", "pakket", "track", "verzend"}, pl: []string{"przesyłki", "paczki", "śledzenia"},
	},
}

// numbered are the number words each language group puts with a noun:
// before or after it, or (German and Dutch) joined to it.
var numbered = struct{ enAfter, deSuffix, romanceBefore, romanceOf, nlSuffix, plBefore []string }{
	enAfter:       []string{"number", "no", "no.", "nr", "nr.", "#", "ref", "ref.", "reference", "id", "code", "num"},
	deSuffix:      []string{"nummer", "nr", "nr.", "-nr", "-nr.", "-nummer", " nr", " nr.", " nummer", "-id", "kennung", "id"},
	romanceBefore: []string{"número", "numero", "numéro", "nº", "n.º", "n°", "n.", "no", "nr", "nr.", "núm.", "num.", "num", "referencia", "référence", "referência", "riferimento", "código", "code", "codice", "cod.", "id", "identifiant", "identificativo", "réf.", "ref.", "ref"},
	romanceOf:     []string{"", "de", "del", "de la", "du", "de l'", "d'", "da", "do", "di", "del", "della", "dell'", "dello"},
	nlSuffix:      []string{"nummer", "nr", "nr.", "-nummer", "-nr", " nummer", " nr", "code", "-id"},
	plBefore:      []string{"numer", "nr", "nr.", "id", "kod", "identyfikator"},
}

// rightOnes say the value after them is the right one of a label given
// just before (the sentence before, at most): "I gave a wrong policy
// number. The right one is 3301-448920". After "richtig ist nicht X,
// sondern Y" the value is Y.
var rightOnes = []string{
	"the right one is", "the correct one is", "the right number is", "the correct number is", "it should be", "the correct one's",
	"richtig ist", "die richtige ist", "die richtige nummer ist", "korrekt ist", "die korrekte ist", "die korrekte nummer ist",
	"el correcto es", "la correcta es", "el bueno es", "el número correcto es", "el número bueno es",
	"le bon est", "la bonne est", "le bon numéro est", "le numéro correct est", "le correct est",
	"quello giusto è", "quella giusta è", "il numero giusto è", "quello corretto è", "il numero corretto è",
	"de juiste is", "het juiste is", "het juiste nummer is", "het goede nummer is", "de goede is",
	"prawidłowy to", "prawidłowy numer to", "poprawny to", "poprawny numer to", "właściwy to", "właściwy numer to",
	"o correto é", "o certo é", "a correta é", "o número correto é", "o número certo é",
}

// possessives continue a list with another person's value or the
// customer's own: "my husband's policy is 40-118822 and mine is
// 40-118828", "meine ist 40-118828".
var possessives = []string{
	"mine is", "mine's", "his is", "hers is", "my wife's is", "my husband's is",
	"meine ist", "meiner ist", "meins ist", "seine ist", "ihre ist",
	"la mía es", "el mío es", "la suya es", "el suyo es", "la mía", "el mío",
	"la mienne est", "le mien est", "la sienne est", "le sien est",
	"la mia è", "il mio è", "la sua è", "il suo è",
	"de mijne is", "het mijne is", "die van mij is", "die van hem is", "die van haar is",
	"moja to", "mój to", "moja jest", "mój jest", "jego to", "jej to",
	"a minha é", "o meu é", "a dele é", "o dele é", "a dela é", "o dela é",
	// with no verb: "y la mía la HG-330121", "et le mien le AH-700281"
	"la mía la", "el mío el", "la mienne la", "le mien le", "la mia la", "il mio il", "a minha a", "o meu o", "moja", "mój",
}

// articles may stand between a phrase and its value: "le bon est le
// 0450-882193".
var articles = []string{"the", "le", "la", "l'", "el", "il", "lo", "o", "a", "der", "die", "das", "de", "het"}
