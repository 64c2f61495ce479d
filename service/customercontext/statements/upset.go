package statements

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// Upset reads that a customer is upset, and why (Kind KindUpset, Key the
// reason):
//   - UpsetEscalation: repeated contact or a demand to escalate ("yet
//     again", "how many times", "the third time", "I want a manager",
//     "unacceptable", "I demand");
//   - UpsetSarcasm: praise next to a failure ("Oh brilliant, the express
//     shipping took eleven days"), an ironic emoji (🙃 🙄), "thanks for
//     nothing", quotation marks around "express", "fixed" or "help";
//   - UpsetFormal: frustration in a formal register ("remains
//     unanswered", "I have written on several occasions", "I must
//     insist");
//   - UpsetShouting: a run of ALL-CAPS words, or "!!!" or "?!?!";
//   - UpsetAnger: explicit anger or insult ("furious", "disgusting",
//     "worst service", "a joke");
//   - UpsetChurn: a threat to leave, which is also Kind KindChurnThreat
//     ("one more outage and I'm taking my business elsewhere", "or I
//     cancel", "going to a competitor").
//
// It reads en, de, es, fr, it, pt, nl and pl: the rules of Doc.Language
// when it is one of them, every language's when it is Und or unknown.
//
// Never upset: the customer's own apology or correction ("sorry, my
// mistake, the number is ..."), a calm problem report, politeness, thanks
// and praise, and a routine cancellation ("please cancel my subscription
// at the end of the month, I'm moving abroad"): none of these holds a cue,
// and a cue that is also a thank-you ("THANK YOU SO MUCH!!!") is not read.
// Each reason is annotated at most once per text (its first cue).
type Upset struct{}

// Name implements analysis.Analyzer.
func (Upset) Name() string { return "upset" }

// Kinds and reasons of upset.
const (
	KindUpset       = "upset"
	KindChurnThreat = "churn_threat"

	UpsetEscalation = "escalation"
	UpsetSarcasm    = "sarcasm"
	UpsetFormal     = "formal_frustration"
	UpsetShouting   = "shouting"
	UpsetAnger      = "anger"
	UpsetChurn      = "churn_threat"
)

// upsetRule is one row: a language ("" for every language), the reason it
// reads, its confidence and its pattern.
type upsetRule struct {
	lang, key string
	conf      float64
	re        cuePattern
}

func cue(lang, key string, conf float64, pattern string) upsetRule {
	return upsetRule{lang, key, conf, compileCue(pattern)}
}

// letterEdge is what \b stands for in the rules: the start or end of the
// text or a character that is neither a letter nor a digit (which the
// match then includes; spans are trimmed). Go's \b knows only ASCII
// letters, so it would find a word edge inside "oszczędności" (before
// "dno") or none before "écœuré".
const letterEdge = `(?:^|$|[^\p{L}\p{N}_])`

// Ordinals and counts the repeated-contact rules share.
const (
	enNth     = `(?:second|third|fourth|fifth|sixth|seventh|tenth|umpteenth|nth|\d+(?:st|nd|rd|th))`
	enTimes   = `(?:two|three|four|five|six|ten|several|multiple|many|countless|numerous|\d+)`
	enContact = `(?:called|rung|phoned|contacted|e-?mailed|written|wrote|messaged|chatted|complained|reported|explained|asked|chased|been (?:told|promised))`
	deNth     = `(?:zweiten|dritten|vierten|fünften|sechsten|zehnten|x-ten|n-ten|zigsten|wiederholten|\d+\.)`
	esNth     = `(?:segunda|tercera|cuarta|quinta|sexta|décima|enésima|\d+[ªa])`
	frNth     = `(?:deuxième|troisième|quatrième|cinquième|sixième|dixième|énième|nième|\d+(?:e|è|ème))`
	ptNth     = `(?:segunda|terceira|quarta|quinta|sexta|décima|enésima|\d+[ªa])`
	itNth     = `(?:seconda|terza|quarta|quinta|sesta|decima|ennesima|\d+[ªa])`
	nlNth     = `(?:tweede|derde|vierde|vijfde|zesde|tiende|zoveelste|\d+e)`
	plNth     = `(?:drugi|trzeci|czwarty|piąty|szósty|dziesiąty|kolejny|enty|n-ty|\d+\.)`
)

