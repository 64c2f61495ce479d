package language

import (
	"runtime"
	"testing"
)

// BenchmarkDetect is the cost of one detection of a chat-sized text (the
// models already loaded). `go test -run '^$' -bench . ./service/customercontext/language`.
func BenchmarkDetect(b *testing.B) {
	Load()
	for _, bc := range []struct{ name, text string }{
		{"en-80B", "My router keeps dropping the connection every evening since the last update."},
		{"de-80B", "Mein Router verliert seit dem letzten Update jeden Abend die Verbindung."},
		{"en-1KB", longText},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				detect(bc.text, "") // without the cache
			}
		})
	}
}

const longText = `I have been a customer for six years and I have never had to write a letter like this one. Since the engineer's visit on the 3rd, my broadband drops every evening between seven and eleven. I have restarted the router, replaced the cable, moved it away from the microwave and tried another socket, as your chat agent asked. Each time I am told that a ticket has been raised and that someone will call me within 48 hours, and each time nobody calls. I work from home, and I have now lost four evenings of work. I would like a technician to come back, a credit for the days without service, and a named person who will follow this up until it is fixed. Please do not ask me to restart the router again. I look forward to your answer.`

// TestLoadHeap reports the heap the models take (not a timing: a size).
func TestLoadHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	Load()
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("heap after Load: %d MiB (before %d MiB)", after.HeapAlloc>>20, before.HeapAlloc>>20)
}
