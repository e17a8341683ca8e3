package cluster

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// vpcLedger records what the VPC clients were told. Its own maps are
// guarded by the embedded ledger's mu.
type vpcLedger struct {
	*ledger
	vpcs       map[string]netip.Prefix // acknowledged VPCs -> primary block
	vpcGone    map[string]bool         // acknowledged DeleteVpc
	vpcMaybe   map[string]bool         // DeleteVpc without an answer
	subnets    map[string]netip.Prefix // acknowledged subnets -> block
	subGone    map[string]bool
	subMaybe   map[string]bool
	assocs     map[string]string // acknowledged secondary association -> VPC
	assocGone  map[string]bool   // acknowledged DisassociateVpcCidrBlock
	assocMaybe map[string]bool
	maybeOps   map[string]bool // op tags of creates without an answer
	ackedOps   map[string]bool // op tags of acknowledged creates
}

func newVPCLedger() *vpcLedger {
	return &vpcLedger{ledger: newLedger(), vpcs: map[string]netip.Prefix{}, vpcGone: map[string]bool{},
		vpcMaybe: map[string]bool{}, subnets: map[string]netip.Prefix{}, subGone: map[string]bool{},
		subMaybe: map[string]bool{}, assocs: map[string]string{}, assocGone: map[string]bool{},
		assocMaybe: map[string]bool{}, maybeOps: map[string]bool{"home": true}, ackedOps: map[string]bool{}}
}

// mark records a delete's outcome o for id: acknowledged in gone, unknown
// in maybe.
func (l *vpcLedger) mark(o outcome, id string, gone, maybe map[string]bool) outcome {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch o {
	case acked:
		gone[id] = true
	case unknown:
		maybe[id] = true
	}
	return o
}

// checkVPCs verifies through the API of every node, after kills or races:
//
//   - every CIDR block of every VPC (all come from w.pool) has exactly one
//     `vpc` allocation in w.pool with ResourceId = the VPC and the same CIDR,
//     and every allocation of w.pool is such a block: no VPC without its
//     allocation, no orphan allocation;
//   - likewise every subnet tagged pooled has exactly one `subnet`
//     allocation in w.plan, and every allocation of w.plan is such a subnet;
//   - every subnet lies in an existing VPC, inside one of its blocks, and
//     subnets of one VPC never overlap; every planning pool plans an
//     existing VPC, and what is provisioned to it lies inside the VPC;
//   - every acknowledged create is there (unless its delete was
//     acknowledged or unknown), every acknowledged delete is gone, and
//     every resource there was asked for by an acknowledged or unknown call.
//
// l may be nil (races without a ledger): then only the invariants are checked.
func checkVPCs(t *testing.T, nodes []*node, w *vpcWorld, l *vpcLedger) {
	t.Helper()
	for _, n := range nodes {
		if list := auditVPCs(t, newClient(n.url()), w, l); len(list) > 0 {
			t.Errorf("VPC checker on %s found %d problems:\n  %s", n.name, len(list), strings.Join(list, "\n  "))
		}
	}
}

