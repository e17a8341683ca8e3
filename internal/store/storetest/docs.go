package storetest

import (
	"net/netip"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

func fullIPAM(owner, id string) *ipam.IPAM {
	return &ipam.IPAM{ID: id, OwnerID: owner, Region: "us-east-1", Description: ptr("main"),
		OperatingRegions: []string{"us-east-1", "eu-west-1"}, Tier: "advanced", EnablePrivateGua: true,
		MeteredAccount: "ipam-owner", State: ipam.StateCreateComplete,
		PublicDefaultScopeID: "ipam-scope-pub", PrivateDefaultScopeID: "ipam-scope-priv", ScopeCount: 2,
		ResourceDiscoveryID: "ipam-res-disco-1", ResourceDiscoveryAsID: "ipam-res-disco-assoc-1",
		Tags: []ipam.Tag{{Key: "Name", Value: "x"}, {Key: "empty", Value: ""}}}
}

func testIPAM(t *testing.T, h *harness) {
	full := fullIPAM("111111111111", "ipam-b")
	// Zero pointers and empty (not nil) slices, which read back as nil.
	bare := &ipam.IPAM{ID: "ipam-a", OwnerID: "111111111111", OperatingRegions: []string{}, Tags: []ipam.Tag{}}
	other := fullIPAM("222222222222", "ipam-c")
	h.update(func(tx ipam.Tx) error {
		for _, i := range []*ipam.IPAM{full, bare, other} {
			if err := tx.InsertIPAM(i); err != nil {
				return err
			}
		}
		return nil
	})
	wantBare := *bare
	wantBare.OperatingRegions, wantBare.Tags = nil, nil
	h.view(func(tx ipam.Tx) error {
		got, err := tx.GetIPAM(full.OwnerID, full.ID)
		if err != nil {
			return err
		}
		equal(t, "full IPAM", got, full)
		if got, err = tx.GetIPAM(bare.OwnerID, bare.ID); err != nil {
			return err
		}
		equal(t, "bare IPAM", got, &wantBare)
		list, err := tx.ListIPAMs(full.OwnerID)
		if err != nil {
			return err
		}
		equal(t, "ListIPAMs", list, []*ipam.IPAM{&wantBare, full})
		if list, err = tx.ListIPAMs("999999999999"); err != nil || len(list) != 0 {
			t.Errorf("ListIPAMs of an unknown owner = %v, %v; want none", list, err)
		}
		return nil
	})
	h.wantViewErr(ipam.ErrNotFound, "GetIPAM of another owner", func(tx ipam.Tx) error {
		_, err := tx.GetIPAM(full.OwnerID, other.ID)
		return err
	})
	h.wantViewErr(ipam.ErrNotFound, "GetIPAM of a missing id", func(tx ipam.Tx) error {
		_, err := tx.GetIPAM(full.OwnerID, "ipam-missing")
		return err
	})
	h.wantErr(ipam.ErrConflict, "InsertIPAM of an existing id", func(tx ipam.Tx) error {
		return tx.InsertIPAM(fullIPAM(full.OwnerID, full.ID))
	})

	changed := *full
	changed.Description, changed.Tags, changed.ScopeCount, changed.State = nil, nil, 5, ipam.StateModifyComplete
	h.update(func(tx ipam.Tx) error { return tx.UpdateIPAM(&changed) })
	h.view(func(tx ipam.Tx) error {
		got, err := tx.GetIPAM(full.OwnerID, full.ID)
		if err == nil {
			equal(t, "updated IPAM", got, &changed)
		}
		return err
	})
	h.wantErr(ipam.ErrNotFound, "UpdateIPAM of a missing id", func(tx ipam.Tx) error {
		return tx.UpdateIPAM(&ipam.IPAM{ID: "ipam-missing", OwnerID: full.OwnerID})
	})

	h.update(func(tx ipam.Tx) error { return tx.DeleteIPAM(bare.ID) })
	h.wantViewErr(ipam.ErrNotFound, "GetIPAM after DeleteIPAM", func(tx ipam.Tx) error {
		_, err := tx.GetIPAM(bare.OwnerID, bare.ID)
		return err
	})
	h.wantErr(ipam.ErrNotFound, "DeleteIPAM of a missing id", func(tx ipam.Tx) error {
		return tx.DeleteIPAM(bare.ID)
	})
}

func testScope(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	h.seedOwner("222222222222")
	full := &ipam.Scope{ID: "ipam-scope-b", OwnerID: owner, IpamID: ipamID(owner), IpamRegion: "us-east-1",
		Type: "public", IsDefault: true, Description: ptr("scope"), PoolCount: 3, State: ipam.StateCreateComplete,
		Tags:              []ipam.Tag{{Key: "a", Value: "b"}},
		ExternalAuthority: &ipam.ExternalAuthority{Type: "infoblox", ExternalResourceIdentifier: "ib-1"}}
	bare := &ipam.Scope{ID: "ipam-scope-a", OwnerID: owner, IpamID: ipamID(owner), Tags: []ipam.Tag{}}
	h.update(func(tx ipam.Tx) error {
		if err := tx.InsertScope(full); err != nil {
			return err
		}
		return tx.InsertScope(bare)
	})
	wantBare := *bare
	wantBare.Tags = nil
	seeded := &ipam.Scope{ID: scopeID(owner), OwnerID: owner, IpamID: ipamID(owner),
		IpamRegion: "us-east-1", Type: "private", State: ipam.StateCreateComplete}
	h.view(func(tx ipam.Tx) error {
		got, err := tx.GetScope(owner, full.ID)
		if err != nil {
			return err
		}
		equal(t, "full scope", got, full)
		list, err := tx.ListScopes(owner)
		if err == nil {
			equal(t, "ListScopes", list, []*ipam.Scope{seeded, &wantBare, full})
		}
		return err
	})
	h.wantViewErr(ipam.ErrNotFound, "GetScope of another owner", func(tx ipam.Tx) error {
		_, err := tx.GetScope(owner, scopeID("222222222222"))
		return err
	})
	h.wantErr(ipam.ErrConflict, "InsertScope of an existing id", func(tx ipam.Tx) error {
		return tx.InsertScope(&ipam.Scope{ID: full.ID, OwnerID: owner, IpamID: ipamID(owner)})
	})
	changed := *full
	changed.ExternalAuthority, changed.Description, changed.PoolCount = nil, nil, 0
	h.update(func(tx ipam.Tx) error { return tx.UpdateScope(&changed) })
	h.view(func(tx ipam.Tx) error {
		got, err := tx.GetScope(owner, full.ID)
		if err == nil {
			equal(t, "updated scope", got, &changed)
		}
		return err
	})
	h.wantErr(ipam.ErrNotFound, "UpdateScope of a missing id", func(tx ipam.Tx) error {
		return tx.UpdateScope(&ipam.Scope{ID: "ipam-scope-missing", OwnerID: owner, IpamID: ipamID(owner)})
	})
	h.update(func(tx ipam.Tx) error { return tx.DeleteScope(full.ID) })
	h.wantViewErr(ipam.ErrNotFound, "GetScope after DeleteScope", func(tx ipam.Tx) error {
		_, err := tx.GetScope(owner, full.ID)
		return err
	})
	h.wantErr(ipam.ErrNotFound, "DeleteScope of a missing id", func(tx ipam.Tx) error {
		return tx.DeleteScope(full.ID)
	})
}

func fullPool(owner, id string) *ipam.Pool {
	return &ipam.Pool{ID: id, OwnerID: owner, IpamID: ipamID(owner), ScopeID: scopeID(owner),
		ScopeType: "public", IpamRegion: "us-east-1", SourcePoolID: "ipam-pool-parent", Locale: "us-east-1",
		Depth: 2, State: ipam.StateCreateComplete, Description: ptr("pool"), AutoImport: true,
		PubliclyAdvertisable: ptr(false), AddressFamily: "ipv6",
		AllocationMinNetmask: ptr(0), AllocationMaxNetmask: ptr(128), AllocationDefault: ptr(56),
		AllocationResourceTags: []ipam.Tag{{Key: "team", Value: "net"}}, Tags: []ipam.Tag{{Key: "Name", Value: "p"}},
		AwsService: "ec2", PublicIPSource: "amazon",
		SourceResource: &ipam.SourceResource{ResourceID: "vpc-1", ResourceType: "vpc", ResourceRegion: "us-east-1", ResourceOwner: owner},
		Version:        1 << 40}
}

func testPool(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	h.seedOwner("222222222222")
	full := fullPool(owner, "ipam-pool-b")
	bare := newPool(owner, "ipam-pool-a", "ipv4")
	bare.Tags, bare.AllocationResourceTags = []ipam.Tag{}, []ipam.Tag{}
	other := newPool("222222222222", "ipam-pool-c", "ipv4")
	h.update(func(tx ipam.Tx) error {
		for _, p := range []*ipam.Pool{full, bare, other} {
			if err := tx.InsertPool(p); err != nil {
				return err
			}
		}
		return nil
	})
	wantBare := *bare
	wantBare.Tags, wantBare.AllocationResourceTags = nil, nil
	h.view(func(tx ipam.Tx) error {
		got, err := tx.GetPool(owner, full.ID)
		if err != nil {
			return err
		}
		equal(t, "full pool", got, full)
		list, err := tx.ListPools(owner)
		if err != nil {
			return err
		}
		equal(t, "ListPools", list, []*ipam.Pool{&wantBare, full})
		all, err := tx.ListAllPools()
		if err == nil {
			equal(t, "ListAllPools", all, []*ipam.Pool{&wantBare, full, other})
		}
		return err
	})
	h.update(func(tx ipam.Tx) error {
		got, err := tx.LockPool(owner, full.ID)
		if err == nil {
			equal(t, "LockPool", got, full)
		}
		return err
	})
	for _, get := range []struct {
		name string
		fn   func(tx ipam.Tx, owner, id string) (*ipam.Pool, error)
	}{{"GetPool", ipam.Tx.GetPool}, {"LockPool", ipam.Tx.LockPool}} {
		h.wantErr(ipam.ErrNotFound, get.name+" of another owner", func(tx ipam.Tx) error {
			_, err := get.fn(tx, owner, other.ID)
			return err
		})
		h.wantErr(ipam.ErrNotFound, get.name+" of a missing id", func(tx ipam.Tx) error {
			_, err := get.fn(tx, owner, "ipam-pool-missing")
			return err
		})
	}
	h.wantErr(ipam.ErrConflict, "InsertPool of an existing id", func(tx ipam.Tx) error {
		return tx.InsertPool(newPool(owner, full.ID, "ipv4"))
	})
	changed := *full
	changed.Version++
	changed.PubliclyAdvertisable, changed.AllocationDefault, changed.SourceResource = ptr(true), nil, nil
	h.update(func(tx ipam.Tx) error { return tx.UpdatePool(&changed) })
	h.view(func(tx ipam.Tx) error {
		got, err := tx.GetPool(owner, full.ID)
		if err == nil {
			equal(t, "updated pool", got, &changed)
		}
		return err
	})
	h.wantErr(ipam.ErrNotFound, "UpdatePool of a missing id", func(tx ipam.Tx) error {
		return tx.UpdatePool(newPool(owner, "ipam-pool-missing", "ipv4"))
	})
	h.update(func(tx ipam.Tx) error { return tx.DeletePool(full.ID) })
	h.wantViewErr(ipam.ErrNotFound, "GetPool after DeletePool", func(tx ipam.Tx) error {
		_, err := tx.GetPool(owner, full.ID)
		return err
	})
	h.wantErr(ipam.ErrNotFound, "DeletePool of a missing id", func(tx ipam.Tx) error {
		return tx.DeletePool(full.ID)
	})
}

func testPoolCIDR(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	p := h.seedPool(owner, "ipam-pool-a", "ipv4")
	q := h.seedPool(owner, "ipam-pool-b", "ipv4")
	// Inserted out of Seq order; ids deliberately sort against Seq.
	cs := []*ipam.PoolCIDR{
		{ID: "ipam-pool-cidr-a", PoolID: p.ID, CIDR: netip.MustParsePrefix("10.2.0.0/16"), State: ipam.CidrProvisioned, Seq: 3},
		{ID: "ipam-pool-cidr-c", PoolID: p.ID, CIDR: netip.MustParsePrefix("10.0.0.0/16"), State: ipam.CidrPendingProvision, Seq: 1,
			AllocationID: "ipam-pool-alloc-1"},
		{ID: "ipam-pool-cidr-b", PoolID: p.ID, CIDR: netip.MustParsePrefix("2001:db8::/32"), State: ipam.CidrDeprovisioned, Seq: 2,
			FailureReason: &ipam.FailureReason{Code: "cidr-not-available", Message: "nope"}},
		{ID: "ipam-pool-cidr-d", PoolID: q.ID, CIDR: netip.MustParsePrefix("10.0.0.0/16"), State: ipam.CidrProvisioned, Seq: 4},
	}
	h.update(func(tx ipam.Tx) error {
		for _, c := range cs {
			if err := tx.InsertPoolCIDR(c); err != nil {
				return err
			}
		}
		return nil
	})
	h.view(func(tx ipam.Tx) error {
		got, err := tx.ListPoolCIDRs(p.ID)
		if err == nil {
			equal(t, "ListPoolCIDRs", got, []*ipam.PoolCIDR{cs[1], cs[2], cs[0]})
		}
		return err
	})
	h.wantErr(ipam.ErrConflict, "InsertPoolCIDR of an existing id", func(tx ipam.Tx) error {
		return tx.InsertPoolCIDR(cs[0])
	})
	changed := *cs[1]
	changed.State, changed.AllocationID, changed.FailureReason = ipam.CidrPendingDeprovision, "", &ipam.FailureReason{Code: "x"}
	h.update(func(tx ipam.Tx) error { return tx.UpdatePoolCIDR(&changed) })
	h.view(func(tx ipam.Tx) error {
		got, err := tx.ListPoolCIDRs(p.ID)
		if err == nil {
			equal(t, "ListPoolCIDRs after update", got, []*ipam.PoolCIDR{&changed, cs[2], cs[0]})
		}
		return err
	})
	h.wantErr(ipam.ErrNotFound, "UpdatePoolCIDR of a missing id", func(tx ipam.Tx) error {
		return tx.UpdatePoolCIDR(&ipam.PoolCIDR{ID: "ipam-pool-cidr-missing", PoolID: p.ID, CIDR: cs[0].CIDR})
	})
	h.update(func(tx ipam.Tx) error { return tx.DeletePoolCIDRs(p.ID) })
	h.update(func(tx ipam.Tx) error { return tx.DeletePoolCIDRs(p.ID) }) // nothing left: not an error
	h.view(func(tx ipam.Tx) error {
		if got, err := tx.ListPoolCIDRs(p.ID); err != nil || len(got) != 0 {
			t.Errorf("ListPoolCIDRs after DeletePoolCIDRs = %v, %v; want none", got, err)
		}
		got, err := tx.ListPoolCIDRs(q.ID)
		if err == nil {
			equal(t, "other pool's CIDRs", got, []*ipam.PoolCIDR{cs[3]})
		}
		return err
	})
}
