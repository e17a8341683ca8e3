package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// VPCs and subnets. What the suite pins beyond the interface's comments:
//
//   - Get, Lock and Share of another account's VPC, and VPCByAssociation of
//     another account's association, are ErrNotFound; so are Update and
//     Delete of a missing id. Insert of an existing id is ErrConflict, and
//     so is an association id another VPC already has.
//   - The association index follows every UpdateVPC and goes with DeleteVPC.
//   - InsertSubnet refuses a block overlapping a block of the same family
//     of another subnet of the same VPC (adjacent blocks do not overlap; an
//     IPv6 block never meets an IPv4 one); an Update that returns the
//     refusal writes nothing. DeleteSubnet frees its blocks.
//   - SubnetsOverlapping looks at p's family only.

func fullVPC(owner, id string, n int) *ipam.VPC {
	return &ipam.VPC{ID: id, OwnerID: owner, Region: "us-east-1", State: ipam.VPCAvailable,
		InstanceTenancy: "default", DhcpOptionsID: "dopt-1",
		CIDRs: []ipam.VPCCIDR{
			{AssociationID: fmt.Sprintf("vpc-cidr-assoc-%s-a", id), CIDR: netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/16", n)),
				State: ipam.AssocAssociated, PoolID: "ipam-pool-v4", AllocationID: "ipam-pool-alloc-" + id},
			{AssociationID: fmt.Sprintf("vpc-cidr-assoc-%s-b", id), CIDR: netip.MustParsePrefix(fmt.Sprintf("2001:db8:%x::/56", n)),
				State: ipam.AssocAssociated, PoolID: "ipam-pool-v6", AllocationID: "ipam-pool-alloc-6" + id,
				NetworkBorderGroup: "us-east-1", AddressAttribute: "private", IPSource: "none"},
			{AssociationID: fmt.Sprintf("vpc-cidr-assoc-%s-c", id), CIDR: netip.MustParsePrefix(fmt.Sprintf("172.16.%d.0/24", n)),
				State: ipam.AssocDisassociated},
		},
		NetworkAclID: "acl-" + id, RouteTableID: "rtb-" + id, RouteTableAssocID: "rtbassoc-" + id,
		SecurityGroupID: "sg-" + id, EnableDNSSupport: true, EnableDNSHostnames: true, EnableNAUMetrics: true,
		Tags:          []ipam.Tag{{Key: "Name", Value: id}, {Key: "empty", Value: ""}},
		PlanningPools: 2, BlockPublicAccessState: "off"}
}

func fullSubnet(vpc *ipam.VPC, id, v4, v6 string) *ipam.Subnet {
	s := &ipam.Subnet{ID: id, OwnerID: vpc.OwnerID, VpcID: vpc.ID, Region: "us-east-1", State: ipam.SubnetAvailable,
		AvailabilityZone: "us-east-1a", AvailabilityZoneID: "use1-az1", PoolID: "ipam-pool-plan", AllocationID: "ipam-pool-alloc-" + id,
		Attrs: ipam.SubnetAttrs{MapPublicIPOnLaunch: true, AssignIpv6OnCreation: true, MapCustomerOwnedIPOnLaunch: true,
			CustomerOwnedIpv4Pool: "ipv4pool-coip-1", EnableDNS64: true, HostnameType: "resource-name",
			EnableResourceNameDNSA: true, EnableResourceNameDNSAAAA: true, EnableLniAtDeviceIndex: 1},
		Tags: []ipam.Tag{{Key: "Name", Value: id}}}
	if v4 != "" {
		s.CIDR = netip.MustParsePrefix(v4)
	}
	if v6 != "" {
		s.IPv6 = &ipam.SubnetIPv6{AssociationID: "subnet-cidr-assoc-" + id, CIDR: netip.MustParsePrefix(v6),
			PoolID: "ipam-pool-plan6", AllocationID: "ipam-pool-alloc-6" + id, AddressAttribute: "private", IPSource: "none"}
		s.Ipv6Native = v4 == ""
	}
	return s
}

