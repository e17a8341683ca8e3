package pools

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/testserver"
)

func TestNestedPoolsThreeLevels(t *testing.T) {
	e := newEnv(t)
	parent := e.createPool(describe("global"))
	e.provision(*parent.IpamPoolId, "10.0.0.0/8")
	child := e.createPool(source(*parent.IpamPoolId), locale("us-east-1"))
	e.provision(*child.IpamPoolId, "10.1.0.0/16")
	grand := e.createPool(source(*child.IpamPoolId), locale("us-east-1"))
	out, err := e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: grand.IpamPoolId, NetmaskLength: aws.Int32(20)})
	must(t, err)
	grandCidrID := *out.IpamPoolCidr.IpamPoolCidrId
	leaf := e.alloc(*grand.IpamPoolId, 24)

	for i, p := range []*types.IpamPool{parent, child, grand} {
		if d := aws.ToInt32(p.PoolDepth); d != int32(i+1) {
			t.Errorf("depth %d, want %d", d, i+1)
		}
		if d := aws.ToInt32(e.describePool(*p.IpamPoolId).PoolDepth); d != int32(i+1) {
			t.Errorf("described depth %d, want %d", d, i+1)
		}
	}
	if aws.ToString(child.SourceIpamPoolId) != *parent.IpamPoolId || aws.ToString(grand.SourceIpamPoolId) != *child.IpamPoolId {
		t.Fatalf("sources %s %s", aws.ToString(child.SourceIpamPoolId), aws.ToString(grand.SourceIpamPoolId))
	}

	// Each level's provisioned CIDR is an ipam-pool allocation one level up.
	check := func(pool, wantCidr, wantResource string) types.IpamPoolAllocation {
		t.Helper()
		as := e.allocations(pool)
		if len(as) != 1 {
			t.Fatalf("%s: %d allocations", pool, len(as))
		}
		a := as[0]
		if aws.ToString(a.Cidr) != wantCidr || a.ResourceType != types.IpamPoolAllocationResourceTypeIpamPool ||
			aws.ToString(a.ResourceId) != wantResource || aws.ToString(a.ResourceOwner) != account ||
			!allocIDRE.MatchString(aws.ToString(a.IpamPoolAllocationId)) {
			t.Fatalf("%s: %s %s %s %s", pool, aws.ToString(a.Cidr), a.ResourceType, aws.ToString(a.ResourceId), aws.ToString(a.ResourceOwner))
		}
		return a
	}
	check(*parent.IpamPoolId, "10.1.0.0/16", *child.IpamPoolId)
	check(*child.IpamPoolId, "10.1.0.0/20", *grand.IpamPoolId)
	g := e.allocations(*grand.IpamPoolId)
	if len(g) != 1 || *g[0].Cidr != "10.1.0.0/24" || g[0].ResourceType != types.IpamPoolAllocationResourceTypeCustom || *g[0].IpamPoolAllocationId != *leaf.IpamPoolAllocationId {
		t.Fatalf("grandchild allocations %v", cidrsOf(g))
	}
	wantStrings(t, "grandchild CIDRs", e.poolCidrs(*grand.IpamPoolId), "10.1.0.0/20=provisioned")

	// Allocations in a child never show in the grandparent, and a child
	// allocation elsewhere in the child's space avoids the grandchild.
	if got := aws.ToString(e.alloc(*child.IpamPoolId, 20).Cidr); got != "10.1.16.0/20" {
		t.Fatalf("child /20 %s", got)
	}
	if n := len(e.allocations(*parent.IpamPoolId)); n != 1 {
		t.Fatalf("parent sees %d allocations", n)
	}
	// The parent cannot take space its child holds.
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: parent.IpamPoolId, Cidr: aws.String("10.1.2.0/24")})
	wantErr(t, err, "InvalidParameterValue")
	// Nor can a child provision outside its parent or over a sibling.
	sibling := e.pool(source(*parent.IpamPoolId))
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(sibling), Cidr: aws.String("10.1.128.0/17")})
	wantErr(t, err, "InvalidParameterValue")
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(sibling), Cidr: aws.String("11.0.0.0/16")})
	wantErr(t, err, "InvalidParameterValue")
	// A NetmaskLength provisioning for the sibling goes around the child's
	// carve-out.
	out, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(sibling), NetmaskLength: aws.Int32(16)})
	must(t, err)
	wantStrings(t, "sibling CIDRs", e.poolCidrs(sibling), "10.0.0.0/16=provisioned")

	// The grandchild's CIDR cannot go while it has an allocation; after the
	// release it returns to the child.
	_, err = e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: grand.IpamPoolId, Cidr: aws.String("10.1.0.0/20")})
	wantErr(t, err, "IncorrectState")
	_, err = e.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: grand.IpamPoolId, Cidr: leaf.Cidr, IpamPoolAllocationId: leaf.IpamPoolAllocationId})
	must(t, err)
	_, err = e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: grand.IpamPoolId, Cidr: aws.String("10.1.0.0/20")})
	must(t, err)
	wantStrings(t, "child after grandchild deprovision", cidrsOf(e.allocations(*child.IpamPoolId)), "10.1.16.0/20")
	cidrs, err := e.c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: grand.IpamPoolId})
	must(t, err)
	if len(cidrs.IpamPoolCidrs) != 1 || *cidrs.IpamPoolCidrs[0].IpamPoolCidrId != grandCidrID || cidrs.IpamPoolCidrs[0].State != types.IpamPoolCidrStateDeprovisioned {
		t.Fatalf("grandchild CIDR after deprovision %+v", cidrs.IpamPoolCidrs)
	}
}

