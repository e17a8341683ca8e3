// Command loadgen measures ipamd end to end over the EC2 Query protocol:
// SigV4-signed form POSTs from several concurrent clients against an
// `ipamd serve` on a fresh SQLite data dir (or any server, with -endpoint).
//
// It creates an IPAM and one pool (IPv4 10.0.0.0/8 with /32 allocations by
// default, or -family ipv6: fd00::/32 with /64s), carves a child pool out of
// the pool's top (so one allocation has a resource id), and grows the pool
// one AllocateIpamPoolCidr at a time to each -checkpoints size. At each
// checkpoint it measures the allocation rate and latency over the last
// allocations before it, GetIpamPoolAllocations pages (1,000 and 100,000
// items, the first page and full walks), and the same listing with filters
// that match one row. After the last checkpoint it reads the server's
// resident memory, restarts the server on the same data dir and times the
// start-up until /healthz answers 200 and the first allocation in the big
// pool (which loads the pool's free space) returns.
//
// Latencies are client-side on loopback (request sent to last body byte
// read; signing excluded) and server-side (the duration_ms of the server's
// request log line, matched by request id).
//
//	cd bench && go run ./loadgen -n 1000000 -write ../docs/benchmarks.md
package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ipamd/ipamd/bench/internal/harness"
)

type config struct {
	endpoint, bin, dataDir, listen string
	family                         string
	n                              int
	checkpoints                    []int
	clients, reps                  int
	write, serverLog, pprof        string
	keep                           bool
	startupPool                    string
}

func main() {
	var cfg config
	var cps string
	flag.StringVar(&cfg.endpoint, "endpoint", "", "target this server instead of starting one (no server-side times, restart or memory)")
	flag.StringVar(&cfg.bin, "ipamd", "", "ipamd binary to start (default: go build github.com/ipamd/ipamd/cmd/ipamd)")
	flag.StringVar(&cfg.dataDir, "data-dir", "", "data dir of the started server (default: a fresh temporary dir, removed at the end)")
	flag.StringVar(&cfg.listen, "listen", "", "listen address of the started server (default: a free loopback port)")
	flag.StringVar(&cfg.family, "family", "ipv4", "pool address family: ipv4 (10.0.0.0/8, /32s) or ipv6 (fd00::/32, /64s)")
	flag.IntVar(&cfg.n, "n", 100_000, "allocations to grow the pool to")
	flag.StringVar(&cps, "checkpoints", "10000,100000,1000000", "pool sizes to measure at (those <= -n; -n itself always)")
	flag.IntVar(&cfg.clients, "clients", 4, "concurrent clients while growing")
	flag.IntVar(&cfg.reps, "reps", 20, "repetitions of each single-page measurement")
	flag.StringVar(&cfg.write, "write", "", "replace the '## End to end (SQLite)' section of this markdown file with the results")
	flag.StringVar(&cfg.serverLog, "server-log", "", "also write the server's log to this file")
	flag.StringVar(&cfg.pprof, "pprof", "", "start the server with --pprof on this address")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the temporary data dir")
	flag.StringVar(&cfg.startupPool, "startup-pool", "", "only time the start-up on -data-dir (an existing one): /healthz, then one allocation in this pool")
	flag.Parse()
	for _, f := range strings.Split(cps, ",") {
		if c, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && c > 0 && c < cfg.n {
			cfg.checkpoints = append(cfg.checkpoints, c)
		}
	}
	cfg.checkpoints = append(cfg.checkpoints, cfg.n)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, strings.Join(os.Args[1:], " ")); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// result is everything measured at one checkpoint.
type result struct {
	size                 int
	allocRate            float64
	allocWindow          int
	alloc                measurement
	first1k, first100k   measurement
	walk1k, walk100k     measurement
	walk1kT, walk100kT   time.Duration // client-side wall time of the walk
	walk1kN, walk100kN   int           // items walked
	byID, byParam, byRes measurement
	byCIDR, byDesc       measurement
}

type final struct {
	rss, hwm                      int64
	healthy, firstAlloc, startup  time.Duration
	rssAfter, hwmAfter            int64
	firstPage1kCold, firstPageHot measurement
}

type bench struct {
	cfg      config
	c        *harness.RawClient
	srv      *server
	endpoint string
	pool     string
	child    string
	family   string
	bits     string

	allocated atomic.Int64
	samples   sync.Map // ticket -> sample
}

type sample struct{ id, cidr, desc string }

