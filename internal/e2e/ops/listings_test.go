// Package ops tests moving a store: export/import between SQLite and
// PostgreSQL, and pg_dump/pg_restore, judged by what the API answers.
package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// world is the state built through the API that every test moves.
type world struct {
	pools []string
	// tokened is an allocation made with a ClientToken: a retry on the
	// target must answer it again.
	token string
	desc  string // the tokened allocation's description
	first *types.IpamPoolAllocation
	scope string // the private default scope: its resource CIDRs and history travel too
}

// must returns v or panics with err: the call chains stay readable, and a
// panic fails the test with the call's stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// build makes IPAMs' worth of state through the API: an IPAM with tags,
// an extra scope, IPv4 and IPv6 pools, a nested pool, provisioned and
// deprovisioned CIDRs, allocations with descriptions (one released, one
// with a ClientToken), VPCs (one from the pool) and subnets.
func build(t *testing.T, c *ec2.Client) *world {
	ctx := context.Background()
	w := &world{token: "token-first-answer", desc: "tokened"}
	tags := []types.TagSpecification{{ResourceType: types.ResourceTypeIpam, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("net")}}}}
	ip := must(c.CreateIpam(ctx, &ec2.CreateIpamInput{Description: aws.String("lab"), TagSpecifications: tags,
		OperatingRegions: []types.AddIpamOperatingRegion{{RegionName: aws.String("us-east-1")}, {RegionName: aws.String("eu-west-1")}}})).Ipam
	must(c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: ip.IpamId, Description: aws.String("extra")}))
	scope := ip.PrivateDefaultScopeId
	w.scope = *scope
	v4 := must(c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: scope, AddressFamily: types.AddressFamilyIpv4,
		Description: aws.String("v4"), AllocationDefaultNetmaskLength: aws.Int32(24), Locale: aws.String("us-east-1"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeIpamPool, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}}})).IpamPool.IpamPoolId
	must(c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: v4, Cidr: aws.String("10.0.0.0/16")}))
	must(c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: v4, Cidr: aws.String("10.9.0.0/16")}))
	must(c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: v4, Cidr: aws.String("10.9.0.0/16")}))
	child := must(c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: scope, AddressFamily: types.AddressFamilyIpv4,
		SourceIpamPoolId: v4, Locale: aws.String("us-east-1")})).IpamPool.IpamPoolId
	must(c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: child, NetmaskLength: aws.Int32(20)}))
	v6 := must(c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: scope, AddressFamily: types.AddressFamilyIpv6})).IpamPool.IpamPoolId
	must(c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: v6, Cidr: aws.String("fd00:1::/48")}))
	w.pools = []string{*v4, *child, *v6}
	w.first = must(c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: v4, ClientToken: aws.String(w.token),
		Description: aws.String(w.desc)})).IpamPoolAllocation
	var release *types.IpamPoolAllocation
	for i := range 25 {
		a := must(c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: v4,
			NetmaskLength: aws.Int32(int32(24 + i%5)), Description: aws.String(fmt.Sprintf("app-%d", i))})).IpamPoolAllocation
		if i == 7 {
			release = a
		}
		must(c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: child, NetmaskLength: aws.Int32(28)}))
		must(c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: v6, NetmaskLength: aws.Int32(64)}))
	}
	vpc := must(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("172.16.0.0/16")})).Vpc
	must(c.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: vpc.VpcId, CidrBlock: aws.String("172.17.0.0/16")}))
	must(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("172.16.1.0/24"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSubnet, Tags: []types.Tag{{Key: aws.String("tier"), Value: aws.String("web")}}}}}))
	must(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String("172.17.0.0/20")}))
	must(c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: v4, Ipv4NetmaskLength: aws.Int32(22)}))
	// A VPC that came and went: closed history spans, and an overlap that
	// began and ended for the VPC above.
	gone := must(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("172.16.0.0/20")})).Vpc
	must(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: gone.VpcId}))
	must(c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: v4,
		IpamPoolAllocationId: release.IpamPoolAllocationId, Cidr: release.Cidr}))
	return w
}