// upsetRules are the cues that say so on their own, one row per cue and
// language.
var upsetRules = []upsetRule{
	// Churn threats: leaving because of the problem (a calm cancellation
	// is not one: a row needs a competitor, an ultimatum or a leaving
	// that is not a request).
	cue("en", UpsetChurn, 0.85, `\b(?:taking|take|move|moving|switch|switching|going|go|went)\s+(?:my\s+(?:business|custom|account|money|accounts)\s+)?(?:elsewhere|to\s+(?:a|another|your)\s+(?:competitor|rival|other\s+provider|(?:different\s+)?(?:provider|company|bank|supplier|network|operator|carrier|insurer)))\b`),
	cue("en", UpsetChurn, 0.85, `\b(?:switch|switching|move|moving|go|going|change|changing)\s+(?:over\s+)?to\s+(?:another|a\s+different|a\s+new|your\s+competitor'?s?)\s+(?:provider|company|bank|supplier|network|operator|carrier|energy\s+\w+|broadband\s+\w+)\b`),
	cue("en", UpsetChurn, 0.85, `\b(?:or|otherwise|else|then)\s+I(?:'ll|\s+will|'m|\s+am)?\s+(?:going\s+to\s+)?(?:cancel|cancelling|canceling|leave|leaving|switch|switching|clos(?:e|ing)\s+my\s+account|terminat(?:e|ing)|end(?:ing)?\s+my\s+contract)\b`),
	cue("en", UpsetChurn, 0.85, `\bI'?m\s+(?:done|finished|through)\s+with\s+(?:you|your\s+company|this\s+company)\b|\b(?:lost|losing)\s+(?:a|another)\s+(?:loyal\s+)?customer\b|\blost\s+my\s+business\b|\bnever\s+(?:using|use|order|ordering|buying|buy|shopping)\s+(?:\w+\s+)?(?:with|from)?\s*you\s+again\b|\b(?:won'?t|will\s+not)\s+be\s+(?:renewing|ordering|using\s+you|coming\s+back)\b|\b(?:looking\s+for|find)\s+(?:another|a\s+new|a\s+different)\s+(?:provider|company|bank|supplier)\b|\bcancel(?:ling|ing)?\s+everything\b`),
	cue("de", UpsetChurn, 0.85, `\b(?:wechsle|wechsel|wechseln)\s+(?:ich\s+|wir\s+)?(?:den\s+|zum\s+|zu\s+einem\s+anderen\s+|zur\s+)?(?:Anbieter|Provider|Versorger|Bank|Konkurrenz|Stromanbieter|Netz)\b|\bzur\s+Konkurrenz\b|\b(?:bin|sind)\s+(?:ich\s+|wir\s+)?(?:weg|raus)\b|\bgibt\s+(?:genug|viele|auch|noch)\s+andere\s+Anbieter\b|\b(?:sonst|ansonsten|oder)\s+(?:\p{L}+\s+)?kündige\b|\bKunden?\s+verloren\b|\bnie\s+wieder\s+(?:bei\s+(?:Ihnen|euch)|bestellen|kaufen)\b|\bwoanders\s+(?:hin|bestellen|kaufen)\b`),
	cue("es", UpsetChurn, 0.85, `\b(?:me\s+voy|me\s+paso|me\s+cambio|me\s+llevo\s+(?:mis\s+\p{L}+|mi\s+\p{L}+|el\s+\p{L}+))\s+(?:a\s+(?:la\s+competencia|otr[oa]\s+(?:compañía|operador\p{L}*|banco|proveedor\p{L}*|empresa|aseguradora|eléctrica|comercializadora|entidad|gimnasio|tienda))|de\s+(?:compañía|operador\p{L}*|banco|proveedor\p{L}*|empresa|aseguradora))\b|\ba\s+la\s+competencia\b|\b(?:o|si\s+no|sino)\s+me\s+(?:doy\s+de\s+baja|voy)\b|\b(?:o|si\s+no|sino)\s+(?:cancelo|anulo)\b|\b(?:perdido|perdéis|pierden|han\s+perdido)\s+un\s+cliente\b|\bnunca\s+más\s+(?:compro|vuelvo|os|les|con\s+ustedes)\b`),
	cue("fr", UpsetChurn, 0.85, `\b(?:je\s+vais|j'irai|aller)\s+voir\s+ailleurs\b|\b(?:chez|à)\s+la\s+concurrence\b|\b(?:je\s+change|changer|je\s+vais\s+changer)\s+d['’](?:opérateur|fournisseur)\b|\b(?:je\s+change|changer|je\s+vais\s+changer)\s+de\s+(?:banque|fournisseur|prestataire)\b|\b(?:sinon|ou)\s+je\s+(?:résilie|pars|m['’]en\s+vais|change)\b|\bperdu\s+un\s+client\b|\bplus\s+jamais\s+(?:chez\s+vous|je\s+ne)\b`),
	cue("pt", UpsetChurn, 0.85, `\b(?:troco|trocar|vou\s+trocar|mudo|mudar|vou\s+mudar)\s+de\s+(?:provedor|operadora|banco|empresa|fornecedor)\b|\b(?:para|pra)\s+(?:a\s+)?concorrência\b|\b(?:outra\s+operadora|outro\s+provedor|outro\s+banco)\b|\b(?:ou|senão)\s+(?:eu\s+)?cancelo\b|\bperderam\s+(?:um|mais\s+um)\s+cliente\b|\bnunca\s+mais\s+(?:compro|volto)\b`),
	cue("it", UpsetChurn, 0.85, `\b(?:cambio|cambiare|cambierò)\s+(?:fornitore|gestore|operatore|banca|compagnia)\b|\balla\s+concorrenza\b|\b(?:passo|passerò)\s+(?:a|ad)\s+(?:un\s+altro|un['’]altra)\b|\b(?:altrimenti|o)\s+(?:disdico|me\s+ne\s+vado|cambio)\b|\bperso\s+un\s+cliente\b|\bmai\s+più\s+(?:da\s+voi|con\s+voi)\b`),
	cue("nl", UpsetChurn, 0.85, `\bik\s+ben\s+(?:weg|vertrokken)\b|\b(?:stap|stappen)\s+(?:ik\s+)?over\b|\boverstappen\s+naar\b|\b(?:naar|bij)\s+de\s+concurrent(?:ie)?\b|\b(?:neem|kies|zoek|ga)\s+(?:ik\s+)?(?:wel\s+)?(?:een\s+ander|een\s+andere)\s+(?:energiebedrijf|bedrijf|provider|aanbieder|leverancier|bank|maatschappij)\b|\b(?:anders|dan)\s+zeg\s+ik\b|\bklant\s+kwijt\b`),
	cue("pl", UpsetChurn, 0.85, `\bprzechodz[ęe]\s+do\s+(?:konkurencji|innego)\b|\bdo\s+konkurencji\b|\b(?:zmieniam|zmienię)\s+(?:operatora|dostawcę|bank|sieć|firmę)\b|\brezygnuj[ęe]\s+z\s+(?:was|waszych)\b|\b(?:albo|bo|inaczej)\s+(?:rezygnuję|rezygnuje|zrywam|odchodzę)\b|\bstraciliście\s+klienta\b`),

	// Churn threats: thinking of leaving, a condition and a leaving, the
	// last time.
	cue("en", UpsetChurn, 0.8, `\b(?:considering|thinking\s+(?:of|about)|seriously\s+considering|about\s+to\s+start)\s+(?:leaving|switching|cancelling|canceling|moving\s+(?:my|to)|closing\s+my\s+account|taking\s+my\s+business)\b|\b(?:unless\b[^.!?\n]{0,80}|if\b[^.!?\n]{0,60}(?:not|n[\'’]t|again|another|nothing|no\s+one|nobody)\b[^.!?\n]{0,40})\bI(?:'ll|\s+will|'m\s+going\s+to|\s+am\s+going\s+to|'m\s+gonna)\s+(?:cancel|leave|switch|close\s+my\s+account|take\s+my\s+business|go\s+elsewhere|move\s+to)\b|\b(?:take|taking)\s+my\s+(?:business|custom|money)\s+somewhere\s+else\b|\bthe\s+last\s+time\s+I\s+(?:ever\s+)?(?:use|order|buy|fly|book|shop)\b|\b(?:to|with)\s+(?:a|your)\s+competitor\b|\byou(?:'ve|\s+have)\s+lost\s+(?:me|a\s+customer|my\s+business)\b`),
	cue("de", UpsetChurn, 0.8, `\b(?:überlege|überlegen|überleg)[\s,]+(?:ich[\s,]+)?(?:mir[\s,]+)?(?:ernsthaft[\s,]+)?(?:zu\s+wechseln|zu\s+kündigen|den\s+Anbieter|den\s+Vertrag\s+zu\s+kündigen|zu\s+gehen)\b|\b(?:sonst|ansonsten)\s+(?:bin\s+ich\s+weg|gehe\s+ich|wechsle\s+ich|kündige\s+ich|war's\s+das)\b|\bfristlos(?:e|en)?\s+(?:kündigen|Kündigung|gekündigt)\b|\bSonderkündigungsrecht\b|\bzu\s+einem\s+anderen\s+(?:Anbieter|Provider|Versorger)\b|\b(?:habt|haben)\s+(?:Sie\s+|ihr\s+)?(?:einen|mich\s+als)\s+Kunden\s+verloren\b|\bdas\s+war['’]?s\s+(?:dann\s+)?(?:mit\s+(?:uns|Ihnen|euch)|für\s+mich)\b|\b(?:letzte|allerletzte)\s+(?:Mal|Bestellung)\s+(?:bei|dass)\b`),
	cue("es", UpsetChurn, 0.8, `\b(?:me\s+planteo\s+(?:seriamente\s+)?|(?:estoy\s+)?pensando\s+(?:seriamente\s+)?en\s+|pienso\s+(?:seriamente\s+)?)(?:cambiarme|cambiar\s+de|irme|darme\s+de\s+baja|cancelar|dejar(?:os|les)?)\b|\bsi\s+no\b[^.!?\n]{0,80}\b(?:me\s+doy\s+de\s+baja|me\s+voy|cancelo|me\s+cambio|me\s+paso|me\s+marcho)\b|\bla\s+última\s+vez\s+que\s+(?:compro|pido|os|les|confío|contrato)\b`),
	cue("fr", UpsetChurn, 0.8, `\b(?:je\s+pense\s+(?:sérieusement\s+)?à|j['’]envisage\s+(?:sérieusement\s+)?de)\s+(?:résilier|partir|changer|quitter)\b|\bsi\b[^.!?\n]{0,60}\b(?:pas|plus|jamais|rien|aucun\p{L}*|encore)\b[^.!?\n]{0,40}\bje\s+(?:résilie|pars|change\s+d['’]|vais\s+(?:ailleurs|voir\s+ailleurs|résilier|partir))\b|\bla\s+dernière\s+fois\s+que\s+(?:je\s+commande|je\s+fais\s+appel|j['’]achète)\b|\b(?:chez|pour)\s+un\s+(?:concurrent|autre\s+(?:opérateur|fournisseur))\b|\brésilier\s+(?:immédiatement|sur-le-champ|tout)\b`),
	cue("pt", UpsetChurn, 0.8, `\b(?:estou\s+)?pensando\s+(?:seriamente\s+)?em\s+(?:trocar|cancelar|mudar|sair)\b|\bse\s+(?:\p{L}+\s+){0,3}não\b[^.!?\n]{0,60}\b(?:eu\s+)?(?:cancelo|vou\s+cancelar|troco|saio|mudo\s+de)\b|\b(?:vou|irei)\s+(?:para|pra)\s+(?:outra|outro|a\s+concorrente)\b|\búltima\s+vez\s+que\s+(?:compro|uso|peço|contrato)\b|\b(?:para|pra)\s+(?:a|uma)\s+concorrente\b`),
	cue("it", UpsetChurn, 0.8, `\b(?:sto\s+)?(?:pensando|valutando|meditando)\s+(?:seriamente\s+)?di\s+(?:cambiare|disdire|passare|andarmene|lasciarvi)\b|\bse\s+(?:non|entro)\b[^.!?\n]{0,80}\b(?:disdico|cambio\s+(?:gestore|operatore|fornitore)|me\s+ne\s+vado|passo\s+(?:a|ad|alla))\b|\bl['’]ultima\s+volta\s+che\s+(?:compro|ordino|mi\s+rivolgo)\b|\b(?:passo|passare|vado)\s+(?:a|ad|da)\s+(?:un\s+altro\s+(?:gestore|operatore|fornitore)|un\s+concorrente)\b`),
	cue("nl", UpsetChurn, 0.8, `\b(?:ik\s+)?(?:overweeg|denk\s+erover(?:\s+na)?)\s+(?:serieus\s+)?(?:om\s+)?(?:over\s+te\s+stappen|op\s+te\s+zeggen|te\s+vertrekken|weg\s+te\s+gaan)\b|\bals\b[^.!?\n]{0,60}\b(?:niet|weer|geen|nog\s+een|nog\s+één|nog\s+1)\b[^.!?\n]{0,40}\b(?:zeg\s+ik|stap\s+ik|ben\s+ik\s+weg|vertrek\s+ik|ga\s+ik\s+weg)\b|\b(?:laatste\s+keer\s+dat\s+ik)\b|\b(?:naar|neem\s+ik|kies\s+ik|zoek\s+ik)\s+(?:een\s+)?(?:concurrent|andere\s+(?:provider|aanbieder|energieleverancier|leverancier|verzekeraar|bank))\b|\bopzeggen\s+(?:als|tenzij)\b`),
	cue("pl", UpsetChurn, 0.8, `\b(?:zastanawiam\s+się\s+nad|rozważam|myślę\s+o)\s+(?:poważnie\s+)?(?:zmian\p{L}*\s+(?:operatora|dostawcy|banku|sieci)|rezygnacj\p{L}*|odejści\p{L}*|zerwani\p{L}*|wypowiedzeni\p{L}*)\b|\bjeśli\s+(?:\p{L}+\s+){0,3}nie\b[^.!?\n]{0,60}\b(?:rezygnuję|odchodzę|zmieniam\s+(?:operatora|dostawcę|bank)|zrywam|wypowiadam|wypowiem)\b|\bostatni\s+raz\s+(?:u\s+was|korzystam|zamawiam)\b|\b(?:do|na)\s+inn(?:ego|y|ej|ą)\s+(?:operator\p{L}*|sieci?|dostawc\p{L}*|bank\p{L}*)\b`),

	// An ultimatum that ends in leaving ("one more outage and I cancel").
	cue("en", UpsetChurn, 0.85, `\b(?:one\s+more|another|once\s+more)\b[^.!?\n]{0,60}\band\s+(?:then\s+)?(?:I'?m|I\s+am|I'?ll|I\s+will|we'?re|we'?ll)\s+(?:going\s+to\s+)?(?:cancel\p{L}*|leav\p{L}*|switch\p{L}*|gone|out|done|off|clos\p{L}*\s+my\s+account|go(?:ing)?\s+elsewhere)\b`),
	cue("de", UpsetChurn, 0.85, `\bnoch\s+(?:so\s+)?(?:ein|eine|einen|einmal|mal|1)\b[^.!?\n]{0,60}\b(?:und|dann)\s+(?:ich\s+)?(?:kündige|wechsle|bin\s+ich\s+weg|gehe\s+ich|war['’]?s\s+das)\b`),
	cue("es", UpsetChurn, 0.85, `\b(?:un|una)\s+\p{L}+\s+más\b[^.!?\n]{0,60}\by\s+(?:me\s+(?:doy\s+de\s+baja|voy|cambio|paso|borro)|cancelo|os\s+dejo|les\s+dejo)\b`),
	cue("fr", UpsetChurn, 0.85, `\bencore\s+(?:un|une)\b[^.!?\n]{0,60}\bet\s+je\s+(?:résilie|pars|m['’]en\s+vais|change|quitte|vais\s+ailleurs)\b`),
	cue("pt", UpsetChurn, 0.85, `\bmais\s+(?:um|uma)\b[^.!?\n]{0,60}\be\s+(?:eu\s+)?(?:cancelo|saio|troco|mudo|vou\s+embora)\b`),
	cue("it", UpsetChurn, 0.85, `\b(?:un\s+altr[oa]|ancora\s+un[oa]?)\b[^.!?\n]{0,60}\be\s+(?:disdico|me\s+ne\s+vado|cambio|passo|vi\s+lascio)\b`),
	cue("nl", UpsetChurn, 0.85, `\bnog\s+(?:één|een|1)\b[^.!?\n]{0,60}\ben\s+(?:ik\s+(?:zeg|stap|ben|ga|vertrek)|dan\s+(?:zeg|stap|ben|ga)\s+ik)\b`),
	cue("pl", UpsetChurn, 0.85, `\bjeszcze\s+(?:jedna|jeden|jedno|raz)\b[^.!?\n]{0,60}\bi\s+(?:rezygnuj\p{L}*|odchodzę|zmieniam|zrywam|wypowiadam|przechodz\p{L}*)\b`),

	// Escalation: repeated contact, a demand for someone senior, "not
	// acceptable".
	cue("en", UpsetEscalation, 0.8, `\b(?:yet|once)\s+again\b|\bagain\s+and\s+again\b|\bover\s+and\s+over\b|\bhow\s+many\s+(?:more\s+)?times\b|\b(?:the\s+|a\s+|my\s+)?`+enNth+`\s+time\b|\bfor\s+the\s+`+enNth+`\b|\b`+enContact+`\s+(?:\w+\s+){0,3}`+enTimes+`\s+times\b|\b`+enTimes+`\s+times\s+(?:now|already|so\s+far)\b`),
	cue("en", UpsetEscalation, 0.75, `\bstill\s+(?:not|no|nothing|haven'?t|hasn'?t|hadn'?t|doesn'?t|isn'?t|aren'?t|can'?t|won'?t|waiting|without)\b`),
	cue("en", UpsetEscalation, 0.8, `\b(?:want|need|demand|speak|talk|see|get|put\s+me\s+through|escalate\s+this|ask\s+for)\s+(?:\S+\s+){0,3}(?:a|your|the|to\s+a|to\s+your|to\s+the|with\s+a|with\s+your)\s+(?:manager|supervisor|team\s+leader|team\s+lead|superior|boss|someone\s+senior|complaints\s+department)\b|\bescalat(?:e|ed|ing|ion)\b`),
	cue("en", UpsetEscalation, 0.8, `\b(?:un|not\s+)acceptable\b|\bI\s+(?:demand|insist)\b|\b(?:one\s+more|another)\s+(?:\w+\s+){1,2}like\s+(?:this|that)\s+and\b`),
	cue("de", UpsetEscalation, 0.8, `\bschon\s+wieder\b|\bwie\s+oft\s+(?:noch|denn|soll|muss|eigentlich)\b|\bzum\s+`+deNth+`\s+Mal\b|\b(?:zwei|drei|vier|fünf|sechs|zehn|mehrere|etliche|zig|x|\d+)(?:-|\s+)?(?:mal|Male)\s+(?:\p{L}+\s+){0,2}(?:angerufen|geschrieben|gemeldet|nachgefragt|kontaktiert|reklamiert|angefragt)\b`),
	cue("de", UpsetEscalation, 0.75, `\b(?:immer\s+noch|noch\s+immer|nach\s+wie\s+vor)\s+(?:nicht|kein\p{L}*|nichts)\b`),
	cue("de", UpsetEscalation, 0.8, `\b(?:mit|von|an)\s+(?:Ihre[mnr]?|eure[mnr]?|einem|einer|dem|der|den)\s+(?:Vorgesetzten|Teamleit\p{L}*|Chef\p{L}*|Abteilungsleit\p{L}*|Geschäftsführ\p{L}*|Verantwortlichen|Beschwerdeabteilung|Beschwerdestelle)\b|\b(?:inakzeptabel|nicht\s+akzeptabel|nicht\s+hinnehmbar|unzumutbar)\b|\bich\s+(?:verlange|fordere)\b|\b(?:noch\s+so\s+ein|noch\s+ein|noch\s+eine|noch\s+einmal\s+so\s+ein)\s+\p{L}+\s+und\b`),
	cue("es", UpsetEscalation, 0.8, `\b(?:la\s+|por\s+)?`+esNth+`\s+vez\b|\bcuántas\s+veces\b|\b(?:\d+|dos|tres|cuatro|cinco|varias|muchas|mil)\s+veces\s+(?:que|ya|he|llevo|llamando|reclamando)\b|\b(?:he\s+llamado|he\s+escrito|he\s+reclamado|llamé|escribí|reclamé)\s+(?:\p{L}+\s+){0,2}(?:\d+|dos|tres|cuatro|cinco|varias|muchas)\s+veces\b|\buna\s+vez\s+más\b|\botra\s+vez\s+(?:lo\s+mismo|igual|sin)\b|\bsig(?:o|ue|uen|uimos)\s+sin\b`),
	cue("es", UpsetEscalation, 0.8, `\b(?:hablar|quiero|exijo|pásame|páseme|pasadme|llame|llamen|contacte|comunicarme)\s+(?:\S+\s+){0,4}(?:un|una|al|el|la|su|vuestro|con\s+un|con\s+el|con\s+su)\s+(?:responsable|supervisor\p{L}*|encargad[oa]|superior|jef[ea]|gerente)\b|\b(?:inaceptable|inadmisible|no\s+es\s+de\s+recibo|no\s+es\s+aceptable)\b|\bexijo\b|\b(?:un|una)\s+\p{L}+\s+más\s+(?:como\s+\p{L}+|así)\s+y\b`),
	cue("fr", UpsetEscalation, 0.8, `\b(?:la\s+|pour\s+la\s+)?`+frNth+`\s+fois\b|\b`+frNth+`\s+fois\b|\bcombien\s+de\s+fois\b|\bune\s+fois\s+de\s+plus\b|\bencore\s+et\s+encore\b|\b(?:deux|trois|quatre|cinq|plusieurs|maintes|\d+)\s+fois\s+(?:que|déjà)\b|\btoujours\s+(?:pas|rien|aucun\p{L}*|sans)\b`),
	cue("fr", UpsetEscalation, 0.8, `\b(?:veux|exige|demande|voudrais|parler|rappel\p{L}*|joindre)\s+(?:\S+\s+){0,4}(?:un|une|le|la|votre|au|à\s+un|par\s+un|par\s+le)\s+(?:responsable|superviseur|supérieur|manager|directeur|chef)\b|\b(?:inacceptable|inadmissible|pas\s+acceptable|intolérable)\b|\bj['’]exige\b|\bencore\s+(?:un|une)\s+\p{L}+\s+comme\s+ça\s+et\b`),
	cue("pt", UpsetEscalation, 0.8, `\b(?:pela\s+|a\s+)?`+ptNth+`\s+vez\b|\bquantas\s+vezes\b|\b(?:\d+|duas|três|quatro|cinco|várias|diversas|muitas)\s+vezes\s+(?:que|já)\b|\b(?:liguei|escrevi|reclamei|entrei\s+em\s+contato|mandei\s+mensagem)\s+(?:\p{L}+\s+){0,2}(?:\d+|duas|três|quatro|cinco|várias|diversas|muitas)\s+vezes\b|\bmais\s+uma\s+vez\b|\b(?:continuo|continua|sigo|segue)\s+sem\b|\baté\s+(?:agora|hoje)\s+(?:nada|não|nenhum\p{L}*)\b`),
	cue("pt", UpsetEscalation, 0.8, `\b(?:falar|quero|exijo|chamar|passe|me\s+passa)\s+(?:\S+\s+){0,4}(?:com\s+)?(?:um|uma|o|a|seu|sua)\s+(?:supervisor\p{L}*|gerente|responsável|superior|coordenador\p{L}*|chefe)\b|\b(?:inaceitável|inadmissível|não\s+é\s+aceitável)\b|\bexijo\b|\bmais\s+(?:um|uma)\s+\p{L}+\s+(?:dess[ea]s?|assim|como\s+ess[ea])\s+e\b`),
	cue("it", UpsetEscalation, 0.8, `\b(?:la\s+|per\s+la\s+)?`+itNth+`\s+volta\b|\bennesim[oa]\b|\bquante\s+volte\b|\b(?:\d+|due|tre|quattro|cinque|varie|diverse|molte|mille)\s+volte\s+(?:che|già)\b|\b(?:chiamato|scritto|segnalato|reclamato|sollecitato)\s+(?:\p{L}+\s+){0,2}(?:\d+|due|tre|quattro|cinque|varie|diverse|molte)\s+volte\b|\bancora\s+una\s+volta\b|\bancora\s+(?:niente|nulla|nessun\p{L}*)\b`),
	cue("it", UpsetEscalation, 0.8, `\b(?:parlare|voglio|esigo|pretendo|chiamare|richiamare|contattare|passarmi)\s+(?:\S+\s+){0,4}(?:con\s+)?(?:un|una|il|la|col|al|un\s+suo)\s+(?:responsabile|supervisore|superiore|direttore|capo|dirigente|manager)\b|\b(?:inaccettabile|inammissibile|non\s+è\s+accettabile)\b|\b(?:esigo|pretendo)\b|\bun\s+altr[oa]\s+\p{L}+\s+(?:così|come\s+questo)\s+e\b`),
	cue("nl", UpsetEscalation, 0.8, `\b(?:voor\s+de\s+)?`+nlNth+`\s+(?:keer|maal)\b|\bde\s+(?:derde|vierde|vijfde|zesde)\s+(?:deze|in|binnen|dit)\b|\bhoe\s+vaak\s+(?:nog|moet|moeten)\b|\balweer\b|\b(?:twee|drie|vier|vijf|meerdere|tig|\d+)\s+keer\s+(?:\p{L}+\s+)?(?:gebeld|gemaild|geschreven|gemeld|geklaagd|contact)\b|\bnog\s+(?:steeds|altijd)\s+(?:niet|geen|niks|niets)\b`),
	cue("nl", UpsetEscalation, 0.8, `\b(?:leidinggevende|teamleider)\b|\b(?:wil|eis|vraag)\s+(?:\S+\s+){0,4}(?:een|de|uw|je|jullie)\s+(?:manager|supervisor|meerdere|chef)\b|\b(?:een|de|uw)\s+(?:manager|supervisor|meerdere|chef)\s+(?:spreken|aan\s+de\s+lijn)\b|\b(?:onacceptabel|onaanvaardbaar|niet\s+acceptabel)\b|\bik\s+eis\b|\bnog\s+(?:1|één|een)\s+(?:zo['’]n|zulke)\s+\p{L}+\s+en\b`),
	cue("pl", UpsetEscalation, 0.8, `\bpo\s+raz\s+(?:drugi|trzeci|czwarty|piąty|kolejny|enty|n-ty|\p{L}+sty)\b|\b`+plNth+`\s+raz\b|\bkolejn(?:y|a|e)\s+(?:raz|wizyt\p{L}*|awari\p{L}*|reklamacj\p{L}*|zgłoszeni\p{L}*)\b|\b(?:trzecia|czwarta|piąta)\s+(?:wizyta|awaria|reklamacja)\b|\bile\s+(?:jeszcze\s+)?razy\b|\b(?:dwa|trzy|cztery|pięć|kilka|wiele|kilkanaście|\d+)\s+razy\s+(?:już|dzwoniłem|dzwoniłam|pisałem|pisałam|zgłaszałem|zgłaszałam)\b|\b(?:nadal|wciąż|dalej)\s+(?:nic|brak)\b`),
	cue("pl", UpsetEscalation, 0.8, `\bz\s+(?:kierownikiem|kierowniczką|kierownictwem|przełożonym|przełożoną|menedżerem|managerem|szefem|dyrektorem|supervisorem|koordynatorem)\b|\b(?:nie\s+do\s+przyjęcia|niedopuszczaln\p{L}*|nieakceptowaln\p{L}*)\b|\b(?:żądam|domagam\s+się)\b|\bjeszcze\s+(?:jedna|jeden|jedno)\s+(?:taka|taki|takie)\s+\p{L}+\s+i\b`),

	// Explained again and again; the third engineer.
	cue("en", UpsetEscalation, 0.8, `\b(?:explained|told|repeated|described|gone\s+through)\b[^.!?\n]{0,30}\b(?:two|three|four|five|six|\d+|several|multiple|different)\s+(?:different\s+)?(?:agents|people|advisors|advisers|representatives|reps|employees|operators|staff)\b|\b(?:explained|told\s+you|repeated|described)\s+(?:\S+\s+){0,3}(?:twice|three\s+times|four\s+times|five\s+times|\d+\s+times|several\s+times|multiple\s+times|again\s+and\s+again)\b|\b(?:third|fourth|fifth|sixth|umpteenth|nth)\s+(?:engineer|technician|visit|call|outage|attempt|e-?mail|complaint|replacement|delivery|refund|bill|invoice|week|month|appointment|no-show)\b`),
	cue("de", UpsetEscalation, 0.8, `\b(?:erklärt|gesagt|geschildert|wiederholt|erzählt)\b[^.!?\n]{0,30}\b(?:zweimal|dreimal|viermal|fünfmal|x-mal|zigmal|mehrmals|\d+-?mal|\d+\s+Mal)\b|\b(?:zweimal|dreimal|viermal|fünfmal|x-mal|zigmal|mehrmals|\d+-?mal)\b[^.!?\n]{0,30}\b(?:erklärt|gesagt|geschildert|wiederholt|erzählt)\b|\b(?:dritte[nrs]?|vierte[nrs]?|fünfte[nrs]?)\s+(?:Techniker|Termin|Anruf|Ausfall|Versuch|Mail|E-Mail|Beschwerde|Reklamation|Lieferung|Rechnung|Woche|Monat|Störung)\b`),
	cue("es", UpsetEscalation, 0.8, `\b(?:explicado|dicho|contado|repetido|llamado|escrito|reclamado|avisado|expliqué|dije|repetí|llamé|escribí|reclamé)\s+(?:\p{L}+\s+){0,2}(?:dos|tres|cuatro|cinco|seis|varias|muchas|mil|\d+)\s+veces\b|\b(?:tercer|tercera|cuarta|cuarto|quinta|quinto)\s+(?:técnico|visita|llamada|corte|reclamación|queja|avería|factura|semana|mes|cita)\b`),
	cue("fr", UpsetEscalation, 0.8, `\b(?:expliqué|dit|répété|raconté|appelé|écrit|signalé|relancé|réclamé|téléphoné)\s+(?:\p{L}+\s+){0,2}(?:deux|trois|quatre|cinq|six|plusieurs|dix|\d+)\s+fois\b|\b(?:troisième|quatrième|cinquième)\s+(?:technicien|visite|appel|coupure|réclamation|panne|facture|semaine|rendez-vous)\b`),
	cue("pt", UpsetEscalation, 0.8, `\b(?:expliquei|falei|repeti|disse|contei|expliquei\s+isso|explicado|falado|repetido)\s+(?:\p{L}+\s+){0,2}(?:duas|três|quatro|cinco|seis|várias|mil|\d+)\s+vezes\b|\b(?:terceir[oa]|quart[oa]|quint[oa])\s+(?:técnico|visita|ligação|queda|reclamação|protocolo|fatura|semana|mês)\b`),
	cue("it", UpsetEscalation, 0.8, `\b(?:spiegato|detto|ripetuto|raccontato|spiegata)\s+(?:\p{L}+\s+){0,2}(?:due|tre|quattro|cinque|sei|varie|diverse|mille|\d+)\s+volte\b|\b(?:terz[oa]|quart[oa]|quint[oa])\s+(?:tecnico|visita|chiamata|guasto|reclamo|bolletta|fattura|settimana|mese|interruzione)\b`),
	cue("nl", UpsetEscalation, 0.8, `\b(?:twee|drie|vier|vijf|zes|meerdere|tig|\d+)\s+keer\s+(?:\p{L}+\s+)?(?:uitgelegd|verteld|gezegd|herhaald)\b|\b(?:uitgelegd|verteld|gezegd|herhaald)\s+(?:\p{L}+\s+)?(?:twee|drie|vier|vijf|meerdere|tig|\d+)\s+keer\b|\b(?:derde|vierde|vijfde)\s+(?:monteur|storing|afspraak|klacht|factuur|week|maand|keer)\b`),
	cue("pl", UpsetEscalation, 0.8, `\b(?:tłumaczył\p{L}*|mówił\p{L}*|pisał\p{L}*|dzwonił\p{L}*|zgłaszał\p{L}*|wyjaśniał\p{L}*|powtarzał\p{L}*)\s+(?:\p{L}+\s+){0,2}(?:dwa|trzy|cztery|pięć|kilka|wiele|kilkanaście|\d+)\s+razy\b|\b(?:trzeci|czwarty|piąty|trzecia|czwarta|piąta)\s+(?:technik|serwisant|raz|telefon|tydzień|miesiąc|rachunek|faktura)\b`),

	// Repeated contact: waiting for weeks, nobody calling back.
	cue("en", UpsetEscalation, 0.75, `\b(?:waiting|waited|been\s+waiting|chasing)\s+(?:for\s+)?(?:over\s+|more\s+than\s+|nearly\s+|almost\s+)?(?:\d+|two|three|four|five|six|several|many)\s+(?:weeks|months|hours)\b|\b(?:nobody|no\s+one|no-one)\s+(?:has\s+|ever\s+)?(?:called|rang|got|gotten|came|come|bothered|replied|responded|answered)\b|\b(?:keep|kept)\s+(?:being\s+)?(?:told|passed|getting\s+passed|fobbed|cut\s+off)\b|\bstill\s+(?:waiting|nothing)\b|\bI(?:'ve|\s+have)\s+(?:already\s+)?(?:called|rung|explained|told\s+you|written|complained)\s+(?:\S+\s+){0,3}(?:twice|three\s+times|before|already|repeatedly)\b|\bevery\s+(?:single\s+)?time\s+I\s+(?:call|contact|ring|write)\b`),
	cue("de", UpsetEscalation, 0.75, `\b(?:warte|warten|gewartet)\s+(?:ich\s+|wir\s+)?(?:nun\s+|jetzt\s+|schon\s+|bereits\s+)?(?:seit\s+)?(?:über\s+|mehr\s+als\s+|fast\s+)?(?:\d+|zwei|drei|vier|fünf|sechs|mehreren|vielen)\s+(?:Wochen|Monaten|Stunden)\b|\bniemand\s+(?:meldet\s+sich|ruft\s+(?:mich\s+)?(?:zurück|an)|hat\s+sich\s+gemeldet|reagiert|antwortet)\b|\b(?:zweimal|dreimal|viermal|fünfmal|mehrmals|x-mal|zigmal|etliche\s+Male)\s+(?:\p{L}+\s+){0,2}(?:angerufen|geschrieben|gemeldet|nachgefragt|reklamiert|erklärt)\b|\bjedes\s+Mal\s+(?:wenn\s+ich|das\s+Gleiche|dasselbe)\b|\b(?:werde|wurde)\s+(?:immer\s+nur\s+|ständig\s+)?(?:vertröstet|weiterverbunden|abgewimmelt)\b`),
	cue("es", UpsetEscalation, 0.75, `\bllevo\s+(?:ya\s+)?(?:más\s+de\s+)?(?:\d+|dos|tres|cuatro|cinco|varias|muchas)\s+(?:semanas|meses|horas)\b|\bnadie\s+(?:me\s+)?(?:ha\s+)?(?:llama|llamado|contesta|contestado|responde|respondido|da\s+una\s+solución|soluciona)\b|\bcada\s+vez\s+que\s+(?:llamo|escribo|contacto)\b|\bsiempre\s+(?:lo\s+mismo|la\s+misma\s+historia|igual)\b|\bme\s+(?:dan|dais|dieron)\s+largas\b|\bsigo\s+esperando\b`),
	cue("fr", UpsetEscalation, 0.75, `\b(?:j['’]attends|attends|j['’]ai\s+attendu)\s+(?:toujours|encore|depuis)\b|\bça\s+fait\s+(?:\d+|deux|trois|quatre|plusieurs)\s+(?:semaines|mois)\b|\bpersonne\s+ne\s+(?:me\s+)?(?:rappelle|répond|donne|s['’]occupe)\b|\bà\s+chaque\s+fois\s+(?:que\s+j['’]appelle|qu['’]on|la\s+même)\b|\bon\s+me\s+(?:balade|promène|renvoie)\b`),
	cue("pt", UpsetEscalation, 0.75, `\b(?:faz|há|já\s+faz)\s+(?:mais\s+de\s+)?(?:\d+|duas|três|quatro|várias)\s+(?:semanas|meses)\s+(?:que|esperando|aguardando|sem)\b|\bninguém\s+(?:me\s+)?(?:liga|ligou|responde|respondeu|retorna|retornou|resolve|resolveu)\b|\btoda\s+vez\s+que\s+(?:ligo|entro\s+em\s+contato|reclamo)\b|\b(?:continuo|sigo)\s+(?:esperando|aguardando)\b|\bempurrando\s+com\s+a\s+barriga\b`),
	cue("it", UpsetEscalation, 0.75, `\b(?:attendo|aspetto|sono\s+in\s+attesa)\s+(?:ancora\s+|tuttora\s+)?da\s+(?:oltre\s+|più\s+di\s+)?(?:\d+|due|tre|quattro|diverse|molte)\s+(?:settimane|mesi|ore)\b|\bnessuno\s+(?:mi\s+)?(?:ha\s+)?(?:richiama|richiamato|risponde|risposto|contattato|fa\s+niente)\b|\bogni\s+volta\s+che\s+(?:chiamo|scrivo)\b|\b(?:continuate|continuano)\s+a\s+(?:rimbalzarmi|rimandare|dirmi)\b`),
	cue("nl", UpsetEscalation, 0.75, `\b(?:wacht|wachten|gewacht)\s+(?:ik\s+)?(?:nu\s+)?(?:al\s+)?(?:meer\s+dan\s+|ruim\s+)?(?:\d+\s+|twee\s+|drie\s+|vier\s+|vijf\s+|enkele\s+)?(?:weken|maanden)\b|\bniemand\s+(?:belt|reageert|heeft\s+(?:gereageerd|teruggebeld|gebeld)|neemt\s+contact)\b|\belke\s+keer\s+als\s+ik\s+(?:bel|mail)\b|\bik\s+word\s+(?:steeds\s+)?(?:van\s+het\s+kastje\s+naar\s+de\s+muur|doorverbonden|afgescheept)\b|\bkastje\s+naar\s+de\s+muur\b`),
	cue("pl", UpsetEscalation, 0.75, `\bczekam\s+(?:już\s+|nadal\s+|wciąż\s+)?(?:od\s+)?(?:ponad\s+)?(?:\d+|dwóch|trzech|czterech|kilku|wielu)\s+(?:tygodni|miesięcy|godzin)\b|\bnikt\s+(?:się\s+)?(?:nie\s+)?(?:oddzwania|oddzwonił|odpowiada|odpowiedział|odezwał|kontaktuje)\b|\bza\s+każdym\s+razem\s+(?:gdy|kiedy)\s+(?:dzwonię|piszę)\b|\bodsyłacie\s+mnie\b|\bspławia\p{L}*\b`),

	// Formal frustration: polite words, a request left unanswered.
	cue("en", UpsetFormal, 0.8, `\b(?:remains?|remained|still|left|gone)\s+unanswered\b|\b(?:have|has)\s+(?:yet|still)\s+to\s+(?:receive|get|hear)\b|\b(?:no|without\s+(?:a|any))\s+(?:reply|response)\s+(?:has\s+been|was|is)?\s*(?:received|forthcoming)?\s*(?:to\s+date|so\s+far|yet)\b|\bI\s+have\s+(?:written|contacted\s+you|called)\s+(?:to\s+you\s+)?(?:on\s+)?(?:several|numerous|multiple|a\s+number\s+of|repeated|many|three|four)\s+(?:occasions|times)\b|\bI\s+must\s+(?:insist|ask\s+that|request\s+that)\b|\bI\s+trust\s+(?:this|that|the\s+matter|my\s+\w+|you)\s+will\s+(?:now|finally|be\s+(?:resolved|addressed|dealt\s+with|given)|receive|get)\b|\bkindly\s+explain\s+why\b|\bkindly\s+(?:advise|confirm)\s+when\b[^.!?\n]{0,60}\b(?:finally|at\s+last|actually|ever)\b|\bI\s+(?:should|would)\s+be\s+grateful\s+if\s+you\s+would\s+now\b|\bas\s+a\s+matter\s+of\s+(?:priority|urgency)\b|\bfurther\s+to\s+my\s+(?:previous|earlier|last|numerous|repeated)\b|\bdespite\s+(?:my|several|repeated|numerous)\s+(?:previous\s+|earlier\s+)?(?:requests|e-?mails|reminders|calls|letters|complaints|attempts)\b|\b(?:second|third|final|last)\s+reminder\b|\bwithout\s+further\s+delay\b|\bformal\s+complaint\b|\b(?:ombudsman|small\s+claims|legal\s+action|my\s+solicitor|my\s+lawyer|trading\s+standards|chargeback)\b`),
	cue("de", UpsetFormal, 0.8, `\bunbeantwortet\b|\b(?:bis\s+heute|bislang|bisher|noch\s+immer|immer\s+noch|nach\s+wie\s+vor)\s+(?:ohne|keine)\s+(?:Antwort|Rückmeldung|Reaktion)\b|\berinnere\s+(?:ich\s+)?(?:Sie\s+)?(?:nochmals|erneut|hiermit|zum\s+\p{L}+\s+Mal)\b|\b(?:mehrfach|mehrmals|wiederholt|bereits\s+mehrfach)\s+(?:\p{L}+\s+)?(?:geschrieben|angefragt|kontaktiert|angerufen|gemeldet|hingewiesen|reklamiert)\b|\b(?:vorrangige|umgehende|unverzügliche)\s+(?:Bearbeitung|Klärung|Antwort|Rückmeldung)\b|\b(?:muss|müssen)\s+(?:ich\s+)?(?:darauf\s+)?bestehen\b|\bbestehe\s+(?:ich\s+)?darauf\b|\bich\s+erwarte\s+(?:umgehend|bis\s+(?:spätestens|zum|Ende)|eine\s+(?:umgehende|sofortige|schriftliche|verbindliche)|Ihre\s+(?:umgehende|sofortige))\b|\b(?:letzte|zweite|dritte)\s+(?:Mahnung|Erinnerung)\b|\b(?:förmliche|offizielle)\s+Beschwerde\b|\b(?:rechtliche\s+Schritte|meinen\s+Anwalt|Verbraucherzentrale|Schlichtungsstelle|Bundesnetzagentur)\b`),
	cue("es", UpsetFormal, 0.8, `\b(?:sin\s+respuesta|sin\s+contestar|sin\s+obtener\s+respuesta)\b|\bno\s+he\s+(?:recibido|obtenido)\s+(?:ninguna|ni\s+una)\s+respuesta\b|\breitero\s+(?:mi|la|el|nuevamente)\b|\b(?:reclamado|llamado|escrito|solicitado|contactado|avisado|pedido|insistido)\s+(?:\p{L}+\s+)?(?:en\s+(?:reiteradas|varias|numerosas|repetidas)\s+ocasiones|repetidas\s+veces)\b|\b(?:la\s+prioridad|con\s+prioridad|de\s+forma\s+prioritaria|con\s+carácter\s+(?:urgente|prioritario))\b|\b(?:hoja\s+de\s+reclamaciones|reclamación\s+formal|medidas\s+legales|mi\s+abogado|oficina\s+del\s+consumidor|consumo)\b|\binsisto\b`),
	cue("fr", UpsetFormal, 0.8, `\b(?:demeure|reste|restée?s?|toujours|resté)\s+sans\s+(?:réponse|suite|nouvelles)\b|\b(?:signalé|appelé|écrit|relancé|contacté|réclamé|demandé|téléphoné)\s+(?:\p{L}+\s+)?(?:à\s+plusieurs|à\s+maintes|à\s+de\s+nombreuses)\s+reprises\b|\b(?:à\s+plusieurs|à\s+maintes|à\s+de\s+nombreuses)\s+reprises\s+(?:je\s+vous\s+ai|j['’]ai\s+(?:signalé|appelé|écrit|relancé|contacté|réclamé))\b|\ben\s+priorité\b|\bdans\s+les\s+(?:plus\s+brefs|meilleurs)\s+délais\b|\bsans\s+(?:plus\s+)?(?:de\s+)?délai\b|\bj['’]insiste\b|\b(?:je\s+vous\s+)?relance\b|\b(?:mise\s+en\s+demeure|réclamation\s+formelle|mon\s+avocat|médiateur|action\s+en\s+justice|UFC-Que\s+Choisir)\b`),
	cue("pt", UpsetFormal, 0.8, `\b(?:sem\s+resposta|sem\s+retorno)\b|\breitero\s+(?:o|a|meu|minha)\b|\b(?:já\s+)?(?:enviei|escrevi|liguei|solicitei)\s+(?:\p{L}+\s+){0,2}(?:várias|diversas|inúmeras)\s+vezes\b|\b(?:com\s+prioridade|com\s+urgência|em\s+caráter\s+de\s+urgência)\b|\binsisto\b|\b(?:Procon|Reclame\s+Aqui|meu\s+advogado|ação\s+judicial|processo\s+judicial|órgãos\s+de\s+defesa)\b`),
	cue("it", UpsetFormal, 0.8, `\b(?:priva|privo|privi|prive|senza)\s+(?:di\s+|alcuna\s+)?risposta\b|\bsollecit(?:o|are|iamo)\b|\b(?:segnalato|chiamato|scritto|contattato|sollecitato|chiesto|reclamato|telefonato)\s+(?:\p{L}+\s+)?(?:più\s+volte|ripetutamente|in\s+diverse\s+occasioni|in\s+più\s+occasioni)\b|\b(?:più\s+volte|ripetutamente)\s+(?:segnalato|chiamato|scritto|contattato|sollecitato|chiesto|reclamato)\b|\b(?:con\s+priorità|con\s+urgenza|in\s+via\s+prioritaria|senza\s+ulteriore\s+ritardo)\b|\binsisto\b|\b(?:reclamo\s+formale|mio\s+avvocato|diffida|associazione\s+(?:dei\s+)?consumatori|Codacons)\b`),
	cue("nl", UpsetFormal, 0.8, `\bonbeantwoord\b|\bnog\s+(?:altijd|steeds)\s+geen\s+(?:reactie|antwoord)\b|\b(?:meerdere\s+keren|herhaaldelijk|diverse\s+malen|meermaals)\s+(?:\p{L}+\s+){0,2}(?:gebeld|gemaild|geschreven|gemeld|geklaagd|gevraagd|aangegeven|contact)\b|\b(?:gebeld|gemaild|geschreven|gemeld|geklaagd|gevraagd)\s+(?:\p{L}+\s+)?(?:meerdere\s+keren|herhaaldelijk|diverse\s+malen|meermaals)\b|\b(?:met\s+voorrang|met\s+spoed|zonder\s+verder\s+uitstel)\b|\bik\s+sta\s+erop\b|\b(?:ingebrekestelling|formele\s+klacht|mijn\s+advocaat|Geschillencommissie|Consumentenbond)\b`),
	cue("pl", UpsetFormal, 0.8, `\bbez\s+(?:odpowiedzi|odzewu|reakcji)\b|\bponownie\s+zwracam\s+się\b|\b(?:wielokrotnie|kilkakrotnie|po\s+raz\s+kolejny)\s+(?:\p{L}+\s+)?(?:zgłasza\p{L}*|pisa\p{L}*|dzwoni\p{L}*|prosi\p{L}*|kontaktowa\p{L}*|reklamowa\p{L}*|informowa\p{L}*|zwraca\p{L}*)\b|\b(?:zgłasza\p{L}*|pisa\p{L}*|dzwoni\p{L}*|prosi\p{L}*|kontaktowa\p{L}*|reklamowa\p{L}*|informowa\p{L}*)\s+(?:\p{L}+\s+)?(?:wielokrotnie|kilkakrotnie|po\s+raz\s+kolejny)\b|\bpriorytetow\p{L}*\b|\bnalegam\b|\b(?:rzecznik\p{L}*\s+praw|UOKiK|prawnik\p{L}*|drog\p{L}+\s+sądow\p{L}+|do\s+sądu)\b`),

	// A reminder of an earlier request ("may I remind you of my request",
	// "Les recuerdo que mi solicitud"), not of an appointment.
	cue("en", UpsetFormal, 0.75, `\bremind\s+you\b[^.!?\n]{0,40}\b(?:request|complaint|e-?mail|letter|message|claim|query)\b`),
	cue("de", UpsetFormal, 0.75, `\berinner\p{L}*\b[^.!?\n]{0,40}\b(?:Anfrage|Beschwerde|Reklamation|Nachricht|E-Mail|Mail|Schreiben|Brief|Antrag|Mahnung)\b`),
	cue("es", UpsetFormal, 0.75, `\brecuerdo\s+que\b[^.!?\n]{0,40}\b(?:solicitud|petición|reclamación|queja|correo|carta|consulta|incidencia)\b`),
	cue("fr", UpsetFormal, 0.75, `\brappel(?:er|le)\b[^.!?\n]{0,40}\b(?:demande|réclamation|courrier|mail|message|lettre|dossier)\b`),
	cue("pt", UpsetFormal, 0.75, `\blembr(?:o|ar|amos)\b[^.!?\n]{0,40}\b(?:pedido|solicitação|reclamação|e-mail|mensagem|protocolo|chamado)\b`),
	cue("it", UpsetFormal, 0.75, `\bricord(?:o|are|iamo)\b[^.!?\n]{0,40}\b(?:richiesta|reclamo|segnalazione|email|mail|lettera|pratica)\b`),
	cue("nl", UpsetFormal, 0.75, `\bherinner\p{L}*\b[^.!?\n]{0,40}\b(?:verzoek|klacht|vraag|mail|e-mail|brief|bericht|aanvraag)\b|\bin\s+herinnering\b[^.!?\n]{0,40}\b(?:verzoek|klacht|vraag|mail|brief|aanvraag)\b|\b(?:verzoek|klacht|vraag|mail|brief|aanvraag)\b[^.!?\n]{0,40}\bin\s+herinnering\b`),
	cue("pl", UpsetFormal, 0.75, `\bprzypom\p{L}*\b[^.!?\n]{0,40}\b(?:zapytani\p{L}*|reklamacj\p{L}*|zgłoszeni\p{L}*|wiadomoś\p{L}*|pism\p{L}*|wnios\p{L}*|mail\p{L}*)\b`),

	// Formal frustration: awaiting a reply, disappointment, despite
	// repeated requests.
	cue("en", UpsetFormal, 0.75, `\bI\s+(?:am|remain)\s+(?:still\s+)?awaiting\s+(?:a|your|any)\s+(?:response|reply)\b|\bI\s+have\s+(?:still\s+)?not\s+(?:yet\s+)?received\s+(?:a|any)\s+(?:reply|response)\b|\bI\s+(?:wish|would\s+like)\s+to\s+(?:register|lodge|make|file)\s+(?:a\s+)?(?:formal\s+)?complaint\b|\bI\s+am\s+(?:deeply|most|extremely|very|bitterly|thoroughly)\s+(?:disappointed|dissatisfied|unhappy)\b|\b(?:deeply|extremely|very|bitterly|really)\s+disappointed\b|\bto\s+no\s+avail\b|\bI\s+have\s+been\s+(?:more\s+than\s+|extremely\s+)?patient\b|\bmy\s+patience\s+(?:is|has)\b|\bit\s+is\s+now\s+(?:\S+\s+){0,3}(?:weeks|months)\s+since\b|\b(?:has|have)\s+(?:still\s+)?not\s+(?:yet\s+)?been\s+(?:resolved|addressed|answered|actioned|rectified)\b|\bplease\s+treat\s+this\s+as\s+(?:urgent|a\s+priority)\b|\bI\s+find\s+it\s+(?:unacceptable|regrettable|disappointing|hard\s+to\s+believe|astonishing)\b|\bfar\s+from\s+(?:acceptable|satisfactory)\b|\bI\s+expect\s+(?:a\s+(?:full\s+)?(?:response|reply|refund|resolution)|this\s+(?:matter\s+)?to\s+be)\b`),
	cue("de", UpsetFormal, 0.75, `\b(?:leider\s+)?(?:bis\s+dato|bislang|bisher|noch)\s+(?:keine|ohne)\s+(?:Antwort|Rückmeldung|Reaktion|Lösung)\b|\b(?:sehr|zutiefst|äußerst|maßlos|schwer)\s+enttäuscht\b|\bbin\s+enttäuscht\b|\bich\s+bitte\s+(?:Sie\s+)?(?:nunmehr|nun\s+(?:endlich|dringend)|dringend|ausdrücklich|letztmalig)\b|\b(?:sehe|sah)\s+mich\s+(?:gezwungen|genötigt)\b|\bmit\s+Nachdruck\b|\b(?:mit\s+Verwunderung|befremdlich|nicht\s+nachvollziehbar)\b|\btrotz\s+(?:mehrfacher|wiederholter|meiner|mehrerer|zahlreicher)\s+(?:\p{L}+\s+)?(?:Nachfrage\p{L}*|Anfrage\p{L}*|Erinnerung\p{L}*|Mails|E-Mails|Anrufe|Schreiben)\b|\bich\s+habe\s+(?:Ihnen\s+)?bereits\s+(?:am|mehrfach|mehrmals|zweimal|dreimal)\b|\b(?:setze|gebe)\s+(?:ich\s+)?Ihnen\s+(?:hiermit\s+)?eine\s+(?:letzte\s+)?Frist\b|\bmöchte\s+mich\s+(?:hiermit\s+)?(?:ausdrücklich\s+)?beschweren\b|\bBeschwerde\s+(?:ein|einlegen|einreichen)\b`),
	cue("es", UpsetFormal, 0.75, `\ba\s+la\s+espera\s+de\s+(?:una\s+)?respuesta\s+desde\b|\bno\s+he\s+(?:recibido|obtenido)\s+(?:ninguna\s+|respuesta|contestación)\b|\ba\s+la\s+mayor\s+brevedad\b|\b(?:muy\s+|profundamente\s+|totalmente\s+)?decepcionad[oa]\b|\bme\s+veo\s+obligad[oa]\b|\b(?:presentar|poner|interponer)\s+una\s+(?:queja|reclamación|denuncia)\b|\b(?:pese\s+a|a\s+pesar\s+de)\s+(?:mis|haber|las|varias|numerosas|reiteradas)\s+(?:\p{L}+\s+)?(?:reclamaciones|llamadas|correos|peticiones|solicitudes|reclamado|llamado|escrito)\b|\bhasta\s+la\s+fecha\s+(?:no|nadie|sin|nada)\b|\bsolicito\s+(?:una\s+)?(?:solución|respuesta)\s+(?:inmediata|urgente)\b`),
	cue("fr", UpsetFormal, 0.75, `\btoujours\s+dans\s+l['’]attente\b|\bje\s+suis\s+(?:toujours\s+)?sans\s+nouvelles\b|\bje\s+n['’]ai\s+(?:toujours\s+|jamais\s+)(?:pas\s+)?(?:reçu|eu)\b|\bmalgré\s+(?:mes|plusieurs|de\s+nombreuses|mes\s+nombreuses|plusieurs)\s+(?:\p{L}+\s+)?(?:relances|appels|mails|courriels|demandes|réclamations|courriers)\b|\b(?:très\s+|profondément\s+|extrêmement\s+)?déçue?s?\b|\bje\s+me\s+vois\s+(?:contraint|obligé)e?\b|\b(?:déposer|formuler|adresser)\s+une\s+réclamation\b|\bje\s+vous\s+saurais\s+gré\b[^.!?\n]{0,60}\b(?:enfin|rapidement|sans\s+délai|au\s+plus\s+vite|dans\s+les\s+meilleurs\s+délais)\b|\bà\s+ce\s+jour,?\s+(?:aucun|rien|je\s+n['’]ai|toujours)\b`),
	cue("pt", UpsetFormal, 0.75, `\b(?:aguardo|aguardando|espero)\s+(?:um\s+)?(?:retorno|resposta)\s+(?:há|desde)\b|\baté\s+o\s+momento\s+(?:nada|não|sem|nenhum\p{L}*)\b|\b(?:muito\s+|profundamente\s+|extremamente\s+)?(?:decepcionad[oa]|insatisfeit[oa])\b|\bvenho\s+(?:novamente|mais\s+uma\s+vez|por\s+meio\s+desta)\s+(?:\p{L}+\s+)?(?:reclamar|solicitar|cobrar|registrar)\b|\b(?:apesar\s+de|mesmo\s+após)\s+(?:diversas|várias|inúmeras|meus|minhas|vários|muitos)\s+(?:\p{L}+\s+)?(?:contatos|ligações|reclamações|e-mails|pedidos|solicitações|protocolos)\b|\bnenhum\s+(?:retorno|posicionamento|resposta)\b|\bsolicito\s+(?:providências|uma\s+solução)\s+(?:imediatas?|urgentes?)\b|\breclamação\s+formal\b`),
	cue("it", UpsetFormal, 0.75, `\b(?:ad|a)\s+oggi\s+(?:nessun\p{L}*|niente|nulla|non)\b|\b(?:molto\s+|profondamente\s+|estremamente\s+)?delus[oa]\b|\bmi\s+vedo\s+costrett[oa]\b|\bnonostante\s+(?:i\s+miei|le\s+mie|ripetut\p{L}+|numeros\p{L}+|divers\p{L}+|vari\p{L}*)\s+(?:\p{L}+\s+)?(?:solleciti|chiamate|segnalazioni|email|mail|reclami|richieste)\b|\bnessun\s+riscontro\b|\b(?:chiedo|attendo)\s+(?:cortesemente\s+)?(?:un\s+)?(?:riscontro|risposta)\s+(?:immediat\p{L}|urgent\p{L}|tempestiv\p{L})\b|\bsporgere\s+(?:un\s+)?reclamo\b`),
	cue("nl", UpsetFormal, 0.75, `\btot\s+op\s+heden\s+(?:geen|niets|niet)\b|\b(?:zeer\s+|erg\s+|diep\s+|bijzonder\s+)?teleurgesteld\b|\bgenoodzaakt\b|\bondanks\s+(?:mijn|meerdere|herhaalde|diverse|talloze)\s+(?:\p{L}+\s+)?(?:verzoeken|mails|e-mails|telefoontjes|herinneringen|klachten|berichten)\b|\bgeen\s+(?:enkele\s+)?(?:reactie|antwoord)\s+(?:ontvangen|gehad|gekregen)\b|\bik\s+verzoek\s+u\s+(?:dringend|nogmaals|met\s+klem)\b|\bmet\s+klem\b|\bklacht\s+(?:indienen|ingediend)\b|\bnogmaals\s+verzoek\b`),
	cue("pl", UpsetFormal, 0.75, `\bczekam\s+(?:nadal\s+|wciąż\s+)?na\s+odpowiedź\s+od\b|\b(?:do\s+dziś|do\s+tej\s+pory|dotychczas)\s+(?:nie|brak|nikt|nic)\b|\b(?:bardzo\s+|głęboko\s+)?(?:rozczarowan\p{L}*|zawiedzion\p{L}*)\b|\bzmuszon\p{L}*\s+(?:jestem|będę)\b|\bmimo\s+(?:wielu|kilku|moich|licznych|wielokrotnych|kilkukrotnych)\s+(?:\p{L}+\s+)?(?:zgłoszeń|telefonów|maili|próśb|reklamacji|wiadomości|monitów)\b|\bbrak\s+(?:jakiejkolwiek\s+)?(?:odpowiedzi|reakcji)\b|\bproszę\s+o\s+(?:pilne|natychmiastowe|niezwłoczne)\b|\bniezwłoczn\p{L}*\b|\bponownie\s+(?:piszę|zwracam\s+się|proszę)\b`),

	// Formal frustration: writing again, promises not kept, regret.
	cue("en", UpsetFormal, 0.75, `\bI\s+(?:would|should)\s+(?:appreciate|be\s+grateful\s+for)\s+(?:a|an)\s+(?:prompt|swift|urgent|immediate|timely|full)\s+(?:response|reply|resolution|explanation|refund)\b|\bI\s+look\s+forward\s+to\s+(?:a|your)\s+(?:prompt|swift|immediate|urgent|timely)\s+(?:response|reply|resolution)\b|\b(?:an\s+explanation\s+(?:as\s+to|of)|kindly\s+explain|please\s+explain)\s+why\b|\bit\s+has\s+(?:now\s+)?been\s+(?:\S+\s+){0,2}(?:weeks|months)\s+since\b|\b(?:as\s+of|to)\s+(?:today|date),?\s+I\s+have\s+(?:still\s+)?(?:not|received\s+no|had\s+no)\b|\bI\s+was\s+(?:assured|promised|told)\b[^.!?\n]{0,80}\b(?:however|yet|still|nothing|no\s+one|nobody|never)\b|\bI\s+(?:must|wish\s+to|have\s+to)\s+(?:express|register|voice)\s+my\s+(?:dissatisfaction|disappointment|frustration|concern)\b|\b(?:disappointed|I\s+regret)\s+to\s+(?:note|say|see|learn|find)\b|\bwith\s+(?:all\s+)?due\s+respect\b|\bthis\s+is\s+(?:now\s+)?my\s+(?:second|third|fourth|fifth|final)\s+(?:email|e-mail|letter|message|request|attempt|complaint|reminder)\b|\bI\s+am\s+writing\s+(?:to\s+you\s+)?(?:again|once\s+more|yet\s+again|for\s+the\s+\w+\s+time)\b|\b(?:previous|earlier|prior)\s+correspondence\b|\bnot\s+(?:the\s+)?first\s+time\b|\bfailed\s+to\s+(?:respond|reply|call|deliver|resolve|honour|honor|turn\s+up|show\s+up)\b|\bregrettably\b|\b(?:this|the)\s+(?:matter|issue|complaint)\s+(?:remains|is\s+still)\s+(?:open|unresolved|outstanding)\b`),
	cue("de", UpsetFormal, 0.75, `\b(?:schreibe|wende\s+mich\s+an)\s+(?:Ihnen|Sie|euch)\s+(?:nun\s+)?(?:bereits\s+)?(?:zum\s+\p{L}+\s+Mal|erneut|nochmals|abermals)\b|\bwende\s+mich\s+(?:erneut|nochmals|wiederholt|abermals)\b|\bbitte\s+(?:Sie\s+)?(?:um\s+)?(?:umgehende|unverzügliche|sofortige)\s+(?:Klärung|Antwort|Rückmeldung|Lösung|Bearbeitung|Erstattung)\b|\bseit\s+(?:nunmehr|mittlerweile|inzwischen)\b|\b(?:Ihre|eine)\s+Antwort\s+steht\s+(?:noch\s+|weiterhin\s+|bis\s+heute\s+)?aus\b|\bmir\s+(?:\p{L}+\s+){0,3}(?:zugesagt|versprochen|zugesichert)\b[^.!?\n]{0,60}\b(?:jedoch|aber|bisher|passiert|nichts)\b|\btrotz\s+(?:Ihrer\s+)?Zusage\b|\b(?:zu\s+meinem\s+Bedauern|bedauerlicherweise)\b|\bnicht\s+(?:zum\s+)?ersten\s+Mal\b|\bich\s+sehe\s+(?:einer|Ihrer)\s+(?:umgehenden|baldigen|schnellen)\s+\p{L}+\s+entgegen\b`),
	cue("es", UpsetFormal, 0.75, `\b(?:les|os|le)\s+escribo\s+(?:de\s+nuevo|nuevamente|otra\s+vez|por\s+\p{L}+\s+vez)\b|\bme\s+dirijo\s+(?:de\s+nuevo|nuevamente|otra\s+vez)\b|\bquedo\s+a\s+la\s+espera\s+de\s+una\s+(?:respuesta|solución)\s+(?:inmediata|urgente|definitiva)\b|\ba\s+día\s+de\s+hoy,?\s+(?:no|sigo|nadie|sin|nada|todavía|aún)\b|\bse\s+me\s+(?:aseguró|prometió|dijo|indicó)\b[^.!?\n]{0,60}\b(?:pero|sin\s+embargo|todavía|aún|nada|nadie)\b|\blamento\s+tener\s+que\b|\bcon\s+el\s+debido\s+respeto\b|\b(?:les|os)\s+agradecería\s+(?:una\s+)?(?:respuesta|solución)\s+(?:inmediata|urgente|a\s+la\s+mayor\s+brevedad)\b|\b(?:mi|esta\s+es\s+mi)\s+(?:segunda|tercera|cuarta|quinta)\s+(?:reclamación|queja|solicitud|correo|carta)\b|\bno\s+es\s+la\s+primera\s+vez\b`),
	cue("fr", UpsetFormal, 0.75, `\bje\s+vous\s+(?:écris|contacte|sollicite)\s+(?:à\s+nouveau|de\s+nouveau|une\s+nouvelle\s+fois|encore|pour\s+la\s+\p{L}+\s+fois)\b|\bje\s+reviens\s+(?:vers\s+vous\s+)?(?:une\s+nouvelle\s+fois|à\s+nouveau|encore)\b|\bon\s+m['’](?:a|avait)\s+(?:assuré|promis|dit|garanti)\b[^.!?\n]{0,60}\b(?:mais|pourtant|toujours|or|rien|personne)\b|\bje\s+(?:regrette|déplore)\s+(?:de\s+constater|que)\b|\bje\s+constate\s+(?:avec\s+regret|que\s+rien|qu['’]aucun|que\s+personne)\b|\bce\s+n['’]est\s+pas\s+la\s+première\s+fois\b|\bje\s+vous\s+prie\s+de\s+bien\s+vouloir\b[^.!?\n]{0,40}\b(?:enfin|rapidement|au\s+plus\s+vite|sans\s+délai|dans\s+les\s+plus\s+brefs)\b|\b(?:ma|c['’]est\s+ma)\s+(?:deuxième|troisième|quatrième|cinquième)\s+(?:relance|réclamation|demande|lettre|réclamation)\b`),
	cue("pt", UpsetFormal, 0.75, `\b(?:escrevo|entro\s+em\s+contato|venho)\s+(?:novamente|mais\s+uma\s+vez|pela\s+\p{L}+\s+vez)\b|\baté\s+hoje,?\s+(?:não|nada|nenhum\p{L}*|sem|ninguém)\b|\bme\s+(?:garantiram|prometeram|disseram|informaram)\b[^.!?\n]{0,60}\b(?:mas|porém|até\s+agora|ainda|nada|ninguém)\b|\blamento\s+(?:ter\s+que|informar)\b|\bnão\s+é\s+a\s+primeira\s+vez\b|\b(?:minha|esta\s+é\s+a\s+minha)\s+(?:segunda|terceira|quarta|quinta)\s+(?:reclamação|solicitação|mensagem|tentativa)\b|\b(?:\d+|dois|três|quatro|vários|diversos)\s+protocolos\b|\baguardo\s+(?:uma\s+)?(?:resposta|solução|retorno)\s+(?:urgente|imediat\p{L}*|definitiv\p{L}*)\b`),
	cue("it", UpsetFormal, 0.75, `\b(?:vi|Le)\s+scrivo\s+(?:nuovamente|di\s+nuovo|ancora\s+una\s+volta|per\s+la\s+\p{L}+\s+volta)\b|\bmi\s+(?:è\s+stato|era\s+stato|avevano|avete)\s+(?:assicurato|promesso|detto|garantito)\b[^.!?\n]{0,60}\b(?:ma|tuttavia|invece|ancora|niente|nessuno)\b|\bmi\s+(?:rammarica|dispiace\s+constatare)\b|\bnon\s+è\s+la\s+prima\s+volta\b|\b(?:secondo|terzo|quarto|ennesimo)\s+sollecito\b|\bresto\s+in\s+attesa\s+di\s+(?:un\s+)?(?:riscontro|risposta)\s+(?:urgente|immediat\p{L}*|definitiv\p{L}*)\b|\ba\s+distanza\s+di\s+(?:\d+|due|tre|quattro|diverse|molte)\s+(?:settimane|mesi)\b`),
	cue("nl", UpsetFormal, 0.75, `\bik\s+(?:schrijf|mail|benader)\s+(?:u|jullie)\s+(?:opnieuw|nogmaals|wederom|voor\s+de\s+\p{L}+\s+keer)\b|\bnogmaals\s+(?:verzoek|vraag|wijs|schrijf|meld|mail)\b|\b(?:mij|me)\s+(?:is|werd|was)\s+(?:\p{L}+\s+)?(?:toegezegd|beloofd|verzekerd)\b[^.!?\n]{0,60}\b(?:maar|echter|nog\s+steeds|niets|niemand)\b|\btot\s+mijn\s+(?:spijt|verbazing|ergernis|grote\s+\p{L}+)\b|\bniet\s+(?:de|voor\s+het)\s+eerste\s+(?:keer|maal)\b|\bhelaas\s+(?:nog\s+steeds|nog\s+altijd|wederom|opnieuw)\b|\bper\s+omgaande\b`),
	cue("pl", UpsetFormal, 0.75, `\bpiszę\s+(?:ponownie|po\s+raz\s+\p{L}+|kolejny\s+raz)\b|\b(?:zapewniono|obiecano|poinformowano)\s+mnie\b[^.!?\n]{0,60}\b(?:jednak|ale|nadal|wciąż|nic|nikt)\b|\bz\s+przykrością\s+(?:stwierdzam|informuję|muszę)\b|\bto\s+nie\s+(?:jest\s+)?pierwszy\s+raz\b|\boczekuję\s+(?:pilnej|natychmiastowej|niezwłocznej|szybkiej)?\s*(?:odpowiedzi|reakcji|rozwiązania|zwrotu|kontaktu)\b|\b(?:wciąż|nadal|ciągle)\s+czekam\b`),

	// Anger: words of anger or insult.
	cue("en", UpsetAnger, 0.85, `\b(?:furious|livid|fuming|outraged|disgusted|disgusting|disgraceful|a\s+disgrace|appalling|appalled|atrocious|pathetic|ridiculous|outrageous|scandalous|shambles|(?:a|total|complete|absolute|utter|such\s+a|bad|sick)\s+joke|kidding\s+me|having\s+a\s+laugh|taking\s+the\s+piss|a\s+farce|a\s+scam|scammers|rip-?off|useless|incompetent|infuriating|infuriated|fed\s+up|sick\s+(?:and\s+tired|of)|(?:so|really|very|extremely)\s+(?:angry|annoyed|frustrated|upset|cross)|I'?m\s+(?:angry|upset|frustrated|annoyed|disappointed)|pissed\s+off|joke\s+of\s+a|wtf|shocking)\b|\b(?:worst|terrible|awful|horrendous|horrible|dreadful|abysmal|diabolical)\s+(?:customer\s+)?(?:service|company|experience|support)\b`),
	cue("de", UpsetAnger, 0.85, `\b(?:wütend|stinksauer|sauer|verärgert|empört|entsetzt|fassungslos|unverschämt|Unverschämtheit|Frechheit|Zumutung|Skandal|skandalös|lächerlich|katastrophal|miserabel|Sauerei|Abzocke|Betrug|Betrüger|unfähig|inkompetent|Armutszeugnis|ärgerlich|aufregen|peinlich|Scheiße|Scheiss|beschissen|unter\s+aller\s+Sau|Faxen\s+dicke|Schnauze\s+voll|Allerletzte|unterirdisch|Trauerspiel)\b|\b(?:die\s+Nase\s+(?:gestrichen\s+)?voll|es\s+reicht|mir\s+reicht'?s)\b|\b(?:ist|wie|das)\s+(?:doch\s+|ja\s+|echt\s+)?(?:ein|der\s+reinste)\s+Witz\b|\bschlechteste\p{L}*\s+(?:Service|Kundenservice|Kundendienst|Firma|Anbieter)\b`),
	cue("es", UpsetAnger, 0.85, `\b(?:furios[oa]|indignad[oa]|hart[oa]|cabread[oa]|enfadad[oa]|enojad[oa]|indignante|intolerable|vergonzoso|una\s+vergüenza|qué\s+vergüenza|lamentable|una\s+estafa|estafadores|ladrones|una\s+broma|un\s+chiste|tomadura\s+de\s+pelo|pésim[oa]|asqueros[oa]|nefast[oa]|inútiles|incompetentes|una\s+mierda|un\s+desastre|desastros[oa]|el\s+colmo|de\s+risa|una\s+vergüenza)\b|\bel\s+peor\s+(?:servicio|servicio\s+al\s+cliente|trato|banco|operador|empresa)\b`),
	cue("fr", UpsetAnger, 0.85, `\b(?:furieu(?:x|se)|écœuré(?:e|s)?|excédé(?:e|s)?|scandalisé(?:e|s)?|indigné(?:e|s)?|en\s+colère|scandale|scandaleu(?:x|se)|honteu(?:x|se)|une\s+honte|lamentable|une\s+blague|foutage\s+de\s+gueule|pathétique|minable|incapables|guignols|clowns|bande\s+d['’]incompétents|des\s+nuls|arnaque|escrocs?|voleurs|déplorable|catastrophique|j['’]en\s+ai\s+marre|ras[\s-]le[\s-]bol|insupportable|incompétents?|n['’]importe\s+quoi|c['’]est\s+nul|service\s+nul)\b|\ble\s+pire\s+(?:service|opérateur|SAV)\b`),
	cue("pt", UpsetAnger, 0.85, `\b(?:furios[oa]|indignad[oa]|revoltad[oa]|irritad[oa]|put[oa]\s+da\s+vida|um\s+absurdo|que\s+absurdo|absurdo|uma\s+vergonha|vergonhoso|ridículo|palhaçada|descaso|desrespeito|um\s+lixo|péssim[oa]|incompetentes|incompetência|ladrões|enganação|cansad[oa]\s+de|fart[oa]\s+de|lamentável|porcaria)\b|\bpior\s+(?:serviço|atendimento|empresa|operadora)\b`),
	cue("it", UpsetAnger, 0.85, `\b(?:indignat[oa]|furios[oa]|arrabbiat[oa]|incazzat[oa]|infuriat[oa]|una\s+vergogna|vergognos[oa]|vergognatevi|scandalos[oa]|uno\s+scandalo|ridicol[oa]|assurdo|pessim[oa]|schifo|uno\s+schifo|fa\s+schifo|incompetenti|ladri|truffa|truffatori|inaudito|stuf[oa]|presa\s+in\s+giro|una\s+barzelletta|indecente|disgustoso|ora\s+basta|adesso\s+basta)\b|\bil\s+peggior\s+(?:servizio|gestore|operatore)\b`),
	cue("nl", UpsetAnger, 0.85, `\b(?:woedend|boos|kwaad|razend|laaiend|geïrriteerd|schandalig|een\s+schande|belachelijk|bespottelijk|een\s+grap|een\s+aanfluiting|waardeloos|waardeloze|hopeloos|puinhoop|zooitje|prutswerk|klote\p{L}*|oplichters|oplichterij|incompetent|onbeschoft|spuugzat|ik\s+ben\s+het\s+(?:zat|beu)|meer\s+dan\s+zat|te\s+gek\s+voor\s+woorden|schandaal)\b|\bslechtste\s+(?:service|klantenservice|bedrijf|provider)\b`),
	cue("pl", UpsetAnger, 0.85, `\b(?:wściekł\p{L}*|oburzon\p{L}*|zdenerwowan\p{L}*|skandal|skandaliczn\p{L}*|żenując\p{L}*|żenada|wstyd|hańba|porażka|kpina|farsa|oszuści|oszustwo|złodzieje|beznadziejn\p{L}*|niekompetentn\p{L}*|nieudolni|nieudacznicy|partacze|partactwo|mam\s+(?:tego\s+)?dość|bezczelność|chamstwo|masakra)\b|\bnajgorsz\p{L}*\s+(?:obsług\p{L}*|firm\p{L}*|serwis\p{L}*|operator\p{L}*)\b`),

	// Anger: more words, swearing.
	cue("en", UpsetAnger, 0.8, `\b(?:beyond\s+a\s+joke|absolute\s+joke|rubbish|garbage|hopeless|clowns|cowboys|liars|shameful|shame\s+on\s+you|insulting|disrespectful|nightmare|bloody|fucking|fuck|shit|shite|crap|sucks|I\s+hate|fed\s+up|so\s+frustrating|really\s+frustrating|incredibly\s+frustrating|extremely\s+frustrating|utterly|unbelievable\s+(?:service|incompetence)|what\s+a\s+(?:joke|shambles|farce|mess)|piss\s+poor|daylight\s+robbery)\b`),
	cue("de", UpsetAnger, 0.8, `\b(?:ärgere\s+mich|geärgert|genervt|nervt|verarsch\p{L}*|Verarsche|Saftladen|Drecksladen|Katastrophe|Desaster|Unding|Schande|furchtbar|schrecklich|grauenhaft|mies|Mist|verdammt\p{L}*|Sauladen|Kundenverarsche|Witzfirma|stinkt\s+mir|Frust|frustrierend|zum\s+Kotzen|kotzt\s+mich\s+an|enttäuschend)\b`),
	cue("es", UpsetAnger, 0.8, `\b(?:me\s+parece\s+(?:fatal|increíble|vergonzoso|indignante|de\s+risa)|un\s+asco|qué\s+asco|ridículo|absurdo|estoy\s+hart[oa]|no\s+hay\s+derecho|tomando\s+el\s+pelo|tomadura|mentirosos|cutre|chapuza|chapuceros|horrible|penoso|patético|joder|coño|me\s+cago|desesperante|frustrante|indignación|rabia)\b`),
	cue("fr", UpsetAnger, 0.8, `\b(?:pitoyable|vous\s+vous\s+moquez|se\s+moque(?:r|nt)?\s+de\s+(?:nous|moi|ses\s+clients)|foutez|bordel|merde|putain|désastreux|consternant|affligeant|indigne|hors\s+de\s+moi|furax|dégoûté\p{L}*|énervé\p{L}*|agacé\p{L}*|outré\p{L}*|mépris|irrespectueu\p{L}*|menteurs|la\s+honte|c['’]est\s+une\s+honte|inadmissible|exaspéré\p{L}*|exaspérant|frustrant|révoltant|honteux)\b`),
	cue("pt", UpsetAnger, 0.8, `\b(?:horrível|terrível|que\s+raiva|raiva|revoltante|indignante|me\s+fazendo\s+de\s+(?:bobo|idiota|palhaço)|falta\s+de\s+respeito|brincadeira|piada|nojo|lixo|merda|caralho|pqp|frustrante|frustrad[oa]|chatead[oa]|inacreditável|pouca\s+vergonha|sacanagem|absurda|bagunça|enrolação|enrolando)\b`),
	cue("it", UpsetAnger, 0.8, `\b(?:pazzesco|allucinante|inconcepibile|che\s+rabbia|rabbia|esasperat\p{L}*|prendete\s+in\s+giro|ci\s+prendete|mi\s+prendete|cazzo|merda|cialtroni|buffoni|pagliacci|orribile|terribile|penoso|imbarazzante|vergogna|frustrante|inqualificabil\p{L}*|indegno|indecoroso|scandaloso|sono\s+nervos[oa]|senza\s+vergogna)\b`),
	cue("nl", UpsetAnger, 0.8, `\b(?:teleurstellend|bedroevend|diep\s+triest|triest|absurd|idioot|lachertje|prutsers|amateurs|knoeiers|bagger|kut|godverdomme|verschrikkelijk|vreselijk|ergerlijk|ik\s+erger\s+me|balen|pislink|frustrerend|gefrustreerd|schandaal|onbeschoft|respectloos|bizar)\b`),
	cue("pl", UpsetAnger, 0.8, `\b(?:wkurz\p{L}*|wkurw\p{L}*|denerwuj\p{L}*|irytując\p{L}*|irytuje|absurd\p{L}*|paranoja|dno|(?:to|istny|prawdziwy|co\s+za)\s+(?:dramat|tragedia)|jakiś\s+żart|to\s+żart|cyrk|parodia|śmiech\s+na\s+sali|żałosn\p{L}*|okropn\p{L}*|fataln\p{L}*|kurwa|cholera|szlag|frustrując\p{L}*|sfrustrowan\p{L}*|bezczeln\p{L}*|lekceważ\p{L}*|kpiny|kpicie|oszukuj\p{L}*)\b`),

	// Sarcasm: set phrases ("just what I needed", "na toll").
	cue("en", UpsetSarcasm, 0.75, `\b(?:just|exactly)\s+what\s+I\s+(?:needed|wanted)\b|\bwhat\s+a\s+(?:surprise|shock)\b|\bsurprise,?\s+surprise\b|\bno\s+surprise\s+there\b|\bwho\s+(?:would|could)\s+have\s+(?:guessed|thought)\b|\bcolou?r\s+me\s+(?:surprised|shocked)\b|\bshocker\b|\byeah,?\s+right\b|\bcheers\s+for\s+that\b|\bthanks\s+(?:a\s+lot|a\s+bunch|so\s+much)\s+for\s+(?:the|your)\s+(?:help|"help"|support)\b|\blove\s+(?:how|that)\s+(?:you|your|I\s+have\s+to)\b|\boh\s+(?:joy|goody)\b`),
	cue("de", UpsetSarcasm, 0.75, `\bna\s+(?:toll|super|prima|klasse|bravo|herzlichen\s+Glückwunsch)\b|\bganz\s+(?:toll|großes\s+Kino|großartig)\b|\bwie\s+schön\b|\bwer\s+hätte\s+das\s+gedacht\b|\bwas\s+für\s+eine\s+Überraschung\b|\bÜberraschung\b|\bgenau\s+das,?\s+was\s+ich\s+(?:brauche|gebraucht\s+habe)\b|\bHut\s+ab\b|\bgroßes\s+Kino\b|\bDanke\s+(?:auch\s+)?für\s+gar\s+nichts\b|\bläuft\s+ja\s+super\b`),
	cue("es", UpsetSarcasm, 0.75, `\bqué\s+(?:maravilla|sorpresa|casualidad|detalle|eficiencia|rapidez)\b|\bquién\s+lo\s+(?:diría|hubiera\s+dicho)\b|\bjusto\s+lo\s+que\s+(?:necesitaba|quería)\b|\bme\s+encanta\s+(?:cómo|que\s+(?:me|nos|os|tengan|tenga))\b|\bolé\b|\bde\s+diez\b|\bchapó\b`),
	cue("fr", UpsetSarcasm, 0.75, `\bquelle\s+(?:surprise|chance|efficacité|rapidité|réactivité)\b|\bqui\s+l['’](?:eût|aurait)\s+cru\b|\bexactement\s+ce\s+dont\s+j['’]avais\s+besoin\b|\bchapeau\b|\bmerci\s+(?:beaucoup|bien)\s+pour\s+(?:rien|votre\s+«?\s*aide)\b|\bvraiment\s+au\s+top\b|\bquel\s+professionnalisme\b`),
	cue("pt", UpsetSarcasm, 0.75, `\bque\s+(?:beleza|surpresa|eficiência|rapidez)\b|\bquem\s+diria\b|\bexatamente\s+o\s+que\s+eu\s+precisava\b|\bnota\s+(?:10|dez|mil)\b|\bparabéns\s+(?:pelo|pela|aos|à|ao)\b|\bmuito\s+obrigad[oa]\s+pela\s+(?:atenção|ajuda)\s+(?:de\s+)?(?:sempre|nenhuma)\b|\bque\s+serviço\b`),
	cue("it", UpsetSarcasm, 0.75, `\bche\s+(?:bello|bellezza|sorpresa|efficienza|rapidità|fortuna)\b|\bchi\s+l['’]avrebbe\s+mai\s+detto\b|\bproprio\s+quello\s+che\s+(?:mi\s+serviva|volevo)\b|\bcomplimenti\s+(?:vivissimi|davvero|per\s+(?:l['’]efficienza|la\s+(?:serietà|puntualità|professionalità)|il\s+servizio))\b|\bevviva\b|\bgrazie\s+tante\b`),
	cue("nl", UpsetSarcasm, 0.75, `\bgoed\s+bezig\b|\bwat\s+een\s+verrassing\b|\bwie\s+had\s+dat\s+(?:nou\s+)?gedacht\b|\bprecies\s+wat\s+ik\s+nodig\s+had\b|\bknap\s+hoor\b|\bfijn\s+hoor\b|\bchapeau\b|\bhulde\b|\bbedankt\s+hoor\b|\bwat\s+een\s+(?:service|klantvriendelijkheid)\s*!`),
	cue("pl", UpsetSarcasm, 0.75, `\bno\s+(?:pięknie|super|świetnie|brawo|gratulacje)\b|\bkto\s+by\s+pomyślał\b|\bco\s+za\s+(?:niespodzianka|obsługa|profesjonalizm)\b|\bdokładnie\s+tego\s+(?:potrzebowałem|potrzebowałam)\b|\bbrawo\s+(?:wy|dla\s+was)\b|\bgratulacje\s+dla\b|\bbrawo,?\s+brawo\b`),

	// Sarcasm that says so on its own.
	cue("en", UpsetSarcasm, 0.8, `\bthanks\s+for\s+nothing\b|\bthanks\s+a\s+(?:lot|bunch)\s+for\s+nothing\b|\b(?:great|brilliant|fantastic|wonderful|perfect|lovely|awesome|just\s+great),?\s+(?:yet\s+)?another\b|\b(?:can'?t|cannot)\s+wait\s+to\s+see\b|\bkeep\s+up\s+the\s+(?:good|great)\s+work\b|\bwell\s+done\s+(?:guys|again|everyone)\b`),
	cue("de", UpsetSarcasm, 0.8, `\bdanke\s+für\s+nichts\b|\b(?:bin|ich\s+bin)\s+(?:ja\s+)?gespannt,?\s+(?:wie|was|ob|wann)\b|\b(?:toll|super|klasse|prima|spitze),?\s+(?:schon\s+wieder|noch\s+ein|noch\s+eine|wieder\s+ein)\b|\bvielen\s+Dank\s+auch\b|\bweiter\s+so\b`),
	cue("es", UpsetSarcasm, 0.8, `\bgracias\s+por\s+nada\b|\bqué\s+ganas\s+de\s+ver\b|\b(?:genial|estupendo|perfecto|fantástico|maravilloso),?\s+otr[oa]\s+(?:vez|\p{L}+)\b|\bmenudo\s+servicio\b|\bsigan\s+así\b`),
	cue("fr", UpsetSarcasm, 0.8, `\bmerci\s+pour\s+rien\b|\bj['’]ai\s+hâte\s+de\s+voir\b|\b(?:génial|super|parfait|formidable|bravo),?\s+encore\s+(?:un|une)\b|\bmerci\s+du\s+cadeau\b|\bcontinuez\s+comme\s+ça\b`),
	cue("pt", UpsetSarcasm, 0.8, `\bobrigad[oa]\s+por\s+nada\b|\bmal\s+posso\s+esperar\b|\b(?:ótimo|maravilha|perfeito|show),?\s+mais\s+(?:um|uma)\b|\bcontinuem\s+assim\b`),
	cue("it", UpsetSarcasm, 0.8, `\bgrazie\s+per\s+(?:niente|nulla)\b|\bsi\s+vede\s+che\s+ci\s+tenete\b|\bnon\s+vedo\s+l['’]ora\s+di\s+vedere\b|\b(?:ottimo|perfetto|fantastico|bravi|complimenti),?\s+(?:un\s+altr[oa]|ancora\s+un)\b|\bcontinuate\s+così\b`),
	cue("nl", UpsetSarcasm, 0.8, `\bbedankt\s+voor\s+(?:niks|niets)\b|\blekker\s+bezig\b|\b(?:top|super|geweldig|fantastisch|prima),?\s+(?:alweer|weer\s+een)\b|\bga\s+zo\s+door\b`),
	cue("pl", UpsetSarcasm, 0.8, `\b(?:dzięki|dziękuję)\s+za\s+nic\b|\bwidać,?\s+że\s+(?:\p{L}+\s+)?(?:się\s+)?staracie\b|\b(?:super|świetnie|wspaniale|brawo|gratuluję),?\s+(?:kolejn\p{L}+|znowu)\b|\btak\s+trzymać\b`),

	// "So-called" support.
	cue("", UpsetSarcasm, 0.8, `\b(?:so[\s-]called|sogenannte[nrm]?|so\s+genannte[nrm]?|soi-disant|sedicent\p{L}+|cosiddett[oa]|zogenaamde|zogenaamd|tak\s+zwan\p{L}+|rzekom\p{L}+)\s+(?:\p{L}+\s+)?(?:support|service|help|customer|express|Kundenservice|Hilfe|Express\p{L}*|servizio|assistenza|supporto|klantenservice|hulp|obsług\p{L}*|pomoc\p{L}*|serwis\p{L}*|ekspres\p{L}*|SAV|aide|conseiller|atención|soporte|ayuda|atendimento|suporte|ajuda)\b|\b(?:supuest[oa]|el\s+llamado|la\s+llamada|o\s+tal\s+d[oa]|a\s+tal\s+d[oa]|supost[oa])\s+(?:servicio|atención|soporte|ayuda|envío|express|exprés|urgente|atendimento|suporte|ajuda|entrega|expressa)\b`),

	// Quotation marks around what was promised ("express", "fixed").
	cue("", UpsetSarcasm, 0.8, `["“”„«‚‘'']\s*(?:express|expressversand|express-?lieferung|urgente|expressa|expresso|espresso|next[\s-]day|fixed|solved|resolved|help|helpful|support|customer\s+service|service|guaranteed|repaired|behoben|gelöst|repariert|Hilfe|Service|Kundenservice|arreglado|solucionado|ayuda|atención\s+al\s+cliente|réparé|résolu|aide|conseiller|resolvido|consertado|ajuda|atendimento|risolto|riparato|aiuto|assistenza|opgelost|gerepareerd|hulp|klantenservice|naprawione|rozwiązane|pomoc|ekspres\p{L}*|ekspresowa|we\s+bellen\s+u\s+terug|we'll\s+call\s+you\s+back|wir\s+melden\s+uns|quick|fast|rapid|speedy|same[\s-]day|24h|24\s+hours|premium|priority|customer\s+care|support\s+team|technician|engineer|solution|refund|schnell\p{L}*|sofort|Hotline|Techniker|Lösung|rápid[oa]|atención|soporte|técnico|solución|24\s+horas|prioritari[oa]|rapide|service\s+client|technicien|prioritaire|suporte|solução|prioritári[oa]|veloce|rapid[oa]|tecnico|soluzione|24\s+ore|servizio\s+clienti|snel\p{L}*|oplossing|monteur|binnen\s+24\s+uur|klantvriendelijk\p{L}*|szybk\p{L}*|obsługa|serwis|rozwiązanie|priorytet\p{L}*|24\s+godziny)\s*["“”„»’‘'']`),

	// An emoji that rolls its eyes.
	cue("", UpsetSarcasm, 0.7, "["+eyeRolls+"]"),
}

