package cidr

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

var mp = netip.MustParsePrefix

func mps(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = mp(s)
	}
	return out
}

func newSet(t testing.TB, pools ...string) *Set {
	t.Helper()
	s := New()
	for _, p := range pools {
		if err := s.AddPool(mp(p)); err != nil {
			t.Fatalf("AddPool(%s): %v", p, err)
		}
	}
	return s
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name    string
		pools   []string
		reserve []string
		bits    int
		c       *Constraints
		want    string // prefix or "" with err
		err     error
	}{
		{"first /28", []string{"172.2.0.0/24"}, nil, 28, nil, "172.2.0.0/28", nil},
		{"disallowed first", []string{"172.2.0.0/24"}, nil, 28, &Constraints{Disallowed: mps("172.2.0.0/28")}, "172.2.0.16/28", nil},
		{"disallowed small inside first block", []string{"172.2.0.0/24"}, nil, 28, &Constraints{Disallowed: mps("172.2.0.4/30")}, "172.2.0.16/28", nil},
		{"disallowed larger than block", []string{"172.2.0.0/24"}, nil, 28, &Constraints{Disallowed: mps("172.2.0.0/25")}, "172.2.0.128/28", nil},
		{"disallowed covers pool", []string{"172.2.0.0/24"}, nil, 28, &Constraints{Disallowed: mps("172.0.0.0/8")}, "", ErrNoSpace},
		{"disallowed ::/0", []string{"2001:db8::/32"}, nil, 64, &Constraints{Disallowed: mps("::/0")}, "", ErrNoSpace},
		{"allowed second half", []string{"172.2.0.0/24"}, nil, 28, &Constraints{Allowed: mps("172.2.0.128/25")}, "172.2.0.128/28", nil},
		{"allowed smaller than block", []string{"172.2.0.0/24"}, nil, 24, &Constraints{Allowed: mps("172.2.0.0/25")}, "", ErrNoSpace},
		{"allowed equal to block", []string{"172.2.0.0/24"}, nil, 25, &Constraints{Allowed: mps("172.2.0.128/25")}, "172.2.0.128/25", nil},
		{"allowed outside pool", []string{"172.2.0.0/24"}, nil, 28, &Constraints{Allowed: mps("10.0.0.0/8")}, "", ErrNoSpace},
		{"allowed adjacent halves do not join", []string{"172.2.0.0/24"}, nil, 24, &Constraints{Allowed: mps("172.2.0.0/25", "172.2.0.128/25")}, "", ErrNoSpace},
		{"allowed plus disallowed", []string{"10.0.0.0/16"}, nil, 26,
			&Constraints{Allowed: mps("10.0.1.0/24", "10.0.0.128/25"), Disallowed: mps("10.0.0.128/26", "10.0.1.0/25")}, "10.0.0.192/26", nil},
		{"allowed nested dedup", []string{"10.0.0.0/16"}, []string{"10.0.4.0/24"}, 24,
			&Constraints{Allowed: mps("10.0.4.0/22", "10.0.4.0/24", "10.0.0.0/8"), Disallowed: mps("10.0.0.0/22")}, "10.0.5.0/24", nil},
		{"disallowed all allowed", []string{"10.0.0.0/16"}, nil, 26,
			&Constraints{Allowed: mps("10.0.1.0/24"), Disallowed: mps("10.0.1.0/25", "10.0.1.128/25")}, "", ErrNoSpace},
		{"skip allocated", []string{"172.2.0.0/24"}, []string{"172.2.0.0/28", "172.2.0.32/27"}, 28, nil, "172.2.0.16/28", nil},
		{"alignment", []string{"172.2.0.0/24"}, []string{"172.2.0.16/28"}, 27, nil, "172.2.0.32/27", nil},
		{"bits shorter than pool", []string{"172.2.0.0/24"}, nil, 23, nil, "", ErrNoSpace},
		{"bits out of range v4", []string{"172.2.0.0/24"}, nil, 33, nil, "", ErrFamily},
		{"bits negative", []string{"172.2.0.0/24"}, nil, -1, nil, "", ErrFamily},
		{"bits out of range v6", []string{"2001:db8::/32"}, nil, 129, nil, "", ErrFamily},
		{"constraint family", []string{"172.2.0.0/24"}, nil, 28, &Constraints{Allowed: mps("2001:db8::/32")}, "", ErrFamily},
		{"constraint not canonical", []string{"172.2.0.0/24"}, nil, 28, &Constraints{Disallowed: mps("172.2.0.1/28")}, "", ErrNotCanonical},
		{"no pools", nil, nil, 24, nil, "", ErrNoSpace},
		{"v4 /0 whole", []string{"0.0.0.0/0"}, nil, 0, nil, "0.0.0.0/0", nil},
		{"v4 /0 /32", []string{"0.0.0.0/0"}, []string{"0.0.0.0/32"}, 32, nil, "0.0.0.1/32", nil},
		{"v4 /32 pool", []string{"10.9.8.7/32"}, nil, 32, nil, "10.9.8.7/32", nil},
		{"v4 /32 pool full", []string{"10.9.8.7/32"}, []string{"10.9.8.7/32"}, 32, nil, "", ErrNoSpace},
		{"v6 ::/0 whole", []string{"::/0"}, nil, 0, nil, "::/0", nil},
		{"v6 ::/0 top half", []string{"::/0"}, []string{"::/1"}, 1, nil, "8000::/1", nil},
		{"v6 ::/0 last /128", []string{"::/0"}, nil, 128,
			&Constraints{Allowed: mps("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")}, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", nil},
		{"v6 /128 pool", []string{"2001:db8::1/128"}, nil, 128, nil, "2001:db8::1/128", nil},
		{"v6 /112 from /32", []string{"2001:db8::/32"}, []string{"2001:db8::/112"}, 112, nil, "2001:db8::1:0/112", nil},
		{"v6 /64 from /8", []string{"2000::/8"}, []string{"2000::/64"}, 64, nil, "2000:0:0:1::/64", nil},
		{"v6 disallow first half", []string{"2001:db8::/32"}, nil, 64, &Constraints{Disallowed: mps("2001:db8::/33")}, "2001:db8:8000::/64", nil},
		{"several pools lowest wins", []string{"10.0.2.0/24", "10.0.0.0/24", "10.0.1.0/24"}, []string{"10.0.0.0/24"}, 28, nil, "10.0.1.0/28", nil},
		{"several pools first fits", []string{"10.0.0.0/28", "10.0.1.0/24"}, nil, 27, nil, "10.0.1.0/27", nil},
		{"adjacent pools do not join", []string{"10.0.0.0/25", "10.0.0.128/25"}, nil, 24, nil, "", ErrNoSpace},
		{"adjacent pools lowest", []string{"10.0.0.128/25", "10.0.0.0/25"}, []string{"10.0.0.0/26"}, 25, nil, "10.0.0.128/25", nil},
		{"ipv4-mapped is v6", []string{"::ffff:10.0.0.0/120"}, nil, 124, nil, "::ffff:10.0.0.0/124", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSet(t, tc.pools...)
			for _, r := range tc.reserve {
				if err := s.Reserve(mp(r)); err != nil {
					t.Fatalf("Reserve(%s): %v", r, err)
				}
			}
			before := freeBlocks(s)
			pv, perr := s.Preview(tc.bits, tc.c)
			if !slices.Equal(before, freeBlocks(s)) {
				t.Fatal("Preview changed the set")
			}
			got, err := s.Allocate(tc.bits, tc.c)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !errors.Is(perr, tc.err) {
					t.Fatalf("got %v, %v / preview %v; want error %v", got, err, perr, tc.err)
				}
				if !slices.Equal(before, freeBlocks(s)) {
					t.Fatal("failed Allocate changed the set")
				}
				return
			}
			if err != nil || got != mp(tc.want) || pv != got {
				t.Fatalf("got %v, %v (preview %v, %v); want %s", got, err, pv, perr, tc.want)
			}
			if s.IsFree(got) || !s.Contains(got) {
				t.Fatalf("%s still free or outside", got)
			}
			checkInvariants(t, s)
			if err := s.Release(got); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(before, freeBlocks(s)) {
				t.Fatalf("release is not the inverse: %v vs %v", freeBlocks(s), before)
			}
		})
	}
}