// bareSubnet has only what every subnet has, and empty (not nil) tags.
func bareSubnet(vpc *ipam.VPC, id, v4 string) *ipam.Subnet {
	return &ipam.Subnet{ID: id, OwnerID: vpc.OwnerID, VpcID: vpc.ID, CIDR: netip.MustParsePrefix(v4), Tags: []ipam.Tag{}}
}

func insertVPCs(vs ...*ipam.VPC) func(tx ipam.Tx) error {
	return func(tx ipam.Tx) error {
		for _, v := range vs {
			if err := tx.InsertVPC(v); err != nil {
				return err
			}
		}
		return nil
	}
}

func insertSubnets(ss ...*ipam.Subnet) func(tx ipam.Tx) error {
	return func(tx ipam.Tx) error {
		for _, s := range ss {
			if err := tx.InsertSubnet(s); err != nil {
				return err
			}
		}
		return nil
	}
}

// vpcReaders are the ways to read one VPC by id.
var vpcReaders = []struct {
	name string
	read func(tx ipam.Tx, owner, id string) (*ipam.VPC, error)
}{
	{"GetVPC", ipam.Tx.GetVPC},
	{"LockVPC", ipam.Tx.LockVPC},
	{"ShareVPC", ipam.Tx.ShareVPC},
}

func testVPC(t *testing.T, h *harness) {
	const owner, other = "111111111111", "222222222222"
	full := fullVPC(owner, "vpc-b", 1)
	bare := &ipam.VPC{ID: "vpc-a", OwnerID: owner, CIDRs: []ipam.VPCCIDR{}, Tags: []ipam.Tag{}}
	theirs := fullVPC(other, "vpc-c", 2)
	h.update(insertVPCs(full, bare, theirs))
	wantBare := *bare
	wantBare.CIDRs, wantBare.Tags = nil, nil

	// Every reader in a write transaction (where Lock and Share lock),
	// GetVPC in a read one too.
	for i, r := range vpcReaders {
		check := func(tx ipam.Tx) error {
			for _, want := range []*ipam.VPC{full, &wantBare} {
				got, err := r.read(tx, owner, want.ID)
				if err != nil {
					return fmt.Errorf("%s %s: %w", r.name, want.ID, err)
				}
				equal(t, r.name+" "+want.ID, got, want)
			}
			return nil
		}
		h.update(check)
		if i == 0 {
			h.view(check)
		}
		h.wantErr(ipam.ErrNotFound, r.name+" of another owner", func(tx ipam.Tx) error {
			_, err := r.read(tx, owner, theirs.ID)
			return err
		})
		h.wantErr(ipam.ErrNotFound, r.name+" of a missing id", func(tx ipam.Tx) error {
			_, err := r.read(tx, owner, "vpc-missing")
			return err
		})
	}
	h.wantErr(ipam.ErrConflict, "InsertVPC of an existing id", func(tx ipam.Tx) error {
		return tx.InsertVPC(&ipam.VPC{ID: full.ID, OwnerID: owner})
	})
	h.wantErr(ipam.ErrConflict, "InsertVPC with another VPC's association id", func(tx ipam.Tx) error {
		return tx.InsertVPC(&ipam.VPC{ID: "vpc-d", OwnerID: owner, CIDRs: full.CIDRs[:1]})
	})
	h.wantErr(ipam.ErrNotFound, "UpdateVPC of a missing id", func(tx ipam.Tx) error {
		return tx.UpdateVPC(&ipam.VPC{ID: "vpc-missing", OwnerID: owner})
	})

	byAssoc := func(what, assoc string, want *ipam.VPC) {
		t.Helper()
		h.view(func(tx ipam.Tx) error {
			got, err := tx.VPCByAssociation(owner, assoc)
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			equal(t, what, got, want)
			return nil
		})
	}
	noAssoc := func(what, assoc string) {
		t.Helper()
		h.wantViewErr(ipam.ErrNotFound, what, func(tx ipam.Tx) error {
			_, err := tx.VPCByAssociation(owner, assoc)
			return err
		})
	}
	for _, c := range full.CIDRs {
		byAssoc("VPCByAssociation "+c.AssociationID, c.AssociationID, full)
	}
	noAssoc("VPCByAssociation of another owner's association", theirs.CIDRs[0].AssociationID)
	noAssoc("VPCByAssociation of a missing association", "vpc-cidr-assoc-missing")

	// An update drops one association, changes another and adds one.
	changed := *full
	changed.CIDRs = []ipam.VPCCIDR{full.CIDRs[0],
		{AssociationID: "vpc-cidr-assoc-new", CIDR: netip.MustParsePrefix("192.168.0.0/20"), State: ipam.AssocAssociated},
		{AssociationID: full.CIDRs[1].AssociationID, CIDR: full.CIDRs[1].CIDR, State: ipam.AssocDisassociated}}
	changed.Tags, changed.EnableDNSHostnames, changed.PlanningPools = nil, false, 0
	h.update(func(tx ipam.Tx) error { return tx.UpdateVPC(&changed) })
	for _, assoc := range []string{full.CIDRs[0].AssociationID, full.CIDRs[1].AssociationID, "vpc-cidr-assoc-new"} {
		byAssoc("VPCByAssociation after UpdateVPC "+assoc, assoc, &changed)
	}
	noAssoc("VPCByAssociation of a dropped association", full.CIDRs[2].AssociationID)
	// The dropped association id is free for another VPC.
	reuse := &ipam.VPC{ID: "vpc-e", OwnerID: owner, CIDRs: full.CIDRs[2:]}
	h.update(insertVPCs(reuse))
	byAssoc("VPCByAssociation of a reused association id", full.CIDRs[2].AssociationID, reuse)

	h.update(func(tx ipam.Tx) error { return tx.DeleteVPC(full.ID) })
	for _, r := range vpcReaders {
		h.wantErr(ipam.ErrNotFound, r.name+" after DeleteVPC", func(tx ipam.Tx) error {
			_, err := r.read(tx, owner, full.ID)
			return err
		})
	}
	for _, c := range changed.CIDRs {
		noAssoc("VPCByAssociation after DeleteVPC", c.AssociationID)
	}
	h.wantErr(ipam.ErrNotFound, "DeleteVPC of a missing id", func(tx ipam.Tx) error { return tx.DeleteVPC(full.ID) })
	// Its association ids went with it.
	h.update(insertVPCs(&ipam.VPC{ID: "vpc-f", OwnerID: owner, CIDRs: changed.CIDRs}))
	byAssoc("VPCByAssociation of a deleted VPC's association, reused", "vpc-cidr-assoc-new",
		&ipam.VPC{ID: "vpc-f", OwnerID: owner, CIDRs: changed.CIDRs})

	testVPCsInOneTransaction(t, h, owner)
}