// listings is every Describe/Get listing of the state as JSON, pages
// followed to the end (the target signs its own NextTokens, so items are compared, not tokens).
func listings(t *testing.T, c *ec2.Client, w *world) map[string]string {
	ctx := context.Background()
	out := map[string]string{}
	put := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	put("DescribeIpams", must(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{})).Ipams)
	put("DescribeIpamScopes", must(c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{})).IpamScopes)
	put("DescribeIpamPools", must(c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{})).IpamPools)
	put("DescribeVpcs", must(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})).Vpcs)
	put("DescribeSubnets", must(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})).Subnets)
	put("DescribeTags", must(c.DescribeTags(ctx, &ec2.DescribeTagsInput{})).Tags)
	for _, p := range w.pools {
		put("GetIpamPoolCidrs "+p, must(c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: &p})).IpamPoolCidrs)
		var all []types.IpamPoolAllocation
		in := &ec2.GetIpamPoolAllocationsInput{IpamPoolId: &p, MaxResults: aws.Int32(1000)}
		for {
			o := must(c.GetIpamPoolAllocations(ctx, in))
			all = append(all, o.IpamPoolAllocations...)
			if o.NextToken == nil {
				break
			}
			in.NextToken = o.NextToken
		}
		put("GetIpamPoolAllocations "+p, all)
	}
	put("DescribeIpamPoolAllocations", must(c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{})))
	put("GetIpamResourceCidrs", must(c.GetIpamResourceCidrs(ctx, &ec2.GetIpamResourceCidrsInput{IpamScopeId: &w.scope})).IpamResourceCidrs)
	for _, cidr := range []string{"172.16.0.0/16", "172.16.0.0/20", "172.16.1.0/24"} {
		put("GetIpamAddressHistory "+cidr, must(c.GetIpamAddressHistory(ctx, &ec2.GetIpamAddressHistoryInput{IpamScopeId: &w.scope,
			Cidr: aws.String(cidr), StartTime: aws.Time(time.Unix(0, 0))})).HistoryRecords)
	}
	for _, k := range []string{"GetIpamResourceCidrs", "GetIpamAddressHistory 172.16.0.0/16", "GetIpamAddressHistory 172.16.0.0/20"} {
		if out[k] == "null" || out[k] == "[]" {
			t.Fatalf("%s is empty: the state to move has no monitoring", k)
		}
	}
	return out
}

// sameListings fails the test where the target's listings differ.
func sameListings(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s differs:\n source %s\n target %s", what, k, v, got[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d listings, want %d", what, len(got), len(want))
	}
}

// stillWorks: a ClientToken retry answers its first answer, and a new
// allocation overlaps nothing.
func stillWorks(t *testing.T, c *ec2.Client, w *world) {
	ctx := context.Background()
	again := must(c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: &w.pools[0],
		ClientToken: aws.String(w.token), Description: aws.String(w.desc)})).IpamPoolAllocation
	if *again.IpamPoolAllocationId != *w.first.IpamPoolAllocationId || *again.Cidr != *w.first.Cidr {
		t.Errorf("ClientToken retry on the target = %s %s, first answer %s %s",
			*again.IpamPoolAllocationId, *again.Cidr, *w.first.IpamPoolAllocationId, *w.first.Cidr)
	}
	var taken []netip.Prefix
	for _, a := range must(c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: &w.pools[0], MaxResults: aws.Int32(1000)})).IpamPoolAllocations {
		taken = append(taken, netip.MustParsePrefix(*a.Cidr))
	}
	for range 5 {
		a := must(c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: &w.pools[0]})).IpamPoolAllocation
		p := netip.MustParsePrefix(*a.Cidr)
		for _, q := range taken {
			if p.Overlaps(q) {
				t.Errorf("the target handed out %s, overlapping %s", p, q)
			}
		}
		taken = append(taken, p)
	}
}
