package cidr

import (
	"net/netip"
	"slices"
	"testing"
)

func TestFreeStrip(t *testing.T) {
	mp := netip.MustParsePrefix
	s := New()
	for _, p := range []string{"10.0.0.0/24", "10.0.2.0/24"} {
		if err := s.AddPool(mp(p)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"10.0.0.0/26", "10.0.0.192/27", "10.0.2.128/25"} {
		if err := s.Reserve(mp(p)); err != nil {
			t.Fatal(err)
		}
	}
	v6 := New()
	if err := v6.AddPool(mp("2001:db8::/32")); err != nil {
		t.Fatal(err)
	}
	if err := v6.Reserve(mp("2001:db8::/34")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		set  *Set
		p    string
		n    int
		want []float64
	}{
		{s, "10.0.0.0/24", 4, []float64{0, 1, 1, 0.5}},
		{s, "10.0.0.0/24", 5, []float64{0, 1, 1, 0.5}}, // rounded down to 4
		{s, "10.0.2.0/24", 2, []float64{1, 0}},
		{s, "10.0.0.0/24", 1, []float64{0.625}},
		{s, "10.0.0.0/30", 8, []float64{0, 0, 0, 0}}, // capped at the prefix's 4 addresses
		{s, "10.0.1.0/24", 2, []float64{0, 0}},       // not provisioned: nothing free
		{s, "10.0.0.0/22", 4, []float64{0.625, 0, 0.5, 0}},
		{v6, "2001:db8::/32", 4, []float64{0, 1, 1, 1}},
		{New(), "10.0.0.0/8", 2, []float64{0, 0}},
	} {
		got, err := tc.set.FreeStrip(mp(tc.p), tc.n)
		if err != nil {
			t.Fatalf("%s/%d: %v", tc.p, tc.n, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("FreeStrip(%s, %d) = %v, want %v", tc.p, tc.n, got, tc.want)
		}
	}
	if _, err := s.FreeStrip(mp("2001:db8::/32"), 4); err == nil {
		t.Error("wrong family accepted")
	}
}

// A slice with more free intervals than FreeStrip reads gets the share of
// the part it read; with free space evenly spread that is exact, and the
// work per slice stays bounded.
func TestFreeStripFragmented(t *testing.T) {
	s := New()
	pool := netip.MustParsePrefix("10.0.0.0/16")
	if err := s.AddPool(pool); err != nil {
		t.Fatal(err)
	}
	var every []netip.Prefix
	for i := 0; i < 1<<14; i++ { // every other address of the first half
		every = append(every, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 7), byte(i&127) << 1}), 32))
	}
	if err := s.ReserveSorted(every); err != nil {
		t.Fatal(err)
	}
	got, err := s.FreeStrip(pool, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0.5, 0.5, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("FreeStrip = %v, want %v", got, want)
	}
}