func run(ctx context.Context, cfg config, args string) error {
	b := &bench{cfg: cfg, family: cfg.family}
	switch cfg.family {
	case "ipv4":
		b.bits = "32"
	case "ipv6":
		b.bits = "64"
	default:
		return fmt.Errorf("-family %q: want ipv4 or ipv6", cfg.family)
	}
	machine := machineNote()
	if cfg.endpoint != "" {
		b.endpoint = cfg.endpoint
	} else {
		tmp, err := os.MkdirTemp("", "ipamd-loadgen-")
		if err != nil {
			return err
		}
		if !cfg.keep {
			defer os.RemoveAll(tmp)
		}
		if cfg.bin == "" {
			if cfg.bin, err = buildServer(tmp); err != nil {
				return fmt.Errorf("build ipamd: %w", err)
			}
		}
		if cfg.dataDir == "" {
			cfg.dataDir = filepath.Join(tmp, "data")
		}
		if cfg.listen == "" {
			if cfg.listen, err = freePort(); err != nil {
				return err
			}
		}
		b.srv = &server{bin: cfg.bin, dataDir: cfg.dataDir, listen: cfg.listen}
		if cfg.pprof != "" {
			b.srv.extra = []string{"--pprof", cfg.pprof}
		}
		if cfg.serverLog != "" {
			if b.srv.logFile, err = os.Create(cfg.serverLog); err != nil {
				return err
			}
			defer b.srv.logFile.Close()
		}
		if err := b.srv.start(); err != nil {
			return err
		}
		defer b.srv.stop()
		b.endpoint = "http://" + cfg.listen
		if err := waitHealthy(ctx, b.endpoint, 30*time.Second); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "ipamd pid %d on %s, data dir %s\n", b.srv.pid(), b.endpoint, cfg.dataDir)
	}
	b.c = harness.NewRawClient(b.endpoint, "us-east-1", "test", "test", cfg.clients)
	if cfg.startupPool != "" {
		if b.srv == nil {
			return fmt.Errorf("-startup-pool needs a started server, not -endpoint")
		}
		b.pool = cfg.startupPool
		_, err := b.restart(ctx)
		return err
	}
	if err := b.setup(ctx); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	var results []result
	for _, cp := range cfg.checkpoints {
		r, err := b.grow(ctx, cp)
		if err != nil {
			return err
		}
		if err := b.listings(ctx, &r); err != nil {
			return err
		}
		results = append(results, r)
		printResults(os.Stdout, results, nil, cfg)
	}
	var fin *final
	if b.srv != nil {
		f, err := b.restart(ctx)
		if err != nil {
			return err
		}
		fin = f
	}
	machine += fmt.Sprintf("; load average %s at the end", loadavg())
	printResults(os.Stdout, results, fin, cfg)
	if cfg.write != "" {
		return writeSection(cfg.write, results, fin, cfg, args, machine)
	}
	return nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// setup creates the IPAM, the big pool and its child.
func (b *bench) setup(ctx context.Context) error {
	r, err := b.c.Call(ctx, "CreateIpam", url.Values{"Description": {"loadgen"}, "OperatingRegion.1.RegionName": {"us-east-1"}})
	if err != nil {
		return err
	}
	scope, ok := between(r.Body, "<privateDefaultScopeId>", "</privateDefaultScopeId>")
	if !ok {
		return fmt.Errorf("CreateIpam: no privateDefaultScopeId in %s", r.Body)
	}
	parent, top := "10.0.0.0/8", "10.255.255.0/24"
	if b.family == "ipv6" {
		parent, top = "fd00::/32", "fd00:0:ffff:ff00::/56"
	}
	if b.pool, err = b.createPool(ctx, scope, "", parent); err != nil {
		return err
	}
	// The child's carve-out is the one allocation with a resource id.
	b.child, err = b.createPool(ctx, scope, b.pool, top)
	return err
}

func (b *bench) createPool(ctx context.Context, scope, source, cidr string) (string, error) {
	v := url.Values{"IpamScopeId": {scope}, "AddressFamily": {b.family}, "Description": {"loadgen"}}
	if source == "" {
		v.Set("AllocationDefaultNetmaskLength", b.bits)
	} else {
		v.Set("SourceIpamPoolId", source)
	}
	r, err := b.c.Call(ctx, "CreateIpamPool", v)
	if err != nil {
		return "", err
	}
	id, _ := between(r.Body, "<ipamPoolId>", "</ipamPoolId>")
	if _, err := b.c.Call(ctx, "ProvisionIpamPoolCidr", url.Values{"IpamPoolId": {id}, "Cidr": {cidr}}); err != nil {
		return "", err
	}
	return id, nil
}