func TestPools(t *testing.T) {
	s := New()
	for _, tc := range []struct {
		p   string
		err error
	}{
		{"10.0.1.0/24", nil},
		{"10.0.0.0/24", nil},
		{"10.0.0.0/16", ErrPoolOverlap},
		{"10.0.1.128/25", ErrPoolOverlap},
		{"10.0.2.1/24", ErrNotCanonical},
		{"2001:db8::/32", ErrFamily},
		{"10.0.2.0/24", nil},
	} {
		if err := s.AddPool(mp(tc.p)); !sameErr(err, tc.err) {
			t.Fatalf("AddPool(%s) = %v, want %v", tc.p, err, tc.err)
		}
	}
	if err := s.AddPool(netip.Prefix{}); !errors.Is(err, ErrNotCanonical) {
		t.Fatalf("AddPool(invalid) = %v", err)
	}
	if got, want := s.Pools(), mps("10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"); !slices.Equal(got, want) {
		t.Fatalf("Pools = %v", got)
	}
	for p, want := range map[string]bool{"10.0.0.0/24": true, "10.0.1.5/32": true, "10.0.0.0/23": false, "10.0.3.0/24": false, "2001:db8::/64": false} {
		if s.Contains(mp(p)) != want {
			t.Errorf("Contains(%s) != %v", p, want)
		}
	}
	for p, want := range map[string]bool{"10.0.0.0/8": true, "10.0.1.5/32": true, "10.0.3.0/24": false, "0.0.0.0/0": true, "2001:db8::/64": false} {
		if s.Overlaps(mp(p)) != want {
			t.Errorf("Overlaps(%s) != %v", p, want)
		}
	}
	if err := s.Reserve(mp("10.0.1.64/26")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p   string
		err error
	}{
		{"10.0.1.0/24", ErrInUse},
		{"10.0.1.0/25", ErrNotInPool},
		{"10.0.0.0/23", ErrNotInPool},
		{"10.0.1.1/24", ErrNotCanonical},
		{"2001:db8::/32", ErrFamily},
		{"10.0.0.0/24", nil},
		{"10.0.0.0/24", ErrNotInPool},
	} {
		if err := s.RemovePool(mp(tc.p)); !sameErr(err, tc.err) {
			t.Fatalf("RemovePool(%s) = %v, want %v", tc.p, err, tc.err)
		}
	}
	if err := s.Release(mp("10.0.1.64/26")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"10.0.1.0/24", "10.0.2.0/24"} {
		if err := s.RemovePool(mp(p)); err != nil {
			t.Fatal(err)
		}
	}
	checkInvariants(t, s)
	// With every pool gone the family resets.
	if err := s.AddPool(mp("2001:db8::/32")); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.LargestFree(); !ok {
		t.Fatal("LargestFree not ok")
	}
}

