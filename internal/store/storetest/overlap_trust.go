package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/ipamd/ipamd/internal/cidr"
	"github.com/ipamd/ipamd/internal/ipam"
)

// testExpectNoOverlaps: a store that is an ipam.OverlapExpecter fails the
// transaction as ErrOverlapFound, leaving nothing it wrote, exactly when a
// monitored stored block overlaps one of the lookups in its scope outside
// its VPC (brute force over sparse random blocks, so that about as many
// checks pass as fail, and over neighbouring lookups whose merged searches
// find blocks that overlap none of them). Stores that ask instead skip it.
func testExpectNoOverlaps(t *testing.T, h *harness) {
	var expects bool
	h.view(func(tx ipam.Tx) error {
		_, expects = tx.(ipam.OverlapExpecter)
		return nil
	})
	if !expects {
		t.Skip("the store asks; it does not check at commit")
	}
	look := func(scope, block, vpc string) ipam.OverlapLookup {
		return ipam.OverlapLookup{ScopeID: scope, CIDR: netip.MustParsePrefix(block), OutsideVPC: vpc}
	}
	// 10.9.2.0/24 starts where a probe of 10.9.3.0/24 (its /23) touches the
	// end of 10.9.1.0/24's range: one merged search finds it, and it
	// overlaps neither; nor does an ignored block, or one of the VPC left out.
	fixed := []*ipam.ResourceCIDR{rcidr("ipam-1", "scope-a", "vpc-x", "vpc-x", "10.9.2.0/24"),
		rcidr("ipam-1", "scope-a", "vpc-y", "vpc-y", "10.9.4.0/24"), rcidr("ipam-1", "scope-a", "vpc-z", "vpc-z", "10.9.8.0/24")}
	fixed[2].Management = ipam.Ignored
	h.insertResourceCIDRs(fixed)
	h.expectNoOverlaps(t, "neighbours of a block", false,
		[]ipam.OverlapLookup{look("scope-a", "10.9.1.0/24", "vpc-n"), look("scope-a", "10.9.3.0/24", "vpc-n")})
	h.expectNoOverlaps(t, "its own VPC, an ignored block, another scope", false, []ipam.OverlapLookup{
		look("scope-a", "10.9.4.0/24", "vpc-y"), look("scope-a", "10.9.8.0/25", "vpc-n"), look("scope-b", "10.9.2.0/24", "")})
	h.expectNoOverlaps(t, "inside a stored block", true, []ipam.OverlapLookup{look("scope-a", "10.9.2.128/25", "vpc-n")})
	h.expectNoOverlaps(t, "around a stored block", true, []ipam.OverlapLookup{look("scope-a", "10.9.0.0/21", "vpc-n")})

	rng := rand.New(rand.NewPCG(12, 34))
	scopes, vpcs := []string{"scope-r", "scope-s"}, []string{"vpc-1", "vpc-2", "vpc-3", "vpc-4"}
	block := func(shortest int) netip.Prefix {
		if rng.IntN(5) == 0 {
			var a [16]byte
			a[0], a[6], a[7] = 0xfd, byte(rng.IntN(16)), byte(rng.IntN(256))
			p, _ := netip.AddrFrom16(a).Prefix(shortest + 32 + rng.IntN(65-shortest-32))
			return p
		}
		p, _ := netip.AddrFrom4([4]byte{10, 20, byte(rng.IntN(64)), byte(rng.IntN(256))}).Prefix(shortest + rng.IntN(29-shortest))
		return p
	}
	var rows []*ipam.ResourceCIDR
	seen := map[string]bool{}
	for i := 0; len(rows) < 60; i++ {
		r := rcidr("ipam-1", scopes[rng.IntN(2)], fmt.Sprintf("res-%03d", i), vpcs[rng.IntN(len(vpcs))], block(24).String())
		if rng.IntN(6) == 0 {
			r.Management = ipam.Ignored
		}
		if k := r.ScopeID + r.Key(); !seen[k] {
			seen[k] = true
			rows = append(rows, r)
		}
	}
	h.insertResourceCIDRs(rows)
	found := 0
	const rounds = 60
	for round := range rounds {
		var qs []ipam.OverlapLookup
		base := block(22)
		for range 1 + rng.IntN(8) {
			p := block(20)
			if rng.IntN(3) > 0 && base.Bits() <= 26 { // neighbours, as a group transaction's are
				p, _ = base.Addr().Prefix(base.Bits() + 2)
				base = netip.PrefixFrom(cidr.LastAddr(p).Next(), base.Bits())
			}
			outside := "vpc-new"
			if rng.IntN(3) == 0 {
				outside = vpcs[rng.IntN(len(vpcs))]
			}
			qs = append(qs, ipam.OverlapLookup{ScopeID: scopes[rng.IntN(2)], CIDR: p, OutsideVPC: outside})
		}
		want := false
		for _, q := range qs {
			for _, r := range rows {
				want = want || r.ScopeID == q.ScopeID && r.VpcID != q.OutsideVPC && r.Management != ipam.Ignored && r.CIDR.Overlaps(q.CIDR)
			}
		}
		if want {
			found++
		}
		h.expectNoOverlaps(t, fmt.Sprintf("round %d", round), want, qs)
	}
	if found < rounds/5 || found > rounds-rounds/5 {
		t.Errorf("%d of %d random checks found an overlap: the blocks are too sparse or too dense to test both ways", found, rounds)
	}
}

// expectNoOverlaps checks qs in a transaction that also writes a marker
// row, and wants it to fail as ErrOverlapFound (without the marker) if
// found, and to commit otherwise.
func (h *harness) expectNoOverlaps(t *testing.T, what string, found bool, qs []ipam.OverlapLookup) {
	t.Helper()
	mark := rcidr("ipam-1", "scope-mark", "vpc-mark", "vpc-mark", "192.168.0.0/24")
	err := h.s.Update(h.ctx, func(tx ipam.Tx) error {
		if _, err := tx.ResourceCIDRsOf("vpc-none", "vpc-none"); err != nil { // something goes out first, as in a real transaction
			return err
		}
		if err := tx.(ipam.OverlapExpecter).ExpectNoOverlaps(qs); err != nil {
			return err
		}
		return tx.InsertResourceCIDR(mark)
	})
	switch {
	case found && !errors.Is(err, ipam.ErrOverlapFound):
		t.Fatalf("%s: %v: got %v, want ErrOverlapFound", what, qs, err)
	case !found && err != nil:
		t.Fatalf("%s: %v: got %v, want nil", what, qs, err)
	}
	h.update(func(tx ipam.Tx) error {
		got, err := tx.ResourceCIDRsOf("vpc-mark", "vpc-mark")
		if err != nil {
			return err
		}
		if len(got) != map[bool]int{true: 0, false: 1}[found] {
			t.Fatalf("%s: the marker row is there %d times after the transaction (error %v)", what, len(got), err)
		}
		for _, r := range got {
			if err := tx.DeleteResourceCIDR(r); err != nil {
				return err
			}
		}
		return nil
	})
}
