package cidr

import (
	"net/netip"
	"testing"
)

// Generation moves on every successful mutation and on no failed one: the
// IPAM layer keeps a cached Set across a rolled-back transaction only when
// its generation did not move.
func TestGeneration(t *testing.T) {
	s := New()
	mp := netip.MustParsePrefix
	steps := []struct {
		name string
		do   func() error
		ok   bool
	}{
		{"add pool", func() error { return s.AddPool(mp("10.0.0.0/24")) }, true},
		{"add overlapping pool", func() error { return s.AddPool(mp("10.0.0.0/25")) }, false},
		{"allocate", func() error { _, err := s.Allocate(25, nil); return err }, true},
		{"allocate too big", func() error { _, err := s.Allocate(24, nil); return err }, false},
		{"preview", func() error { _, err := s.Preview(25, nil); return err }, false},
		{"reserve taken", func() error { return s.Reserve(mp("10.0.0.0/26")) }, false},
		{"reserve", func() error { return s.Reserve(mp("10.0.0.128/26")) }, true},
		{"release free", func() error { return s.Release(mp("10.0.0.192/26")) }, false},
		{"release", func() error { return s.Release(mp("10.0.0.128/26")) }, true},
		{"remove pool in use", func() error { return s.RemovePool(mp("10.0.0.0/24")) }, false},
		{"reserve sorted outside", func() error { return s.ReserveSorted([]netip.Prefix{mp("10.1.0.0/26")}) }, false},
	}
	for _, st := range steps {
		before := s.Generation()
		err := st.do()
		moved := s.Generation() != before
		if st.name == "preview" { // read-only: never moves, never fails here
			if err != nil || moved {
				t.Fatalf("%s: err %v, generation moved %v", st.name, err, moved)
			}
			continue
		}
		if (err == nil) != st.ok || moved != st.ok {
			t.Fatalf("%s: err %v, generation moved %v; want success and a move = %v", st.name, err, moved, st.ok)
		}
	}
}
