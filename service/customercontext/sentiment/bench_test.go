package sentiment

import "testing"

// BenchmarkScore is the cost of one score of a chat-sized text per
// language. `go test -run '^$' -bench . ./service/customercontext/sentiment`.
func BenchmarkScore(b *testing.B) {
	for _, bc := range []struct{ lang, text string }{
		{"en", "My router keeps dropping the connection every evening, this is really annoying."},
		{"de", "Mein Router verliert jeden Abend die Verbindung, das ist wirklich ärgerlich."},
		{"es", "Mi router pierde la conexión todas las noches, es muy molesto."},
	} {
		s := For(bc.lang)
		b.Run(bc.lang, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Score(bc.text)
			}
		})
	}
}
