package cidr

// Mutations. Each seeks by key (filling s.path), changes one leaf, then
// repairs routing keys and sub summaries bottom-up along s.path, splitting
// full nodes on insert and merging or redistributing underfull ones on delete.

// fixUp refreshes the parents' entries for child c of s.path[l], then
// upwards.
func (s *Set) fixUp(l int, c int32) {
	if l >= 0 {
		key, sub := s.summary(c, l == len(s.path)-1)
		s.propagate(l, key, sub)
	}
}

// propagate sets the entry s.path[l] points at to (key, sub) and carries
// the change upwards, stopping once an entry is unchanged (nothing above can
// change). A node's new maximum is derived from its old one where possible:
// rescanning all children at every level is what an update would cost
// otherwise.
func (s *Set) propagate(l int, key u128, sub uint8) {
	for ; l >= 0; l-- {
		st := s.path[l]
		in := &s.inners[st.node]
		oldSub := in.sub[st.idx]
		if in.key[st.idx] == key && oldSub == sub {
			return
		}
		in.key[st.idx], in.sub[st.idx] = key, sub
		if l > 0 {
			ps := s.path[l-1]
			sub = newMax(s.inners[ps.node].sub[ps.idx], oldSub, sub, func() uint8 {
				_, m := s.summary(st.node, false)
				return m
			})
			key = in.key[0]
		}
	}
}

// newMax returns a node's maximum after one of its values changed from old
// to v, given its maximum m before; rescan computes it from scratch.
func newMax(m, old, v uint8, rescan func() uint8) uint8 {
	switch {
	case v >= m:
		return v
	case old < m:
		return m // the maximum is elsewhere
	}
	return rescan()
}

// leafChanged carries a change of entry i of leaf t from own value old to
// the current one up the tree (old = 0 for a new entry).
func (s *Set) leafChanged(t int32, i int, old uint8) {
	l := len(s.path) - 1
	if l < 0 {
		return
	}
	lf := &s.leaves[t]
	st := s.path[l]
	sub := newMax(s.inners[st.node].sub[st.idx], old, lf.own[i], func() uint8 {
		_, m := s.summary(t, true)
		return m
	})
	s.propagate(l, lf.lo[0], sub)
}

// setInterval changes the bounds of the interval starting at old; the new
// bounds must keep the key order.
func (s *Set) setInterval(old, lo, hi u128) {
	t, i := s.seek(old)
	s.setAt(t, i, lo, hi)
}

// The ...At mutations act on entry i of leaf t, which the last seek reached
// (s.path leads to t), sparing a second descent.

func (s *Set) setAt(t int32, i int, lo, hi u128) {
	lf := &s.leaves[t]
	old := lf.own[i]
	lf.lo[i], lf.hi[i], lf.own[i] = lo, hi, ownOf(lo, hi)
	s.leafChanged(t, i, old)
}

func leafInsertAt(lf *leaf, i int, lo, hi u128) {
	n := int(lf.n)
	copy(lf.lo[i+1:n+1], lf.lo[i:n])
	copy(lf.hi[i+1:n+1], lf.hi[i:n])
	copy(lf.own[i+1:n+1], lf.own[i:n])
	lf.lo[i], lf.hi[i], lf.own[i] = lo, hi, ownOf(lo, hi)
	lf.n++
}

func innerInsertAt(in *inner, i int, key u128, sub uint8, c int32) {
	n := int(in.n)
	copy(in.key[i+1:n+1], in.key[i:n])
	copy(in.sub[i+1:n+1], in.sub[i:n])
	copy(in.child[i+1:n+1], in.child[i:n])
	in.key[i], in.sub[i], in.child[i] = key, sub, c
	in.n++
}

// insertInterval adds [lo, hi], which must not overlap any interval.
func (s *Set) insertInterval(lo, hi u128) {
	t, i := s.seek(lo)
	s.insertAt(t, i+1, lo, hi)
}

