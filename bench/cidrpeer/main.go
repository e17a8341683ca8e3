// Command cidrpeer runs the same prefix-allocation workload on
// github.com/metal-stack/go-ipam v1.14.7 (in-memory backend) and on ipamd's
// internal/cidr.Set, and prints the per-operation times and their ratio.
//
// Workload, per size n, on a 10.0.0.0/8 parent:
//
//   - build: reserve n specific /26s at every other /26 (go-ipam:
//     AcquireSpecificChildPrefix; ipamd: Set.Reserve, one call each), so the
//     free space is fragmented into n holes;
//   - op: acquire the next free /26 (go-ipam: AcquireChildPrefix; ipamd:
//     Set.Allocate) and release it again (ReleaseChildPrefix / Set.Release).
//
// If building go-ipam's state for a size exceeds -budget, the build stops and
// that size is measured at the number of allocations reached (printed).
//
//	cd bench && go run ./cidrpeer -sizes 1000,10000,100000 -budget 2m
package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ipamd/ipamd/internal/cidr"
	goipam "github.com/metal-stack/go-ipam"
)

const parent = "10.0.0.0/8"

// block returns the i-th /26 of 10.0.0.0/8.
func block(i int) netip.Prefix {
	v := uint32(10)<<24 | uint32(i)<<6
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 26)
}

type result struct {
	n             int
	build, op     time.Duration // build total, per op (acquire+release)
	truncated     bool
	requestedSize int
	opsMeasured   int
	buildPerAlloc time.Duration
}

func runGoIPAM(n int, budget time.Duration, ops int) (result, error) {
	ctx := context.Background()
	ip := goipam.New(ctx)
	if _, err := ip.NewPrefix(ctx, parent); err != nil {
		return result{}, err
	}
	r := result{requestedSize: n}
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := ip.AcquireSpecificChildPrefix(ctx, parent, block(2*i).String()); err != nil {
			return r, err
		}
		r.n = i + 1
		if i%256 == 0 && time.Since(start) > budget {
			r.truncated = true
			break
		}
	}
	r.build = time.Since(start)
	r.buildPerAlloc = r.build / time.Duration(max(1, r.n))
	start = time.Now()
	for i := 0; i < ops; i++ {
		c, err := ip.AcquireChildPrefix(ctx, parent, 26)
		if err != nil {
			return r, err
		}
		if i == 0 && c.Cidr != block(1).String() {
			return r, fmt.Errorf("go-ipam acquired %s, want %s", c.Cidr, block(1))
		}
		if err := ip.ReleaseChildPrefix(ctx, c); err != nil {
			return r, err
		}
		r.opsMeasured++
		if time.Since(start) > budget/4 {
			break
		}
	}
	r.op = time.Since(start) / time.Duration(r.opsMeasured)
	return r, nil
}

func runCidr(n, ops int) (result, error) {
	s := cidr.New()
	if err := s.AddPool(netip.MustParsePrefix(parent)); err != nil {
		return result{}, err
	}
	r := result{n: n, requestedSize: n}
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := s.Reserve(block(2 * i)); err != nil {
			return r, err
		}
	}
	r.build = time.Since(start)
	r.buildPerAlloc = r.build / time.Duration(max(1, n))
	start = time.Now()
	for i := 0; i < ops; i++ {
		p, err := s.Allocate(26, nil)
		if err != nil {
			return r, err
		}
		if i == 0 && p != block(1) {
			return r, fmt.Errorf("cidr allocated %s, want %s", p, block(1))
		}
		if err := s.Release(p); err != nil {
			return r, err
		}
	}
	r.opsMeasured = ops
	r.op = time.Since(start) / time.Duration(ops)
	return r, nil
}

func main() {
	sizes := flag.String("sizes", "1000,10000,100000", "comma-separated numbers of existing allocations")
	budget := flag.Duration("budget", 2*time.Minute, "max time to build go-ipam state per size")
	ops := flag.Int("ops", 200, "acquire+release pairs measured on go-ipam (ipamd runs 100x as many)")
	flag.Parse()

	fmt.Printf("%-10s %-10s %14s %14s %16s %16s %10s\n", "requested", "held", "go-ipam op", "ipamd op", "go-ipam build/a", "ipamd build/a", "op ratio")
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		g, err := runGoIPAM(n, *budget, *ops)
		if err != nil {
			fmt.Fprintln(os.Stderr, "go-ipam:", err)
			os.Exit(1)
		}
		c, err := runCidr(g.n, *ops*100)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cidr:", err)
			os.Exit(1)
		}
		note := ""
		if g.truncated {
			note = fmt.Sprintf("  (go-ipam build stopped after %s at %d allocations)", g.build.Round(time.Second), g.n)
		}
		fmt.Printf("%-10d %-10d %14s %14s %16s %16s %9.0fx%s\n", n, g.n, g.op, c.op, g.buildPerAlloc, c.buildPerAlloc,
			float64(g.op)/float64(c.op), note)
	}
}