// testVPCsInOneTransaction: VPCs inserted one after another in one
// transaction (a group of CreateVpc calls) read back in it and after it,
// and a duplicate among them fails the whole transaction.
func testVPCsInOneTransaction(t *testing.T, h *harness, owner string) {
	many := make([]*ipam.VPC, 5)
	for i := range many {
		many[i] = fullVPC(owner, fmt.Sprintf("vpc-m%d", i), 10+i)
	}
	many[2].CIDRs, many[2].Tags = nil, nil // none: no association rows between the others'
	check := func(tx ipam.Tx) error {
		for _, v := range many {
			got, err := tx.GetVPC(owner, v.ID)
			if err != nil {
				return fmt.Errorf("GetVPC %s: %w", v.ID, err)
			}
			equal(t, "GetVPC "+v.ID, got, v)
			for _, c := range v.CIDRs {
				got, err := tx.VPCByAssociation(owner, c.AssociationID)
				if err != nil {
					return fmt.Errorf("VPCByAssociation %s: %w", c.AssociationID, err)
				}
				equal(t, "VPCByAssociation "+c.AssociationID, got, v)
			}
		}
		return nil
	}
	h.update(func(tx ipam.Tx) error {
		if _, err := tx.GetVPC(owner, "vpc-missing"); !errors.Is(err, ipam.ErrNotFound) {
			return fmt.Errorf("GetVPC of a missing id: %v", err)
		}
		if err := insertVPCs(many...)(tx); err != nil {
			return err
		}
		return check(tx)
	})
	h.view(check)

	dup := fullVPC(owner, "vpc-m9", 19)
	dup.CIDRs[1].AssociationID = many[4].CIDRs[0].AssociationID
	h.wantErr(ipam.ErrConflict, "InsertVPC of another VPC's association id, after others in one transaction",
		insertVPCs(fullVPC(owner, "vpc-m7", 17), fullVPC(owner, "vpc-m8", 18), dup))
	for _, id := range []string{"vpc-m7", "vpc-m8", "vpc-m9"} {
		h.wantViewErr(ipam.ErrNotFound, "GetVPC after a failed transaction "+id, func(tx ipam.Tx) error {
			_, err := tx.GetVPC(owner, id)
			return err
		})
	}
}

