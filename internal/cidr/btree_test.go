package cidr

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestBTreeLarge drives enough intervals through the Set to build a
// multi-level B+-tree (splits, merges, redistribution, root growth and
// collapse) and checks it against a bitmap of allocated /64s.
func TestBTreeLarge(t *testing.T) {
	pool := netip.MustParsePrefix("2001:db8::/50") // 16384 /64s
	const n = 1 << 14
	all := blocks(pool, 64, n, 0, 1)
	r := rand.New(rand.NewPCG(7, 8))
	s := New()
	if err := s.AddPool(pool); err != nil {
		t.Fatal(err)
	}
	used := make([]bool, n)
	var even []netip.Prefix
	for i := 0; i < n; i += 2 {
		even = append(even, all[i])
		used[i] = true
	}
	if err := s.ReserveSorted(even); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, s)
	maxH, minH := s.height, s.height
	for op := range 200_000 {
		i := r.IntN(n)
		// Bias towards emptying then refilling so the tree shrinks to
		// a leaf and grows back.
		phase := (op / 40_000) % 2
		switch {
		case used[i] && (phase == 0 || r.IntN(4) == 0):
			if err := s.Release(all[i]); err != nil {
				t.Fatalf("op %d release %s: %v", op, all[i], err)
			}
			used[i] = false
		case phase == 0:
		case !used[i] && r.IntN(2) == 0:
			if err := s.Reserve(all[i]); err != nil {
				t.Fatalf("op %d reserve %s: %v", op, all[i], err)
			}
			used[i] = true
		case !used[i]:
			p, err := s.Allocate(64, nil)
			if err != nil {
				t.Fatal(err)
			}
			low := 0
			for used[low] {
				low++
			}
			if p != all[low] {
				t.Fatalf("op %d allocate got %s want %s", op, p, all[low])
			}
			used[low] = true
		}
		maxH, minH = max(maxH, s.height), min(minH, s.height)
		if op%5000 == 0 {
			checkInvariants(t, s)
			free := 0
			for j, u := range used {
				if u == s.IsFree(all[j]) {
					t.Fatalf("op %d: %s used=%v IsFree=%v", op, all[j], u, !u)
				}
				if !u {
					free++
				}
			}
			if want := (Count{hi: uint64(free)}); s.Free() != want {
				t.Fatalf("op %d: free %s want %s", op, s.Free(), want)
			}
		}
	}
	checkInvariants(t, s)
	// Release the rest in random order: the tree must shrink back to the
	// single pool interval in a root leaf.
	for k, i := range r.Perm(n) {
		if used[i] {
			if err := s.Release(all[i]); err != nil {
				t.Fatal(err)
			}
		}
		if k%1000 == 0 {
			checkInvariants(t, s)
		}
		minH = min(minH, s.height)
	}
	checkInvariants(t, s)
	if s.live != 1 || !s.IsFree(pool) {
		t.Errorf("after releasing everything: %d intervals", s.live)
	}
	if maxH < 2 || minH > 0 {
		t.Errorf("tree height stayed in [%d, %d]; want it to reach 2 and 0", minH, maxH)
	}
}
