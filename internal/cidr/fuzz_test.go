package cidr

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
)

// FuzzSetOps drives a Set with a byte-coded sequence of operations and checks
// properties that need no oracle: allocations stay inside a pool and never
// overlap, free + allocated = total, releasing an allocation restores the
// exact previous free space, conflict errors point at allocated space, and the
// tree invariants hold after every step.
//
//	go test -run '^$' -fuzz FuzzSetOps -fuzztime 10s ./internal/cidr
func FuzzSetOps(f *testing.F) {
	f.Add([]byte{0, 0, 0, 4, 2, 0, 0, 8, 2, 0, 0, 3, 4, 0, 0, 0, 3, 0, 0, 8})
	f.Add([]byte{1, 0, 1, 0, 0, 8, 0, 0, 2, 9, 9, 16, 2, 0, 0, 16, 1, 0, 0, 0})
	f.Add([]byte{0, 0, 2, 0, 0, 0, 1, 5, 3, 0, 16, 2, 2, 1, 2, 7, 2, 1, 3, 12, 4, 1, 1, 1, 1, 0, 0, 0})
	f.Add([]byte{1, 0, 255, 255, 15, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 0, 0, 5, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		v4 := data[0]&1 == 0
		data = data[1:]
		w, base := 32, [16]byte{10, 0}
		if !v4 {
			w, base = 128, [16]byte{0x20, 0x01, 0x0d, 0xb8}
		}
		// Universe: the low 16 bits vary.
		mk := func(a, b byte, bits int) netip.Prefix {
			var addr netip.Addr
			if v4 {
				addr = netip.AddrFrom4([4]byte{base[0], base[1], a, b})
			} else {
				x := base
				x[14], x[15] = a, b
				addr = netip.AddrFrom16(x)
			}
			return netip.PrefixFrom(addr, bits)
		}
		s := New()
		var allocs []netip.Prefix
		overlapsAlloc := func(p netip.Prefix) bool {
			for _, q := range allocs {
				if q.Overlaps(p) {
					return true
				}
			}
			return false
		}
		addAlloc := func(p netip.Prefix, how string) {
			if !s.Contains(p) || s.IsFree(p) {
				t.Fatalf("%s %s: outside pool or still free", how, p)
			}
			if overlapsAlloc(p) {
				t.Fatalf("%s %s overlaps an earlier allocation", how, p)
			}
			allocs = append(allocs, p)
		}
		for len(data) >= 4 {
			op, a, b, c := data[0], data[1], data[2], data[3]
			data = data[4:]
			switch op % 5 {
			case 0: // add pool of /(w-16) .. /w
				p := mk(a, b, w-16+int(c%17)).Masked()
				overl := s.Overlaps(p)
				for _, q := range s.Pools() {
					overl = overl || q.Overlaps(p)
				}
				err := s.AddPool(p)
				if overl != errors.Is(err, ErrPoolOverlap) || (!overl && (err != nil || !slices.Contains(s.Pools(), p))) {
					t.Fatalf("AddPool(%s) = %v, overlap %v", p, err, overl)
				}
			case 1: // remove a pool
				ps := s.Pools()
				if len(ps) == 0 {
					continue
				}
				p := ps[int(a)%len(ps)]
				inUse := overlapsAlloc(p)
				err := s.RemovePool(p)
				if inUse != errors.Is(err, ErrInUse) || (!inUse && err != nil) {
					t.Fatalf("RemovePool(%s) = %v, in use %v", p, err, inUse)
				}
			case 2: // allocate, maybe with a disallowed prefix
				bits := w - int(c%17)
				var cons *Constraints
				if a&1 == 1 {
					cons = &Constraints{Disallowed: []netip.Prefix{mk(a, b, w-int(b%17)).Masked()}}
				}
				pv, perr := s.Preview(bits, cons)
				before := freeBlocks(s)
				p, err := s.Allocate(bits, cons)
				if p != pv || !sameErr(err, perr) && !errors.Is(err, ErrNoSpace) {
					t.Fatalf("Allocate %v %v != Preview %v %v", p, err, pv, perr)
				}
				if err != nil {
					if !errors.Is(err, ErrNoSpace) {
						t.Fatal(err)
					}
					if lf, ok := s.LargestFree(); ok && lf <= bits && cons == nil {
						t.Fatalf("ErrNoSpace for /%d but largest free is /%d", bits, lf)
					}
					continue
				}
				if p.Bits() != bits || p != p.Masked() {
					t.Fatalf("Allocate(/%d) = %s", bits, p)
				}
				if cons != nil && cons.Disallowed[0].Overlaps(p) {
					t.Fatalf("%s overlaps disallowed %s", p, cons.Disallowed[0])
				}
				// Release is the inverse of Allocate.
				if err := s.Release(p); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(before, freeBlocks(s)) {
					t.Fatalf("Release(%s) did not restore free space", p)
				}
				if err := s.Reserve(p); err != nil {
					t.Fatal(err)
				}
				addAlloc(p, "Allocate")
			case 3: // reserve
				p := mk(a, b, w-int(c%17)).Masked()
				err := s.Reserve(p)
				var oe *OverlapError
				switch {
				case err == nil:
					addAlloc(p, "Reserve")
				case errors.As(err, &oe):
					if !overlapsAlloc(p) || !p.Contains(oe.Addr) || !oe.Prefix.Contains(oe.Addr) ||
						oe.Prefix.Bits() < p.Bits() || !p.Contains(oe.Prefix.Addr()) || s.IsFree(oe.Prefix) ||
						!overlapsAlloc(netip.PrefixFrom(oe.Addr, w)) {
						t.Fatalf("Reserve(%s): bad conflict %+v", p, oe)
					}
				case errors.Is(err, ErrNotInPool):
					if s.Contains(p) {
						t.Fatalf("Reserve(%s) = %v but Contains", p, err)
					}
				default:
					t.Fatalf("Reserve(%s) = %v", p, err)
				}
			case 4: // release a tracked allocation
				if len(allocs) == 0 {
					continue
				}
				i := int(a) % len(allocs)
				p := allocs[i]
				if err := s.Release(p); err != nil {
					t.Fatalf("Release(%s) = %v", p, err)
				}
				if !s.IsFree(p) {
					t.Fatalf("%s not free after Release", p)
				}
				if err := s.Release(p); !errors.Is(err, ErrNotAllocated) {
					t.Fatalf("double Release(%s) = %v", p, err)
				}
				allocs = slices.Delete(allocs, i, i+1)
			}
			checkInvariants(t, s)
			var sum Count
			for _, p := range allocs {
				sum = sum.add(blockCount(w - p.Bits()))
			}
			if s.Allocated() != sum || s.Free().add(s.Allocated()) != s.Total() {
				t.Fatalf("counts: allocated %s want %s, free %s, total %s", s.Allocated(), sum, s.Free(), s.Total())
			}
		}
		// Releasing everything leaves exactly the pools free.
		for _, p := range allocs {
			if err := s.Release(p); err != nil {
				t.Fatal(err)
			}
		}
		if fb := freeBlocks(s); !slices.Equal(fb, s.Pools()) && len(fb)+len(s.Pools()) > 0 {
			t.Fatalf("free %v != pools %v", fb, s.Pools())
		}
	})
}

// FuzzSetOracle runs a random operation sequence (seeded by the fuzzer)
// against both Set and the brute-force oracle.
func FuzzSetOracle(f *testing.F) {
	for _, seed := range []uint64{1, 2, 99, 12345} {
		f.Add(seed, false, uint16(300))
		f.Add(seed, true, uint16(300))
	}
	f.Fuzz(func(t *testing.T, seed uint64, v6 bool, steps uint16) {
		base := netip.MustParsePrefix("192.168.0.0/20")
		if v6 {
			base = netip.MustParsePrefix("fd00::f000/116")
		}
		runOracle(t, base, seed, int(steps%1000))
	})
}
