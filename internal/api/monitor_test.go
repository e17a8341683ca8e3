package api

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// reflectedResourceCidrs is the shape resourceCidrsResponse renders by
// hand, encoded by encoding/xml: the reference its output must equal.
type reflectedResourceCidrs struct {
	Items     ec2query.List[xmlResourceCidr] `xml:"ipamResourceCidrSet"`
	NextToken string                         `xml:"nextToken,omitempty"`
}

func TestResourceCidrsXMLMatchesEncodingXML(t *testing.T) {
	weird := "a\"b'c&d<e>f\tg\nh\ri\x00j\x7fk\u00e9l\u2028m\ufffdn\xffo\U0001F600p\ud7ffq\ue000r"
	full := &ipam.ResourceCIDR{IpamID: "ipam-1", ScopeID: "ipam-scope-1", OwnerID: "000000000000", Region: "us-east-1",
		ResourceType: ipam.ResourceSubnet, ResourceID: "subnet-1", VpcID: "vpc-1", Name: weird,
		CIDR: netip.MustParsePrefix("10.0.0.0/24"), AZID: "use1-az1", PoolID: "ipam-pool-1",
		Tags: []ipam.Tag{{Key: "Name", Value: weird}, {Key: weird, Value: ""}}, Management: ipam.Managed,
		Compliance: ipam.Noncompliant, Overlaps: 2, Since: time.Now()}
	vpc := &ipam.ResourceCIDR{IpamID: "ipam-1", ScopeID: "s", OwnerID: "o", Region: "r", ResourceType: ipam.ResourceVPC,
		ResourceID: "vpc-1", VpcID: "vpc-1", CIDR: netip.MustParsePrefix("fd00::/56"), Management: ipam.Ignored,
		Compliance: ipam.Ignored, Covered: 3 * (1 << 64)}
	odd := &ipam.ResourceCIDR{ResourceType: ipam.ResourceVPC, CIDR: netip.MustParsePrefix("10.0.0.0/16"), Covered: 65536.0 / 3}
	for _, c := range []struct {
		name  string
		items []*ipam.ResourceCIDR
		next  string
	}{
		{"empty", nil, ""},
		{"token", []*ipam.ResourceCIDR{}, "tok<&>"},
		{"fields", []*ipam.ResourceCIDR{full, vpc, odd, {}}, "eyJrIjoiR2V0In0.abc_-"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ec2query.MarshalResponse("GetIpamResourceCidrs", "req-1", &resourceCidrsResponse{c.items, c.next})
			if err != nil {
				t.Fatal(err)
			}
			want, err := ec2query.MarshalResponse("GetIpamResourceCidrs", "req-1",
				&reflectedResourceCidrs{wireList(c.items, wireResourceCidr), c.next})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("hand-written XML differs from encoding/xml:\n got %q\nwant %q", got, want)
			}
		})
	}
}
