package cidr

import (
	"math"
	"net/netip"
)

// FreeStrip divides prefix p into n equal, aligned slices (n is rounded down
// to a power of two and capped at p's size) and returns the free fraction of
// each, lowest addresses first: what a picture of p's address space needs.
// It reads only the free intervals inside p, O(log n + intervals in p).
func (s *Set) FreeStrip(p netip.Prefix, n int) ([]float64, error) {
	if err := s.checkPrefix(p); err != nil {
		return nil, err
	}
	k := p.Addr().BitLen() - p.Bits() // p holds 2^k addresses
	m := 0
	for m < k && m < 16 && 1<<(m+1) <= n {
		m++
	}
	j := k - m // each slice holds 2^j addresses
	strip := make([]float64, 1<<m)
	size := math.Ldexp(1, j)
	plo, phi := prefixRange(p)
	if s.live == 0 {
		return strip, nil
	}
	t, i := s.descend(plo, false)
	i = max(i, 0)
	for ; t >= 0; t, i = s.leaves[t].next, 0 {
		lf := &s.leaves[t]
		for ; i < int(lf.n); i++ {
			lo, hi := lf.lo[i], lf.hi[i]
			if phi.less(lo) {
				return strip, nil
			}
			if hi.less(plo) {
				continue
			}
			lo, hi = maxU(lo, plo), minU(hi, phi)
			for lo.cmp(hi) <= 0 {
				b := shr(lo.sub(plo), j) // slice of lo
				end := plo.add2(shl(u128{0, b}, j)).or(lowMask(j))
				seg := minU(hi, end)
				strip[b] += rangeCount(lo, seg).Float64() / size
				if seg == phi {
					break
				}
				lo = seg.addOne()
			}
		}
	}
	return strip, nil
}

// shr returns a >> k as a uint64; callers shift offsets inside a prefix so
// that at most 16 bits remain.
func shr(a u128, k int) uint64 {
	switch {
	case k >= 128:
		return 0
	case k >= 64:
		return a.hi >> (k - 64)
	case k == 0:
		return a.lo
	}
	return a.lo>>k | a.hi<<(64-k)
}

// shl returns a << k for k in [0,127].
func shl(a u128, k int) u128 {
	switch {
	case k >= 64:
		return u128{a.lo << (k - 64), 0}
	case k == 0:
		return a
	}
	return u128{a.hi<<k | a.lo>>(64-k), a.lo << k}
}

func (a u128) add2(b u128) u128 { r, _ := a.add(b); return r }