func TestReserveRelease(t *testing.T) {
	s := newSet(t, "10.0.0.0/16", "10.2.0.0/24")
	for _, tc := range []struct {
		op  string
		p   string
		err error
	}{
		{"reserve", "10.0.1.0/24", nil},
		{"reserve", "10.0.1.0/24", ErrOverlap},
		{"reserve", "10.0.1.1/24", ErrNotCanonical},
		{"reserve", "10.1.0.0/24", ErrNotInPool},
		{"reserve", "10.0.0.0/15", ErrNotInPool},
		{"reserve", "2001:db8::/64", ErrFamily},
		{"reserve", "10.2.0.255/32", nil},
		{"release", "10.0.0.0/23", ErrNotAllocated},
		{"release", "10.0.2.0/24", ErrNotAllocated},
		{"release", "10.1.0.0/24", ErrNotInPool},
		{"release", "10.0.1.0/25", nil}, // partial release is allowed
		{"release", "10.0.1.0/25", ErrNotAllocated},
		{"release", "10.0.1.128/25", nil},
		{"release", "10.2.0.255/32", nil},
		{"release", "10.0.0.0/16", ErrNotAllocated},
	} {
		var err error
		if tc.op == "reserve" {
			err = s.Reserve(mp(tc.p))
		} else {
			err = s.Release(mp(tc.p))
		}
		if !sameErr(err, tc.err) {
			t.Fatalf("%s(%s) = %v, want %v", tc.op, tc.p, err, tc.err)
		}
		checkInvariants(t, s)
	}
	if got := freeBlocks(s); !slices.Equal(got, mps("10.0.0.0/16", "10.2.0.0/24")) {
		t.Fatalf("free = %v", got)
	}
}

