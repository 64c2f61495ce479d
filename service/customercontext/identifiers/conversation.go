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
// those given earlier in the conversation: a correction in it supersedes
// the earlier values of its kind. It returns the list, in order given.
func Follow(given []Given, n int, d *analysis.Doc) []Given {
	for _, c := range d.Of(KindCorrection) {
		for i := range given {
			if given[i].Key == c.Key && given[i].SupersededBy < 0 && !strings.EqualFold(given[i].Value, c.Value) {
				given[i].SupersededBy = n
			}
		}
	}
	cur, sup := Read(d)
	for _, an := range sup {
		given = append(given, Given{Key: an.Key, Value: an.Value, Message: n, SupersededBy: n})
	}
	for _, an := range cur {
		given = append(given, Given{Key: an.Key, Value: an.Value, Message: n, SupersededBy: -1})
	}
	return given
}