func testSubnet(t *testing.T, h *harness) {
	const owner = "111111111111"
	vpc := fullVPC(owner, "vpc-a", 1)
	theirVPC := fullVPC("222222222222", "vpc-b", 2)
	h.update(insertVPCs(vpc, theirVPC))
	dual := fullSubnet(vpc, "subnet-b", "10.1.0.0/24", "2001:db8:1::/64")
	v6only := fullSubnet(vpc, "subnet-c", "", "2001:db8:1:1::/64")
	bare := bareSubnet(vpc, "subnet-a", "10.1.1.0/24")
	theirs := bareSubnet(theirVPC, "subnet-d", "10.2.0.0/24")
	h.update(insertSubnets(dual, v6only, bare, theirs))
	wantBare := *bare
	wantBare.Tags = nil
	check := func(what string, want ...*ipam.Subnet) {
		t.Helper()
		h.view(func(tx ipam.Tx) error {
			for _, w := range want {
				got, err := tx.GetSubnet(owner, w.ID)
				if err != nil {
					return fmt.Errorf("GetSubnet %s: %w", w.ID, err)
				}
				equal(t, what+" "+w.ID, got, w)
			}
			return nil
		})
	}
	check("GetSubnet", dual, v6only, &wantBare)
	h.wantViewErr(ipam.ErrNotFound, "GetSubnet of another owner", func(tx ipam.Tx) error {
		_, err := tx.GetSubnet(owner, theirs.ID)
		return err
	})
	h.wantViewErr(ipam.ErrNotFound, "GetSubnet of a missing id", func(tx ipam.Tx) error {
		_, err := tx.GetSubnet(owner, "subnet-missing")
		return err
	})
	h.wantErr(ipam.ErrConflict, "InsertSubnet of an existing id", func(tx ipam.Tx) error {
		return tx.InsertSubnet(bareSubnet(vpc, dual.ID, "10.1.200.0/24"))
	})

	changed := *dual
	changed.Attrs = ipam.SubnetAttrs{HostnameType: "ip-name"}
	changed.Tags, changed.State = nil, "pending"
	h.update(func(tx ipam.Tx) error { return tx.UpdateSubnet(&changed) })
	check("GetSubnet after UpdateSubnet", &changed)
	h.wantErr(ipam.ErrNotFound, "UpdateSubnet of a missing id", func(tx ipam.Tx) error {
		return tx.UpdateSubnet(bareSubnet(vpc, "subnet-missing", "10.1.201.0/24"))
	})

	h.update(func(tx ipam.Tx) error { return tx.DeleteSubnet(dual.ID) })
	h.wantViewErr(ipam.ErrNotFound, "GetSubnet after DeleteSubnet", func(tx ipam.Tx) error {
		_, err := tx.GetSubnet(owner, dual.ID)
		return err
	})
	h.wantErr(ipam.ErrNotFound, "DeleteSubnet of a missing id", func(tx ipam.Tx) error { return tx.DeleteSubnet(dual.ID) })
	// Its blocks went with it: both are free again.
	again := fullSubnet(vpc, "subnet-e", "10.1.0.0/24", "2001:db8:1::/64")
	h.update(insertSubnets(again))
	check("GetSubnet of a subnet in a deleted one's blocks", again)
}

