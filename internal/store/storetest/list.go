package storetest

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

func errIs(err, target error) bool { return errors.Is(err, target) }

func sortPrefixes(ps []netip.Prefix) {
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
	})
}

// genAllocs makes n non-overlapping allocations of pool with random prefix
// lengths and gaps: IPv4 /24../32 in 10/8, IPv6 /48../64 in fd00::/8.
func genAllocs(r *rand.Rand, pool *ipam.Pool, n int) []*ipam.Allocation {
	minBits, maxBits := 24, 32
	if pool.AddressFamily == "ipv6" {
		minBits, maxBits = 48, 64
	}
	types := []string{ipam.ResourceCustom, "vpc", "subnet", ipam.ResourceIpamPool}
	var out []*ipam.Allocation
	var next uint64 // in units of the longest prefix
	for i := range n {
		bits := minBits + r.IntN(maxBits-minBits+1)
		size := uint64(1) << (maxBits - bits)
		next = (next + size - 1) &^ (size - 1)
		var addr netip.Addr
		if pool.AddressFamily == "ipv6" {
			var b [16]byte
			binary.BigEndian.PutUint64(b[:8], 0xfd00<<48+next)
			addr = netip.AddrFrom16(b)
		} else {
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], uint32(10<<24+next))
			addr = netip.AddrFrom4(b)
		}
		a := &ipam.Allocation{ID: allocID(pool.ID, i), PoolID: pool.ID, OwnerID: pool.OwnerID,
			CIDR: netip.PrefixFrom(addr, bits), ResourceType: types[i%len(types)], ResourceOwner: pool.OwnerID,
			Description: fmt.Sprint("allocation ", i)}
		if i%4 != 0 {
			a.ResourceID = fmt.Sprintf("vpc-%03d", r.IntN(60))
			a.ResourceRegion = "us-east-1"
		}
		if i%3 == 0 {
			a.Tags = []ipam.Tag{{Key: "n", Value: fmt.Sprint(i)}}
		}
		out = append(out, a)
		next += size * uint64(1+r.IntN(3))
	}
	return out
}

// matches is the reference semantics of AllocationQuery (cursor aside).
func matches(a *ipam.Allocation, q ipam.AllocationQuery) bool {
	switch {
	case q.PoolID != "" && a.PoolID != q.PoolID,
		q.PoolID == "" && a.OwnerID != q.OwnerID,
		len(q.IDs) > 0 && !slices.Contains(q.IDs, a.ID),
		len(q.ResourceIDs) > 0 && !slices.Contains(q.ResourceIDs, a.ResourceID),
		len(q.ResourceTypes) > 0 && !slices.Contains(q.ResourceTypes, a.ResourceType),
		len(q.CIDRs) > 0 && !slices.Contains(q.CIDRs, a.CIDR):
		return false
	}
	return true
}

func listOrder(byPool bool) func(a, b *ipam.Allocation) int {
	return func(a, b *ipam.Allocation) int {
		c := 0
		if !byPool {
			c = cmp.Compare(a.PoolID, b.PoolID)
		}
		return cmp.Or(c, a.CIDR.Addr().Compare(b.CIDR.Addr()), cmp.Compare(a.CIDR.Bits(), b.CIDR.Bits()))
	}
}

// pages lists q in pages of limit (all at once if limit <= 0), following the
// keyset cursor of each page's last row.
func (h *harness) pages(q ipam.AllocationQuery, limit int) []*ipam.Allocation {
	h.t.Helper()
	q.Limit = limit
	var out []*ipam.Allocation
	for range 100000 {
		var page []*ipam.Allocation
		h.view(func(tx ipam.Tx) (err error) {
			page, err = tx.ListAllocations(q)
			return err
		})
		if limit > 0 && len(page) > limit {
			h.t.Fatalf("page of %d rows for limit %d", len(page), limit)
		}
		out = append(out, page...)
		if limit <= 0 || len(page) < limit {
			return out
		}
		last := page[len(page)-1]
		q.After = &ipam.AllocationCursor{PoolID: last.PoolID, Addr: last.CIDR.Addr(), Bits: last.CIDR.Bits()}
	}
	h.t.Fatal("paging does not end")
	return nil
}

func ids(as []*ipam.Allocation) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func pick[T any](r *rand.Rand, from []T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = from[r.IntN(len(from))]
	}
	return out
}

