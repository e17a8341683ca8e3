package cidr

// The free space is a set of disjoint free intervals [lo, hi], never merged
// across a pool boundary, kept in a B+-tree ordered by lo. A binary tree over
// ~1M intervals is ~20 levels of scattered 48-byte nodes, so a random-address
// operation pays a cache miss per level; here the inner levels of a 1M-interval
// tree total ~2.5 MB (they mostly stay in cache) and an operation touches one
// DRAM-resident 536-byte leaf, whose keys it scans linearly so the misses
// overlap. Leaves of 16 measured faster than 32 (fewer lines to scan and
// shift); inner nodes of 32 faster than 16 (one level fewer).
//
// Nodes live in two flat arrays (s.leaves, s.inners) addressed by int32, with
// no Go pointers, so the GC never scans them. Leaves hold sorted intervals
// and, per interval, own = 1+log2 of the largest naturally aligned block
// inside it (0 = none). Inner nodes hold, per child, its smallest lo (the
// routing key) and sub = the maximum own below it, which makes "first aligned
// 2^k block at or after address A" an O(log n) query.
//
// Every non-root node holds at least a quarter of its capacity (deletes merge
// or redistribute with a sibling), which bounds memory per interval; all
// leaves are at depth s.height.

const (
	leafCap   = 16
	innerCap  = 32
	leafMin   = leafCap / 4
	innerMin  = innerCap / 4
	leafFill  = leafCap * 3 / 4 // bulk-load fill: leaves room for inserts
	innerFill = innerCap * 3 / 4
)

type leaf struct {
	lo, hi [leafCap]u128
	own    [leafCap]uint8
	n      int32
	next   int32 // next leaf in key order, -1 at the end
}

type inner struct {
	key   [innerCap]u128  // smallest lo in child i
	sub   [innerCap]uint8 // largest own in child i
	child [innerCap]int32
	n     int32
}

// step is one inner node on the path from the root and the child taken.
type step struct{ node, idx int32 }

func ownOf(lo, hi u128) uint8 { return uint8(largestBlock(lo, hi) + 1) }

// initTree makes the tree one empty root leaf.
func (s *Set) initTree() {
	s.leaves = append(s.leaves[:0], leaf{next: -1})
	s.inners = s.inners[:0]
	s.freeLeaves, s.freeInners = s.freeLeaves[:0], s.freeInners[:0]
	s.root, s.height, s.live = 0, 0, 0
}

func (s *Set) newLeaf() int32 {
	if n := len(s.freeLeaves); n > 0 {
		i := s.freeLeaves[n-1]
		s.freeLeaves = s.freeLeaves[:n-1]
		s.leaves[i] = leaf{next: -1}
		return i
	}
	s.leaves = append(s.leaves, leaf{next: -1})
	return int32(len(s.leaves) - 1)
}

func (s *Set) newInner() int32 {
	if n := len(s.freeInners); n > 0 {
		i := s.freeInners[n-1]
		s.freeInners = s.freeInners[:n-1]
		s.inners[i] = inner{}
		return i
	}
	s.inners = append(s.inners, inner{})
	return int32(len(s.inners) - 1)
}

// upper returns the number of keys <= key (keys ascending).
func upper(keys []u128, key u128) int {
	lo, hi := 0, len(keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if key.less(keys[m]) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// seek descends to the leaf that holds floor(key) (the leftmost leaf if there
// is none), recording the inner nodes in s.path for a mutation to follow. It
// returns the leaf and the index of floor(key) in it, -1 if there is none.
func (s *Set) seek(key u128) (int32, int) { return s.descend(key, true) }

// descend is seek; with record false it writes nothing, so the read-only
// methods (IsFree, Preview, ...) stay free of writes to the Set.
func (s *Set) descend(key u128, record bool) (int32, int) {
	path := s.path[:0]
	t := s.root
	for h := s.height; h > 0; h-- {
		in := &s.inners[t]
		i := max(upper(in.key[:in.n], key)-1, 0)
		if record {
			path = append(path, step{t, int32(i)})
		}
		t = in.child[i]
	}
	if record {
		s.path = path
	}
	lf := &s.leaves[t]
	return t, countLE(lf.lo[:lf.n], key) - 1
}

// countLE returns the number of keys <= key (keys ascending). Unlike a
// binary search its loads do not depend on earlier comparisons, so the cache
// lines of a leaf not in cache are fetched in parallel, not one after another.
func countLE(keys []u128, key u128) int {
	c := 0
	for _, k := range keys {
		if !key.less(k) {
			c++
		}
	}
	return c
}

// floor returns the interval with the greatest lo <= key.
func (s *Set) floor(key u128) (lo, hi u128, ok bool) {
	t, i := s.descend(key, false)
	if i < 0 {
		return u128{}, u128{}, false
	}
	lf := &s.leaves[t]
	return lf.lo[i], lf.hi[i], true
}

// ceilAfter returns the interval with the least lo > key.
func (s *Set) ceilAfter(key u128) (lo, hi u128, ok bool) {
	t, i := s.descend(key, false)
	lf := &s.leaves[t]
	if i++; i < int(lf.n) {
		return lf.lo[i], lf.hi[i], true
	}
	// Non-root leaves are never empty, so the next leaf's first interval is
	// the successor.
	if lf.next < 0 {
		return u128{}, u128{}, false
	}
	nx := &s.leaves[lf.next]
	return nx.lo[0], nx.hi[0], true
}

// summary returns the routing key and sub of node t, a leaf if isLeaf.
func (s *Set) summary(t int32, isLeaf bool) (u128, uint8) {
	var m uint8
	if isLeaf {
		lf := &s.leaves[t]
		for _, v := range lf.own[:lf.n] {
			m = max(m, v)
		}
		return lf.lo[0], m
	}
	in := &s.inners[t]
	for _, v := range in.sub[:in.n] {
		m = max(m, v)
	}
	return in.key[0], m
}

// rootSub returns the largest own in the tree (0 when empty).
func (s *Set) rootSub() uint8 {
	if s.live == 0 {
		return 0
	}
	_, m := s.summary(s.root, s.height == 0)
	return m
}

// walk calls f for each free interval in ascending order.
func (s *Set) walk(f func(lo, hi u128)) {
	t := s.root
	for h := s.height; h > 0; h-- {
		t = s.inners[t].child[0]
	}
	for ; t >= 0; t = s.leaves[t].next {
		lf := &s.leaves[t]
		for i := range lf.n {
			f(lf.lo[i], lf.hi[i])
		}
	}
}

type interval struct{ lo, hi u128 }
