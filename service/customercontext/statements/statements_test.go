package statements

import (
	"slices"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// pref is a preference as the tests write it: "key=value".
func prefs(d *analysis.Doc) []string {
	var out []string
	for _, an := range d.Of(KindPreference) {
		out = append(out, an.Key+"="+an.Value)
	}
	return out
}

func TestPreferences(t *testing.T) {
	for _, tc := range []struct {
		channel, text string
		want          []string
	}{
		{"chat", "Please call me Sam, not Samuel.", []string{"preferred_name=Sam"}},
		{"chat", "call me back tomorrow please", nil},
		{"chat", "don't call me Samuel", nil},
		{"email", "please write, don't ring me at work", []string{"channel_never=voice"}},
		{"chat", "bitte nicht auf der Arbeit anrufen", []string{"channel_never=voice"}},
		{"chat", "no me llamen al trabajo", []string{"channel_never=voice"}},
		{"chat", "Proszę nie dzwonić do mnie do pracy", []string{"channel_never=voice"}},
		{"chat", "please contact me only by email", []string{"channel_only=email"}},
		{"chat", "nur per E-Mail bitte", []string{"channel_only=email"}},
		{"chat", "I only speak English", []string{"language=en"}},
		{"chat", "¿me pueden atender en inglés?", []string{"language=en"}},
		{"chat", "no hablo bien inglés", nil},
		{"chat", "after 6 pm is best to call me", []string{"contact_time=18:00-"}},
		{"chat", "you can reach me between 9 and 5", []string{"contact_time=09:00-17:00"}},
		{"chat", "the box broke after 6 pm yesterday", nil},
		{"chat", "Sie erreichen mich am besten nach 18 Uhr", []string{"contact_time=18:00-"}},
		{"chat", "please call me in the morning", []string{"contact_time=morning"}},
		{"email", "My son Peter set the account up for me. I called you yesterday.", nil},
	} {
		got := prefs(Preferences{}.run(tc.channel, tc.text))
		if !equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestOptOut(t *testing.T) {
	for _, tc := range []struct {
		channel, text string
		want          []string
	}{
		{"sms", "STOP", []string{"sms_opt_out="}},
		{"sms", " quit. ", []string{"sms_opt_out="}},
		{"sms", "Unsubscribe", []string{"sms_opt_out="}},
		{"sms", "START", []string{"sms_opt_in="}},
		{"sms", "unstop", []string{"sms_opt_in="}},
		{"sms", "please stop the calls", nil},
		{"chat", "STOP", nil},
	} {
		got := prefs(analysis.Pipeline{OptOut{}}.Run(&analysis.Doc{Text: tc.text, Channel: tc.channel}))
		if !equal(got, tc.want) {
			t.Errorf("%s %q: %v, want %v", tc.channel, tc.text, got, tc.want)
		}
	}
}

func TestRelapse(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"it's broken again, same as last month", KindRelapse},
		{"the wifi problem is back", KindRelapse},
		{"das WLAN ist schon wieder kaputt", KindRelapse},
		{"otra vez lo mismo con el wifi", KindRelapse},
		{"ça recommence", KindRelapse},
		{"è successo di nuovo", KindRelapse},
		{"de wifi is weer stuk", KindRelapse},
		{"wifi znowu nie działa", KindRelapse},
		{"all working now, thanks!", KindClosure},
		{"alles funktioniert wieder, danke", KindClosure},
		{"ya funciona todo", KindClosure},
		{"thanks, but it still doesn't work", ""},
		{"it is not working now", ""},
		{"thanks again for your help", ""},
		{"gracias otra vez", ""},
	} {
		if got := Label(analysis.Pipeline{Relapse{}}.Run(&analysis.Doc{Text: tc.text})); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
	}
}

func (p Preferences) run(channel, text string) *analysis.Doc {
	return analysis.Pipeline{p}.Run(&analysis.Doc{Text: text, Channel: channel})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkStatements reads a 64 KiB text (the largest an interaction may
// have) in which every sentence holds a cue of every rule: the worst case.
// A plain 64 KiB text with no cue is the typical case.
func BenchmarkStatements(b *testing.B) {
	for _, tc := range []struct{ name, sentence string }{
		{"cues in every sentence", "Please call me Sam, don't ring me at work, only by email, can we continue in English, call me after 6 pm; it's back again, all working now. "},
		{"no cue", "The router in the hall blinks red and the box was delivered on Tuesday with a charger. "},
	} {
		b.Run(tc.name, func(b *testing.B) {
			text := strings.Repeat(tc.sentence, 64<<10/len(tc.sentence))
			p := analysis.Pipeline{OptOut{}, Preferences{}, Relapse{}}
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				p.Run(&analysis.Doc{Text: text, Channel: "email"})
			}
		})
	}
}

// A text is read for statements in its first 8 KiB only (the cost bound).
func TestStatementsReadTheFirst8KiB(t *testing.T) {
	pad := strings.Repeat("The router is in the box. ", 8<<10/26+1)
	if got := prefs(Preferences{}.run("email", "Please call me Sam. "+pad)); len(got) != 1 {
		t.Errorf("at the start: %v", got)
	}
	if got := prefs(Preferences{}.run("email", pad+" Please call me Sam.")); len(got) != 0 {
		t.Errorf("after 8 KiB: %v, want none", got)
	}
}

// upsetKeys are the reasons of upset read in text, and "churn" when a
// churn threat was read.
func upsetKeys(lang, text string) []string {
	d := analysis.Pipeline{Upset{}}.Run(&analysis.Doc{Text: text, Language: lang})
	var out []string
	for _, an := range d.Of(KindUpset) {
		out = append(out, an.Key)
	}
	if len(d.Of(KindChurnThreat)) > 0 {
		out = append(out, "churn")
	}
	return out
}

func TestUpset(t *testing.T) {
	for _, tc := range []struct {
		lang, text, want string // want: a reason that must be read, or "" for not upset
	}{
		// escalation
		{"en", "This is the third time I'm writing about the same invoice.", UpsetEscalation},
		{"en", "How many times do I have to explain this?", UpsetEscalation},
		{"en", "I want to speak to a manager now.", UpsetEscalation},
		{"de", "Wie oft muss ich das noch erklären? Ich will mit Ihrem Vorgesetzten sprechen.", UpsetEscalation},
		{"es", "Es la tercera vez que llamo por lo mismo.", UpsetEscalation},
		{"fr", "C'est la troisième fois que je vous écris, c'est inacceptable.", UpsetEscalation},
		{"it", "È la terza volta che chiamo, voglio parlare con un responsabile.", UpsetEscalation},
		{"pt", "Já é a terceira vez que reclamo disso. Quero falar com um supervisor.", UpsetEscalation},
		{"nl", "Voor de derde keer: de meter lekt nog steeds niet minder.", UpsetEscalation},
		{"pl", "Po raz trzeci zgłaszam ten sam problem, proszę o kontakt z kierownikiem.", UpsetEscalation},
		// sarcasm
		{"en", "Oh great, another \"fixed\" update that broke everything.", UpsetSarcasm},
		{"en", "Thanks for nothing.", UpsetSarcasm},
		{"en", "Brilliant, still no parcel after two weeks 🙄", UpsetSarcasm},
		{"de", "Na toll, schon wieder kein Netz.", UpsetSarcasm},
		{"es", "Gracias por nada, de verdad.", UpsetSarcasm},
		{"fr", "Génial, encore une coupure 👏", UpsetSarcasm},
		{"it", "Grazie per niente.", UpsetSarcasm},
		{"pt", "Obrigado por nada.", UpsetSarcasm},
		{"nl", "Bedankt voor niks.", UpsetSarcasm},
		{"pl", "Dzięki za nic.", UpsetSarcasm},
		// formal frustration
		{"en", "I have written on several occasions and my complaint remains unanswered.", UpsetFormal},
		{"en", "I must insist that this is resolved without further delay.", UpsetFormal},
		{"de", "Meine Anfrage ist bis heute unbeantwortet.", UpsetFormal},
		{"es", "Mi reclamación sigue sin respuesta.", UpsetFormal},
		{"fr", "Ma demande reste sans réponse.", UpsetFormal},
		{"it", "La mia richiesta è ancora senza risposta.", UpsetFormal},
		{"pt", "Meu pedido continua sem resposta.", UpsetFormal},
		{"nl", "Mijn vraag is nog altijd onbeantwoord.", UpsetFormal},
		{"pl", "Moje pismo pozostaje bez odpowiedzi.", UpsetFormal},
		// shouting
		{"en", "WHERE IS MY REFUND", UpsetShouting},
		{"de", "Wo bleibt mein Paket?!?!", UpsetShouting},
		{"pl", "GDZIE JEST MOJA PACZKA", UpsetShouting},
		// anger
		{"en", "Absolutely disgusting service, worst service ever.", UpsetAnger},
		{"de", "Eine Frechheit ist das.", UpsetAnger},
		{"es", "Es una vergüenza.", UpsetAnger},
		{"fr", "Je suis furieux.", UpsetAnger},
		{"it", "Che schifo, una vergogna.", UpsetAnger},
		{"pt", "Um absurdo, estou revoltado.", UpsetAnger},
		{"nl", "Ik ben woedend, dit is schandalig.", UpsetAnger},
		{"pl", "Jestem wściekły, to skandal.", UpsetAnger},
		// churn threats
		{"en", "Fix it by Friday or I cancel.", "churn"},
		{"en", "I'm done with you, I'm going to a competitor.", "churn"},
		{"de", "Noch ein Ausfall und ich wechsle den Anbieter.", "churn"},
		{"es", "Si no lo arreglan me voy a la competencia.", "churn"},
		{"fr", "Encore une panne et je change d'opérateur.", "churn"},
		{"it", "Se non risolvete cambio gestore.", "churn"},
		{"pt", "Vou para a concorrência.", "churn"},
		{"nl", "Nog één storing en ik stap over naar de concurrent.", "churn"},
		{"pl", "Jeszcze raz i przechodzę do konkurencji.", "churn"},
		// never upset
		{"en", "Sorry, my mistake, the number is 0176 1234567.", ""},
		{"en", "My router shows a red light, can you help?", ""},
		{"en", "Please cancel my subscription at the end of the month, I'm moving abroad.", ""},
		{"en", "THANK YOU SO MUCH!!!", ""},
		{"en", "Great, it works now, thanks!", ""},
		{"en", "Thanks again for your help 🙂", ""},
		{"en", "I'm not angry, just confused: which plan am I on?", ""},
		{"de", "Entschuldigung, ich habe mich vertippt: die Nummer ist 12345.", ""},
		{"de", "Bitte kündigen Sie meinen Vertrag zum Monatsende, ich ziehe um.", ""},
		{"de", "Super, vielen Dank für die schnelle Hilfe!", ""},
		{"es", "Perdón, me equivoqué, el número correcto es 612345678.", ""},
		{"es", "Quiero darme de baja a final de mes, me mudo al extranjero.", ""},
		{"fr", "Désolé, erreur de ma part : c'est le 0612345678.", ""},
		{"fr", "Merci de résilier mon abonnement, je déménage à l'étranger.", ""},
		{"it", "Scusate, ho sbagliato numero: è 3331234567.", ""},
		{"pt", "Desculpa, errei o número, o certo é 912345678.", ""},
		{"nl", "Sorry, foutje van mij: het nummer is 0612345678.", ""},
		{"pl", "Przepraszam, pomyliłem się, numer to 600123456.", ""},
		{"pl", "Router świeci na czerwono, czy możecie pomóc?", ""},
	} {
		got := upsetKeys(tc.lang, tc.text)
		if tc.want == "" {
			if len(got) > 0 {
				t.Errorf("%s %q: read as upset %v, want not upset", tc.lang, tc.text, got)
			}
			continue
		}
		if !slices.Contains(got, tc.want) {
			t.Errorf("%s %q: %v, want %s", tc.lang, tc.text, got, tc.want)
		}
		if got := upsetKeys(analysis.Und, tc.text); !slices.Contains(got, tc.want) {
			t.Errorf("und %q: %v, want %s", tc.text, got, tc.want)
		}
	}
}

// TestUpsetOtherWording reads upset and calm texts worded otherwise than
// the rules' examples: the same phenomena, other words.
func TestUpsetOtherWording(t *testing.T) {
	pos := []string{
		"I've been on hold for 45 minutes, this is absolutely ridiculous.",
		"Two weeks and still no refund. Nobody has called me back.",
		"Your so-called 'support' hung up on me twice.",
		"I am still awaiting a response to my letter of 3 March.",
		"Lovely, the engineer didn't show up. Again.",
		"If this isn't sorted by Monday I'm going elsewhere.",
		"Ich warte seit drei Wochen auf eine Antwort. Das ist eine Zumutung.",
		"Na super, das Paket ist wieder beim Nachbarn gelandet, der verreist ist.",
		"Trotz mehrfacher Nachfrage habe ich bis heute keine Rückmeldung erhalten.",
		"Wenn das nicht bis Freitag läuft, wechsle ich zur Konkurrenz.",
		"Llevo tres semanas esperando el reembolso y nadie me contesta.",
		"Genial, otra factura con cargos que no he contratado.",
		"Es increíble que nadie sea capaz de solucionarlo, estoy harta.",
		"Si no me lo solucionan esta semana, me doy de baja.",
		"Ça fait trois semaines que j'attends, personne ne me rappelle.",
		"Malgré mes nombreuses relances, je n'ai toujours rien reçu.",
		"C'est une honte, vous vous moquez de vos clients.",
		"Si ce n'est pas réglé demain, je résilie.",
		"Faz três semanas que espero e ninguém me retorna.",
		"Que beleza, mais uma cobrança indevida na fatura.",
		"Isso é uma falta de respeito com o cliente!",
		"Se não resolverem hoje, eu cancelo tudo.",
		"Aspetto da tre settimane e nessuno mi richiama.",
		"Complimenti per la puntualità, il tecnico non si è presentato.",
		"È una vergogna, mi state prendendo in giro.",
		"Se non sistemate entro venerdì, disdico il contratto.",
		"Ik wacht al drie weken en niemand belt terug.",
		"Goed bezig hoor, weer een verkeerde factuur.",
		"Ik word van het kastje naar de muur gestuurd.",
		"Als het morgen niet werkt, stap ik over naar een andere provider.",
		"Czekam od trzech tygodni i nikt nie oddzwania.",
		"No pięknie, kolejna błędna faktura.",
		"To jakiś żart, jestem wkurzony.",
		"Jeśli tego nie naprawicie, rezygnuję z usług.",
	}
	neg := []string{
		"Could you tell me when the engineer will arrive? I'm home all day.",
		"The connection keeps dropping in the evening, could you check the line please?",
		"I'd like to switch to the cheaper plan from next month.",
		"Can I bring my number over from another provider?",
		"Please close my account, I no longer need it. Thank you.",
		"Great, thanks, that solved it!",
		"No problem at all, take your time.",
		"Sorry for the late reply, I was on holiday. The parcel arrived fine.",
		"If possible, please cancel my membership at the end of June, I'm moving to Spain.",
		"Die Verbindung bricht immer wieder ab, können Sie die Leitung prüfen?",
		"Kann ich zu einem anderen Tarif wechseln?",
		"Wenn der Umzug klappt, dann kündige ich zum 1. Mai. Geht das?",
		"Vielen Dank, alles angekommen, super Service!",
		"Quiero cambiarme a otra tarifa más barata.",
		"¿Puedo traer mi número de otro operador?",
		"Perdona, no había visto tu correo. Todo bien, gracias.",
		"Bonjour, si possible, merci de résilier mon abonnement, je pars à l'étranger.",
		"Dans l'attente de votre réponse, je vous prie d'agréer mes salutations.",
		"Merci beaucoup, tout fonctionne parfaitement !",
		"Olá, gostaria de mudar meu plano para um mais barato.",
		"Obrigada, deu tudo certo!",
		"Buongiorno, vorrei sapere quando arriva il tecnico. Grazie.",
		"Il contratto è tuttora valido?",
		"Als het kan zeg ik mijn abonnement op per 1 juni, ik verhuis.",
		"Bedankt, alles werkt weer prima!",
		"Dzień dobry, chciałbym zmienić taryfę na tańszą.",
		"Dziękuję, wszystko działa!",
		"My internet has been slow for 3 days, can you check?",
		"The app says error 503 when I try to pay. What should I do?",
		"Sorry, I sent the wrong photo, here is the right one.",
		"Could you kindly advise when the engineer will arrive?",
		"I trust you will enjoy the holidays.",
		"Once again, thank you for your help!",
		"Ich erwarte eine Lieferung am Montag, bitte klingeln Sie.",
		"Le recuerdo que mañana no estaré en casa.",
		"He intentado en varias ocasiones reiniciar el router, ¿qué hago?",
		"Je vous rappelle que je serai absent lundi.",
		"J'ai redémarré la box à plusieurs reprises, que faire ?",
		"Mais uma vez obrigado pela ajuda!",
		"Ho provato più volte a riavviare il modem, cosa posso fare?",
		"Ik heb de router meerdere keren opnieuw opgestart, wat nu?",
		"Wielokrotnie restartowałem router, co dalej?",
	}
	for _, s := range pos {
		if got := upsetKeys(analysis.Und, s); len(got) == 0 {
			t.Errorf("%q: not read as upset", s)
		}
	}
	for _, s := range neg {
		if got := upsetKeys(analysis.Und, s); len(got) > 0 {
			t.Errorf("%q: read as upset %v", s, got)
		}
	}
}

// BenchmarkUpset reads a 64 KiB text (its first 8 KiB) with a cue of
// several reasons in every sentence, one with none, and a short chat
// message.
func BenchmarkUpset(b *testing.B) {
	for _, tc := range []struct{ name, text string }{
		{"cues in every sentence", strings.Repeat("This is the third time I WANT A MANAGER NOW!!! Thanks for nothing, or I cancel. ", 64<<10/82)},
		{"no cue", strings.Repeat("The router in the hall blinks red and the box was delivered on Tuesday with a charger. ", 64<<10/88)},
		{"short chat message", "Hello, the code isn't working at checkout. Is it still valid?"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.text)))
			for b.Loop() {
				analysis.Pipeline{Upset{}}.Run(&analysis.Doc{Text: tc.text, Language: analysis.Und})
			}
		})
	}
}

