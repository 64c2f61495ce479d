package service

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// piiPattern is the one rule that keeps personal data out of the logs: the
// identities the service handles, written as identity keys
// (`email:ada@example.com`, `phone:+14155550100`, `chat:…`, `social:…`,
// `external:…`), and bare email addresses and E.164 phone numbers
// wherever they appear (error texts, messages, attributes).
var piiPattern = regexp.MustCompile(`\b(?:email|phone|chat|social|external):[^\s,;)"']+|[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+|\+[1-9][0-9]{6,14}\b`)

// redact replaces each piece of s that piiPattern matches with
// "[redacted]", keeping an identity key's type (`email:[redacted]`), which
// says what the line is about without saying whom.
func redact(s string) string {
	return piiPattern.ReplaceAllStringFunc(s, func(m string) string {
		if typ, _, ok := strings.Cut(m, ":"); ok && !strings.ContainsAny(typ, "@+") {
			return typ + ":[redacted]"
		}
		return "[redacted]"
	})
}

// redactingHandler applies redact to every log record's message and to
// every attribute's text (strings, errors, Stringers, in groups too), so
// that no log line needs to be written with care: NewServer wraps the
// logger it is given with it, and every line of the server passes.
type redactingHandler struct{ slog.Handler }

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a)
	}
	return redactingHandler{h.Handler.WithAttrs(red)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.Handler.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redact(v.String()))
	case slog.KindGroup:
		group := v.Group()
		red := make([]any, len(group))
		for i, g := range group {
			red[i] = redactAttr(g)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, redact(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, redact(x.String()))
		case []string:
			red := make([]string, len(x))
			for i, s := range x {
				red[i] = redact(s)
			}
			return slog.Any(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
