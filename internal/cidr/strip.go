package cidr

import (
	"net/netip"
)

// FreeStrip divides prefix p into n equal, aligned slices (n is rounded down
// to a power of two and capped at p's size and 2^16) and returns the free
// fraction of each, lowest addresses first: what a picture of p's address
// space needs. It reads at most stripSample free intervals per slice, so it
// costs O(n log m) however fragmented the space is; a slice holding more
// intervals than that gets the free share of the part they cover, an
// estimate (exact when the slice's free space is evenly spread).
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
	if s.live == 0 {
		return strip, nil
	}
	plo, _ := prefixRange(p)
	for b := range strip {
		lo := plo.add2(shl(u128{0, uint64(b)}, j))
		strip[b] = s.freeShare(lo, lo.or(lowMask(j)))
	}
	return strip, nil
}

// stripSample bounds the free intervals FreeStrip reads per slice.
const stripSample = 64

// freeShare returns the free fraction of [lo, hi] from at most stripSample
// free intervals (see FreeStrip).
func (s *Set) freeShare(lo, hi u128) float64 {
	t, i := s.descend(lo, false)
	i = max(i, 0)
	var free float64
	var last u128 // end of the last interval read
	seen := 0
	for ; t >= 0; t, i = s.leaves[t].next, 0 {
		lf := &s.leaves[t]
		for ; i < int(lf.n); i++ {
			a, z := lf.lo[i], lf.hi[i]
			if hi.less(a) {
				return free / rangeCount(lo, hi).Float64()
			}
			if z.less(lo) {
				continue
			}
			if seen == stripSample {
				// Extrapolate from the part read: [lo, end of the last interval].
				return free / rangeCount(lo, last).Float64()
			}
			seen++
			last = minU(z, hi)
			free += rangeCount(maxU(a, lo), last).Float64()
		}
	}
	return free / rangeCount(lo, hi).Float64()
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
