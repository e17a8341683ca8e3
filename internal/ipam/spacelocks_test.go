package ipam

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestSpaceLocksMeet: any two overlapping resource blocks take a lock on
// one network, at least one of them exclusively, so their transactions run
// one after the other.
func TestSpaceLocksMeet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	block := func(v6 bool) netip.Prefix {
		if v6 {
			// Inside fd00::/40, so that random blocks often overlap.
			var a [16]byte
			a[0], a[1], a[5], a[6], a[7] = 0xfd, 0, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))
			p, _ := netip.AddrFrom16(a).Prefix(44 + rng.IntN(21))
			return p
		}
		a := [4]byte{10, byte(rng.IntN(2)), byte(rng.IntN(256)), byte(rng.IntN(256))}
		p, _ := netip.AddrFrom4(a).Prefix(16 + rng.IntN(13))
		return p
	}
	meet := func(x, y []SpaceLock) bool {
		for _, a := range x {
			for _, b := range y {
				if a.Key() == b.Key() && (a.Exclusive || b.Exclusive) {
					return true
				}
			}
		}
		return false
	}
	overlapping := 0
	for i := range 200_000 {
		v6 := i%2 == 1
		p, q := block(v6), block(v6)
		if !p.Overlaps(q) {
			continue
		}
		overlapping++
		if lp, lq := spaceLocks(nil, "o", p), spaceLocks(nil, "o", q); !meet(lp, lq) {
			t.Fatalf("%s and %s overlap but their locks %v and %v do not meet", p, q, lp, lq)
		}
	}
	if overlapping < 1000 {
		t.Fatalf("only %d overlapping pairs tried", overlapping)
	}
	// Another owner's blocks are another space.
	p := netip.MustParsePrefix("10.0.0.0/16")
	if meet(spaceLocks(nil, "a", p), spaceLocks(nil, "b", p)) {
		t.Fatal("two owners' locks meet")
	}
}

// TestSpaceLocksFew: a block's locks, one per level above its own, its own
// level's exclusively.
func TestSpaceLocksFew(t *testing.T) {
	for _, c := range []struct {
		p    string
		want []string // exclusive last
	}{
		{"10.1.2.0/23", []string{"10.1.0.0/16", "10.1.0.0/20"}},
		{"10.1.2.0/24", []string{"10.1.0.0/16", "10.1.0.0/20", "10.1.2.0/24"}},
		{"10.1.2.16/28", []string{"10.1.0.0/16", "10.1.0.0/20", "10.1.2.0/24", "10.1.2.16/28"}},
		{"10.1.0.0/16", []string{"10.1.0.0/16"}},
		{"10.1.0.0/19", []string{"10.1.0.0/16"}},
		{"fd00:0:0:1200::/56", []string{"fd00::/44", "fd00::/48", "fd00:0:0:1000::/52", "fd00:0:0:1200::/56"}},
		{"fd00:0:0:1234::/64", []string{"fd00::/44", "fd00::/48", "fd00:0:0:1000::/52", "fd00:0:0:1200::/56",
			"fd00:0:0:1230::/60", "fd00:0:0:1234::/64"}},
	} {
		locks := spaceLocks(nil, "o", netip.MustParsePrefix(c.p))
		ok := len(locks) == len(c.want)
		for i, l := range locks {
			ok = ok && l.Net.String() == c.want[i] && l.Exclusive == (i == len(locks)-1)
		}
		if !ok {
			t.Errorf("spaceLocks(%s) = %v, want %v", c.p, locks, c.want)
		}
	}
}
