package steps

// The grammar of a step already tried, one table per language. A support
// team reads and edits these tables; the code in steps.go only applies
// them. A step is read where a clause has
//
//	who did it       a first-person subject or auxiliary ("I", "I've",
//	                 "ich habe", "he", "j'ai", "ho", "ik heb"), someone of
//	                 the customer's household ("my husband"), a verb form
//	                 that itself says "I/we" (es "reinicié", pt "reiniciei",
//	                 pl "zrestartowałem"), an "already" marker, or no
//	                 subject at all at the start of the clause ("cleared
//	                 cache already", "cache gelöscht")
//	a completed form of an action on the product (past, participle):
//	                 built from the verbs below with the language's endings
//	an object        what follows the verb to the end of the clause (in
//	                 German and Dutch, what comes before the participle)
//
// and nothing in the clause before the verb cancels it: a negation ("I
// haven't", "noch nicht", "todavía no", "pas encore", "ainda não", "non ho
// ancora", "nog niet", "jeszcze nie"), a plan or a condition ("I will",
// "going to", "if"), a question, or someone else doing it ("you", "the
// technician").

// grammar is one language's table.
type grammar struct {
	lang string
	// done are completed forms of actions on a product (lower case). Some
	// come from verbs and the language's endings (see forms.go).
	done []string
	// firstPerson are endings of done forms that themselves say the
	// customer did it (es "reinicié", pt "troquei", pl "sprawdziłem").
	firstPerson []string
	// thirdPerson are endings of done forms that say someone else did it
	// (es "probó", pt "trocou", pl "wymienił"): a step only with its
	// subject said ("mi marido probó otro cable"), never with none.
	thirdPerson []string
	// subjects are words that make the customer (or someone at home)
	// the one who did it: pronouns, first-person auxiliaries, household.
	subjects []string
	// others are subjects that make it someone else ("you", "it", "the
	// technician") and passive auxiliaries ("I was charged"). The subject
	// nearest before the verb counts.
	others []string
	// already are the markers of a completed action.
	already []string
	// negations cancel a step in the clause before the verb.
	negations []string
	// plans are plans, conditions, wishes and modals: "I will", "if".
	plans []string
	// and join two steps ("restarted the router and unplugged the modem").
	and []string
	// breaks end a clause: "but", "so", "because".
	breaks []string
	// light are words that alone are not an object of their own: a step
	// made only of them and a verb joins the one before ("den Stecker
	// gezogen und wieder eingesteckt").
	light []string
	// thirdAux are auxiliaries of the third person ("has", "hat", "ha",
	// "a", "heeft"): the subject must be said ("my husband has").
	thirdAux []string
	// determiners and pronouns after "and" start a new clause, not a
	// second object: "tried another browser and the page still fails".
	determiners []string
	// stopAtAnd: "and" ends a step unless another step follows (pl).
	stopAtAnd bool
	// verbFinal: the object comes before the participle (de, nl).
	verbFinal bool
	// telegraphic are participles that may follow their object with no
	// subject at all, the clause ending there ("cache cleared, app
	// reinstalled"); most languages take every participle, English only
	// these (its "restarted" may be the router restarting by itself).
	telegraphic []string
	// participles are endings of participles, for the telegraphic style.
	participles []string
	// noElided are done forms that look like an instruction at the start
	// of a clause ("reset your password"), so they need a subject there,
	// unless one of ownObjects follows them: the customer's own thing or
	// a thing ("reset my password", "did a factory reset", "took the tray
	// out", "logged out and back in"). setup are the forms that, read
	// so, would be setting a product up ("set it up following the
	// leaflet"): they still need a subject.
	noElided   []string
	ownObjects []string
	setup      []string
	// clitics are object pronouns said before the verb, part of the step
	// ("lo desenchufé", "la he dejado enfriar").
	clitics []string
	// contacts are forms of getting in touch ("called", "angerufen",
	// "llamé"): a step only with an "already" marker ("I already called
	// the courier"), since "I called you yesterday" is a contact, not a
	// step the agent should not suggest again.
	contacts []string
	// needs are general verbs ("did", "gemacht", "fait") that are a step
	// only with one of these words in the few words after them ("did a
	// factory reset", "ein Update gemacht"); in German and Dutch, before.
	needs map[string][]string
	// notObjects are objects that make a done form no step: "tried to
	// call you", "moved house".
	notObjects []string
}

