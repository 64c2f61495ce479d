package main

import (
	"fmt"
	"net/http"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// registerBuildInfo adds rapport_build_info: 1, labelled with the version
// and the Go version of the binary.
func registerBuildInfo(reg prometheus.Registerer) {
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "rapport_build_info",
		Help:        "1, labelled with the version of rapport and the Go version that built it.",
		ConstLabels: prometheus.Labels{"version": buildVersion(), "goversion": runtime.Version()},
	})
	info.Set(1)
	reg.MustRegister(info)
}

// metricsIndex is the page at / on the metrics port.
const metricsIndex = `<!doctype html>
<html><head><meta charset="utf-8"><title>rapport %[1]s</title></head>
<body><h1>rapport %[1]s</h1>
<ul>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="/healthz">/healthz</a>: 200 while the process runs (the database's health is gRPC health, on the gRPC port)</li>
</ul></body></html>
`

// metricsHandler serves the metrics port: /metrics, a small index at /,
// and /healthz, 200 while the process runs.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, metricsIndex, buildVersion())
	})
	return mux
}
