package ipam

import (
	"net/netip"
	"testing"
)

func ip(n int) *int { return &n }

// The CIDR parameters of CreateVpc and AssociateVpcCidrBlock: every
// combination AWS refuses is refused with its code before any lookup.
func TestVpcBlocks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     VpcCidrParams
		create bool
		code   Code // 0: accepted
		blocks int
	}{
		{"explicit", VpcCidrParams{CidrBlock: "10.0.0.0/16"}, true, 0, 1},
		{"explicit /28", VpcCidrParams{CidrBlock: "10.0.0.0/28"}, true, 0, 1},
		{"explicit /15", VpcCidrParams{CidrBlock: "10.0.0.0/15"}, true, CodeVpcRange, 0},
		{"explicit /29", VpcCidrParams{CidrBlock: "10.0.0.0/29"}, true, CodeVpcRange, 0},
		{"explicit host bits", VpcCidrParams{CidrBlock: "10.0.0.1/16"}, true, CodeInvalidParameterValue, 0},
		{"explicit IPv6", VpcCidrParams{CidrBlock: "fd00::/56"}, true, CodeInvalidParameterValue, 0},
		{"pool default", VpcCidrParams{Ipv4IpamPoolID: "p"}, true, 0, 1},
		{"pool /29", VpcCidrParams{Ipv4IpamPoolID: "p", Ipv4NetmaskLength: ip(29)}, true, CodeInvalidParameterValue, 0},
		{"pool and explicit", VpcCidrParams{CidrBlock: "10.0.0.0/16", Ipv4IpamPoolID: "p"}, true, CodeInvalidParameterCombination, 0},
		{"netmask alone", VpcCidrParams{CidrBlock: "10.0.0.0/16", Ipv4NetmaskLength: ip(16)}, true, CodeInvalidParameterCombination, 0},
		{"v6 netmask alone", VpcCidrParams{CidrBlock: "10.0.0.0/16", Ipv6NetmaskLength: ip(56)}, true, CodeInvalidParameterCombination, 0},
		{"dual stack", VpcCidrParams{CidrBlock: "10.0.0.0/16", Ipv6IpamPoolID: "q", Ipv6NetmaskLength: ip(56)}, true, 0, 2},
		{"v6 /57", VpcCidrParams{CidrBlock: "10.0.0.0/16", Ipv6IpamPoolID: "q", Ipv6NetmaskLength: ip(57)}, true, CodeInvalidParameterValue, 0},
		{"v6 /64", VpcCidrParams{CidrBlock: "10.0.0.0/16", Ipv6IpamPoolID: "q", Ipv6NetmaskLength: ip(64)}, true, CodeInvalidParameterValue, 0},
		{"v6 only", VpcCidrParams{Ipv6IpamPoolID: "q"}, true, CodeMissingParameter, 0},
		{"nothing", VpcCidrParams{}, true, CodeMissingParameter, 0},
		{"amazon v6", VpcCidrParams{CidrBlock: "10.0.0.0/16", AmazonProvidedIpv6CidrBlock: true}, true, CodeUnsupported, 0},
		{"byoip v6", VpcCidrParams{CidrBlock: "10.0.0.0/16", Ipv6Pool: "ipv6pool-ec2-1", Ipv6CidrBlock: "2001:db8::/56"}, true, CodeUnsupported, 0},
		{"border group here", VpcCidrParams{CidrBlock: "10.0.0.0/16", Ipv6IpamPoolID: "q", Ipv6CidrBlockNetworkBorderGroup: "us-east-1"}, true, 0, 2},
		{"border group elsewhere", VpcCidrParams{CidrBlock: "10.0.0.0/16", Ipv6IpamPoolID: "q", Ipv6CidrBlockNetworkBorderGroup: "us-west-2"}, true, CodeInvalidParameterValue, 0},
		{"border group without v6", VpcCidrParams{CidrBlock: "10.0.0.0/16", Ipv6CidrBlockNetworkBorderGroup: "us-east-1"}, true, CodeInvalidParameterCombination, 0},
		{"associate v6 only", VpcCidrParams{Ipv6IpamPoolID: "q"}, false, 0, 1},
		{"associate two", VpcCidrParams{CidrBlock: "10.1.0.0/16", Ipv6IpamPoolID: "q"}, false, CodeInvalidParameterCombination, 0},
		{"associate nothing", VpcCidrParams{}, false, CodeMissingParameter, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blocks, err := vpcBlocks(tc.in, tc.create, "us-east-1")
			if got := codeOf(err); got != tc.code || len(blocks) != tc.blocks {
				t.Fatalf("got %d blocks, code %v (%v); want %d, %v", len(blocks), got, err, tc.blocks, tc.code)
			}
			if len(blocks) == 2 && (blocks[0].family != "ipv4" || blocks[1].family != "ipv6") {
				t.Fatalf("blocks out of order: %+v", blocks)
			}
		})
	}
}