// praiseRules open a sentence with praise; with a failure in the same text
// ("Super, nine days and still nothing") they are sarcasm.
var praiseRules = []upsetRule{
	cue("en", UpsetSarcasm, 0.75, `(?:^|[.!?\n]\s*)(?:oh\s+|ah\s+|wow,?\s+|just\s+|how\s+|really\s+|well,?\s+)?(?:great|brilliant|fantastic|wonderful|perfect|lovely|nice|awesome|amazing|superb|marvellous|marvelous|excellent|splendid|fabulous|nice\s+one|well\s+done|good\s+job|great\s+job|bravo|what\s+(?:a|great)\s+(?:service|support))\s*(?:[,!.:…]|\s[—–-])`),
	cue("de", UpsetSarcasm, 0.75, `(?:^|[.!?\n]\s*)(?:oh\s+|na\s+|ach\s+|wirklich\s+|echt\s+|ganz\s+)?(?:super|toll|klasse|prima|spitze|großartig|grossartig|wunderbar|herrlich|fantastisch|perfekt|bravo|na\s+toll|na\s+super|danke\s+auch|toller\s+Service|was\s+für\s+ein\s+Service)\s*(?:[,!.:…]|\s[—–-])`),
	cue("es", UpsetSarcasm, 0.75, `(?:^|[.!?\n¡]\s*)(?:oh\s+|ay\s+|vaya,?\s+)?(?:muy\s+bien|genial|estupendo|perfecto|fantástico|maravilloso|de\s+maravilla|qué\s+bien|bravo|qué\s+servicio|enhorabuena)\s*(?:[,!.:…]|\s[—–-])`),
	cue("fr", UpsetSarcasm, 0.75, `(?:^|[.!?\n]\s*)(?:oh\s+|ah\s+|ben\s+)?(?:bravo|génial|super|parfait|formidable|magnifique|merveilleux|félicitations|quel\s+service|merci\s+beaucoup)\s*(?:[,!.:…]|\s[—–-])`),
	cue("pt", UpsetSarcasm, 0.75, `(?:^|[.!?\n]\s*)(?:oh\s+|ah\s+|nossa,?\s+)?(?:que\s+maravilha|maravilha|ótimo|perfeito|parabéns|excelente|show|que\s+beleza|que\s+serviço)\s*(?:[,!.:…]|\s[—–-])`),
	cue("it", UpsetSarcasm, 0.75, `(?:^|[.!?\n]\s*)(?:oh\s+|ah\s+)?(?:ottimo|perfetto|fantastico|complimenti|bravi|meraviglioso|benissimo|splendido|che\s+servizio)\s*(?:[,!.:…]|\s[—–-])`),
	cue("nl", UpsetSarcasm, 0.75, `(?:^|[.!?\n]\s*)(?:oh\s+|nou,?\s+)?(?:top|super|geweldig|fantastisch|prima|lekker|knap|wat\s+een\s+(?:service|klantenservice))\s*(?:[,!.:…]|\s[—–-])|\bwat\s+een\s+(?:service|klantenservice|topservice)\s+(?:weer|hoor)\b`),
	cue("pl", UpsetSarcasm, 0.75, `(?:^|[.!?\n]\s*)(?:och\s+|no\s+)?(?:wspaniale|świetnie|super|brawo|gratuluję|rewelacja|cudownie|doskonale|pięknie)\s*(?:[,!.:…]|\s[—–-])`),
	// Praise of the service anywhere in the text.
	cue("en", UpsetSarcasm, 0.7, `\b(?:great|amazing|fantastic|brilliant|excellent|outstanding|stellar|top|superb|wonderful|fabulous|impressive|first[\s-]class|world[\s-]class)\s+(?:customer\s+)?(?:service|support|job|work)\b|\b(?:so|really|very|super|ever\s+so)\s+helpful\b|\bfive\s+stars\b|\b10/10\b`),
	cue("de", UpsetSarcasm, 0.7, `\b(?:toller|super|klasse|großartiger|hervorragender|erstklassiger|spitzen|top|vorbildlicher)\s*-?(?:Service|Kundenservice|Kundendienst|Support|Job|Arbeit|Leistung)\b|\b(?:echt|wirklich|sehr)\s+hilfreich\b|\bfünf\s+Sterne\b`),
	cue("es", UpsetSarcasm, 0.7, `\b(?:excelente|gran|magnífico|estupendo|increíble|fantástico|maravilloso|impecable)\s+(?:servicio|atención|trabajo)\b|\b(?:muy|súper|super)\s+útil\b|\bcinco\s+estrellas\b`),
	cue("fr", UpsetSarcasm, 0.7, `\b(?:super|excellent|formidable|magnifique|superbe|impeccable|merveilleux|remarquable)\s+(?:service|SAV|travail|boulot)\b|\b(?:bravo|merci)\s+pour\s+(?:la|le|votre)\s+(?:réactivité|efficacité|rapidité|professionnalisme|service)\b|\b(?:très|vraiment)\s+utile\b|\bcinq\s+étoiles\b`),
	cue("pt", UpsetSarcasm, 0.7, `\b(?:excelente|ótimo|maravilhoso|incrível|belo|impecável)\s+(?:serviço|atendimento|trabalho)\b|\b(?:muito|super)\s+útil\b|\bcinco\s+estrelas\b`),
	cue("it", UpsetSarcasm, 0.7, `\b(?:ottimo|eccellente|splendido|fantastico|bel|gran|impeccabile)\s+(?:servizio|lavoro|assistenza)\b|\b(?:bravi|complimenti)\b|\b(?:davvero|molto|super)\s+utile\b|\bcinque\s+stelle\b`),
	cue("nl", UpsetSarcasm, 0.7, `\b(?:top|geweldige|fantastische|uitstekende|super|prima|goede)\s*-?(?:service|klantenservice|hulp|werk)\b|\b(?:heel|super|erg)\s+behulpzaam\b|\bvijf\s+sterren\b`),
	// Records, efficiency, professionalism, applause: praise that a
	// failure next to it turns.
	cue("en", UpsetSarcasm, 0.7, `\b(?:impressive|a\s+new\s+record|record\s+time|what\s+efficiency|such\s+efficiency|real\s+professionalism|so\s+professional|bravo|well\s+done|good\s+job|great\s+job|nice\s+job|nice\s+work)\b|👏|(?:^|[.!?\n]\s*)wow\s*[,!.]`),
	cue("de", UpsetSarcasm, 0.7, `\b(?:beeindruckend|Rekord\p{L}*|Respekt|Wahnsinn|Weltklasse|Glückwunsch|Gratulation|Effizienz|Professionalität|professionell|Bravo|gut\s+gemacht|Läuft\s+bei\s+euch)\b|👏`),
	cue("es", UpsetSarcasm, 0.7, `\b(?:impresionante|todo\s+un\s+récord|récord|qué\s+profesionalidad|profesionalidad|profesionales|enhorabuena|felicidades|bravo|fenomenal|de\s+lujo|gran\s+trabajo)\b|👏`),
	cue("fr", UpsetSarcasm, 0.7, `\b(?:impressionnant|record|quel\s+talent|bravo|chapeau|félicitations|bel\s+exploit|professionnalisme|efficacité|trop\s+fort|champions?)\b|👏`),
	cue("pt", UpsetSarcasm, 0.7, `\b(?:impressionante|recorde|eficiência|profissionalismo|parabéns|show\s+de\s+bola|nota\s+mil|incrível\s+como|bravo)\b|👏`),
	cue("it", UpsetSarcasm, 0.7, `\b(?:impressionante|record|efficienza|professionalità|complimenti|bravi|bravissimi|un\s+applauso|chapeau)\b|👏`),
	cue("nl", UpsetSarcasm, 0.7, `\b(?:indrukwekkend|record|efficiënt|professioneel|chapeau|knap\s+gedaan|top\s+geregeld|goed\s+geregeld|lekker\s+dan|hulde|gefeliciteerd|bravo)\b|👏`),
	// Thanks for the speed, next to a long wait.
	cue("", UpsetSarcasm, 0.7, `\b(?:thanks|thank\s+you)\s+(?:so\s+much\s+|a\s+lot\s+)?for\s+(?:the|your)\s+(?:quick|fast|speedy|rapid|prompt|swift)\b|\bdanke\s+(?:auch\s+)?für\s+die\s+(?:schnelle|rasche|prompte)\b|\bgracias\s+por\s+la\s+(?:rapidez|celeridad|prontitud)\b|\bmerci\s+pour\s+la\s+(?:rapidité|réactivité)\b|\bobrigad[oa]\s+pela\s+(?:rapidez|agilidade)\b|\bgrazie\s+per\s+la\s+(?:rapidità|tempestività)\b|\bbedankt\s+voor\s+de\s+(?:snelle|vlotte)\b|\bdzięk(?:i|uję)\s+za\s+(?:szybk\p{L}*|błyskawiczn\p{L}*)\b`),
	cue("pl", UpsetSarcasm, 0.7, `\b(?:imponując\p{L}*|rekord\p{L}*|profesjonalizm|mistrzostwo|gratuluję|gratulacje|brawo|pięknie|brawa)\b|👏`),
	cue("pl", UpsetSarcasm, 0.7, `\b(?:świetna|super|wspaniała|doskonała|rewelacyjna|fantastyczna|profesjonalna|wzorowa)\s+(?:obsługa|robota|praca|pomoc)\b|\b(?:bardzo|super)\s+pomocn\p{L}*\b|\bpięć\s+gwiazdek\b|\bgratulacje\b`),
}

