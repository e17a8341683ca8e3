package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

const sectionTitle = "## End to end (SQLite)"

func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// table renders the results as a markdown table, one column per checkpoint.
func table(w io.Writer, rs []result, fin *final) {
	fmt.Fprintf(w, "| measurement (client / server, ms) |")
	for _, r := range rs {
		fmt.Fprintf(w, " %s |", sizeName(r.size))
	}
	fmt.Fprintf(w, "\n| --- |")
	for range rs {
		fmt.Fprintf(w, " ---: |")
	}
	fmt.Fprintln(w)
	row := func(name string, cell func(r result) string) {
		fmt.Fprintf(w, "| %s |", name)
		for _, r := range rs {
			fmt.Fprintf(w, " %s |", cell(r))
		}
		fmt.Fprintln(w)
	}
	row("AllocateIpamPoolCidr throughput, allocs/s (last allocations before the size)", func(r result) string {
		return fmt.Sprintf("%.0f (last %d)", r.allocRate, r.allocWindow)
	})
	row("AllocateIpamPoolCidr p50", func(r result) string { return r.alloc.pair(p50) })
	row("AllocateIpamPoolCidr p99", func(r result) string { return r.alloc.pair(p99) })
	row("GetIpamPoolAllocations first page, MaxResults 1000, p50", func(r result) string { return r.first1k.pair(p50) })
	row("GetIpamPoolAllocations first page, MaxResults 1000, p99", func(r result) string { return r.first1k.pair(p99) })
	row("GetIpamPoolAllocations first page, MaxResults 100000, p50 (items)", func(r result) string {
		return fmt.Sprintf("%s (%d)", r.first100k.pair(p50), r.first100k.items)
	})
	row("every 1000-item page of a full walk, p50", func(r result) string { return r.walk1k.pair(p50) })
	row("every 1000-item page of a full walk, p99", func(r result) string { return r.walk1k.pair(p99) })
	row("full walk, 1000-item pages: wall time (pages)", func(r result) string {
		return fmt.Sprintf("%s (%d)", secs(r.walk1kT), r.walk1k.client.n)
	})
	row("full walk, 100000-item pages: wall time (pages)", func(r result) string {
		return fmt.Sprintf("%s (%d)", secs(r.walk100kT), r.walk100k.client.n)
	})
	row("every 100000-item page of a full walk, p50", func(r result) string { return r.walk100k.pair(p50) })
	row("filter ipam-pool-allocation-id (primary key), 1 match, p50", func(r result) string { return r.byID.pair(p50) })
	row("IpamPoolAllocationId parameter (primary key), p50", func(r result) string { return r.byParam.pair(p50) })
	row("filter resource-id (index allocations_resource), 1 match, p50", func(r result) string { return r.byRes.pair(p50) })
	row("filter cidr, exact value (index allocations_pool_addr), 1 match, p50", func(r result) string { return r.byCIDR.pair(p50) })
	row("filter description, exact value (index allocations_description), 1 match, p50", func(r result) string { return r.byDesc.pair(p50) })
	if fin != nil {
		fmt.Fprintln(w)
		last := rs[len(rs)-1]
		fmt.Fprintf(w, "| at %s allocations | |\n| --- | ---: |\n", sizeName(last.size))
		fmt.Fprintf(w, "| server VmRSS (VmHWM) after growing and the measurements above | %s (%s) |\n", mb(fin.rss), mb(fin.hwm))
		fmt.Fprintf(w, "| restart: start of `ipamd serve` until /healthz answers 200 | %s |\n", secs(fin.healthy))
		fmt.Fprintf(w, "| restart: then the first AllocateIpamPoolCidr in the pool (loads its free space) | %s |\n", secs(fin.firstAlloc))
		fmt.Fprintf(w, "| restart: total start-up | %s |\n", secs(fin.startup))
		fmt.Fprintf(w, "| server VmRSS (VmHWM) after the restart and first allocation | %s (%s) |\n", mb(fin.rssAfter), mb(fin.hwmAfter))
	}
}

func printResults(w io.Writer, rs []result, fin *final, cfg config) {
	fmt.Fprintln(w)
	table(w, rs, fin)
	fmt.Fprintln(w)
}

// writeSection replaces (or appends) the "## End to end (SQLite)" section of
// path: everything from its heading to the next "## " heading.
func writeSection(path string, rs []result, fin *final, cfg config, args, machine string) error {
	var sec bytes.Buffer
	fmt.Fprintf(&sec, "%s\n\nMachine: %s.\n\n```\ncd bench && go run ./loadgen %s\n```\n\n", sectionTitle, machine, args)
	pool := "one IPv4 pool, 10.0.0.0/8, with /32 allocations"
	if cfg.family == "ipv6" {
		pool = "one IPv6 pool, fd00::/32, with /64 allocations"
	}
	fmt.Fprintf(&sec, "`bench/loadgen` starts `ipamd serve` on a fresh SQLite data dir and grows %s "+
		"(lowest free block, each with its own description and a random ClientToken, as the SDKs send) through "+
		"AllocateIpamPoolCidr from %d concurrent "+
		"SigV4-signing clients on loopback. The pool also holds one child pool's carve-out (the allocation "+
		"the resource-id filter finds). Each cell is client-side latency (request sent to last byte read) / "+
		"server-side latency (the request's `duration_ms` log line); single-page rows are over %d repetitions "+
		"(MaxResults 100000 and the description filter: %d). Allocation latency is over the last allocations "+
		"before each size, with %d requests in flight, so it includes waiting for the single SQLite writer.\n\n",
		pool, cfg.clients, cfg.reps, max(3, cfg.reps/5), cfg.clients)
	table(&sec, rs, fin)
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(old)
	i := strings.Index(s, sectionTitle+"\n")
	var out string
	if i < 0 {
		out = strings.TrimRight(s, "\n") + "\n\n" + sec.String()
	} else {
		rest := s[i+len(sectionTitle)+1:]
		j := strings.Index(rest, "\n## ")
		tail := ""
		if j >= 0 {
			tail = "\n" + rest[j+1:]
		}
		out = s[:i] + sec.String() + tail
	}
	return os.WriteFile(path, []byte(out), 0o644)
}