func TestSplitAlternatives(t *testing.T) {
	got := splitAlternatives(`a(?:b|c)|[|x]|d\|e|f`)
	want := []string{`a(?:b|c)`, `[|x]`, `d\|e`, `f`}
	if !equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
	p := compileCue(`\bthanks\s+for\s+nothing\b|\bsame(?:\s+again)?\b`)
	if len(p) != 2 || !equal(p[0].need, []string{"nothing"}) || !equal(p[1].need, []string{"same"}) {
		t.Errorf("needs: %q, %q", p[0].need, p[1].need)
	}
	if p.match("Thanks for NOTHING", "thanks for nothing") != true || p.match("thanks for everything", "thanks for everything") {
		t.Error("match")
	}
}

// Praise next to a word that is a failure only sometimes ("again",
// "encore", "ancora") is no sarcasm.
func TestUpsetPraiseWithoutFailure(t *testing.T) {
	for _, s := range []string{
		"Great, it works again, thanks!",
		"Super, alles funktioniert wieder!",
		"Genial, ya funciona de nuevo.",
		"Super, encore merci !",
		"Perfetto, grazie ancora!",
		"Ótimo, voltou a funcionar de novo.",
		"Super, alles werkt weer!",
		"Świetnie, proszę działać dalej.",
		"Wow, delivered in 2 days!",
		"Bravo, livré en 2 jours.",
	} {
		if got := upsetKeys(analysis.Und, s); len(got) > 0 {
			t.Errorf("%q: read as upset %v", s, got)
		}
	}
}

