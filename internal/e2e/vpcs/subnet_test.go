package vpcs

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/testserver"
)

// Explicit subnets lie inside their VPC and never overlap each other; a VPC
// with subnets cannot go.
func TestExplicitSubnets(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		vpc := *e.vpc("10.0.0.0/16").VpcId

		sn := e.subnet(vpc, "10.0.1.0/24")
		if !subnetIDRE.MatchString(*sn.SubnetId) || *sn.AvailableIpAddressCount != 251 || *sn.AvailabilityZone != "us-east-1a" ||
			sn.State != types.SubnetStateAvailable || *sn.VpcId != vpc {
			t.Fatalf("CreateSubnet: %+v", sn)
		}
		for _, tc := range []struct {
			name string
			in   ec2.CreateSubnetInput
			code string
		}{
			{"outside the VPC", ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.1.0.0/24")}, "InvalidSubnet.Range"},
			{"overlapping", ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.0.1.128/25")}, "InvalidSubnet.Conflict"},
			{"containing another", ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.0.0.0/23")}, "InvalidSubnet.Conflict"},
			{"too small", ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.0.2.0/29")}, "InvalidSubnet.Range"},
			{"unknown VPC", ec2.CreateSubnetInput{VpcId: aws.String("vpc-0123456789abcdef0"), CidrBlock: aws.String("10.0.2.0/24")}, "InvalidVpcID.NotFound"},
			{"unknown zone", ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.0.2.0/24"), AvailabilityZone: aws.String("us-east-1z")}, "InvalidParameterValue"},
			{"no CIDR", ec2.CreateSubnetInput{VpcId: &vpc}, "MissingParameter"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.c.CreateSubnet(ctx, &tc.in)
				wantErr(t, err, tc.code)
			})
		}
		b, err := e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.0.2.0/24"), AvailabilityZoneId: aws.String("use1-az2")})
		must(t, err)
		if *b.Subnet.AvailabilityZone != "us-east-1b" {
			t.Fatalf("zone by id: %s", *b.Subnet.AvailabilityZone)
		}
		_, err = e.c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: b.Subnet.SubnetId, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
		must(t, err)
		out, err := e.c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", vpc), filter("map-public-ip-on-launch", "true")}})
		must(t, err)
		if len(out.Subnets) != 1 || *out.Subnets[0].SubnetId != *b.Subnet.SubnetId || !*out.Subnets[0].MapPublicIpOnLaunch {
			t.Fatalf("DescribeSubnets by filters: %+v", out.Subnets)
		}

		_, err = e.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
		wantErr(t, err, "DependencyViolation")
		for _, id := range []*string{sn.SubnetId, b.Subnet.SubnetId} {
			_, err = e.c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: id})
			must(t, err)
		}
		_, err = e.c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sn.SubnetId})
		wantErr(t, err, "InvalidSubnetID.NotFound")
		_, err = e.c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{*sn.SubnetId}})
		wantErr(t, err, "InvalidSubnetID.NotFound")
		_, err = e.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
		must(t, err)
	})
}

// Concurrent overlapping CreateSubnet calls: exactly one wins each round,
// and they take turns at the VPC's lock rather than race to the store's
// backstop: no transaction loses a race and runs again. (On PostgreSQL two
// inserts that meet in the exclusion constraint can wait for each other
// until the deadlock detector ends one, a second later; under load, five
// such runs made a request fail with InternalError.)
func TestConcurrentOverlappingSubnets(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		lost := new(testserver.Observed)
		opts.Observer = lost
		e := newEnv(t, opts)
		vpc := *e.vpc("10.0.0.0/16").VpcId
		for round := 0; round < 10; round++ {
			cidrs := []string{"10.0.%d.0/24", "10.0.%d.0/25", "10.0.%d.128/25", "10.0.%d.0/26"}
			var wg sync.WaitGroup
			wins := make(chan string, len(cidrs))
			for _, f := range cidrs {
				cidr := sprintf(f, round)
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: &cidr})
					switch code := codeOf(err); {
					case err == nil:
						wins <- cidr
					case code != "InvalidSubnet.Conflict":
						t.Errorf("%s: %v", cidr, err)
					}
				}()
			}
			wg.Wait()
			close(wins)
			var won []string
			for w := range wins {
				won = append(won, w)
			}
			// Winners never overlap; at least one always wins.
			if len(won) == 0 {
				t.Fatalf("round %d: no winner", round)
			}
			for i := range won {
				for j := i + 1; j < len(won); j++ {
					if netip.MustParsePrefix(won[i]).Overlaps(netip.MustParsePrefix(won[j])) {
						t.Fatalf("round %d: overlapping winners %q", round, won)
					}
				}
			}
		}
		if n := lost.Conflicts(); n != 0 {
			t.Errorf("%d transactions lost a race and ran again", n)
		}
	})
}

