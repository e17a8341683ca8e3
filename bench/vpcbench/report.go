package main

import (
	"fmt"
	"time"

	"github.com/ipamd/ipamd/bench/internal/harness"
)

// report is what one store measured.
type report struct {
	store   string
	clients int
	load    string
	phases  []phase
	reads   []read
	startup time.Duration

	rssBeforePools, rssAfterSubnets           int64 // the building process
	rssRestarted, rssIdleBefore, rssIdleAfter int64 // the restarted process
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

func printReports(rs []*report) {
	fmt.Printf("| operation | store | clients | calls | ops/s | p50 | p99 | ipamd CPU per call | PostgreSQL CPU per call | clients' CPU per call |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		for _, p := range r.phases {
			db := "–"
			if r.store == "postgres" {
				db = harness.Ms(p.dbCPUPerCall())
			}
			fmt.Printf("| %s | %s | %d | %d | %.0f | %s | %s | %s | %s | %s |\n", p.op, r.store, r.clients, p.n, p.rate(),
				harness.Ms(p.lat.P50), harness.Ms(p.lat.P99), harness.Ms(p.cpuPerCall()), db, harness.Ms(p.selfCPUPerCall()))
		}
	}
	fmt.Printf("\n| read (one client, client-side) | store | items | calls | p50 | p99 | max | ipamd CPU per call |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		for _, d := range r.reads {
			fmt.Printf("| %s | %s | %d | %d | %s | %s | %s | %s |\n", d.what, r.store, d.items, d.lat.N,
				harness.Ms(d.lat.P50), harness.Ms(d.lat.P99), harness.Ms(d.lat.Max), harness.Ms(d.cpu))
		}
	}
	fmt.Printf("\n| store | start-up (serve → first 200 on /healthz) | RSS before planning pools → after subnets (building process) | RSS restarted → after one-pool calls → after each planning pool used once | idle planning pools' RSS delta |\n|---|---:|---:|---:|---:|\n")
	for _, r := range rs {
		fmt.Printf("| %s | %.2f s | %s → %s | %s → %s → %s | %s |\n", r.store, r.startup.Seconds(),
			mb(r.rssBeforePools), mb(r.rssAfterSubnets), mb(r.rssRestarted), mb(r.rssIdleBefore), mb(r.rssIdleAfter),
			mb(r.rssIdleAfter-r.rssIdleBefore))
	}
}
