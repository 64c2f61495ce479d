package sqlite

import "github.com/prometheus/client_golang/prometheus"

// RegisterMetrics exports the store's connection pools to reg: connections
// open, in use and the pool's size, and the waits for a connection (a
// waiting writer means another write transaction of this process held the
// writer; readers wait when every reader is busy); and the write
// transactions committed with the calls they held (group commit).
func (s *Store) RegisterMetrics(reg prometheus.Registerer) {
	pool := func(name string) func() (float64, float64, float64, float64, float64) {
		return func() (open, inUse, size, waits, waitSeconds float64) {
			read, write := s.Stats()
			st := read
			if name == "write" {
				st = write
			}
			return float64(st.OpenConnections), float64(st.InUse), float64(st.MaxOpenConnections), float64(st.WaitCount), st.WaitDuration.Seconds()
		}
	}
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rapport_sqlite_write_commits_total", Help: "Write transactions the embedded store committed (concurrent calls share one: group commit)."},
			func() float64 { n, _ := s.GroupStats(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rapport_sqlite_write_committed_calls_total", Help: "Write calls those transactions held: divided by the commits, the mean group size."},
			func() float64 { _, n := s.GroupStats(); return float64(n) }),
	)
	for _, name := range []string{"read", "write"} {
		stats := pool(name)
		labels := prometheus.Labels{"pool": name}
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rapport_sqlite_pool_connections", Help: "Connections the embedded store holds open, by pool.", ConstLabels: labels},
				func() float64 { v, _, _, _, _ := stats(); return v }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rapport_sqlite_pool_in_use_connections", Help: "Connections in use, by pool.", ConstLabels: labels},
				func() float64 { _, v, _, _, _ := stats(); return v }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rapport_sqlite_pool_max_connections", Help: "The pool's size: connections it may open.", ConstLabels: labels},
				func() float64 { _, _, v, _, _ := stats(); return v }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rapport_sqlite_pool_waits_total", Help: "Times a statement waited for a connection of the pool.", ConstLabels: labels},
				func() float64 { _, _, _, v, _ := stats(); return v }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rapport_sqlite_pool_wait_seconds_total", Help: "Time statements waited for a connection of the pool.", ConstLabels: labels},
				func() float64 { _, _, _, _, v := stats(); return v }),
		)
	}
}
