package api

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// The encoding/xml shapes vpcsResponse and subnetsResponse render by hand
// (what DescribeVpcs and DescribeSubnets returned before): the oracle their
// output must equal byte for byte.
type reflectedVpcs struct {
	Vpcs      ec2query.List[xmlVpc] `xml:"vpcSet"`
	NextToken string                `xml:"nextToken,omitempty"`
}

type reflectedSubnets struct {
	Subnets   ec2query.List[xmlSubnet] `xml:"subnetSet"`
	NextToken string                   `xml:"nextToken,omitempty"`
}

// The shapes CreateVpc and CreateSubnet answered with before they rendered
// by hand.
type reflectedVpc struct {
	Vpc xmlVpc `xml:"vpc"`
}

type reflectedSubnet struct {
	Subnet xmlSubnet `xml:"subnet"`
}

func checkVpcsXML(t testing.TB, items []*ipam.VPC, next string) {
	t.Helper()
	for _, v := range items {
		sameXML(t, "CreateVpc", &vpcResponse{v}, &reflectedVpc{wireVpc(v)})
	}
	got, err := ec2query.MarshalResponse("DescribeVpcs", "req-1", &vpcsResponse{items, next})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ec2query.MarshalResponse("DescribeVpcs", "req-1", &reflectedVpcs{wireList(items, wireVpc), next})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("hand-written XML differs from encoding/xml:\n got %q\nwant %q", got, want)
	}
}

// sameXML checks that a hand-written answer is encoding/xml's, byte for
// byte.
func sameXML(t testing.TB, action string, got, want any) {
	t.Helper()
	g, err := ec2query.MarshalResponse(action, "req-1", got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ec2query.MarshalResponse(action, "req-1", want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, w) {
		t.Fatalf("hand-written XML differs from encoding/xml:\n got %q\nwant %q", g, w)
	}
}

func checkSubnetsXML(t testing.TB, items []*ipam.Subnet, next string) {
	t.Helper()
	for _, sn := range items {
		sameXML(t, "CreateSubnet", &subnetResponse{sn}, &reflectedSubnet{wireSubnet(sn)})
	}
	got, err := ec2query.MarshalResponse("DescribeSubnets", "req-1", &subnetsResponse{items, next})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ec2query.MarshalResponse("DescribeSubnets", "req-1", &reflectedSubnets{wireList(items, wireSubnet), next})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("hand-written XML differs from encoding/xml:\n got %q\nwant %q", got, want)
	}
}

func testVPC() *ipam.VPC {
	return &ipam.VPC{ID: "vpc-0123456789abcdef0", OwnerID: "000000000000", Region: "us-east-1", State: ipam.VPCAvailable,
		InstanceTenancy: "default", DhcpOptionsID: "dopt-1", CIDRs: []ipam.VPCCIDR{
			{AssociationID: "vpc-cidr-assoc-1", CIDR: netip.MustParsePrefix("10.0.0.0/16"), State: ipam.AssocAssociated,
				PoolID: "ipam-pool-1", AllocationID: "ipam-pool-alloc-1"},
			{AssociationID: "vpc-cidr-assoc-2", CIDR: netip.MustParsePrefix("2001:db8::/56"), State: ipam.AssocAssociated,
				PoolID: "ipam-pool-6", NetworkBorderGroup: "us-east-1", AddressAttribute: "private", IPSource: "none"},
			{AssociationID: "vpc-cidr-assoc-3", CIDR: netip.MustParsePrefix("10.1.0.0/16"), State: ipam.AssocDisassociated},
			{AssociationID: "vpc-cidr-assoc-4", CIDR: netip.MustParsePrefix("2001:db8:1::/56"), State: ipam.AssocAssociated},
		},
		Tags: []ipam.Tag{{Key: "Name", Value: "lab"}}, BlockPublicAccessState: "off"}
}

func testSubnet() *ipam.Subnet {
	return &ipam.Subnet{ID: "subnet-0123456789abcdef0", OwnerID: "000000000000", VpcID: "vpc-0123456789abcdef0",
		Region: "us-east-1", State: ipam.SubnetAvailable, AvailabilityZone: "us-east-1a", AvailabilityZoneID: "use1-az1",
		CIDR: netip.MustParsePrefix("10.0.1.0/24"), PoolID: "ipam-pool-plan",
		IPv6: &ipam.SubnetIPv6{AssociationID: "subnet-cidr-assoc-1", CIDR: netip.MustParsePrefix("2001:db8::/64"),
			AddressAttribute: "private", IPSource: "none"},
		Attrs: ipam.SubnetAttrs{HostnameType: "ip-name", EnableLniAtDeviceIndex: 1, CustomerOwnedIpv4Pool: "coip-1"},
		Tags:  []ipam.Tag{{Key: "Name", Value: "a"}, {Key: "", Value: ""}}}
}

