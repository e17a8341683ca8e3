package cidr

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
)

// Benchmarks. State is built fragmented: n allocations at every other
// naturally aligned block, so the free-space tree really holds ~n intervals
// (contiguous allocations would collapse into a single free interval and make
// every operation trivially cheap).
//
//	go test -run '^$' -bench . -benchmem ./internal/cidr

// blocks returns n prefixes of length bits inside pool at block indexes
// start, start+step, ...
func blocks(pool netip.Prefix, bits, n, start, step int) []netip.Prefix {
	v4 := pool.Addr().Is4()
	k := pool.Addr().BitLen() - bits
	base := addrToU(pool.Addr())
	out := make([]netip.Prefix, n)
	for i := range out {
		a, _ := base.add(shl(u128{0, uint64(start + i*step)}, k))
		out[i] = netip.PrefixFrom(uToAddr(a, v4), bits)
	}
	return out
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// build returns a Set over pool with allocs reserved via ReserveSorted and the
// heap bytes the Set retains per allocation.
func build(b *testing.B, pool netip.Prefix, allocs []netip.Prefix) (*Set, float64) {
	b.Helper()
	before := heapInUse()
	s := New()
	if err := s.AddPool(pool); err != nil {
		b.Fatal(err)
	}
	if err := s.ReserveSorted(allocs); err != nil {
		b.Fatal(err)
	}
	after := heapInUse()
	runtime.KeepAlive(allocs)
	return s, float64(int64(after)-int64(before)) / float64(max(1, len(allocs)))
}

func benchAllocRelease(b *testing.B, pool netip.Prefix, bits int, allocs []netip.Prefix) {
	s, perAlloc := build(b, pool, allocs)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := s.Allocate(bits, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Release(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(perAlloc, "B/alloc")
	b.ReportMetric(float64(s.live), "freeIntervals")
}

var (
	v4pool8  = netip.MustParsePrefix("10.0.0.0/8")
	v6pool32 = netip.MustParsePrefix("2001:db8::/32")
)

// BenchmarkAllocate times one Allocate of the lowest free block plus the
// Release that undoes it, with n live allocations.
func BenchmarkAllocate(b *testing.B) {
	b.Run("v4-/24-in-/8/held=1k", func(b *testing.B) {
		benchAllocRelease(b, v4pool8, 24, blocks(v4pool8, 24, 1000, 0, 2))
	})
	b.Run("v4-/26-in-/8/held=1k", func(b *testing.B) {
		benchAllocRelease(b, v4pool8, 26, blocks(v4pool8, 26, 1000, 0, 2))
	})
	b.Run("v4-/26-in-/8/held=100k", func(b *testing.B) {
		benchAllocRelease(b, v4pool8, 26, blocks(v4pool8, 26, 100_000, 0, 2))
	})
	b.Run("v4-/24-in-/8/held=65535-last-free", func(b *testing.B) {
		// Every /24 but the last has its low /25 allocated: 65,535 free /25s
		// must be skipped to find the only free /24.
		benchAllocRelease(b, v4pool8, 24, blocks(v4pool8, 25, 65535, 0, 2))
	})
	b.Run("v6-/64-in-/32/held=1k", func(b *testing.B) {
		benchAllocRelease(b, v6pool32, 64, blocks(v6pool32, 64, 1000, 0, 2))
	})
	b.Run("v6-/64-in-/32/held=1M", func(b *testing.B) {
		benchAllocRelease(b, v6pool32, 64, blocks(v6pool32, 64, 1_000_000, 0, 2))
	})
	b.Run("v6-/64-in-/32/held=1M-constrained", func(b *testing.B) {
		// Allowed: the upper half of the /32; Disallowed: 8 ranges in it.
		c := &Constraints{Allowed: []netip.Prefix{netip.MustParsePrefix("2001:db8:8000::/33")}}
		for i := range 8 {
			c.Disallowed = append(c.Disallowed, netip.MustParsePrefix(fmt.Sprintf("2001:db8:8000:%x::/64", i*2)))
		}
		allocs := append(blocks(v6pool32, 64, 500_000, 0, 2), blocks(v6pool32, 64, 500_000, 1<<31, 2)...)
		s, perAlloc := build(b, v6pool32, allocs)
		for b.Loop() {
			p, err := s.Allocate(64, c)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Release(p); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(perAlloc, "B/alloc")
	})
}

// BenchmarkChurn releases a random live /64 and allocates the lowest free /64,
// keeping 1M allocations live (one op = one Release + one Allocate).
func BenchmarkChurn(b *testing.B) {
	for _, n := range []int{1000, 1_000_000} {
		b.Run(fmt.Sprintf("v6-/64/held=%d", n), func(b *testing.B) {
			allocs := blocks(v6pool32, 64, n, 0, 2)
			s, perAlloc := build(b, v6pool32, allocs)
			live := append([]netip.Prefix(nil), allocs...)
			r := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				i := r.IntN(len(live))
				if err := s.Release(live[i]); err != nil {
					b.Fatal(err)
				}
				p, err := s.Allocate(64, nil)
				if err != nil {
					b.Fatal(err)
				}
				live[i] = p
			}
			b.ReportMetric(perAlloc, "B/alloc")
		})
	}
}

// BenchmarkReserve reserves an exact free /64 (a random hole) and releases it
// again, with n live allocations.
func BenchmarkReserve(b *testing.B) {
	for _, n := range []int{1000, 1_000_000} {
		b.Run(fmt.Sprintf("v6-/64/held=%d", n), func(b *testing.B) {
			s, perAlloc := build(b, v6pool32, blocks(v6pool32, 64, n, 0, 2))
			holes := blocks(v6pool32, 64, n, 1, 2)
			r := rand.New(rand.NewPCG(3, 4))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p := holes[r.IntN(len(holes))]
				if err := s.Reserve(p); err != nil {
					b.Fatal(err)
				}
				if err := s.Release(p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(perAlloc, "B/alloc")
		})
	}
}

// BenchmarkBuild builds a Set holding 1M allocations (every other /64 of an
// IPv6 /32, ascending), as the IPAM layer does when loading from its store.
func BenchmarkBuild(b *testing.B) {
	const n = 1_000_000
	allocs := blocks(v6pool32, 64, n, 0, 2)
	b.Run("ReserveSorted/1M", func(b *testing.B) {
		var s *Set
		for b.Loop() {
			s = New()
			_ = s.AddPool(v6pool32)
			if err := s.ReserveSorted(allocs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/alloc")
		_, perAlloc := build(b, v6pool32, allocs)
		b.ReportMetric(perAlloc, "B/alloc")
	})
	b.Run("Reserve-loop/1M", func(b *testing.B) {
		for b.Loop() {
			s := New()
			_ = s.AddPool(v6pool32)
			for _, p := range allocs {
				if err := s.Reserve(p); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/alloc")
	})
}
