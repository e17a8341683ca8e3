// Package cidr is the CIDR allocator: it tracks the free space of one IPAM
// pool (one address family, any number of provisioned prefixes) and hands out
// the lowest-addressed naturally aligned free block of a requested length.
//
// The Set records free space only, not individual allocations: the caller
// keeps allocation records and can rebuild a Set with AddPool for every
// provisioned prefix followed by ReserveSorted (or Reserve) for every
// allocation. IPv4 and IPv6 share one code path on 128-bit integers.
//
// All operations are O(log n) in the number of free intervals (which is at
// most the number of allocations plus the number of pools), and O((a+d) log n)
// for Allocate and Preview with a allowed and d disallowed prefixes (plus
// sorting the constraints). A Set is not safe for concurrent use.
package cidr

import (
	"net/netip"
	"slices"
)

// Set is the free space of one pool. Create it with New.
type Set struct {
	v4    bool
	width int // 32 or 128; 0 while no pool is provisioned

	pools []poolRange // ascending, disjoint

	// B+-tree of free intervals (btree.go).
	leaves     []leaf
	inners     []inner
	freeLeaves []int32
	freeInners []int32
	root       int32
	height     int // inner levels above the leaves
	live       int // free intervals
	path       []step

	total Count
	free  Count

	gen uint64 // bumped by every successful mutating call
}

type poolRange struct {
	lo, hi u128
	p      netip.Prefix
}

// Constraints restrict where Allocate and Preview may place a block.
// Allowed empty means anywhere in the pool; otherwise the block must lie
// entirely inside one Allowed prefix. The block must not overlap any
// Disallowed prefix. All prefixes must be canonical and of the pool's family.
type Constraints struct {
	Allowed, Disallowed []netip.Prefix
}

// New returns an empty Set with no provisioned prefixes.
func New() *Set {
	s := &Set{}
	s.initTree()
	return s
}

// checkPrefix validates p (valid, canonical, family) against the Set.
func (s *Set) checkPrefix(p netip.Prefix) error {
	if !p.IsValid() {
		return errf(ErrNotCanonical, "invalid prefix %v", p)
	}
	if p != p.Masked() {
		return errf(ErrNotCanonical, "%s has host bits set (want %s)", p, p.Masked())
	}
	if s.width != 0 && p.Addr().Is4() != s.v4 {
		return errf(ErrFamily, "%s is not of the pool's family", p)
	}
	return nil
}

// poolIndex returns the index of the pool with the greatest lo <= a, or -1.
func (s *Set) poolIndex(a u128) int {
	i, _ := slices.BinarySearchFunc(s.pools, a, func(p poolRange, a u128) int {
		if a.less(p.lo) {
			return 1
		}
		return -1
	})
	return i - 1
}

// poolOf returns the pool containing [lo, hi] entirely, or -1.
func (s *Set) poolOf(lo, hi u128) int {
	i := s.poolIndex(lo)
	if i < 0 || s.pools[i].hi.less(hi) {
		return -1
	}
	return i
}

// AddPool provisions p. p must be canonical, of the same family as the
// existing pools and must not overlap any of them.
func (s *Set) AddPool(p netip.Prefix) (err error) {
	defer s.touched(&err)
	if err := s.checkPrefix(p); err != nil {
		return err
	}
	if s.Overlaps(p) {
		return errf(ErrPoolOverlap, "%s", p)
	}
	if s.width == 0 {
		s.v4 = p.Addr().Is4()
		s.width = p.Addr().BitLen()
	}
	lo, hi := prefixRange(p)
	i := s.poolIndex(lo) + 1
	s.pools = slices.Insert(s.pools, i, poolRange{lo, hi, p})
	s.insertInterval(lo, hi)
	c := blockCount(s.width - p.Bits())
	s.total = s.total.add(c)
	s.free = s.free.add(c)
	return nil
}

// RemovePool deprovisions p, which must be exactly a provisioned prefix
// (ErrNotInPool) with nothing inside it allocated (ErrInUse).
func (s *Set) RemovePool(p netip.Prefix) (err error) {
	defer s.touched(&err)
	if err := s.checkPrefix(p); err != nil {
		return err
	}
	lo, hi := prefixRange(p)
	i := s.poolIndex(lo)
	if i < 0 || s.pools[i].p != p {
		return errf(ErrNotInPool, "%s is not a provisioned prefix", p)
	}
	if flo, fhi, ok := s.floor(lo); !ok || flo != lo || fhi != hi {
		return errf(ErrInUse, "%s", p)
	}
	s.deleteInterval(lo)
	s.pools = slices.Delete(s.pools, i, i+1)
	c := blockCount(s.width - p.Bits())
	s.total = s.total.sub(c)
	s.free = s.free.sub(c)
	if len(s.pools) == 0 {
		s.width, s.v4 = 0, false
	}
	return nil
}

