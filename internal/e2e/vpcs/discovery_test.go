package vpcs

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/e2e/ec2raw"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/testserver"
)

var bob = sigv4.Account{AccessKey: "AKIDBOB", SecretKey: "bob-secret", AccountID: "222222222222"}

// twoAccounts is the development account plus bob's.
func twoAccounts(opts testserver.Options) testserver.Options {
	creds := sigv4.DevCredentials()
	creds[bob.AccessKey] = bob
	opts.Creds = creds
	return opts
}

// discoIDs are the default discovery and association of the env's IPAM.
func (e *env) discoIDs() (disco, assoc, ipamID string) {
	e.t.Helper()
	out, err := e.c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{})
	must(e.t, err)
	if len(out.Ipams) != 1 {
		e.t.Fatalf("DescribeIpams: %d IPAMs", len(out.Ipams))
	}
	i := out.Ipams[0]
	return *i.DefaultResourceDiscoveryId, *i.DefaultResourceDiscoveryAssociationId, *i.IpamId
}

// Each IPAM's default discovery and association, as DescribeIpams names
// them, with ids, filters and pages; they follow ModifyIpam and go with
// DeleteIpam.
func TestDescribeResourceDiscoveries(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, twoAccounts(opts))
		disco, assoc, ipamID := e.discoIDs()

		out, err := e.c.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{})
		must(t, err)
		if len(out.IpamResourceDiscoveries) != 1 || out.NextToken != nil {
			t.Fatalf("DescribeIpamResourceDiscoveries: %+v", out)
		}
		d := out.IpamResourceDiscoveries[0]
		if *d.IpamResourceDiscoveryId != disco || *d.OwnerId != account ||
			*d.IpamResourceDiscoveryArn != "arn:aws:ec2::"+account+":ipam-resource-discovery/"+disco ||
			*d.IpamResourceDiscoveryRegion != "us-east-1" || !*d.IsDefault || d.State != types.IpamResourceDiscoveryStateCreateComplete ||
			d.Description != nil || len(d.Tags) != 0 {
			t.Fatalf("discovery: %+v", d)
		}
		wantStrings(t, "operating regions", regionNames(d.OperatingRegions), "us-east-1", "us-west-2")

		ids := func(in *ec2.DescribeIpamResourceDiscoveriesInput) []string {
			t.Helper()
			out, err := e.c.DescribeIpamResourceDiscoveries(ctx, in)
			must(t, err)
			var got []string
			for _, d := range out.IpamResourceDiscoveries {
				got = append(got, *d.IpamResourceDiscoveryId)
			}
			return got
		}
		byFilter := func(name string, values ...string) []string {
			return ids(&ec2.DescribeIpamResourceDiscoveriesInput{Filters: []types.Filter{filter(name, values...)}})
		}
		wantStrings(t, "by id", ids(&ec2.DescribeIpamResourceDiscoveriesInput{IpamResourceDiscoveryIds: []string{disco}}), disco)
		for _, f := range [][]string{{"ipam-resource-discovery-id", disco}, {"owner-id", account}, {"is-default", "true"},
			{"operating-region.region-name", "us-west-2"}, {"ipam-resource-discovery-region", "us-*"}, {"state", "create-complete"},
			{"ipam-resource-discovery-arn", "*" + disco}} {
			wantStrings(t, "filter "+f[0], byFilter(f[0], f[1]), disco)
		}
		for _, f := range [][]string{{"is-default", "false"}, {"operating-region.region-name", "eu-west-1"}, {"owner-id", bob.AccountID},
			{"tag-key", "*"}, {"tag:Name", "*"}, {"description", "*"}} {
			wantStrings(t, "filter "+f[0], byFilter(f[0], f[1]))
		}
		_, err = e.c.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{Filters: []types.Filter{filter("ipam-id", ipamID)}})
		wantErr(t, err, "InvalidParameterValue")
		_, err = e.c.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{IpamResourceDiscoveryIds: []string{"ipam-res-disco-0123456789abcdef0"}})
		wantErr(t, err, "InvalidIpamResourceDiscoveryId.NotFound")
		_, err = e.c.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{IpamResourceDiscoveryIds: []string{assoc}})
		wantErr(t, err, "InvalidIpamResourceDiscoveryId.Malformed")
		_, err = e.c.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{MaxResults: aws.Int32(4)})
		wantErr(t, err, "InvalidParameterValue")
		_, err = e.c.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{NextToken: aws.String("x.y")})
		wantErr(t, err, "InvalidPaginationToken")
		_, err = e.c.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{DryRun: aws.Bool(true)})
		wantDryRun(t, err)
		_, err = e.c.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{DryRun: aws.Bool(true),
			IpamResourceDiscoveryIds: []string{"ipam-res-disco-0123456789abcdef0"}})
		wantErr(t, err, "InvalidIpamResourceDiscoveryId.NotFound")

		// The association.
		as, err := e.c.DescribeIpamResourceDiscoveryAssociations(ctx, &ec2.DescribeIpamResourceDiscoveryAssociationsInput{})
		must(t, err)
		if len(as.IpamResourceDiscoveryAssociations) != 1 {
			t.Fatalf("associations: %+v", as.IpamResourceDiscoveryAssociations)
		}
		a := as.IpamResourceDiscoveryAssociations[0]
		if *a.IpamResourceDiscoveryAssociationId != assoc || *a.IpamResourceDiscoveryId != disco || *a.IpamId != ipamID ||
			*a.OwnerId != account || *a.IpamArn != "arn:aws:ec2::"+account+":ipam/"+ipamID ||
			*a.IpamResourceDiscoveryAssociationArn != "arn:aws:ec2::"+account+":ipam-resource-discovery-association/"+assoc ||
			*a.IpamRegion != "us-east-1" || !*a.IsDefault || a.ResourceDiscoveryStatus != types.IpamAssociatedResourceDiscoveryStatusActive ||
			a.State != types.IpamResourceDiscoveryAssociationStateAssociateComplete || len(a.Tags) != 0 {
			t.Fatalf("association: %+v", a)
		}
		assocs := func(in *ec2.DescribeIpamResourceDiscoveryAssociationsInput) int {
			t.Helper()
			out, err := e.c.DescribeIpamResourceDiscoveryAssociations(ctx, in)
			must(t, err)
			return len(out.IpamResourceDiscoveryAssociations)
		}
		for _, f := range []types.Filter{filter("ipam-id", ipamID), filter("ipam-resource-discovery-id", disco),
			filter("resource-discovery-status", "active"), filter("state", "associate-complete"), filter("ipam-region", "us-east-1"),
			filter("ipam-resource-discovery-association-id", assoc), filter("is-default", "true"), filter("owner-id", account)} {
			if n := assocs(&ec2.DescribeIpamResourceDiscoveryAssociationsInput{Filters: []types.Filter{f}}); n != 1 {
				t.Errorf("association filter %s: %d", *f.Name, n)
			}
		}
		if n := assocs(&ec2.DescribeIpamResourceDiscoveryAssociationsInput{Filters: []types.Filter{filter("ipam-id", "ipam-0123")}}); n != 0 {
			t.Errorf("association filter ipam-id other: %d", n)
		}
		if n := assocs(&ec2.DescribeIpamResourceDiscoveryAssociationsInput{IpamResourceDiscoveryAssociationIds: []string{assoc}}); n != 1 {
			t.Errorf("association by id: %d", n)
		}
		_, err = e.c.DescribeIpamResourceDiscoveryAssociations(ctx, &ec2.DescribeIpamResourceDiscoveryAssociationsInput{
			IpamResourceDiscoveryAssociationIds: []string{"ipam-res-disco-assoc-0123456789abcdef0"}})
		wantErr(t, err, "InvalidIpamResourceDiscoveryAssociationId.NotFound")
		_, err = e.c.DescribeIpamResourceDiscoveryAssociations(ctx, &ec2.DescribeIpamResourceDiscoveryAssociationsInput{DryRun: aws.Bool(true)})
		wantDryRun(t, err)

		// Another account sees neither.
		b := e.srv.ClientFor(bob.AccessKey, bob.SecretKey)
		_, err = b.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{IpamResourceDiscoveryIds: []string{disco}})
		wantErr(t, err, "InvalidIpamResourceDiscoveryId.NotFound")
		_, err = b.DescribeIpamResourceDiscoveryAssociations(ctx, &ec2.DescribeIpamResourceDiscoveryAssociationsInput{
			IpamResourceDiscoveryAssociationIds: []string{assoc}})
		wantErr(t, err, "InvalidIpamResourceDiscoveryAssociationId.NotFound")
		bo, err := b.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{})
		must(t, err)
		if len(bo.IpamResourceDiscoveries) != 0 {
			t.Fatalf("bob sees %+v", bo.IpamResourceDiscoveries)
		}

		// The operating Regions follow ModifyIpam.
		_, err = e.c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: &ipamID,
			AddOperatingRegions: []types.AddIpamOperatingRegion{{RegionName: aws.String("eu-west-1")}}})
		must(t, err)
		out, err = e.c.DescribeIpamResourceDiscoveries(ctx, &ec2.DescribeIpamResourceDiscoveriesInput{})
		must(t, err)
		d = out.IpamResourceDiscoveries[0]
		wantStrings(t, "operating regions after ModifyIpam", regionNames(d.OperatingRegions), "us-east-1", "us-west-2", "eu-west-1")
		if d.State != types.IpamResourceDiscoveryStateModifyComplete {
			t.Fatalf("state after ModifyIpam: %s", d.State)
		}

		// Extra discoveries stay refused, by name.
		_, err = e.c.CreateIpamResourceDiscovery(ctx, &ec2.CreateIpamResourceDiscoveryInput{})
		if msg := wantErr(t, err, "UnsupportedOperation"); !strings.Contains(msg, "CreateIpamResourceDiscovery") {
			t.Fatalf("refusal: %s", msg)
		}
		_, err = e.c.AssociateIpamResourceDiscovery(ctx, &ec2.AssociateIpamResourceDiscoveryInput{IpamId: &ipamID, IpamResourceDiscoveryId: &disco})
		wantErr(t, err, "UnsupportedOperation")
		_, err = e.c.DeleteIpamResourceDiscovery(ctx, &ec2.DeleteIpamResourceDiscoveryInput{IpamResourceDiscoveryId: &disco})
		wantErr(t, err, "UnsupportedOperation")

		// They go with the IPAM.
		_, err = e.c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: &ipamID, Cascade: aws.Bool(true)})
		must(t, err)
		if got := ids(&ec2.DescribeIpamResourceDiscoveriesInput{}); len(got) != 0 {
			t.Fatalf("after DeleteIpam: %q", got)
		}
		_, err = e.c.GetIpamDiscoveredResourceCidrs(ctx, &ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco,
			ResourceRegion: aws.String("us-east-1")})
		wantErr(t, err, "InvalidIpamResourceDiscoveryId.NotFound")
	})
}

