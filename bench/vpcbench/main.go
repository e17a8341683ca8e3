// Command vpcbench measures issue 11's scale targets against real `ipamd
// serve` processes built from this checkout, driven over the EC2 Query
// protocol (SigV4-signed form POSTs, XML answers: hand-built requests as in
// loadgen, or aws-sdk-go-v2 clients with -sdk), on each store (-stores
// sqlite,postgres; PostgreSQL from -database-url, a fresh database each
// run, dropped after):
//
//  1. CreateVpc from one IPv4 pool (10.0.0.0/8, Ipv4NetmaskLength -vpc-bits)
//     -vpcs times, and the custom-allocation path measured the same way:
//     AllocateIpamPoolCidr of the same size from a second pool (11.0.0.0/8);
//  2. a resource planning pool per VPC (CreateIpamPool with SourceResource
//     = the VPC, then ProvisionIpamPoolCidr of the VPC's CIDR);
//  3. CreateSubnet with Ipv4IpamPoolId (the VPC's planning pool) +
//     Ipv4NetmaskLength -subnet-bits, -subnets per VPC, and again the
//     custom path: as many AllocateIpamPoolCidr of that size from the same
//     planning pools, in the same order;
//  4. DescribeVpcs / DescribeSubnets pages at that size: the first
//     1000-item page, every page of a full walk, and filtered by vpc-id;
//  5. a restart on the same data: `ipamd serve` to the first 200 on /healthz;
//  6. RSS of the restarted process (VmRSS) before and after every planning
//     pool has been used once (AllocateIpamPoolCidr with PreviewNextCidr,
//     which loads and caches the pool's free space and changes nothing),
//     after as many calls on one pool first, so the delta is the pools' and
//     not the request path's.
//
// Each mutating phase runs -clients concurrent callers over a fixed number
// of calls; item i of the subnet phases goes to VPC i mod -vpcs (spread:
// concurrent calls hit different VPCs) or, with -grouped, to VPC i / -subnets
// (the clients crowd a few VPCs at a time, as a Terraform apply does).
//
//	cd bench && go run ./vpcbench -stores sqlite,postgres
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ipamd/ipamd/bench/internal/harness"
)

type config struct {
	admin      string
	stores     []string
	clients    int
	vpcs       int
	subnets    int // per VPC
	vpcBits    int
	subnetBits int
	grouped    bool
	until      string
	sdk        bool
	reps       int
	bin        string
	pprof      string
	logs       string
	readsAlso  []string // more binaries whose reads are measured on the same data
}

func main() {
	var c config
	var stores string
	flag.StringVar(&c.admin, "database-url", harness.DefaultDatabaseURL(), "admin URL of the PostgreSQL server (a database is created and dropped)")
	flag.StringVar(&stores, "stores", "sqlite,postgres", "stores to run on, comma-separated")
	flag.IntVar(&c.clients, "clients", 16, "concurrent clients in the mutating phases")
	flag.IntVar(&c.vpcs, "vpcs", 10000, "VPCs (and planning pools)")
	flag.IntVar(&c.subnets, "subnets", 10, "subnets per VPC")
	flag.IntVar(&c.vpcBits, "vpc-bits", 23, "netmask length of each VPC (and of the custom allocations beside them)")
	flag.IntVar(&c.subnetBits, "subnet-bits", 28, "netmask length of each subnet (and of the custom allocations beside them)")
	flag.BoolVar(&c.sdk, "sdk", false, "drive the mutating phases with aws-sdk-go-v2 clients instead of raw signed requests (more client CPU on the same cores)")
	flag.StringVar(&c.until, "until", "", "stop after this step (vpcs, subnets, ...): a quick A/B of the write phases")
	flag.BoolVar(&c.grouped, "grouped", false, "send consecutive subnets to the same VPC instead of spreading them")
	flag.IntVar(&c.reps, "reps", 50, "repetitions of each single-page read")
	flag.StringVar(&c.bin, "ipamd", "", "an ipamd binary to run (default: build this checkout's cmd/ipamd)")
	flag.StringVar(&c.pprof, "pprof", "", "pass --pprof ADDR to ipamd (profile it while it runs)")
	flag.StringVar(&c.logs, "logs", "", "directory for ipamd's logs (default: discarded)")
	var readsAlso string
	flag.StringVar(&readsAlso, "reads-also", "", "more ipamd binaries, comma-separated: after the reads, each is started on the same data in turn and its reads measured too (to compare builds without building the data twice)")
	flag.Parse()
	c.stores = strings.Split(stores, ",")
	if readsAlso != "" {
		c.readsAlso = strings.Split(readsAlso, ",")
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "vpcbench:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	if 1<<(c.subnetBits-c.vpcBits) < 2*c.subnets {
		return fmt.Errorf("a /%d VPC holds fewer than %d /%d blocks (its subnets and the custom allocations beside them)",
			c.vpcBits, 2*c.subnets, c.subnetBits)
	}
	tmp, err := os.MkdirTemp("", "vpcbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if c.bin == "" {
		c.bin = filepath.Join(tmp, "ipamd")
		if out, err := harness.BuildIpamd(c.bin); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	var reports []*report
	for _, s := range c.stores {
		r, err := runStore(c, s, tmp)
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		reports = append(reports, r)
	}
	fmt.Printf("\n%d VPCs (/%d) from one pool, %d subnets (/%d) from their planning pools; %d CPUs; load average before each store: %s\n\n",
		c.vpcs, c.vpcBits, c.vpcs*c.subnets, c.subnetBits, runtime.NumCPU(), loads(reports))
	printReports(reports)
	return nil
}

func loads(rs []*report) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.store+" "+r.load)
	}
	return strings.Join(s, ", ")
}

// runStore runs every phase on a fresh store.
func runStore(c config, store, tmp string) (*report, error) {
	args := []string{"--max-pools", fmt.Sprint(c.vpcs + 10)}
	switch store {
	case "sqlite":
		args = append(args, "--data-dir", filepath.Join(tmp, "sqlite-"+harness.RandHex(4)))
	case "postgres":
		u, drop, err := harness.NewDatabase(c.admin, "vpcbench")
		if err != nil {
			return nil, err
		}
		defer drop()
		args = append(args, "--database-url", u.String())
	default:
		return nil, fmt.Errorf("unknown store %q", store)
	}
	if c.pprof != "" {
		args = append(args, "--pprof", c.pprof)
	}
	r := &report{store: store, clients: c.clients, load: loadavg()}
	w := &world{c: c, r: r, args: args, logs: c.logs, store: store}
	if len(c.readsAlso) > 0 {
		w.readsLabel = "[" + filepath.Base(c.bin) + "] "
	}
	defer w.stop()
	if err := w.start("build"); err != nil {
		return nil, err
	}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"pools", w.setup},
		{"vpcs", w.createVPCs},
		{"planning pools", w.createPlanningPools},
		{"subnets", w.createSubnets},
		{"reads", w.reads},
		{"reads of other binaries", w.readsAlso},
		{"restart", w.restart},
		{"idle pools", w.idlePools},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(os.Stderr, "%s: %s done in %v\n", store, s.name, time.Since(t0).Round(time.Millisecond))
		if s.name == c.until {
			break
		}
	}
	return r, nil
}

// loadavg is the 1-minute load average (the machine is shared).
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}