var english = grammar{
	lang: "en",
	done: words(`restarted rebooted reset reinstalled installed uninstalled deleted cleared emptied
		checked verified tested swapped replaced changed switched plugged unplugged replugged
		updated upgraded downgraded tried cleaned turned powered power-cycled cycled logged signed
		disconnected reconnected connected moved charged recharged removed reseated re-seated
		disabled enabled flushed repaired rolled factory-reset pressed held toggled ran run rerun
		scanned reconfigured configured re-entered paired re-paired unpaired forgot forgotten
		refreshed reloaded closed reopened force-quit force-stopped force-closed wiped formatted restored
		tightened re-added followed reinserted inserted ejected unmounted rebooted resynced synced
		re-synced re-downloaded redownloaded downloaded reinstated double-checked rechecked re-checked
		retried re-tried relogged re-logged deactivated reactivated activated re-enabled booted
		unlocked re-registered reregistered re-added re-set did done performed took set shut
		unscrewed loosened descaled`),
	needs: needsOf(`did done performed: reset restart reboot update upgrade scan diagnostic test reinstall refresh restore;
		took: out off; set: up; shut: down off`),
	telegraphic: words(`cleared checked deleted replaced swapped reinstalled uninstalled tested cleaned unplugged
		changed emptied wiped flushed removed tried verified re-installed`),
	contacts: words(`contacted called phoned rang emailed e-mailed wrote written messaged sent spoken spoke talked`),
	subjects: words(`i i've ive we we've weve i'd we'd husband wife partner son daughter kids kid mum mom
		dad mother father brother sister flatmate roommate colleague boyfriend girlfriend`),
	others: words(`you you've youve your it it's its he she they they've someone technician engineer
		was were been being got gets
		agent support staff store shop courier`),
	already:   words(`already also`),
	negations: words(`not never haven't havent hasn't hasnt didn't didnt don't dont no nor cannot can't cant couldn't couldnt without`),
	plans: words(`will i'll ill we'll going gonna plan planning want wanted would should could might may
		can shall need must if whether`),
	and:         words(`and & then or plus`),
	breaks:      words(`but so because since although though however which who that's thats still now nothing same no`),
	thirdAux:    words(`has`),
	determiners: words(`i it the a an my another some`),
	light:       words(`it them back in out again off on up all everything`),
	noElided: words(`reset run rerun held cycled rolled turned powered logged signed moved
		closed connected enabled installed updated paired synced forgotten did done performed took set shut booted charged`),
	ownObjects: words(`my the a an it them both everything all out`),
	setup:      words(`set installed connected`),
	notObjects: phrases(`to call, to contact, to reach, to phone, to ring, to email, to write to, to pay, to order,
		calling, contacting, emailing, house, to a new, my address, my mind, everything, every, following`),
}

var german = grammar{
	lang: "de",
	done: words(`gestartet neugestartet gebootet rebootet resettet zurückgesetzt gelöscht geleert
		überprüft geprüft kontrolliert gecheckt getestet probiert ausprobiert versucht installiert
		neuinstalliert deinstalliert aktualisiert upgedatet geupdatet gewechselt getauscht
		ausgetauscht ersetzt gereinigt entfernt abgemeldet angemeldet ausgeloggt eingeloggt getrennt
		verbunden gekoppelt entkoppelt aufgeladen ausgeschaltet eingeschaltet abgeschaltet
		angeschaltet ausgesteckt eingesteckt abgesteckt angesteckt gezogen umgesteckt deaktiviert
		aktiviert eingerichtet konfiguriert formatiert wiederhergestellt repariert gedrückt
		geschlossen beendet heruntergeladen synchronisiert gesteckt geändert angepasst zurückgestellt
		angeschlossen abgezogen runtergefahren heruntergefahren hochgefahren gescannt entsperrt erneuert
		eingelegt herausgenommen rausgenommen umgestellt neugebootet gemacht durchgeführt
		entkalkt abgeschraubt aufgeschraubt festgezogen nachgezogen abgewischt`),
	needs:    needsOf(`gemacht durchgeführt: reset neustart update bios-update firmware-update werksreset zurücksetzen werkseinstellungen neuinstallation test sauber`),
	contacts: words(`angerufen telefoniert kontaktiert geschrieben geschickt gesendet gemeldet`),
	subjects: words(`ich hab habe hab's habs wir mann frau freund freundin sohn tochter
		partner partnerin mutter vater bruder schwester kollege`),
	others:    words(`sie du ihr hast habt er techniker monteur support kundendienst sich wurde wurden worden`),
	already:   words(`schon bereits auch`),
	negations: words(`nicht nie niemals kein keine keinen nichts weder`),
	plans: words(`werde werden wird will wollte möchte soll sollte sollen muss müssen kann könnte
		wenn falls ob bevor`),
	and:         words(`und sowie oder dann`),
	breaks:      words(`aber doch weil denn obwohl sondern trotzdem immer bringt nix gleiche`),
	thirdAux:    words(`hat haben habens`),
	determiners: words(`ich es er der die das den dem ein eine einen mein meine`),
	light:       words(`wieder es ihn sie neu nochmal alles ein aus`),
	notObjects:  phrases(`bei euch anzurufen, sie anzurufen, zu zahlen, alles, alles mögliche`),
	verbFinal:   true,
}

