package chart

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
)

// node is a parsed SVG element.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// find returns the descendants named name with the class class ("" any).
func (n node) find(name, class string) []node {
	var out []node
	for _, c := range n.Nodes {
		if c.XMLName.Local == name && (class == "" || strings.Contains(" "+c.attr("class")+" ", " "+class+" ")) {
			out = append(out, c)
		}
		out = append(out, c.find(name, class)...)
	}
	return out
}

func parse(t *testing.T, s string) node {
	t.Helper()
	var n node
	if err := xml.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("not well-formed SVG: %v\n%s", err, s)
	}
	if n.XMLName.Local != "svg" {
		t.Fatalf("root is %q", n.XMLName.Local)
	}
	return n
}

func parseNum(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return f
}

func TestBarsDrawsEachFigure(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "by-channel", Title: "Contacts by channel", Unit: "contacts",
		Points: []Point{{"email", 6}, {"voice", 3}, {"chat <b>&", 0}}}
	svg := parse(t, string(Bars(c)))

	if svg.attr("role") != "img" || svg.attr("aria-labelledby") != "by-channel-title by-channel-desc" {
		t.Errorf("role %q, aria-labelledby %q", svg.attr("role"), svg.attr("aria-labelledby"))
	}
	titles := svg.find("title", "")
	if len(titles) == 0 || titles[0].Text != "Contacts by channel" || titles[0].attr("id") != "by-channel-title" {
		t.Errorf("title %+v", titles)
	}
	if d := svg.find("desc", ""); len(d) != 1 || d[0].Text != "email: 6 contacts; voice: 3 contacts; chat <b>&: 0 contacts" {
		t.Errorf("desc %+v", d)
	}
	rows := svg.find("g", "chart-row")
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	var widths []float64
	for i, r := range rows {
		if r.attr("data-label") != c.Points[i].Label {
			t.Errorf("row %d label %q", i, r.attr("data-label"))
		}
		if v := r.find("text", "chart-value"); len(v) != 1 || parseNum(t, v[0].Text) != c.Points[i].Value {
			t.Errorf("row %d value text %+v", i, v)
		}
		widths = append(widths, parseNum(t, r.find("rect", "chart-bar")[0].attr("width")))
	}
	// Bars are proportional to the values: the largest fills the span.
	if widths[0] != 304 || widths[1] != 152 || widths[2] != 0 {
		t.Errorf("bar widths %v, want 304 152 0", widths)
	}
}

func TestBarsEmptyAndNegative(t *testing.T) {
	t.Parallel()
	empty := parse(t, string(Bars(Chart{ID: "e", Title: "Nothing"})))
	if d := empty.find("desc", ""); d[0].Text != "No data." {
		t.Errorf("desc %q", d[0].Text)
	}
	neg := parse(t, string(Bars(Chart{ID: "n", Title: "n", Points: []Point{{"a", -2}, {"b", 4}}})))
	rows := neg.find("g", "chart-row")
	if w := rows[0].find("rect", "chart-bar")[0].attr("width"); w != "0" {
		t.Errorf("negative bar width %s", w)
	}
	if v := rows[0].find("text", "chart-value")[0].Text; v != "-2" {
		t.Errorf("negative value written %q", v)
	}
}

func TestLineScalesFromLowestToHighest(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "trend", Title: "Average sentiment by week",
		Points: []Point{{"W1", -0.5}, {"W2", 0}, {"W3", 0.5}, {"W4", 0.25}},
		Format: func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }}
	svg := parse(t, string(Line(c)))
	pts := svg.find("g", "chart-point")
	if len(pts) != 4 {
		t.Fatalf("%d points", len(pts))
	}
	var ys []float64
	for i, p := range pts {
		if got := p.find("text", "chart-value")[0].Text; got != c.Format(c.Points[i].Value) {
			t.Errorf("point %d value %q", i, got)
		}
		if got := p.find("text", "chart-label"); len(got) != 1 || got[0].Text != c.Points[i].Label {
			t.Errorf("point %d label %+v", i, got)
		}
		ys = append(ys, parseNum(t, p.find("circle", "chart-dot")[0].attr("cy")))
	}
	// SVG y grows downwards: the highest value is nearest the top, the
	// lowest the bottom, and equal steps in value are equal steps in y.
	if !(ys[2] < ys[3] && ys[3] < ys[1] && ys[1] < ys[0]) {
		t.Errorf("y %v not ordered by value", ys)
	}
	if d1, d2 := ys[0]-ys[1], ys[1]-ys[2]; d1 != d2 {
		t.Errorf("steps %v and %v for equal changes", d1, d2)
	}
	if line := svg.find("polyline", "chart-line"); len(line) != 1 || len(strings.Fields(line[0].attr("points"))) != 4 {
		t.Errorf("polyline %+v", line)
	}
	if d := svg.find("desc", ""); d[0].Text != "W1: -0.50; W2: 0.00; W3: 0.50; W4: 0.25" {
		t.Errorf("desc %q", d[0].Text)
	}
}

func TestLineLabelsAtMostEightPeriods(t *testing.T) {
	t.Parallel()
	var c Chart
	c.ID, c.Title = "many", "many"
	for i := range 30 {
		c.Points = append(c.Points, Point{Label: "d" + strconv.Itoa(i), Value: float64(i % 7)})
	}
	svg := parse(t, string(Line(c)))
	if n := len(svg.find("text", "chart-label")); n > 8 || n < 5 {
		t.Errorf("%d period labels for 30 points", n)
	}
	// Every value is still written, and in the description.
	if n := len(svg.find("text", "chart-value")); n != 30 {
		t.Errorf("%d values written", n)
	}
}
