package cluster

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// vpcClient is one SDK client creating and deleting VPCs (from w.pool, with
// secondary blocks from it too), explicit subnets in its own VPCs and in the
// home VPC, and pooled subnets from the home VPC's planning pool.
type vpcClient struct {
	caller
	id    int
	c     *ec2.Client
	w     *vpcWorld
	l     *vpcLedger // its ledger is caller.l
	rng   *rand.Rand
	seq   int
	vpcs  []*ownVPC
	homes []string // own subnets in the home VPC
}

type ownVPC struct {
	id      string
	cidr    netip.Prefix
	subnets []string
	assocs  []string // secondary blocks
}

// runVPCLoad runs clients spread over nodes for d (and until during
// returns), and returns what they were told.
func runVPCLoad(t *testing.T, w *vpcWorld, nodes []*node, clients int, d time.Duration, pol policy, during func()) *vpcLedger {
	t.Helper()
	l := newVPCLedger()
	el := drive(clients, d, during, func(i int) func() {
		n := nodes[i%len(nodes)]
		vc := &vpcClient{id: i, caller: caller{node: n, pol: pol, l: l.ledger}, c: newClient(n.url()), w: w, l: l,
			rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))}
		return vc.step
	})
	t.Logf("VPC load: %d clients on %d nodes for %v: %d acknowledged, %d unknown\n%s", clients, len(nodes),
		el.Round(time.Millisecond), l.total(acked), l.total(unknown), l.summary())
	return l
}

func (vc *vpcClient) step() {
	vc.backoff()
	r := vc.rng.IntN(100)
	switch {
	case r < 15 && len(vc.vpcs) < 6:
		vc.createVpc()
	case r < 25 && len(vc.vpcs) > 0:
		vc.deleteVpc(vc.rng.IntN(len(vc.vpcs)))
	case r < 35 && len(vc.vpcs) > 0:
		vc.secondary(vc.vpcs[vc.rng.IntN(len(vc.vpcs))])
	case r < 50 && len(vc.vpcs) > 0:
		vc.ownSubnet(vc.vpcs[vc.rng.IntN(len(vc.vpcs))])
	case r < 75 && len(vc.homes) < 10:
		vc.homeSubnet(vc.rng.IntN(2) == 0)
	case len(vc.homes) > 0:
		i := vc.rng.IntN(len(vc.homes))
		id := vc.homes[i]
		vc.homes = append(vc.homes[:i], vc.homes[i+1:]...)
		vc.deleteSubnet(id)
	}
}

// newOp is a fresh op tag for a create.
func (vc *vpcClient) newOp() string {
	vc.seq++
	return fmt.Sprintf("c%d-op%d", vc.id, vc.seq)
}

// settle records a create's outcome by its op tag.
func (vc *vpcClient) settle(op string, o outcome) {
	vc.l.mu.Lock()
	defer vc.l.mu.Unlock()
	switch o {
	case acked:
		vc.l.ackedOps[op] = true
	case unknown:
		vc.l.maybeOps[op] = true
	}
}

func (vc *vpcClient) createVpc() {
	bits := 20 + vc.rng.IntN(5)
	op := vc.newOp()
	in := &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(vc.w.pool),
		Ipv4NetmaskLength: aws.Int32(int32(bits)), TagSpecifications: opTag(types.ResourceTypeVpc, op, false)}
	name := "CreateVpc"
	if vc.rng.IntN(3) == 0 {
		// Two pooled blocks: one transaction of its own, not the batch.
		name, in.Ipv6IpamPoolId, in.Ipv6NetmaskLength = "CreateVpc-dual", aws.String(vc.w.pool6), aws.Int32(56)
	}
	out, err := vc.c.CreateVpc(ctx, in)
	o := vc.result(name, err)
	vc.settle(op, o)
	if o != acked {
		return
	}
	id := aws.ToString(out.Vpc.VpcId)
	p, perr := netip.ParsePrefix(aws.ToString(out.Vpc.CidrBlock))
	if perr != nil || p.Bits() != bits || !vc.w.poolCIDR.Contains(p.Addr()) {
		vc.l.fail(name, vc.node.name, "asked /%d from %s, got %q", bits, vc.w.poolCIDR, aws.ToString(out.Vpc.CidrBlock))
		return
	}
	if n := len(out.Vpc.Ipv6CidrBlockAssociationSet); (n == 1) != (in.Ipv6IpamPoolId != nil) {
		vc.l.fail(name, vc.node.name, "%d IPv6 blocks", n)
	}
	vc.l.mu.Lock()
	vc.l.vpcs[id] = p
	vc.l.mu.Unlock()
	vc.vpcs = append(vc.vpcs, &ownVPC{id: id, cidr: p})
}

// deleteVpc deletes the client's i-th VPC and its subnets. The VPC leaves
// the client's list whatever the answer, unless it is refused.
func (vc *vpcClient) deleteVpc(i int) {
	v := vc.vpcs[i]
	for len(v.subnets) > 0 {
		id := v.subnets[0]
		v.subnets = v.subnets[1:]
		if vc.deleteSubnet(id) == unknown {
			return // the node is down: try again later
		}
	}
	_, err := vc.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(v.id)})
	// A subnet create whose answer was lost may have happened.
	if vc.l.mark(vc.result("DeleteVpc", err, "DependencyViolation"), v.id, vc.l.vpcGone, vc.l.vpcMaybe) == refused {
		vc.adopt(v)
		return
	}
	vc.vpcs = append(vc.vpcs[:i], vc.vpcs[i+1:]...)
}

