package customercontext

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext/analysis"
	"github.com/rapporthq/rapport/service/customercontext/identifiers"
)

// MaxFacts is the most facts read from one interaction.
const MaxFacts = 20

// ExtractFacts reads the facts an interaction's text and summary give (the
// KindFact annotations and identifiers of Analyzers, pipeline.go), marked
// EXTRACTED with where they were read, on the interaction's channel: those
// its given facts (already in in.Facts) do not say, each once, at most
// MaxFacts. A value a correction in the same text replaced is not
// a fact; one given with a correction marker is marked Correction. Payment
// card numbers are masked in in.Text and in.Summary (masked in place, so
// spans stay right): only a card's last four digits are kept. region is
// where national phone numbers are read ("" for none). Each field is
// analysed once.
func ExtractFacts(in *rapportv1.Interaction, region string) []*rapportv1.Fact {
	var out []*rapportv1.Fact
	channel := channelNames[in.GetChannel()]
	for _, field := range []struct {
		name string
		text *string
	}{{"text", &in.Text}, {"summary", &in.Summary}} {
		if *field.text == "" {
			continue
		}
		d := FactAnalyzers.Run(&analysis.Doc{Text: *field.text, Channel: channel, Region: region})
		*field.text = maskCards(*field.text, d)
		corrects := map[analysis.Span]bool{}
		for _, c := range d.Of(identifiers.KindCorrection) {
			corrects[c.Span] = true
		}
		current, _ := identifiers.Read(d)
		for _, x := range append(d.Of(KindFact), current...) {
			f := &rapportv1.Fact{
				Key: x.Key, Value: x.Value, Channel: in.GetChannel(), Origin: rapportv1.FactOrigin_FACT_ORIGIN_EXTRACTED,
				Span:       &rapportv1.TextSpan{Field: field.name, Start: int32(x.Span.Start), End: int32(x.Span.End)},
				Correction: corrects[x.Span],
			}
			same := func(g *rapportv1.Fact) bool { return SameFact(g, f) }
			if len(out) < MaxFacts && !slices.ContainsFunc(in.GetFacts(), same) && !slices.ContainsFunc(out, same) {
				out = append(out, f)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *rapportv1.Fact) int {
		return cmp.Or(strings.Compare(a.GetSpan().GetField(), b.GetSpan().GetField())*-1, cmp.Compare(a.GetSpan().GetStart(), b.GetSpan().GetStart()))
	})
	return out
}

// maskCards replaces the digits of every payment card number d read
// (valid or failing its check) but the last four with '*': a card number
// is never stored (PCI DSS).
func maskCards(text string, d *analysis.Doc) string {
	b := []byte(text)
	masked := false
	for _, an := range d.Annotations {
		if an.Key != identifiers.PaymentCard || (an.Kind != identifiers.Kind && an.Kind != identifiers.KindRejected) {
			continue
		}
		digits := 0
		for i := an.Span.End - 1; i >= an.Span.Start; i-- {
			if b[i] >= '0' && b[i] <= '9' {
				if digits++; digits > 4 {
					b[i] = '*'
					masked = true
				}
			}
		}
	}
	if !masked {
		return text
	}
	return string(b)
}

// SameFact reports whether two facts say the same thing: the same key, and
// values equal ignoring case and runs of spaces (the same FactKey).
func SameFact(a, b *rapportv1.Fact) bool { return FactKey(a) == FactKey(b) }

// FactID identifies what a fact says; see FactKey.
type FactID string

// FactKey is what a fact says, as a map key: its key, and its value with
// runs of spaces made one and each character case-folded (as
// strings.EqualFold compares them). Facts with one FactKey are the same
// fact, so a list is de-duplicated in one pass.
func FactKey(f *rapportv1.Fact) FactID {
	return FactID(f.GetKey() + "\x00" + strings.Map(foldRune, strings.Join(strings.Fields(f.GetValue()), " ")))
}

// foldRune is the smallest rune of r's simple case-folding orbit: two runes
// that strings.EqualFold finds equal fold to the same one.
func foldRune(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}

// LinkInteraction adds an interaction and the facts it gives to its issue,
// which keeps at most maxFacts facts, and reports whether anything changed.
func LinkInteraction(is *rapportv1.Issue, in *rapportv1.Interaction, maxFacts int) bool {
	changed := false
	if !slices.Contains(is.GetInteractions(), in.GetName()) {
		is.Interactions = append(is.Interactions, in.GetName())
		is.InteractionCount = int32(len(is.Interactions))
		changed = true
	}
	for _, f := range in.GetFacts() {
		given := &rapportv1.Fact{Key: f.GetKey(), Value: f.GetValue(), Channel: in.GetChannel(), GiveTime: in.GetOccurTime(), Interaction: in.GetName(),
			Origin: f.GetOrigin(), Span: f.GetSpan(), Correction: f.GetCorrection()}
		if f.GetCorrection() && supersede(is.GetFacts(), given, in.GetName()) {
			changed = true
		}
		if mergeFact(is, given, maxFacts) {
			changed = true
		}
	}
	return changed
}

// supersede marks the facts of f's key with another value, and not yet
// superseded, as superseded by the interaction named by, and reports
// whether it marked any.
func supersede(facts []*rapportv1.Fact, f *rapportv1.Fact, by string) bool {
	marked := false
	for _, have := range facts {
		if have.GetKey() == f.GetKey() && have.GetSupersededBy() == "" && !SameFact(have, f) {
			have.SupersededBy = by
			marked = true
		}
	}
	return marked
}

// Current returns the facts no correction superseded: the ones a context
// shows.
func Current(facts []*rapportv1.Fact) []*rapportv1.Fact {
	if !slices.ContainsFunc(facts, func(f *rapportv1.Fact) bool { return f.GetSupersededBy() != "" }) {
		return facts
	}
	var out []*rapportv1.Fact
	for _, f := range facts {
		if f.GetSupersededBy() == "" {
			out = append(out, f)
		}
	}
	return out
}

// mergeFact adds f to the issue's facts unless the same fact is there; of
// two givings of one fact the earliest is kept. It reports a change.
func mergeFact(is *rapportv1.Issue, f *rapportv1.Fact, maxFacts int) bool {
	for i, have := range is.GetFacts() {
		if SameFact(have, f) {
			if have.GetSupersededBy() != "" && f.GetCorrection() {
				have.SupersededBy = "" // corrected back to it
				return true
			}
			if have.GetGiveTime() != nil && f.GetGiveTime() != nil && f.GetGiveTime().AsTime().Before(have.GetGiveTime().AsTime()) {
				is.Facts[i] = f
				return true
			}
			return false
		}
	}
	if len(is.GetFacts()) >= maxFacts {
		return false
	}
	is.Facts = append(is.Facts, f)
	return true
}
