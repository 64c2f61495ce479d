package language

import "testing"

func TestDetect(t *testing.T) {
	for _, c := range []struct{ text, prior, want string }{
		{"The router keeps dropping the connection every evening.", "", "en"},
		{"Der Router verliert jeden Abend die Verbindung, das ist ärgerlich.", "", "de"},
		{"El router pierde la conexión todas las noches.", "", "es"},
		{"Le routeur perd la connexion tous les soirs.", "", "fr"},
		{"Il router perde la connessione ogni sera.", "", "it"},
		{"O router perde a ligação todas as noites.", "", "pt"},
		{"De router verliest elke avond de verbinding, dit is echt vervelend.", "", "nl"},
		{"Router co wieczór traci połączenie, to jest bardzo irytujące.", "", "pl"},
		{"ok", "", Und},
		{"Danke!", "de", Und},
		{"bhai kya plans hai aaj", "", Und},
	} {
		if got := Detect(c.text, c.prior); got.Code != c.want {
			t.Errorf("Detect(%q) = %+v, want %s", c.text, got, c.want)
		}
	}
}

func TestMentionsAndLinksAreNotLanguage(t *testing.T) {
	if got := Detect("@user @user @user http://example.com/abc #ThankYou", ""); got.Code != Und {
		t.Errorf("got %+v, want und", got)
	}
}

func TestPriorSettlesOnlyAnAmbiguousText(t *testing.T) {
	clear := "Le routeur perd la connexion tous les soirs."
	if got := Detect(clear, "de"); got.Code != "fr" {
		t.Errorf("a clear text followed the prior: %+v", got)
	}
}

func TestMixed(t *testing.T) {
	got := Detect("Ciao, il mio ordine non è ancora arrivato e nessuno mi risponde. I have been waiting for three weeks and nobody answers my emails at all.", "")
	if !got.Mixed {
		t.Errorf("got %+v, want mixed", got)
	}
	if got := Detect("The router keeps dropping the connection every evening since the update last week, please help me fix it.", ""); got.Mixed {
		t.Errorf("plain English marked mixed: %+v", got)
	}
}