func TestOverlapError(t *testing.T) {
	s := newSet(t, "10.0.0.0/16")
	for _, p := range []string{"10.0.1.0/24", "10.0.2.0/25", "10.0.0.4/30"} {
		if err := s.Reserve(mp(p)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ req, addr, pfx string }{
		{"10.0.0.0/23", "10.0.0.4", "10.0.0.4/30"},
		{"10.0.1.0/24", "10.0.1.0", "10.0.1.0/24"},
		{"10.0.2.0/24", "10.0.2.0", "10.0.2.0/25"},
		{"10.0.1.128/25", "10.0.1.128", "10.0.1.128/25"},
		{"10.0.0.0/16", "10.0.0.4", "10.0.0.4/30"},
		{"10.0.0.6/31", "10.0.0.6", "10.0.0.6/31"},
	} {
		err := s.Reserve(mp(tc.req))
		var oe *OverlapError
		if !errors.Is(err, ErrOverlap) || !errors.As(err, &oe) {
			t.Fatalf("Reserve(%s) = %v", tc.req, err)
		}
		if oe.Addr != netip.MustParseAddr(tc.addr) || oe.Prefix != mp(tc.pfx) || oe.Requested != mp(tc.req) {
			t.Fatalf("Reserve(%s): %+v, want %s %s", tc.req, oe, tc.addr, tc.pfx)
		}
	}
}

func TestIsFree(t *testing.T) {
	s := newSet(t, "10.0.0.0/25", "10.0.0.128/25", "10.0.2.0/24")
	if err := s.Reserve(mp("10.0.2.16/28")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"10.0.0.0/24":  true, // spans two adjacent free pools
		"10.0.0.0/23":  false,
		"10.0.2.0/28":  true,
		"10.0.2.0/27":  false,
		"10.0.2.16/28": false,
		"10.0.2.32/27": true,
		"10.0.3.0/24":  false,
		"0.0.0.0/0":    false,
		"::/0":         false,
	} {
		if s.IsFree(mp(p)) != want {
			t.Errorf("IsFree(%s) != %v", p, want)
		}
	}
	if err := s.Reserve(mp("10.0.0.0/24")); !errors.Is(err, ErrNotInPool) {
		t.Fatalf("Reserve across pools = %v", err)
	}
	if b, ok := s.LargestFree(); !ok || b != 25 {
		t.Fatalf("LargestFree = %d %v", b, ok)
	}
}

func TestReleaseMergesBack(t *testing.T) {
	for _, pools := range [][]string{
		{"10.0.0.0/16"},
		{"10.0.0.0/22", "10.0.4.0/22", "10.1.0.0/24"},
		{"2001:db8::/48", "2001:db8:1::/48"},
		{"::/0"},
		{"0.0.0.0/0"},
	} {
		s := newSet(t, pools...)
		w := s.width
		r := rand.New(rand.NewPCG(1, 2))
		var got []netip.Prefix
		for range 2000 {
			base, _ := s.LargestFree()
			p, err := s.Allocate(min(w, base+r.IntN(12)), nil)
			if errors.Is(err, ErrNoSpace) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p)
		}
		if s.Allocated().IsZero() {
			t.Fatal("nothing allocated")
		}
		checkInvariants(t, s)
		r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		for _, p := range got {
			if err := s.Release(p); err != nil {
				t.Fatalf("Release(%s): %v", p, err)
			}
		}
		checkInvariants(t, s)
		if fb := freeBlocks(s); !slices.Equal(fb, s.Pools()) {
			t.Fatalf("after release free = %v, want %v", fb, s.Pools())
		}
		if !s.Allocated().IsZero() || s.Free() != s.Total() {
			t.Fatalf("counts: %s %s %s", s.Total(), s.Free(), s.Allocated())
		}
	}
}

