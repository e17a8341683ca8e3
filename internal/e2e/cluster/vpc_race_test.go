package cluster

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"
)

// together runs fns at the same moment (as near as goroutines get) and
// returns their errors in order.
func together(fns ...func() error) []error {
	errs := make([]error, len(fns))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Go(func() {
			<-start
			errs[i] = f()
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// code is err's EC2 error code: "" for nil, "no answer: ..." without one.
func code(err error) string {
	var ae smithy.APIError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ae):
		return ae.ErrorCode()
	}
	return "no answer: " + err.Error()
}

// TestSubnetRaceAcrossNodes: two overlapping explicit CreateSubnet calls on
// two nodes of one PostgreSQL at once, many rounds (identical, nested and
// containing blocks): exactly one wins, the other gets
// InvalidSubnet.Conflict. A third call in each round takes a block from the
// planning pool on a third node, around the others: it always wins.
func TestSubnetRaceAcrossNodes(t *testing.T) {
	nodes := pgNodes(t, 3)
	w := setupVPCs(t, newClient(nodes[0].url()), "10.0.0.0/12")
	a, b, c := newClient(nodes[0].url()), newClient(nodes[1].url()), newClient(nodes[2].url())
	explicit := func(cl *ec2.Client, cidr string) func() error {
		return func() error {
			_, err := cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), CidrBlock: aws.String(cidr)})
			return err
		}
	}
	var got netip.Prefix // the pooled subnet of the round
	pooled := func() error {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), Ipv4IpamPoolId: aws.String(w.plan),
			Ipv4NetmaskLength: aws.Int32(26), TagSpecifications: opTag(types.ResourceTypeSubnet, "pooled", true)})
		if err == nil {
			got = netip.MustParsePrefix(aws.ToString(out.Subnet.CidrBlock))
		}
		return err
	}
	shapes := [][2]string{{"10.%d.%d.0/24", "10.%d.%d.0/24"}, {"10.%d.%d.0/24", "10.%d.%d.128/25"},
		{"10.%d.%d.64/26", "10.%d.%d.0/24"}, {"10.%d.%d.0/25", "10.%d.%d.0/26"}}
	second := w.homeCIDR.Addr().As4()[1]
	contested := 0
	for round := range 60 {
		// Rounds walk up from the bottom of the VPC, where the planning
		// pool's lowest free block is too: the pooled call races them, and
		// an earlier pooled subnet may already sit where they ask.
		s := shapes[round%len(shapes)]
		x, y := fmt.Sprintf(s[0], second, round), fmt.Sprintf(s[1], second, round)
		before, err := listSubnets(a, vpcFilter("vpc-id", w.home))
		if err != nil {
			t.Fatal(err)
		}
		got = netip.Prefix{}
		errs := together(explicit(a, x), explicit(b, y), pooled)
		if errs[2] != nil {
			t.Errorf("round %d: pooled CreateSubnet: %v", round, errs[2])
		}
		// A call whose block overlaps a subnet made before must lose; of
		// the others exactly one wins, unless the pooled subnet of this
		// round took their space first (then at most one).
		wins, open, raced := 0, 0, false
		for i, cidr := range []string{x, y} {
			p := netip.MustParsePrefix(cidr)
			taken := slices.ContainsFunc(before, func(sn types.Subnet) bool {
				return netip.MustParsePrefix(aws.ToString(sn.CidrBlock)).Overlaps(p)
			})
			switch c := code(errs[i]); {
			case c == "" && taken:
				t.Errorf("round %d: %s won over an existing subnet", round, cidr)
			case c == "":
				wins++
			case c != "InvalidSubnet.Conflict":
				t.Errorf("round %d: %s: %v", round, cidr, errs[i])
			}
			if !taken {
				open++
				raced = raced || got.Overlaps(p)
			}
		}
		if raced {
			contested++
		}
		if wins > 1 || (!raced && wins != min(open, 1)) {
			t.Errorf("round %d: %s and %s on two nodes (pooled %s): %d won (%v)", round, x, y, got, wins, errs[:2])
		}
	}
	t.Logf("the pooled subnet took contested space in %d of 60 rounds", contested)
	checkVPCs(t, nodes, w, nil)
}

