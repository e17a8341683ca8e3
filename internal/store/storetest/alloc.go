package storetest

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

func testAllocation(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	p := h.seedPool(owner, "ipam-pool-a", "ipv4")
	p6 := h.seedPool(owner, "ipam-pool-b", "ipv6")
	full := &ipam.Allocation{ID: "ipam-pool-alloc-1", PoolID: p.ID, OwnerID: owner,
		CIDR: netip.MustParsePrefix("10.0.0.0/24"), Description: "web", ResourceID: "vpc-1",
		ResourceType: "vpc", ResourceRegion: "eu-west-1", ResourceOwner: "333333333333",
		Tags: []ipam.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: ""}}}
	bare := newAlloc(p6, "ipam-pool-alloc-2", "2001:db8::/48")
	bare.Tags = []ipam.Tag{}
	host := newAlloc(p, "ipam-pool-alloc-3", "10.0.1.7/32")
	h.update(func(tx ipam.Tx) error {
		for _, a := range []*ipam.Allocation{full, bare, host} {
			if err := tx.InsertAllocation(a); err != nil {
				return err
			}
		}
		return nil
	})
	wantBare := *bare
	wantBare.Tags = nil
	h.view(func(tx ipam.Tx) error {
		for _, want := range []*ipam.Allocation{full, &wantBare, host} {
			got, err := tx.GetAllocation(want.ID)
			if err != nil {
				return err
			}
			equal(t, "GetAllocation "+want.ID, got, want)
		}
		return nil
	})
	// The same under the pools' locks, where PostgreSQL holds the rows back
	// and sends them together: read back in the same transaction, and after.
	locked := []*ipam.Allocation{
		{ID: "ipam-pool-alloc-l1", PoolID: p.ID, OwnerID: owner, CIDR: netip.MustParsePrefix("10.0.2.0/24"),
			Description: "locked", ResourceID: "vpc-2", ResourceType: "vpc", ResourceRegion: "eu-west-1",
			ResourceOwner: "333333333333", Tags: []ipam.Tag{{Key: "k", Value: "v"}}},
		newAlloc(p6, "ipam-pool-alloc-l2", "2001:db8:1::/48"),
		newAlloc(p, "ipam-pool-alloc-l3", "10.0.3.0/25"),
	}
	h.update(func(tx ipam.Tx) error {
		for _, id := range []string{p.ID, p6.ID} {
			if _, err := tx.LockPool(owner, id); err != nil {
				return err
			}
		}
		for _, a := range locked {
			if err := tx.InsertAllocation(a); err != nil {
				return err
			}
		}
		for _, want := range locked {
			got, err := tx.GetAllocation(want.ID)
			if err != nil {
				return err
			}
			equal(t, "GetAllocation in the inserting transaction "+want.ID, got, want)
		}
		return nil
	})
	h.view(func(tx ipam.Tx) error {
		for _, want := range locked {
			got, err := tx.GetAllocation(want.ID)
			if err != nil {
				return err
			}
			equal(t, "GetAllocation "+want.ID, got, want)
		}
		return nil
	})
	h.wantViewErr(ipam.ErrNotFound, "GetAllocation of a missing id", func(tx ipam.Tx) error {
		_, err := tx.GetAllocation("ipam-pool-alloc-missing")
		return err
	})
	h.wantErr(ipam.ErrConflict, "InsertAllocation of an existing id", func(tx ipam.Tx) error {
		return tx.InsertAllocation(newAlloc(p, full.ID, "10.9.0.0/24"))
	})

	// UpdateAllocation changes the description and tags only.
	changed := *full
	changed.Description, changed.Tags = "", []ipam.Tag{{Key: "c", Value: "3"}}
	attempt := changed
	attempt.CIDR, attempt.ResourceID, attempt.ResourceType = netip.MustParsePrefix("10.0.9.0/24"), "vpc-9", "subnet"
	h.update(func(tx ipam.Tx) error { return tx.UpdateAllocation(&attempt) })
	h.view(func(tx ipam.Tx) error {
		got, err := tx.GetAllocation(full.ID)
		if err == nil {
			equal(t, "updated allocation", got, &changed)
		}
		return err
	})
	h.wantErr(ipam.ErrNotFound, "UpdateAllocation of a missing id", func(tx ipam.Tx) error {
		return tx.UpdateAllocation(newAlloc(p, "ipam-pool-alloc-missing", "10.0.0.0/8"))
	})
	h.update(func(tx ipam.Tx) error { return tx.DeleteAllocation(full.ID) })
	h.wantViewErr(ipam.ErrNotFound, "GetAllocation after DeleteAllocation", func(tx ipam.Tx) error {
		_, err := tx.GetAllocation(full.ID)
		return err
	})
	h.wantErr(ipam.ErrNotFound, "DeleteAllocation of a missing id", func(tx ipam.Tx) error {
		return tx.DeleteAllocation(full.ID)
	})
	// The freed CIDR can be allocated again.
	h.update(func(tx ipam.Tx) error { return tx.InsertAllocation(newAlloc(p, "ipam-pool-alloc-4", "10.0.0.0/24")) })
}

