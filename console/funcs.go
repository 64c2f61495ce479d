package console

import (
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode"

	"github.com/rapporthq/rapport/console/chart"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// funcs are the template functions.
func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"label": enumLabel,
		"when": func(ts *timestamppb.Timestamp) string {
			if ts == nil || (ts.GetSeconds() == 0 && ts.GetNanos() == 0) {
				return ""
			}
			return ts.AsTime().UTC().Format("2 Jan 2006 15:04 UTC")
		},
		"ago": func(ts *timestamppb.Timestamp) string {
			if ts == nil {
				return ""
			}
			return ago(h.cfg.Now().Sub(ts.AsTime()))
		},
		"iso": func(ts *timestamppb.Timestamp) string {
			if ts == nil {
				return ""
			}
			return ts.AsTime().UTC().Format(time.RFC3339)
		},
		"bars":  chart.Bars,
		"line":  chart.Line,
		"join":  strings.Join,
		"score": func(f float64) string { return fmt.Sprintf("%+.2f", f) },
		"anchor": func(name string) string {
			return strings.Map(func(r rune) rune {
				if r == '/' {
					return '-'
				}
				return r
			}, name)
		},
		"pct": func(rate float64) string { return fmt.Sprintf("%.0f%%", rate*100) },
		"period": func(ts *timestamppb.Timestamp, layout string) string {
			if ts == nil {
				return ""
			}
			return ts.AsTime().UTC().Format(layout)
		},
		"idOf": func(name string) string { return name[strings.LastIndexByte(name, '/')+1:] },
	}
}

// ago writes a duration as "3 days ago".
func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "in the future"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	default:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// enumLabel writes an enum value for people: CHANNEL_EMAIL is "email",
// ISSUE_STATUS_REOPENED "reopened"; the unspecified value is "".
func enumLabel(e protoreflect.Enum) string {
	if e == nil || e.Number() == 0 {
		return ""
	}
	d := e.Descriptor()
	v := d.Values().ByNumber(e.Number())
	if v == nil {
		return fmt.Sprint(e.Number())
	}
	name := strings.TrimPrefix(string(v.Name()), upperSnake(string(d.Name()))+"_")
	return strings.ToLower(strings.ReplaceAll(name, "_", " "))
}

// upperSnake turns CamelCase into UPPER_SNAKE.
func upperSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// parsePages parses each page with the layout.
func parsePages(funcs template.FuncMap, names ...string) map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, n := range names {
		pages[n] = template.Must(template.New(n).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+n+".html"))
	}
	return pages
}

// layout is the layout template alone, to add pages to.
func (h *Handler) layout() *template.Template {
	return template.Must(template.New("layout").Funcs(h.funcs()).ParseFS(templateFiles, "templates/layout.html"))
}