// TestUpsetOtherWordingFormal reads more formal frustration, sarcasm and
// churn threats worded otherwise than the rules' examples, and the calm
// texts most like them (self-apologies, problem reports, thanks, routine
// cancellations) in every language.
func TestUpsetOtherWordingFormal(t *testing.T) {
	pos := []string{
		// formal
		"Dear team, this is my third email regarding invoice 4471. I would appreciate a prompt resolution.",
		"I contacted you on 2 and 9 May and have yet to receive any reply.",
		"Despite your assurance that the engineer would attend on Monday, nobody came.",
		"Sehr geehrte Damen und Herren, ich wende mich erneut an Sie, da meine Reklamation bislang ohne Antwort geblieben ist.",
		"Ihr Kollege hatte mir einen Rückruf zugesagt, passiert ist bisher nichts.",
		"Estimados señores: a día de hoy sigo sin recibir el reembolso prometido.",
		"Me dirijo nuevamente a ustedes porque mi incidencia sigue abierta.",
		"Madame, Monsieur, je vous écris à nouveau car ma réclamation n'a toujours pas été traitée.",
		"On m'avait promis un remboursement sous 10 jours, or je n'ai rien reçu.",
		"Prezados, venho novamente solicitar o reembolso, pois até hoje não recebi nada.",
		"Gentili signori, vi scrivo nuovamente poiché la mia segnalazione non ha avuto alcun seguito.",
		"Geachte heer/mevrouw, helaas heb ik nog steeds geen reactie ontvangen op mijn klacht.",
		"Szanowni Państwo, piszę ponownie, ponieważ do dziś nie otrzymałem zwrotu pieniędzy.",
		// sarcasm
		"Wow, three hours on hold. Truly world-class service.",
		"Thanks for the \"quick\" reply, only took you a month.",
		"Klasse Leistung, das dritte Paket in Folge beschädigt.",
		"Muchas gracias por la rapidez, solo un mes para contestar.",
		"Merci pour la rapidité, seulement trois semaines pour une réponse.",
		"Parabéns pela eficiência, o técnico não apareceu de novo.",
		"Che efficienza, il terzo rimborso sbagliato di fila.",
		"Top service weer, drie weken wachten op een antwoord.",
		"Gratuluję profesjonalizmu, trzeci raz ta sama pomyłka.",
		// churn
		"Honestly, I'll be taking my money to another bank.",
		"Fix this or I'm closing my account.",
		"Ich überlege ernsthaft, den Anbieter zu wechseln.",
		"Estoy pensando seriamente en cambiarme de compañía.",
		"J'envisage sérieusement de résilier.",
		"Estou pensando seriamente em trocar de operadora.",
		"Sto seriamente pensando di cambiare gestore.",
		"Ik overweeg serieus om over te stappen.",
		"Poważnie rozważam zmianę operatora.",
	}
	neg := []string{
		"Apologies for the confusion, I gave you my old address. The new one is 5 Elm Road.",
		"Entschuldigung, mein Fehler: die Bestellnummer lautet 55123.",
		"Disculpen, me equivoqué de pedido, es el 88412.",
		"Toutes mes excuses, je me suis trompé de référence : c'est la 4412.",
		"Desculpe a demora em responder, estive viajando.",
		"Mi scuso per il ritardo nella risposta.",
		"Excuses voor de verwarring, mijn nieuwe adres is Dorpsstraat 5.",
		"Przepraszam za zamieszanie, podałem zły numer zamówienia.",
		"My order hasn't arrived yet, could you check the tracking?",
		"Meine Rechnung ist doppelt abgebucht worden, können Sie das prüfen?",
		"El técnico no vino ayer, ¿pueden darme otra cita?",
		"Ma facture semble incorrecte, pouvez-vous vérifier ?",
		"A minha internet não está funcionando desde ontem.",
		"La fattura di marzo non mi è arrivata, potete rimandarla?",
		"Mijn pakket is nog niet aangekomen, kunt u kijken waar het is?",
		"Moja faktura jest błędna, czy możecie to sprawdzić?",
		"What time does your shop open on Saturdays?",
		"Wie kann ich meine Adresse ändern?",
		"Thank you so much, the technician was lovely and fixed it in minutes!",
		"Vielen Dank für die schnelle Lieferung, alles bestens!",
		"¡Muchísimas gracias por la ayuda, todo funciona!",
		"Merci infiniment, service impeccable !",
		"Muito obrigado, atendimento excelente!",
		"Grazie mille, servizio impeccabile!",
		"Hartelijk dank, jullie zijn top!",
		"Bardzo dziękuję za szybką pomoc!",
		"Please cancel my contract when it ends in May; I'm moving in with my partner.",
		"Ich möchte meinen Vertrag zum 31.12. kündigen, da ich ins Ausland ziehe.",
		"Quisiera dar de baja mi línea, ya no la uso.",
		"Je souhaite résilier mon abonnement car je déménage.",
		"Quero cancelar a assinatura, não uso mais.",
		"Vorrei disdire il contratto perché mi trasferisco all'estero.",
		"Ik wil mijn abonnement opzeggen, ik ga verhuizen.",
		"Chcę wypowiedzieć umowę, wyprowadzam się za granicę.",
	}
	for _, s := range pos {
		if !IsUpset(analysis.Pipeline{Upset{}}.Run(&analysis.Doc{Text: s, Language: analysis.Und})) {
			t.Errorf("%q: not read as upset", s)
		}
	}
	for _, s := range neg {
		if got := upsetKeys(analysis.Und, s); len(got) > 0 {
			t.Errorf("%q: read as upset %v", s, got)
		}
	}
}

