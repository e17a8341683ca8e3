package cluster

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/cidr"
)

// problems collects what the checker finds, so a failure lists all of them
// (up to a limit) rather than the first.
type problems struct{ list []string }

func (p *problems) add(format string, args ...any) {
	if len(p.list) < 40 {
		p.list = append(p.list, fmt.Sprintf(format, args...))
	} else if len(p.list) == 40 {
		p.list = append(p.list, "...")
	}
}

// check verifies through the API, after the load, that the database holds
// exactly what the clients were told:
//
//   - every node lists the same allocations for every shared pool;
//   - no two live allocations of a pool overlap, each lies in the pool, and
//     the listing replays into a fresh cidr.Set (ReserveSorted): the state
//     one node would rebuild from;
//   - every acknowledged allocation is there with its CIDR, unless its
//     release was acknowledged (then it is gone) or is unknown;
//   - every other custom allocation is an unknown-outcome allocation (by
//     its unique description): nothing appears that no client asked for;
//   - the ipam-pool carve-outs of each shared pool match the provisioned
//     CIDRs of its children one to one, every acknowledged provisioning is
//     among them and every other one is explained by an unknown one;
//   - every child pool was created by an acknowledged or unknown call.
func check(t *testing.T, nodes []*node, w *world, l *ledger) {
	t.Helper()
	if list := audit(t, nodes, w, l); len(list) > 0 {
		t.Errorf("checker found %d problems:\n  %s", len(list), strings.Join(list, "\n  "))
	}
}

