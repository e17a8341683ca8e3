package postgres

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
)

// blockText is blockNums as decimal text, what the server prints.
func blockText(p netip.Prefix) (lo, hi string) {
	text := func(v any) string {
		switch n := v.(type) {
		case int64:
			return strconv.FormatInt(n, 10)
		case pgtype.Numeric:
			return n.Int.String()
		}
		return fmt.Sprintf("%T", v)
	}
	l, h := blockNums(p)
	return text(l), text(h)
}

// TestBlockNumsIPv4 holds the 64-bit IPv4 path to the 128-bit arithmetic
// the IPv6 path does: both name the same IPv4-mapped numbers.
func TestBlockNumsIPv4(t *testing.T) {
	for _, s := range []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.2.0/23", "10.1.2.3/28", "255.255.255.255/32", "192.168.7.7/32", "128.0.0.0/1"} {
		p := netip.MustParsePrefix(s)
		lo, hi := blockText(p)
		a := p.Masked().Addr().As16() // ::ffff:a.b.c.d
		first := new(big.Int).SetBytes(a[:])
		last := new(big.Int).Add(first, new(big.Int).Lsh(big.NewInt(1), uint(32-p.Bits())))
		last.Sub(last, big.NewInt(1))
		if lo != first.String() || hi != last.String() {
			t.Errorf("blockNums(%s) = %s, %s; want %s, %s", s, lo, hi, first, last)
		}
	}
}

// TestBlockNumsIPv6: the 128-bit path at its ends.
func TestBlockNumsIPv6(t *testing.T) {
	for _, c := range []struct{ p, lo, hi string }{
		{"::/0", "0", "340282366920938463463374607431768211455"},
		{"fd00::/56", "336294682933583715844663186250927177728", "336294682933583720567029669120572391423"},
		{"::ffff:10.0.0.0/104", "281470849515520", "281470866292735"}, // IPv6 here, not mapped IPv4
	} {
		if lo, hi := blockText(netip.MustParsePrefix(c.p)); lo != c.lo || hi != c.hi {
			t.Errorf("blockNums(%s) = %s, %s; want %s, %s", c.p, lo, hi, c.lo, c.hi)
		}
	}
}

// TestBlockDecimals: the text parameters name the numbers the numeric ones
// do (the server reads both: TestAddrNumRoundTrip), at the ends of both
// families and at random, with zeros inside the 19-digit groups.
func TestBlockDecimals(t *testing.T) {
	ps := []string{"0.0.0.0/0", "10.1.2.0/23", "255.255.255.255/32", "::/0", "::/128", "fd00::/56", "::ffff:10.0.0.0/104",
		"0:0:0:1::/64", "1::/16", "8000::/1", "ffff:ffff:ffff:ffff::/64", "::1:0:0:0/80"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		var a [16]byte
		for i := range a {
			if rng.IntN(3) > 0 {
				a[i] = byte(rng.IntN(256))
			}
		}
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom16(a), rng.IntN(129)).String(),
			netip.PrefixFrom(netip.AddrFrom4([4]byte(a[:4])), rng.IntN(33)).String())
	}
	for _, s := range ps {
		p := netip.MustParsePrefix(s)
		lo, hi := blockDecimals(p)
		if wlo, whi := blockText(p); lo != wlo || hi != whi {
			t.Fatalf("blockDecimals(%s) = %s, %s; want %s, %s", s, lo, hi, wlo, whi)
		}
	}
}
