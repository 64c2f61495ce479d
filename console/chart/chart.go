// Package chart draws small, accessible SVG charts on the server: data in,
// SVG out, no script. Every figure is in the SVG as text (a label beside
// each bar or point) and in its accessible name (the <title> and <desc>
// that role="img" exposes to screen readers), so a chart reads the same to
// a person, a screen reader and a test. Colours and fonts come from the
// page's stylesheet (classes, no inline style), so a strict
// Content-Security-Policy holds.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Point is one figure: a category or period and its value.
type Point struct {
	Label string
	Value float64
}

// Chart is what to draw.
type Chart struct {
	// ID makes the chart's element IDs unique on its page (letters, digits
	// and dashes).
	ID string
	// Title names the chart: its <title>, e.g. "Contacts by channel, last 90 days".
	Title string
	// Unit follows each value in the description, e.g. "contacts".
	Unit string
	// Points are drawn in order.
	Points []Point
	// Format writes a value; nil writes it with at most two decimals.
	Format func(float64) string
}

func (c Chart) format(v float64) string {
	if c.Format != nil {
		return c.Format(v)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// Description is the chart's figures in words: "email: 3 contacts; voice:
// 2 contacts". It is the SVG's <desc>.
func (c Chart) Description() string {
	if len(c.Points) == 0 {
		return "No data."
	}
	parts := make([]string, len(c.Points))
	for i, p := range c.Points {
		parts[i] = p.Label + ": " + c.format(p.Value)
		if c.Unit != "" {
			parts[i] += " " + c.Unit
		}
	}
	return strings.Join(parts, "; ")
}

// svg is a small writer of escaped SVG.
type svg struct{ b strings.Builder }

func (s *svg) printf(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

// esc escapes text and attribute values.
func esc(s string) string { return template.HTMLEscapeString(s) }

// num writes a coordinate with one decimal.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

func (s *svg) open(c Chart, kind string, w, h float64) {
	id := esc(c.ID)
	s.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-kind-%s" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title %s-desc" data-chart="%s">`,
		kind, num(w), num(h), id, id, id)
	s.printf(`<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(c.Title), id, esc(c.Description()))
}

// Bars draws a horizontal bar chart, one bar per point with its label on
// the left and its value on the right: a breakdown (by channel, by topic).
// Values below zero are drawn as zero-length bars (their figure is still
// written).
func Bars(c Chart) template.HTML {
	const (
		width, labelW, valueW = 480.0, 120.0, 56.0
		rowH, barH, pad       = 40.0, 26.0, 6.0
	)
	height := pad*2 + rowH*float64(max(len(c.Points), 1))
	maxV := 0.0
	for _, p := range c.Points {
		maxV = math.Max(maxV, p.Value)
	}
	var s svg
	s.open(c, "bars", width, height)
	if len(c.Points) == 0 {
		s.printf(`<text class="chart-empty" x="%s" y="%s">No data</text>`, num(width/2), num(height/2+5))
	}
	span := width - labelW - valueW
	for i, p := range c.Points {
		y := pad + rowH*float64(i)
		w := 0.0
		if maxV > 0 && p.Value > 0 {
			w = span * p.Value / maxV
		}
		s.printf(`<g class="chart-row" data-label="%s" data-value="%s">`, esc(p.Label), esc(c.format(p.Value)))
		s.printf(`<text class="chart-label" x="%s" y="%s" text-anchor="end">%s</text>`, num(labelW-8), num(y+rowH/2+7), esc(p.Label))
		s.printf(`<rect class="chart-bar" x="%s" y="%s" width="%s" height="%s"></rect>`, num(labelW), num(y+(rowH-barH)/2), num(w), num(barH))
		s.printf(`<text class="chart-value" x="%s" y="%s">%s</text>`, num(labelW+w+6), num(y+rowH/2+7), esc(c.format(p.Value)))
		s.printf(`</g>`)
	}
	s.printf(`</svg>`)
	return template.HTML(s.b.String()) //nolint:gosec // every text and attribute is escaped above
}

// Line draws a trend: the points in order, joined by a line, each with its
// value above it and its label (period) below the axis. The vertical scale
// runs from the lowest to the highest value, with zero included.
func Line(c Chart) template.HTML {
	const (
		width, height           = 600.0, 260.0
		left, right, top, below = 24.0, 24.0, 34.0, 50.0
	)
	var s svg
	s.open(c, "line", width, height)
	if len(c.Points) == 0 {
		s.printf(`<text class="chart-empty" x="%s" y="%s">No data</text></svg>`, num(width/2), num(height/2))
		return template.HTML(s.b.String()) //nolint:gosec // escaped
	}
	lo, hi := 0.0, 0.0
	for _, p := range c.Points {
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
	}
	if hi == lo {
		hi = lo + 1
	}
	plotH := height - top - below
	y := func(v float64) float64 { return top + plotH*(hi-v)/(hi-lo) }
	step := (width - left - right) / float64(len(c.Points))
	x := func(i int) float64 { return left + step*(float64(i)+0.5) }
	s.printf(`<line class="chart-axis" x1="%s" y1="%s" x2="%s" y2="%s"></line>`, num(left), num(y(0)), num(width-right), num(y(0)))
	pts := make([]string, len(c.Points))
	for i, p := range c.Points {
		pts[i] = num(x(i)) + "," + num(y(p.Value))
	}
	s.printf(`<polyline class="chart-line" points="%s"></polyline>`, strings.Join(pts, " "))
	every := max(1, int(math.Ceil(float64(len(c.Points))/8))) // at most 8 period labels fit (all values are written)
	for i, p := range c.Points {
		s.printf(`<g class="chart-point" data-label="%s" data-value="%s">`, esc(p.Label), esc(c.format(p.Value)))
		s.printf(`<circle class="chart-dot" cx="%s" cy="%s" r="4"></circle>`, num(x(i)), num(y(p.Value)))
		s.printf(`<text class="chart-value" x="%s" y="%s" text-anchor="middle">%s</text>`, num(x(i)), num(y(p.Value)-11), esc(c.format(p.Value)))
		if i%every == 0 {
			s.printf(`<text class="chart-label" x="%s" y="%s" text-anchor="middle">%s</text>`, num(x(i)), num(height-below+32), esc(p.Label))
		}
		s.printf(`</g>`)
	}
	s.printf(`</svg>`)
	return template.HTML(s.b.String()) //nolint:gosec // escaped
}
