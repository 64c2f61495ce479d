package steps

import "strings"

// The completed forms of the verbs in the tables, built from the
// infinitive with each language's regular endings, so that a table lists
// a verb once ("reiniciar") and reads every form a customer writes
// ("reinicié", "reinició", "reiniciado", "reiniciamos"). Irregular forms
// are listed in the tables as they are.

// words splits a list written on one or more lines.
func words(s string) []string { return strings.Fields(s) }

// phrases splits a list of phrases separated by commas.
func phrases(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// needsOf reads "form form: word word; form: word" into a map from each
// form to the words one of which it needs.
func needsOf(s string) map[string][]string {
	m := map[string][]string{}
	for _, row := range strings.Split(s, ";") {
		forms, ws, ok := strings.Cut(row, ":")
		if !ok {
			continue
		}
		for _, f := range words(forms) {
			m[f] = append(m[f], words(ws)...)
		}
	}
	return m
}

// Romance verb classes.
const (
	ar = "es" // Spanish -ar, -er, -ir
	er = "es-er"
	fr = "fr"
	pt = "pt"
	it = "it"
)

// romance returns the completed forms of Romance infinitives: the
// participle, and for Spanish and Portuguese the preterite of the first
// and third persons.
func romance(class, verbs string) []string {
	var out []string
	for _, v := range words(verbs) {
		if len(v) < 3 {
			continue
		}
		stem, end := v[:len(v)-2], v[len(v)-2:]
		switch class {
		case ar, er: // Spanish
			switch end {
			case "ar":
				first := stem + "é"
				switch {
				case strings.HasSuffix(stem, "c"):
					first = stem[:len(stem)-1] + "qué"
				case strings.HasSuffix(stem, "g"):
					first = stem + "ué"
				case strings.HasSuffix(stem, "z"):
					first = stem[:len(stem)-1] + "cé"
				}
				out = append(out, first, stem+"ó", stem+"ado", stem+"amos")
			case "er", "ir":
				third := stem + "ió"
				if strings.HasSuffix(stem, "u") {
					third = stem + "yó"
				}
				out = append(out, stem+"í", third, stem+"ido", stem+"imos")
			}
		case fr:
			switch end {
			case "er": // and its agreement: "je l'ai redémarrée"
				out = append(out, stem+"é", stem+"ée", stem+"és", stem+"ées")
			case "ir":
				out = append(out, stem+"i")
			}
		case pt:
			switch end {
			case "ar":
				first := stem + "ei"
				switch {
				case strings.HasSuffix(stem, "c"):
					first = stem[:len(stem)-1] + "quei"
				case strings.HasSuffix(stem, "g"):
					first = stem + "uei"
				case strings.HasSuffix(stem, "ç"):
					first = stem[:len(stem)-len("ç")] + "cei"
				}
				out = append(out, first, stem+"ou", stem+"ado", stem+"amos")
			case "er":
				out = append(out, stem+"i", stem+"eu", stem+"ido", stem+"emos")
			case "ir":
				if strings.HasSuffix(stem, "u") {
					out = append(out, stem+"í", stem+"iu", stem+"ído", stem+"imos")
				} else {
					out = append(out, stem+"i", stem+"iu", stem+"ido", stem+"imos")
				}
			}
		case it:
			switch end {
			case "re":
				// the participle and its agreement ("l'ho riavviata")
				var p string
				switch stem[len(stem)-1] {
				case 'a':
					p = stem[:len(stem)-1] + "at"
				case 'e':
					p = stem[:len(stem)-1] + "ut"
				case 'i':
					p = stem[:len(stem)-1] + "it"
				default:
					continue
				}
				out = append(out, p+"o", p+"a", p+"i", p+"e")
			}
		}
	}
	return out
}

// slavic returns the past forms of Polish infinitives in -ć: masculine
// and feminine, first person singular and plural and third person
// ("sprawdziłem", "sprawdziłam", "sprawdziliśmy", "sprawdził").
func slavic(verbs string) []string {
	var out []string
	for _, v := range words(verbs) {
		stem, ok := strings.CutSuffix(v, "ć")
		if !ok || strings.HasSuffix(stem, "ą") {
			continue
		}
		for _, e := range []string{"łem", "łam", "ł", "ła", "liśmy", "łyśmy", "li", "ły"} {
			out = append(out, stem+e)
		}
	}
	return out
}
