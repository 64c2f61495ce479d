package identifiers

import (
	"os"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/service/customercontext/analysis"
)

func TestScratchID(t *testing.T) {
	var given []Given
	prev := ""
	for n, text := range strings.Split(os.Getenv("SCRATCH"), "|") {
		d := &analysis.Doc{Text: text, Region: os.Getenv("REGION"), Language: "en", Previous: prev}
		pipeline.Run(d)
		for _, a := range d.Annotations {
			t.Logf("msg %d: %s %s=%s sup=%v (%s)", n, a.Kind, a.Key, a.Value, a.Superseded, a.Evidence)
		}
		given = Follow(given, n, d)
		prev = text
	}
	for _, g := range given {
		t.Logf("given %s=%s supBy=%d", g.Key, g.Value, g.SupersededBy)
	}
}
