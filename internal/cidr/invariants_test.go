package cidr

import (
	"fmt"
	"net/netip"
	"testing"
)

// checkInvariants verifies the internal structure of s: B+-tree order, fill,
// routing keys and augmentation, free intervals disjoint, inside one pool, maximal
// within their pool, and the free/total counters.
func checkInvariants(t testing.TB, s *Set) {
	t.Helper()
	if err := invariantErr(s); err != nil {
		t.Fatal(err)
	}
}

func invariantErr(s *Set) error {
	cnt, err := treeErr(s)
	if err != nil {
		return err
	}
	if cnt != s.live {
		return fmt.Errorf("live %d, tree has %d", s.live, cnt)
	}
	var prev *interval
	var free Count
	var ferr error
	s.walk(func(lo, hi u128) {
		if ferr != nil {
			return
		}
		pi := s.poolOf(lo, hi)
		if pi < 0 {
			ferr = fmt.Errorf("free interval outside pools")
			return
		}
		if prev != nil {
			if !prev.hi.less(lo) {
				ferr = fmt.Errorf("free intervals overlap")
				return
			}
			if prev.hi.addOne() == lo && lo != s.pools[pi].lo {
				ferr = fmt.Errorf("adjacent free intervals not merged")
				return
			}
		}
		prev = &interval{lo, hi}
		free = free.add(rangeCount(lo, hi))
	})
	if ferr != nil {
		return ferr
	}
	if free != s.free {
		return fmt.Errorf("free counter %s, intervals %s", s.free, free)
	}
	var total Count
	for i, p := range s.pools {
		lo, hi := prefixRange(p.p)
		if lo != p.lo || hi != p.hi {
			return fmt.Errorf("pool range mismatch")
		}
		if i > 0 && !s.pools[i-1].hi.less(p.lo) {
			return fmt.Errorf("pools overlap or unsorted")
		}
		total = total.add(blockCount(s.width - p.p.Bits()))
	}
	if total != s.total {
		return fmt.Errorf("total counter %s want %s", s.total, total)
	}
	return nil
}

// freeBlocks returns the free space as a list of CIDRs (for diagnostics
// and exactness checks).
func freeBlocks(s *Set) []netip.Prefix {
	var out []netip.Prefix
	s.walk(func(lo, hi u128) {
		for !hi.less(lo) {
			k := largestAlignedAt(lo, hi)
			out = append(out, netip.PrefixFrom(uToAddr(lo, s.v4), s.width-k))
			end := lo.or(lowMask(k))
			if end == hi {
				break
			}
			lo = end.addOne()
		}
	})
	return out
}

func largestAlignedAt(a, end u128) int {
	for k := 128; k > 0; k-- {
		if x, ok := alignUp(a, k); ok && x == a {
			if e, c := a.add(lowMask(k)); c == 0 && !end.less(e) {
				return k
			}
		}
	}
	return 0
}
