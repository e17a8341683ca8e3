package ipam

import (
	"errors"
	"net/netip"
)

// Resource planning pools: a pool whose SourceResource is a VPC plans that
// VPC's address space for its subnets. What is provisioned to it must lie
// inside the VPC's blocks; subnets take their blocks from it (or from pools
// nested under it). The VPC counts its planning pools and cannot be deleted
// while it has any.

// checkSourceResource validates CreateIpamPool's SourceResource (pure).
func checkSourceResource(in CreateIpamPoolInput) error {
	r := in.SourceResource
	switch {
	case r == nil:
		return nil
	case r.ResourceType != ResourceVPC:
		return invalidValue("The SourceResource type '%s' is not supported: a resource planning pool plans a vpc.", echo(r.ResourceType))
	case r.ResourceID == "":
		return missing("SourceResource.ResourceId")
	case in.SourcePoolID != "":
		return invalidCombination("SourceIpamPoolId and SourceResource cannot both be specified: a resource planning pool's source is its VPC.")
	}
	return nil
}

// planFor makes p a planning pool of the caller's VPC r, in the VPC's Region
// and counted by the VPC (locked: pools before VPCs holds, since p is new).
func (s *Service) planFor(tx Tx, c Caller, p *Pool, r *SourceResource) error {
	v, err := tx.LockVPC(c.AccountID, r.ResourceID)
	if err != nil {
		return notFoundAs(err, vpcNotFound(r.ResourceID))
	}
	switch {
	case r.ResourceOwner != "" && r.ResourceOwner != c.AccountID:
		return invalidValue("The SourceResource owner %s is not the caller's account: a resource planning pool plans a VPC of its own account.", echo(r.ResourceOwner))
	case r.ResourceRegion != "" && r.ResourceRegion != v.Region:
		return invalidValue("The vpc '%s' is in %s, not in %s.", v.ID, v.Region, echo(r.ResourceRegion))
	case p.Locale != "" && p.Locale != v.Region:
		return invalidValue("The locale %s of a resource planning pool must be the Region %s of its VPC.", p.Locale, v.Region)
	}
	p.Locale = v.Region
	p.SourceResource = &SourceResource{ResourceID: v.ID, ResourceType: ResourceVPC, ResourceRegion: v.Region, ResourceOwner: v.OwnerID}
	v.PlanningPools++
	return tx.UpdateVPC(v)
}

// unplan uncounts a planning pool that is being deleted from its VPC.
func (s *Service) unplan(tx Tx, p *Pool) error {
	if p.SourceResource == nil {
		return nil
	}
	v, err := tx.LockVPC(p.OwnerID, p.SourceResource.ResourceID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	v.PlanningPools = max(0, v.PlanningPools-1)
	return tx.UpdateVPC(v)
}

// checkPlanningCIDR refuses to provision a planning pool with space outside
// its VPC's blocks.
func checkPlanningCIDR(tx Tx, c Caller, p *Pool, prefix netip.Prefix) error {
	v, err := tx.ShareVPC(c.AccountID, p.SourceResource.ResourceID)
	if err != nil {
		return notFoundAs(err, vpcNotFound(p.SourceResource.ResourceID))
	}
	if !within(vpcPrefixes(v), prefix) {
		return invalidValue("The CIDR %s is not inside a CIDR block of the vpc '%s', the source resource of the resource planning pool %s.", prefix, v.ID, p.ID)
	}
	return nil
}
