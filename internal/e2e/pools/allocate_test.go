package pools

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The block AWS chooses, from Terraform acceptance tests run on AWS (§6.2)
// and the §13.6 example.
func TestAllocateLowestAlignedBlock(t *testing.T) {
	e := newEnv(t)
	p1 := e.pool()
	e.provision(p1, "172.2.0.0/24")
	a := e.alloc(p1, 28)
	if aws.ToString(a.Cidr) != "172.2.0.0/28" || a.ResourceType != types.IpamPoolAllocationResourceTypeCustom ||
		aws.ToString(a.ResourceOwner) != account || a.ResourceId != nil || a.ResourceRegion != nil ||
		!allocIDRE.MatchString(aws.ToString(a.IpamPoolAllocationId)) {
		t.Fatalf("allocation %s %s owner %s id %s resourceId %v region %v", aws.ToString(a.Cidr), a.ResourceType,
			aws.ToString(a.ResourceOwner), aws.ToString(a.IpamPoolAllocationId), a.ResourceId, a.ResourceRegion)
	}

	p2 := e.pool()
	e.provision(p2, "172.3.0.0/24")
	out, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(p2),
		NetmaskLength: aws.Int32(28), DisallowedCidrs: []string{"172.3.0.0/28"}})
	must(t, err)
	if got := aws.ToString(out.IpamPoolAllocation.Cidr); got != "172.3.0.16/28" {
		t.Fatalf("with disallowed: %s, want 172.3.0.16/28", got)
	}

	p3 := e.pool()
	e.provision(p3, "10.0.0.0/8")
	out, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(p3), NetmaskLength: aws.Int32(24),
		Description: aws.String("app-a"), AllowedCidrs: []string{"10.0.0.0/16"}, DisallowedCidrs: []string{"10.0.0.0/24"},
		TagSpecifications: tagSpec(types.ResourceTypeIpamPoolAllocation, "team", "net")})
	must(t, err)
	x := out.IpamPoolAllocation
	if aws.ToString(x.Cidr) != "10.0.1.0/24" || aws.ToString(x.Description) != "app-a" || fmt.Sprint(tagsOf(x.Tags)) != "map[team:net]" {
		t.Fatalf("§13.6: %s %q %v", aws.ToString(x.Cidr), aws.ToString(x.Description), tagsOf(x.Tags))
	}
	// Allowed ranges outside the pool's space leave nothing to give, and
	// the answer says so rather than calling the pool too small.
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(p3), NetmaskLength: aws.Int32(24),
		AllowedCidrs: []string{"11.0.0.0/16"}})
	msg := wantErr(t, err, "InvalidParameterValue")
	wantContains(t, msg, "is inside AllowedCidrs and outside DisallowedCidrs")
	wantContains(t, msg, "without them the pool would allocate 10.0.0.0/24")
	// Too big even without them: the pool's own answer.
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(p3), NetmaskLength: aws.Int32(8),
		DisallowedCidrs: []string{"10.0.0.0/24"}})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), "The allocation size is too big for the pool.")

	// Blocks are naturally aligned: after a /28 the next /24 skips the rest
	// of the first /24, and a /28 fills the hole below.
	p4 := e.pool()
	e.provision(p4, "100.64.0.0/10")
	var got []string
	for _, bits := range []int32{28, 24, 28, 16, 26} {
		got = append(got, aws.ToString(e.alloc(p4, bits).Cidr))
	}
	wantStrings(t, "sequence", got, "100.64.0.0/28", "100.64.1.0/24", "100.64.0.16/28", "100.65.0.0/16", "100.64.0.64/26")

	// Several pool CIDRs: the lowest address is searched first.
	p5 := e.pool()
	e.provision(p5, "192.168.0.0/24")
	e.provision(p5, "172.20.0.0/24")
	if got := aws.ToString(e.alloc(p5, 25).Cidr); got != "172.20.0.0/25" {
		t.Fatalf("first of two CIDRs: %s", got)
	}
}