// leavingRules are a cancellation of the contract, the account or the
// service itself (not of an order). Calm, it is a routine request; in a
// text upset for another reason ("third outage this month, cancel my
// contract") it is a churn threat.
var leavingRules = []upsetRule{
	cue("en", UpsetChurn, 0.75, `\b(?:cancel\p{L}*|terminat\p{L}*|end\p{L}*|close|closing)\s+(?:my|the|our|this)\s+(?:\p{L}+\s+)?(?:contract|account|subscription|membership|service|plan|policy|line)\b|\bcancel\s+(?:it\s+)?all\b|\bI(?:'m|\s+am)\s+(?:leaving|cancelling|canceling|out)\b`),
	cue("de", UpsetChurn, 0.75, `\bkündig\p{L}*\b|\bKündigung\b|\bVertrag\s+(?:\p{L}+\s+)?(?:beenden|auflösen|stornieren)\b`),
	cue("es", UpsetChurn, 0.75, `\b(?:dar(?:me)?|doy|me\s+doy)\s+de\s+baja\b|\bbaja\s+(?:del|de\s+la|de\s+mi)\b|\b(?:cancelar|cancelo|rescindir|rescindo|anular)\s+(?:mi|el|la|este|esta)\s+(?:\p{L}+\s+)?(?:contrato|cuenta|suscripción|línea|servicio|póliza|tarifa)\b`),
	cue("fr", UpsetChurn, 0.75, `\brésili\p{L}*\b|\b(?:fermer|clôturer|annuler)\s+(?:mon|le|ce)\s+(?:compte|contrat|abonnement)\b`),
	cue("pt", UpsetChurn, 0.75, `\b(?:cancelar|cancelo|cancelem|encerrar|rescindir)\s+(?:o\s+|a\s+)?(?:meu|minha|o|a|esse|essa|este|esta)\s+(?:\p{L}+\s+)?(?:contrato|conta|assinatura|plano|linha|serviço|matrícula)\b|\bcancelar\s+tudo\b|\bcancelamento\b`),
	cue("it", UpsetChurn, 0.75, `\b(?:disdic\p{L}*|disdire|disdetta|recedere|recesso)\b|\b(?:chiudere|chiudo|annullare)\s+(?:il\s+)?(?:mio\s+)?(?:conto|contratto|abbonamento)\b`),
	cue("nl", UpsetChurn, 0.75, `\bopzeg\p{L}*\b|\bzeg\s+(?:ik\s+)?(?:\p{L}+\s+){0,3}op\b|\b(?:beëindig\p{L}*|stopzetten)\s+(?:\p{L}+\s+){0,2}(?:contract|abonnement)\b|\b(?:contract|abonnement)\s+(?:\p{L}+\s+){0,2}(?:beëindigen|stopzetten)\b`),
	cue("pl", UpsetChurn, 0.75, `\brezygn\p{L}*\b|\bwypowi\p{L}*\s+umow\p{L}*\b|\brozwiąz\p{L}*\s+umow\p{L}*\b|\bzamyk\p{L}*\s+konto\b`),
}

