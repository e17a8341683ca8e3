package cluster

import (
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// vpcWorld is what the VPC tests run against: a pool that VPCs take their
// blocks from, and a home VPC from it whose resource planning pool gives
// subnets their blocks.
type vpcWorld struct {
	scope    string       // the IPAM's private scope
	pool     string       // locale us-east-1, the nodes' Region
	poolCIDR netip.Prefix //
	home     string       // a VPC from pool
	homeCIDR netip.Prefix
	plan     string // home's resource planning pool, provisioned with homeCIDR
	other    string // a second VPC pool (172.16.0.0/12), for secondary blocks
	pool6    string // an IPv6 VPC pool (fd00::/40)
}

// setupVPCs creates the IPAM, a VPC pool provisioned with cidr, a second
// one and an IPv6 one, the home VPC (a /16 from the first) and its planning
// pool.
func setupVPCs(t *testing.T, c *ec2.Client, cidr string) *vpcWorld {
	t.Helper()
	ip, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{Description: aws.String("vpcs")})
	if err != nil {
		t.Fatalf("CreateIpam: %v", err)
	}
	scope := ip.Ipam.PrivateDefaultScopeId
	w := &vpcWorld{scope: aws.ToString(scope), poolCIDR: netip.MustParsePrefix(cidr)}
	w.pool = createPool(t, c, &ec2.CreateIpamPoolInput{IpamScopeId: scope, AddressFamily: types.AddressFamilyIpv4,
		Locale: aws.String("us-east-1"), Description: aws.String("vpc pool")}, cidr)
	w.other = createPool(t, c, &ec2.CreateIpamPoolInput{IpamScopeId: scope, AddressFamily: types.AddressFamilyIpv4,
		Locale: aws.String("us-east-1"), Description: aws.String("other vpc pool")}, "172.16.0.0/12")
	w.pool6 = createPool(t, c, &ec2.CreateIpamPoolInput{IpamScopeId: scope, AddressFamily: types.AddressFamilyIpv6,
		Locale: aws.String("us-east-1"), Description: aws.String("ipv6 vpc pool")}, "fd00::/40")
	home, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool), Ipv4NetmaskLength: aws.Int32(16),
		TagSpecifications: opTag(types.ResourceTypeVpc, "home", false)})
	if err != nil {
		t.Fatalf("CreateVpc home: %v", err)
	}
	w.home, w.homeCIDR = aws.ToString(home.Vpc.VpcId), netip.MustParsePrefix(aws.ToString(home.Vpc.CidrBlock))
	w.plan = createPool(t, c, &ec2.CreateIpamPoolInput{IpamScopeId: scope, AddressFamily: types.AddressFamilyIpv4,
		Description: aws.String("home plan"), SourceResource: &types.IpamPoolSourceResourceRequest{
			ResourceId: aws.String(w.home), ResourceType: types.IpamPoolSourceResourceTypeVpc}}, w.homeCIDR.String())
	return w
}

// createPool creates a pool and provisions cidr to it.
func createPool(t *testing.T, c *ec2.Client, in *ec2.CreateIpamPoolInput, cidr string) string {
	t.Helper()
	out, err := c.CreateIpamPool(ctx, in)
	if err != nil {
		t.Fatalf("CreateIpamPool %q: %v", aws.ToString(in.Description), err)
	}
	id := aws.ToString(out.IpamPool.IpamPoolId)
	if _, err := c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(id),
		Cidr: aws.String(cidr)}); err != nil {
		t.Fatalf("ProvisionIpamPoolCidr %s to %s: %v", cidr, id, err)
	}
	return id
}

// opTag tags a new VPC or subnet with the operation that asked for it (so a
// resource whose create answer was lost can still be told apart from one
// nobody asked for) and, for a subnet, with whether it came from a pool.
func opTag(rt types.ResourceType, op string, pooled bool) []types.TagSpecification {
	tags := []types.Tag{{Key: aws.String("op"), Value: aws.String(op)}}
	if pooled {
		tags = append(tags, types.Tag{Key: aws.String("pooled"), Value: aws.String("true")})
	}
	return []types.TagSpecification{{ResourceType: rt, Tags: tags}}
}

func tagValue(tags []types.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func listVpcs(c *ec2.Client, filters ...types.Filter) ([]types.Vpc, error) {
	var out []types.Vpc
	pg := ec2.NewDescribeVpcsPaginator(c, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(100), Filters: filters})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Vpcs...)
	}
	return out, nil
}

func listSubnets(c *ec2.Client, filters ...types.Filter) ([]types.Subnet, error) {
	var out []types.Subnet
	pg := ec2.NewDescribeSubnetsPaginator(c, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(100), Filters: filters})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Subnets...)
	}
	return out, nil
}

func vpcFilter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}