// grow allocates until the pool holds size allocations (the child's
// carve-out not counted), measuring the last allocations before size.
func (b *bench) grow(ctx context.Context, size int) (result, error) {
	r := result{size: size}
	from := int(b.allocated.Load())
	window := min(10_000, size/2, size-from)
	r.allocWindow = window
	winStart := size - window
	mid := size / 2
	var (
		mu      sync.Mutex
		lat     []time.Duration
		ids     []string
		winT0   time.Time
		winOnce sync.Once
		errOnce sync.Once
		firstE  error
	)
	ticket := atomic.Int64{}
	ticket.Store(int64(from))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var recent atomic.Int64 // allocations since the last progress line
	var recentNS atomic.Int64
	start := time.Now()
	for range b.cfg.clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(ticket.Add(1) - 1)
				if i >= size {
					return
				}
				if i == winStart {
					winOnce.Do(func() {
						winT0 = time.Now()
						if b.srv != nil {
							b.srv.capture()
						}
					})
				}
				desc := "lg-" + strconv.Itoa(i)
				resp, err := b.c.Call(ctx, "AllocateIpamPoolCidr", url.Values{"IpamPoolId": {b.pool}, "Description": {desc},
					"ClientToken": {clientToken()}})
				if err != nil {
					errOnce.Do(func() { firstE = err; cancel() })
					return
				}
				b.allocated.Add(1)
				recent.Add(1)
				recentNS.Add(int64(resp.Latency))
				if i >= winStart {
					mu.Lock()
					lat = append(lat, resp.Latency)
					ids = append(ids, resp.RequestID)
					mu.Unlock()
				}
				if i == mid {
					id, _ := between(resp.Body, "<ipamPoolAllocationId>", "</ipamPoolAllocationId>")
					cidr, _ := between(resp.Body, "<cidr>", "</cidr>")
					b.samples.Store(size, sample{id: id, cidr: cidr, desc: desc})
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	last := time.Now()
loop:
	for {
		select {
		case <-done:
			break loop
		case now := <-tick.C:
			n, ns := recent.Swap(0), recentNS.Swap(0)
			avg := time.Duration(0)
			if n > 0 {
				avg = time.Duration(ns / n)
			}
			fmt.Fprintf(os.Stderr, "%s  allocated %d / %d  %.0f allocs/s  mean latency %s ms\n",
				time.Since(start).Truncate(time.Second), b.allocated.Load(), size, float64(n)/now.Sub(last).Seconds(), ms(avg))
			last = now
		}
	}
	if firstE != nil {
		return r, firstE
	}
	if err := ctx.Err(); err != nil {
		return r, err
	}
	elapsed := time.Since(winT0)
	r.alloc.client = summarize(lat)
	r.allocRate = float64(len(lat)) / elapsed.Seconds()
	if b.srv != nil {
		r.alloc.server = summarize(b.srv.serverTimes(ids))
	}
	fmt.Fprintf(os.Stderr, "reached %d allocations in %s; last %d: %.0f allocs/s, p50 %s ms, p99 %s ms (client)\n",
		size, time.Since(start).Truncate(time.Millisecond), len(lat), r.allocRate, ms(r.alloc.client.p50), ms(r.alloc.client.p99))
	return r, nil
}

// timed runs fn reps times, one request each, and measures them.
func (b *bench) timed(ctx context.Context, reps int, fn func() (*harness.RawResponse, error)) (measurement, error) {
	var m measurement
	var cl []time.Duration
	var ids []string
	if b.srv != nil {
		b.srv.capture()
	}
	for range reps {
		r, err := fn()
		if err != nil {
			return m, err
		}
		cl = append(cl, r.Latency)
		ids = append(ids, r.RequestID)
		m.items, _ = page(r.Body)
	}
	m.client = summarize(cl)
	if b.srv != nil {
		m.server = summarize(b.srv.serverTimes(ids))
	}
	return m, nil
}

func (b *bench) list(ctx context.Context, max int, token string, fs ...[]string) (*harness.RawResponse, error) {
	v := url.Values{"IpamPoolId": {b.pool}, "MaxResults": {strconv.Itoa(max)}}
	if token != "" {
		v.Set("NextToken", token)
	}
	for i, f := range fs {
		filter(v, i+1, f[0], f[1:]...)
	}
	return b.c.Call(ctx, "GetIpamPoolAllocations", v)
}

// walk pages through the whole pool.
func (b *bench) walk(ctx context.Context, max int) (measurement, time.Duration, int, error) {
	var m measurement
	var cl []time.Duration
	var ids []string
	if b.srv != nil {
		b.srv.capture()
	}
	token, total := "", 0
	start := time.Now()
	for {
		r, err := b.list(ctx, max, token)
		if err != nil {
			return m, 0, 0, err
		}
		cl = append(cl, r.Latency)
		ids = append(ids, r.RequestID)
		n, next := page(r.Body)
		total += n
		if next == "" {
			break
		}
		token = next
	}
	wall := time.Since(start)
	m.client = summarize(cl)
	if b.srv != nil {
		m.server = summarize(b.srv.serverTimes(ids))
	}
	return m, wall, total, nil
}

func (b *bench) listings(ctx context.Context, r *result) error {
	var err error
	reps := b.cfg.reps
	bigReps := max(3, reps/5)
	say := func(what string, m measurement) {
		fmt.Fprintf(os.Stderr, "  %-44s p50 %s ms (client / server), %d items\n", what, m.pair(p50), m.items)
	}
	if r.first1k, err = b.timed(ctx, reps, func() (*harness.RawResponse, error) { return b.list(ctx, 1000, "") }); err != nil {
		return err
	}
	say("first page, MaxResults 1000", r.first1k)
	if r.first100k, err = b.timed(ctx, bigReps, func() (*harness.RawResponse, error) { return b.list(ctx, 100000, "") }); err != nil {
		return err
	}
	say("first page, MaxResults 100000", r.first100k)
	s, _ := b.samples.Load(r.size)
	smp := s.(sample)
	filters := []struct {
		m   *measurement
		fn  func() (*harness.RawResponse, error)
		say string
	}{
		{&r.byID, func() (*harness.RawResponse, error) {
			return b.list(ctx, 1000, "", []string{"ipam-pool-allocation-id", smp.id})
		}, "filter ipam-pool-allocation-id"},
		{&r.byParam, func() (*harness.RawResponse, error) {
			return b.c.Call(ctx, "GetIpamPoolAllocations", url.Values{"IpamPoolId": {b.pool}, "IpamPoolAllocationId": {smp.id}})
		}, "IpamPoolAllocationId parameter"},
		{&r.byRes, func() (*harness.RawResponse, error) { return b.list(ctx, 1000, "", []string{"resource-id", b.child}) }, "filter resource-id"},
		{&r.byCIDR, func() (*harness.RawResponse, error) { return b.list(ctx, 1000, "", []string{"cidr", smp.cidr}) }, "filter cidr"},
		{&r.byDesc, func() (*harness.RawResponse, error) { return b.list(ctx, 1000, "", []string{"description", smp.desc}) }, "filter description"},
	}
	for _, f := range filters {
		n := reps
		if f.m == &r.byDesc {
			n = bigReps
		}
		if *f.m, err = b.timed(ctx, n, f.fn); err != nil {
			return err
		}
		if f.m.items != 1 {
			return fmt.Errorf("%s: %d items, want 1", f.say, f.m.items)
		}
		say(f.say, *f.m)
	}
	if r.walk100k, r.walk100kT, r.walk100kN, err = b.walk(ctx, 100000); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "  walk, 100000-item pages: %d items in %s\n", r.walk100kN, secs(r.walk100kT))
	if r.walk1k, r.walk1kT, r.walk1kN, err = b.walk(ctx, 1000); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "  walk, 1000-item pages: %d items in %s\n", r.walk1kN, secs(r.walk1kT))
	return nil
}

