package ipam_test

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// EnclosingStarts: one prefix per first address a containing block could
// start at, the shortest, never p's own address, nothing shorter than the
// largest VPC block.
func TestEnclosingStarts(t *testing.T) {
	for _, c := range []struct {
		p    string
		want []string
	}{
		{"10.0.2.0/23", []string{"10.0.0.0/16"}},
		{"10.0.8.16/28", []string{"10.0.0.0/16", "10.0.8.0/21"}},
		{"10.1.255.240/28", []string{"10.1.0.0/16", "10.1.128.0/17", "10.1.192.0/18", "10.1.224.0/19", "10.1.240.0/20",
			"10.1.248.0/21", "10.1.252.0/22", "10.1.254.0/23", "10.1.255.0/24", "10.1.255.128/25", "10.1.255.192/26", "10.1.255.224/27"}},
		{"10.0.0.0/24", nil}, // every shorter network starts where it does
		{"10.0.0.0/16", nil}, // the largest block
		{"10.5.0.0/12", nil}, // larger than any block
		{"10.0.3.7/24", []string{"10.0.0.0/16", "10.0.2.0/23"}}, // unmasked
		{"fd00:0:0:18::/64", []string{"fd00::/44", "fd00:0:0:10::/60"}},
	} {
		var got []string
		for _, q := range ipam.EnclosingStarts(netip.MustParsePrefix(c.p)) {
			got = append(got, q.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("EnclosingStarts(%s) = %q, want %q", c.p, got, c.want)
		}
	}
}
