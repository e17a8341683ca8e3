package ipam

import (
	"context"
	"errors"
	"net/netip"
)

func subnetNotFound(id string) *Error {
	if malformedID(id, "subnet-") {
		return malformed(CodeSubnetIDMalformed, "subnet", id, "subnet-")
	}
	return errorf(CodeSubnetNotFound, "The subnet ID '%s' does not exist", echo(id))
}

// subnetBlocks validates CreateSubnet's CIDR parameters (pure) and returns
// the blocks asked for, IPv4 first.
func subnetBlocks(in CreateSubnetInput) ([]blockRequest, error) {
	switch {
	case in.CidrBlock != "" && in.Ipv4IpamPoolID != "":
		return nil, invalidCombination("CidrBlock and Ipv4IpamPoolId cannot both be specified.")
	case in.Ipv6CidrBlock != "" && in.Ipv6IpamPoolID != "":
		return nil, invalidCombination("Ipv6CidrBlock and Ipv6IpamPoolId cannot both be specified.")
	case in.Ipv4NetmaskLength != nil && in.Ipv4IpamPoolID == "":
		return nil, invalidCombination("Ipv4NetmaskLength can only be specified with Ipv4IpamPoolId.")
	case in.Ipv6NetmaskLength != nil && in.Ipv6IpamPoolID == "":
		return nil, invalidCombination("Ipv6NetmaskLength can only be specified with Ipv6IpamPoolId.")
	}
	var out []blockRequest
	for _, f := range []struct {
		family, cidr, param, pool string
		bits                      *int
	}{
		{"ipv4", in.CidrBlock, "CidrBlock", in.Ipv4IpamPoolID, in.Ipv4NetmaskLength},
		{"ipv6", in.Ipv6CidrBlock, "Ipv6CidrBlock", in.Ipv6IpamPoolID, in.Ipv6NetmaskLength},
	} {
		switch {
		case f.cidr != "":
			p, err := parseFamilyCIDR(f.cidr, f.param, f.family)
			if err != nil {
				return nil, err
			}
			if err := subnetSizes.check(p.Bits(), f.family, "subnet", CodeSubnetRange); err != nil {
				return nil, err
			}
			out = append(out, blockRequest{family: f.family, prefix: p})
		case f.pool != "":
			if f.bits != nil {
				if err := subnetSizes.check(*f.bits, f.family, "subnet", CodeInvalidParameterValue); err != nil {
					return nil, err
				}
			}
			out = append(out, blockRequest{family: f.family, poolID: f.pool, bits: f.bits})
		}
	}
	hasV4 := len(out) > 0 && out[0].family == "ipv4"
	hasV6 := len(out) > 0 && out[len(out)-1].family == "ipv6"
	switch {
	case in.Ipv6Native && hasV4:
		return nil, invalidCombination("An IPv6-only subnet (Ipv6Native) cannot have an IPv4 CIDR block.")
	case in.Ipv6Native && !hasV6:
		return nil, errorf(CodeMissingParameter, "An IPv6-only subnet (Ipv6Native) needs Ipv6CidrBlock or Ipv6IpamPoolId.")
	case !in.Ipv6Native && !hasV4:
		return nil, errorf(CodeMissingParameter, "Either CidrBlock or Ipv4IpamPoolId must be specified.")
	}
	return out, nil
}

// newSubnet is the subnet CreateSubnet makes, before its blocks.
func (s *Service) newSubnet(c Caller, in CreateSubnetInput, tags []Tag) (*Subnet, error) {
	az, err := s.zone(in.AvailabilityZone, in.AvailabilityZoneID)
	if err != nil {
		return nil, err
	}
	return &Subnet{
		ID: s.ids.next("subnet-"), OwnerID: c.AccountID, VpcID: in.VpcID, Region: s.region,
		State: SubnetAvailable, AvailabilityZone: az.Name, AvailabilityZoneID: az.ID,
		Ipv6Native: in.Ipv6Native, Attrs: SubnetAttrs{HostnameType: "ip-name"}, Tags: tags,
	}, nil
}

// setBlock makes p (from allocation a, or explicit when a is nil) one of the
// subnet's blocks.
func (sn *Subnet) setBlock(p netip.Prefix, a *Allocation, pool *Pool) {
	var poolID, allocID string
	if a != nil {
		poolID, allocID = a.PoolID, a.ID
	}
	if p.Addr().Is4() {
		sn.CIDR, sn.PoolID, sn.AllocationID = p, poolID, allocID
		return
	}
	v6 := &SubnetIPv6{AssociationID: newID("subnet-cidr-assoc-", 16), CIDR: p, PoolID: poolID, AllocationID: allocID,
		AddressAttribute: "private", IPSource: "none"}
	if pool != nil && pool.ScopeType == "public" {
		v6.AddressAttribute, v6.IPSource = "public", "byoip"
	}
	sn.IPv6 = v6
}

