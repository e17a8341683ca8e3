package pools

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// snapshot renders what a client can see of the pools, their CIDRs and
// allocations.
func snapshot(t *testing.T, e *env, pools ...string) []string {
	t.Helper()
	var s []string
	for _, id := range pools {
		p := e.describePool(id)
		s = append(s, fmt.Sprintf("pool %s src=%s depth=%d locale=%s state=%s desc=%s rules=%d/%d/%v tags=%v rtags=%v",
			id, aws.ToString(p.SourceIpamPoolId), aws.ToInt32(p.PoolDepth), aws.ToString(p.Locale), p.State,
			aws.ToString(p.Description), aws.ToInt32(p.AllocationMinNetmaskLength), aws.ToInt32(p.AllocationMaxNetmaskLength),
			aws.ToInt32(p.AllocationDefaultNetmaskLength), tagsOf(p.Tags), tagsOfResource(p.AllocationResourceTags)))
		out, err := e.c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String(id)})
		must(t, err)
		for _, c := range out.IpamPoolCidrs {
			s = append(s, fmt.Sprintf("  cidr %s %s %s", aws.ToString(c.IpamPoolCidrId), aws.ToString(c.Cidr), c.State))
		}
		for _, a := range e.allocations(id) {
			s = append(s, fmt.Sprintf("  alloc %s %s %s %s %s %q %v", aws.ToString(a.IpamPoolAllocationId), aws.ToString(a.Cidr),
				a.ResourceType, aws.ToString(a.ResourceId), aws.ToString(a.ResourceOwner), aws.ToString(a.Description), tagsOf(a.Tags)))
		}
	}
	return s
}

func TestRestartKeepsEverything(t *testing.T) {
	e := newEnv(t)
	top := e.pool(describe("top"), func(in *ec2.CreateIpamPoolInput) {
		in.AllocationDefaultNetmaskLength = aws.Int32(24)
		in.AllocationResourceTags = []types.RequestIpamResourceTag{{Key: aws.String("env"), Value: aws.String("prod")}}
		in.TagSpecifications = tagSpec(types.ResourceTypeIpamPool, "Name", "top")
	})
	e.provision(top, "10.0.0.0/16")
	e.provision(top, "10.2.0.0/16")
	_, err := e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(top), Cidr: aws.String("10.2.0.0/16")})
	must(t, err)
	child := e.pool(source(top), locale("us-west-2"))
	e.provision(child, "10.0.64.0/18")
	_, err = e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String(child), Description: aws.String("child")})
	must(t, err)
	var released types.IpamPoolAllocation
	for i := range 40 {
		out, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(top), NetmaskLength: aws.Int32(26),
			Description: aws.String(fmt.Sprint("a", i)), TagSpecifications: tagSpec(types.ResourceTypeIpamPoolAllocation, "i", fmt.Sprint(i))})
		must(t, err)
		if i == 5 {
			released = *out.IpamPoolAllocation
		}
	}
	_, err = e.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(top), Cidr: released.Cidr, IpamPoolAllocationId: released.IpamPoolAllocationId})
	must(t, err)
	e.alloc(child, 28)
	tokenAlloc, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(child), NetmaskLength: aws.Int32(24), ClientToken: aws.String("survives")})
	must(t, err)
	v6 := e.pool(family6)
	e.provision(v6, "fd00:abcd::/48")
	e.alloc(v6, 64)

	before := snapshot(t, e, top, child, v6)
	e.restart()
	after := snapshot(t, e, top, child, v6)
	wantStrings(t, "after restart", after, before...)
	if len(after) < 50 {
		t.Fatalf("snapshot too small to mean anything: %d lines", len(after))
	}

	// The ClientToken is remembered.
	again, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(child), NetmaskLength: aws.Int32(24), ClientToken: aws.String("survives")})
	must(t, err)
	if *again.IpamPoolAllocation.IpamPoolAllocationId != *tokenAlloc.IpamPoolAllocation.IpamPoolAllocationId {
		t.Fatal("ClientToken forgotten across restart")
	}
	// New allocations fill the released hole first, then never overlap old ones.
	if c := aws.ToString(e.alloc(top, 26).Cidr); c != aws.ToString(released.Cidr) {
		t.Fatalf("first /26 after restart %s, want the released %s", c, aws.ToString(released.Cidr))
	}
	for range 20 {
		e.alloc(top, 24)
	}
	e.alloc(child, 28)
	e.alloc(v6, 64)
	for _, id := range []string{top, child, v6} {
		as := e.allocations(id)
		for i := range as {
			pi := netip.MustParsePrefix(*as[i].Cidr)
			for j := i + 1; j < len(as); j++ {
				if pi.Overlaps(netip.MustParsePrefix(*as[j].Cidr)) {
					t.Fatalf("pool %s: %s overlaps %s", id, *as[i].Cidr, *as[j].Cidr)
				}
			}
		}
	}
	// The child's carve-out still fences the parent.
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(top), Cidr: aws.String("10.0.64.0/24")})
	wantErr(t, err, "InvalidParameterValue")
	// The top-level CIDRs still fence the scope.
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(e.pool()), Cidr: aws.String("10.0.0.0/8")})
	wantErr(t, err, "InvalidParameterValue")
}

// A NextToken handed out before a restart still works after it: the key
// that signs tokens lives in the store.
func TestRestartKeepsPaginationTokens(t *testing.T) {
	e := newEnv(t)
	p := e.pool()
	e.provision(p, "10.0.0.0/16")
	fill(t, e, p, 1500)
	first, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(p)})
	must(t, err)
	e.restart()
	rest, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(p), NextToken: first.NextToken})
	must(t, err)
	if len(rest.IpamPoolAllocations) != 500 || rest.NextToken != nil || *rest.IpamPoolAllocations[0].Cidr != nthBlock(1000) {
		t.Fatalf("second page after restart: %d from %s", len(rest.IpamPoolAllocations), *rest.IpamPoolAllocations[0].Cidr)
	}
}