// Several IPAMs: one discovery each, ascending by id, a page at a time.
func TestDescribeResourceDiscoveriesPages(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		opts.Limits = ipam.DefaultLimits()
		opts.Limits.IpamsPerRegion = 20
		srv := testserver.Start(t, opts)
		c := srv.Client()
		var want []string
		for range 12 {
			out, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{})
			must(t, err)
			want = append(want, *out.Ipam.DefaultResourceDiscoveryId)
		}
		slices.Sort(want)
		var got []string
		p := ec2.NewDescribeIpamResourceDiscoveriesPaginator(c, &ec2.DescribeIpamResourceDiscoveriesInput{MaxResults: aws.Int32(5)})
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			must(t, err)
			pages++
			for _, d := range out.IpamResourceDiscoveries {
				got = append(got, *d.IpamResourceDiscoveryId)
			}
		}
		wantStrings(t, "paged discoveries", got, want...)
		if pages != 3 {
			t.Fatalf("%d pages", pages)
		}
		var gotAssoc int
		ap := ec2.NewDescribeIpamResourceDiscoveryAssociationsPaginator(c, &ec2.DescribeIpamResourceDiscoveryAssociationsInput{MaxResults: aws.Int32(5)})
		for ap.HasMorePages() {
			out, err := ap.NextPage(ctx)
			must(t, err)
			gotAssoc += len(out.IpamResourceDiscoveryAssociations)
		}
		if gotAssoc != 12 {
			t.Fatalf("paged associations: %d", gotAssoc)
		}
	})
}