// failureRules say something failed, and are no annotation on their own.
// A "strong" row makes praise sarcasm ("Super, nine days and still
// nothing"; not "Super, it works again"); a "weak" one (a bare negation, a
// number of days) is enough, in a text without thanks, to read "!!!" as
// shouting ("still not here!!!", not "Dope!!!").
var failureRules = []upsetRule{
	cue("en", "strong", 0, `\bstill\s+(?:no|not|nothing|waiting|broken|cold|missing|dead|down|n[o']\p{L}*|haven'?t|hasn'?t|isn'?t|doesn'?t|can'?t|won'?t|didn'?t)\b|\b(?:yet\s+again|yet\s+another|once\s+again)\b|(?:^|[.!?\n]\s*)again\s*[.!?]|\b(?:broken|down|failed|wrong|late|cancelled|canceled|missed|gone|dead|stuck)\s+again\b|\b(?:never|nothing|nobody|no\s+one|broken|missing|wrong|cold|lost|on\s+hold|third|fourth|fifth)\b|\btook\s+(?:\S+\s+){0,2}(?:days|weeks|months|hours)\b|\bafter\s+\S+\s+(?:days|weeks|months)\b|\b(?:days|weeks)\s+late\b|\bnot\s+(?:arrived|working|fixed|delivered|received)\b|\b(?:didn'?t|did\s+not|never)\s+(?:show|turn|arrive|come|call|work)\b|\bonly\s+(?:took\s+)?(?:you\s+)?(?:a|one|two|three|four|\d+)\s+(?:weeks?|months?)\b`),
	cue("en", "weak", 0, `\b(?:not|no|late|\d+\s+(?:days|weeks|months|hours)|(?:hasn'?t|haven'?t|didn'?t|doesn'?t|isn'?t|won'?t|can'?t))\b`),
	cue("de", "strong", 0, `\b(?:immer\s+noch|noch\s+immer|schon\s+wieder|wieder)\s+(?:nicht\p{L}*|kein\p{L}*|kaputt|kalt|weg|ausgefallen|falsch|da\s+nicht)\b|\bschon\s+wieder\b|\b(?:nichts|niemand|nie|kaputt|falsch|kalt|verspätet|Warteschleife|dritte\p{L}*|vierte\p{L}*|fünfte\p{L}*)\b|\bnach\s+\S+\s+(?:Tagen|Wochen|Monaten|Stunden)\b|\bnur\s+(?:\d+|zwei|drei|vier|fünf)\s+(?:Wochen|Monate)\b|\b(?:\d+|zwei|drei|vier)\s+(?:Wochen|Monate)\s+(?:gewartet|warten)\b`),
	cue("de", "weak", 0, `\b(?:nicht|kein\p{L}*|\d+\s+(?:Tage|Tagen|Wochen|Monate|Monaten))\b`),
	cue("es", "strong", 0, `\b(?:todavía|aún|sigue|siguen|sigo)\s+(?:no|nada|sin|nadie|igual|roto|rota|fallando|caído|caída)\b|\botra\s+vez\s+(?:sin|lo\s+mismo|igual|no|el\s+mismo|la\s+misma)\b|\b(?:nada|nadie|nunca|roto|rota|fría|frío|perdido|perdida|ha\s+tardado|tardado|tardó|tercer\p{L}*|cuart[oa]|quint[oa])\b|\b(?:solo|sólo|apenas)\s+(?:un|una|dos|tres|cuatro|\d+)\s+(?:mes|meses|semana|semanas)\b`),
	cue("es", "weak", 0, `\b(?:no|sin|mal|tarde|\d+\s+(?:días|semanas|meses))\b`),
	cue("fr", "strong", 0, `\btoujours\s+(?:pas|rien|aucun\p{L}*|sans|en\s+panne|bloqué\p{L}*|froid\p{L}*|cassé\p{L}*)\b|\bencore\s+(?:une|un)\s+(?:fois|panne|coupure|retard|erreur|problème|bug)\b|\b(?:rien|personne|jamais|cassé\p{L}*|froid\p{L}*|en\s+retard|perdu\p{L}*|il\s+a\s+fallu|troisième|quatrième|cinquième)\b|\b(?:seulement|que)\s+(?:un|une|deux|trois|quatre|\d+)\s+(?:semaines?|mois)\b`),
	cue("fr", "weak", 0, `\b(?:pas|sans|\d+\s+(?:jours|semaines|mois))\b`),
	cue("pt", "strong", 0, `\bainda\s+(?:não|nada|sem|nenhum\p{L}*)\b|\b(?:de\s+novo|outra\s+vez)\s+(?:sem|não|o\s+mesmo|a\s+mesma)\b|\b(?:nada|ninguém|nunca|quebrad\p{L}*|fri[oa]|atrasad\p{L}*|levou|demorou|terceir\p{L}*|quart[oa]|quint[oa])\b|\b(?:só|apenas|somente)\s+(?:um|uma|duas|três|quatro|\d+)\s+(?:semanas?|mês|meses)\b`),
	cue("pt", "weak", 0, `\b(?:não|sem|\d+\s+(?:dias|semanas|meses))\b`),
	cue("it", "strong", 0, `\bancora\s+(?:niente|nulla|non|nessun\p{L}*|fredd\p{L}*|rott\p{L}*|bloccat\p{L}*|spent\p{L}*|in\s+attesa|guast\p{L}*)\b|\bdi\s+nuovo\s+(?:guast\p{L}*|rott\p{L}*|bloccat\p{L}*|senza|fuori)\b|\b(?:niente|nulla|nessuno|mai|rott\p{L}*|fredd\p{L}*|in\s+ritardo|pers[oa]|terz[oa]|quart[oa]|quint[oa])\b|\b(?:solo|soltanto|appena)\s+(?:un|una|due|tre|quattro|\d+)\s+(?:settimane?|mes[ei])\b`),
	cue("it", "weak", 0, `\b(?:non|senza|\d+\s+(?:giorni|settimane|mesi))\b`),
	cue("nl", "strong", 0, `\bnog\s+(?:steeds|altijd)\s+(?:niet|geen|niks|niets|kapot|stuk|koud|wachten|wacht)\b|\bweer\s+(?:kapot|stuk|niet|geen|mis|uit|weg|te\s+laat)\b|\b(?:alweer|niks|niets|niemand|nooit|kapot|stuk|koud|te\s+laat|kwijt|derde|vierde|vijfde|drie\s+keer)\b|\b(?:\d+|twee|drie|vier|vijf)\s+(?:weken|maanden)\s+(?:wachten|gewacht)\b|\bmaar\s+(?:\d+|twee|drie|vier)\s+(?:weken|maanden)\b`),
	cue("nl", "weak", 0, `\b(?:niet|geen|\d+\s+(?:dagen|weken|maanden))\b`),
	cue("pl", "strong", 0, `\b(?:nadal|wciąż|dalej|ciągle)\s+(?:nie|nic|brak|zimn\p{L}*|zepsut\p{L}*|czekam)\b|\b(?:znowu|znów)\s+(?:nie|brak|zepsut\p{L}*|awari\p{L}*)\b|\b(?:nic|nikt|nigdy|zepsut\p{L}*|zimn\p{L}*|spóźnion\p{L}*|trzeci\p{L}*|czwart\p{L}*|piąt\p{L}*|kolejn\p{L}*)\b|\b(?:tylko|zaledwie)\s+(?:\d+|dwa|trzy|cztery)\s+(?:tygodnie|miesiące|miesiąc)\b`),
	cue("pl", "weak", 0, `\b(?:nie|bez|\d+\s+(?:dni|tygodni|miesięcy))\b`),
}