// TestVpcPoolRaceThreeNodes: CreateVpc from one pool on three nodes at
// once, 8 clients each: no two VPC blocks overlap, every VPC has exactly
// its allocation and every allocation its VPC.
func TestVpcPoolRaceThreeNodes(t *testing.T) {
	nodes := pgNodes(t, 3)
	w := setupVPCs(t, newClient(nodes[0].url()), "10.0.0.0/12")
	var mu sync.Mutex
	var made []netip.Prefix
	var fns []func() error
	for i := range 24 {
		cl := newClient(nodes[i%3].url())
		fns = append(fns, func() error {
			for k := range 8 {
				out, err := cl.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool),
					Ipv4NetmaskLength: aws.Int32(int32(20 + (i+k)%5))})
				if err != nil {
					return err
				}
				mu.Lock()
				made = append(made, netip.MustParsePrefix(aws.ToString(out.Vpc.CidrBlock)))
				mu.Unlock()
			}
			return nil
		})
	}
	for i, err := range together(fns...) {
		if err != nil {
			t.Errorf("client %d: %v", i, err)
		}
	}
	for i := range made {
		for j := i + 1; j < len(made); j++ {
			if made[i].Overlaps(made[j]) {
				t.Errorf("VPC blocks OVERLAP: %s and %s", made[i], made[j])
			}
		}
	}
	if len(made) != 24*8 {
		t.Errorf("%d VPCs made, want %d", len(made), 24*8)
	}
	checkVPCs(t, nodes, w, nil)
}

// TestVpcReleaseAcrossNodes: a pool with room for one /16 VPC only, and a
// planning pool with room for one /16 subnet. Round after round, DeleteVpc
// (DeleteSubnet) on one node and at once CreateVpc (CreateSubnet) on
// another: the block is free there immediately, with no wait and no retry,
// although every node has just seen the pool full.
func TestVpcReleaseAcrossNodes(t *testing.T) {
	nodes := pgNodes(t, 3)
	// The home VPC takes 10.0.0.0/16; the second /16 is the one that moves.
	w := setupVPCs(t, newClient(nodes[0].url()), "10.0.0.0/15")
	clients := []*ec2.Client{newClient(nodes[0].url()), newClient(nodes[1].url()), newClient(nodes[2].url())}
	vpc := func(c *ec2.Client) (string, error) {
		out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool), Ipv4NetmaskLength: aws.Int32(16)})
		if err != nil {
			return "", err
		}
		if got := aws.ToString(out.Vpc.CidrBlock); got != "10.1.0.0/16" {
			t.Fatalf("CreateVpc got %s, want 10.1.0.0/16", got)
		}
		return aws.ToString(out.Vpc.VpcId), nil
	}
	subnet := func(c *ec2.Client) (string, error) {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), Ipv4IpamPoolId: aws.String(w.plan),
			Ipv4NetmaskLength: aws.Int32(16), TagSpecifications: opTag(types.ResourceTypeSubnet, "moving", true)})
		if err != nil {
			return "", err
		}
		if got := aws.ToString(out.Subnet.CidrBlock); got != w.homeCIDR.String() {
			t.Fatalf("CreateSubnet got %s, want %s", got, w.homeCIDR)
		}
		return aws.ToString(out.Subnet.SubnetId), nil
	}
	deleteVpc := func(c *ec2.Client, id string) error {
		_, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)})
		return err
	}
	deleteSubnet := func(c *ec2.Client, id string) error {
		_, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)})
		return err
	}
	for _, k := range []struct {
		what   string
		create func(*ec2.Client) (string, error)
		del    func(*ec2.Client, string) error
	}{{"VPC", vpc, deleteVpc}, {"subnet", subnet, deleteSubnet}} {
		id, err := k.create(clients[0])
		if err != nil {
			t.Fatal(err)
		}
		// Full: every node refuses, and so knows the pool full.
		for i, c := range clients {
			if _, err := k.create(c); code(err) != "InvalidParameterValue" {
				t.Fatalf("node %d: create a %s in a full pool: %v", i, k.what, err)
			}
		}
		for round := range 15 {
			from, to := clients[round%3], clients[(round+1)%3]
			if err := k.del(from, id); err != nil {
				t.Fatalf("round %d: delete %s: %v", round, k.what, err)
			}
			if id, err = k.create(to); err != nil {
				t.Fatalf("round %d: create a %s on the next node right after the delete: %v", round, k.what, err)
			}
		}
	}
	checkVPCs(t, nodes, w, nil)
}