// A resource planning pool plans its VPC's space: it takes only CIDRs
// inside the VPC, hands subnets their blocks (around explicit subnets), and
// keeps the VPC from going while it exists.
func TestPlanningPoolSubnets(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		top := e.pool("10.0.0.0/8")
		vpc := e.vpcFrom(top, 16)
		vid := *vpc.VpcId

		plan, err := e.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: &e.priv, AddressFamily: types.AddressFamilyIpv4,
			SourceResource: &types.IpamPoolSourceResourceRequest{ResourceId: &vid, ResourceType: types.IpamPoolSourceResourceTypeVpc,
				ResourceRegion: aws.String("us-east-1"), ResourceOwner: aws.String(account)}})
		must(t, err)
		pid := *plan.IpamPool.IpamPoolId
		if r := plan.IpamPool.SourceResource; r == nil || *r.ResourceId != vid || *plan.IpamPool.Locale != "us-east-1" {
			t.Fatalf("planning pool: %+v", plan.IpamPool)
		}
		_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: &pid, Cidr: aws.String("10.1.0.0/16")})
		wantErr(t, err, "InvalidParameterValue")
		_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: &pid, Cidr: vpc.CidrBlock})
		must(t, err)

		explicit := e.subnet(vid, "10.0.0.0/24")
		a, err := e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vid, Ipv4IpamPoolId: &pid, Ipv4NetmaskLength: aws.Int32(24)})
		must(t, err)
		b, err := e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vid, Ipv4IpamPoolId: &pid, Ipv4NetmaskLength: aws.Int32(28)})
		must(t, err)
		if *a.Subnet.CidrBlock != "10.0.1.0/24" || *b.Subnet.CidrBlock != "10.0.2.0/28" {
			t.Fatalf("subnets from the planning pool: %s %s (explicit %s)", *a.Subnet.CidrBlock, *b.Subnet.CidrBlock, *explicit.CidrBlock)
		}
		wantStrings(t, "planning pool allocations", e.allocations(pid),
			"10.0.1.0/24 subnet "+*a.Subnet.SubnetId, "10.0.2.0/28 subnet "+*b.Subnet.SubnetId)

		// The pool must be a planning pool of the subnet's own VPC.
		other := *e.vpc("192.168.0.0/16").VpcId
		_, err = e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &other, Ipv4IpamPoolId: &pid, Ipv4NetmaskLength: aws.Int32(24)})
		wantErr(t, err, "InvalidParameterValue")
		_, err = e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vid, Ipv4IpamPoolId: &top, Ipv4NetmaskLength: aws.Int32(24)})
		wantErr(t, err, "InvalidParameterValue")

		_, err = e.c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: a.Subnet.SubnetId})
		must(t, err)
		wantStrings(t, "after DeleteSubnet", e.allocations(pid), "10.0.2.0/28 subnet "+*b.Subnet.SubnetId)
		for _, id := range []*string{b.Subnet.SubnetId, explicit.SubnetId} {
			_, err = e.c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: id})
			must(t, err)
		}
		_, err = e.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vid})
		wantErr(t, err, "DependencyViolation")
		_, err = e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: &pid, Cascade: aws.Bool(true)})
		must(t, err)
		_, err = e.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vid})
		must(t, err)
		wantStrings(t, "top pool after DeleteVpc", e.allocations(top))
	})
}