func TestCounts(t *testing.T) {
	s := newSet(t, "::/0")
	const two128 = "340282366920938463463374607431768211456"
	if s.Total().String() != two128 || s.Free().String() != two128 || !s.Allocated().IsZero() {
		t.Fatalf("::/0 counts %s %s %s", s.Total(), s.Free(), s.Allocated())
	}
	if b, ok := s.LargestFree(); b != 0 || !ok {
		t.Fatalf("LargestFree %d %v", b, ok)
	}
	p, err := s.Allocate(0, nil)
	if err != nil || p != mp("::/0") {
		t.Fatal(p, err)
	}
	if !s.Free().IsZero() || s.Allocated().String() != two128 || s.Allocated().Float64() != 0x1p128 {
		t.Fatalf("full counts %s %s", s.Free(), s.Allocated())
	}
	if _, ok := s.LargestFree(); ok {
		t.Fatal("LargestFree ok on a full set")
	}
	if _, err := s.Allocate(128, nil); !errors.Is(err, ErrNoSpace) {
		t.Fatal(err)
	}
	if err := s.Release(mp("8000::/1")); err != nil {
		t.Fatal(err)
	}
	if s.Free().String() != "170141183460469231731687303715884105728" || s.Free().Cmp(s.Allocated()) != 0 {
		t.Fatalf("half: %s %s", s.Free(), s.Allocated())
	}
	if s.Free().Float64()/s.Total().Float64() != 0.5 {
		t.Fatal("utilization")
	}
	if err := s.Reserve(mp("ffff::/128")); err != nil {
		t.Fatal(err)
	}
	if s.Allocated().String() != "170141183460469231731687303715884105729" {
		t.Fatalf("allocated %s", s.Allocated())
	}
	if err := s.Release(mp("::/1")); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Allocated().Uint64(); !ok || v != 1 {
		t.Fatal(v, ok)
	}

	v4 := newSet(t, "0.0.0.0/0")
	if v4.Total().String() != "4294967296" {
		t.Fatal(v4.Total())
	}
	if v, ok := v4.Total().Uint64(); !ok || v != 1<<32 {
		t.Fatal(v)
	}
	if (Count{}).Cmp(blockCount(0)) != -1 || blockCount(128).Cmp(blockCount(127)) != 1 || blockCount(64).String() != "18446744073709551616" {
		t.Fatal("Cmp/String")
	}
}