var spanish = grammar{
	lang: "es",
	done: append(romance(ar, `reiniciar desinstalar reinstalar instalar borrar limpiar cambiar comprobar revisar
		verificar actualizar desconectar reconectar conectar probar intentar resetear restablecer
		apagar quitar sacar eliminar desenchufar enchufar formatear restaurar reconfigurar
		configurar cerrar cargar reemplazar vaciar desactivar activar forzar chequear testear iniciar
		resincronizar sincronizar vincular desvincular desbloquear descargar mover acercar insertar
		pulsar presionar escanear modificar ajustar reparar deshabilitar habilitar reconfigurar
		mirar desmontar descalcificar desatascar`),
		append(romance(er, `encender sustituir prender reabrir seguir`), words(`hice hicimos hecho volví volvi volvimos`)...)...),
	needs:    needsOf(`hice hecho hicimos hizo: reset reseteo reinicio actualización restablecimiento formateo prueba lavado ciclo; volví volvi volvimos: a`),
	contacts: words(`llamé llamado contacté contactado escribí escrito envié enviado hablé hablado llamamos escribimos`),
	subjects: words(`yo he hemos nosotros marido mujer esposo esposa novio novia hijo hija pareja
		madre padre hermano hermana compañero`),
	others:    words(`usted ustedes tú has han él ella ellos técnico técnica se`),
	already:   words(`ya también`),
	negations: words(`no nunca ni tampoco sin`),
	plans: words(`voy vamos va quiero queremos debo debería tengo puedo podría si cuando antes
		intentaré probaré`),
	and:         words(`y e o luego`),
	participles: words(`ado ido`),
	breaks:      words(`pero porque aunque sino así sigue nada igual todavía aún`),
	thirdAux:    words(`ha`),
	determiners: words(`me te se le nos el la los las un una mi mis`),
	firstPerson: words(`é í amos imos`),
	thirdPerson: words(`ó`),
	light:       words(`lo la le los las de nuevo otra vez todo`),
	notObjects:  phrases(`a llamar, llamar, a pagar, de todo, todo, siguiendo`),
	clitics:     words(`lo la los las le les`),
}

var french = grammar{
	lang: "fr",
	done: append(romance(fr, `redémarrer réinitialiser réinstaller installer désinstaller supprimer vider
		vérifier tester essayer tenter changer remplacer débrancher rebrancher brancher
		déconnecter reconnecter connecter nettoyer effacer actualiser
		reconfigurer configurer désactiver activer forcer fermer recharger charger
		resynchroniser synchroniser appairer réappairer restaurer formater contrôler relancer
		rallumer allumer déplacer rapprocher retirer insérer réinsérer appuyer télécharger
		retélécharger paramétrer reparamétrer modifier ajuster réparer
		regarder lancer dissocier réassocier enlever démonter détartrer`),
		words(`éteint éteinte remis remise mis mise fait réinitialisé redémarré rebooté reseté suivi`)...),
	needs:    needsOf(`fait: reset réinitialisation mise redémarrage test manip manipulation diagnostic cycle`),
	contacts: words(`appelé contacté écrit envoyé parlé téléphoné`),
	subjects: words(`j'ai j ai on nous avons je mari femme copain copine fils fille conjoint conjointe
		compagnon compagne mère père frère sœur`),
	others:    words(`vous tu il elle ils elles ça technicien technicienne avez as s'est se été`),
	already:   words(`déjà deja aussi`),
	negations: words(`pas jamais n'ai n'avons n'a ne rien ni plus`),
	plans: words(`vais va allons veux voudrais dois devrais peux pourrais si quand avant faut
		essaierai`),
	and:         words(`et ou puis`),
	participles: words(`é ée és ées i`),
	breaks:      words(`mais parce donc sauf rien toujours`),
	thirdAux:    words(`a`),
	determiners: words(`je j' il elle on ça ce c'est le la les l' un une mon ma mes`),
	light:       words(`le la les l' lui tout encore nouveau à de`),
	notObjects:  phrases(`de vous appeler, d'appeler, de payer, tout, selon, en suivant`),
}