// audit is check's work: it returns the problems found. API failures are
// fatal.
func audit(t *testing.T, nodes []*node, w *world, l *ledger) []string {
	t.Helper()
	var pr problems
	c := newClient(nodes[0].url())
	l.mu.Lock()
	defer l.mu.Unlock()

	pools, err := listPools(c)
	if err != nil {
		t.Fatalf("DescribeIpamPools: %v", err)
	}
	children := map[string][]types.IpamPool{} // source -> children
	for _, p := range pools {
		if src := aws.ToString(p.SourceIpamPoolId); src != "" {
			children[src] = append(children[src], p)
		}
	}

	seen := map[string]bool{}   // allocation ids listed
	byDesc := map[string]bool{} // descriptions of unknown allocations found
	total := 0
	for _, sp := range w.pools {
		live, err := listAllocations(c, sp.id, 1000)
		if err != nil {
			t.Fatalf("GetIpamPoolAllocations %s: %v", sp.id, err)
		}
		total += len(live)
		// Every node answers the same.
		for _, n := range nodes[1:] {
			other, err := listAllocations(newClient(n.url()), sp.id, 1000)
			if err != nil {
				t.Fatalf("GetIpamPoolAllocations %s on %s: %v", sp.id, n.name, err)
			}
			if !sameAllocations(live, other) {
				pr.add("pool %s: %s lists %d allocations, %s lists %d, not the same", sp.id, nodes[0].name, len(live),
					n.name, len(other))
			}
		}

		// No overlap, inside the pool, and the single-node replay.
		prefixes := make([]netip.Prefix, 0, len(live))
		carve := map[string][]netip.Prefix{} // child -> carve-outs
		for i, a := range live {
			p, err := netip.ParsePrefix(aws.ToString(a.Cidr))
			if err != nil {
				pr.add("pool %s: allocation %s has CIDR %q", sp.id, aws.ToString(a.IpamPoolAllocationId), aws.ToString(a.Cidr))
				continue
			}
			if !sp.cidr.Contains(p.Addr()) || p.Bits() < sp.cidr.Bits() {
				pr.add("pool %s: allocation %s (%s) is outside %s", sp.id, aws.ToString(a.IpamPoolAllocationId), p, sp.cidr)
			}
			if i > 0 && len(prefixes) > 0 {
				if prev := prefixes[len(prefixes)-1]; prev.Overlaps(p) {
					pr.add("pool %s: OVERLAP %s and %s", sp.id, prev, p)
				}
			}
			prefixes = append(prefixes, p)
			id := aws.ToString(a.IpamPoolAllocationId)
			seen[id] = true
			switch a.ResourceType {
			case types.IpamPoolAllocationResourceTypeIpamPool:
				carve[aws.ToString(a.ResourceId)] = append(carve[aws.ToString(a.ResourceId)], p)
				continue
			case types.IpamPoolAllocationResourceTypeCustom:
			default:
				pr.add("pool %s: allocation %s has resource type %q", sp.id, id, a.ResourceType)
				continue
			}
			ack, ok := l.allocs[id]
			desc := aws.ToString(a.Description)
			switch {
			case ok && (ack.pool != sp.id || ack.cidr != p || ack.desc != desc):
				pr.add("pool %s: allocation %s is %s %q, acknowledged as %s %s %q", sp.id, id, p, desc, ack.pool, ack.cidr, ack.desc)
			case ok && l.released[id]:
				pr.add("pool %s: allocation %s (%s) is still there after its release was acknowledged", sp.id, id, p)
			case !ok && l.maybeAlloc[desc] == sp.id && !byDesc[desc]:
				byDesc[desc] = true // an allocation whose answer was lost
			case !ok:
				pr.add("pool %s: allocation %s (%s, %q) was never acknowledged nor attempted", sp.id, id, p, desc)
			}
		}
		set := cidr.New()
		if err := set.AddPool(sp.cidr); err != nil {
			t.Fatal(err)
		}
		if err := set.ReserveSorted(prefixes); err != nil {
			pr.add("pool %s: the %d listed allocations do not replay into a fresh set: %v", sp.id, len(prefixes), err)
		}

		// Children: carve-outs and provisioned CIDRs one to one.
		for _, ch := range children[sp.id] {
			id := aws.ToString(ch.IpamPoolId)
			if _, ok := l.children[id]; !ok && l.maybeChild[aws.ToString(ch.Description)] != sp.id {
				pr.add("child pool %s (%q) of %s was never acknowledged nor attempted", id, aws.ToString(ch.Description), sp.id)
			}
			cidrs, err := listPoolCIDRs(c, id)
			if err != nil {
				t.Fatalf("GetIpamPoolCidrs %s: %v", id, err)
			}
			var have []netip.Prefix
			for _, x := range cidrs {
				if x.State == types.IpamPoolCidrStateProvisioned {
					p, _ := netip.ParsePrefix(aws.ToString(x.Cidr))
					have = append(have, p)
				} else {
					pr.add("child pool %s: CIDR %s in state %s", id, aws.ToString(x.Cidr), x.State)
				}
			}
			got := slices.Clone(carve[id])
			delete(carve, id)
			slices.SortFunc(have, comparePrefix)
			slices.SortFunc(got, comparePrefix)
			if !slices.Equal(have, got) {
				pr.add("child pool %s: provisioned %v, but its source %s carved out %v", id, have, sp.id, got)
			}
			acked := l.provisions[id]
			for _, p := range acked {
				if !slices.Contains(have, p) {
					pr.add("child pool %s: acknowledged provisioning of %s is missing (has %v)", id, p, have)
				}
			}
			if extra := len(have) - len(acked); extra > l.maybeProvision[id] {
				pr.add("child pool %s: %d CIDRs, %d acknowledged, %d unknown", id, len(have), len(acked), l.maybeProvision[id])
			}
		}
		for id, ps := range carve {
			pr.add("pool %s: carve-outs %v for %s, which is no child of it", sp.id, ps, id)
		}
	}

	// Every acknowledged allocation not (maybe) released is there.
	missing := 0
	for id, a := range l.allocs {
		if !seen[id] && !l.released[id] && !l.maybeReleased[id] {
			missing++
			pr.add("acknowledged allocation %s (%s in %s, %q) is missing", id, a.cidr, a.pool, a.desc)
		}
	}
	for id := range l.children {
		found := false
		for _, p := range pools {
			found = found || aws.ToString(p.IpamPoolId) == id
		}
		if !found {
			pr.add("acknowledged child pool %s is missing", id)
		}
	}
	t.Logf("checker: %d live allocations in %d shared pools, %d child pools; %d acknowledged allocations, %d acknowledged releases, %d unknown allocations (%d of them happened), %d unknown releases",
		total, len(w.pools), len(pools)-len(w.pools), len(l.allocs), len(l.released), len(l.maybeAlloc), len(byDesc), len(l.maybeReleased))
	return pr.list
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

func sameAllocations(a, b []types.IpamPoolAllocation) bool {
	return slices.EqualFunc(a, b, func(x, y types.IpamPoolAllocation) bool {
		return aws.ToString(x.IpamPoolAllocationId) == aws.ToString(y.IpamPoolAllocationId) &&
			aws.ToString(x.Cidr) == aws.ToString(y.Cidr) && aws.ToString(x.Description) == aws.ToString(y.Description) &&
			aws.ToString(x.ResourceId) == aws.ToString(y.ResourceId) && x.ResourceType == y.ResourceType
	})
}

// allocateOnEachNode makes one allocation per shared pool on every node
// after the load and checks them against the listing: a node whose cached
// free space went wrong would hand out space that is taken (refused by the
// database's backstop as an internal error) or not the lowest free block.
func allocateOnEachNode(t *testing.T, nodes []*node, w *world) {
	t.Helper()
	for _, n := range nodes {
		c := newClient(n.url())
		for _, sp := range w.pools {
			bits := int32(28)
			if sp.family == types.AddressFamilyIpv6 {
				bits = 64
			}
			prev, err := c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(sp.id),
				NetmaskLength: aws.Int32(bits), PreviewNextCidr: aws.Bool(true)})
			if err != nil {
				t.Errorf("%s: preview in %s: %v", n.name, sp.id, err)
				continue
			}
			out, err := c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(sp.id),
				NetmaskLength: aws.Int32(bits), Description: aws.String("after " + n.name)})
			if err != nil {
				t.Errorf("%s: allocate in %s: %v", n.name, sp.id, err)
				continue
			}
			if aws.ToString(out.IpamPoolAllocation.Cidr) != aws.ToString(prev.IpamPoolAllocation.Cidr) {
				t.Errorf("%s: previewed %s, allocated %s", n.name, aws.ToString(prev.IpamPoolAllocation.Cidr),
					aws.ToString(out.IpamPoolAllocation.Cidr))
			}
			if want := lowestFree(t, c, sp, int(bits), aws.ToString(out.IpamPoolAllocation.IpamPoolAllocationId)); want != aws.ToString(out.IpamPoolAllocation.Cidr) {
				t.Errorf("%s: allocated %s in %s, the lowest free /%d is %s", n.name,
					aws.ToString(out.IpamPoolAllocation.Cidr), sp.id, bits, want)
			}
		}
	}
}

// lowestFree replays the pool's listing, without allocation skip, into a
// fresh set and asks it for the lowest free block of bits.
func lowestFree(t *testing.T, c *ec2.Client, sp sharedPool, bits int, skip string) string {
	t.Helper()
	live, err := listAllocations(c, sp.id, 1000)
	if err != nil {
		t.Fatal(err)
	}
	set := cidr.New()
	if err := set.AddPool(sp.cidr); err != nil {
		t.Fatal(err)
	}
	var ps []netip.Prefix
	for _, a := range live {
		if aws.ToString(a.IpamPoolAllocationId) != skip {
			ps = append(ps, netip.MustParsePrefix(aws.ToString(a.Cidr)))
		}
	}
	if err := set.ReserveSorted(ps); err != nil {
		t.Fatal(err)
	}
	p, err := set.Allocate(bits, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.String()
}