func TestAllocateNetmaskRules(t *testing.T) {
	e := newEnv(t)
	id := e.pool(func(in *ec2.CreateIpamPoolInput) {
		in.AllocationMinNetmaskLength, in.AllocationMaxNetmaskLength, in.AllocationDefaultNetmaskLength = aws.Int32(20), aws.Int32(28), aws.Int32(26)
	})
	e.provision(id, "10.0.0.0/16")
	// Neither Cidr nor NetmaskLength: the pool's default.
	out, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id)})
	must(t, err)
	if got := aws.ToString(out.IpamPoolAllocation.Cidr); got != "10.0.0.0/26" {
		t.Fatalf("default netmask gave %s", got)
	}
	// A NetmaskLength overrides the default.
	if got := aws.ToString(e.alloc(id, 24).Cidr); got != "10.0.1.0/24" {
		t.Fatalf("/24 gave %s", got)
	}
	for _, c := range []struct {
		name string
		in   ec2.AllocateIpamPoolCidrInput
	}{
		{"shorter than min", ec2.AllocateIpamPoolCidrInput{NetmaskLength: aws.Int32(19)}},
		{"longer than max", ec2.AllocateIpamPoolCidrInput{NetmaskLength: aws.Int32(29)}},
		{"explicit longer than max", ec2.AllocateIpamPoolCidrInput{Cidr: aws.String("10.0.200.0/30")}},
		{"explicit shorter than min", ec2.AllocateIpamPoolCidrInput{Cidr: aws.String("10.0.0.0/16")}},
		{"netmask 33", ec2.AllocateIpamPoolCidrInput{NetmaskLength: aws.Int32(33)}},
		{"negative", ec2.AllocateIpamPoolCidrInput{NetmaskLength: aws.Int32(-1)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.IpamPoolId = aws.String(id)
			_, err := e.c.AllocateIpamPoolCidr(ctx, &in)
			wantErr(t, err, "InvalidParameterValue")
		})
	}
	if n := len(e.allocations(id)); n != 2 {
		t.Fatalf("%d allocations after refusals, want 2", n)
	}

	// No default and neither given: AWS's exact words.
	plain := e.pool()
	e.provision(plain, "10.1.0.0/16")
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(plain)})
	msg := wantErr(t, err, "InvalidParameterCombination")
	if want := "The request cannot contain empty CIDR and Netmask Length for a pool with no default allocation netmask length set. Exactly one of them should be provided."; msg != want {
		t.Fatalf("message %q", msg)
	}
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(plain), Cidr: aws.String("10.1.0.0/24"), NetmaskLength: aws.Int32(24)})
	wantErr(t, err, "InvalidParameterCombination")
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(plain), Cidr: aws.String("10.1.0.0/24"), DisallowedCidrs: []string{"10.1.0.0/25"}})
	wantErr(t, err, "InvalidParameterCombination")
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String("ipam-pool-0123456789abcdef0"), NetmaskLength: aws.Int32(24)})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	// A pool without CIDRs has nothing to give.
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(e.pool()), NetmaskLength: aws.Int32(24)})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), "The allocation size is too big for the pool.")
}

func TestAllocateExplicitCidr(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	e.provision(id, "10.0.0.0/16")
	a := e.allocCidr(id, "10.0.5.0/24")
	if aws.ToString(a.Cidr) != "10.0.5.0/24" {
		t.Fatalf("got %s", aws.ToString(a.Cidr))
	}
	for _, c := range []struct{ name, cidr, code string }{
		{"not canonical", "10.0.6.1/24", "InvalidParameterValue"},
		{"not a CIDR", "10.0.6.0", "InvalidParameterValue"},
		{"outside the pool", "10.1.0.0/24", "InvalidParameterValue"},
		{"straddles the pool's edge", "10.0.0.0/15", "InvalidParameterValue"},
		{"other family", "fd00::/64", "InvalidParameterValue"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String(c.cidr)})
			wantErr(t, err, c.code)
		})
	}
	// Collisions name the allocation in the way, whichever side overlaps.
	for _, cidr := range []string{"10.0.5.0/24", "10.0.5.128/25", "10.0.4.0/23", "10.0.0.0/20"} {
		_, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String(cidr)})
		wantContains(t, wantErr(t, err, "InvalidParameterValue"), *a.IpamPoolAllocationId)
	}
	// NetmaskLength allocations flow around it.
	got := []string{aws.ToString(e.alloc(id, 22).Cidr), aws.ToString(e.alloc(id, 23).Cidr), aws.ToString(e.alloc(id, 24).Cidr)}
	wantStrings(t, "around 10.0.5.0/24", got, "10.0.0.0/22", "10.0.6.0/23", "10.0.4.0/24")
}