// TestSubnetRacesDisassociate: DisassociateVpcCidrBlock of a VPC's
// secondary block on one node and, on another at once, an explicit
// CreateSubnet in that block or (odd rounds) ProvisionIpamPoolCidr of it to
// the VPC's planning pool, many rounds: exactly one wins (InvalidSubnet.Range,
// InvalidParameterValue or DependencyViolation for the other), and no
// subnet or planning-pool CIDR is ever outside its VPC's blocks, nor an
// allocation left behind.
func TestSubnetRacesDisassociate(t *testing.T) {
	nodes := pgNodes(t, 2)
	w := setupVPCs(t, newClient(nodes[0].url()), "10.0.0.0/12")
	a, b := newClient(nodes[0].url()), newClient(nodes[1].url())
	tally := map[string]int{}
	for round := range 40 {
		out, err := a.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: aws.String(w.home),
			Ipv4IpamPoolId: aws.String(w.other), Ipv4NetmaskLength: aws.Int32(24)})
		if err != nil {
			t.Fatal(err)
		}
		block := out.CidrBlockAssociation
		other := func() error {
			_, err := b.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), CidrBlock: block.CidrBlock})
			return err
		}
		if round%2 == 1 {
			other = func() error {
				_, err := b.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(w.plan),
					Cidr: block.CidrBlock})
				return err
			}
		}
		errs := together(func() error {
			_, err := a.DisassociateVpcCidrBlock(ctx, &ec2.DisassociateVpcCidrBlockInput{AssociationId: block.AssociationId})
			return err
		}, other)
		outcome := fmt.Sprintf("%d: Disassociate %q, %q", round%2, code(errs[0]), code(errs[1]))
		tally[outcome]++
		switch outcome {
		case `0: Disassociate "", "InvalidSubnet.Range"`, `0: Disassociate "DependencyViolation", ""`,
			`1: Disassociate "", "InvalidParameterValue"`, `1: Disassociate "DependencyViolation", ""`:
		default:
			t.Errorf("round %d: %s (%v)", round, outcome, errs)
		}
		if round%4 == 3 { // a VPC has at most 5 IPv4 blocks: make room
			checkVPCs(t, nodes[:1], w, nil)
			clearSecondaries(t, a, w)
		}
	}
	t.Logf("outcomes (0: with CreateSubnet, 1: with ProvisionIpamPoolCidr): %v", tally)
	checkVPCs(t, nodes, w, nil)
}

