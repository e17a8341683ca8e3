package vpcs

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/testserver"
)

// A VPC takes the lowest free block of its pool, shows up in the pool's
// allocations as a vpc, and gives the block back the moment it is deleted.
func TestVpcFromPoolLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		pool := e.pool("10.0.0.0/16", defaultNetmask(20))

		a := e.vpcFrom(pool, 24)
		b := e.vpcFrom(pool, 0) // the pool's default /20
		if !vpcIDRE.MatchString(*a.VpcId) || *a.CidrBlock != "10.0.0.0/24" || *b.CidrBlock != "10.0.16.0/20" {
			t.Fatalf("CreateVpc: %s %s, %s %s", *a.VpcId, *a.CidrBlock, *b.VpcId, *b.CidrBlock)
		}
		if a.State != types.VpcStateAvailable || *a.OwnerId != account || a.InstanceTenancy != types.TenancyDefault ||
			len(a.CidrBlockAssociationSet) != 1 || !assocIDRE.MatchString(*a.CidrBlockAssociationSet[0].AssociationId) ||
			a.CidrBlockAssociationSet[0].CidrBlockState.State != types.VpcCidrBlockStateCodeAssociated || *a.IsDefault {
			t.Fatalf("CreateVpc answer: %+v", a)
		}
		wantStrings(t, "allocations", e.allocations(pool), "10.0.0.0/24 vpc "+*a.VpcId, "10.0.16.0/20 vpc "+*b.VpcId)
		out, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool),
			Filters: []types.Filter{filter("resource-id", *a.VpcId)}})
		must(t, err)
		if al := out.IpamPoolAllocations; len(al) != 1 || *al[0].ResourceOwner != account || *al[0].ResourceRegion != "us-east-1" {
			t.Fatalf("vpc allocation: %+v", al)
		}

		// A secondary block from the pool goes around the VPC's own.
		as, err := e.c.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: a.VpcId,
			Ipv4IpamPoolId: aws.String(pool), Ipv4NetmaskLength: aws.Int32(24)})
		must(t, err)
		if *as.CidrBlockAssociation.CidrBlock != "10.0.1.0/24" || *as.VpcId != *a.VpcId {
			t.Fatalf("AssociateVpcCidrBlock: %+v", as.CidrBlockAssociation)
		}
		assoc := *as.CidrBlockAssociation.AssociationId
		f, err := e.c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("cidr-block-association.association-id", assoc)}})
		must(t, err)
		if len(f.Vpcs) != 1 || *f.Vpcs[0].VpcId != *a.VpcId {
			t.Fatalf("filter by association id: %+v", f.Vpcs)
		}
		wantStrings(t, "blocks", cidrsOf(e.describeVpc(*a.VpcId)), "10.0.0.0/24", "10.0.1.0/24")

		// The primary block stays; the secondary goes back to the pool at once.
		primary := *a.CidrBlockAssociationSet[0].AssociationId
		_, err = e.c.DisassociateVpcCidrBlock(ctx, &ec2.DisassociateVpcCidrBlockInput{AssociationId: aws.String(primary)})
		wantErr(t, err, "InvalidParameterValue")
		dis, err := e.c.DisassociateVpcCidrBlock(ctx, &ec2.DisassociateVpcCidrBlockInput{AssociationId: aws.String(assoc)})
		must(t, err)
		if dis.CidrBlockAssociation.CidrBlockState.State != types.VpcCidrBlockStateCodeDisassociated {
			t.Fatalf("DisassociateVpcCidrBlock: %+v", dis.CidrBlockAssociation)
		}
		wantStrings(t, "allocations after disassociate", e.allocations(pool), "10.0.0.0/24 vpc "+*a.VpcId, "10.0.16.0/20 vpc "+*b.VpcId)
		_, err = e.c.DisassociateVpcCidrBlock(ctx, &ec2.DisassociateVpcCidrBlockInput{AssociationId: aws.String(assoc)})
		wantErr(t, err, "InvalidVpcCidrBlockAssociationID.NotFound")

		// A VPC's allocation is not the caller's to release.
		al := out.IpamPoolAllocations[0]
		_, err = e.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(pool),
			Cidr: al.Cidr, IpamPoolAllocationId: al.IpamPoolAllocationId})
		wantErr(t, err, "InvalidParameterValue")
		_, err = e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(pool)})
		wantErr(t, err, "DependencyViolation")

		// Delete: released in the same transaction, reusable at once.
		_, err = e.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: a.VpcId})
		must(t, err)
		wantStrings(t, "allocations after delete", e.allocations(pool), "10.0.16.0/20 vpc "+*b.VpcId)
		_, err = e.c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{*a.VpcId}})
		wantErr(t, err, "InvalidVpcID.NotFound")
		_, err = e.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: a.VpcId})
		wantErr(t, err, "InvalidVpcID.NotFound")
		if c := e.vpcFrom(pool, 24); *c.CidrBlock != "10.0.0.0/24" {
			t.Fatalf("space not reused: %s", *c.CidrBlock)
		}
	})
}

