package ipam

import (
	"net/netip"
	"slices"
	"testing"
)

// overlapping puts the sync's own writes over an answer asked before them,
// as a fresh lookup would see them.
func TestOverlappingAfterWrites(t *testing.T) {
	row := func(id, vpc, cidr string) *ResourceCIDR {
		return &ResourceCIDR{ScopeID: "s", ResourceID: id, VpcID: vpc, CIDR: netip.MustParsePrefix(cidr)}
	}
	r := row("vpc-new", "vpc-new", "10.0.1.0/24")
	a, b := row("vpc-a", "vpc-a", "10.0.0.0/16"), row("vpc-b", "vpc-b", "10.0.0.0/20")
	ids := func(rs []*ResourceCIDR) []string {
		var out []string
		for _, x := range rs {
			out = append(out, x.ResourceID+" "+x.CIDR.String())
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		name  string
		write func(m *monitorState)
		want  []string
	}{
		{"nothing written", func(m *monitorState) {}, []string{"vpc-a 10.0.0.0/16", "vpc-b 10.0.0.0/20"}},
		{"one deleted", func(m *monitorState) { m.wrote(b, nil) }, []string{"vpc-a 10.0.0.0/16"}},
		{"one changed", func(m *monitorState) {
			c := *a
			c.Name = "renamed"
			m.wrote(a, &c)
		}, []string{"vpc-a 10.0.0.0/16", "vpc-b 10.0.0.0/20"}},
		{"new overlapping rows", func(m *monitorState) {
			m.wrote(row("vpc-c", "vpc-c", "10.0.1.128/25"), row("vpc-c", "vpc-c", "10.0.1.128/25"))
			m.wrote(row("subnet-1", "vpc-b", "10.0.1.0/26"), row("subnet-1", "vpc-b", "10.0.1.0/26"))
		}, []string{"subnet-1 10.0.1.0/26", "vpc-a 10.0.0.0/16", "vpc-b 10.0.0.0/20", "vpc-c 10.0.1.128/25"}},
		{"new rows that do not count", func(m *monitorState) {
			m.wrote(row("vpc-d", "vpc-d", "10.0.2.0/24"), row("vpc-d", "vpc-d", "10.0.2.0/24"))           // beside it
			m.wrote(row("subnet-2", "vpc-new", "10.0.1.0/28"), row("subnet-2", "vpc-new", "10.0.1.0/28")) // its own VPC
			x := row("vpc-e", "vpc-e", "10.0.1.0/24")
			x.ScopeID = "other"
			m.wrote(x, x) // another scope
			m.wrote(row("vpc-f", "vpc-f", "fd00::/56"), row("vpc-f", "vpc-f", "fd00::/56"))
		}, []string{"vpc-a 10.0.0.0/16", "vpc-b 10.0.0.0/20"}},
		{"written then deleted", func(m *monitorState) {
			c := row("vpc-c", "vpc-c", "10.0.1.128/25")
			m.wrote(c, c)
			m.wrote(c, nil)
		}, []string{"vpc-a 10.0.0.0/16", "vpc-b 10.0.0.0/20"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &monitorState{near: map[string][]*ResourceCIDR{lookupKey("s", r.CIDR, r.VpcID): {a, b}}}
			c.write(m)
			got, ok := m.overlapping(r)
			if !ok {
				t.Fatal("the lookup asked ahead is not found")
			}
			if !slices.Equal(ids(got), c.want) {
				t.Fatalf("got %q, want %q", ids(got), c.want)
			}
			if _, ok := m.overlapping(row("vpc-z", "vpc-z", "10.9.0.0/16")); ok {
				t.Fatal("a lookup nobody asked ahead is answered")
			}
		})
	}
}
