package cidr

// The free space is a set of disjoint free intervals [lo, hi], never merged
// across a pool boundary, kept in a treap ordered by lo. Nodes live in an
// arena (s.nodes) addressed by int32; index 0 is the nil sentinel. Each node
// is augmented with own = 1+log2 of the largest naturally aligned block inside
// its interval and sub = the maximum own in its subtree (0 = empty), which
// makes "first aligned 2^k block at or after address A" an O(log n) query.

type node struct {
	lo, hi      u128
	left, right int32
	prio        uint32
	own, sub    uint8
}

func (s *Set) newNode(lo, hi u128, prio uint32) int32 {
	n := node{lo: lo, hi: hi, prio: prio, own: uint8(largestBlock(lo, hi) + 1)}
	n.sub = n.own
	s.live++
	if s.freeHead != 0 {
		i := s.freeHead
		s.freeHead = s.nodes[i].left
		s.nodes[i] = n
		return i
	}
	s.nodes = append(s.nodes, n)
	return int32(len(s.nodes) - 1)
}

func (s *Set) freeNode(i int32) {
	s.nodes[i] = node{left: s.freeHead}
	s.freeHead = i
	s.live--
}

func (s *Set) rand32() uint32 {
	// splitmix64
	s.rng += 0x9e3779b97f4a7c15
	z := s.rng
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return uint32((z ^ (z >> 31)) >> 32)
}

func (s *Set) pull(t int32) {
	nd := s.nodes
	n := &nd[t]
	m := n.own
	if v := nd[n.left].sub; v > m {
		m = v
	}
	if v := nd[n.right].sub; v > m {
		m = v
	}
	n.sub = m
}

func (s *Set) rotRight(t int32) int32 {
	nd := s.nodes
	l := nd[t].left
	nd[t].left = nd[l].right
	nd[l].right = t
	s.pull(t)
	s.pull(l)
	return l
}

func (s *Set) rotLeft(t int32) int32 {
	nd := s.nodes
	r := nd[t].right
	nd[t].right = nd[r].left
	nd[r].left = t
	s.pull(t)
	s.pull(r)
	return r
}

// insert links the already-allocated node x into subtree t.
func (s *Set) insert(t, x int32) int32 {
	if t == 0 {
		return x
	}
	nd := s.nodes
	if nd[x].lo.less(nd[t].lo) {
		l := s.insert(nd[t].left, x)
		nd[t].left = l
		if nd[l].prio > nd[t].prio {
			return s.rotRight(t)
		}
	} else {
		r := s.insert(nd[t].right, x)
		nd[t].right = r
		if nd[r].prio > nd[t].prio {
			return s.rotLeft(t)
		}
	}
	s.pull(t)
	return t
}

func (s *Set) merge(a, b int32) int32 {
	if a == 0 {
		return b
	}
	if b == 0 {
		return a
	}
	nd := s.nodes
	if nd[a].prio > nd[b].prio {
		nd[a].right = s.merge(nd[a].right, b)
		s.pull(a)
		return a
	}
	nd[b].left = s.merge(a, nd[b].left)
	s.pull(b)
	return b
}

// del removes the node whose lo equals key from subtree t.
func (s *Set) del(t int32, key u128) int32 {
	if t == 0 {
		return 0
	}
	nd := s.nodes
	switch c := key.cmp(nd[t].lo); {
	case c < 0:
		nd[t].left = s.del(nd[t].left, key)
	case c > 0:
		nd[t].right = s.del(nd[t].right, key)
	default:
		r := s.merge(nd[t].left, nd[t].right)
		s.freeNode(t)
		return r
	}
	s.pull(t)
	return t
}

func (s *Set) insertInterval(lo, hi u128) {
	x := s.newNode(lo, hi, s.rand32())
	s.root = s.insert(s.root, x)
}

func (s *Set) deleteInterval(lo u128) { s.root = s.del(s.root, lo) }

// setInterval changes node i's bounds in place (the new bounds must keep the
// key order) and repairs the augmentation on the path to it.
func (s *Set) setInterval(i int32, lo, hi u128) {
	n := &s.nodes[i]
	n.lo, n.hi = lo, hi
	n.own = uint8(largestBlock(lo, hi) + 1)
	path := s.path[:0]
	for t := s.root; t != 0; {
		path = append(path, t)
		c := lo.cmp(s.nodes[t].lo)
		if c == 0 {
			break
		}
		if c < 0 {
			t = s.nodes[t].left
		} else {
			t = s.nodes[t].right
		}
	}
	for j := len(path) - 1; j >= 0; j-- {
		s.pull(path[j])
	}
	s.path = path
}