// thankRules are thanks and praise: a text that holds one and no other cue
// is not read as shouting ("THANK YOU SO MUCH!!!") or as an eye-roll.
var thankRules = []upsetRule{
	cue("", "", 0, `\b(?:thanks|thank\s+you|thx|cheers|love|great|perfect|amazing|awesome|brilliant|excellent|danke|dankeschön|super|toll|perfekt|gracias|genial|perfecto|merci|parfait|génial|obrigad[oa]|perfeito|ótimo|grazie|perfetto|ottimo|bedankt|dank\s+je|dank\s+u|geweldig|dzięki|dziękuję|dziekuje|świetnie|wspaniale)\b`),
}

// Analyze implements analysis.Analyzer.
func (u Upset) Analyze(d *analysis.Doc) {
	lang := d.Language
	if !upsetLanguages[lang] {
		lang = ""
	}
	inLang := func(r upsetRule) bool { return r.lang == "" || lang == "" || r.lang == lang }
	type found struct {
		key, why string
		conf     float64
		span     analysis.Span
	}
	var cues []found
	done := map[string]bool{}
	var thanked bool
	failure := map[string]bool{}
	var praise []found
	var leaving found
	chunks(d.Text, func(off int, text string) {
		lower := strings.ToLower(text)
		for _, rule := range upsetRules {
			if done[rule.key] || !inLang(rule) {
				continue
			}
			for _, m := range rule.re.findAll(text, lower, 8) {
				if rule.key == UpsetAnger && negatedWordBefore(text, m[0]) {
					continue // "not angry"
				}
				if rule.key == UpsetEscalation && (endsWithAny(strings.ToLower(strings.TrimSpace(clauseBefore(text, m[0]))), thanksBefore) || thanksAfter(text[m[1]:])) {
					continue // "thanks once again", "once again, thank you"
				}
				done[rule.key] = true
				cues = append(cues, found{rule.key, upsetWhy[rule.key] + " (" + langOr(rule.lang) + ")", rule.conf, cueSpan(d.Text, off+m[0], off+m[1])})
				break
			}
		}
		for _, rule := range praiseRules {
			if inLang(rule) {
				if m := rule.re.find(text, lower); m != nil {
					praise = append(praise, found{rule.key, "praise next to a failure (" + rule.lang + ")", rule.conf, cueSpan(d.Text, off+m[0], off+m[1])})
				}
			}
		}
		for _, rule := range failureRules {
			if inLang(rule) && rule.re.match(text, lower) {
				failure[rule.key] = true
			}
		}
		for _, rule := range thankRules {
			if !thanked && rule.re.match(text, lower) {
				thanked = true
			}
		}
		for _, rule := range leavingRules {
			if leaving.key == "" && inLang(rule) {
				if m := rule.re.find(text, lower); m != nil {
					leaving = found{UpsetChurn, "cancels, in a text upset for another reason (" + rule.lang + ")", rule.conf, cueSpan(d.Text, off+m[0], off+m[1])}
				}
			}
		}
	})
	failed := failure["strong"] || failure["weak"] && !thanked
	if failure["strong"] && len(praise) > 0 && !done[UpsetSarcasm] {
		done[UpsetSarcasm] = true
		cues = append(cues, praise[0])
	}
	// Shouting or an eye-roll alone in a thank-you ("THANK YOU!!!",
	// "thanks 🙃") is not read.
	alone := thanked && !failed && len(cues) <= 1
	if span, strong, ok := shouting(d.Text); ok && (strong && !(alone && len(cues) == 0) || !strong && (failed || len(cues) > 0)) {
		cues = append(cues, found{UpsetShouting, upsetWhy[UpsetShouting], 0.7, span})
	}
	if alone && len(cues) == 1 && cues[0].key == UpsetSarcasm && strings.ContainsAny(d.Text[cues[0].span.Start:cues[0].span.End], eyeRolls) {
		return
	}
	if leaving.key != "" && len(cues) > 0 && !done[UpsetChurn] {
		cues = append(cues, leaving)
	}
	for _, c := range cues {
		ev := c.why + ": \"" + d.Text[c.span.Start:c.span.End] + "\""
		d.Add(u, analysis.Annotation{Kind: KindUpset, Key: c.key, Span: c.span, Confidence: c.conf, Evidence: ev})
		if c.key == UpsetChurn {
			d.Add(u, analysis.Annotation{Kind: KindChurnThreat, Span: c.span, Confidence: c.conf, Evidence: ev})
		}
	}
}