// Pools returns the provisioned prefixes in ascending order.
func (s *Set) Pools() []netip.Prefix {
	out := make([]netip.Prefix, len(s.pools))
	for i, p := range s.pools {
		out[i] = p.p
	}
	return out
}

// Contains reports whether p lies entirely inside one provisioned prefix.
func (s *Set) Contains(p netip.Prefix) bool {
	if s.checkPrefix(p.Masked()) != nil || s.width == 0 {
		return false
	}
	lo, hi := prefixRange(p.Masked())
	return s.poolOf(lo, hi) >= 0
}

// Overlaps reports whether p overlaps any provisioned prefix.
func (s *Set) Overlaps(p netip.Prefix) bool {
	if s.checkPrefix(p.Masked()) != nil || s.width == 0 {
		return false
	}
	lo, hi := prefixRange(p.Masked())
	i := s.poolIndex(hi)
	return i >= 0 && !s.pools[i].hi.less(lo)
}

// IsFree reports whether every address of p is free (provisioned and not
// allocated). p may span adjacent provisioned prefixes.
func (s *Set) IsFree(p netip.Prefix) bool {
	if s.checkPrefix(p.Masked()) != nil || s.width == 0 {
		return false
	}
	lo, hi := prefixRange(p.Masked())
	_, end, ok := s.floor(lo)
	for {
		if !ok || end.less(lo) {
			return false
		}
		if !end.less(hi) {
			return true
		}
		// Free intervals of adjacent pools are not merged; continue into
		// the next one if it starts right after this.
		nlo, nhi, nok := s.ceilAfter(end)
		if !nok || nlo != end.addOne() {
			return false
		}
		lo, end, ok = nlo, nhi, true
	}
}

// Reserve takes exactly p. p must be canonical (ErrNotCanonical), of the
// pool's family (ErrFamily), entirely inside one provisioned prefix
// (ErrNotInPool) and entirely free (*OverlapError, errors.Is ErrOverlap).
func (s *Set) Reserve(p netip.Prefix) (err error) {
	defer s.touched(&err)
	lo, hi, t, i, err := s.checkReserve(p)
	if err != nil {
		return err
	}
	s.carveAt(t, i, lo, hi)
	return nil
}

// checkReserve returns p's range and the position of the free interval
// holding it (s.path leads there).
func (s *Set) checkReserve(p netip.Prefix) (lo, hi u128, t int32, i int, err error) {
	if err = s.checkPrefix(p); err != nil {
		return
	}
	lo, hi = prefixRange(p)
	if s.width == 0 || s.poolOf(lo, hi) < 0 {
		err = errf(ErrNotInPool, "%s", p)
		return
	}
	if t, i = s.seek(lo); i < 0 || s.leaves[t].hi[i].less(hi) {
		err = s.overlapError(p, lo, hi)
	}
	return
}

// overlapError builds the conflict error for reserving [lo, hi], which is
// not entirely free.
func (s *Set) overlapError(p netip.Prefix, lo, hi u128) error {
	a := lo
	if _, fhi, ok := s.floor(lo); ok && !fhi.less(lo) {
		a = fhi.addOne() // floor(lo) covers lo but ends inside p
	}
	end := hi
	if nlo, _, ok := s.ceilAfter(a); ok && !hi.less(nlo) {
		end = nlo.subOne()
	}
	// Largest aligned block starting at a inside [a, end].
	k := largestBlock(a, end)
	for k > 0 {
		if _, ok := fitFrom(a, end, k); ok {
			if x, _ := alignUp(a, k); x == a {
				break
			}
		}
		k--
	}
	addr := uToAddr(a, s.v4)
	return &OverlapError{
		Requested: p,
		Prefix:    netip.PrefixFrom(addr, s.width-k),
		Addr:      addr,
	}
}

// carve removes [lo, hi] from the free interval starting at nlo, which
// contains it.
func (s *Set) carve(nlo, lo, hi u128) {
	t, i := s.seek(nlo)
	s.carveAt(t, i, lo, hi)
}