func TestVpcsXMLMatchesEncodingXML(t *testing.T) {
	weird := "a\"b'c&d<e>f\tg\nh\ri\x00j\x7fk\u00e9l\u2028m\ufffdn\xffo\U0001F600p\ud7ffq\ue000r"
	odd := testVPC()
	odd.OwnerID, odd.InstanceTenancy, odd.DhcpOptionsID, odd.State = weird, "", weird, ""
	odd.CIDRs[1].NetworkBorderGroup, odd.CIDRs[0].AssociationID = weird, weird
	odd.Tags = []ipam.Tag{{Key: weird, Value: weird}, {}}
	for name, items := range map[string][]*ipam.VPC{
		"empty":            nil,
		"one":              {testVPC()},
		"no blocks":        {{ID: "vpc-1"}},
		"only IPv6":        {{ID: "vpc-2", CIDRs: testVPC().CIDRs[1:2]}},
		"odd strings":      {odd},
		"invalid prefixes": {{CIDRs: []ipam.VPCCIDR{{}}}},
		"several":          {testVPC(), odd, {}},
	} {
		t.Run(name, func(t *testing.T) {
			checkVpcsXML(t, items, "")
			checkVpcsXML(t, items, "tok<&>")
		})
	}
}

func TestSubnetsXMLMatchesEncodingXML(t *testing.T) {
	weird := "a\"b'c&d<e>f\tg\nh\ri\x00j\x7fk\u00e9l\u2028m\ufffdn\xffo\U0001F600p\ud7ffq\ue000r"
	odd := testSubnet()
	odd.ID, odd.Region, odd.OwnerID, odd.AvailabilityZone = weird, weird, "", weird
	odd.IPv6.AddressAttribute, odd.Attrs.HostnameType, odd.Attrs.EnableLniAtDeviceIndex = weird, weird, -3
	odd.Ipv6Native, odd.CIDR = true, netip.Prefix{}
	bools := testSubnet()
	bools.Attrs = ipam.SubnetAttrs{MapPublicIPOnLaunch: true, AssignIpv6OnCreation: true, MapCustomerOwnedIPOnLaunch: true,
		EnableDNS64: true, EnableResourceNameDNSA: true, EnableResourceNameDNSAAAA: true}
	bools.IPv6, bools.Tags = nil, nil
	for name, items := range map[string][]*ipam.Subnet{
		"empty":       nil,
		"one":         {testSubnet()},
		"bare":        {{}},
		"odd strings": {odd},
		"every bool":  {bools},
		"/32":         {{CIDR: netip.MustParsePrefix("10.0.0.1/32")}},
		"several":     {testSubnet(), odd, bools, {}},
	} {
		t.Run(name, func(t *testing.T) {
			checkSubnetsXML(t, items, "")
			checkSubnetsXML(t, items, "tok<&>")
		})
	}
}

// fillRandom sets every field of v, recursively: strings from str, bools
// and ints at random, prefixes IPv4, IPv6 or zero, slices of 0-3 items,
// pointers nil or set. A field of a new kind panics: add it here.
func fillRandom(v reflect.Value, r *rand.Rand, str func() string) {
	if _, ok := v.Interface().(netip.Prefix); ok {
		var p netip.Prefix
		switch r.IntN(3) {
		case 0:
			p = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(r.IntN(256)), 0, 0}), 16+r.IntN(17))
		case 1:
			p = netip.PrefixFrom(netip.AddrFrom16([16]byte{0xfd, byte(r.IntN(256))}), 8+r.IntN(121))
		}
		v.Set(reflect.ValueOf(p))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(str())
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int:
		v.SetInt(int64(r.IntN(5)) - 1)
	case reflect.Struct:
		for i := range v.NumField() {
			fillRandom(v.Field(i), r, str)
		}
	case reflect.Pointer:
		if r.IntN(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			fillRandom(v.Elem(), r, str)
		}
	case reflect.Slice:
		n := r.IntN(4)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			fillRandom(v.Index(i), r, str)
		}
	default:
		panic("fillRandom: a " + v.Type().String())
	}
}

