package ipam

import (
	"regexp"
	"testing"
)

// IDs keep AWS's shapes (reference §2); allocation ids start with their
// creation time, so later ids sort after earlier ones.
func TestIDShapes(t *testing.T) {
	for _, c := range []struct {
		id string
		re *regexp.Regexp
	}{
		{newID("ipam-", 16), regexp.MustCompile(`^ipam-0[0-9a-f]{16}$`)},
		{newID("ipam-pool-cidr-", 32), regexp.MustCompile(`^ipam-pool-cidr-0[0-9a-f]{32}$`)},
		{newAllocationID(), regexp.MustCompile(`^ipam-pool-alloc-0[0-9a-f]{32}$`)},
		{newHistoryID(), regexp.MustCompile(`^[0-9a-f]{31}$`)},
	} {
		if !c.re.MatchString(c.id) {
			t.Errorf("%s does not match %s", c.id, c.re)
		}
	}
	a := newAllocationID()
	for range 1000 {
		if b := newAllocationID(); b[:28] < a[:28] {
			t.Fatalf("%s created after %s sorts before it", b, a)
		}
	}
}

// A history record's id starts with its creation time in nanoseconds, so
// records sort in the order they were made.
func TestHistoryIDsSortByTime(t *testing.T) {
	a := newHistoryID()
	for range 1000 {
		b := newHistoryID()
		if b[:16] < a[:16] {
			t.Fatalf("%s created after %s sorts before it", b, a)
		}
		a = b
	}
	if newHistoryID()[16:] == newHistoryID()[16:] {
		t.Error("two ids have the same random part")
	}
}