// CreateSubnet creates a subnet in a VPC with explicit blocks (inside the
// VPC's blocks, overlapping none of its other subnets) or blocks from the
// VPC's resource planning pools.
func (s *Service) CreateSubnet(ctx context.Context, c Caller, in CreateSubnetInput) (*Subnet, error) {
	if in.VpcID == "" {
		return nil, missing("VpcId")
	}
	if in.OutpostArn != "" {
		return nil, errorf(CodeUnsupported, "OutpostArn is not supported: ipamd has no Outposts.")
	}
	blocks, err := subnetBlocks(in)
	if err != nil {
		return nil, err
	}
	tags, err := tagsFromSpecs(in.TagSpecifications, "subnet")
	if err != nil {
		return nil, err
	}
	sn, err := s.newSubnet(c, in, tags)
	if err != nil {
		return nil, err
	}
	var pooled, explicit []blockRequest
	for _, b := range blocks {
		if b.pooled() {
			pooled = append(pooled, b)
		} else {
			explicit = append(explicit, b)
		}
	}
	// checkExplicit places the explicit blocks in the locked VPC. The lock,
	// not a share, makes concurrent explicit subnets of one VPC take turns:
	// each checks after the one before committed. Under a share they would
	// all pass the check and meet in the store's backstop, where
	// PostgreSQL's exclusion constraint can leave two inserts waiting for
	// each other until its deadlock detector (a second later) aborts one.
	checkExplicit := func(tx Tx) (*VPC, error) {
		v, err := tx.LockVPC(c.AccountID, in.VpcID)
		if err != nil {
			return nil, notFoundAs(err, vpcNotFound(in.VpcID))
		}
		sn.CIDR, sn.IPv6 = netip.Prefix{}, nil
		for _, b := range explicit {
			if err := placeSubnetBlock(tx, v, b.prefix); err != nil {
				return nil, err
			}
			sn.setBlock(b.prefix, nil, nil)
		}
		return v, nil
	}
	if len(pooled) == 1 {
		b := pooled[0]
		use := &boundUse{}
		use.resourceUse = resourceUse{typ: ResourceSubnet, id: sn.ID, region: s.region, family: b.family,
			sizes: subnetSizes, what: "subnet", tags: tags,
			check: func(tx Tx, o *op, p *Pool) ([]netip.Prefix, error) {
				use.pool = p
				if len(explicit) > 0 {
					v, err := checkExplicit(tx)
					if err != nil {
						return nil, err
					}
					return subnetPoolAvoid(tx, c, v, p, b.family)
				}
				// The common case: read with the pool's lock (use.read), with
				// the IPAMs the subnet's monitoring rows need.
				v, avoid, err := o.subnetContext(tx, *use.read)
				if err != nil {
					return nil, notFoundAs(err, vpcNotFound(in.VpcID))
				}
				sn.CIDR, sn.IPv6 = netip.Prefix{}, nil
				if err := checkSubnetPoolOf(tx, c, v, p, b.family); err != nil {
					return nil, err
				}
				return avoid, nil
			},
			read: readIf(len(explicit) == 0, SubnetRead{Owner: c.AccountID, VpcID: in.VpcID, IPv6: b.family == "ipv6"}),
			commit: func(tx Tx, a *Allocation) error {
				sn.setBlock(a.CIDR, a, use.pool)
				return tx.InsertSubnet(sn)
			}}
		if err := s.allocateForResource(ctx, c, b, in.DryRun, use); err != nil {
			return nil, err
		}
		return sn, nil
	}
	err = s.update(ctx, func(tx Tx, o *op) error {
		// Pools before VPCs (vpcs.go): lock both pools, then share the VPC.
		var refs []poolRef
		for _, b := range pooled {
			refs = append(refs, poolRef{b.family == "ipv6", b.poolID})
		}
		if _, err := s.lockPools(tx, o, c, refs); err != nil {
			return err
		}
		v, err := checkExplicit(tx)
		if err != nil {
			return err
		}
		for _, b := range pooled {
			use := &boundUse{}
			use.resourceUse = resourceUse{typ: ResourceSubnet, id: sn.ID, region: s.region, family: b.family,
				sizes: subnetSizes, what: "subnet", tags: tags,
				check: func(tx Tx, _ *op, p *Pool) ([]netip.Prefix, error) {
					use.pool = p
					return subnetPoolAvoid(tx, c, v, p, b.family)
				}}
			a, err := s.allocateIn(tx, o, c, allocInput(b, in.DryRun), nil, &use.resourceUse)
			if err != nil {
				return err
			}
			sn.setBlock(a.CIDR, a, use.pool)
		}
		if in.DryRun {
			return errDryRun
		}
		err = tx.InsertSubnet(sn)
		if len(explicit) == 0 {
			// Only pooled blocks: a lost race is no refusal; Service.update
			// runs the transaction again and the pools choose around the
			// winner.
			return err
		}
		return subnetConflict(err, sn)
	})
	if err != nil {
		return nil, err
	}
	return sn, nil
}

