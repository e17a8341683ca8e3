// Command apibench measures allocations per second through ipamd's API:
// aws-sdk-go-v2 EC2 clients calling AllocateIpamPoolCidr (SigV4, EC2 Query,
// XML, one committed transaction each) against real `ipamd serve`
// processes. Scenarios, each on a fresh database or data directory:
//
//   - pg-1node:  one node on PostgreSQL;
//   - pg-3nodes: three nodes on one PostgreSQL database, clients spread
//     round-robin over them;
//   - sqlite:    one node on SQLite;
//   - go-ipam:   github.com/metal-stack/go-ipam v1.14.7 as a library on its
//     PostgreSQL backend, AcquireChildPrefix from goroutines (no API, no
//     HTTP), on its own fresh database of the same server.
//
// Every scenario runs -clients concurrent callers for -duration after a
// -warmup, each allocating /28s from a 10.0.0.0/8 pool (-pools N spreads the
// clients over N pools, 10.0.0.0/8, 11.0.0.0/8, ...; client i uses pool i mod N).
// It prints allocations/s with p50/p99 latency, and the ratio of ipamd's API
// path to go-ipam's library path.
//
//	cd bench && go run ./apibench -clients 16 -duration 10s
//
// PostgreSQL comes from -database-url (an admin URL; default
// $IPAMD_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres).
// Databases are created as apibench_<random> and dropped afterwards.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	goipam "github.com/metal-stack/go-ipam"

	"github.com/ipamd/ipamd/bench/internal/harness"
)

type config struct {
	admin     string
	clients   int
	pools     int
	duration  time.Duration
	warmup    time.Duration
	scenarios []string
	pprof     string
	keepLogs  string
	bin       string
}

func main() {
	var c config
	def := harness.DefaultDatabaseURL()
	var scen string
	flag.StringVar(&c.admin, "database-url", def, "admin URL of the PostgreSQL server (databases are created and dropped)")
	flag.IntVar(&c.clients, "clients", 16, "concurrent clients")
	flag.IntVar(&c.pools, "pools", 1, "pools the clients are spread over (client i uses pool i mod pools)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "measured time per scenario")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured load before each scenario")
	flag.StringVar(&scen, "scenarios", "pg-1node,pg-3nodes,sqlite,go-ipam", "scenarios to run, comma-separated")
	flag.StringVar(&c.pprof, "pprof", "", "pass --pprof ADDR to the first ipamd node (profile it while it runs)")
	flag.StringVar(&c.bin, "ipamd", "", "an ipamd binary to run (default: build this checkout's cmd/ipamd), to compare builds")
	flag.StringVar(&c.keepLogs, "logs", "", "directory for the nodes' logs (default: discarded)")
	flag.Parse()
	c.scenarios = strings.Split(scen, ",")
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		os.Exit(1)
	}
}

