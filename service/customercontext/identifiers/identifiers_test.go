package identifiers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"luhn card", luhn, "4532768815468583", true},
		{"luhn card typo", luhn, "4532768815468584", false},
		{"luhn imei", luhn, "867692048845719", true},
		{"iban DE", ibanValid, "DE89370400440532013000", true},
		{"iban DE check", ibanValid, "DE89370400440532013001", false},
		{"iban BE", ibanValid, "BE80363310636577", true},
		{"iban wrong length", ibanValid, "BE8036331063657", false},
		{"iban unknown country", ibanValid, "XX80363310636577", false},
		{"s10", s10Valid, "RR532917574ES", true},
		{"s10 check", s10Valid, "RR532917575ES", false},
	} {
		if got := tc.fn(tc.in); got != tc.want {
			t.Errorf("%s(%q) = %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
}

// read runs the package's analyzers and returns key=value of the
// identifiers in force, "~key=value" of the superseded ones and
// "!key" of the rejected ones, in order.
func read(text, previous, region string) string {
	d := pipeline.Run(&analysis.Doc{Text: text, Previous: previous, Region: region})
	var out []string
	for _, an := range d.Annotations {
		switch {
		case an.Kind == Kind && an.Superseded:
			out = append(out, "~"+an.Key+"="+an.Value)
		case an.Kind == Kind:
			out = append(out, an.Key+"="+an.Value)
		case an.Kind == KindRejected:
			out = append(out, "!"+an.Key)
		case an.Kind == KindCorrection:
			out = append(out, "corrects:"+an.Key)
		}
	}
	return strings.Join(out, " ")
}

func TestShapes(t *testing.T) {
	for _, tc := range []struct{ text, region, want string }{
		{"pay it into DE89 3704 0044 0532 0130 00 please", "DE", "iban=DE89370400440532013000"},
		{"IBAN DE89 3704 0044 0532 0130 01", "DE", "!iban"},
		{"card 4532 7688 1546 8583 declined", "GB", "payment_card=8583"},
		{"card 4532 7688 1546 8584 declined", "GB", "!payment_card"},
		{"imei 35209900-494457-1", "DE", "imei=352099004944571"},
		{"write to Jo.Bloggs@Example.com.", "GB", "email=jo.bloggs@example.com"},
		{"call me on 07911 123456", "GB", "phone=+447911123456"},
		{"ruf mich an: +49 172 5538190", "", "phone=+491725538190"},
		{"I paid 1234 5678 euros", "GB", ""},
		{"parcel 1Z999AA10123456784 lost", "US", "tracking_number=1Z999AA10123456784"},
		{"RR532917574ES not here", "ES", "tracking_number=RR532917574ES"},
		{"RR532917575ES not here", "ES", "!tracking_number"},
		{"DHL: 1234 5678 9012 still not moving", "DE", "tracking_number=123456789012"},
		{"app version 2.8.14 crashes", "DE", "version=2.8.14"},
		{"update of 12.03.2024", "DE", ""},
		{"we met at 10.30 on 12.03.2024", "DE", ""},
		{"my old number was 07700 900418, please use 07700 900652 from now on", "GB", "~phone=+447700900418 phone=+447700900652"},
		{"Mi móvil es 644.12.34.56", "ES", "phone=+34644123456"},
		{"rappelez-moi au 06.98.76.54.32 svp", "FR", "phone=+33698765432"},
		{"Me liga no (11) 98765-4321", "BR", "phone=+5511987654321"},
		{"UPS 1Z 999 AA1 01 2345 6784 not here", "NL", "tracking_number=1Z999AA10123456784"},
		{"USPS tracking 9400 1118 9922 3856 0142 07 says delivered", "US", "tracking_number=9400111899223856014207"},
	} {
		if got := read(tc.text, "", tc.region); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestLabels(t *testing.T) {
	for _, tc := range []struct{ text, previous, want string }{
		{"my order number is A-12345", "", "order_number=A-12345"},
		{"Bestellnummer lautet 771-2208-19", "", "order_number=771-2208-19"},
		{"número de pedido: 2233109", "", "order_number=2233109"},
		{"numéro de dossier 00812733", "", "case_number=00812733"},
		{"número do pedido de suporte SUP-30917", "", "ticket_number=SUP-30917"},
		{"numero di pratica 00419822", "", "case_number=00419822"},
		{"klantnummer 70012948", "", "customer_number=70012948"},
		{"numer zamówienia ZAM/2024/55019", "", "order_number=ZAM/2024/55019"},
		{"contrat 12 448 901 B", "", "contract_number=12 448 901 B"},
		{"faktura FV 118/03/2024", "", "invoice_number=FV 118/03/2024"},
		{"order 2 items for 49.99", "", ""},
		{"order on 12.03.2024", "", ""},
		{"my booking ref is", "", ""},
		{"QX7T2", "my booking ref is", "booking_reference=QX7T2"},
		{"QX7T2", "thanks, bye", ""},
		{"sure, it's QX7T2", "my booking ref is", "booking_reference=QX7T2"},
		{"ja, das ist 55102398", "Ihre Kundennummer?", "customer_number=55102398"},
		// Not a label ending the previous message, but the value retyped
		// with a slip: it corrects the one given there.
		{"QX7T2", "my booking ref is QX7T1, ok", "booking_reference=QX7T2 corrects:booking_reference"},
		{"QX7T2", "my booking ref is AB991, ok", ""},
		// What a reply quotes is not what the customer gave.
		{"Thanks.\n\n> Your reference number is 55-918273. Quote it.\n\nMy order number is A-12345.", "", "order_number=A-12345"},
		{"> call us on 07911 123456\nmy mobile: 07700 900652", "", "phone=+447700900652"},
		// Values written in groups, and digits said one by one.
		{"my claim number is 7 7 0 4 1 9 2, and it happened on the twelfth", "", "claim_number=7704192"},
		{"ticket n°55812 please", "", "ticket_number=55812"},
		// "*4417" on its own line corrects the order given before.
		{"*4417", "Can you check order 4471 please", "order_number=4417 corrects:order_number"},
	} {
		if got := read(tc.text, tc.previous, "GB"); got != tc.want {
			t.Errorf("%q after %q: %q, want %q", tc.text, tc.previous, got, tc.want)
		}
	}
}

func TestCorrections(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"contract number K-55810 — sorry, K-55801", "contract_number=K-55801 ~contract_number=K-55810"},
		{"Kundennummer 3310-2298, Korrektur: 3310-2289", "~customer_number=3310-2298 customer_number=3310-2289"},
		{"account no. 55102398, I meant 55102389 sorry", "~customer_number=55102398 customer_number=55102389"},
		{"order 1123987 and order 1123988 both late, sorry", "order_number=1123987 order_number=1123988"},
		{"sorry, it's harry@gmail.com", "email=harry@gmail.com corrects:email"},
		{"it's harry@gmail.com", "email=harry@gmail.com"},
	} {
		got := read(tc.text, "", "GB")
		// Order of annotations is the order added: compare as sets.
		if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(tc.want)) {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
	}
}

func sorted(s string) []string {
	f := strings.Fields(s)
	for i := range f {
		for j := i + 1; j < len(f); j++ {
			if f[j] < f[i] {
				f[i], f[j] = f[j], f[i]
			}
		}
	}
	return f
}

func TestFollow(t *testing.T) {
	var given []Given
	for n, text := range []string{"send it to harry@gmial.com", "ugh typo, it's harry@gmail.com"} {
		given = Follow(given, n, pipeline.Run(&analysis.Doc{Text: text}))
	}
	if len(given) != 2 || given[0].SupersededBy != 1 || given[1].SupersededBy != -1 || given[1].Value != "harry@gmail.com" {
		t.Fatalf("given = %+v", given)
	}
}

// The analyzers' cost is linear: the worst text for them (every rule
// matching all along it) at 16 and 64 KiB.
func BenchmarkIdentifiers(b *testing.B) {
	unit := "order 1123987 card 4532 7688 1546 8583 IBAN DE89 3704 0044 0532 0130 00 tel 0172 5538190 sorry, RR532917574ES a@b.de version 1.2.3 "
	for _, size := range []int{16 << 10, 64 << 10} {
		text := strings.Repeat(unit, size/len(unit))
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				pipeline.Run(&analysis.Doc{Text: text, Region: "DE", Previous: "my order number is"})
			}
		})
	}
}
