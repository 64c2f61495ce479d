// Package analysis is the shape of Rapport's reading of text: a pipeline of
// small analyzers that run in a fixed, visible order over one text (a
// message, an e-mail, a transcript), each reading what the earlier ones
// annotated and adding its own annotations, with byte offsets into the
// original text, a confidence and the evidence that made it. It holds the
// types only; the analyzers live in their own packages and the list that
// orders them is in customercontext (pipeline.go). It knows nothing of
// gRPC, storage or the clock.
//
// A new language, a new kind of fact or a model-backed analyzer joins by
// adding one Analyzer to the list, not by editing the others.
package analysis

// Und is the language of a text whose language is not known: too short,
// mixed beyond telling, or a language the detector does not know.
const Und = "und"

// Span is a part of the text: byte offsets, End exclusive.
type Span struct{ Start, End int }

// Annotation is one thing an analyzer read in the text.
type Annotation struct {
	// Kind is what was read, e.g. "identifier", "step_tried",
	// "preference", "relapse", "closure", "upset".
	Kind string
	// Key refines Kind, e.g. "iban" or "order_number" for an identifier,
	// "channel_never" for a preference, "sarcasm" for upset.
	Key string
	// Value is the normalised value ("DE89370400440532013000", "voice"),
	// or "" where the kind has none.
	Value string
	// Span is where in the text it was read.
	Span Span
	// Confidence is from 0 to 1. Analyzers add only what they are sure
	// enough of to show an agent; the number ranks and explains.
	Confidence float64
	// Evidence says why, in words an agent can read: the rule or the cue
	// that matched ("IBAN with valid check digits", "first-person past").
	Evidence string
	// Analyzer is the Name of the analyzer that added it.
	Analyzer string
	// Superseded is set on a value a later correction replaced: it is kept
	// for the history but never shown as a fact.
	Superseded bool
}

// Doc is one text being read and what has been read of it so far.
type Doc struct {
	// Text is the text, as given.
	Text string
	// Channel is the channel it came on, lower case ("sms", "chat",
	// "email", "voice", "social", "web", "in_person"), or "".
	Channel string
	// Prior is a language the customer is known to prefer (BCP 47), used
	// only when the text alone is ambiguous; "" when none is known.
	Prior string
	// Previous is the customer's previous message of the same
	// conversation, when the caller knows it ("" otherwise): a label at
	// the end of it ("my booking ref is") may take its value here.
	Previous string
	// Region is where national phone numbers are read (ISO 3166-1, "DE"),
	// the tenant's default region; "" reads only international ones.
	Region string

	// Language is the text's language (ISO 639-1), or Und; set by the
	// language analyzer, read by the ones after it.
	Language string
	// LanguageConfidence is the detector's confidence, 0 to 1.
	LanguageConfidence float64
	// Mixed is set when the text is in more than one language; Language
	// is then the dominant one.
	Mixed bool

	// Annotations are what the analyzers read, in the order added.
	Annotations []Annotation
}

// Add records an annotation made by analyzer a.
func (d *Doc) Add(a Analyzer, an Annotation) {
	an.Analyzer = a.Name()
	d.Annotations = append(d.Annotations, an)
}

// Of returns the annotations of a kind, in the order added.
func (d *Doc) Of(kind string) []Annotation {
	var out []Annotation
	for _, an := range d.Annotations {
		if an.Kind == kind {
			out = append(out, an)
		}
	}
	return out
}

// Analyzer reads one thing in a text.
type Analyzer interface {
	// Name names the analyzer in evidence and metrics ("language",
	// "identifiers").
	Name() string
	// Analyze reads d and adds what it finds. It must be linear in the
	// text's length and never panic, whatever the text.
	Analyze(d *Doc)
}

// Pipeline is analyzers in the order they run.
type Pipeline []Analyzer

// Run reads text with every analyzer in order and returns the result.
func (p Pipeline) Run(d *Doc) *Doc {
	for _, a := range p {
		a.Analyze(d)
	}
	return d
}