// IPv6 blocks come from IPv6 pools, for VPCs and subnets alike.
func TestIPv6FromPools(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		v6 := e.pool("fd00::/40", func(in *ec2.CreateIpamPoolInput) { in.AddressFamily = types.AddressFamilyIpv6 })
		out, err := e.c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), Ipv6IpamPoolId: &v6, Ipv6NetmaskLength: aws.Int32(56)})
		must(t, err)
		v := out.Vpc
		if len(v.Ipv6CidrBlockAssociationSet) != 1 || *v.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock != "fd00::/56" ||
			*v.Ipv6CidrBlockAssociationSet[0].Ipv6Pool != "IPAM Managed" {
			t.Fatalf("IPv6 VPC: %+v", v.Ipv6CidrBlockAssociationSet)
		}
		_, err = e.c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), Ipv6IpamPoolId: &v6, Ipv6NetmaskLength: aws.Int32(57)})
		wantErr(t, err, "InvalidParameterValue")

		plan, err := e.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: &e.priv, AddressFamily: types.AddressFamilyIpv6,
			SourceResource: &types.IpamPoolSourceResourceRequest{ResourceId: v.VpcId, ResourceType: types.IpamPoolSourceResourceTypeVpc}})
		must(t, err)
		_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: plan.IpamPool.IpamPoolId, Cidr: aws.String("fd00::/56")})
		must(t, err)
		sn, err := e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.VpcId, Ipv6Native: aws.Bool(true),
			Ipv6IpamPoolId: plan.IpamPool.IpamPoolId, Ipv6NetmaskLength: aws.Int32(64)})
		must(t, err)
		if sn.Subnet.CidrBlock != nil || len(sn.Subnet.Ipv6CidrBlockAssociationSet) != 1 ||
			*sn.Subnet.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock != "fd00::/64" || !*sn.Subnet.Ipv6Native {
			t.Fatalf("IPv6-only subnet: %+v", sn.Subnet)
		}
		both, err := e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.VpcId, CidrBlock: aws.String("10.0.0.0/24"),
			Ipv6IpamPoolId: plan.IpamPool.IpamPoolId, Ipv6NetmaskLength: aws.Int32(64)})
		must(t, err)
		if *both.Subnet.CidrBlock != "10.0.0.0/24" || *both.Subnet.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock != "fd00:0:0:1::/64" {
			t.Fatalf("dual-stack subnet: %+v", both.Subnet)
		}
	})
}

// Accounts see and touch only their own VPCs and subnets.
func TestVpcAccountIsolation(t *testing.T) {
	alice := sigv4.Account{AccessKey: "AKIDALICE", SecretKey: "alice-secret", AccountID: "111111111111"}
	bob := sigv4.Account{AccessKey: "AKIDBOB", SecretKey: "bob-secret", AccountID: "222222222222"}
	srv := testserver.Start(t, testserver.Options{Creds: sigv4.StaticCredentials{alice.AccessKey: alice, bob.AccessKey: bob}})
	a, b := srv.ClientFor(alice.AccessKey, alice.SecretKey), srv.ClientFor(bob.AccessKey, bob.SecretKey)
	out, err := a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must(t, err)
	id := out.Vpc.VpcId
	sn, err := a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: id, CidrBlock: aws.String("10.0.0.0/24")})
	must(t, err)

	_, err = b.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{*id}})
	wantErr(t, err, "InvalidVpcID.NotFound")
	_, err = b.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: id})
	wantErr(t, err, "InvalidVpcID.NotFound")
	_, err = b.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: id, CidrBlock: aws.String("10.0.1.0/24")})
	wantErr(t, err, "InvalidVpcID.NotFound")
	_, err = b.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sn.Subnet.SubnetId})
	wantErr(t, err, "InvalidSubnetID.NotFound")
	_, err = b.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*id}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantErr(t, err, "InvalidVpcID.NotFound")
	list, err := b.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	must(t, err)
	subs, err := b.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	must(t, err)
	sgs, err := b.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	must(t, err)
	if len(list.Vpcs)+len(subs.Subnets)+len(sgs.SecurityGroups) != 0 {
		t.Fatal("bob sees alice's resources")
	}
}