// Every rule of the pool applies to a VPC's block, and the VPC's own.
func TestVpcPoolRules(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		pool := e.pool("10.0.0.0/16", func(in *ec2.CreateIpamPoolInput) {
			in.AllocationMinNetmaskLength = aws.Int32(20)
			in.AllocationMaxNetmaskLength = aws.Int32(24)
			in.AllocationResourceTags = []types.RequestIpamResourceTag{{Key: aws.String("env"), Value: aws.String("prod")}}
		})
		west := e.pool("10.1.0.0/16", func(in *ec2.CreateIpamPoolInput) { in.Locale = aws.String("us-west-2") })
		noLocale := e.pool("10.2.0.0/16", func(in *ec2.CreateIpamPoolInput) { in.Locale = nil })
		prod := []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}}

		for _, tc := range []struct {
			name string
			in   ec2.CreateVpcInput
			code string
		}{
			{"netmask under the pool minimum", ec2.CreateVpcInput{Ipv4IpamPoolId: &pool, Ipv4NetmaskLength: aws.Int32(16), TagSpecifications: prod}, "InvalidParameterValue"},
			{"netmask over the pool maximum", ec2.CreateVpcInput{Ipv4IpamPoolId: &pool, Ipv4NetmaskLength: aws.Int32(26), TagSpecifications: prod}, "InvalidParameterValue"},
			{"netmask beyond /28", ec2.CreateVpcInput{Ipv4IpamPoolId: &west, Ipv4NetmaskLength: aws.Int32(29)}, "InvalidParameterValue"},
			{"no netmask and no default", ec2.CreateVpcInput{Ipv4IpamPoolId: &pool, TagSpecifications: prod}, "InvalidParameterCombination"},
			{"required tag missing", ec2.CreateVpcInput{Ipv4IpamPoolId: &pool, Ipv4NetmaskLength: aws.Int32(24)}, "InvalidParameterValue"},
			{"pool in another Region", ec2.CreateVpcInput{Ipv4IpamPoolId: &west, Ipv4NetmaskLength: aws.Int32(24)}, "InvalidParameterValue"},
			{"pool without a locale", ec2.CreateVpcInput{Ipv4IpamPoolId: &noLocale, Ipv4NetmaskLength: aws.Int32(24)}, "InvalidParameterValue"},
			{"unknown pool", ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String("ipam-pool-0123456789abcdef0"), Ipv4NetmaskLength: aws.Int32(24)}, "InvalidIpamPoolId.NotFound"},
			{"explicit /8", ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/8")}, "InvalidVpc.Range"},
			{"explicit /29", ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/29")}, "InvalidVpc.Range"},
			{"explicit IPv6 as CidrBlock", ec2.CreateVpcInput{CidrBlock: aws.String("fd00::/56")}, "InvalidParameterValue"},
			{"not a CIDR", ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/33")}, "InvalidParameterValue"},
			{"no CIDR at all", ec2.CreateVpcInput{}, "MissingParameter"},
			{"CidrBlock and a pool", ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), Ipv4IpamPoolId: &pool}, "InvalidParameterCombination"},
			{"netmask without a pool", ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), Ipv4NetmaskLength: aws.Int32(16)}, "InvalidParameterCombination"},
			{"Amazon IPv6", ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), AmazonProvidedIpv6CidrBlock: aws.Bool(true)}, "UnsupportedOperation"},
			{"host tenancy", ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), InstanceTenancy: types.TenancyHost}, "InvalidParameterValue"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.c.CreateVpc(ctx, &tc.in)
				wantErr(t, err, tc.code)
			})
		}
		// Nothing was taken by the refusals.
		wantStrings(t, "allocations", e.allocations(pool))
		out, err := e.c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		must(t, err)
		if len(out.Vpcs) != 0 {
			t.Fatalf("refused CreateVpc left %d VPCs", len(out.Vpcs))
		}

		v, err := e.c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: &pool, Ipv4NetmaskLength: aws.Int32(20), TagSpecifications: prod})
		must(t, err)
		if *v.Vpc.CidrBlock != "10.0.0.0/20" || len(v.Vpc.Tags) != 1 {
			t.Fatalf("tagged VPC: %+v", v.Vpc)
		}
		_, err = e.c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: &pool, Ipv4NetmaskLength: aws.Int32(20), DryRun: aws.Bool(true), TagSpecifications: prod})
		wantErr412(t, err)

		// An exhausted pool answers as AllocateIpamPoolCidr does.
		small := e.pool("10.9.0.0/24")
		e.vpcFrom(small, 24)
		_, err = e.c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: &small, Ipv4NetmaskLength: aws.Int32(24)})
		_, allocErr := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: &small, NetmaskLength: aws.Int32(24)})
		if fmt.Sprint(codeOf(err)) != fmt.Sprint(codeOf(allocErr)) || codeOf(err) == "" {
			t.Fatalf("exhausted: CreateVpc %v, AllocateIpamPoolCidr %v", err, allocErr)
		}
	})
}

