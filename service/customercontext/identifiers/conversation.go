package identifiers

import (
	"strings"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

// Given is an identifier given in a conversation: the message it was given
// in (its index) and, when a later correction replaced it, the message
// that did.
type Given struct {
	Key, Value   string
	Message      int
	SupersededBy int // -1 while it stands
}

// Read returns the identifiers a doc's analyzers read: those in force and
// those a correction in the same text superseded.
func Read(d *analysis.Doc) (current, superseded []analysis.Annotation) {
	for _, an := range d.Annotations {
		if an.Kind != Kind {
			continue
		}
		if an.Superseded {
			superseded = append(superseded, an)
		} else {
			current = append(current, an)
		}
	}
	return current, superseded
}

// Follow adds the identifiers of message number n (its analysed doc) to
// those given earlier in the conversation, and returns the list, in order
// given. An earlier value stops standing when
//   - a correction in this message gives another value of its kind
//     (KindCorrection);
//   - a retraction in this message says the value given before was wrong
//     (KindRetraction: the last value of its kind);
//   - this message gives a value of its kind one or two characters from
//     it (NearDuplicate: a value retyped, with a marker or not), unless
//     the message says it adds one ("also", "and another").
func Follow(given []Given, n int, d *analysis.Doc) []Given {
	for _, c := range d.Of(KindCorrection) {
		for i := range given {
			if given[i].Key == c.Key && given[i].SupersededBy < 0 && !strings.EqualFold(given[i].Value, c.Value) {
				given[i].SupersededBy = n
			}
		}
	}
	for _, r := range d.Of(KindRetraction) {
		for i := len(given) - 1; i >= 0; i-- {
			if (r.Key == "" || given[i].Key == r.Key) && given[i].SupersededBy < 0 {
				given[i].SupersededBy = n
				break
			}
		}
	}
	// A bare value with a correction marker: of the kind of the latest
	// value of its shape given before, which it replaces.
	for _, c := range d.Of(KindCandidate) {
		for i := len(given) - 1; i >= 0; i-- {
			g := given[i]
			if g.SupersededBy >= 0 || strings.EqualFold(g.Value, c.Value) || !(shape(g.Value) == shape(c.Value) || NearDuplicate(g.Value, c.Value)) {
				continue
			}
			if _, ok := sameShape(d, analysis.Annotation{Key: g.Key, Value: g.Value}, c.Value); !ok {
				continue
			}
			given[i].SupersededBy = n
			given = append(given, Given{Key: g.Key, Value: c.Value, Message: n, SupersededBy: -1})
			break
		}
	}
	cur, sup := Read(d)
	adds := hasWord(lowerKeep(d.Text), additions)
	perKey := map[string]int{}
	for _, an := range cur {
		perKey[an.Key]++
	}
	for _, an := range cur {
		for i := range given {
			// One value of a kind in a later message replaces the one
			// given before: retyped with a slip, or a correction in words
			// no rule knows (the first value of a correction not
			// understood is not shown: precision first).
			if !adds && given[i].Key == an.Key && given[i].Message < n && given[i].SupersededBy < 0 && !strings.EqualFold(given[i].Value, an.Value) &&
				(perKey[an.Key] == 1 || NearDuplicate(given[i].Value, an.Value)) {
				given[i].SupersededBy = n
			}
		}
	}
	for _, an := range sup {
		given = append(given, Given{Key: an.Key, Value: an.Value, Message: n, SupersededBy: n})
	}
	for _, an := range cur {
		given = append(given, Given{Key: an.Key, Value: an.Value, Message: n, SupersededBy: -1})
	}
	return given
}

// additions say a message adds a value rather than correcting one.
var additions = []string{
	"also", "too", "another", "second", "as well", "both", "auch", "noch", "weitere", "zweite", "beide", "también", "otro", "otra", "segundo", "ambos",
	"aussi", "autre", "deuxième", "second", "les deux", "também", "outro", "outra", "segundo", "ambos", "anche", "altro", "altra", "secondo", "entrambi",
	"ook", "nog", "andere", "tweede", "beide", "też", "także", "inny", "inne", "drugi", "drugie", "oba", "obie",
	"other", "different", "anderen", "anderes", "otros", "otras", "distinto", "autres", "différent", "outros", "outras", "altri", "altre", "diverso", "innego", "innym",
}
