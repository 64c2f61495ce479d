package customercontext

import (
	"slices"
	"strings"
	"unicode"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext/extract"
)

// ExtractFacts reads the facts an interaction's text and summary give (the
// KindFact annotations of Analyzers, pipeline.go), marked EXTRACTED with
// where they were read, on the interaction's channel: those its given
// facts (already in in.Facts) do not say, each once, at most
// extract.MaxFacts. Each field is analysed once.
func ExtractFacts(in *rapportv1.Interaction) []*rapportv1.Fact {
	var out []*rapportv1.Fact
	channel := channelNames[in.GetChannel()]
	for _, field := range []struct{ name, text string }{{"text", in.GetText()}, {"summary", in.GetSummary()}} {
		if field.text == "" {
			continue
		}
		for _, x := range Analyze(field.text, channel, "").Of(KindFact) {
			f := &rapportv1.Fact{
				Key: x.Key, Value: x.Value, Channel: in.GetChannel(), Origin: rapportv1.FactOrigin_FACT_ORIGIN_EXTRACTED,
				Span: &rapportv1.TextSpan{Field: field.name, Start: int32(x.Span.Start), End: int32(x.Span.End)},
			}
			same := func(g *rapportv1.Fact) bool { return SameFact(g, f) }
			if len(out) < extract.MaxFacts && !slices.ContainsFunc(in.GetFacts(), same) && !slices.ContainsFunc(out, same) {
				out = append(out, f)
			}
		}
	}
	return out
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
		given := &rapportv1.Fact{Key: f.GetKey(), Value: f.GetValue(), Channel: in.GetChannel(), GiveTime: in.GetOccurTime(), Interaction: in.GetName(), Origin: f.GetOrigin(), Span: f.GetSpan()}
		if mergeFact(is, given, maxFacts) {
			changed = true
		}
	}
	return changed
}

// mergeFact adds f to the issue's facts unless the same fact is there; of
// two givings of one fact the earliest is kept. It reports a change.
func mergeFact(is *rapportv1.Issue, f *rapportv1.Fact, maxFacts int) bool {
	for i, have := range is.GetFacts() {
		if SameFact(have, f) {
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
