package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/bench/internal/harness"
)

var ctx = context.Background()

// world is one store's ipamd node and what the phases created in it.
type world struct {
	c           config
	r           *report
	store, logs string
	args        []string
	node        *harness.Node
	clients     []*ec2.Client // setup and reads
	apis        []api         // the mutating phases' callers
	restarts    int
	readsLabel  string // prefixes the reads' names (-reads-also)

	scope, vpcPool, customPool string
	vpcIDs, vpcCIDRs, planIDs  []string
}

func (w *world) start(label string) error {
	logPath := ""
	if w.logs != "" {
		logPath = filepath.Join(w.logs, fmt.Sprintf("%s-%s.log", w.store, label))
	}
	n, err := harness.StartNode(w.c.bin, logPath, w.args...)
	if err != nil {
		return err
	}
	w.node = n
	w.clients = make([]*ec2.Client, w.c.clients)
	w.apis = make([]api, w.c.clients)
	for i := range w.clients {
		w.clients[i] = harness.NewClient(n.Addr)
		if w.c.sdk {
			w.apis[i] = sdkAPI{w.clients[i]}
		} else {
			w.apis[i] = rawAPI{harness.NewRawClient("http://"+n.Addr, "us-east-1", "test", "test", 1)}
		}
	}
	return nil
}

func (w *world) stop() {
	if w.node != nil {
		w.node.Stop()
		w.node = nil
	}
}

func (w *world) rss() int64 {
	b, err := w.node.RSS()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rss:", err)
	}
	return b
}

// cpu is the node's CPU time so far.
func (w *world) cpu() time.Duration {
	d, err := w.node.CPU()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpu:", err)
	}
	return d
}

// dbCPU is the CPU time so far of every process named postgres on this
// machine (the server and its backends; a backend that exits in a phase
// takes its share with it, but ipamd keeps its connections). Other work on
// the same server counts too: meaningful on a quiet machine. 0 on SQLite.
func (w *world) dbCPU() time.Duration {
	if w.store != "postgres" {
		return 0
	}
	dirs, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if comm, err := os.ReadFile("/proc/" + d.Name() + "/comm"); err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		if c, err := harness.ProcessCPU(pid); err == nil {
			sum += c
		}
	}
	return sum
}

func selfCPU() time.Duration {
	d, err := harness.ProcessCPU(os.Getpid())
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpu:", err)
	}
	return d
}

// measured runs a mutating phase, records it, and fails on any error.
func (w *world) measured(op string, total int, fn func(a api, item int) error) error {
	cpu0, self0, db0 := w.cpu(), selfCPU(), w.dbCPU()
	p := runN(op, w.c.clients, total, func(cl, i int) error { return fn(w.apis[cl], i) })
	p.cpu, p.selfCPU, p.dbCPU = w.cpu()-cpu0, selfCPU()-self0, w.dbCPU()-db0
	w.r.phases = append(w.r.phases, p)
	db := ""
	if w.store == "postgres" {
		db = ", PostgreSQL CPU " + harness.Ms(p.dbCPUPerCall())
	}
	fmt.Fprintf(os.Stderr, "%s: %s: %d in %v (%.0f/s, ipamd CPU %s per call%s)\n", w.store, op, p.n,
		p.elapsed.Round(time.Millisecond), p.rate(), harness.Ms(p.cpuPerCall()), db)
	if p.errs > 0 {
		return fmt.Errorf("%s: %d errors, the first: %w", op, p.errs, p.firstErr)
	}
	return nil
}

// setup creates the IPAM, the VPCs' pool and the custom allocations' pool.
func (w *world) setup() error {
	c := w.clients[0]
	ip, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{
		OperatingRegions: []types.AddIpamOperatingRegion{{RegionName: aws.String("us-east-1")}}})
	if err != nil {
		return err
	}
	w.scope = *ip.Ipam.PrivateDefaultScopeId
	for _, p := range []struct {
		id   *string
		cidr string
	}{{&w.vpcPool, "10.0.0.0/8"}, {&w.customPool, "11.0.0.0/8"}} {
		out, err := c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: &w.scope,
			AddressFamily: types.AddressFamilyIpv4, Locale: aws.String("us-east-1")})
		if err != nil {
			return err
		}
		*p.id = *out.IpamPool.IpamPoolId
		if _, err := c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: p.id,
			Cidr: aws.String(p.cidr)}); err != nil {
			return err
		}
	}
	return nil
}

func (w *world) createVPCs() error {
	n := w.c.vpcs
	w.vpcIDs, w.vpcCIDRs = make([]string, n), make([]string, n)
	if err := w.measured("CreateVpc (from a pool)", n, func(a api, i int) (err error) {
		w.vpcIDs[i], w.vpcCIDRs[i], err = a.createVpc(w.vpcPool, w.c.vpcBits)
		return err
	}); err != nil {
		return err
	}
	return w.measured("AllocateIpamPoolCidr (custom, beside the VPCs)", n, func(a api, i int) error {
		return a.allocate(w.customPool, w.c.vpcBits, false)
	})
}

// createPlanningPools gives every VPC a resource planning pool holding
// the VPC's CIDR.
func (w *world) createPlanningPools() error {
	w.r.rssBeforePools = w.rss()
	w.planIDs = make([]string, w.c.vpcs)
	return w.measured("CreateIpamPool (planning) + ProvisionIpamPoolCidr", w.c.vpcs, func(a api, i int) (err error) {
		if w.planIDs[i], err = a.createPlanningPool(w.scope, w.vpcIDs[i]); err != nil {
			return err
		}
		return a.provision(w.planIDs[i], w.vpcCIDRs[i])
	})
}

// vpcOf is the VPC that subnet-phase item i goes to.
func (w *world) vpcOf(i int) int {
	if w.c.grouped {
		return i / w.c.subnets
	}
	return i % w.c.vpcs
}

func (w *world) createSubnets() error {
	n := w.c.vpcs * w.c.subnets
	if err := w.measured("CreateSubnet (from a planning pool)", n, func(a api, i int) error {
		v := w.vpcOf(i)
		return a.createSubnet(w.vpcIDs[v], w.planIDs[v], w.c.subnetBits)
	}); err != nil {
		return err
	}
	if err := w.measured("AllocateIpamPoolCidr (custom, from the planning pools)", n, func(a api, i int) error {
		return a.allocate(w.planIDs[w.vpcOf(i)], w.c.subnetBits, false)
	}); err != nil {
		return err
	}
	w.r.rssAfterSubnets = w.rss()
	return nil
}

// restart stops the node and starts it again on the same data.
func (w *world) restart() error {
	w.stop()
	w.restarts++
	if err := w.start(fmt.Sprintf("restart%d", w.restarts)); err != nil {
		return err
	}
	w.r.startup = w.node.Startup
	return nil
}

// idlePools has the restarted node use every planning pool once, after as
// many calls on one pool, and records RSS before and after.
func (w *world) idlePools() error {
	w.r.rssRestarted = w.rss()
	if err := w.measured("AllocateIpamPoolCidr PreviewNextCidr, one pool (after restart)", w.c.vpcs, func(a api, i int) error {
		return a.allocate(w.customPool, w.c.subnetBits, true)
	}); err != nil {
		return err
	}
	w.r.rssIdleBefore = w.rss()
	if err := w.measured("AllocateIpamPoolCidr PreviewNextCidr, each planning pool once (after restart)", w.c.vpcs, func(a api, i int) error {
		return a.allocate(w.planIDs[i], w.c.subnetBits, true)
	}); err != nil {
		return err
	}
	time.Sleep(time.Second)
	w.r.rssIdleAfter = w.rss()
	return nil
}
