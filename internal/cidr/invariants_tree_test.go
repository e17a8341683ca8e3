package cidr

import "fmt"

// treeErr checks the B+-tree: sorted keys, routing keys and sub summaries
// equal to their children's, own per interval, fill bounds for non-root
// nodes, uniform leaf depth, the leaf chain in key order. It returns the
// number of intervals.
func treeErr(s *Set) (int, error) {
	var leavesInOrder []int32
	var rec func(t int32, h int, root bool) (key u128, sub uint8, n int, err error)
	rec = func(t int32, h int, root bool) (key u128, sub uint8, n int, err error) {
		if h == 0 {
			lf := &s.leaves[t]
			if !root && (lf.n < leafMin || lf.n > leafCap) {
				return key, 0, 0, fmt.Errorf("leaf %d has %d entries", t, lf.n)
			}
			leavesInOrder = append(leavesInOrder, t)
			for i := range int(lf.n) {
				if lf.hi[i].less(lf.lo[i]) {
					return key, 0, 0, fmt.Errorf("empty interval in leaf %d", t)
				}
				if i > 0 && !lf.hi[i-1].less(lf.lo[i]) {
					return key, 0, 0, fmt.Errorf("leaf %d unsorted or overlapping", t)
				}
				if want := ownOf(lf.lo[i], lf.hi[i]); lf.own[i] != want {
					return key, 0, 0, fmt.Errorf("own %d want %d", lf.own[i], want)
				}
				sub = max(sub, lf.own[i])
			}
			return lf.lo[0], sub, int(lf.n), nil
		}
		in := &s.inners[t]
		if in.n > innerCap || in.n < 2 || (!root && in.n < innerMin) {
			return key, 0, 0, fmt.Errorf("inner %d has %d children", t, in.n)
		}
		for i := range int(in.n) {
			k, sb, c, err := rec(in.child[i], h-1, false)
			if err != nil {
				return key, 0, 0, err
			}
			if k != in.key[i] || sb != in.sub[i] {
				return key, 0, 0, fmt.Errorf("inner %d entry %d summary stale", t, i)
			}
			if i > 0 && !in.key[i-1].less(k) {
				return key, 0, 0, fmt.Errorf("inner %d keys unsorted", t)
			}
			sub = max(sub, sb)
			n += c
		}
		return in.key[0], sub, n, nil
	}
	_, _, n, err := rec(s.root, s.height, true)
	if err != nil {
		return 0, err
	}
	for i, t := range leavesInOrder {
		want := int32(-1)
		if i+1 < len(leavesInOrder) {
			want = leavesInOrder[i+1]
		}
		if s.leaves[t].next != want {
			return 0, fmt.Errorf("leaf chain broken at leaf %d", t)
		}
	}
	if used := len(s.leaves) - len(s.freeLeaves); used != len(leavesInOrder) {
		return 0, fmt.Errorf("%d leaves in use, %d in tree", used, len(leavesInOrder))
	}
	return n, nil
}