// subnetConflict reports the store's overlap backstop, which a concurrent
// CreateSubnet (on this node or another) reaches when both passed the
// check, as the conflict the check would have reported.
func subnetConflict(err error, sn *Subnet) error {
	if errors.Is(err, ErrConflict) {
		return errorf(CodeSubnetConflict, "The CIDR block of the subnet conflicts with another subnet of the vpc '%s' created at the same time.", sn.VpcID)
	}
	return err
}

// placeSubnetBlock checks that an explicit block lies inside one of the
// VPC's blocks and overlaps no other subnet of the VPC.
func placeSubnetBlock(tx Tx, v *VPC, p netip.Prefix) error {
	if !within(vpcPrefixes(v), p) {
		return errorf(CodeSubnetRange, "The CIDR '%s' is invalid: it is not inside a CIDR block of the vpc '%s'.", p, v.ID)
	}
	others, err := tx.SubnetsOverlapping(v.ID, p)
	if err != nil {
		return err
	}
	if len(others) > 0 {
		return errorf(CodeSubnetConflict, "The CIDR '%s' conflicts with another subnet (%s) of the vpc '%s'.", p, others[0].ID, v.ID)
	}
	return nil
}

// subnetPoolAvoid checks that p is a resource planning pool of the VPC (or
// nested under one) and returns the blocks of the VPC's subnets: the ones
// from other pools or explicit CIDRs are unknown to p, and the allocation
// must go around them.
func subnetPoolAvoid(tx Tx, c Caller, v *VPC, p *Pool, family string) ([]netip.Prefix, error) {
	if err := checkSubnetPoolOf(tx, c, v, p, family); err != nil {
		return nil, err
	}
	// Every subnet block of the VPC, p's own among them: those are p's
	// allocations already, so avoiding them changes nothing, and no
	// subnet document need be read to tell them apart.
	var avoid []netip.Prefix
	for _, b := range v.CIDRs {
		if b.IPv6() != (family == "ipv6") {
			continue
		}
		blocks, err := tx.SubnetBlocksOverlapping(v.ID, b.CIDR)
		if err != nil {
			return nil, err
		}
		avoid = append(avoid, blocks...)
	}
	return avoid, nil
}

// readIf is &r if cond, else nil.
func readIf(cond bool, r SubnetRead) *SubnetRead {
	if !cond {
		return nil
	}
	return &r
}

// checkSubnetPoolOf checks that p is a resource planning pool of the VPC,
// or nested under one.
func checkSubnetPoolOf(tx Tx, c Caller, v *VPC, p *Pool, family string) error {
	root := p
	for root.SourceResource == nil && root.SourcePoolID != "" {
		next, err := tx.GetPool(c.AccountID, root.SourcePoolID)
		if err != nil {
			return err
		}
		root = next
	}
	return checkSubnetPool(p, family, v.ID, root)
}

// lockSubnet reads one of the caller's subnets for a read-modify-write:
// locked, so two writers on two nodes cannot lose each other's change, and
// a subnet deleted meanwhile is not found.
func lockSubnet(tx Tx, c Caller, id string) (*Subnet, error) {
	if id == "" {
		return nil, missing("SubnetId")
	}
	sn, err := tx.LockSubnet(c.AccountID, id)
	return sn, notFoundAs(err, subnetNotFound(id))
}

// getSubnet reads one of the caller's subnets.
func getSubnet(tx Tx, c Caller, id string) (*Subnet, error) {
	if id == "" {
		return nil, missing("SubnetId")
	}
	sn, err := tx.GetSubnet(c.AccountID, id)
	return sn, notFoundAs(err, subnetNotFound(id))
}

