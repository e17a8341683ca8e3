package ipam

import (
	"context"
	"net/netip"
	"slices"
)

// checkNewBlock refuses a block the VPC cannot take: over the quota of its
// family, or overlapping one of its blocks.
func checkNewBlock(v *VPC, p netip.Prefix, ipv6 bool) error {
	n := 0
	for _, b := range v.CIDRs {
		if b.IPv6() == ipv6 {
			n++
		}
	}
	if n >= maxBlocksPerFamily {
		return errorf(CodeCidrLimitExceeded, "The vpc '%s' already has the maximum of %d %s CIDR blocks.", v.ID, maxBlocksPerFamily, familyName(ipv6))
	}
	if p.IsValid() {
		if b, ok := overlapsAny(vpcPrefixes(v), p); ok {
			return errorf(CodeVpcRange, "The CIDR '%s' overlaps %s, which is already associated with the vpc '%s'.", p, b, v.ID)
		}
	}
	return nil
}

func familyName(ipv6 bool) string {
	if ipv6 {
		return "IPv6"
	}
	return "IPv4"
}

func vpcPrefixes(v *VPC) []netip.Prefix {
	out := make([]netip.Prefix, len(v.CIDRs))
	for i, b := range v.CIDRs {
		out[i] = b.CIDR
	}
	return out
}

// AssociateVpcCidrBlock adds a secondary block to a VPC: explicit, or the
// lowest free block of a pool that does not overlap the VPC's other blocks.
func (s *Service) AssociateVpcCidrBlock(ctx context.Context, c Caller, in AssociateVpcCidrBlockInput) (*VPC, *VPCCIDR, error) {
	if in.VpcID == "" {
		return nil, nil, missing("VpcId")
	}
	blocks, err := vpcBlocks(in.VpcCidrParams, false, s.region)
	if err != nil {
		return nil, nil, err
	}
	b := blocks[0]
	var v *VPC
	var added VPCCIDR
	if !b.pooled() {
		err := s.update(ctx, func(tx Tx, o *op) error {
			var err error
			if v, err = tx.LockVPC(c.AccountID, in.VpcID); err != nil {
				return notFoundAs(err, vpcNotFound(in.VpcID))
			}
			if err := checkNewBlock(v, b.prefix, false); err != nil {
				return err
			}
			added = s.vpcBlock(b.prefix, nil, nil, s.region)
			v.CIDRs = append(v.CIDRs, added)
			return tx.UpdateVPC(v)
		})
		if err != nil {
			return nil, nil, err
		}
		return v, &added, nil
	}
	// The pool is locked first (lock order), then the VPC.
	shell := &VPC{ID: in.VpcID, Region: s.region}
	use := s.vpcUse(shell, b.family, func(tx Tx, p *Pool) ([]netip.Prefix, error) {
		var err error
		if v, err = tx.LockVPC(c.AccountID, in.VpcID); err != nil {
			return nil, notFoundAs(err, vpcNotFound(in.VpcID))
		}
		ipv6 := b.family == "ipv6"
		if err := checkNewBlock(v, netip.Prefix{}, ipv6); err != nil {
			return nil, err
		}
		var avoid []netip.Prefix
		for _, x := range v.CIDRs {
			if x.IPv6() == ipv6 {
				avoid = append(avoid, x.CIDR)
			}
		}
		return avoid, nil
	}, func(tx Tx, a *Allocation, p *Pool) error {
		added = s.vpcBlock(a.CIDR, a, p, s.region)
		v.CIDRs = append(v.CIDRs, added)
		return tx.UpdateVPC(v)
	})
	// The pool's required resource tags are checked against the VPC's tags,
	// which only the locked read knows: admit reads them through the shell.
	use.tagsOf = func() []Tag { return v.Tags }
	if err := s.allocateForResource(ctx, c, b, false, use); err != nil {
		return nil, nil, err
	}
	return v, &added, nil
}

