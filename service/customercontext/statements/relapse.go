package statements

import (
	"slices"
	"strings"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// Relapse reads statements about an earlier problem: that it came back
// (Kind KindRelapse: "it's back", "happening again", "schon wieder",
// "otra vez", "de nouveau", "di nuovo", "weer stuk", "znowu") or that it is
// fixed (Kind KindClosure: "all working now, thanks", "das war's", "ya
// funciona"). A closure read in a clause with a negation ("it still doesn't
// work") is not one; "thanks again" is not a relapse. Which issue it is
// about is for the context to judge (the text alone says "it").
type Relapse struct{}

// Name implements analysis.Analyzer.
func (Relapse) Name() string { return "relapse" }

// statementRule is one row: a language, the kind it reads, the pattern
// (a cue pattern: a text without its words costs next to nothing).
type statementRule struct {
	lang, kind string
	re         cuePattern
}

// relapseRules are the rules, by language; closures first, so that "works
// again" is a closure and not read again as a relapse.
var relapseRules = []statementRule{
	// Closures: it works now.
	{"en", KindClosure, compileCue(`\b(?:all|everything|it'?s|it is|its|it|that'?s|is|now)\s+(?:is\s+|are\s+)?(?:working|works|fine|good|sorted|fixed|solved|resolved)\s+(?:now|again|fine|perfectly)\b`)},
	{"en", KindClosure, compileCue(`\b(?:working|works|opens|runs|loads|connects)\s+(?:fine|perfectly|normally|properly)?\s*now\b`)},
	{"en", KindClosure, compileCue(`\b(?:that|this)\s+(?:did it|did the trick|fixed it|sorted it|solved it|worked)\b`)},
	{"en", KindClosure, compileCue(`\b(?:problem|issue)\s+(?:is\s+|has been\s+)?(?:solved|resolved|fixed|sorted)\b`)},
	{"en", KindClosure, compileCue(`\ball good now\b`)},
	{"de", KindClosure, compileCue(`\b(?:funktioniert|klappt|läuft|geht)\s+(?:jetzt|wieder|alles|nun)\b`)},
	{"de", KindClosure, compileCue(`\balles\s+(?:funktioniert|klappt|läuft)\b`)},
	{"de", KindClosure, compileCue(`\bdas\s+war['’]?s\b|\bdas wars\b`)},
	{"de", KindClosure, compileCue(`\b(?:startet|öffnet sich|lädt)\s+jetzt\b`)},
	{"de", KindClosure, compileCue(`\b(?:Problem|Fehler)\s+(?:ist\s+)?(?:gelöst|behoben)\b`)},
	{"es", KindClosure, compileCue(`\bya\s+(?:me\s+)?(?:funciona|va|anda|abre|carga|conecta)\b`)},
	{"es", KindClosure, compileCue(`\bfunciona\s+(?:todo|ya|bien|perfectamente|de nuevo|otra vez)\b`)},
	{"es", KindClosure, compileCue(`\bera\s+eso\b|\b(?:problema\s+)?(?:solucionado|resuelto|arreglado)\b`)},
	{"fr", KindClosure, compileCue(`\b(?:fonctionne|marche|s['’]ouvre|refonctionne|remarche)\s+(?:maintenant|à nouveau|de nouveau|normalement|bien|parfaitement)\b`)},
	{"fr", KindClosure, compileCue(`\btout\s+(?:fonctionne|marche|est rentré dans l'ordre)\b|\bc['’]était\s+ça\b|\b(?:problème\s+)?(?:résolu|réglé)\b`)},
	{"pt", KindClosure, compileCue(`\b(?:está\s+tudo\s+a\s+funcionar|tudo\s+funcionando|funciona\s+(?:agora|normal|bem|de novo)|funcionando\s+(?:agora|normal|de novo)|voltou\s+a\s+funcionar|abre\s+normal)\b`)},
	{"pt", KindClosure, compileCue(`\bisso\s+mesmo\b|\b(?:problema\s+)?(?:resolvido|solucionado)\b`)},
	{"it", KindClosure, compileCue(`\b(?:funziona|va|si apre|si accende)\s+(?:tutto|di nuovo|adesso|ora|normalmente|bene)\b|\b(?:adesso|ora)\s+funziona\b`)},
	{"it", KindClosure, compileCue(`\bera\s+quello\b|\b(?:problema\s+)?risolto\b`)},
	{"nl", KindClosure, compileCue(`\b(?:werkt|doet het|opent|start)\s+(?:nu|weer|alles)\b|\balles\s+werkt\b|\bdat\s+was\s+het\b|\bopgelost\b`)},
	{"pl", KindClosure, compileCue(`(?:^|[\s,.!])(?:wszystko\s+)?(?:już\s+|znowu\s+|znów\s+)działa\b|\bto\s+było\s+to\b|(?:^|\s)(?:otwiera się|uruchamia się)\s+(?:normalnie|już)|(?:^|\s)(?:rozwiązane|rozwiązany|naprawione)(?:\s|$|[.!,])`)},

	// Relapses: it came back.
	{"en", KindRelapse, compileCue(`\b(?:it'?s|its|it is|problem is|issue is|fault is|error is|problem'?s|issue'?s)\s+back\b`)},
	{"en", KindRelapse, compileCue(`\b(?:came|come|coming|comes)\s+back\b`)},
	{"en", KindRelapse, compileCue(`\b(?:happening|happened|happens|started|starting|broken|broke|down|dropping|dropped|failing|failed|stopped working|not working|doing it|crashing|crashed|cutting out|out)\s+again\b`)},
	{"en", KindRelapse, compileCue(`\bsame\s+(?:problem|issue|thing|fault|error)\s+(?:as|again|like)\b|\bsame\s+as\s+(?:last|before)\b`)},
	{"de", KindRelapse, compileCue(`\bschon\s+wieder\b|\bwieder\s+da\b|\bwieder\s+(?:kaputt|ausgefallen|weg|nicht|das gleiche|dasselbe|dieselbe|die gleiche|derselbe|der gleiche|aufgetreten|ab|aus)\b|\btritt\s+wieder\s+auf\b|\bgleiche[sn]?\s+Problem\s+wie\b`)},
	{"es", KindRelapse, compileCue(`\b(?:ha|han|he)\s+vuelto\s+a\s+\p{L}+|\bvuelve\s+a\s+(?:fallar|pasar|cortar|caer|ocurrir)\b|\bse\s+vuelve\s+a\b|\bha\s+vuelto\s+el\s+problema\b|\bel\s+mismo\s+problema\s+(?:que|de)\b|\botra\s+vez\s+(?:lo mismo|el mismo|igual|sin|con)\b`)},
	{"es", KindRelapse, compileCue(`\b(?:falla|fallando|se cae|cortado|sin línea|sin servicio|no funciona)\s+(?:otra vez|de nuevo)\b`)},
	{"fr", KindRelapse, compileCue(`\b(?:de nouveau|à nouveau|encore)\s+(?:en panne|le même problème|coupé|hors service|planté)\b|\bça\s+recommence\b|\ble\s+(?:même\s+)?problème\s+(?:est\s+)?revenu\b|\bmême\s+problème\s+que\b|\brecoupe\b|\bre-?plante\b`)},
	{"pt", KindRelapse, compileCue(`\b(?:o\s+)?(?:problema|defeito|erro)\s+(?:\p{L}+\s+){0,3}voltou\b|\baconteceu\s+de\s+novo\b|\b(?:volta|voltou)\s+a\s+(?:cair|falhar|dar|acontecer)\b|\bo\s+mesmo\s+problema\b|\b(?:caiu|parou|falhou)\s+(?:de novo|outra vez|novamente)\b`)},
	{"it", KindRelapse, compileCue(`\b(?:è|e')\s+(?:successo|ricapitato|capitato)\s+di\s+nuovo\b|\bdi\s+nuovo\s+(?:il problema|lo stesso|guasto|rotto|bloccato|fuori uso)\b|\b(?:cade|si blocca|non funziona|non va)\s+di\s+nuovo\b|\bil\s+problema\s+(?:è\s+)?tornato\b|\blo\s+stesso\s+problema\s+di\b|\bsi\s+ripresenta\b`)},
	{"nl", KindRelapse, compileCue(`\bweer\s+(?:stuk|kapot|weg|uit|mis|hetzelfde|dezelfde|het zelfde)\b|\b(?:gebeurt|gebeurd|valt|vallen|ligt)\s+(?:\p{L}+\s+){0,2}weer\b|\balweer\b|\bopnieuw\s+(?:kapot|stuk|mis|hetzelfde)\b|\bhetzelfde\s+probleem\b|\bprobleem\s+is\s+terug\b`)},
	{"pl", KindRelapse, compileCue(`(?:^|\s)(?:znowu|znów|ponownie)\s+(?:nie|to samo|się|problem|brak|pada|padł)|(?:^|\s)to\s+samo\s+co\b|(?:^|\s)ten\s+sam\s+problem|(?:^|\s)problem\s+wrócił`)},
}

// thanksBefore are the words after which "again" thanks again.
var thanksBefore = []string{"thanks", "thank you", "gracias", "merci", "danke", "obrigado", "obrigada", "grazie", "bedankt", "dzięki", "dziękuję"}

// Analyze implements analysis.Analyzer. It adds at most one annotation of
// each kind per text (the first).
func (r Relapse) Analyze(d *analysis.Doc) {
	var closed []analysis.Span
	done := map[string]bool{}
	chunks(d.Text, func(off int, text string) {
		lower := strings.ToLower(text)
		for _, rule := range relapseRules {
			if done[rule.kind] {
				continue
			}
			// The first match in the text (its alternatives are searched
			// one by one).
			ms := rule.re.findAll(text, lower, 8)
			slices.SortFunc(ms, func(a, b []int) int { return a[0] - b[0] })
			for _, m := range ms {
				span := trimSpan(d.Text, off+m[0], off+m[1])
				if overlaps(closed, span) {
					continue
				}
				before := strings.ToLower(clauseBefore(text, m[0]))
				if rule.kind == KindClosure && (negatedBefore(text, m[0]) || strings.Contains(before, "still") || strings.Contains(before, "noch")) {
					continue
				}
				if rule.kind == KindRelapse && endsWithAny(strings.TrimSpace(before), thanksBefore) {
					continue
				}
				if rule.kind == KindClosure {
					closed = append(closed, span)
				}
				d.Add(r, analysis.Annotation{Kind: rule.kind, Span: span, Confidence: 0.8, Evidence: "says " + map[string]string{KindClosure: "it works now", KindRelapse: "it came back"}[rule.kind] + " (" + rule.lang + "): \"" + d.Text[span.Start:span.End] + "\""})
				done[rule.kind] = true
				break
			}
		}
	})
}

func overlaps(spans []analysis.Span, m analysis.Span) bool {
	for _, s := range spans {
		if m.Start < s.End && s.Start < m.End {
			return true
		}
	}
	return false
}

func endsWithAny(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// Label is what a text says about an earlier problem, for one text:
// KindRelapse when it says it came back (whatever else it says), else
// KindClosure when it says it works, else "".
func Label(d *analysis.Doc) string {
	switch {
	case len(d.Of(KindRelapse)) > 0:
		return KindRelapse
	case len(d.Of(KindClosure)) > 0:
		return KindClosure
	}
	return ""
}