// restart reads the server's memory, restarts it on the same data dir and
// times the start-up.
func (b *bench) restart(ctx context.Context) (*final, error) {
	f := &final{}
	var err error
	runtime.GC()
	if f.rss, f.hwm, err = memory(b.srv.pid()); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "server memory at %d allocations: VmRSS %s, VmHWM %s\n", b.allocated.Load(), mb(f.rss), mb(f.hwm))
	if err := b.srv.stop(); err != nil {
		return nil, fmt.Errorf("stop ipamd: %w", err)
	}
	start := time.Now()
	if err := b.srv.start(); err != nil {
		return nil, err
	}
	if err := waitHealthy(ctx, b.endpoint, time.Minute); err != nil {
		return nil, err
	}
	f.healthy = time.Since(start)
	t := time.Now()
	if _, err := b.c.Call(ctx, "AllocateIpamPoolCidr", url.Values{"IpamPoolId": {b.pool}, "Description": {"after-restart"}}); err != nil {
		return nil, err
	}
	f.firstAlloc = time.Since(t)
	f.startup = time.Since(start)
	b.allocated.Add(1)
	if f.rssAfter, f.hwmAfter, err = memory(b.srv.pid()); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "restart: /healthz 200 after %s, first allocation %s, total %s; VmRSS %s, VmHWM %s\n",
		secs(f.healthy), secs(f.firstAlloc), secs(f.startup), mb(f.rssAfter), mb(f.hwmAfter))
	return f, nil
}

func machineNote() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d-core %s, %s/%s, %s; load average %s at the start", runtime.NumCPU(), model,
		runtime.GOOS, runtime.GOARCH, runtime.Version(), loadavg())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// clientToken is a random version-4 UUID, the ClientToken the AWS SDKs,
// boto3 and the CLI put in every AllocateIpamPoolCidr: a random key the
// server must record and look up with each allocation.
func clientToken() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