func regionNames(rs []types.IpamOperatingRegion) []string {
	var out []string
	for _, r := range rs {
		out = append(out, *r.RegionName)
	}
	return out
}

// discovered renders a discovered CIDR as "type id cidr usage".
func discovered(r types.IpamDiscoveredResourceCidr) string {
	return sprintf("%s %s %s %g", r.ResourceType, *r.ResourceId, *r.ResourceCidr, *r.IpUsage)
}

func (e *env) discoveredCidrs(in *ec2.GetIpamDiscoveredResourceCidrsInput) []types.IpamDiscoveredResourceCidr {
	e.t.Helper()
	var all []types.IpamDiscoveredResourceCidr
	p := ec2.NewGetIpamDiscoveredResourceCidrsPaginator(e.c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		must(e.t, err)
		all = append(all, out.IpamDiscoveredResourceCidrs...)
	}
	return all
}

// GetIpamDiscoveredResourceCidrs lists every VPC and subnet block of the
// owner in the Region with its IpUsage, filtered and a page at a time in
// a stable order; GetIpamDiscoveredAccounts answers the owner.
func TestDiscoveredResourceCidrs(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, twoAccounts(opts))
		disco, _, _ := e.discoIDs()
		v6 := e.pool("fd00::/40", func(in *ec2.CreateIpamPoolInput) { in.AddressFamily = types.AddressFamilyIpv6 })

		// VPC A: four blocks, one IPv6; VPC B: two; VPC C: one, no subnets.
		ao, err := e.c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), Ipv6IpamPoolId: &v6, Ipv6NetmaskLength: aws.Int32(56),
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("a")}}}}})
		must(t, err)
		a := *ao.Vpc.VpcId
		for _, cidr := range []string{"10.1.0.0/24", "10.2.0.0/24"} {
			_, err = e.c.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: &a, CidrBlock: aws.String(cidr)})
			must(t, err)
		}
		b := *e.vpc("172.16.0.0/24").VpcId
		_, err = e.c.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: &b, CidrBlock: aws.String("172.17.0.0/24")})
		must(t, err)
		c := *e.vpc("192.168.0.0/28").VpcId

		so, err := e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &a, CidrBlock: aws.String("10.0.0.0/24"), Ipv6CidrBlock: aws.String("fd00::/64"),
			AvailabilityZone: aws.String("us-east-1b")})
		must(t, err)
		a1 := *so.Subnet.SubnetId
		a2 := *e.subnet(a, "10.0.2.0/23").SubnetId
		a3 := *e.subnet(a, "10.1.0.0/25").SubnetId
		a4 := *e.subnet(a, "10.1.0.128/26").SubnetId
		b1 := *e.subnet(b, "172.16.0.0/24").SubnetId

		// Bob's VPC is not in the development account's discovery.
		bc := e.srv.ClientFor(bob.AccessKey, bob.SecretKey)
		_, err = bc.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
		must(t, err)

		vpcItems := map[string][]string{
			a: {"vpc " + a + " 10.0.0.0/16 0.01171875", "vpc " + a + " 10.1.0.0/24 0.75", "vpc " + a + " 10.2.0.0/24 0",
				"vpc " + a + " fd00::/56 0.00390625"},
			b: {"vpc " + b + " 172.16.0.0/24 1", "vpc " + b + " 172.17.0.0/24 0"},
			c: {"vpc " + c + " 192.168.0.0/28 0"},
		}
		subnetItems := map[string][]string{
			a1: {"subnet " + a1 + " 10.0.0.0/24 0", "subnet " + a1 + " fd00::/64 0"},
			a2: {"subnet " + a2 + " 10.0.2.0/23 0"}, a3: {"subnet " + a3 + " 10.1.0.0/25 0"},
			a4: {"subnet " + a4 + " 10.1.0.128/26 0"}, b1: {"subnet " + b1 + " 172.16.0.0/24 0"},
		}
		var want []string
		for _, m := range []map[string][]string{vpcItems, subnetItems} {
			for _, id := range slices.Sorted(maps.Keys(m)) {
				want = append(want, m[id]...)
			}
		}

		east := aws.String("us-east-1")
		before := time.Now().Add(-time.Second)
		all := e.discoveredCidrs(&ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco, ResourceRegion: east})
		after := time.Now().Add(time.Second)
		var got []string
		for _, r := range all {
			got = append(got, discovered(r))
			if *r.IpamResourceDiscoveryId != disco || *r.ResourceOwnerId != account || *r.ResourceRegion != "us-east-1" ||
				r.IpSource != types.IpamResourceCidrIpSourceNone || r.SampleTime.Before(before) || r.SampleTime.After(after) ||
				r.NetworkInterfaceAttachmentStatus != "" {
				t.Errorf("item: %+v", r)
			}
			switch r.ResourceType {
			case types.IpamResourceTypeVpc:
				if *r.VpcId != *r.ResourceId || r.SubnetId != nil || r.AvailabilityZoneId != nil {
					t.Errorf("vpc item: %+v", r)
				}
				if wantTags := *r.ResourceId == a; wantTags != (len(r.ResourceTags) == 1 && *r.ResourceTags[0].Key == "Name" && *r.ResourceTags[0].Value == "a") {
					t.Errorf("vpc tags: %+v", r)
				}
			case types.IpamResourceTypeSubnet:
				zone := "use1-az1"
				if *r.ResourceId == a1 {
					zone = "use1-az2"
				}
				if *r.SubnetId != *r.ResourceId || r.VpcId == nil || *r.AvailabilityZoneId != zone {
					t.Errorf("subnet item: %+v", r)
				}
			}
		}
		wantStrings(t, "discovered", got, want...)

		// Every page size gives the same list: pages that end inside a
		// VPC's or a subnet's blocks resume after the last block returned.
		for size := int32(5); size <= 13; size++ {
			var paged []string
			for _, r := range e.discoveredCidrs(&ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco, ResourceRegion: east,
				MaxResults: aws.Int32(size)}) {
				paged = append(paged, discovered(r))
			}
			wantStrings(t, sprintf("pages of %d", size), paged, want...)
		}
		page, err := e.c.GetIpamDiscoveredResourceCidrs(ctx, &ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco,
			ResourceRegion: east, MaxResults: aws.Int32(5)})
		must(t, err)
		if len(page.IpamDiscoveredResourceCidrs) != 5 || page.NextToken == nil {
			t.Fatalf("first page: %d items, token %v", len(page.IpamDiscoveredResourceCidrs), page.NextToken)
		}
		// A token is bound to the discovery's Region.
		_, err = e.c.GetIpamDiscoveredResourceCidrs(ctx, &ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco,
			ResourceRegion: aws.String("us-west-2"), NextToken: page.NextToken})
		wantErr(t, err, "InvalidPaginationToken")

		byFilter := func(fs ...types.Filter) []string {
			var out []string
			for _, r := range e.discoveredCidrs(&ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco, ResourceRegion: east, Filters: fs}) {
				out = append(out, discovered(r))
			}
			return out
		}
		ofType := func(prefix string) []string {
			var out []string
			for _, w := range want {
				if strings.HasPrefix(w, prefix+" ") {
					out = append(out, w)
				}
			}
			return out
		}
		wantStrings(t, "resource-type subnet", byFilter(filter("resource-type", "subnet")), ofType("subnet")...)
		wantStrings(t, "resource-type v*", byFilter(filter("resource-type", "v*")), ofType("vpc")...)
		wantStrings(t, "vpc-id b", byFilter(filter("vpc-id", b)), append(slices.Clone(vpcItems[b]), subnetItems[b1]...)...)
		wantStrings(t, "vpc-id b, subnets", byFilter(filter("vpc-id", b), filter("resource-type", "subnet")), subnetItems[b1]...)
		wantStrings(t, "resource-id a1", byFilter(filter("resource-id", a1)), subnetItems[a1]...)
		wantStrings(t, "resource-id c", byFilter(filter("resource-id", c)), vpcItems[c]...)
		wantStrings(t, "subnet-id a1", byFilter(filter("subnet-id", a1)), subnetItems[a1]...)
		wantStrings(t, "resource-cidr", byFilter(filter("resource-cidr", "10.1.0.0/24")), vpcItems[a][1])
		wantStrings(t, "resource-cidr fd00::*", byFilter(filter("resource-cidr", "fd00::*")), vpcItems[a][3], subnetItems[a1][1])
		wantStrings(t, "zone", byFilter(filter("availability-zone-id", "use1-az2")), subnetItems[a1]...)
		wantStrings(t, "tag", byFilter(filter("tag:Name", "a")), vpcItems[a]...)
		wantStrings(t, "tag-key", byFilter(filter("tag-key", "Name")), vpcItems[a]...)
		wantStrings(t, "owner", byFilter(filter("resource-owner-id", bob.AccountID)))
		wantStrings(t, "ip-source", byFilter(filter("ip-source", "none"), filter("resource-id", c)), vpcItems[c]...)
		_, err = e.c.GetIpamDiscoveredResourceCidrs(ctx, &ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco,
			ResourceRegion: east, Filters: []types.Filter{filter("management-state", "managed")}})
		wantErr(t, err, "InvalidParameterValue")

		// Regions: an operating Region without VPCs, one the discovery does
		// not operate in, and one that is no Region name.
		for _, r := range []string{"us-west-2", "eu-west-1"} {
			if got := e.discoveredCidrs(&ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco, ResourceRegion: aws.String(r)}); len(got) != 0 {
				t.Fatalf("%s: %d items", r, len(got))
			}
		}
		_, err = e.c.GetIpamDiscoveredResourceCidrs(ctx, &ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco,
			ResourceRegion: aws.String("mars")})
		wantErr(t, err, "InvalidParameterValue")

		// Ids: unknown, malformed, another account's; DryRun.
		_, err = e.c.GetIpamDiscoveredResourceCidrs(ctx, &ec2.GetIpamDiscoveredResourceCidrsInput{
			IpamResourceDiscoveryId: aws.String("ipam-res-disco-0123456789abcdef0"), ResourceRegion: east})
		wantErr(t, err, "InvalidIpamResourceDiscoveryId.NotFound")
		_, err = e.c.GetIpamDiscoveredResourceCidrs(ctx, &ec2.GetIpamDiscoveredResourceCidrsInput{
			IpamResourceDiscoveryId: aws.String("vpc-0123456789abcdef0"), ResourceRegion: east})
		wantErr(t, err, "InvalidIpamResourceDiscoveryId.Malformed")
		_, err = bc.GetIpamDiscoveredResourceCidrs(ctx, &ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco, ResourceRegion: east})
		wantErr(t, err, "InvalidIpamResourceDiscoveryId.NotFound")
		_, err = bc.GetIpamDiscoveredAccounts(ctx, &ec2.GetIpamDiscoveredAccountsInput{IpamResourceDiscoveryId: &disco, DiscoveryRegion: east})
		wantErr(t, err, "InvalidIpamResourceDiscoveryId.NotFound")
		_, err = e.c.GetIpamDiscoveredResourceCidrs(ctx, &ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco,
			ResourceRegion: east, DryRun: aws.Bool(true)})
		wantDryRun(t, err)
		_, err = e.c.GetIpamDiscoveredResourceCidrs(ctx, &ec2.GetIpamDiscoveredResourceCidrsInput{IpamResourceDiscoveryId: &disco,
			ResourceRegion: east, MaxResults: aws.Int32(1001)})
		wantErr(t, err, "InvalidParameterValue")

		// Missing parameters reach the server from a client that does not
		// check them.
		raw := &ec2raw.Client{URL: e.srv.URL, AccessKey: "test", Secret: "test"}
		for _, tc := range []struct {
			action string
			params map[string]string
			want   string
		}{
			{"GetIpamDiscoveredResourceCidrs", map[string]string{"ResourceRegion": "us-east-1"}, "IpamResourceDiscoveryId"},
			{"GetIpamDiscoveredResourceCidrs", map[string]string{"IpamResourceDiscoveryId": disco}, "ResourceRegion"},
			{"GetIpamDiscoveredAccounts", map[string]string{"DiscoveryRegion": "us-east-1"}, "IpamResourceDiscoveryId"},
			{"GetIpamDiscoveredAccounts", map[string]string{"IpamResourceDiscoveryId": disco}, "DiscoveryRegion"},
		} {
			resp, err := raw.Call(tc.action, tc.params)
			must(t, err)
			if resp.Status != 400 || resp.Envelope.Code != "MissingParameter" || !strings.Contains(resp.Envelope.Message, tc.want) {
				t.Errorf("%s %v: %d %s %s", tc.action, tc.params, resp.Status, resp.Envelope.Code, resp.Envelope.Message)
			}
		}

		// GetIpamDiscoveredAccounts: the owner, in each operating Region.
		for _, r := range []string{"us-east-1", "us-west-2"} {
			before := time.Now().Add(-time.Second)
			out, err := e.c.GetIpamDiscoveredAccounts(ctx, &ec2.GetIpamDiscoveredAccountsInput{IpamResourceDiscoveryId: &disco, DiscoveryRegion: aws.String(r)})
			must(t, err)
			if len(out.IpamDiscoveredAccounts) != 1 || out.NextToken != nil {
				t.Fatalf("accounts in %s: %+v", r, out.IpamDiscoveredAccounts)
			}
			ac := out.IpamDiscoveredAccounts[0]
			if *ac.AccountId != account || *ac.DiscoveryRegion != r || ac.FailureReason != nil || ac.OrganizationalUnitId != nil ||
				ac.LastAttemptedDiscoveryTime.Before(before) || !ac.LastSuccessfulDiscoveryTime.Equal(*ac.LastAttemptedDiscoveryTime) ||
				ac.LastAttemptedDiscoveryTime.After(time.Now().Add(time.Second)) {
				t.Fatalf("account in %s: %+v", r, ac)
			}
		}
		for _, in := range []*ec2.GetIpamDiscoveredAccountsInput{
			{IpamResourceDiscoveryId: &disco, DiscoveryRegion: aws.String("eu-west-1")},
			{IpamResourceDiscoveryId: &disco, DiscoveryRegion: east, Filters: []types.Filter{filter("account-id", bob.AccountID)}},
		} {
			out, err := e.c.GetIpamDiscoveredAccounts(ctx, in)
			must(t, err)
			if len(out.IpamDiscoveredAccounts) != 0 {
				t.Fatalf("accounts %+v: %+v", in, out.IpamDiscoveredAccounts)
			}
		}
		_, err = e.c.GetIpamDiscoveredAccounts(ctx, &ec2.GetIpamDiscoveredAccountsInput{IpamResourceDiscoveryId: &disco, DiscoveryRegion: east, DryRun: aws.Bool(true)})
		wantDryRun(t, err)

		// What changes shows at once: a subnet deleted, a block gone.
		_, err = e.c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &b1})
		must(t, err)
		wantStrings(t, "vpc-id b after DeleteSubnet", byFilter(filter("vpc-id", b)),
			"vpc "+b+" 172.16.0.0/24 0", "vpc "+b+" 172.17.0.0/24 0")
	})
}

// wantDryRun asserts the DryRun answer: DryRunOperation with HTTP 412.
func wantDryRun(t *testing.T, err error) {
	t.Helper()
	var re *awshttp.ResponseError
	if codeOf(err) != "DryRunOperation" || !errors.As(err, &re) || re.HTTPStatusCode() != 412 {
		t.Fatalf("DryRun: %v", err)
	}
}
