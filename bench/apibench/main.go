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
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/jackc/pgx/v5"
	goipam "github.com/metal-stack/go-ipam"
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
	def := os.Getenv("IPAMD_TEST_DATABASE_URL")
	if def == "" {
		def = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
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
				out, err := buildIpamd(bin)
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

// buildIpamd builds cmd/ipamd in the root module (which this one replaces
// in), with the root module's go.mod and go.sum.
func buildIpamd(bin string) ([]byte, error) {
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/ipamd/ipamd").Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/ipamd")
	cmd.Dir = strings.TrimSpace(string(root))
	return cmd.CombinedOutput()
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

// newDatabase creates a fresh database and returns its URL and a drop func.
func newDatabase(admin string) (*url.URL, func(), error) {
	u, err := url.Parse(admin)
	if err != nil {
		return nil, nil, err
	}
	var b [6]byte
	_, _ = crand.Read(b[:])
	name := "apibench_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, nil, err
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "drop database:", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "drop database:", err)
		}
	}
	v := *u
	v.Path = "/" + name
	return &v, drop, nil
}

type node struct {
	addr string
	cmd  *exec.Cmd
	done chan error
}

func startNode(bin, logPath string, args ...string) (*node, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", addr}, args...)...)
	cmd.Env = append(os.Environ(), "IPAMD_CREDENTIALS=", "IPAMD_DATABASE_URL=", "IPAMD_DATA_DIR=")
	if logPath != "" {
		f, err := os.Create(logPath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		cmd.Stderr = f
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &node{addr: addr, cmd: cmd, done: make(chan error, 1)}
	go func() { n.done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return n, nil
			}
		}
		select {
		case err := <-n.done:
			return nil, fmt.Errorf("ipamd exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			n.stop()
			return nil, errors.New("ipamd not healthy after 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (n *node) stop() {
	_ = n.cmd.Process.Signal(os.Interrupt)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

func newClient(addr string) *ec2.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4
	return ec2.New(ec2.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String("http://" + addr),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: plainBody{tr}, Timeout: time.Minute},
	})
}

// plainBody hands request bodies to net/http as plain readers, avoiding the
// SDK's loopback body race (see internal/testserver.OwnBody; not imported
// here, since testserver would drag the SQLite store into this module).
type plainBody struct{ next http.RoundTripper }

func (p plainBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = struct{ io.ReadCloser }{r.Body} // hides WriteTo
	}
	return p.next.RoundTrip(r)
}

func runIpamd(c config, scenario, bin, tmp string) (result, error) {
	var args [][]string
	switch scenario {
	case "sqlite":
		args = [][]string{{"--data-dir", filepath.Join(tmp, "sqlite-"+randHex())}}
	default:
		u, drop, err := newDatabase(c.admin)
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
	var nodes []*node
	defer func() {
		for _, n := range nodes {
			n.stop()
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
		n, err := startNode(bin, logPath, a...)
		if err != nil {
			return result{}, err
		}
		nodes = append(nodes, n)
	}
	ctx := context.Background()
	admin := newClient(nodes[0].addr)
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
		clients[i] = newClient(nodes[i%len(nodes)].addr)
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
	u, drop, err := newDatabase(c.admin)
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

func randHex() string {
	var b [4]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}