func testOverlap(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	for _, tc := range []struct {
		family, existing string
		refused, allowed []string
		// refusedLater overlap the allowed ones only, some by one address
		// at their very end.
		refusedLater []string
	}{
		{"ipv4", "10.1.0.0/16",
			[]string{"10.1.0.0/16", "10.0.0.0/8", "10.1.0.0/15", "10.1.2.0/24", "10.1.0.0/24", "10.1.255.255/32", "0.0.0.0/0"},
			[]string{"10.0.255.0/24", "10.2.0.0/24", "10.0.254.255/32", "10.2.1.0/32"},
			[]string{"10.0.254.0/24", "10.2.1.0/24", "10.0.255.128/25"}},
		{"ipv6", "2001:db8:1::/48",
			[]string{"2001:db8:1::/48", "2001:db8::/32", "2001:db8:1:ff00::/56", "2001:db8:1::/128", "2001:db8:1:ffff:ffff:ffff:ffff:ffff/128", "::/0"},
			[]string{"2001:db8:0:ffff::/64", "2001:db8:2::/48", "2001:db8:3::/128", "2001:db8:4:0:ffff:ffff:ffff:ffff/128"},
			[]string{"2001:db8:4::/64", "2001:db8:3::/64", "2001:db8:2:1::/64"}},
	} {
		p := h.seedPool(owner, "ipam-pool-"+tc.family, tc.family)
		twin := h.seedPool(owner, "ipam-pool-twin-"+tc.family, tc.family)
		h.update(func(tx ipam.Tx) error {
			return tx.InsertAllocation(newAlloc(p, "ipam-pool-alloc-"+tc.family, tc.existing))
		})
		for i, c := range tc.refused {
			h.wantErr(ipam.ErrConflict, fmt.Sprintf("InsertAllocation %s over %s", c, tc.existing), func(tx ipam.Tx) error {
				return tx.InsertAllocation(newAlloc(p, fmt.Sprintf("ipam-pool-alloc-%s-r%d", tc.family, i), c))
			})
		}
		// The same CIDR in another pool is no conflict.
		h.update(func(tx ipam.Tx) error {
			return tx.InsertAllocation(newAlloc(twin, "ipam-pool-alloc-twin-"+tc.family, tc.existing))
		})
		for i, c := range tc.allowed {
			h.update(func(tx ipam.Tx) error {
				return tx.InsertAllocation(newAlloc(p, fmt.Sprintf("ipam-pool-alloc-%s-a%d", tc.family, i), c))
			})
		}
		for i, c := range tc.refusedLater {
			h.wantErr(ipam.ErrConflict, "InsertAllocation "+c, func(tx ipam.Tx) error {
				return tx.InsertAllocation(newAlloc(p, fmt.Sprintf("ipam-pool-alloc-%s-l%d", tc.family, i), c))
			})
		}
		h.view(func(tx ipam.Tx) error {
			got, err := tx.PoolPrefixes(p.ID)
			if err == nil && len(got) != 1+len(tc.allowed) {
				t.Errorf("%s pool holds %v, want the existing and the allowed CIDRs only", tc.family, got)
			}
			return err
		})
	}
}