var portuguese = grammar{
	lang: "pt",
	done: append(romance(pt, `reiniciar desinstalar reinstalar instalar apagar limpar trocar verificar testar
		tentar experimentar atualizar desligar religar ligar desconectar reconectar conectar
		resetar restaurar reconfigurar configurar substituir fechar carregar remover excluir
		formatar esvaziar desativar ativar forçar checar conferir sincronizar parear tirar
		redefinir colocar mudar alterar ajustar baixar mover desparear reabrir recarregar reinserir
		inserir recolocar seguir sair
		olhar emparelhar desemparelhar desmontar`),
		words(`fiz fez feito fizemos`)...),
	needs:    needsOf(`fiz fez feito fizemos: reset atualização restauração formatação teste ciclo`),
	contacts: words(`liguei contatei contactei escrevi enviei mandei falei ligamos`),
	subjects: words(`eu nós tenho temos marido mulher esposa esposo namorado namorada filho filha
		mãe pai irmão irmã gente`),
	others:      words(`você vocês tu ele ela eles elas técnico técnica se fui foi foram`),
	already:     words(`já ja também`),
	negations:   words(`não nao nunca nem sem`),
	plans:       words(`vou vamos vai quero devo deveria posso poderia se quando antes tentarei`),
	and:         words(`e ou depois`),
	participles: words(`ado ido`),
	breaks:      words(`mas porque porém pois então continua nada ainda`),
	thirdAux:    words(`tem`),
	determiners: words(`me te se eu o a os as um uma meu minha`),
	firstPerson: words(`ei amos emos imos`),
	thirdPerson: words(`ou eu iu`),
	light:       words(`o a os as de novo outra vez tudo`),
	notObjects:  phrases(`ligar para, ligar pra, pagar, tudo, seguindo, conforme`),
}

var italian = grammar{
	lang: "it",
	done: append(romance(it, `riavviare resettare reinstallare installare disinstallare cancellare svuotare
		pulire controllare verificare provare tentare testare cambiare sostituire scollegare
		ricollegare collegare staccare riattaccare attaccare aggiornare disattivare attivare
		riconfigurare configurare ricaricare caricare eliminare ripristinare
		formattare sincronizzare associare inserire reinserire spostare avvicinare scaricare
		riscaricare modificare impostare reimpostare riprovare effettuare eseguire
		bloccare sbloccare stampare smontare rimontare decalcificare`),
		words(`spento acceso riacceso messo rimesso tolto chiuso rimosso premuto disconnesso riconnesso
			connesso riaperto fatto stretto spenta accesa riaccesa messa rimessa tolta chiusa rimossa
			disconnessa riconnessa connessa riaperta spenti accesi tolti rimossi`)...),
	needs:    needsOf(`fatto effettuato eseguito: reset ripristino aggiornamento riavvio test logout login decalcificazione ciclo partire`),
	contacts: words(`chiamato contattato scritto inviato mandato parlato telefonato`),
	subjects: words(`ho abbiamo l'ho l'abbiamo io noi marito moglie fidanzato fidanzata figlio figlia compagno
		compagna madre padre fratello sorella collega`),
	others:      words(`lei voi tu hai avete hanno lui tecnico tecnica si stato stata stati state`),
	already:     words(`già gia anche`),
	negations:   words(`non mai né nemmeno neanche senza`),
	plans:       words(`vorrei voglio devo dovrei posso potrei se quando prima proverò farò`),
	and:         words(`e ed o poi`),
	participles: words(`ato ata ati ate ito ita iti ite uto`),
	breaks:      words(`ma perché però quindi mentre niente`),
	thirdAux:    words(`ha`),
	determiners: words(`mi ti si non il lo la i gli le l' un una uno mio mia`),
	light:       words(`lo la li le di nuovo tutto`),
	notObjects:  phrases(`a chiamare, a pagare, di tutto, tutto, seguendo, secondo`),
}