// clearSecondaries deletes the home VPC's subnets outside its primary block,
// deprovisions the planning pool's CIDRs there, and disassociates its
// secondary blocks.
func clearSecondaries(t *testing.T, c *ec2.Client, w *vpcWorld) {
	t.Helper()
	subs, err := listSubnets(c, vpcFilter("vpc-id", w.home))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if p := netip.MustParsePrefix(aws.ToString(s.CidrBlock)); !w.homeCIDR.Contains(p.Addr()) {
			if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.SubnetId}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cidrs, err := listPoolCIDRs(c, w.plan)
	if err != nil {
		t.Fatal(err)
	}
	for _, pc := range cidrs {
		if pc.State == types.IpamPoolCidrStateProvisioned && aws.ToString(pc.Cidr) != w.homeCIDR.String() {
			if _, err := c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(w.plan),
				Cidr: pc.Cidr}); err != nil {
				t.Fatal(err)
			}
		}
	}
	vpcs, err := listVpcs(c, vpcFilter("vpc-id", w.home))
	if err != nil || len(vpcs) != 1 {
		t.Fatalf("DescribeVpcs home: %v", err)
	}
	for _, x := range vpcs[0].CidrBlockAssociationSet {
		if aws.ToString(x.CidrBlock) != w.homeCIDR.String() {
			if _, err := c.DisassociateVpcCidrBlock(ctx, &ec2.DisassociateVpcCidrBlockInput{AssociationId: x.AssociationId}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestSubnetRacesDeleteVpc: on two nodes at once, DeleteVpc on one and on
// the other, by turns, CreateSubnet, AssociateVpcCidrBlock from a second
// pool (which DeleteVpc did not lock), or CreateIpamPool of a resource
// planning pool of the VPC, many rounds. CreateSubnet or CreateIpamPool and
// DeleteVpc: exactly one wins (the other gets InvalidVpcID.NotFound or
// DependencyViolation). AssociateVpcCidrBlock and
// DeleteVpc: DeleteVpc always wins, after the block if that came first; the
// checker then finds no allocation left behind in either pool, and never a
// subnet or a planning pool outliving its VPC.
func TestSubnetRacesDeleteVpc(t *testing.T) {
	nodes := pgNodes(t, 2)
	w := setupVPCs(t, newClient(nodes[0].url()), "10.0.0.0/12")
	a, b := newClient(nodes[0].url()), newClient(nodes[1].url())
	tally := map[string]int{}
	for round := range 60 {
		out, err := a.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool), Ipv4NetmaskLength: aws.Int32(24)})
		if err != nil {
			t.Fatal(err)
		}
		v := out.Vpc
		other := func() error {
			_, err := b.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.VpcId, CidrBlock: v.CidrBlock})
			return err
		}
		switch round % 3 {
		case 1:
			other = func() error {
				_, err := b.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: v.VpcId,
					Ipv4IpamPoolId: aws.String(w.other), Ipv4NetmaskLength: aws.Int32(24)})
				return err
			}
		case 2:
			other = func() error {
				_, err := b.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(w.scope),
					AddressFamily: types.AddressFamilyIpv4, SourceResource: &types.IpamPoolSourceResourceRequest{
						ResourceId: v.VpcId, ResourceType: types.IpamPoolSourceResourceTypeVpc}})
				return err
			}
		}
		errs := together(func() error {
			_, err := a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: v.VpcId})
			return err
		}, other)
		outcome := fmt.Sprintf("%d: DeleteVpc %q, %q", round%3, code(errs[0]), code(errs[1]))
		tally[outcome]++
		switch outcome {
		case `0: DeleteVpc "", "InvalidVpcID.NotFound"`, `0: DeleteVpc "DependencyViolation", ""`,
			`1: DeleteVpc "", "InvalidVpcID.NotFound"`, `1: DeleteVpc "", ""`,
			`2: DeleteVpc "", "InvalidVpcID.NotFound"`, `2: DeleteVpc "DependencyViolation", ""`:
		default:
			t.Errorf("round %d: %s (%v)", round, outcome, errs)
		}
	}
	t.Logf("outcomes (0: with CreateSubnet, 1: with AssociateVpcCidrBlock, 2: with CreateIpamPool): %v", tally)
	checkVPCs(t, nodes, w, nil)
}

// TestDualStackSubnetRace: a dual-stack CreateSubnet with both blocks from
// planning pools on one node, and an explicit CreateSubnet on another at
// once over the IPv4 block the pooled call is about to take, many rounds.
// The pooled call asks for no particular block: like a single-block one it
// must not fail because another subnet took a spot first; it takes the
// next free one.
func TestDualStackSubnetRace(t *testing.T) {
	nodes := pgNodes(t, 2)
	a, b := newClient(nodes[0].url()), newClient(nodes[1].url())
	d := newDualStack(t, a)
	vpc, plan4 := d.vpc, d.plan4
	plan6 := d.plan(types.AddressFamilyIpv6, d.cidr6)
	failed := 0
	for round := range 40 {
		// Pooled /26s are taken from the bottom; the explicit one lands on
		// the next of them.
		next := fmt.Sprintf("192.168.%d.%d/26", round/4, 64*(round%4))
		errs := together(func() error {
			_, err := a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc, Ipv4IpamPoolId: aws.String(plan4),
				Ipv4NetmaskLength: aws.Int32(26), Ipv6IpamPoolId: aws.String(plan6), Ipv6NetmaskLength: aws.Int32(64)})
			return err
		}, func() error {
			_, err := b.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc, CidrBlock: aws.String(next)})
			return err
		})
		if errs[0] != nil {
			failed++
			t.Errorf("round %d: pooled dual-stack CreateSubnet racing an explicit %s: %v", round, next, errs[0])
		}
		if c := code(errs[1]); c != "" && c != "InvalidSubnet.Conflict" {
			t.Errorf("round %d: explicit CreateSubnet %s: %v", round, next, errs[1])
		}
	}
	t.Logf("%d of 40 pooled dual-stack calls failed", failed)
	subs, err := listSubnets(a, vpcFilter("vpc-id", aws.ToString(vpc)))
	if err != nil {
		t.Fatal(err)
	}
	var ps []netip.Prefix
	for _, s := range subs {
		ps = append(ps, netip.MustParsePrefix(aws.ToString(s.CidrBlock)))
	}
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if ps[i].Overlaps(ps[j]) {
				t.Errorf("subnets OVERLAP: %s and %s", ps[i], ps[j])
			}
		}
	}
}