func testListAllocations(t *testing.T, h *harness) {
	const owner, stranger = "111111111111", "222222222222"
	h.seedOwner(owner)
	h.seedOwner(stranger)
	r := rand.New(rand.NewPCG(1, 2))
	a4 := h.seedPool(owner, "ipam-pool-a4", "ipv4")
	a4b := h.seedPool(owner, "ipam-pool-a4b", "ipv4")
	a6 := h.seedPool(owner, "ipam-pool-a6", "ipv6")
	b4 := h.seedPool(stranger, "ipam-pool-b4", "ipv4")
	var all []*ipam.Allocation
	all = append(all, genAllocs(r, a4, 1500)...)
	all = append(all, genAllocs(r, a4b, 400)...)
	all = append(all, genAllocs(r, a6, 1000)...)
	// The stranger's pool repeats a4's first CIDRs, resource ids and types.
	all = append(all, genAllocs(rand.New(rand.NewPCG(1, 2)), b4, 300)...)

	shuffled := slices.Clone(all)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for chunk := range slices.Chunk(shuffled, 500) {
		h.update(func(tx ipam.Tx) error {
			for _, a := range chunk {
				if err := tx.InsertAllocation(a); err != nil {
					return err
				}
			}
			return nil
		})
	}

	var cidrs []netip.Prefix
	for _, a := range pick(r, all, 150) {
		cidrs = append(cidrs, a.CIDR)
	}
	cidrs = append(cidrs, netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"))
	idSet := append(ids(pick(r, all, 200)), "ipam-pool-alloc-missing")
	rids := []string{"vpc-003", "vpc-017", "vpc-042", "vpc-missing"}
	constraints := []struct {
		name string
		q    ipam.AllocationQuery
	}{
		{"ids", ipam.AllocationQuery{IDs: idSet}},
		{"resource ids", ipam.AllocationQuery{ResourceIDs: rids}},
		{"resource types", ipam.AllocationQuery{ResourceTypes: []string{"vpc", ipam.ResourceIpamPool}}},
		{"cidrs", ipam.AllocationQuery{CIDRs: cidrs}},
		{"resource ids and types", ipam.AllocationQuery{ResourceIDs: rids, ResourceTypes: []string{"subnet", "vpc"}}},
		{"ids and cidrs", ipam.AllocationQuery{IDs: idSet, CIDRs: cidrs}},
		{"everything", ipam.AllocationQuery{IDs: idSet, CIDRs: cidrs, ResourceIDs: rids, ResourceTypes: []string{"subnet", "ipam-pool"}}},
	}
	scopes := []ipam.AllocationQuery{{PoolID: a4.ID}, {PoolID: a6.ID}, {OwnerID: owner}, {OwnerID: stranger}}

	check := func(name string, q ipam.AllocationQuery, limits ...int) {
		t.Helper()
		want := slices.DeleteFunc(slices.Clone(all), func(a *ipam.Allocation) bool { return !matches(a, q) })
		slices.SortFunc(want, listOrder(q.PoolID != ""))
		for _, limit := range limits {
			got := h.pages(q, limit)
			if !slices.Equal(ids(got), ids(want)) {
				t.Errorf("%s, limit %d: got %d allocations, want %d\n got %v\nwant %v", name, limit, len(got), len(want),
					ids(got)[:min(len(got), 5)], ids(want)[:min(len(want), 5)])
			}
		}
	}
	for _, s := range scopes {
		mode := "pool " + s.PoolID
		if s.PoolID == "" {
			mode = "owner " + s.OwnerID
		}
		check(mode, s, 0, 7, 1000)
		for _, c := range constraints {
			q := c.q
			q.PoolID, q.OwnerID = s.PoolID, s.OwnerID
			check(mode+" by "+c.name, q, 0, 37)
		}
	}

	// Every field survives a listing.
	var got []*ipam.Allocation
	h.view(func(tx ipam.Tx) (err error) {
		got, err = tx.ListAllocations(ipam.AllocationQuery{OwnerID: owner})
		return err
	})
	want := slices.DeleteFunc(slices.Clone(all), func(a *ipam.Allocation) bool { return a.OwnerID != owner })
	slices.SortFunc(want, listOrder(false))
	equal(t, "listed allocations", got, want)

	// A cursor between rows and one past the pool's last row.
	mid := want[10]
	h.view(func(tx ipam.Tx) error {
		page, err := tx.ListAllocations(ipam.AllocationQuery{PoolID: mid.PoolID, Limit: 2,
			After: &ipam.AllocationCursor{PoolID: mid.PoolID, Addr: mid.CIDR.Addr().Next(), Bits: 0}})
		if err != nil {
			return err
		}
		equal(t, "page after a position between rows", ids(page), ids(want[11:13]))
		end := netip.MustParseAddr("255.255.255.255")
		page, err = tx.ListAllocations(ipam.AllocationQuery{PoolID: a4.ID, After: &ipam.AllocationCursor{PoolID: a4.ID, Addr: end, Bits: 32}})
		if err == nil && len(page) != 0 {
			t.Errorf("page after the last address: %d rows", len(page))
		}
		return err
	})
}
