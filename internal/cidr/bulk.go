package cidr

import "net/netip"

// ReserveSorted reserves every prefix of ps, which must be strictly ascending
// and pairwise disjoint (ErrNotSorted). Each prefix is checked as by Reserve.
// It is all-or-nothing: on error the Set is unchanged. A large batch is
// applied by one linear merge of the free intervals with ps followed by a
// bulk load of the tree, O(n + len(ps)); a batch small relative to the
// Set falls back to per-prefix Reserve, O(len(ps) log n).
func (s *Set) ReserveSorted(ps []netip.Prefix) (err error) {
	defer s.touched(&err)
	rs := make([]interval, len(ps))
	for i, p := range ps {
		if err := s.checkPrefix(p); err != nil {
			return err
		}
		lo, hi := prefixRange(p)
		if s.width == 0 || s.poolOf(lo, hi) < 0 {
			return errf(ErrNotInPool, "%s", p)
		}
		if i > 0 && !rs[i-1].hi.less(lo) {
			return errf(ErrNotSorted, "%s after %s", p, ps[i-1])
		}
		rs[i] = interval{lo, hi}
	}
	if len(rs) == 0 {
		return nil
	}
	if len(rs) < s.live/16 {
		// Disjoint, so each can be checked against the current state.
		for i, r := range rs {
			if _, fhi, ok := s.floor(r.lo); !ok || fhi.less(r.hi) {
				return s.overlapError(ps[i], r.lo, r.hi)
			}
		}
		for _, r := range rs {
			t, i := s.seek(r.lo)
			s.carveAt(t, i, r.lo, r.hi)
		}
		return nil
	}

	out := make([]interval, 0, s.live+len(rs))
	i, bad := 0, -1
	s.walk(func(flo, fhi u128) {
		if bad >= 0 {
			return
		}
		cur, done := flo, false
		for i < len(rs) && !fhi.less(rs[i].lo) {
			r := rs[i]
			if r.lo.less(cur) || done || fhi.less(r.hi) {
				bad = i
				return
			}
			if cur.less(r.lo) {
				out = append(out, interval{cur, r.lo.subOne()})
			}
			if r.hi == fhi {
				done = true
			} else {
				cur = r.hi.addOne()
			}
			i++
		}
		if !done {
			out = append(out, interval{cur, fhi})
		}
	})
	if bad < 0 && i < len(rs) {
		bad = i
	}
	if bad >= 0 {
		r := rs[bad]
		return s.overlapError(ps[bad], r.lo, r.hi)
	}
	for _, r := range rs {
		s.free = s.free.sub(rangeCount(r.lo, r.hi))
	}
	s.rebuild(out)
	return nil
}
