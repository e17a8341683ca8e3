package cidr

import (
	"net/netip"
	"testing"
)

func TestLastAddr(t *testing.T) {
	for _, tc := range []struct{ p, want string }{
		{"10.0.0.0/8", "10.255.255.255"},
		{"10.1.2.3/32", "10.1.2.3"},
		{"0.0.0.0/0", "255.255.255.255"},
		{"192.168.4.0/22", "192.168.7.255"},
		{"10.0.0.0/13", "10.7.255.255"},
		{"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"2001:db8::/61", "2001:db8:0:7:ffff:ffff:ffff:ffff"},
		{"::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"2001:db8::1/128", "2001:db8::1"},
		{"10.1.2.0/23", "10.1.3.255"},
		{"172.16.0.0/12", "172.31.255.255"},
		{"2001:db8:1::/125", "2001:db8:1::7"},
	} {
		if got := LastAddr(netip.MustParsePrefix(tc.p)); got != netip.MustParseAddr(tc.want) {
			t.Errorf("LastAddr(%s) = %s, want %s", tc.p, got, tc.want)
		}
	}
}
