package ipam

import (
	"strings"
	"testing"
)

// TestIDSourceOrderAndUniqueness: ids of one source increase strictly, even
// past 65,536 in one time step and with the clock going back; two sources
// with different node numbers never make the same id; the shape is AWS's.
func TestIDSourceOrderAndUniqueness(t *testing.T) {
	a, b := &idSource{node: 1}, &idSource{node: 2}
	seen := map[string]bool{}
	last := ""
	for i := range 200_000 {
		if i == 100_000 {
			a.step += 1 << 20 // as if the clock had gone back by ~20 hours
		}
		for _, g := range []*idSource{a, b} {
			id := g.next("subnet-")
			if seen[id] {
				t.Fatalf("id %s made twice", id)
			}
			seen[id] = true
			if g == a {
				if id <= last {
					t.Fatalf("id %s after %s", id, last)
				}
				last = id
			}
		}
	}
	id := a.next("vpc-")
	if hex := strings.TrimPrefix(id, "vpc-"); len(hex) != 17 || hex[0] != '0' || malformedID(id, "vpc-") {
		t.Fatalf("id %q is not in AWS's shape", id)
	}
}
