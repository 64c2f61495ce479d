package analysis

import "testing"

// marker adds one annotation, and records how many of the kind it saw
// before it ran: later analyzers read what earlier ones added.
type marker struct {
	name string
	seen *[]int
}

func (m marker) Name() string { return m.name }
func (m marker) Analyze(d *Doc) {
	*m.seen = append(*m.seen, len(d.Of("mark")))
	d.Add(m, Annotation{Kind: "mark", Value: m.name})
}

func TestPipelineRunsInOrder(t *testing.T) {
	var seen []int
	d := Pipeline{marker{"a", &seen}, marker{"b", &seen}, marker{"c", &seen}}.Run(&Doc{Text: "x"})
	if got := len(d.Annotations); got != 3 {
		t.Fatalf("annotations = %d, want 3", got)
	}
	for i, want := range []string{"a", "b", "c"} {
		if an := d.Annotations[i]; an.Value != want || an.Analyzer != want {
			t.Errorf("annotation %d = %+v, want value and analyzer %q", i, an, want)
		}
		if seen[i] != i {
			t.Errorf("analyzer %d saw %d earlier annotations, want %d", i, seen[i], i)
		}
	}
	if got := d.Of("other"); got != nil {
		t.Errorf("Of(other) = %v, want none", got)
	}
}