// eyeRolls are the emoji of the eye-roll rule.
const eyeRolls = "🙄🙃🤡😒🤦"

// cueSpan is the match trimmed to its letters and digits, or the match
// itself when it has none ("🙄").
func cueSpan(text string, start, end int) analysis.Span {
	if s := trimSpan(text, start, end); s.Start < s.End {
		return s
	}
	return analysis.Span{Start: start, End: end}
}

var upsetLanguages = map[string]bool{"en": true, "de": true, "es": true, "fr": true, "it": true, "pt": true, "nl": true, "pl": true}

var upsetWhy = map[string]string{
	UpsetEscalation: "repeated contact or escalation",
	UpsetSarcasm:    "sarcasm",
	UpsetFormal:     "frustration in a formal register",
	UpsetShouting:   "shouting (capitals or !!!)",
	UpsetAnger:      "words of anger",
	UpsetChurn:      "threatens to leave",
}

func langOr(l string) string {
	if l == "" {
		return "any language"
	}
	return l
}

// thanksAfter reports whether s begins with thanks ("once again, thank
// you").
func thanksAfter(s string) bool {
	s = strings.ToLower(strings.TrimLeft(s, " ,;:-–—"))
	for _, t := range thanksBefore {
		if strings.HasPrefix(s, t) {
			return true
		}
	}
	return false
}