// insertAt inserts [lo, hi] before entry i of leaf t.
func (s *Set) insertAt(t int32, i int, lo, hi u128) {
	s.live++
	if s.leaves[t].n < leafCap {
		leafInsertAt(&s.leaves[t], i, lo, hi)
		s.leafChanged(t, i, 0)
		return
	}
	r := s.newLeaf() // may move s.leaves: take pointers after
	lf, rl := &s.leaves[t], &s.leaves[r]
	half := splitAt(i, leafCap, leafMin)
	copy(rl.lo[:], lf.lo[half:])
	copy(rl.hi[:], lf.hi[half:])
	copy(rl.own[:], lf.own[half:])
	rl.n, lf.n = int32(leafCap-half), int32(half)
	rl.next, lf.next = lf.next, r
	if i <= half {
		leafInsertAt(lf, i, lo, hi)
	} else {
		leafInsertAt(rl, i-half, lo, hi)
	}
	s.splitUp(len(s.path)-1, t, r, true)
}

// splitAt returns how many entries a full node keeps when splitting for an
// insert at position i: half, but when appending (ascending inserts, e.g.
// a Reserve loop) only the minimum moves right, so such nodes end 3/4 full
// rather than half.
func splitAt(i, capacity, minimum int) int {
	if i == capacity {
		return capacity - minimum
	}
	return capacity / 2
}

// splitUp links right, the new right half of left (the child of s.path[l],
// or the root when l < 0), into the tree, splitting full parents.
func (s *Set) splitUp(l int, left, right int32, isLeaf bool) {
	for {
		kl, sl := s.summary(left, isLeaf)
		kr, sr := s.summary(right, isLeaf)
		if l < 0 {
			nr := s.newInner()
			in := &s.inners[nr]
			in.key[0], in.sub[0], in.child[0] = kl, sl, left
			in.key[1], in.sub[1], in.child[1] = kr, sr, right
			in.n = 2
			s.root = nr
			s.height++
			return
		}
		st := s.path[l]
		in := &s.inners[st.node]
		in.key[st.idx], in.sub[st.idx] = kl, sl
		pos := int(st.idx) + 1
		if in.n < innerCap {
			innerInsertAt(in, pos, kr, sr, right)
			s.fixUp(l-1, st.node)
			return
		}
		nr := s.newInner()
		in, rn := &s.inners[st.node], &s.inners[nr]
		half := splitAt(pos, innerCap, innerMin)
		copy(rn.key[:], in.key[half:])
		copy(rn.sub[:], in.sub[half:])
		copy(rn.child[:], in.child[half:])
		rn.n, in.n = int32(innerCap-half), int32(half)
		if pos <= half {
			innerInsertAt(in, pos, kr, sr, right)
		} else {
			innerInsertAt(rn, pos-half, kr, sr, right)
		}
		left, right, isLeaf, l = st.node, nr, false, l-1
	}
}

// deleteInterval removes the interval starting at lo, which must exist.
func (s *Set) deleteInterval(lo u128) {
	t, i := s.seek(lo)
	s.deleteAt(t, i)
}

func (s *Set) deleteAt(t int32, i int) {
	lf := &s.leaves[t]
	n := int(lf.n)
	copy(lf.lo[i:], lf.lo[i+1:n])
	copy(lf.hi[i:], lf.hi[i+1:n])
	copy(lf.own[i:], lf.own[i+1:n])
	lf.n--
	s.live--
	s.rebalance(len(s.path)-1, t)
}

