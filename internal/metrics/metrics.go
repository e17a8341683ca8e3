// Package metrics exports ipamd's Prometheus metrics: requests by action
// and error code, their latency, store commits, allocation batches, build
// info, the Go runtime and the process, and per-pool address-space gauges
// read at scrape time from the Service's in-memory free-space index. The
// registry is always passed in; nothing is registered globally.
package metrics

import (
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
)

// Metrics records what the API and the Service report. It implements
// api.Observer and ipam.Observer.
type Metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	commits   *prometheus.HistogramVec
	batches   prometheus.Histogram
	conflicts prometheus.Counter
}

// latencyBuckets span a cached allocation (well under a millisecond) to a
// slow PostgreSQL commit.
var latencyBuckets = []float64{.00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New registers ipamd's request, store, build and runtime metrics on reg.
// version is the binary's version for ipamd_build_info.
func New(reg prometheus.Registerer, version string) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ipamd_requests_total",
			Help: "API requests by action and result: Success or the EC2 error code. action is \"unknown\" for a request that named no valid action.",
		}, []string{"action", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ipamd_request_duration_seconds",
			Help:    "API request latency by action, from the first byte read to the answer written.",
			Buckets: latencyBuckets,
		}, []string{"action"}),
		commits: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ipamd_store_commit_duration_seconds",
			Help:    "Store commit latency of write transactions, from the last write to the store's answer; result is committed or failed.",
			Buckets: latencyBuckets,
		}, []string{"result"}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ipamd_allocation_batch_size",
			Help:    "Allocation requests for one pool made in one store transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ipamd_store_conflicts_total",
			Help: "Write transactions that lost a race to another (a key or overlap backstop, a serialization failure, a deadlock) and ran again, or gave up after 5 runs.",
		}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "ipamd_build_info",
		Help:        "Always 1; the labels name the running build.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	build.Set(1)
	reg.MustRegister(m.requests, m.latency, m.commits, m.batches, m.conflicts, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest counts one API request (api.Observer).
func (m *Metrics) ObserveRequest(action, code string, elapsed time.Duration) {
	if action == "" {
		action = "unknown"
	}
	m.requests.WithLabelValues(action, code).Inc()
	m.latency.WithLabelValues(action).Observe(elapsed.Seconds())
}

// ObserveCommit records one store commit (ipam.Observer).
func (m *Metrics) ObserveCommit(elapsed time.Duration, committed bool) {
	result := "committed"
	if !committed {
		result = "failed"
	}
	m.commits.WithLabelValues(result).Observe(elapsed.Seconds())
}

// ObserveBatch records the size of one allocation batch (ipam.Observer).
func (m *Metrics) ObserveBatch(size int) { m.batches.Observe(float64(size)) }

// ObserveConflict counts one lost race of a write transaction (ipam.Observer).
func (m *Metrics) ObserveConflict() { m.conflicts.Inc() }

// Handler serves g's metrics and, when pools is not nil, the per-pool
// gauges read from pools at each scrape, in the Prometheus text format
// (every Prometheus version reads it).
func Handler(g prometheus.Gatherer, pools Pools, log *slog.Logger) http.Handler {
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		families, err := g.Gather()
		if err != nil {
			log.Error("gathering metrics", "err", err)
			http.Error(w, "gathering metrics failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", string(format))
		enc := expfmt.NewEncoder(w, format)
		for _, f := range families {
			if err := enc.Encode(f); err != nil {
				return // the client went away
			}
		}
		if pools != nil {
			_ = writePools(w, pools.PoolStats())
		}
	})
}