type result struct {
	name     string
	n        int // allocations made in the measured window
	errs     int
	elapsed  time.Duration
	p50, p99 time.Duration
	firstErr error
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

func run(c config) error {
	tmp, err := os.MkdirTemp("", "apibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := c.bin
	var results []result
	for _, s := range c.scenarios {
		var r result
		var err error
		switch s {
		case "pg-1node", "pg-3nodes", "sqlite":
			if bin == "" {
				bin = filepath.Join(tmp, "ipamd")
				out, err := harness.BuildIpamd(bin)
				if err != nil {
					return fmt.Errorf("go build: %v\n%s", err, out)
				}
			}
			r, err = runIpamd(c, s, bin, tmp)
		case "go-ipam":
			r, err = runGoIPAM(c)
		default:
			return fmt.Errorf("unknown scenario %q", s)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		r.name = s
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "%s: %d allocations in %v\n", s, r.n, r.elapsed.Round(time.Millisecond))
	}
	fmt.Printf("\n%d clients, %d pool(s), %v measured after %v warm-up, %d CPUs\n\n",
		c.clients, c.pools, c.duration, c.warmup, runtime.NumCPU())
	fmt.Printf("| scenario | allocations | allocations/s | p50 | p99 | errors |\n|---|---:|---:|---:|---:|---:|\n")
	var gi float64
	for _, r := range results {
		fmt.Printf("| %s | %d | %.0f | %s | %s | %d |\n", r.name, r.n, r.rate(), ms(r.p50), ms(r.p99), r.errs)
		if r.name == "go-ipam" {
			gi = r.rate()
		}
		if r.firstErr != nil {
			fmt.Fprintf(os.Stderr, "%s: first error: %v\n", r.name, r.firstErr)
		}
	}
	if gi > 0 {
		fmt.Println()
		for _, r := range results {
			if r.name != "go-ipam" {
				fmt.Printf("ipamd %s (API) / go-ipam (library, PostgreSQL): %.1fx\n", r.name, r.rate()/gi)
			}
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// measure runs fn from c.clients goroutines, first for the warm-up and then
// for the measured duration, and summarizes the measured calls.
func measure(c config, fn func(client int) error) result {
	type sample struct {
		lat []time.Duration
		err int
		e   error
	}
	samples := make([]sample, c.clients)
	var wg sync.WaitGroup
	var mu sync.Mutex
	measuring, stop := false, false
	var start, end time.Time
	for i := range c.clients {
		wg.Go(func() {
			s := &samples[i]
			for {
				mu.Lock()
				on, done := measuring, stop
				mu.Unlock()
				if done {
					return
				}
				t0 := time.Now()
				err := fn(i)
				d := time.Since(t0)
				mu.Lock()
				counted := on && measuring && !stop
				mu.Unlock()
				if !counted {
					continue
				}
				if err != nil {
					s.err++
					if s.e == nil {
						s.e = err
					}
					continue
				}
				s.lat = append(s.lat, d)
			}
		})
	}
	time.Sleep(c.warmup)
	mu.Lock()
	measuring, start = true, time.Now()
	mu.Unlock()
	time.Sleep(c.duration)
	mu.Lock()
	stop, end = true, time.Now()
	mu.Unlock()
	wg.Wait()
	var all []time.Duration
	r := result{elapsed: end.Sub(start)}
	for _, s := range samples {
		all = append(all, s.lat...)
		r.errs += s.err
		if r.firstErr == nil {
			r.firstErr = s.e
		}
	}
	slices.Sort(all)
	r.n = len(all)
	if r.n > 0 {
		r.p50 = all[r.n/2]
		r.p99 = all[min(r.n-1, r.n*99/100)]
	}
	return r
}

func runIpamd(c config, scenario, bin, tmp string) (result, error) {
	var args [][]string
	switch scenario {
	case "sqlite":
		args = [][]string{{"--data-dir", filepath.Join(tmp, "sqlite-"+harness.RandHex(4))}}
	default:
		u, drop, err := harness.NewDatabase(c.admin, "apibench")
		if err != nil {
			return result{}, err
		}
		defer drop()
		nodes := 1
		if scenario == "pg-3nodes" {
			nodes = 3
		}
		for range nodes {
			args = append(args, []string{"--database-url", u.String()})
		}
	}
	var nodes []*harness.Node
	defer func() {
		for _, n := range nodes {
			n.Stop()
		}
	}()
	for i, a := range args {
		a = append(a, "--max-pools", "200")
		if i == 0 && c.pprof != "" {
			a = append(a, "--pprof", c.pprof)
		}
		logPath := ""
		if c.keepLogs != "" {
			logPath = filepath.Join(c.keepLogs, fmt.Sprintf("%s-node%d.log", scenario, i))
		}
		n, err := harness.StartNode(bin, logPath, a...)
		if err != nil {
			return result{}, err
		}
		nodes = append(nodes, n)
	}
	ctx := context.Background()
	admin := harness.NewClient(nodes[0].Addr)
	ip, err := admin.CreateIpam(ctx, &ec2.CreateIpamInput{})
	if err != nil {
		return result{}, err
	}
	var pools []*string
	for i := range c.pools {
		p, err := admin.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: ip.Ipam.PrivateDefaultScopeId,
			AddressFamily: types.AddressFamilyIpv4})
		if err != nil {
			return result{}, err
		}
		if _, err := admin.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: p.IpamPool.IpamPoolId,
			Cidr: aws.String(fmt.Sprintf("%d.0.0.0/8", 10+i))}); err != nil {
			return result{}, err
		}
		pools = append(pools, p.IpamPool.IpamPoolId)
	}
	clients := make([]*ec2.Client, c.clients)
	for i := range clients {
		clients[i] = harness.NewClient(nodes[i%len(nodes)].Addr)
	}
	return measure(c, func(i int) error {
		_, err := clients[i].AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: pools[i%len(pools)],
			NetmaskLength: aws.Int32(28)})
		return err
	}), nil
}

// runGoIPAM runs the same workload on go-ipam's PostgreSQL backend as a
// library: AcquireChildPrefix of a /28 from 10.0.0.0/8 (one parent per
// pool), with no HTTP in between.
func runGoIPAM(c config) (result, error) {
	u, drop, err := harness.NewDatabase(c.admin, "apibench")
	if err != nil {
		return result{}, err
	}
	defer drop()
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, port = u.Host, "5432"
	}
	pw, _ := u.User.Password()
	st, err := goipam.NewPostgresStorage(host, port, u.User.Username(), pw, strings.TrimPrefix(u.Path, "/"), goipam.SSLModeDisable)
	if err != nil {
		return result{}, err
	}
	ctx := context.Background()
	ip := goipam.NewWithStorage(st)
	var parents []string
	for i := range c.pools {
		p := fmt.Sprintf("%d.0.0.0/8", 10+i)
		if _, err := ip.NewPrefix(ctx, p); err != nil {
			return result{}, err
		}
		parents = append(parents, p)
	}
	return measure(c, func(i int) error {
		_, err := ip.AcquireChildPrefix(ctx, parents[i%len(parents)], 28)
		return err
	}), nil
}