func TestAllocateExhaustion(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	e.provision(id, "10.0.0.0/24")
	e.alloc(id, 25)
	e.alloc(id, 26)
	_, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), NetmaskLength: aws.Int32(25)})
	msg := wantErr(t, err, "InvalidParameterValue")
	if want := "The allocation size is too big for the pool. The largest free block is /26."; msg != want {
		t.Fatalf("message %q\nwant    %q", msg, want)
	}
	// A block larger than the pool itself.
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), NetmaskLength: aws.Int32(23)})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), "The allocation size is too big for the pool.")
	if got := aws.ToString(e.alloc(id, 26).Cidr); got != "10.0.0.192/26" {
		t.Fatalf("last /26 %s", got)
	}
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), NetmaskLength: aws.Int32(32)})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), "The allocation size is too big for the pool.")
}

func TestAllocatePreviewNextCidr(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	e.provision(id, "10.0.0.0/16")
	e.alloc(id, 24)
	for range 2 { // a preview takes nothing, so it answers the same twice
		out, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), NetmaskLength: aws.Int32(20), PreviewNextCidr: aws.Bool(true)})
		must(t, err)
		if got := aws.ToString(out.IpamPoolAllocation.Cidr); got != "10.0.16.0/20" || out.IpamPoolAllocation.IpamPoolAllocationId != nil {
			t.Fatalf("preview %s id %v", got, out.IpamPoolAllocation.IpamPoolAllocationId)
		}
	}
	if n := len(e.allocations(id)); n != 1 {
		t.Fatalf("preview created allocations: %d", n)
	}
	if got := aws.ToString(e.alloc(id, 20).Cidr); got != "10.0.16.0/20" {
		t.Fatalf("real allocation %s after preview 10.0.16.0/20", got)
	}
	// Preview honours DisallowedCidrs and reports exhaustion like the real thing.
	out, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), NetmaskLength: aws.Int32(24),
		PreviewNextCidr: aws.Bool(true), DisallowedCidrs: []string{"10.0.1.0/24"}})
	must(t, err)
	if got := aws.ToString(out.IpamPoolAllocation.Cidr); got != "10.0.2.0/24" {
		t.Fatalf("preview with disallowed %s", got)
	}
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), NetmaskLength: aws.Int32(15), PreviewNextCidr: aws.Bool(true)})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), "The allocation size is too big for the pool.")
}

func TestAllocateTagsAndDescription(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	e.provision(id, "10.0.0.0/16")
	out, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), NetmaskLength: aws.Int32(24),
		Description: aws.String("reserved for on-prem"), TagSpecifications: tagSpec(types.ResourceTypeIpamPoolAllocation, "team", "net", "env", "prod")})
	must(t, err)
	got := e.allocations(id)
	if len(got) != 1 || aws.ToString(got[0].Description) != "reserved for on-prem" || fmt.Sprint(tagsOf(got[0].Tags)) != "map[env:prod team:net]" ||
		aws.ToString(got[0].IpamPoolAllocationId) != aws.ToString(out.IpamPoolAllocation.IpamPoolAllocationId) {
		t.Fatalf("listed %+v", got)
	}
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), NetmaskLength: aws.Int32(24),
		TagSpecifications: tagSpec(types.ResourceTypeIpamPool, "team", "net")})
	wantErr(t, err, "InvalidParameterValue")
}

