package customercontext

import (
	"slices"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
	"github.com/rapporthq/rapport/service/customercontext/identifiers"
	"github.com/rapporthq/rapport/service/customercontext/language"
	"github.com/rapporthq/rapport/service/customercontext/statements"
	"github.com/rapporthq/rapport/service/customercontext/steps"
)

// Analyzers is the one ordered list of what Rapport reads in a customer's
// text (package analysis): each analyzer reads what the ones before it
// annotated. It is two lists, each run where its results are used, so that
// a write runs each analyzer once: FactAnalyzers when the interaction is
// checked (ExtractFacts), StatementAnalyzers when its summary is merged
// (ReadStatements). A new analyzer joins by adding one line to one of them.
var Analyzers = append(slices.Clone(FactAnalyzers), StatementAnalyzers[1:]...)

// FactAnalyzers read the facts a customer gives.
var FactAnalyzers = analysis.Pipeline{
	Language{},                // first: the others read d.Language
	StepsTried{},              // steps already tried, by grammar (package steps)
	identifiers.Shapes{},      // IBAN, IMEI, card, e-mail, phone, tracking, version
	identifiers.Labels{},      // "order 1123987", a label ending the previous message
	identifiers.Corrections{}, // "K-55810, sorry, K-55801"
}

// StatementAnalyzers read what a customer says of themselves and of an
// earlier problem (package statements).
var StatementAnalyzers = analysis.Pipeline{
	Language{}, // first (a repeat of the same text's detection is a cache hit)
	statements.OptOut{},
	statements.Preferences{},
	statements.Relapse{},
	statements.Upset{}, // upset and why; churn threats
}

// Analyze runs Analyzers over one text of a channel ("sms", "chat", …: see
// channelNames), with the customer's previous message of the same
// conversation ("" when not known), once.
func Analyze(text, channel, previous string) *analysis.Doc {
	return AnalyzeIn(text, channel, previous, "")
}

// AnalyzeIn is Analyze with the region national phone numbers are read in
// (the service's default phone region, "" for none).
func AnalyzeIn(text, channel, previous, region string) *analysis.Doc {
	return Analyzers.Run(&analysis.Doc{Text: text, Channel: channel, Previous: previous, Region: region})
}

// Language is the language analyzer: language.Detect over the text, with
// the customer's preferred language (Doc.Prior) settling an ambiguous text.
// It sets Doc.Language (analysis.Und when it cannot tell), its confidence
// and Doc.Mixed, and adds no annotation.
type Language struct{}

// Name implements analysis.Analyzer.
func (Language) Name() string { return "language" }

// Analyze implements analysis.Analyzer.
func (Language) Analyze(d *analysis.Doc) {
	r := language.Detect(d.Text, d.Prior)
	d.Language, d.LanguageConfidence, d.Mixed = r.Code, r.Confidence, r.Mixed
}

// KindFact is the kind of the annotations that become an interaction's
// extracted facts (ExtractFacts); their Key is the fact's key.
const KindFact = "fact"

// stepTried is the key of a step the customer already tried.
const stepTried = "step_tried"

// StepsTried is the steps-tried analyzer of package steps, its steps as
// KindFact annotations (key step_tried) that become extracted facts.
type StepsTried struct{}

// Name implements analysis.Analyzer.
func (StepsTried) Name() string { return "steps" }

// Analyze implements analysis.Analyzer.
func (a StepsTried) Analyze(d *analysis.Doc) {
	for _, x := range steps.Find(d.Text) {
		d.Add(a, analysis.Annotation{Kind: KindFact, Key: stepTried, Value: x.Value, Span: x.Span,
			Confidence: x.Confidence, Evidence: x.Evidence})
	}
}