func testAllocationAt(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	p := h.seedPool(owner, "ipam-pool-a", "ipv4")
	p6 := h.seedPool(owner, "ipam-pool-b", "ipv6")
	a1 := newAlloc(p, "ipam-pool-alloc-1", "10.0.0.0/24")
	a2 := newAlloc(p, "ipam-pool-alloc-2", "10.0.2.0/23")
	a3 := newAlloc(p6, "ipam-pool-alloc-3", "2001:db8::/64")
	h.update(func(tx ipam.Tx) error {
		for _, a := range []*ipam.Allocation{a2, a1, a3} {
			if err := tx.InsertAllocation(a); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tc := range []struct {
		pool *ipam.Pool
		addr string
		want *ipam.Allocation // nil: ErrNotFound
	}{
		{p, "9.255.255.255", nil},
		{p, "10.0.0.0", a1},
		{p, "10.0.0.255", a1},
		{p, "10.0.1.5", a1}, // the greatest start <= addr, though it does not contain addr
		{p, "10.0.2.0", a2},
		{p, "10.0.3.255", a2},
		{p, "255.255.255.255", a2},
		{p6, "2001:db7::", nil},
		{p6, "2001:db8::1", a3},
		{p6, "ffff::", a3},
	} {
		err := h.s.View(h.ctx, func(tx ipam.Tx) error {
			got, err := tx.AllocationAt(tc.pool.ID, netip.MustParseAddr(tc.addr))
			if err == nil {
				equal(t, "AllocationAt "+tc.addr, got, tc.want)
			}
			return err
		})
		if tc.want == nil && !errIs(err, ipam.ErrNotFound) || tc.want != nil && err != nil {
			t.Errorf("AllocationAt(%s, %s): %v", tc.pool.ID, tc.addr, err)
		}
	}
}

func testPoolPrefixes(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	p := h.seedPool(owner, "ipam-pool-a", "ipv4")
	p6 := h.seedPool(owner, "ipam-pool-b", "ipv6")
	v4 := []string{"10.0.0.0/32", "10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/30", "10.0.1.0/24", "10.128.0.0/9", "192.168.0.0/16", "0.0.0.0/8"}
	v6 := []string{"::/64", "2001:db8::/48", "2001:db8:1::/48", "fd00::/8", "ff00::/8"}
	var want4, want6 []netip.Prefix
	h.update(func(tx ipam.Tx) error {
		// Inserted from last to first.
		for i := len(v4) - 1; i >= 0; i-- {
			if err := tx.InsertAllocation(newAlloc(p, allocID("a", i), v4[i])); err != nil {
				return err
			}
		}
		for i := len(v6) - 1; i >= 0; i-- {
			if err := tx.InsertAllocation(newAlloc(p6, allocID("b", i), v6[i])); err != nil {
				return err
			}
		}
		return nil
	})
	for _, c := range v4 {
		want4 = append(want4, netip.MustParsePrefix(c))
	}
	for _, c := range v6 {
		want6 = append(want6, netip.MustParsePrefix(c))
	}
	sortPrefixes(want4)
	h.view(func(tx ipam.Tx) error {
		got, err := tx.PoolPrefixes(p.ID)
		if err != nil {
			return err
		}
		equal(t, "IPv4 PoolPrefixes", got, want4)
		if got, err = tx.PoolPrefixes(p6.ID); err != nil {
			return err
		}
		equal(t, "IPv6 PoolPrefixes", got, want6)
		if got, err = tx.PoolPrefixes("ipam-pool-empty"); err != nil || len(got) != 0 {
			t.Errorf("PoolPrefixes of an empty pool = %v, %v; want none", got, err)
		}
		return nil
	})
}

func testDeletePoolAllocations(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	p := h.seedPool(owner, "ipam-pool-a", "ipv4")
	q := h.seedPool(owner, "ipam-pool-b", "ipv4")
	h.update(func(tx ipam.Tx) error {
		for i := range 50 {
			c := fmt.Sprintf("10.0.%d.0/24", i)
			if err := tx.InsertAllocation(newAlloc(p, allocID("a", i), c)); err != nil {
				return err
			}
			if err := tx.InsertAllocation(newAlloc(q, allocID("b", i), c)); err != nil {
				return err
			}
		}
		return nil
	})
	h.update(func(tx ipam.Tx) error { return tx.DeletePoolAllocations(p.ID) })
	h.update(func(tx ipam.Tx) error { return tx.DeletePoolAllocations(p.ID) }) // nothing left: not an error
	h.view(func(tx ipam.Tx) error {
		if got, err := tx.PoolPrefixes(p.ID); err != nil || len(got) != 0 {
			t.Errorf("PoolPrefixes after DeletePoolAllocations = %v, %v; want none", got, err)
		}
		if got, err := tx.ListAllocations(ipam.AllocationQuery{PoolID: p.ID}); err != nil || len(got) != 0 {
			t.Errorf("ListAllocations after DeletePoolAllocations = %d rows, %v; want none", len(got), err)
		}
		if _, err := tx.GetAllocation(allocID("a", 7)); !errIs(err, ipam.ErrNotFound) {
			t.Errorf("GetAllocation after DeletePoolAllocations: %v, want ErrNotFound", err)
		}
		got, err := tx.PoolPrefixes(q.ID)
		if err == nil && len(got) != 50 {
			t.Errorf("other pool lost allocations: %d left, want 50", len(got))
		}
		return err
	})
}