// carveAt removes [lo, hi] from free interval i of leaf t, which contains it
// and which the last seek reached.
func (s *Set) carveAt(t int32, i int, lo, hi u128) {
	nlo, nhi := s.leaves[t].lo[i], s.leaves[t].hi[i]
	left, right := nlo.less(lo), hi.less(nhi)
	switch {
	case !left && !right:
		s.deleteAt(t, i)
	case left && !right:
		s.setAt(t, i, nlo, lo.subOne())
	case !left && right:
		s.setAt(t, i, hi.addOne(), nhi)
	default:
		s.setAt(t, i, nlo, lo.subOne())
		s.insertAt(t, i+1, hi.addOne(), nhi)
	}
	s.free = s.free.sub(rangeCount(lo, hi))
}

// Release gives p back. p must be canonical, inside one provisioned prefix
// (ErrNotInPool) and entirely allocated (ErrNotAllocated). Adjacent free space
// in the same provisioned prefix merges, so releasing everything restores
// exactly the provisioned prefixes.
func (s *Set) Release(p netip.Prefix) (err error) {
	defer s.touched(&err)
	if err := s.checkPrefix(p); err != nil {
		return err
	}
	lo, hi := prefixRange(p)
	pi := -1
	if s.width != 0 {
		pi = s.poolOf(lo, hi)
	}
	if pi < 0 {
		return errf(ErrNotInPool, "%s", p)
	}
	// One descent finds the predecessor (entry i) and, unless it is the
	// first of the next leaf, the successor (entry i+1); only a successor in
	// the next leaf needs a second descent to change it.
	t, i := s.seek(hi)
	lf := &s.leaves[t]
	if i >= 0 && !lf.hi[i].less(lo) {
		return errf(ErrNotAllocated, "%s", p)
	}
	pool := s.pools[pi]
	mergeL := i >= 0 && lf.hi[i].addOne() == lo && lo != pool.lo
	var slo, shi u128
	mergeR, sameLeaf := false, i+1 < int(lf.n)
	if hi != pool.hi {
		var sok bool
		if sameLeaf {
			slo, shi, sok = lf.lo[i+1], lf.hi[i+1], true
		} else {
			slo, shi, sok = s.ceilAfter(hi)
		}
		mergeR = sok && slo == hi.addOne()
	}
	// ceilAfter does not touch s.path, which still leads to t.
	switch {
	case mergeL && mergeR:
		s.setAt(t, i, lf.lo[i], shi)
		if sameLeaf {
			s.deleteAt(t, i+1)
		} else {
			s.deleteInterval(slo)
		}
	case mergeL:
		s.setAt(t, i, lf.lo[i], hi)
	case mergeR && sameLeaf:
		s.setAt(t, i+1, lo, shi)
	case mergeR:
		s.setInterval(slo, lo, shi)
	default:
		s.insertAt(t, i+1, lo, hi)
	}
	s.free = s.free.add(rangeCount(lo, hi))
	return nil
}

// Allocate takes the lowest-addressed, naturally aligned free block of prefix
// length bits that satisfies c (which may be nil) and returns it.
func (s *Set) Allocate(bits int, c *Constraints) (_ netip.Prefix, err error) {
	defer s.touched(&err)
	x, flo, _, err := s.find(bits, c)
	if err != nil {
		return netip.Prefix{}, err
	}
	s.carve(flo, x, x.or(lowMask(s.width-bits)))
	return netip.PrefixFrom(uToAddr(x, s.v4), bits), nil
}

// Preview returns the block Allocate would take, without taking it.
func (s *Set) Preview(bits int, c *Constraints) (netip.Prefix, error) {
	x, _, _, err := s.find(bits, c)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(uToAddr(x, s.v4), bits), nil
}

// LargestFree returns the prefix length of the largest naturally aligned free
// block; ok is false when nothing is free.
func (s *Set) LargestFree() (bits int, ok bool) {
	m := s.rootSub()
	if m == 0 {
		return 0, false
	}
	return s.width - int(m-1), true
}

// Total returns the number of provisioned addresses.
func (s *Set) Total() Count { return s.total }

// Free returns the number of free addresses.
func (s *Set) Free() Count { return s.free }

// Allocated returns the number of provisioned addresses not free.
func (s *Set) Allocated() Count { return s.total.sub(s.free) }

// Generation changes whenever a mutating method succeeds, so a holder can
// tell cheaply whether the set may differ from a state it knew. A failed
// call changes nothing (every mutator checks before it writes).
func (s *Set) Generation() uint64 { return s.gen }

func (s *Set) touched(err *error) {
	if *err == nil {
		s.gen++
	}
}