// negatedWordBefore reports whether the word just before i is a negation
// ("not angry", "nicht sauer").
func negatedWordBefore(text string, i int) bool {
	f := strings.Fields(strings.ToLower(text[:i]))
	if len(f) == 0 {
		return false
	}
	w := strings.Trim(f[len(f)-1], ",.;:")
	return negations[w] || strings.HasSuffix(w, "n't") || w == "nie" || w == "non" || w == "niet"
}

// shoutPunct is "?!?", "!?!" and the like; shoutBangs is "!!!".
var (
	shoutPunct = regexp.MustCompile(`[!?]*(?:\?!\?|!\?!|\?\?!|!!\?)[!?]*`)
	shoutBangs = regexp.MustCompile(`!{3,}`)
)

// shouting finds a run of at least three ALL-CAPS words (two of them of
// two letters or more, ten capitals in all; no digits, no #hashtag or
// @mention), else "?!?" and the like, else "!!!". strong is false for "!!!"
// alone, which is also joy ("Dope!!!") and is read only next to another
// cue or a failure.
func shouting(text string) (span analysis.Span, strong, ok bool) {
	if len(text) > maxRead {
		text = text[:maxRead]
	}
	start, end, words, long, letters := -1, -1, 0, 0, 0
	flush := func() bool {
		if words >= 3 && long >= 2 && letters >= 10 {
			span = trimSpan(text, start, end)
			return true
		}
		start, words, long, letters = -1, 0, 0, 0
		return false
	}
	for i := 0; i < len(text); {
		if c := text[i]; c == ' ' || c == '\t' || c == ',' || c == '\n' {
			if c == '\n' && flush() {
				return span, true, true
			}
			i++
			continue
		}
		j := i
		for j < len(text) && text[j] != ' ' && text[j] != '\t' && text[j] != '\n' && text[j] != ',' {
			j++
		}
		w := text[i:j]
		if n, caps := capsWord(w); caps && w[0] != '#' && w[0] != '@' {
			if start < 0 {
				start = i
			}
			end = j
			words++
			letters += n
			if n >= 2 {
				long++
			}
		} else if flush() {
			return span, true, true
		}
		i = j
	}
	if flush() {
		return span, true, true
	}
	if m := shoutPunct.FindStringIndex(text); m != nil {
		return analysis.Span{Start: m[0], End: m[1]}, true, true
	}
	if m := shoutBangs.FindStringIndex(text); m != nil {
		return analysis.Span{Start: m[0], End: m[1]}, false, true
	}
	return analysis.Span{}, false, false
}

// capsWord reports the letters of w and whether w is an ALL-CAPS word:
// letters all upper case, no digits ("WHY", "I", "ZURÜCKGESETZT";
// not "SPRING10", not "Why").
func capsWord(w string) (int, bool) {
	n := 0
	for _, r := range w {
		switch {
		case unicode.IsDigit(r):
			return 0, false
		case unicode.IsLetter(r):
			if !unicode.IsUpper(r) {
				return 0, false
			}
			n++
		}
	}
	return n, n > 0
}

// IsUpset reports whether the text was read as upset.
func IsUpset(d *analysis.Doc) bool { return len(d.Of(KindUpset)) > 0 }
