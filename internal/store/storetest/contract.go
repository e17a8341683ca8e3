package storetest

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// testContract pins the rules the stores once applied differently (the
// list next to ipam.Store).
func testContract(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	p := h.seedPool(owner, "ipam-pool-a", "ipv4")
	p6 := h.seedPool(owner, "ipam-pool-b", "ipv6")
	a4 := newAlloc(p, "ipam-pool-alloc-1", "10.0.0.0/24")
	a6 := newAlloc(p6, "ipam-pool-alloc-2", "2001:db8::/64")
	h.update(func(tx ipam.Tx) error {
		if err := tx.InsertAllocation(a4); err != nil {
			return err
		}
		return tx.InsertAllocation(a6)
	})

	// Neither pool nor owner: refused, not every account's rows.
	h.wantViewErr(ipam.ErrUnscopedQuery, "ListAllocations without PoolID or OwnerID", func(tx ipam.Tx) error {
		_, err := tx.ListAllocations(ipam.AllocationQuery{Limit: 10})
		return err
	})

	// A CIDR filter is an exact match: host bits set match nothing.
	pfx := netip.MustParsePrefix
	for _, scope := range []ipam.AllocationQuery{{PoolID: p.ID}, {OwnerID: owner}} {
		for _, tc := range []struct {
			cidrs []netip.Prefix
			want  []string
		}{
			{[]netip.Prefix{pfx("10.0.0.5/24")}, nil},
			{[]netip.Prefix{pfx("10.0.0.0/23")}, nil},
			{[]netip.Prefix{{}}, nil},
			{[]netip.Prefix{pfx("10.0.0.5/24"), pfx("10.0.0.0/24")}, []string{a4.ID}},
			{[]netip.Prefix{pfx("10.0.0.0/24")}, []string{a4.ID}},
		} {
			q := scope
			q.CIDRs = tc.cidrs
			h.view(func(tx ipam.Tx) error {
				got, err := tx.ListAllocations(q)
				if err == nil && !slices.Equal(ids(got), tc.want) {
					t.Errorf("ListAllocations(pool %q owner %q, CIDRs %v) = %v, want %v", q.PoolID, q.OwnerID, tc.cidrs, ids(got), tc.want)
				}
				return err
			})
		}
	}

	// AllocationAt stays in the address's family.
	for _, tc := range []struct {
		pool *ipam.Pool
		addr string
	}{
		{p, "ffff::"},
		{p, "::ffff:10.0.0.1"},
		{p6, "255.255.255.255"},
	} {
		h.wantViewErr(ipam.ErrNotFound, "AllocationAt("+tc.pool.ID+", "+tc.addr+")", func(tx ipam.Tx) error {
			_, err := tx.AllocationAt(tc.pool.ID, netip.MustParseAddr(tc.addr))
			return err
		})
	}
}
