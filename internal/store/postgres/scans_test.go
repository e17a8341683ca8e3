package postgres

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// TestOverlapScans: neighbouring lookups' ranges and probes become one
// search; scopes, families and blocks apart stay apart. (The store suite's
// OverlapEachRandom holds the answers to brute force.)
func TestOverlapScans(t *testing.T) {
	look := func(scope, cidr, vpc string) ipam.OverlapLookup {
		return ipam.OverlapLookup{ScopeID: scope, CIDR: netip.MustParsePrefix(cidr), OutsideVPC: vpc}
	}
	var eight []ipam.OverlapLookup
	for i := range 8 {
		eight = append(eight, look("s", fmt.Sprintf("10.1.%d.0/23", 2*i), fmt.Sprintf("vpc-%d", i)))
	}
	for _, c := range []struct {
		name string
		qs   []ipam.OverlapLookup
		want string
	}{
		{"eight neighbours", eight, "s 10.1.0.0-10.1.15.255 from 10.1.0.0 outside ''"},
		{"one VPC's subnets", []ipam.OverlapLookup{look("s", "10.1.2.16/28", "vpc-1"), look("s", "10.1.2.32/28", "vpc-1")},
			"s 10.1.0.0-10.1.0.0 from 10.1.2.16 outside 'vpc-1'; s 10.1.2.0-10.1.2.0 from 10.1.2.16 outside 'vpc-1'; " +
				"s 10.1.2.16-10.1.2.47 from 10.1.2.16 outside 'vpc-1'"},
		{"apart", []ipam.OverlapLookup{look("s", "10.1.0.0/23", ""), look("s", "10.3.0.0/23", "")},
			"s 10.1.0.0-10.1.1.255 from 10.1.0.0 outside ''; s 10.3.0.0-10.3.1.255 from 10.3.0.0 outside ''"},
		{"scopes and families", []ipam.OverlapLookup{look("b", "10.1.0.0/23", ""), look("a", "10.1.0.0/23", ""), look("a", "fd00::/56", "")},
			"a 10.1.0.0-10.1.1.255 from 10.1.0.0 outside ''; a fd00::-fd00::ff:ffff:ffff:ffff:ffff from fd00:: outside ''; " +
				"b 10.1.0.0-10.1.1.255 from 10.1.0.0 outside ''"},
		{"the last address", []ipam.OverlapLookup{look("s", "255.255.255.240/28", "")}, // a probe per set bit
			"s 255.255.0.0-255.255.0.0 from 255.255.255.240 outside ''; s 255.255.128.0-255.255.128.0 from 255.255.255.240 outside ''; " +
				"s 255.255.192.0-255.255.192.0 from 255.255.255.240 outside ''; s 255.255.224.0-255.255.224.0 from 255.255.255.240 outside ''; " +
				"s 255.255.240.0-255.255.240.0 from 255.255.255.240 outside ''; s 255.255.248.0-255.255.248.0 from 255.255.255.240 outside ''; " +
				"s 255.255.252.0-255.255.252.0 from 255.255.255.240 outside ''; s 255.255.254.0-255.255.254.0 from 255.255.255.240 outside ''; " +
				"s 255.255.255.0-255.255.255.0 from 255.255.255.240 outside ''; s 255.255.255.128-255.255.255.128 from 255.255.255.240 outside ''; " +
				"s 255.255.255.192-255.255.255.192 from 255.255.255.240 outside ''; s 255.255.255.224-255.255.255.224 from 255.255.255.240 outside ''; " +
				"s 255.255.255.240-255.255.255.255 from 255.255.255.240 outside ''"},
	} {
		var got []string
		for _, s := range overlapScans(c.qs) {
			got = append(got, fmt.Sprintf("%s %s-%s from %s outside '%s'", s.scope, s.lo, s.hi, s.reach, s.outside))
		}
		if g := strings.Join(got, "; "); g != c.want {
			t.Errorf("%s:\n got  %s\n want %s", c.name, g, c.want)
		}
	}
}