// rebalance restores the fill of c, the child of s.path[l] that just lost an
// entry, then repairs summaries above.
func (s *Set) rebalance(l int, c int32) {
	for ; l >= 0; l-- {
		isLeaf := l == len(s.path)-1
		st := s.path[l]
		if s.count(c, isLeaf) >= minFill(isLeaf) {
			s.fixUp(l, c)
			return
		}
		p := &s.inners[st.node]
		j := int(st.idx) // fix the pair (j, j+1)
		if j+1 >= int(p.n) {
			j--
		}
		a, b := p.child[j], p.child[j+1]
		if s.count(a, isLeaf)+s.count(b, isLeaf) <= capOf(isLeaf) {
			s.mergeNodes(a, b, isLeaf)
			p.key[j], p.sub[j] = s.summary(a, isLeaf)
			n := int(p.n)
			copy(p.key[j+1:], p.key[j+2:n])
			copy(p.sub[j+1:], p.sub[j+2:n])
			copy(p.child[j+1:], p.child[j+2:n])
			p.n--
		} else {
			s.redistribute(a, b, isLeaf)
			p.key[j], p.sub[j] = s.summary(a, isLeaf)
			p.key[j+1], p.sub[j+1] = s.summary(b, isLeaf)
		}
		c = st.node
	}
	// c is the root; a root inner node with one child is dropped.
	for s.height > 0 && s.inners[s.root].n == 1 {
		old := s.root
		s.root = s.inners[old].child[0]
		s.height--
		s.freeInners = append(s.freeInners, old)
	}
}

func (s *Set) count(t int32, isLeaf bool) int {
	if isLeaf {
		return int(s.leaves[t].n)
	}
	return int(s.inners[t].n)
}

func minFill(isLeaf bool) int {
	if isLeaf {
		return leafMin
	}
	return innerMin
}

func capOf(isLeaf bool) int {
	if isLeaf {
		return leafCap
	}
	return innerCap
}

// mergeNodes appends b's entries to a (its left neighbour) and frees b.
func (s *Set) mergeNodes(a, b int32, isLeaf bool) {
	if isLeaf {
		x, y := &s.leaves[a], &s.leaves[b]
		copy(x.lo[x.n:], y.lo[:y.n])
		copy(x.hi[x.n:], y.hi[:y.n])
		copy(x.own[x.n:], y.own[:y.n])
		x.n += y.n
		x.next = y.next
		s.freeLeaves = append(s.freeLeaves, b)
		return
	}
	x, y := &s.inners[a], &s.inners[b]
	copy(x.key[x.n:], y.key[:y.n])
	copy(x.sub[x.n:], y.sub[:y.n])
	copy(x.child[x.n:], y.child[:y.n])
	x.n += y.n
	s.freeInners = append(s.freeInners, b)
}

// redistribute evens out the entries of neighbours a and b.
func (s *Set) redistribute(a, b int32, isLeaf bool) {
	if isLeaf {
		x, y := &s.leaves[a], &s.leaves[b]
		moveEntries(x.lo[:], y.lo[:], int(x.n), int(y.n))
		moveEntries(x.hi[:], y.hi[:], int(x.n), int(y.n))
		moveEntries(x.own[:], y.own[:], int(x.n), int(y.n))
		t := x.n + y.n
		x.n, y.n = t/2, t-t/2
		return
	}
	x, y := &s.inners[a], &s.inners[b]
	moveEntries(x.key[:], y.key[:], int(x.n), int(y.n))
	moveEntries(x.sub[:], y.sub[:], int(x.n), int(y.n))
	moveEntries(x.child[:], y.child[:], int(x.n), int(y.n))
	t := x.n + y.n
	x.n, y.n = t/2, t-t/2
}

// moveEntries shifts entries across the boundary of x (xn used) and y (yn
// used) so that x ends with (xn+yn)/2 of them, order kept.
func moveEntries[T any](x, y []T, xn, yn int) {
	want := (xn + yn) / 2
	if xn > want { // x's tail goes to y's front
		d := xn - want
		copy(y[d:d+yn], y[:yn])
		copy(y[:d], x[want:xn])
	} else { // y's head goes to x's tail
		d := want - xn
		copy(x[xn:want], y[:d])
		copy(y[:yn-d], y[d:yn])
	}
}