func auditVPCs(t *testing.T, c *ec2.Client, w *vpcWorld, l *vpcLedger) []string {
	t.Helper()
	var pr problems
	vpcs, err := listVpcs(c)
	if err != nil {
		t.Fatalf("DescribeVpcs: %v", err)
	}
	subnets, err := listSubnets(c)
	if err != nil {
		t.Fatalf("DescribeSubnets: %v", err)
	}
	allocs := map[string][]types.IpamPoolAllocation{}
	for _, pool := range []string{w.pool, w.other, w.pool6, w.plan} {
		if allocs[pool], err = listAllocations(c, pool, 1000); err != nil {
			t.Fatalf("GetIpamPoolAllocations %s: %v", pool, err)
		}
	}

	// Blocks and allocations one to one, as "resource cidr" keys.
	blocks := map[string]int{}
	byID := map[string]types.Vpc{}
	for _, v := range vpcs {
		id := aws.ToString(v.VpcId)
		byID[id] = v
		for _, a := range v.CidrBlockAssociationSet {
			blocks[id+" "+aws.ToString(a.CidrBlock)]++
		}
		for _, a := range v.Ipv6CidrBlockAssociationSet {
			blocks[id+" "+aws.ToString(a.Ipv6CidrBlock)]++
		}
	}
	matchAllocs(&pr, w.pool, allocs[w.pool], types.IpamPoolAllocationResourceTypeVpc, blocks)
	matchAllocs(&pr, w.other, allocs[w.other], types.IpamPoolAllocationResourceTypeVpc, blocks)
	matchAllocs(&pr, w.pool6, allocs[w.pool6], types.IpamPoolAllocationResourceTypeVpc, blocks)
	unmatched(&pr, "VPC", blocks)
	pooled := map[string]int{}
	for _, s := range subnets {
		if tagValue(s.Tags, "pooled") == "true" {
			pooled[aws.ToString(s.SubnetId)+" "+aws.ToString(s.CidrBlock)]++
		}
	}
	matchAllocs(&pr, w.plan, allocs[w.plan], types.IpamPoolAllocationResourceTypeSubnet, pooled)
	unmatched(&pr, "subnet", pooled)

	// Subnets inside live VPCs, never overlapping within one.
	perVPC := map[string][]netip.Prefix{}
	for _, s := range subnets {
		id, vid := aws.ToString(s.SubnetId), aws.ToString(s.VpcId)
		p, err := netip.ParsePrefix(aws.ToString(s.CidrBlock))
		if err != nil {
			pr.add("subnet %s has CIDR %q", id, aws.ToString(s.CidrBlock))
			continue
		}
		v, ok := byID[vid]
		if !ok {
			pr.add("subnet %s (%s) is in VPC %s, which does not exist", id, p, vid)
			continue
		}
		if !insideVPC(v, p) {
			pr.add("subnet %s (%s) is outside every block of VPC %s", id, p, vid)
		}
		perVPC[vid] = append(perVPC[vid], p)
	}
	for vid, ps := range perVPC {
		slices.SortFunc(ps, comparePrefix)
		for i := 1; i < len(ps); i++ {
			if ps[i-1].Overlaps(ps[i]) {
				pr.add("VPC %s: subnets OVERLAP: %s and %s", vid, ps[i-1], ps[i])
			}
		}
	}
	// A resource planning pool plans an existing VPC.
	pools, err := listPools(c)
	if err != nil {
		t.Fatalf("DescribeIpamPools: %v", err)
	}
	for _, p := range pools {
		r := p.SourceResource
		if r == nil {
			continue
		}
		id := aws.ToString(p.IpamPoolId)
		v, ok := byID[aws.ToString(r.ResourceId)]
		if !ok {
			pr.add("planning pool %s plans VPC %s, which does not exist", id, aws.ToString(r.ResourceId))
			continue
		}
		cidrs, err := listPoolCIDRs(c, id)
		if err != nil {
			t.Fatalf("GetIpamPoolCidrs %s: %v", id, err)
		}
		for _, pc := range cidrs {
			if p := netip.MustParsePrefix(aws.ToString(pc.Cidr)); pc.State == types.IpamPoolCidrStateProvisioned && !insideVPC(v, p) {
				pr.add("planning pool %s has %s, outside every block of its VPC %s", id, p, aws.ToString(v.VpcId))
			}
		}
	}
	if l != nil {
		auditLedger(&pr, l, byID, subnets)
	}
	t.Logf("VPC checker: %d VPCs, %d subnets, %d+%d+%d vpc allocations, %d subnet allocations", len(vpcs), len(subnets),
		len(allocs[w.pool]), len(allocs[w.other]), len(allocs[w.pool6]), len(allocs[w.plan]))
	return pr.list
}

// insideVPC reports whether p lies inside one of v's IPv4 blocks.
func insideVPC(v types.Vpc, p netip.Prefix) bool {
	for _, a := range v.CidrBlockAssociationSet {
		if b, err := netip.ParsePrefix(aws.ToString(a.CidrBlock)); err == nil && b.Contains(p.Addr()) && b.Bits() <= p.Bits() {
			return true
		}
	}
	return false
}

