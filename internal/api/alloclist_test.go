package api

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// reflectedAllocations is the shape allocationsResponse renders by hand,
// encoded by encoding/xml: the reference its output must equal byte for byte.
type reflectedAllocations struct {
	Allocations ec2query.List[xmlAllocation] `xml:"ipamPoolAllocationSet"`
	NextToken   string                       `xml:"nextToken,omitempty"`
}

func checkAllocationsXML(t *testing.T, items []*ipam.Allocation, next string) {
	t.Helper()
	got, err := ec2query.MarshalResponse("GetIpamPoolAllocations", "req-1", &allocationsResponse{items, next})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ec2query.MarshalResponse("GetIpamPoolAllocations", "req-1",
		&reflectedAllocations{wireList(items, wireAllocation), next})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("hand-written XML differs from encoding/xml:\n got %q\nwant %q", got, want)
	}
}

func TestAllocationsXMLMatchesEncodingXML(t *testing.T) {
	v4 := netip.MustParsePrefix("10.1.0.0/24")
	v6 := netip.MustParsePrefix("2001:db8::/64")
	weird := "a\"b'c&d<e>f\tg\nh\ri\x00j\x7fk\u00e9l\u2028m\ufffdn\xffo\U0001F600p\ud7ffq\ue000r"
	cases := []struct {
		name  string
		items []*ipam.Allocation
		next  string
	}{
		{"empty", nil, ""},
		{"empty with token", []*ipam.Allocation{}, "eyJrIjoiR2V0In0.abc_-"},
		{"custom", []*ipam.Allocation{{ID: "ipam-pool-alloc-0123", CIDR: v4, Description: "app-a",
			ResourceType: ipam.ResourceCustom, ResourceOwner: "000000000000"}}, ""},
		{"every field", []*ipam.Allocation{
			{ID: "ipam-pool-alloc-1", CIDR: v6, Description: weird, ResourceID: "ipam-pool-0abc", ResourceType: "ipam-pool",
				ResourceRegion: "us-east-1", ResourceOwner: "123456789012",
				Tags: []ipam.Tag{{Key: "team", Value: "net"}, {Key: weird, Value: ""}, {Key: "", Value: weird}}},
			{CIDR: v4},
		}, "tok<&>"},
		{"preview shape: zero prefix", []*ipam.Allocation{{}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkAllocationsXML(t, c.items, c.next) })
	}
}

// TestAllocationsXMLRandom compares random allocations, with strings drawn
// from characters that need escaping, are invalid or are multi-byte.
func TestAllocationsXMLRandom(t *testing.T) {
	alphabet := []string{"a", "Z", "0", " ", "\"", "'", "&", "<", ">", "\t", "\n", "\r", "\x00", "\x1f", "\x7f",
		"\xc3", "\xff", "é", "\u2028", "\ufffd", "\ufffe", "\U0001F600", "\ud7ff", "\ue000", "]]>"}
	r := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		var b []byte
		for range r.IntN(6) {
			b = append(b, alphabet[r.IntN(len(alphabet))]...)
		}
		return string(b)
	}
	n := 300
	if testing.Short() {
		n = 50
	}
	for range n {
		var items []*ipam.Allocation
		for range r.IntN(4) {
			a := &ipam.Allocation{ID: str(), Description: str(), ResourceID: str(), ResourceType: str(),
				ResourceRegion: str(), ResourceOwner: str()}
			switch r.IntN(3) {
			case 0:
				a.CIDR = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(r.IntN(256)), 0, 0}), 16+r.IntN(17))
			case 1:
				a.CIDR = netip.PrefixFrom(netip.AddrFrom16([16]byte{0xfd, byte(r.IntN(256))}), 8+r.IntN(121))
			}
			for range r.IntN(3) {
				a.Tags = append(a.Tags, ipam.Tag{Key: str(), Value: str()})
			}
			items = append(items, a)
		}
		checkAllocationsXML(t, items, str())
	}
}

func BenchmarkAllocationsXML(b *testing.B) {
	items := make([]*ipam.Allocation, 100_000)
	for i := range items {
		items[i] = &ipam.Allocation{ID: "ipam-pool-alloc-0123456789abcdef0123456789abcdef", CIDR: netip.PrefixFrom(
			netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32), Description: "app",
			ResourceType: ipam.ResourceCustom, ResourceOwner: "000000000000"}
	}
	for _, c := range []struct {
		name string
		v    any
	}{
		{"hand-written", &allocationsResponse{items, "token"}},
		{"encoding-xml", &reflectedAllocations{wireList(items, wireAllocation), "token"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := ec2query.MarshalResponse("GetIpamPoolAllocations", "req-1", c.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