// floor returns the node with the greatest lo <= key, or 0.
func (s *Set) floor(key u128) int32 {
	var best int32
	for t := s.root; t != 0; {
		if key.less(s.nodes[t].lo) {
			t = s.nodes[t].left
		} else {
			best = t
			t = s.nodes[t].right
		}
	}
	return best
}

// ceilAfter returns the node with the least lo > key, or 0.
func (s *Set) ceilAfter(key u128) int32 {
	var best int32
	for t := s.root; t != 0; {
		if key.less(s.nodes[t].lo) {
			best = t
			t = s.nodes[t].left
		} else {
			t = s.nodes[t].right
		}
	}
	return best
}

// firstFit returns the lowest 2^k-aligned address x >= cur such that
// [x, x+2^k-1] lies inside one free interval, and that interval's node.
func (s *Set) firstFit(t int32, cur u128, k int) (u128, int32, bool) {
	need := uint8(k + 1)
	for t != 0 {
		n := &s.nodes[t]
		if n.sub < need {
			return u128{}, 0, false
		}
		if n.hi.less(cur) {
			t = n.right
			continue
		}
		if !cur.less(n.lo) {
			// cur lies inside this node's interval: nothing to the left.
			if n.own >= need {
				if x, ok := fitFrom(cur, n.hi, k); ok {
					return x, t, true
				}
			}
			return s.firstAll(n.right, k)
		}
		if x, i, ok := s.firstFit(n.left, cur, k); ok {
			return x, i, true
		}
		if n.own >= need {
			x, _ := alignUp(n.lo, k)
			return x, t, true
		}
		return s.firstAll(n.right, k)
	}
	return u128{}, 0, false
}

// firstAll returns the lowest aligned 2^k block in subtree t.
func (s *Set) firstAll(t int32, k int) (u128, int32, bool) {
	need := uint8(k + 1)
	for t != 0 {
		n := &s.nodes[t]
		if n.sub < need {
			break
		}
		if s.nodes[n.left].sub >= need {
			t = n.left
			continue
		}
		if n.own >= need {
			x, _ := alignUp(n.lo, k)
			return x, t, true
		}
		t = n.right
	}
	return u128{}, 0, false
}

// walk calls f for each free interval in ascending order.
func (s *Set) walk(f func(lo, hi u128)) {
	stack := make([]int32, 0, 64)
	t := s.root
	for t != 0 || len(stack) > 0 {
		for t != 0 {
			stack = append(stack, t)
			t = s.nodes[t].left
		}
		t = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		f(s.nodes[t].lo, s.nodes[t].hi)
		t = s.nodes[t].right
	}
}

// rebuild replaces the tree with a balanced one holding ivs (ascending,
// disjoint). Priorities decrease with depth so the heap order holds and later
// random-priority inserts interleave with the built levels.
func (s *Set) rebuild(ivs []interval) {
	if cap(s.nodes) >= len(ivs)+1 {
		s.nodes = s.nodes[:1]
	} else {
		s.nodes = make([]node, 1, len(ivs)+1)
	}
	s.nodes[0] = node{}
	s.freeHead = 0
	s.live = 0
	depth := 1
	for (1 << depth) <= len(ivs) {
		depth++
	}
	band := uint32((1 << 32) / uint64(depth+1))
	var build func(a, b, d int) int32
	build = func(a, b, d int) int32 {
		if a >= b {
			return 0
		}
		m := (a + b) / 2
		p := uint32(depth-d)*band + s.rand32()%band
		i := s.newNode(ivs[m].lo, ivs[m].hi, p)
		l := build(a, m, d+1)
		r := build(m+1, b, d+1)
		s.nodes[i].left, s.nodes[i].right = l, r
		s.pull(i)
		return i
	}
	s.root = build(0, len(ivs), 0)
	s.relayoutBFS()
}

// relayoutBFS renumbers the arena in breadth-first order so the top levels of
// the tree, visited by every operation, share cache lines and pages.
func (s *Set) relayoutBFS() {
	if s.root == 0 || s.freeHead != 0 {
		return
	}
	old := s.nodes
	nodes := make([]node, len(old))
	queue := []int32{s.root} // old indexes in BFS order
	for q := 0; q < len(queue); q++ {
		n := &old[queue[q]]
		if n.left != 0 {
			queue = append(queue, n.left)
		}
		if n.right != 0 {
			queue = append(queue, n.right)
		}
	}
	newIdx := make([]int32, len(old))
	for i, o := range queue {
		newIdx[o] = int32(i + 1)
	}
	for i, o := range queue {
		n := old[o]
		n.left, n.right = newIdx[n.left], newIdx[n.right]
		nodes[i+1] = n
	}
	s.nodes = nodes
	s.root = 1
}

type interval struct{ lo, hi u128 }