// matchAllocs checks pool's allocations against want ("resource cidr" ->
// count of blocks, decremented for each allocation found): each is of type
// rt and of an existing block, and none overlaps another.
func matchAllocs(pr *problems, pool string, allocs []types.IpamPoolAllocation, rt types.IpamPoolAllocationResourceType, want map[string]int) {
	var prev netip.Prefix
	for _, a := range allocs {
		key := aws.ToString(a.ResourceId) + " " + aws.ToString(a.Cidr)
		p, _ := netip.ParsePrefix(aws.ToString(a.Cidr))
		if prev.IsValid() && prev.Overlaps(p) {
			pr.add("pool %s: allocations OVERLAP: %s and %s", pool, prev, p)
		}
		prev = p
		switch {
		case a.ResourceType != rt:
			pr.add("pool %s: allocation %s (%s) has type %q, want %q", pool, aws.ToString(a.IpamPoolAllocationId), key, a.ResourceType, rt)
		case want[key] <= 0:
			pr.add("pool %s: ORPHAN allocation %s: %s %s (no such block, or already matched)", pool,
				aws.ToString(a.IpamPoolAllocationId), rt, key)
		}
		want[key]--
	}
}

// unmatched reports the blocks that matchAllocs found no allocation for.
func unmatched(pr *problems, what string, want map[string]int) {
	for key, n := range want {
		if n > 0 {
			pr.add("%s block %s has NO allocation", what, key)
		}
	}
}

// found is a VPC or subnet as listed: its op tag and (primary) block.
type found struct{ op, cidr string }

// auditLedger compares what exists with what the clients were told.
func auditLedger(pr *problems, l *vpcLedger, vpcs map[string]types.Vpc, subnets []types.Subnet) {
	l.mu.Lock()
	defer l.mu.Unlock()
	assocs := map[string]bool{}
	haveVPCs := map[string]found{}
	for id, v := range vpcs {
		haveVPCs[id] = found{tagValue(v.Tags, "op"), aws.ToString(v.CidrBlock)}
		for _, a := range v.CidrBlockAssociationSet {
			assocs[aws.ToString(a.AssociationId)] = true
		}
	}
	l.auditKind(pr, "VPC", haveVPCs, l.vpcs, l.vpcGone, l.vpcMaybe)
	haveSubnets := map[string]found{}
	for _, s := range subnets {
		haveSubnets[aws.ToString(s.SubnetId)] = found{tagValue(s.Tags, "op"), aws.ToString(s.CidrBlock)}
	}
	l.auditKind(pr, "subnet", haveSubnets, l.subnets, l.subGone, l.subMaybe)
	for id, vpc := range l.assocs {
		gone := l.vpcGone[vpc] || l.vpcMaybe[vpc]
		switch {
		case assocs[id] && l.assocGone[id]:
			pr.add("association %s of %s is still there after its DisassociateVpcCidrBlock was acknowledged", id, vpc)
		case !assocs[id] && !l.assocGone[id] && !l.assocMaybe[id] && !gone:
			pr.add("acknowledged association %s of %s is LOST", id, vpc)
		}
	}
}

// auditKind checks one kind of resource: everything there was asked for,
// nothing acknowledged as deleted is there, everything acknowledged and
// not (maybe) deleted is there with its block.
func (l *vpcLedger) auditKind(pr *problems, what string, have map[string]found, ack map[string]netip.Prefix, gone, maybe map[string]bool) {
	for id, f := range have {
		if !l.ackedOps[f.op] && !l.maybeOps[f.op] {
			pr.add("%s %s (op %q) was never acknowledged nor attempted", what, id, f.op)
		}
		if gone[id] {
			pr.add("%s %s is still there after its delete was acknowledged", what, id)
		}
		if want, ok := ack[id]; ok && f.cidr != want.String() {
			pr.add("%s %s has block %s, acknowledged %s", what, id, f.cidr, want)
		}
	}
	for id, cidr := range ack {
		if _, ok := have[id]; !ok && !gone[id] && !maybe[id] {
			pr.add("acknowledged %s %s (%s) is LOST", what, id, cidr)
		}
	}
}
