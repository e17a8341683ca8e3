package postgres

import (
	"math/big"
	"net/netip"
	"testing"
)

// TestBlockRangeIPv4 holds the 64-bit IPv4 path to the 128-bit arithmetic
// the IPv6 path does: both name the same IPv4-mapped numbers.
func TestBlockRangeIPv4(t *testing.T) {
	for _, s := range []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.2.0/23", "10.1.2.3/28", "255.255.255.255/32", "192.168.7.7/32", "128.0.0.0/1"} {
		p := netip.MustParsePrefix(s)
		lo, hi := blockRange(p)
		a := p.Masked().Addr().As16() // ::ffff:a.b.c.d
		first := new(big.Int).SetBytes(a[:])
		last := new(big.Int).Add(first, new(big.Int).Lsh(big.NewInt(1), uint(32-p.Bits())))
		last.Sub(last, big.NewInt(1))
		if lo != first.String() || hi != last.String() {
			t.Errorf("blockRange(%s) = %s, %s; want %s, %s", s, lo, hi, first, last)
		}
	}
}