func TestAllocateDryRun(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	e.provision(id, "10.0.0.0/16")
	for _, in := range []*ec2.AllocateIpamPoolCidrInput{
		{NetmaskLength: aws.Int32(24)},
		{Cidr: aws.String("10.0.7.0/24")},
		{NetmaskLength: aws.Int32(24), PreviewNextCidr: aws.Bool(true)},
	} {
		in.IpamPoolId, in.DryRun = aws.String(id), aws.Bool(true)
		_, err := e.c.AllocateIpamPoolCidr(ctx, in)
		wantDryRun(t, err)
	}
	if n := len(e.allocations(id)); n != 0 {
		t.Fatalf("DryRun allocated %d", n)
	}
	// A DryRun that would fail reports the failure, not DryRunOperation.
	_, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), NetmaskLength: aws.Int32(8), DryRun: aws.Bool(true)})
	wantErr(t, err, "InvalidParameterValue")
	if got := aws.ToString(e.alloc(id, 24).Cidr); got != "10.0.0.0/24" {
		t.Fatalf("after DryRuns the first /24 is %s", got)
	}
}

func TestReleaseIpamPoolAllocation(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	e.provision(id, "10.0.0.0/16")
	a := e.alloc(id, 24)
	b := e.alloc(id, 24)
	child := e.pool(source(id))
	e.provision(child, "10.0.128.0/17")
	var carve types.IpamPoolAllocation
	for _, x := range e.allocations(id) {
		if x.ResourceType == types.IpamPoolAllocationResourceTypeIpamPool {
			carve = x
		}
	}
	release := func(pool string, cidr, alloc *string) error {
		_, err := e.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(pool), Cidr: cidr, IpamPoolAllocationId: alloc})
		return err
	}
	// Only custom allocations: the child's carve-out is refused.
	wantErr(t, release(id, carve.Cidr, carve.IpamPoolAllocationId), "InvalidParameterValue")
	// Wrong pairs.
	wantContains(t, wantErr(t, release(id, b.Cidr, a.IpamPoolAllocationId), "InvalidParameterCombination"), "No allocation found")
	wantContains(t, wantErr(t, release(id, a.Cidr, aws.String("ipam-pool-alloc-0123456789abcdef0123456789abcdef0")), "InvalidParameterCombination"), "No allocation found")
	wantContains(t, wantErr(t, release(child, a.Cidr, a.IpamPoolAllocationId), "InvalidParameterCombination"), "No allocation found")
	wantErr(t, release("ipam-pool-0123456789abcdef0", a.Cidr, a.IpamPoolAllocationId), "InvalidIpamPoolId.NotFound")
	wantErr(t, release(id, aws.String("10.0.0.1/24"), a.IpamPoolAllocationId), "InvalidParameterValue")
	_, err := e.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(id), Cidr: a.Cidr,
		IpamPoolAllocationId: a.IpamPoolAllocationId, DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	wantStrings(t, "nothing released yet", cidrsOf(e.allocations(id)), "10.0.0.0/24", "10.0.1.0/24", "10.0.128.0/17")

	out, err := e.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(id), Cidr: a.Cidr, IpamPoolAllocationId: a.IpamPoolAllocationId})
	must(t, err)
	if !aws.ToBool(out.Success) {
		t.Fatal("Success = false")
	}
	wantContains(t, wantErr(t, release(id, a.Cidr, a.IpamPoolAllocationId), "InvalidParameterCombination"), "No allocation found")
	// Reusable at once: the next /24 is the one just released.
	again := e.alloc(id, 24)
	if aws.ToString(again.Cidr) != "10.0.0.0/24" || aws.ToString(again.IpamPoolAllocationId) == aws.ToString(a.IpamPoolAllocationId) {
		t.Fatalf("reallocated %s %s", aws.ToString(again.Cidr), aws.ToString(again.IpamPoolAllocationId))
	}
}