// DeleteSubnet deletes a subnet and gives its pooled blocks back to their
// pools in the same transaction.
func (s *Service) DeleteSubnet(ctx context.Context, c Caller, in DeleteSubnetInput) error {
	return s.update(ctx, func(tx Tx, o *op) error {
		sn, err := getSubnet(tx, c, in.SubnetID)
		if err != nil {
			return err
		}
		var refs []poolRef
		if sn.PoolID != "" {
			refs = append(refs, poolRef{false, sn.PoolID})
		}
		if sn.IPv6 != nil && sn.IPv6.PoolID != "" {
			refs = append(refs, poolRef{true, sn.IPv6.PoolID})
		}
		pools, err := s.lockPools(tx, o, c, refs)
		if err != nil {
			return err
		}
		if in.DryRun {
			return errDryRun
		}
		// Blocks never change, so the unlocked read is still right; a
		// concurrent delete of the same subnet makes this one not find it.
		// Its monitoring rows are found through its VPC.
		o.mon.touch(sn.ID, sn.OwnerID).vpcID = sn.VpcID
		if err := tx.DeleteSubnet(sn.ID); err != nil {
			return notFoundAs(err, subnetNotFound(sn.ID))
		}
		if err := s.releaseBlock(tx, o, pools[sn.PoolID], sn.AllocationID); err != nil {
			return err
		}
		if sn.IPv6 != nil {
			return s.releaseBlock(tx, o, pools[sn.IPv6.PoolID], sn.IPv6.AllocationID)
		}
		return nil
	})
}

// ModifySubnetAttribute sets one attribute of a subnet per call, as AWS does.
func (s *Service) ModifySubnetAttribute(ctx context.Context, c Caller, in ModifySubnetAttributeInput) error {
	changes := subnetAttrChanges(in)
	switch {
	case in.SubnetID == "":
		return missing("SubnetId")
	case len(changes) == 0:
		return errorf(CodeMissingParameter, "The request must contain an attribute to modify.")
	case len(changes) > 1:
		return invalidCombination("Fields for multiple attribute types specified: ModifySubnetAttribute changes one attribute per call.")
	}
	if in.HostnameType != nil {
		if err := oneOf(in.HostnameType, "PrivateDnsHostnameTypeOnLaunch", "ip-name", "resource-name"); err != nil {
			return err
		}
	}
	if deref(in.MapCustomerOwnedIPOnLaunch, false) || in.CustomerOwnedIpv4Pool != nil || in.EnableLniAtDeviceIndex != nil || deref(in.DisableLniAtDeviceIndex, false) {
		return errorf(CodeUnsupported, "Customer-owned IP pools and LNI device indexes belong to Outposts, which ipamd does not have.")
	}
	return s.update(ctx, func(tx Tx, _ *op) error {
		sn, err := lockSubnet(tx, c, in.SubnetID)
		if err != nil {
			return err
		}
		if deref(in.AssignIpv6OnCreation, false) && sn.IPv6 == nil {
			return invalidValue("The subnet '%s' has no IPv6 CIDR block, so it cannot assign IPv6 addresses on creation.", sn.ID)
		}
		changes[0](&sn.Attrs)
		return notFoundAs(tx.UpdateSubnet(sn), subnetNotFound(sn.ID))
	})
}

// subnetAttrChanges lists the attribute changes a request asks for.
func subnetAttrChanges(in ModifySubnetAttributeInput) []func(*SubnetAttrs) {
	var out []func(*SubnetAttrs)
	setBool := func(v *bool, f func(*SubnetAttrs) *bool) {
		if v != nil {
			out = append(out, func(a *SubnetAttrs) { *f(a) = *v })
		}
	}
	setBool(in.MapPublicIPOnLaunch, func(a *SubnetAttrs) *bool { return &a.MapPublicIPOnLaunch })
	setBool(in.AssignIpv6OnCreation, func(a *SubnetAttrs) *bool { return &a.AssignIpv6OnCreation })
	setBool(in.MapCustomerOwnedIPOnLaunch, func(a *SubnetAttrs) *bool { return &a.MapCustomerOwnedIPOnLaunch })
	setBool(in.EnableDNS64, func(a *SubnetAttrs) *bool { return &a.EnableDNS64 })
	setBool(in.EnableResourceNameDNSA, func(a *SubnetAttrs) *bool { return &a.EnableResourceNameDNSA })
	setBool(in.EnableResourceNameDNSAAAA, func(a *SubnetAttrs) *bool { return &a.EnableResourceNameDNSAAAA })
	setBool(in.DisableLniAtDeviceIndex, func(a *SubnetAttrs) *bool { return new(bool) })
	if in.HostnameType != nil {
		out = append(out, func(a *SubnetAttrs) { a.HostnameType = *in.HostnameType })
	}
	if in.CustomerOwnedIpv4Pool != nil {
		out = append(out, func(a *SubnetAttrs) { a.CustomerOwnedIpv4Pool = *in.CustomerOwnedIpv4Pool })
	}
	if in.EnableLniAtDeviceIndex != nil {
		out = append(out, func(a *SubnetAttrs) { a.EnableLniAtDeviceIndex = *in.EnableLniAtDeviceIndex })
	}
	return out
}