func wantErr412(t *testing.T, err error) {
	t.Helper()
	if codeOf(err) != "DryRunOperation" {
		t.Fatalf("DryRun: %v", err)
	}
}

// Explicit VPCs, attributes, default companions, tags and paging.
func TestVpcExplicitAndReads(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		v := e.vpc("172.16.0.0/16")
		id := *v.VpcId

		attr, err := e.c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: &id, Attribute: types.VpcAttributeNameEnableDnsSupport})
		must(t, err)
		if !*attr.EnableDnsSupport.Value || attr.EnableDnsHostnames != nil {
			t.Fatalf("enableDnsSupport: %+v", attr)
		}
		_, err = e.c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: &id, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
		must(t, err)
		attr, err = e.c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: &id, Attribute: types.VpcAttributeNameEnableDnsHostnames})
		must(t, err)
		if !*attr.EnableDnsHostnames.Value {
			t.Fatalf("enableDnsHostnames not set: %+v", attr)
		}
		_, err = e.c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: &id,
			EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}, EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
		wantErr(t, err, "InvalidParameterCombination")
		_, err = e.c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: &id, Attribute: "nope"})
		wantErr(t, err, "InvalidParameterValue")

		acls, err := e.c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("default", "true"), filter("vpc-id", id)}})
		must(t, err)
		rts, err := e.c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.main", "true"), filter("vpc-id", id)}})
		must(t, err)
		sgs, err := e.c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("group-name", "default"), filter("vpc-id", id)}})
		must(t, err)
		if len(acls.NetworkAcls) != 1 || len(rts.RouteTables) != 1 || len(sgs.SecurityGroups) != 1 {
			t.Fatalf("default companions: %d acls, %d route tables, %d groups", len(acls.NetworkAcls), len(rts.RouteTables), len(sgs.SecurityGroups))
		}
		rt := rts.RouteTables[0]
		if len(rt.Routes) != 1 || *rt.Routes[0].DestinationCidrBlock != "172.16.0.0/16" || !*rt.Associations[0].Main {
			t.Fatalf("main route table: %+v", rt)
		}
		if !*acls.NetworkAcls[0].IsDefault || len(acls.NetworkAcls[0].Entries) != 4 || *sgs.SecurityGroups[0].GroupName != "default" {
			t.Fatalf("acl %+v, group %+v", acls.NetworkAcls[0], sgs.SecurityGroups[0])
		}
		enis, err := e.c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("subnet-id", "subnet-0123456789abcdef0")}})
		must(t, err)
		eps, err := e.c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{filter("vpc-id", id)}})
		must(t, err)
		if len(enis.NetworkInterfaces) != 0 || len(eps.VpcEndpoints) != 0 {
			t.Fatal("network interfaces or endpoints that ipamd never makes")
		}
		azs, err := e.c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
		must(t, err)
		if len(azs.AvailabilityZones) != 3 || *azs.AvailabilityZones[0].ZoneName != "us-east-1a" || *azs.AvailabilityZones[0].ZoneId != "use1-az1" {
			t.Fatalf("zones: %+v", azs.AvailabilityZones)
		}

		_, err = e.c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("lab")}}})
		must(t, err)
		byTag, err := e.c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:Name", "lab")}})
		must(t, err)
		if len(byTag.Vpcs) != 1 || *byTag.Vpcs[0].Tags[0].Value != "lab" {
			t.Fatalf("tag filter: %+v", byTag.Vpcs)
		}
		tags, err := e.c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-type", "vpc")}})
		must(t, err)
		if len(tags.Tags) != 1 || *tags.Tags[0].ResourceId != id {
			t.Fatalf("DescribeTags: %+v", tags.Tags)
		}

		for i := 0; i < 11; i++ {
			e.vpc(fmt.Sprintf("10.%d.0.0/16", i))
		}
		p := ec2.NewDescribeVpcsPaginator(e.c, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
		seen, pages := map[string]bool{}, 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			must(t, err)
			pages++
			for _, v := range out.Vpcs {
				seen[*v.VpcId] = true
			}
		}
		if len(seen) != 12 || pages != 3 {
			t.Fatalf("paging: %d VPCs in %d pages", len(seen), pages)
		}
		_, err = e.c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("no-such-filter", "x")}})
		wantErr(t, err, "InvalidParameterValue")
	})
}