func TestModifyIpamPoolAllocation(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	e.provision(id, "10.0.0.0/16")
	a := e.alloc(id, 24)
	out, err := e.c.ModifyIpamPoolAllocation(ctx, &ec2.ModifyIpamPoolAllocationInput{IpamPoolAllocationId: a.IpamPoolAllocationId, Description: aws.String("web tier")})
	must(t, err)
	if aws.ToString(out.IpamPoolAllocation.Description) != "web tier" || aws.ToString(out.IpamPoolAllocation.Cidr) != "10.0.0.0/24" {
		t.Fatalf("modify answered %q %s", aws.ToString(out.IpamPoolAllocation.Description), aws.ToString(out.IpamPoolAllocation.Cidr))
	}
	if got := e.allocations(id); aws.ToString(got[0].Description) != "web tier" {
		t.Fatalf("listed description %q", aws.ToString(got[0].Description))
	}
	_, err = e.c.ModifyIpamPoolAllocation(ctx, &ec2.ModifyIpamPoolAllocationInput{IpamPoolAllocationId: a.IpamPoolAllocationId, Description: aws.String("dry"), DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	// Omitting the description removes it.
	out, err = e.c.ModifyIpamPoolAllocation(ctx, &ec2.ModifyIpamPoolAllocationInput{IpamPoolAllocationId: a.IpamPoolAllocationId})
	must(t, err)
	if out.IpamPoolAllocation.Description != nil {
		t.Fatalf("description %q after removal", *out.IpamPoolAllocation.Description)
	}
	if got := e.allocations(id); got[0].Description != nil {
		t.Fatalf("listed description %q after removal", *got[0].Description)
	}
	_, err = e.c.ModifyIpamPoolAllocation(ctx, &ec2.ModifyIpamPoolAllocationInput{IpamPoolAllocationId: aws.String("ipam-pool-alloc-0123456789abcdef0123456789abcdef0"), Description: aws.String("x")})
	msg := wantErr(t, err, "InvalidIpamPoolAllocationId.NotFound")
	if msg != "The IPAM pool allocation (ipam-pool-alloc-0123456789abcdef0123456789abcdef0) does not exist." {
		t.Fatalf("message %q", msg)
	}
}

func TestDescribeIpamPoolAllocations(t *testing.T) {
	e := newEnv(t)
	p1, p2 := e.pool(), e.pool()
	e.provision(p1, "10.0.0.0/16")
	e.provision(p2, "10.1.0.0/16")
	a1 := e.alloc(p1, 24)
	a2 := e.alloc(p2, 24)
	a3 := e.alloc(p1, 24)
	list := func(in *ec2.DescribeIpamPoolAllocationsInput) []string {
		t.Helper()
		out, err := e.c.DescribeIpamPoolAllocations(ctx, in)
		must(t, err)
		return idsOf(out.IpamPoolAllocations)
	}
	all := list(&ec2.DescribeIpamPoolAllocationsInput{})
	if len(all) != 3 {
		t.Fatalf("%d allocations across pools", len(all))
	}
	wantStrings(t, "ipam-pool-id", list(&ec2.DescribeIpamPoolAllocationsInput{Filters: []types.Filter{filter("ipam-pool-id", p1)}}),
		*a1.IpamPoolAllocationId, *a3.IpamPoolAllocationId)
	wantStrings(t, "by id", list(&ec2.DescribeIpamPoolAllocationsInput{IpamPoolAllocationIds: []string{*a2.IpamPoolAllocationId}}), *a2.IpamPoolAllocationId)
	wantStrings(t, "cidr", list(&ec2.DescribeIpamPoolAllocationsInput{Filters: []types.Filter{filter("cidr", "10.1.*")}}), *a2.IpamPoolAllocationId)
	_, err := e.c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{IpamPoolAllocationIds: []string{"ipam-pool-alloc-0123456789abcdef0123456789abcdef0"}})
	wantErr(t, err, "InvalidIpamPoolAllocationId.NotFound")
	_, err = e.c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{MaxResults: aws.Int32(999)})
	wantErr(t, err, "InvalidParameterValue")
	_, err = e.c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{Filters: []types.Filter{filter("pool", p1)}})
	wantErr(t, err, "InvalidParameterValue")
	_, err = e.c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{DryRun: aws.Bool(true)})
	wantDryRun(t, err)
}