// dualStack is a VPC with an IPv4 block (192.168.0.0/16) and an IPv6 block
// from a pool, and an IPv4 resource planning pool over its IPv4 block.
type dualStack struct {
	t     *testing.T
	c     *ec2.Client
	scope string
	vpc   *string
	cidr6 string // the VPC's IPv6 block
	plan4 string
}

func newDualStack(t *testing.T, c *ec2.Client) *dualStack {
	t.Helper()
	w := setupVPCs(t, c, "10.0.0.0/12")
	out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("192.168.0.0/16"), Ipv6IpamPoolId: aws.String(w.pool6),
		Ipv6NetmaskLength: aws.Int32(56)})
	if err != nil {
		t.Fatal(err)
	}
	d := &dualStack{t: t, c: c, scope: w.scope, vpc: out.Vpc.VpcId,
		cidr6: aws.ToString(out.Vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock)}
	d.plan4 = d.plan(types.AddressFamilyIpv4, "192.168.0.0/16")
	return d
}

// plan makes a resource planning pool of the VPC provisioned with cidr.
func (d *dualStack) plan(fam types.AddressFamily, cidr string) string {
	d.t.Helper()
	return createPool(d.t, d.c, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(d.scope), AddressFamily: fam,
		SourceResource: &types.IpamPoolSourceResourceRequest{ResourceId: d.vpc, ResourceType: types.IpamPoolSourceResourceTypeVpc}}, cidr)
}

// createSubnet makes a dual-stack subnet with both blocks from planning pools.
func (d *dualStack) createSubnet(c *ec2.Client, plan6 string) error {
	_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: d.vpc, Ipv4IpamPoolId: aws.String(d.plan4),
		Ipv4NetmaskLength: aws.Int32(28), Ipv6IpamPoolId: aws.String(plan6), Ipv6NetmaskLength: aws.Int32(64)})
	return err
}

// TestPlanningPoolDeleteRacesDualStackSubnet: DeleteIpamPool (Cascade) of a
// VPC's IPv6 planning pool on one node and, at once on another, a
// dual-stack CreateSubnet from it, many rounds. Either may come first; the
// lock order (pools before VPCs) means they never deadlock: PostgreSQL
// counts no deadlock in the test's database.
func TestPlanningPoolDeleteRacesDualStackSubnet(t *testing.T) {
	nodes, db := pgNodesDB(t, 2)
	a, b := newClient(nodes[0].url()), newClient(nodes[1].url())
	d := newDualStack(t, a)
	for round := range 30 {
		plan6 := d.plan(types.AddressFamilyIpv6, d.cidr6)
		errs := together(func() error { return d.createSubnet(a, plan6) }, func() error {
			_, err := b.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(plan6), Cascade: aws.Bool(true)})
			return err
		})
		if c := code(errs[0]); (c != "" && c != "InvalidIpamPoolId.NotFound") || errs[1] != nil {
			t.Errorf("round %d: CreateSubnet %v; DeleteIpamPool %v", round, errs[0], errs[1])
		}
	}
	if n := deadlocks(t, db, nodes); n > 0 {
		t.Errorf("PostgreSQL detected %d deadlocks between CreateSubnet and DeleteIpamPool: a lock order inversion", n)
	}
}