// DisassociateVpcCidrBlock removes a secondary block from a VPC and gives a
// pooled block back to its pool in the same transaction. The primary IPv4
// block, and a block that subnets or planning pools still use, stay.
func (s *Service) DisassociateVpcCidrBlock(ctx context.Context, c Caller, in DisassociateVpcCidrBlockInput) (*VPC, *VPCCIDR, error) {
	if in.AssociationID == "" {
		return nil, nil, missing("AssociationId")
	}
	var v *VPC
	var gone VPCCIDR
	err := s.update(ctx, func(tx Tx, o *op) error {
		var err error
		if v, err = tx.VPCByAssociation(c.AccountID, in.AssociationID); err != nil {
			return notFoundAs(err, vpcAssociationNotFound(in.AssociationID))
		}
		pools, err := s.lockVPCPools(tx, o, c, v.CIDRs)
		if err != nil {
			return err
		}
		if v, err = lockVPCWithPools(tx, c, v.ID, pools); err != nil {
			return err
		}
		i := slices.IndexFunc(v.CIDRs, func(b VPCCIDR) bool { return b.AssociationID == in.AssociationID })
		if i < 0 {
			return vpcAssociationNotFound(in.AssociationID)
		}
		gone = v.CIDRs[i]
		if err := s.checkBlockUnused(tx, c, v, gone); err != nil {
			return err
		}
		if err := s.releaseBlock(tx, o, pools[gone.PoolID], gone.AllocationID); err != nil {
			return err
		}
		v.CIDRs = slices.Delete(v.CIDRs, i, i+1)
		return tx.UpdateVPC(v)
	})
	if err != nil {
		return nil, nil, err
	}
	gone.State = AssocDisassociated
	return v, &gone, nil
}

// checkBlockUnused refuses to take away the primary block or one that a
// subnet or a resource planning pool of the VPC lies in.
func (s *Service) checkBlockUnused(tx Tx, c Caller, v *VPC, b VPCCIDR) error {
	if !b.IPv6() && b.CIDR == v.Primary() {
		return invalidValue("The CIDR block %s is the primary CIDR block of the vpc '%s' and cannot be disassociated.", b.CIDR, v.ID)
	}
	subnets, err := tx.SubnetsOverlapping(v.ID, b.CIDR)
	if err != nil {
		return err
	}
	if len(subnets) > 0 {
		return errorf(CodeDependencyViolation, "The CIDR block %s of the vpc '%s' has dependencies and cannot be disassociated: subnet %s is in it.", b.CIDR, v.ID, subnets[0].ID)
	}
	if v.PlanningPools == 0 {
		return nil
	}
	pools, err := tx.ListPools(c.AccountID)
	if err != nil {
		return err
	}
	for _, p := range pools {
		if p.SourceResource == nil || p.SourceResource.ResourceID != v.ID {
			continue
		}
		cidrs, err := tx.ListPoolCIDRs(p.ID)
		if err != nil {
			return err
		}
		for _, pc := range cidrs {
			if pc.State == CidrProvisioned && pc.CIDR.Overlaps(b.CIDR) {
				return errorf(CodeDependencyViolation, "The CIDR block %s of the vpc '%s' has dependencies and cannot be disassociated: %s is provisioned to the resource planning pool %s.", b.CIDR, v.ID, pc.CIDR, p.ID)
			}
		}
	}
	return nil
}

// DescribeVpcAttribute reads one attribute of a VPC.
func (s *Service) DescribeVpcAttribute(ctx context.Context, c Caller, in DescribeVpcAttributeInput) (*VPC, error) {
	if in.Attribute == "" {
		return nil, missing("Attribute")
	}
	if err := oneOf(&in.Attribute, "Attribute", AttrEnableDNSSupport, AttrEnableDNSHostnames, AttrEnableNAUMetrics); err != nil {
		return nil, err
	}
	var v *VPC
	err := s.view(ctx, func(tx Tx) error {
		var err error
		v, err = getVPC(tx, c, in.VpcID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun
	}
	return v, nil
}

// ModifyVpcAttribute sets one attribute of a VPC per call, as AWS does.
func (s *Service) ModifyVpcAttribute(ctx context.Context, c Caller, in ModifyVpcAttributeInput) error {
	set := 0
	for _, b := range []*bool{in.EnableDNSSupport, in.EnableDNSHostnames, in.EnableNAUMetrics} {
		if b != nil {
			set++
		}
	}
	switch {
	case in.VpcID == "":
		return missing("VpcId")
	case set == 0:
		return errorf(CodeMissingParameter, "The request must contain one of EnableDnsSupport, EnableDnsHostnames or EnableNetworkAddressUsageMetrics.")
	case set > 1:
		return invalidCombination("Fields for multiple attribute types specified: ModifyVpcAttribute changes one attribute per call.")
	}
	return s.update(ctx, func(tx Tx, _ *op) error {
		v, err := tx.LockVPC(c.AccountID, in.VpcID)
		if err != nil {
			return notFoundAs(err, vpcNotFound(in.VpcID))
		}
		switch {
		case in.EnableDNSSupport != nil:
			v.EnableDNSSupport = *in.EnableDNSSupport
		case in.EnableDNSHostnames != nil:
			v.EnableDNSHostnames = *in.EnableDNSHostnames
		default:
			v.EnableNAUMetrics = *in.EnableNAUMetrics
		}
		return tx.UpdateVPC(v)
	})
}