func testSubnetOverlap(t *testing.T, h *harness) {
	const owner = "111111111111"
	vpc, vpc2 := fullVPC(owner, "vpc-a", 1), fullVPC(owner, "vpc-b", 2)
	h.update(insertVPCs(vpc, vpc2))
	// In address order within each family.
	a := fullSubnet(vpc, "subnet-3", "10.1.0.0/24", "2001:db8:1::/64")
	b := bareSubnet(vpc, "subnet-1", "10.1.1.0/24") // adjacent to a
	c := bareSubnet(vpc, "subnet-2", "10.1.4.0/22")
	d := fullSubnet(vpc, "subnet-0", "", "2001:db8:1:1::/64")
	// The same blocks in another VPC are no conflict.
	e := fullSubnet(vpc2, "subnet-4", "10.1.0.0/24", "2001:db8:1::/64")
	// An IPv6 block that spans the IPv4-mapped addresses (::ffff:0:0/96)
	// meets no IPv4 block.
	f := fullSubnet(vpc, "subnet-5", "", "::/64")
	h.update(insertSubnets(a, b, c, d, e, f))

	overlapping := func(vpcID, p string, want ...*ipam.Subnet) {
		t.Helper()
		h.view(func(tx ipam.Tx) error {
			got, err := tx.SubnetsOverlapping(vpcID, netip.MustParsePrefix(p))
			if err != nil {
				return err
			}
			var gotIDs, wantIDs []string
			for _, s := range got {
				gotIDs = append(gotIDs, s.ID)
			}
			for _, s := range want {
				wantIDs = append(wantIDs, s.ID)
			}
			if equal(t, "ids of SubnetsOverlapping "+vpcID+" "+p, gotIDs, wantIDs) && len(want) > 0 {
				equal(t, "SubnetsOverlapping "+vpcID+" "+p, got[0], normSubnet(want[0]))
			}
			// The same subnets' blocks of p's family, in address order.
			pp := netip.MustParsePrefix(p)
			var wantBlocks []netip.Prefix
			for _, s := range want {
				for _, q := range s.Prefixes() {
					if q.Addr().Is4() == pp.Addr().Is4() && q.Overlaps(pp) {
						wantBlocks = append(wantBlocks, q)
					}
				}
			}
			blocks, err := tx.SubnetBlocksOverlapping(vpcID, pp)
			if err != nil {
				return err
			}
			equal(t, "SubnetBlocksOverlapping "+vpcID+" "+p, blocks, wantBlocks)
			return nil
		})
	}
	overlapping(vpc.ID, "10.1.0.0/16", a, b, c)
	overlapping(vpc.ID, "10.0.0.0/8", a, b, c)
	overlapping(vpc.ID, "0.0.0.0/0", a, b, c)
	overlapping(vpc.ID, "10.1.0.128/25", a)
	overlapping(vpc.ID, "10.1.1.255/32", b)
	overlapping(vpc.ID, "10.1.2.0/23") // between b and c
	overlapping(vpc.ID, "10.1.6.0/23", c)
	overlapping(vpc.ID, "10.1.0.0/23", a, b)
	overlapping(vpc.ID, "10.1.8.0/24") // after c
	overlapping(vpc.ID, "2001:db8:1::/48", a, d)
	overlapping(vpc.ID, "2001:db8:1:1::/64", d)
	overlapping(vpc.ID, "2001:db8:1:1:8000::/65", d)
	overlapping(vpc.ID, "2001:db8:1:2::/64")
	overlapping(vpc.ID, "::/0", f, a, d)
	overlapping(vpc.ID, "::ffff:0:0/96", f)
	overlapping(vpc2.ID, "10.1.0.0/16", e)
	overlapping("vpc-missing", "10.1.0.0/16")

	// The reads LockPoolsChanges makes after its locks, a planning-pool
	// subnet's context: the VPC, every block of the family of its
	// subnets, and the owner's IPAMs.
	h.update(func(tx ipam.Tx) error {
		return tx.InsertIPAM(&ipam.IPAM{ID: "ipam-1", OwnerID: owner, Region: "us-east-1", OperatingRegions: []string{"us-east-1"}})
	})
	readOne := func(tx ipam.Tx, r ipam.SubnetRead) (ipam.SubnetReadResult, error) {
		_, got, err := tx.LockPoolsChanges(nil, []ipam.SubnetRead{r})
		if err != nil {
			return ipam.SubnetReadResult{}, err
		}
		equal(t, "LockPoolsChanges reads", len(got), 1)
		return got[0], nil
	}
	shareBlocks := func(v *ipam.VPC, ipv6 bool, want ...string) {
		t.Helper()
		h.update(func(tx ipam.Tx) error {
			got, err := readOne(tx, ipam.SubnetRead{Owner: owner, VpcID: v.ID, IPv6: ipv6})
			if err != nil {
				return err
			}
			if got.Err != nil {
				return got.Err
			}
			equal(t, "subnet context VPC", got.VPC, v)
			list, err := tx.ListIPAMs(owner)
			if err != nil {
				return err
			}
			equal(t, "subnet context IPAMs", got.IPAMs, list)
			equal(t, "subnet context IPAM count", len(got.IPAMs), 1)
			var gotS []string
			for _, b := range got.Blocks {
				gotS = append(gotS, b.String())
			}
			slices.Sort(gotS)
			slices.Sort(want)
			equal(t, fmt.Sprintf("subnet context %s ipv6=%v", v.ID, ipv6), gotS, want)
			return nil
		})
	}
	shareBlocks(vpc, false, "10.1.0.0/24", "10.1.1.0/24", "10.1.4.0/22")
	shareBlocks(vpc, true, "::/64", "2001:db8:1::/64", "2001:db8:1:1::/64")
	shareBlocks(vpc2, false, "10.1.0.0/24")
	// Several reads in one call answer as each would alone, and a VPC not
	// found answers ErrNotFound without spoiling the others.
	h.update(func(tx ipam.Tx) error {
		alone, err := readOne(tx, ipam.SubnetRead{Owner: owner, VpcID: vpc.ID, IPv6: true})
		if err != nil {
			return err
		}
		_, got, err := tx.LockPoolsChanges(nil, []ipam.SubnetRead{
			{Owner: owner, VpcID: vpc.ID, IPv6: true},
			{Owner: owner, VpcID: "vpc-missing"},
			{Owner: "999999999999", VpcID: vpc.ID},
			{Owner: owner, VpcID: vpc2.ID},
			{Owner: owner}, // the IPAMs alone
		})
		if err != nil {
			return err
		}
		equal(t, "LockPoolsChanges reads", len(got), 5)
		if g := got[4]; g.Err != nil || g.VPC != nil || g.Blocks != nil {
			t.Errorf("LockPoolsChanges read of the IPAMs alone = %+v", g)
		}
		equal(t, "LockPoolsChanges read of the IPAMs alone", got[4].IPAMs, alone.IPAMs)
		equal(t, "LockPoolsChanges read VPC", got[0].VPC, alone.VPC)
		slices.SortFunc(alone.Blocks, netip.Prefix.Compare)
		slices.SortFunc(got[0].Blocks, netip.Prefix.Compare)
		equal(t, "LockPoolsChanges read blocks", got[0].Blocks, alone.Blocks)
		equal(t, "LockPoolsChanges read IPAMs", got[0].IPAMs, alone.IPAMs)
		for _, k := range []int{1, 2} {
			if !errors.Is(got[k].Err, ipam.ErrNotFound) || got[k].VPC != nil {
				t.Errorf("LockPoolsChanges read %d = %+v; want ErrNotFound alone", k, got[k])
			}
		}
		equal(t, "LockPoolsChanges read of another VPC", len(got[3].Blocks), 1)
		return nil
	})
	for _, id := range []string{"vpc-missing", vpc.ID} {
		who := owner
		if id == vpc.ID {
			who = "999999999999" // another account's VPC is not found either
		}
		h.update(func(tx ipam.Tx) error {
			got, err := readOne(tx, ipam.SubnetRead{Owner: who, VpcID: id})
			if err != nil {
				return err
			}
			if !errors.Is(got.Err, ipam.ErrNotFound) {
				t.Errorf("subnet context of %s as %s: err = %v, want ErrNotFound", id, who, got.Err)
			}
			return nil
		})
	}

	refused := []struct {
		name string
		s    *ipam.Subnet
	}{
		{"the same IPv4 block", bareSubnet(vpc, "subnet-x", "10.1.0.0/24")},
		{"an IPv4 block inside another", bareSubnet(vpc, "subnet-x", "10.1.5.0/24")},
		{"an IPv4 block around two", bareSubnet(vpc, "subnet-x", "10.1.0.0/22")},
		{"the last address of an IPv4 block", bareSubnet(vpc, "subnet-x", "10.1.7.255/32")},
		{"a fresh IPv4 block and an overlapping IPv6 one", fullSubnet(vpc, "subnet-x", "10.1.9.0/24", "2001:db8:1::/56")},
		{"an IPv6 block inside another", fullSubnet(vpc, "subnet-x", "", "2001:db8:1:1::/80")},
	}
	for _, r := range refused {
		h.wantErr(ipam.ErrConflict, "InsertSubnet of "+r.name, insertSubnets(r.s))
		// The whole transaction fails: a subnet inserted before the refused
		// one is gone too, and the refused one's fresh block is free.
		ok := bareSubnet(vpc, "subnet-y", "10.1.12.0/24")
		h.wantErr(ipam.ErrConflict, "InsertSubnet of "+r.name+" after another", insertSubnets(ok, r.s))
		h.wantViewErr(ipam.ErrNotFound, "GetSubnet of the refused subnet", func(tx ipam.Tx) error {
			_, err := tx.GetSubnet(owner, r.s.ID)
			return err
		})
		h.wantViewErr(ipam.ErrNotFound, "GetSubnet of a subnet inserted before the refused one", func(tx ipam.Tx) error {
			_, err := tx.GetSubnet(owner, ok.ID)
			return err
		})
	}
	overlapping(vpc.ID, "10.1.8.0/21")
	// Blocks freed by the refusals: adjacent to others, in both families.
	h.update(insertSubnets(fullSubnet(vpc, "subnet-6", "10.1.2.0/23", "2001:db8:1:2::/64"),
		bareSubnet(vpc, "subnet-7", "10.1.8.0/24"), bareSubnet(vpc, "subnet-8", "10.1.12.0/24")))
	overlapping(vpc.ID, "10.1.0.0/20", a, b, h.subnet("subnet-6"), c, h.subnet("subnet-7"), h.subnet("subnet-8"))
}