func TestReserveSorted(t *testing.T) {
	for _, large := range []bool{true, false} {
		s := newSet(t, "10.0.0.0/16", "10.2.0.0/24")
		if !large {
			// Fragment the set so the small-batch path is taken.
			for i := range 1024 {
				if err := s.Reserve(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(i / 4), byte(i%4*64 + 32)}), 27)); err != nil {
					t.Fatal(err)
				}
			}
		}
		before := freeBlocks(s)
		bad := [][]netip.Prefix{
			mps("10.0.1.0/24", "10.0.0.0/24"),                  // descending
			mps("10.0.1.0/24", "10.0.1.128/25"),                // overlapping
			mps("10.0.1.0/27", "10.1.0.0/24"),                  // not in pool
			mps("10.0.1.0/27", "10.0.1.64/26", "10.0.1.32/27"), // conflict at the end if fragmented; unsorted
			mps("10.0.0.0/26", "10.0.0.32/27"),
		}
		for _, ps := range bad {
			if err := s.ReserveSorted(ps); err == nil {
				t.Fatalf("ReserveSorted(%v) succeeded", ps)
			}
			if !slices.Equal(before, freeBlocks(s)) {
				t.Fatalf("failed ReserveSorted(%v) changed the set", ps)
			}
		}
		ps := mps("10.0.0.0/27", "10.0.1.0/27", "10.0.1.64/27", "10.0.255.0/27", "10.2.0.0/24")
		err := s.ReserveSorted(ps)
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, s)
		for _, p := range ps {
			if s.IsFree(p) || s.Reserve(p) == nil {
				t.Fatalf("%s not reserved", p)
			}
		}
		err = s.ReserveSorted(mps("10.0.2.0/27", "10.0.255.0/26"))
		var oe *OverlapError
		if !errors.As(err, &oe) || oe.Addr != netip.MustParseAddr("10.0.255.0") {
			t.Fatalf("conflict: %v", err)
		}
		for _, p := range ps {
			if err := s.Release(p); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(before, freeBlocks(s)) {
			t.Fatal("release after ReserveSorted did not restore")
		}
	}
}

// TestReserveSortedMatchesReserve compares the rebuild path with per-prefix
// Reserve on random fragmented input.
func TestReserveSortedMatchesReserve(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for range 20 {
		a := newSet(t, "10.0.0.0/20", "10.0.16.0/24")
		b := newSet(t, "10.0.0.0/20", "10.0.16.0/24")
		var ps []netip.Prefix
		for off := 0; off < 4096+256; {
			bits := 32 - r.IntN(5)
			size := 1 << (32 - bits)
			off = (off + size - 1) &^ (size - 1)
			if off+size > 4096+256 {
				break
			}
			if r.IntN(2) == 0 {
				ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(off >> 8), byte(off)}), bits))
			}
			off += size
		}
		for _, p := range ps {
			if err := a.Reserve(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.ReserveSorted(ps); err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, b)
		if !slices.Equal(freeBlocks(a), freeBlocks(b)) || a.Free() != b.Free() {
			t.Fatal("ReserveSorted differs from Reserve")
		}
		// The rebuilt tree keeps working.
		for range 200 {
			bits := 32 - r.IntN(6)
			pa, ea := a.Allocate(bits, nil)
			pb, eb := b.Allocate(bits, nil)
			if pa != pb || (ea == nil) != (eb == nil) || errors.Is(ea, ErrNoSpace) != errors.Is(eb, ErrNoSpace) {
				t.Fatalf("after rebuild: %v %v vs %v %v", pa, ea, pb, eb)
			}
		}
		checkInvariants(t, b)
	}
}

func TestHugeSpacesAreFast(t *testing.T) {
	// Would take forever if blocks were enumerated.
	s := newSet(t, "2000::/8")
	for i := range 1000 {
		p, err := s.Allocate(64, &Constraints{Disallowed: mps("2000::/16")})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && p != mp("2001::/64") {
			t.Fatal(p)
		}
	}
	p, err := s.Allocate(128, &Constraints{Allowed: mps("20ff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120")})
	if err != nil || p != mp("20ff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/128") {
		t.Fatal(p, err)
	}
	v6 := newSet(t, "2001:db8::/32")
	for range 1000 {
		if _, err := v6.Allocate(112, nil); err != nil {
			t.Fatal(err)
		}
	}
	if p, _ := v6.Preview(112, nil); p != mp("2001:db8::3e8:0/112") {
		t.Fatal(p)
	}
	checkInvariants(t, s)
	checkInvariants(t, v6)
}