func codeOf(err error) Code {
	if err == nil {
		return 0
	}
	return AsError(err).Code
}

func TestSubnetBlocks(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   CreateSubnetInput
		code Code
	}{
		{"explicit", CreateSubnetInput{CidrBlock: "10.0.0.0/24"}, 0},
		{"explicit /29", CreateSubnetInput{CidrBlock: "10.0.0.0/29"}, CodeSubnetRange},
		{"explicit /15", CreateSubnetInput{CidrBlock: "10.0.0.0/15"}, CodeSubnetRange},
		{"pool", CreateSubnetInput{Ipv4IpamPoolID: "p", Ipv4NetmaskLength: ip(24)}, 0},
		{"pool /30", CreateSubnetInput{Ipv4IpamPoolID: "p", Ipv4NetmaskLength: ip(30)}, CodeInvalidParameterValue},
		{"both v4", CreateSubnetInput{CidrBlock: "10.0.0.0/24", Ipv4IpamPoolID: "p"}, CodeInvalidParameterCombination},
		{"both v6", CreateSubnetInput{CidrBlock: "10.0.0.0/24", Ipv6CidrBlock: "fd00::/64", Ipv6IpamPoolID: "q"}, CodeInvalidParameterCombination},
		{"v6 explicit /64", CreateSubnetInput{CidrBlock: "10.0.0.0/24", Ipv6CidrBlock: "fd00::/64"}, 0},
		{"v6 explicit /65", CreateSubnetInput{CidrBlock: "10.0.0.0/24", Ipv6CidrBlock: "fd00::/65"}, CodeSubnetRange},
		{"v6 native", CreateSubnetInput{Ipv6Native: true, Ipv6IpamPoolID: "q"}, 0},
		{"v6 native with v4", CreateSubnetInput{Ipv6Native: true, CidrBlock: "10.0.0.0/24", Ipv6CidrBlock: "fd00::/64"}, CodeInvalidParameterCombination},
		{"v6 native without v6", CreateSubnetInput{Ipv6Native: true}, CodeMissingParameter},
		{"v6 without v4", CreateSubnetInput{Ipv6CidrBlock: "fd00::/64"}, CodeMissingParameter},
		{"netmask alone", CreateSubnetInput{CidrBlock: "10.0.0.0/24", Ipv4NetmaskLength: ip(24)}, CodeInvalidParameterCombination},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := subnetBlocks(tc.in)
			if got := codeOf(err); got != tc.code {
				t.Fatalf("code %v (%v), want %v", got, err, tc.code)
			}
		})
	}
}

func TestRegionAbbrevAndZones(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "use1", "us-west-2": "usw2", "eu-central-1": "euc1", "ap-southeast-2": "apse2",
		"ap-northeast-1": "apne1", "sa-east-1": "sae1", "us-gov-west-1": "usgw1", "ca-central-1": "cac1",
	} {
		if got := regionAbbrev(region); got != want {
			t.Errorf("regionAbbrev(%s) = %s, want %s", region, got, want)
		}
	}
	s := &Service{region: "eu-west-1", ids: &idSource{}}
	z, err := s.zone("", "euw1-az3")
	if err != nil || z.Name != "eu-west-1c" {
		t.Fatalf("zone by id: %+v %v", z, err)
	}
	if _, err := s.zone("eu-west-1d", ""); codeOf(err) != CodeInvalidParameterValue {
		t.Fatalf("unknown zone: %v", err)
	}
}

func TestWithinAndOverlaps(t *testing.T) {
	blocks := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("fd00::/56")}
	for _, tc := range []struct {
		p      string
		within bool
	}{
		{"10.0.5.0/24", true}, {"10.0.0.0/16", true}, {"10.0.0.0/15", false}, {"10.1.0.0/24", false},
		{"fd00:0:0:ff::/64", true}, {"fd00:0:0:100::/64", false},
	} {
		if got := within(blocks, netip.MustParsePrefix(tc.p)); got != tc.within {
			t.Errorf("within(%s) = %v", tc.p, got)
		}
	}
	if _, ok := overlapsAny(blocks, netip.MustParsePrefix("10.0.0.0/8")); !ok {
		t.Error("10.0.0.0/8 overlaps 10.0.0.0/16")
	}
}