func TestNestedPoolLocaleRules(t *testing.T) {
	e := newEnv(t)
	none := e.pool()
	west := e.pool(locale("us-west-2"))
	// A child of a pool without locale may take any operating Region, or none.
	e.pool(source(none), locale("us-east-1"))
	e.pool(source(none))
	// A child of a pool with a locale must have the same one.
	e.pool(source(west), locale("us-west-2"))
	for _, l := range []*string{aws.String("us-east-1"), nil} {
		_, err := e.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv), AddressFamily: types.AddressFamilyIpv4,
			SourceIpamPoolId: aws.String(west), Locale: l})
		wantContains(t, wantErr(t, err, "InvalidParameterValue"), "us-west-2")
	}
}

func TestPoolDepthQuota(t *testing.T) {
	e := newEnvOpts(t, testserver.Options{Limits: limits(func(l *ipam.Limits) { l.PoolDepth = 3 })})
	p := e.pool()
	for range 2 {
		p = e.pool(source(p))
	}
	if d := aws.ToInt32(e.describePool(p).PoolDepth); d != 3 {
		t.Fatalf("depth %d", d)
	}
	_, err := e.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv), AddressFamily: types.AddressFamilyIpv4, SourceIpamPoolId: aws.String(p)})
	wantErr(t, err, "ResourceLimitExceeded")
}

// A child's allocation rules apply inside it; its parent's rules govern
// the carve-out the child takes from the parent.
func TestNestedPoolRulesAreNotInherited(t *testing.T) {
	e := newEnv(t)
	parent := e.pool(func(in *ec2.CreateIpamPoolInput) {
		in.AllocationMinNetmaskLength, in.AllocationMaxNetmaskLength = aws.Int32(16), aws.Int32(20)
	})
	e.provision(parent, "10.0.0.0/8")
	child := e.pool(source(parent))
	_, err := e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(child), NetmaskLength: aws.Int32(24)})
	wantErr(t, err, "InvalidParameterValue")
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(child), Cidr: aws.String("10.0.0.0/12")})
	wantErr(t, err, "InvalidParameterValue")
	e.provision(child, "10.0.0.0/20")
	// The child has no rules: /28 is fine there.
	if got := aws.ToString(e.alloc(child, 28).Cidr); got != "10.0.0.0/28" {
		t.Fatalf("child /28 %s", got)
	}
}