// TestVpcAndSubnetXMLRandom compares pages of random VPCs and subnets, every
// field set at random, with strings from characters that need escaping,
// are invalid or are multi-byte.
func TestVpcAndSubnetXMLRandom(t *testing.T) {
	alphabet := []string{"", "", "a", "Z", "0", " ", "\"", "'", "&", "<", ">", "\t", "\n", "\r", "\x00", "\x1f", "\x7f",
		"\xc3", "\xff", "é", "\u2028", "\ufffd", "\ufffe", "\U0001F600", "\ud7ff", "\ue000", "]]>"}
	r := rand.New(rand.NewPCG(3, 4))
	str := func() string {
		var b []byte
		for range r.IntN(4) {
			b = append(b, alphabet[r.IntN(len(alphabet))]...)
		}
		return string(b)
	}
	n := 500
	if testing.Short() {
		n = 50
	}
	for range n {
		var vpcs []*ipam.VPC
		var subnets []*ipam.Subnet
		for range r.IntN(4) {
			v, sn := new(ipam.VPC), new(ipam.Subnet)
			fillRandom(reflect.ValueOf(v).Elem(), r, str)
			fillRandom(reflect.ValueOf(sn).Elem(), r, str)
			if sn.CIDR.Addr().Is6() {
				sn.CIDR = netip.Prefix{} // a subnet's CIDR is IPv4 or none
			}
			vpcs, subnets = append(vpcs, v), append(subnets, sn)
		}
		next := str()
		checkVpcsXML(t, vpcs, next)
		checkSubnetsXML(t, subnets, next)
	}
}

// FuzzVpcAndSubnetXML: the strings of a VPC and a subnet from the fuzzer.
func FuzzVpcAndSubnetXML(f *testing.F) {
	f.Add("vpc-1", "000000000000", "us-east-1a", "tag", "", 1)
	f.Add("a&b", "<x>", "\xff", "\r\n", "]]>", -1)
	f.Fuzz(func(t *testing.T, s1, s2, s3, s4, next string, n int) {
		v := testVPC()
		v.ID, v.OwnerID, v.State, v.DhcpOptionsID = s1, s2, s3, s4
		v.CIDRs[0].AssociationID, v.CIDRs[1].NetworkBorderGroup, v.CIDRs[1].IPSource = s2, s3, s4
		v.Tags = append(v.Tags, ipam.Tag{Key: s3, Value: s4})
		sn := testSubnet()
		sn.ID, sn.OwnerID, sn.VpcID, sn.AvailabilityZone, sn.Region = s1, s2, s3, s4, s1
		sn.Attrs.HostnameType, sn.Attrs.CustomerOwnedIpv4Pool, sn.Attrs.EnableLniAtDeviceIndex = s4, s1, n
		sn.IPv6.AssociationID, sn.Tags = s2, []ipam.Tag{{Key: s1, Value: s2}}
		checkVpcsXML(t, []*ipam.VPC{v, {ID: s4}}, next)
		checkSubnetsXML(t, []*ipam.Subnet{sn, {ID: s4}}, next)
	})
}

// TestVpcsXMLDecodes: the hand-written page decodes (encoding/xml, into the
// wire structs) to the items it was made from, as a client reads it.
func TestVpcsXMLDecodes(t *testing.T) {
	body, err := ec2query.MarshalResponse("DescribeVpcs", "req-1", &vpcsResponse{[]*ipam.VPC{testVPC()}, "next"})
	if err != nil {
		t.Fatal(err)
	}
	var got reflectedVpcs
	if err := xml.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := reflectedVpcs{wireList([]*ipam.VPC{testVPC()}, wireVpc), "next"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded\n %+v\nwant %+v", got, want)
	}
	body, err = ec2query.MarshalResponse("DescribeSubnets", "req-1", &subnetsResponse{[]*ipam.Subnet{testSubnet()}, ""})
	if err != nil {
		t.Fatal(err)
	}
	var gotS reflectedSubnets
	if err := xml.Unmarshal(body, &gotS); err != nil {
		t.Fatal(err)
	}
	wantS := reflectedSubnets{wireList([]*ipam.Subnet{testSubnet()}, wireSubnet), ""}
	if !reflect.DeepEqual(gotS, wantS) {
		t.Fatalf("decoded\n %+v\nwant %+v", gotS, wantS)
	}
}
