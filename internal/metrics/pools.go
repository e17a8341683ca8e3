package metrics

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

// Pools is what the pool gauges read: *ipam.Service.
type Pools interface {
	// PoolStats returns the pools held in memory, without queries.
	PoolStats() []ipam.PoolStats
	// LoadPoolSpaces loads the pools not held and catches up stale ones.
	LoadPoolSpaces(ctx context.Context) (int, error)
}

// poolFamily is one per-pool gauge.
type poolFamily struct {
	name, help string
	value      func(st *ipam.PoolStats) (float64, bool) // false: no sample for this pool
}

// poolFamilies are the per-pool gauges; every sample carries the labels
// pool, ipam, scope, account and family.
var poolFamilies = []poolFamily{
	{"ipamd_pool_provisioned_addresses", "Addresses provisioned to the pool.",
		func(st *ipam.PoolStats) (float64, bool) { return st.Provisioned.Float64(), true }},
	{"ipamd_pool_allocated_addresses", "Provisioned addresses of the pool that are allocated (to resources, custom allocations or child pools).",
		func(st *ipam.PoolStats) (float64, bool) { return st.Allocated.Float64(), true }},
	{"ipamd_pool_free_addresses", "Provisioned addresses of the pool that are free.",
		func(st *ipam.PoolStats) (float64, bool) { return st.Free.Float64(), true }},
	{"ipamd_pool_utilization_ratio", "Allocated over provisioned addresses, 0 to 1 (0 for a pool with nothing provisioned).",
		func(st *ipam.PoolStats) (float64, bool) {
			if total := st.Provisioned.Float64(); total > 0 {
				return st.Allocated.Float64() / total, true
			}
			return 0, true
		}},
	{"ipamd_pool_allocations", "Allocations in the pool, child pools' carve-outs included.",
		func(st *ipam.PoolStats) (float64, bool) { return float64(st.Allocations), true }},
	{"ipamd_pool_largest_free_prefix_length", "Prefix length of the largest free aligned block: the biggest allocation that still fits. Absent when nothing is free.",
		func(st *ipam.PoolStats) (float64, bool) { return float64(st.LargestFree), st.LargestFree >= 0 }},
}

// poolsMetric counts the pools reported.
const poolsMetric = "ipamd_pools"

// writePools writes the pool gauges in the Prometheus text format. It
// writes the text itself rather than through a registry: client_golang
// builds, validates and sorts every sample of a scrape, which for 10,000
// pools (60,000 samples) took about a second (docs/benchmarks.md); this
// is one pass over the snapshot per gauge.
func writePools(w io.Writer, stats []ipam.PoolStats) error {
	labels := make([]string, len(stats))
	for i := range stats {
		st := &stats[i]
		labels[i] = `{pool="` + escape(st.PoolID) + `",ipam="` + escape(st.IpamID) + `",scope="` + escape(st.ScopeID) +
			`",account="` + escape(st.OwnerID) + `",family="` + escape(st.AddressFamily) + `"} `
	}
	buf := make([]byte, 0, 64<<10)
	buf = fmt.Appendf(buf, "# HELP %s Pools this node reports.\n# TYPE %s gauge\n%s %d\n", poolsMetric, poolsMetric, poolsMetric, len(stats))
	for _, f := range poolFamilies {
		buf = fmt.Appendf(buf, "# HELP %s %s\n# TYPE %s gauge\n", f.name, f.help, f.name)
		for i := range stats {
			v, ok := f.value(&stats[i])
			if !ok {
				continue
			}
			buf = append(buf, f.name...)
			buf = append(buf, labels[i]...)
			buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
			buf = append(buf, '\n')
			if len(buf) > 60<<10 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err := w.Write(buf)
	return err
}

// escape escapes a label value as the text format requires. Ids never
// need it, so the check comes first and is a plain byte loop.
func escape(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c == '"' || c == '\n' {
			return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
		}
	}
	return s
}

// KeepPoolsLoaded loads every pool's space now and then every interval
// until ctx ends, so the gauges cover pools this node has not used since
// it started and, with several nodes, follow what the others changed. The
// work per round is one query plus one short transaction per pool that
// is new or changed elsewhere; failures are logged and retried next round.
func KeepPoolsLoaded(ctx context.Context, src Pools, interval time.Duration, log *slog.Logger) {
	for {
		start := time.Now()
		n, err := src.LoadPoolSpaces(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("loading pools for metrics", "err", err)
		case n > 0:
			log.Info("pools loaded for metrics", "pools", n, "duration_ms", time.Since(start).Milliseconds())
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
