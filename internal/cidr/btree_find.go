package cidr

// firstFit returns the lowest 2^k-aligned address x >= cur such that
// [x, x+2^k-1] lies inside one free interval, and that interval.
func (s *Set) firstFit(cur u128, k int) (x, lo, hi u128, ok bool) {
	return s.fitIn(s.root, s.height, cur, k)
}

func (s *Set) fitIn(t int32, h int, cur u128, k int) (x, lo, hi u128, ok bool) {
	need := uint8(k + 1)
	if h == 0 {
		lf := &s.leaves[t]
		i := countLE(lf.lo[:lf.n], cur) - 1
		// Only floor(cur) can straddle cur; every later interval lies
		// wholly after it, so its own decides.
		if i >= 0 && lf.own[i] >= need && !lf.hi[i].less(cur) {
			if x, ok := fitFrom(cur, lf.hi[i], k); ok {
				return x, lf.lo[i], lf.hi[i], true
			}
		}
		for j := i + 1; j < int(lf.n); j++ {
			if lf.own[j] >= need {
				x, _ := alignUp(lf.lo[j], k)
				return x, lf.lo[j], lf.hi[j], true
			}
		}
		return
	}
	in := &s.inners[t]
	// floor(cur) is in child i; children before it end before cur.
	i := max(upper(in.key[:in.n], cur)-1, 0)
	if in.sub[i] >= need {
		if x, lo, hi, ok = s.fitIn(in.child[i], h-1, cur, k); ok {
			return
		}
	}
	for j := i + 1; j < int(in.n); j++ {
		if in.sub[j] >= need {
			return s.firstAll(in.child[j], h-1, k)
		}
	}
	return
}

// firstAll returns the lowest aligned 2^k block below node t (at height h),
// whose sub is known to admit one.
func (s *Set) firstAll(t int32, h int, k int) (x, lo, hi u128, ok bool) {
	need := uint8(k + 1)
	for ; h > 0; h-- {
		in := &s.inners[t]
		j := 0
		for j < int(in.n)-1 && in.sub[j] < need {
			j++
		}
		t = in.child[j]
	}
	lf := &s.leaves[t]
	for j := range int(lf.n) {
		if lf.own[j] >= need {
			x, _ := alignUp(lf.lo[j], k)
			return x, lf.lo[j], lf.hi[j], true
		}
	}
	return
}

// rebuild replaces the tree with one bulk-loaded from ivs (ascending,
// disjoint): leaves and inner nodes filled to 3/4, so the first inserts do
// not split, leaves laid out in key order.
func (s *Set) rebuild(ivs []interval) {
	nl := max(1, (len(ivs)+leafFill-1)/leafFill)
	if cap(s.leaves) >= nl {
		s.leaves = s.leaves[:nl]
	} else {
		s.leaves = make([]leaf, nl)
	}
	s.inners = s.inners[:0]
	s.freeLeaves, s.freeInners = s.freeLeaves[:0], s.freeInners[:0]
	level := make([]int32, nl)
	for i := range nl {
		a, b := i*len(ivs)/nl, (i+1)*len(ivs)/nl
		lf := &s.leaves[i]
		*lf = leaf{n: int32(b - a), next: int32(i + 1)}
		for j, iv := range ivs[a:b] {
			lf.lo[j], lf.hi[j], lf.own[j] = iv.lo, iv.hi, ownOf(iv.lo, iv.hi)
		}
		level[i] = int32(i)
	}
	s.leaves[nl-1].next = -1
	s.live = len(ivs)
	s.height = 0
	for isLeaf := true; len(level) > 1; isLeaf = false {
		ni := (len(level) + innerFill - 1) / innerFill
		up := make([]int32, ni)
		for i := range ni {
			a, b := i*len(level)/ni, (i+1)*len(level)/ni
			t := s.newInner()
			in := &s.inners[t]
			for j, c := range level[a:b] {
				in.key[j], in.sub[j] = s.summary(c, isLeaf)
				in.child[j] = c
			}
			in.n = int32(b - a)
			up[i] = t
		}
		level = up
		s.height++
	}
	s.root = level[0]
}
