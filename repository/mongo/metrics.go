package mongo

import (
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/event"
)

// PoolMetrics exports the driver's connection pool as Prometheus metrics:
// connections open and checked out, and failures to get one. Pass Monitor
// to Connect.
type PoolMetrics struct {
	open       prometheus.Gauge
	checkedOut prometheus.Gauge
	failures   prometheus.Counter
}

// NewPoolMetrics creates the pool metrics and registers them with reg;
// maxPoolSize is the pool's size (the client's maxPoolSize), exported as
// rapport_mongodb_pool_max_connections.
func NewPoolMetrics(reg prometheus.Registerer, maxPoolSize uint64) *PoolMetrics {
	m := &PoolMetrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_mongodb_pool_connections", Help: "Connections the driver holds open to the database.",
		}),
		checkedOut: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_mongodb_pool_checked_out_connections", Help: "Connections in use by operations.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rapport_mongodb_pool_checkout_failures_total", Help: "Operations that could not get a connection.",
		}),
	}
	size := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "rapport_mongodb_pool_max_connections", Help: "The pool's size: connections the driver may open to the database.",
	})
	size.Set(float64(maxPoolSize))
	reg.MustRegister(m.open, m.checkedOut, m.failures, size)
	return m
}

// Monitor is the driver's pool monitor feeding the metrics.
func (m *PoolMetrics) Monitor() *event.PoolMonitor {
	return &event.PoolMonitor{Event: func(e *event.PoolEvent) {
		switch e.Type {
		case event.ConnectionCreated:
			m.open.Inc()
		case event.ConnectionClosed:
			m.open.Dec()
		case event.ConnectionCheckedOut:
			m.checkedOut.Inc()
		case event.ConnectionCheckedIn:
			m.checkedOut.Dec()
		case event.ConnectionCheckOutFailed:
			m.failures.Inc()
		}
	}}
}
