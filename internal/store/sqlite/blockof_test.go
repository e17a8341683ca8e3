package sqlite

import (
	"net/netip"
	"testing"
)

// blockOf undoes blockKey for every prefix length of both families, and
// refuses ranges that are no prefix.
func TestBlockOf(t *testing.T) {
	for _, s := range []string{"10.1.2.0/24", "0.0.0.0/0", "255.255.255.255/32", "10.0.0.0/8",
		"2001:db8::/32", "::/0", "::/64", "::ffff:0:0/96", "::ffff:10.0.0.0/104", "fd00::1/128"} {
		p := netip.MustParsePrefix(s)
		for bits := 0; bits <= p.Addr().BitLen(); bits++ {
			q := netip.PrefixFrom(p.Addr(), bits).Masked()
			fam, first, last := blockKey(q)
			got, ok := blockOf(fam, first, last)
			if !ok || got != q {
				t.Fatalf("blockOf(blockKey(%s)) = %s, %v", q, got, ok)
			}
		}
	}
	key := func(s string) (first, last []byte) {
		_, first, last = blockKey(netip.MustParsePrefix(s))
		return first, last
	}
	a, _ := key("10.0.0.0/24")
	_, b := key("10.0.2.0/24")
	v6a, v6b := key("2001:db8::/32")
	for _, c := range []struct {
		fam         int
		first, last []byte
	}{
		{4, a, b},                // 10.0.0.0-10.0.2.255: no prefix
		{4, b, a},                // reversed
		{4, a[:4], b[:4]},        // short
		{6, v6a, append(v6b, 0)}, // lengths differ
		{4, v6a, v6b},            // an IPv6 block read as IPv4
	} {
		if got, ok := blockOf(c.fam, c.first, c.last); ok {
			t.Errorf("blockOf(%d, %x, %x) = %s, want a refusal", c.fam, c.first, c.last, got)
		}
	}
}