// adopt lists a VPC's subnets (one whose create answer was lost may be
// there) so the next DeleteVpc deletes them first.
func (vc *vpcClient) adopt(v *ownVPC) {
	subs, err := listSubnets(vc.c, vpcFilter("vpc-id", v.id))
	if err != nil {
		return
	}
	v.subnets = v.subnets[:0]
	for _, s := range subs {
		v.subnets = append(v.subnets, aws.ToString(s.SubnetId))
	}
}

func (vc *vpcClient) secondary(v *ownVPC) {
	if len(v.assocs) > 0 && vc.rng.IntN(2) == 0 {
		id := v.assocs[0]
		v.assocs = v.assocs[1:]
		_, err := vc.c.DisassociateVpcCidrBlock(ctx, &ec2.DisassociateVpcCidrBlockInput{AssociationId: aws.String(id)})
		vc.l.mark(vc.result("DisassociateVpcCidrBlock", err), id, vc.l.assocGone, vc.l.assocMaybe)
		return
	}
	if len(v.assocs) >= 2 {
		return
	}
	// From the VPC's own pool or the other one.
	pool, in := vc.w.pool, vc.w.poolCIDR
	if vc.rng.IntN(2) == 0 {
		pool, in = vc.w.other, netip.MustParsePrefix("172.16.0.0/12")
	}
	out, err := vc.c.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: aws.String(v.id),
		Ipv4IpamPoolId: aws.String(pool), Ipv4NetmaskLength: aws.Int32(24)})
	if vc.result("AssociateVpcCidrBlock", err) != acked {
		return
	}
	a := out.CidrBlockAssociation
	p, perr := netip.ParsePrefix(aws.ToString(a.CidrBlock))
	if perr != nil || p.Bits() != 24 || !in.Contains(p.Addr()) || p.Overlaps(v.cidr) {
		vc.l.fail("AssociateVpcCidrBlock", vc.node.name, "asked /24 from %s for %s (%s), got %q", in, v.id, v.cidr,
			aws.ToString(a.CidrBlock))
	}
	id := aws.ToString(a.AssociationId)
	vc.l.mu.Lock()
	vc.l.assocs[id] = v.id
	vc.l.mu.Unlock()
	v.assocs = append(v.assocs, id)
}

// randomIn is a random aligned /bits inside p.
func (vc *vpcClient) randomIn(p netip.Prefix, bits int) netip.Prefix {
	b := p.Masked().Addr().As4()
	n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n |= uint32(vc.rng.IntN(1<<(bits-p.Bits()))) << (32 - bits)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), bits)
}

// ownSubnet creates an explicit subnet in the client's VPC v.
func (vc *vpcClient) ownSubnet(v *ownVPC) {
	if len(v.subnets) >= 4 {
		return
	}
	want := vc.randomIn(v.cidr, min(28, v.cidr.Bits()+2+vc.rng.IntN(3)))
	if id, ok := vc.createSubnet(v.id, want, false); ok {
		v.subnets = append(v.subnets, id)
	}
}

// homeSubnet creates a subnet in the home VPC: from its planning pool, or
// explicit at a random place (often where another one is).
func (vc *vpcClient) homeSubnet(pooled bool) {
	var want netip.Prefix
	if !pooled {
		want = vc.randomIn(vc.w.homeCIDR, 24+vc.rng.IntN(5))
	}
	if id, ok := vc.createSubnet(vc.w.home, want, pooled); ok {
		vc.homes = append(vc.homes, id)
	}
}

// createSubnet creates an explicit subnet want in vpc, or a /26 from the
// home planning pool; it reports the id of an acknowledged one.
func (vc *vpcClient) createSubnet(vpc string, want netip.Prefix, pooled bool) (string, bool) {
	op := vc.newOp()
	in := &ec2.CreateSubnetInput{VpcId: aws.String(vpc), TagSpecifications: opTag(types.ResourceTypeSubnet, op, pooled)}
	name := "CreateSubnet"
	if pooled {
		name = "CreateSubnet-pooled"
		in.Ipv4IpamPoolId, in.Ipv4NetmaskLength = aws.String(vc.w.plan), aws.Int32(26)
	} else {
		in.CidrBlock = aws.String(want.String())
	}
	out, err := vc.c.CreateSubnet(ctx, in)
	o := vc.result(name, err, "InvalidSubnet.Conflict")
	vc.settle(op, o)
	if o != acked {
		return "", false
	}
	s := out.Subnet
	p, perr := netip.ParsePrefix(aws.ToString(s.CidrBlock))
	switch {
	case perr != nil:
		vc.l.fail(name, vc.node.name, "answered CIDR %q", aws.ToString(s.CidrBlock))
	case !pooled && p != want:
		vc.l.fail(name, vc.node.name, "asked for %s, got %s", want, p)
	case pooled && (p.Bits() != 26 || !vc.w.homeCIDR.Contains(p.Addr())):
		vc.l.fail(name, vc.node.name, "asked a /26 in %s, got %s", vc.w.homeCIDR, p)
	}
	id := aws.ToString(s.SubnetId)
	vc.l.mu.Lock()
	vc.l.subnets[id] = p
	vc.l.mu.Unlock()
	return id, true
}

func (vc *vpcClient) deleteSubnet(id string) outcome {
	_, err := vc.c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)})
	return vc.l.mark(vc.result("DeleteSubnet", err), id, vc.l.subGone, vc.l.subMaybe)
}