// deadlocks stops the nodes (their backends flush their statistics as they
// exit) and returns the database's deadlock count.
func deadlocks(t *testing.T, dbURL string, nodes []*node) int64 {
	t.Helper()
	for _, n := range nodes {
		n.kill()
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for range 100 {
		var others int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&others); err != nil {
			t.Fatal(err)
		}
		if others == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSubnetWritesAcrossNodes: on two nodes at once, many rounds, on a
// fresh subnet each round: ModifySubnetAttribute on one and CreateTags on
// the other (both changes are there afterwards: no lost update), then
// ModifySubnetAttribute on one and DeleteSubnet on the other (the modify
// succeeds or answers InvalidSubnetID.NotFound; the subnet is gone).
func TestSubnetWritesAcrossNodes(t *testing.T) {
	nodes := pgNodes(t, 2)
	a, b := newClient(nodes[0].url()), newClient(nodes[1].url())
	w := setupVPCs(t, a, "10.0.0.0/12")
	modify := func(id *string) func() error {
		return func() error {
			_, err := a.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: id,
				MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
			return err
		}
	}
	lost, internal := 0, 0
	for round := range 40 {
		out, err := a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), Ipv4IpamPoolId: aws.String(w.plan),
			Ipv4NetmaskLength: aws.Int32(28)})
		if err != nil {
			t.Fatal(err)
		}
		id := out.Subnet.SubnetId
		errs := together(modify(id), func() error {
			_, err := b.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*id},
				Tags: []types.Tag{{Key: aws.String("round"), Value: aws.String(fmt.Sprint(round))}}})
			return err
		})
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: ModifySubnetAttribute %v; CreateTags %v", round, errs[0], errs[1])
		}
		subs, err := listSubnets(b, vpcFilter("subnet-id", *id))
		if err != nil || len(subs) != 1 {
			t.Fatalf("DescribeSubnets %s: %v", *id, err)
		}
		if s := subs[0]; !aws.ToBool(s.MapPublicIpOnLaunch) || tagValue(s.Tags, "round") != fmt.Sprint(round) {
			lost++
			t.Errorf("round %d: LOST UPDATE: MapPublicIpOnLaunch %v, tags %v", round, aws.ToBool(s.MapPublicIpOnLaunch), s.Tags)
		}

		errs = together(modify(id), func() error {
			_, err := b.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: id})
			return err
		})
		if c := code(errs[0]); c != "" && c != "InvalidSubnetID.NotFound" {
			internal++
			t.Errorf("round %d: ModifySubnetAttribute racing DeleteSubnet: %v", round, errs[0])
		}
		if errs[1] != nil {
			t.Fatalf("round %d: DeleteSubnet: %v", round, errs[1])
		}
	}
	t.Logf("%d lost updates, %d wrong answers to a modify of a subnet being deleted, in 40 rounds", lost, internal)
	checkVPCs(t, nodes, w, nil)
}

// TestDoubleDeletesAcrossNodes: the same DeleteVpc, DeleteSubnet or
// DisassociateVpcCidrBlock on two nodes at once, many rounds: exactly one
// succeeds, the other answers the NotFound code, and each block goes back
// to its pool once.
func TestDoubleDeletesAcrossNodes(t *testing.T) {
	nodes := pgNodes(t, 2)
	a, b := newClient(nodes[0].url()), newClient(nodes[1].url())
	w := setupVPCs(t, a, "10.0.0.0/12")
	twice := func(round int, what, notFound string, del func(*ec2.Client) error) {
		errs := together(func() error { return del(a) }, func() error { return del(b) })
		x, y := code(errs[0]), code(errs[1])
		if !(x == "" && y == notFound) && !(x == notFound && y == "") {
			t.Errorf("round %d: %s on two nodes: %q and %q, want one success and one %s", round, what, x, y, notFound)
		}
	}
	for round := range 20 {
		v, err := a.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool), Ipv4NetmaskLength: aws.Int32(24)})
		if err != nil {
			t.Fatal(err)
		}
		assoc, err := a.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: v.Vpc.VpcId,
			Ipv4IpamPoolId: aws.String(w.other), Ipv4NetmaskLength: aws.Int32(24)})
		if err != nil {
			t.Fatal(err)
		}
		sn, err := a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), Ipv4IpamPoolId: aws.String(w.plan),
			Ipv4NetmaskLength: aws.Int32(28), TagSpecifications: opTag(types.ResourceTypeSubnet, "double", true)})
		if err != nil {
			t.Fatal(err)
		}
		twice(round, "DeleteSubnet", "InvalidSubnetID.NotFound", func(c *ec2.Client) error {
			_, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sn.Subnet.SubnetId})
			return err
		})
		twice(round, "DisassociateVpcCidrBlock", "InvalidVpcCidrBlockAssociationID.NotFound", func(c *ec2.Client) error {
			_, err := c.DisassociateVpcCidrBlock(ctx, &ec2.DisassociateVpcCidrBlockInput{
				AssociationId: assoc.CidrBlockAssociation.AssociationId})
			return err
		})
		twice(round, "DeleteVpc", "InvalidVpcID.NotFound", func(c *ec2.Client) error {
			_, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: v.Vpc.VpcId})
			return err
		})
	}
	checkVPCs(t, nodes, w, nil)
}