// TestUpsetOtherWordingAnger reads anger, explaining again and shouting
// in words the rules' examples do not use.
func TestUpsetOtherWordingAnger(t *testing.T) {
	pos := []string{
		"Are you kidding me? Third engineer no-show!",
		"This company is a total joke.",
		"Ich hab die Faxen dicke mit eurem Laden.",
		"Das ist doch das Allerletzte!",
		"¡Qué vergüenza de empresa! Estoy indignadísima.",
		"Vous êtes des incapables.",
		"Vocês são uns incompetentes, que descaso!",
		"Siete degli incapaci, è assurdo.",
		"Jullie zijn echt hopeloos, wat een puinhoop.",
		"Jesteście beznadziejni, co za bałagan.",
		"I've explained this to five different agents already.",
		"Ich habe das jetzt schon dreimal erklärt!",
		"Ya lo he explicado cuatro veces.",
		"Je l'ai déjà expliqué trois fois !",
		"Já expliquei isso três vezes!",
		"L'ho già spiegato tre volte!",
		"Ik heb het al drie keer uitgelegd!",
		"Tłumaczyłem to już trzy razy!",
		"I WANT MY MONEY BACK NOW",
		"ICH WILL MEIN GELD ZURÜCK",
		"QUIERO MI DINERO YA",
		"JE VEUX ÊTRE REMBOURSÉ",
		"QUERO MEU DINHEIRO DE VOLTA",
		"VOGLIO I MIEI SOLDI",
		"IK WIL MIJN GELD TERUG",
		"CHCĘ ZWROTU PIENIĘDZY",
	}
	for _, s := range pos {
		if !IsUpset(analysis.Pipeline{Upset{}}.Run(&analysis.Doc{Text: s, Language: analysis.Und})) {
			t.Errorf("%q: not read as upset", s)
		}
	}
}

// Upset never panics and keeps its spans inside the text, whatever the
// text.
func TestUpsetOddTexts(t *testing.T) {
	for _, text := range []string{
		"", "!", "!!!", "?!?!", "🙄", "\xff\xfe WHY IS THIS \xff HAPPENING", strings.Repeat("A ", 40<<10),
		strings.Repeat("NO WAY ", 10<<10) + "é", strings.Repeat("é", 9<<10) + " FURIOUS!!!", "„“", "'' \"\"",
	} {
		d := analysis.Pipeline{Upset{}}.Run(&analysis.Doc{Text: text, Language: analysis.Und})
		for _, an := range d.Annotations {
			if an.Span.Start < 0 || an.Span.End > len(text) || an.Span.Start > an.Span.End || an.Evidence == "" {
				t.Errorf("%.40q: bad annotation %+v", text, an)
			}
		}
	}
}