var dutch = grammar{
	lang: "nl",
	done: words(`opgestart herstart gereset gewist verwijderd gecontroleerd gecheckt getest geprobeerd
		uitgeprobeerd geïnstalleerd geinstalleerd gedeïnstalleerd bijgewerkt geüpdatet geupdatet
		geüpdate vervangen verwisseld gewisseld omgewisseld gereinigd schoongemaakt uitgeschakeld
		ingeschakeld uitgezet aangezet uitgetrokken gehaald ingestoken ingeplugd losgekoppeld
		ontkoppeld gekoppeld verbonden afgemeld uitgelogd ingelogd opgeladen geleegd teruggezet
		hersteld gedeactiveerd geactiveerd ingesteld geformatteerd gesynchroniseerd gedownload
		gerestart gereboot gewijzigd veranderd aangepast vernieuwd ververst ontgrendeld
		nagekeken ingedrukt aangesloten verplaatst gescand losgehaald gedaan uitgevoerd
		gekeken gezet gedraaid schoongeveegd uitgenomen schoongespoeld losgedraaid vastgedraaid gestoken ontkalkt`),
	needs:    needsOf(`gedaan uitgevoerd: reset update herstart fabrieksreset test`),
	contacts: words(`gebeld gecontacteerd geschreven gestuurd gemaild gesproken`),
	subjects: words(`ik heb we wij man vrouw vriend vriendin zoon dochter partner moeder
		vader broer zus collega`),
	others:      words(`u jij je jullie hebt hij ze zij monteur technicus helpdesk zich werd werden word`),
	already:     words(`al ook`),
	negations:   words(`niet nooit geen niets noch`),
	plans:       words(`ga gaan zal zullen wil wilde moet moeten kan kunnen zou als wanneer voordat of`),
	and:         words(`en of daarna`),
	breaks:      words(`maar want omdat dus hoewel toch niks maakt`),
	thirdAux:    words(`heeft hebben`),
	determiners: words(`ik hij het de het een mijn`),
	light:       words(`hem het ze weer opnieuw alles er erin eruit uit`),
	notObjects:  phrases(`te bellen, alles`),
	verbFinal:   true,
}

var polish = grammar{
	lang: "pl",
	done: append(slavic(`zrestartować restartować zresetować resetować przeinstalować zainstalować
		odinstalować wyczyścić sprawdzić przetestować testować próbować spróbować wymienić
		zmienić odłączyć podłączyć wyłączyć włączyć zaktualizować aktualizować przełączyć
		skonfigurować przywrócić sformatować naładować przeładować wylogować
		zalogować sparować rozłączyć połączyć włożyć uruchomić przestawić pobrać skasować
		odświeżyć ustawić przytrzymać zrobić puścić odkamienić`),
		words(`wyjąłem wyjęłam wyjęliśmy wyjął wyjęła usunąłem usunęłam usunęliśmy usunął usunęła
			zamknąłem zamknęłam zamknął zamknęła wyciągnąłem wyciągnęłam wyciągnął wyciągnęła ściągnąłem ściągnęłam wcisnąłem wcisnęłam
			przesunąłem przesunęłam odpiąłem odpięłam przetarłem przetarłam przetarł przetarła`)...),
	needs:       needsOf(`zrobiłem zrobiłam zrobiliśmy zrobił zrobiła: reset restart aktualizację aktualizacje test`),
	firstPerson: words(`łem łam liśmy łyśmy`),
	thirdPerson: words(`ł ła li ły`),
	contacts:    words(`dzwoniłem dzwoniłam zadzwoniłem zadzwoniłam napisałem napisałam wysłałem wysłałam skontaktowałem skontaktowałam rozmawiałem rozmawiałam dzwoniliśmy napisaliśmy`),
	subjects: words(`ja my mąż żona syn córka partner partnerka mama tata brat siostra chłopak
		dziewczyna kolega`),
	others:    words(`pan pani państwo ty wy technik serwisant on ona oni się zostałem zostałam został została`),
	already:   words(`już juz też tez`),
	negations: words(`nie nigdy ani bez`),
	plans: words(`będę zamierzam chcę chce muszę musze mogę moge mam powinienem powinnam jeśli jesli
		jak czy zanim spróbuję`),
	and:         words(`i oraz a potem albo lub`),
	breaks:      words(`ale bo ponieważ więc chociaż jednak nic dalej nadal`),
	thirdAux:    words(``),
	determiners: words(``),
	stopAtAnd:   true,
	light:       words(`go ją je to ponownie znowu jeszcze raz wszystko od nowa`),
	notObjects:  phrases(`zadzwonić, dzwonić, zapłacić, wszystko, wszystkiego, według, zgodnie z`),
}

// grammars are the languages read, in this order.
var grammars = []*grammar{&english, &german, &spanish, &french, &portuguese, &italian, &dutch, &polish}
