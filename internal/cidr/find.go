package cidr

import (
	"net/netip"
	"slices"
)

// find locates the block Allocate(bits, c) would take: its address and the
// free interval holding it.
//
// A naturally aligned block B of length bits lies inside prefix A iff
// A.Bits() <= bits and B's start is inside A; it overlaps prefix D iff its
// start lies in D masked to min(D.Bits(), bits). So Allowed becomes a sorted
// list of start ranges (allowed prefixes too small for the block are dropped,
// nested ones deduplicated) and Disallowed a sorted list of forbidden start
// ranges, each aligned to the block size. The search walks the allowed ranges
// in order, asking the tree for the first fitting block at or after a cursor
// and jumping the cursor past any forbidden range the answer falls in. Each
// step consumes an allowed or a disallowed range, so the cost is
// O((a+d) log n).
func (s *Set) find(bits int, c *Constraints) (x, flo, fhi u128, err error) {
	w := s.width
	if w == 0 {
		w = 128
	}
	if bits < 0 || bits > w {
		return u128{}, u128{}, u128{}, errf(ErrFamily, "prefix length /%d out of range 0..%d", bits, w)
	}
	if c != nil {
		for _, p := range c.Allowed {
			if err := s.checkPrefix(p); err != nil {
				return u128{}, u128{}, u128{}, err
			}
		}
		for _, p := range c.Disallowed {
			if err := s.checkPrefix(p); err != nil {
				return u128{}, u128{}, u128{}, err
			}
		}
	}
	if s.width == 0 {
		return u128{}, u128{}, u128{}, errf(ErrNoSpace, "no provisioned prefix")
	}
	k := w - bits
	if c == nil || (len(c.Allowed) == 0 && len(c.Disallowed) == 0) {
		x, flo, fhi, ok := s.firstFit(u128{}, k)
		if !ok {
			return u128{}, u128{}, u128{}, errf(ErrNoSpace, "no free /%d", bits)
		}
		return x, flo, fhi, nil
	}

	allowed := make([]interval, 0, len(c.Allowed))
	if len(c.Allowed) == 0 {
		allowed = append(allowed, interval{u128{}, lowMask(w)})
	}
	for _, p := range c.Allowed {
		if p.Bits() <= bits {
			lo, hi := prefixRange(p)
			allowed = append(allowed, interval{lo, hi})
		}
	}
	allowed = normalize(allowed)
	forbidden := make([]interval, 0, len(c.Disallowed))
	for _, p := range c.Disallowed {
		m := min(p.Bits(), bits)
		lo, hi := prefixRange(netip.PrefixFrom(p.Addr(), m).Masked())
		forbidden = append(forbidden, interval{lo, hi})
	}
	forbidden = normalize(forbidden)

	j := 0
	for _, r := range allowed {
		cur := r.lo
		for {
			x, flo, fhi, ok := s.firstFit(cur, k)
			if !ok {
				return u128{}, u128{}, u128{}, errf(ErrNoSpace, "no free /%d within constraints", bits)
			}
			if r.hi.less(x) {
				break // next allowed range
			}
			for j < len(forbidden) && forbidden[j].hi.less(x) {
				j++
			}
			if j < len(forbidden) && !x.less(forbidden[j].lo) {
				if forbidden[j].hi == maxU128 {
					return u128{}, u128{}, u128{}, errf(ErrNoSpace, "no free /%d within constraints", bits)
				}
				cur = forbidden[j].hi.addOne()
				continue
			}
			return x, flo, fhi, nil
		}
	}
	return u128{}, u128{}, u128{}, errf(ErrNoSpace, "no free /%d within constraints", bits)
}

// normalize sorts prefix ranges and drops those nested in another. Ranges
// of prefixes either nest or are disjoint, so the result is disjoint.
func normalize(iv []interval) []interval {
	slices.SortFunc(iv, func(a, b interval) int {
		if c := a.lo.cmp(b.lo); c != 0 {
			return c
		}
		return b.hi.cmp(a.hi) // larger first
	})
	out := iv[:0]
	for _, r := range iv {
		if len(out) > 0 && !out[len(out)-1].hi.less(r.lo) {
			continue
		}
		out = append(out, r)
	}
	return out
}
