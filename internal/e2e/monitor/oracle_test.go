package monitor

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/testserver"
)

// oracle works out, from DescribeVpcs and DescribeSubnets alone, what the
// private scope's resource CIDRs must say when no block is managed, moved
// or ignored: "id cidr overlap usage" lines, sorted.
func oracle(t *testing.T, c *ec2.Client) []string {
	t.Helper()
	type block struct {
		id, vpc string
		p       netip.Prefix
		subnet  bool
	}
	var blocks []block
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	must(t, err)
	for _, v := range vpcs.Vpcs {
		for _, a := range v.CidrBlockAssociationSet {
			blocks = append(blocks, block{*v.VpcId, *v.VpcId, netip.MustParsePrefix(*a.CidrBlock), false})
		}
	}
	subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	must(t, err)
	for _, s := range subnets.Subnets {
		blocks = append(blocks, block{*s.SubnetId, *s.VpcId, netip.MustParsePrefix(*s.CidrBlock), true})
	}
	var out []string
	for _, b := range blocks {
		overlap, covered := "nonoverlapping", 0.0
		for _, o := range blocks {
			if o.vpc != b.vpc && o.p.Overlaps(b.p) {
				overlap = "overlapping"
			}
			if !b.subnet && o.subnet && o.vpc == b.vpc && b.p.Overlaps(o.p) {
				covered += float64(uint64(1) << (32 - o.p.Bits()))
			}
		}
		usage := 0.0
		if !b.subnet {
			usage = covered / float64(uint64(1)<<(32-b.p.Bits()))
		}
		out = append(out, fmt.Sprintf("%s %s %s %g", b.id, b.p, overlap, usage))
	}
	sort.Strings(out)
	return out
}

// served is what GetIpamResourceCidrs says, in the oracle's form.
func served(t *testing.T, e *env) []string {
	t.Helper()
	var out []string
	for _, line := range e.cidrs(nil) {
		f := strings.Fields(line) // id cidr management compliance overlap usage
		out = append(out, strings.Join([]string{f[0], f[1], f[4], f[5]}, " "))
	}
	sort.Strings(out)
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\n served:\n  %s\n oracle:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// randomOps creates and deletes VPCs and subnets with CIDRs drawn from a
// small space, so that blocks overlap often.
func randomOps(t *testing.T, c *ec2.Client, r *rand.Rand, n int) {
	for range n {
		switch r.IntN(4) {
		case 0, 1:
			bits := 20 + r.IntN(5)
			p, _ := netip.AddrFrom4([4]byte{10, 8, byte(r.IntN(16) << 4), 0}).Prefix(bits)
			_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(p.String())})
			testserver.AllowErr(t, err, "InvalidVpc.Range")
		case 2:
			vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
			if err != nil || len(vpcs.Vpcs) == 0 {
				continue
			}
			v := vpcs.Vpcs[r.IntN(len(vpcs.Vpcs))]
			base := netip.MustParsePrefix(*v.CidrBlock)
			if base.Bits() > 26 {
				continue
			}
			off := r.IntN(1 << (26 - base.Bits()))
			a := base.Addr().As4()
			n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) + uint32(off)<<6
			p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), 26)
			_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.VpcId, CidrBlock: aws.String(p.String())})
			// Another writer may have taken the block or deleted the VPC.
			testserver.AllowErr(t, err, "InvalidSubnet.Conflict", "InvalidVpcID.NotFound")
		case 3:
			subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
			if err == nil && len(subnets.Subnets) > 0 && r.IntN(2) == 0 {
				_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: subnets.Subnets[r.IntN(len(subnets.Subnets))].SubnetId})
				testserver.AllowErr(t, err, "InvalidSubnetID.NotFound")
				continue
			}
			vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
			if err == nil && len(vpcs.Vpcs) > 0 {
				// Refused (DependencyViolation) while it has subnets.
				_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpcs.Vpcs[r.IntN(len(vpcs.Vpcs))].VpcId})
				testserver.AllowErr(t, err, "DependencyViolation", "InvalidVpcID.NotFound")
			}
		}
	}
}