// normSubnet is s as a store reads it back.
func normSubnet(s *ipam.Subnet) *ipam.Subnet {
	c := *s
	c.Tags = ipam.NilIfEmpty(c.Tags)
	return &c
}

func (h *harness) subnet(id string) *ipam.Subnet {
	h.t.Helper()
	var s *ipam.Subnet
	h.view(func(tx ipam.Tx) (err error) {
		s, err = tx.GetSubnet("111111111111", id)
		return err
	})
	return s
}

// testListVPCsAndSubnets pages through two owners' VPCs and subnets with
// every constraint of ResourceQuery and compares with the reference.
func testListVPCsAndSubnets(t *testing.T, h *harness) {
	const owner, other = "111111111111", "222222222222"
	var vpcs []*ipam.VPC
	var subnets []*ipam.Subnet
	for i := range 30 {
		o := owner
		if i%5 == 4 {
			o = other
		}
		// Ids out of insertion order.
		v := fullVPC(o, fmt.Sprintf("vpc-%02d", (i*7)%30), i)
		if i%3 == 0 {
			v.Tags, v.CIDRs = []ipam.Tag{}, nil
		}
		vpcs = append(vpcs, v)
		for j := range i % 4 {
			s := fullSubnet(v, fmt.Sprintf("subnet-%03d", (i*13+j*31)%300), fmt.Sprintf("10.%d.%d.0/24", i, j), "")
			if j == 1 {
				s.Tags = []ipam.Tag{}
			}
			subnets = append(subnets, s)
		}
	}
	h.update(insertVPCs(vpcs...))
	h.update(insertSubnets(subnets...))
	for _, v := range vpcs {
		v.Tags, v.CIDRs = ipam.NilIfEmpty(v.Tags), ipam.NilIfEmpty(v.CIDRs)
	}
	for _, s := range subnets {
		s.Tags = ipam.NilIfEmpty(s.Tags)
	}
	slices.SortFunc(vpcs, func(a, b *ipam.VPC) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(subnets, func(a, b *ipam.Subnet) int { return cmp.Compare(a.ID, b.ID) })

	queries := []ipam.ResourceQuery{
		{OwnerID: owner},
		{OwnerID: other},
		{OwnerID: "999999999999"},
		{OwnerID: owner, Limit: 7},
		{OwnerID: owner, Limit: 1},
		{OwnerID: owner, After: "subnet-100"},
		{OwnerID: owner, After: "vpc-10", Limit: 3},
		{OwnerID: owner, IDs: []string{"vpc-07", "vpc-01", "vpc-04", "vpc-missing", "subnet-013", "subnet-044", "subnet-999"}},
		{OwnerID: owner, IDs: []string{"vpc-07", "vpc-01", "vpc-04", "vpc-09", "subnet-013", "subnet-044", "subnet-082"}, Limit: 2},
		{OwnerID: owner, VpcIDs: []string{"vpc-03", "vpc-07"}},
		{OwnerID: owner, VpcIDs: []string{"vpc-03", "vpc-07", "vpc-21"}, Limit: 2},
		{OwnerID: owner, VpcIDs: []string{"vpc-28"}, IDs: []string{"subnet-255", "subnet-286", "subnet-013"}},
		{OwnerID: other, VpcIDs: []string{"vpc-03", "vpc-07"}},
		{OwnerID: owner, VpcIDs: []string{"vpc-missing"}},
	}
	for _, q := range queries {
		name := fmt.Sprintf("%+v", q)
		listAll(t, h, "ListVPCs "+name, q, ipam.Tx.ListVPCs, func(v *ipam.VPC) string { return v.ID },
			func(v *ipam.VPC) bool {
				return v.OwnerID == q.OwnerID && (len(q.IDs) == 0 || slices.Contains(q.IDs, v.ID))
			}, vpcs)
		listAll(t, h, "ListSubnets "+name, q, ipam.Tx.ListSubnets, func(s *ipam.Subnet) string { return s.ID },
			func(s *ipam.Subnet) bool {
				return s.OwnerID == q.OwnerID && (len(q.IDs) == 0 || slices.Contains(q.IDs, s.ID)) &&
					(len(q.VpcIDs) == 0 || slices.Contains(q.VpcIDs, s.VpcID))
			}, subnets)
	}
}

// listAll pages through list from q.After with q.Limit (one page if 0) and
// compares with all's items that match, after q.After, in order.
func listAll[T any](t *testing.T, h *harness, what string, q ipam.ResourceQuery,
	list func(ipam.Tx, ipam.ResourceQuery) ([]*T, error), id func(*T) string, match func(*T) bool, all []*T) {
	t.Helper()
	var want []*T
	for _, x := range all {
		if id(x) > q.After && match(x) {
			want = append(want, x)
		}
	}
	var got []*T
	h.view(func(tx ipam.Tx) error {
		for page := 0; ; page++ {
			items, err := list(tx, q)
			if err != nil {
				return err
			}
			if q.Limit > 0 && len(items) > q.Limit {
				t.Errorf("%s: page of %d, limit %d", what, len(items), q.Limit)
			}
			got = append(got, items...)
			if q.Limit == 0 || len(items) < q.Limit || page > len(all) {
				return nil
			}
			q.After = id(items[len(items)-1])
		}
	})
	equal(t, what, got, want)
}