// Random VPCs and subnets: the served statuses always equal the oracle's.
func TestMonitoringOracle(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		r := rand.New(rand.NewPCG(1, 2))
		for round := range 6 {
			randomOps(t, e.c, r, 25)
			sameLines(t, fmt.Sprintf("round %d", round), served(t, e), oracle(t, e.c))
			checkHistory(t, e)
		}
	})
}

// Two nodes on one PostgreSQL change overlapping blocks at the same time:
// no overlap is missed, no count goes stale, no request fails.
func TestMonitoringConcurrentNodes(t *testing.T) {
	url := testserver.NewDatabase(t, "ipamd_monitor_nodes").String()
	var clients []*ec2.Client
	lost := new(testserver.Observed)
	for range 2 {
		st, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		clients = append(clients, testserver.Start(t, testserver.Options{Store: st, Observer: lost}).Client())
	}
	out, err := clients[0].CreateIpam(ctx, &ec2.CreateIpamInput{})
	must(t, err)
	e := &env{t: t, c: clients[1], ipam: *out.Ipam.IpamId, priv: *out.Ipam.PrivateDefaultScopeId}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			randomOps(t, clients[w%2], rand.New(rand.NewPCG(uint64(w), 7)), 30)
		}()
	}
	wg.Wait()
	got := served(t, e)
	sameLines(t, "after concurrent writers on two nodes", got, oracle(t, e.c))
	if !strings.Contains(strings.Join(got, "\n"), " overlapping ") {
		t.Fatalf("the writers made no overlap to check: %q", got)
	}
	checkHistory(t, e)
	// Writers of overlapping blocks take turns at the resource-space locks,
	// and those of disjoint blocks move shared counts in one order: none
	// loses a race (on PostgreSQL, a deadlock ended a second later).
	if n := lost.Conflicts(); n != 0 {
		t.Errorf("%d transactions lost a race and ran again", n)
	}
}

// checkHistory: every resource CIDR has exactly one open history record,
// and it carries the block's current statuses.
func checkHistory(t *testing.T, e *env) {
	t.Helper()
	for _, line := range e.cidrs(nil) {
		f := strings.Fields(line) // id cidr management compliance overlap usage
		var open []types.IpamAddressHistoryRecord
		for _, r := range e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String(f[1])}) {
			if *r.ResourceId == f[0] && r.SampledEndTime == nil {
				open = append(open, r)
			}
		}
		if len(open) != 1 || string(open[0].ResourceComplianceStatus) != f[3] || string(open[0].ResourceOverlapStatus) != f[4] {
			t.Fatalf("%s %s (%s %s): open history records %+v", f[0], f[1], f[3], f[4], open)
		}
	}
}

// VPCs from a pool created together share group transactions, so one
// monitoring sync adds many rows that overlap the same blocks: every
// count and status still equals the oracle's.
func TestMonitoringGroupCommit(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		seen := new(testserver.Observed)
		opts.Observer = seen
		e := newEnv(t, opts)
		// Two explicit VPCs the pool's VPCs will land in.
		e.vpc("10.0.0.0/16")
		e.vpc("10.0.0.0/20")
		pool := e.pool("10.0.0.0/8")
		for round := range 3 {
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					_, err := e.c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: &pool, Ipv4NetmaskLength: aws.Int32(24)})
					testserver.AllowErr(t, err)
				})
			}
			wg.Wait()
			sameLines(t, fmt.Sprintf("round %d", round), served(t, e), oracle(t, e.c))
		}
		checkHistory(t, e)
		if n := seen.Conflicts(); n != 0 {
			t.Errorf("%d transactions lost a race and ran again", n)
		}
		if seen.MaxBatch() < 2 {
			t.Logf("no two VPCs shared a transaction (largest batch %d): the test proved less than it could", seen.MaxBatch())
		}
	})
}
