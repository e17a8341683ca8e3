package ipam

import (
	"context"
	"errors"
	"net/netip"
	"strconv"

	"github.com/ipamd/ipamd/internal/cidr"
)

// ulaSpace is the IPv6 unique local range a private scope may use without
// EnablePrivateGua.
var ulaSpace = netip.MustParsePrefix("fd00::/8")

// ProvisionIpamPoolCidr adds a CIDR to a pool's supply: an explicit CIDR that
// is free in the scope (top-level pool) or in the source pool (nested), or,
// for a nested pool, a NetmaskLength chosen in the source pool like an
// allocation. A nested provisioning writes the source pool's "ipam-pool"
// allocation and the child's pool CIDR in the same transaction.
func (s *Service) ProvisionIpamPoolCidr(ctx context.Context, c Caller, in ProvisionIpamPoolCidrInput) (*PoolCIDR, error) {
	switch {
	case in.CidrAuthorizationContext:
		return nil, errorf(CodeUnsupported, "CidrAuthorizationContext is not supported: ipamd does not verify BYOIP address ownership.")
	case in.VerificationMethod != nil:
		return nil, errorf(CodeUnsupported, "VerificationMethod is not supported: ipamd does not verify BYOIP address ownership.")
	case in.VerificationTokenID != nil:
		return nil, errorf(CodeUnsupported, "IpamExternalResourceVerificationTokenId is not supported: ipamd does not verify BYOIP address ownership.")
	case in.CIDR != "" && in.NetmaskLength != nil:
		return nil, invalidCombination("The request must contain exactly one of Cidr and NetmaskLength.")
	case in.CIDR == "" && in.NetmaskLength == nil:
		return nil, invalidCombination("The request must contain either Cidr or NetmaskLength.")
	}
	var out *PoolCIDR
	err := s.update(ctx, func(tx Tx, o *op) error {
		p, src, err := s.lockWithSource(tx, c, in.PoolID)
		if err != nil {
			return err
		}
		params := in
		params.ClientToken, params.DryRun = "", false // neither changes what the call means
		out, err = idempotent(tx, o, c, "ProvisionIpamPoolCidr", in.ClientToken, in.DryRun, params, func() (*PoolCIDR, error) {
			return s.provision(tx, o, c, p, src, in)
		})
		return err
	})
	return out, err
}

func (s *Service) provision(tx Tx, o *op, c Caller, p, src *Pool, in ProvisionIpamPoolCidrInput) (*PoolCIDR, error) {
	var prefix netip.Prefix
	if in.CIDR != "" {
		var err error
		if prefix, err = parseFamilyCIDR(in.CIDR, "Cidr", p.AddressFamily); err != nil {
			return nil, err
		}
	} else {
		if src == nil {
			return nil, invalidCombination("NetmaskLength can only be used for a pool with a source pool; provision a top-level or resource planning pool with an explicit Cidr.")
		}
		if err := checkNetmask(in.NetmaskLength, "NetmaskLength", p.AddressFamily); err != nil {
			return nil, err
		}
	}
	existing, err := tx.ListPoolCIDRs(p.ID)
	if err != nil {
		return nil, err
	}
	live, seq := 0, int64(0)
	for _, pc := range existing {
		if pc.State == CidrProvisioned {
			live++
		}
		seq = max(seq, pc.Seq)
	}
	if live >= s.limits.CidrsPerPool {
		return nil, errorf(CodeResourceLimitExceeded, "The pool %s already has the maximum number of CIDRs (%d).", p.ID, s.limits.CidrsPerPool)
	}
	space, err := o.space(tx, p)
	if err != nil {
		return nil, err
	}
	if prefix.IsValid() && space.Overlaps(prefix) {
		return nil, invalidValue("The CIDR %s overlaps a CIDR already provisioned to pool %s.", prefix, p.ID)
	}
	pc := &PoolCIDR{ID: newID("ipam-pool-cidr-", 32), PoolID: p.ID, State: CidrProvisioned, Seq: seq + 1}
	if src == nil && p.SourceResource != nil {
		if err := checkPlanningCIDR(tx, c, p, prefix); err != nil {
			return nil, err
		}
		if in.DryRun {
			return nil, errDryRun
		}
	} else if src == nil {
		if err := s.checkTopLevelCIDR(tx, c, p, prefix); err != nil {
			return nil, err
		}
		if in.DryRun {
			return nil, errDryRun
		}
	} else {
		// Carve the CIDR out of the source pool, under the source's rules.
		srcSpace, err := o.space(tx, src)
		if err != nil {
			return nil, err
		}
		if prefix.IsValid() {
			if err := checkAllocationRules(src, prefix.Bits()); err != nil {
				return nil, err
			}
			if err := s.reserveIn(tx, o, src, srcSpace, prefix, "source pool", in.DryRun); err != nil {
				return nil, err
			}
		} else {
			if err := checkAllocationRules(src, *in.NetmaskLength); err != nil {
				return nil, err
			}
			if in.DryRun {
				if _, err := srcSpace.Preview(*in.NetmaskLength, nil); err != nil {
					return nil, noSpace(srcSpace, src, *in.NetmaskLength, nil, err)
				}
				return nil, errDryRun
			}
			if prefix, err = o.allocate(src, *in.NetmaskLength, nil); err != nil {
				return nil, noSpace(srcSpace, src, *in.NetmaskLength, nil, err)
			}
		}
		a := &Allocation{ID: newAllocationID(), PoolID: src.ID, OwnerID: src.OwnerID, CIDR: prefix,
			ResourceID: p.ID, ResourceType: ResourceIpamPool, ResourceOwner: p.OwnerID}
		if err := tx.InsertAllocation(a); err != nil {
			return nil, err
		}
		if err := o.bump(tx, src); err != nil {
			return nil, err
		}
		pc.AllocationID = a.ID
	}
	if err := o.addCIDR(p, prefix); err != nil {
		return nil, invalidValue("The CIDR %s cannot be provisioned to pool %s: %v.", prefix, p.ID, err)
	}
	pc.CIDR = prefix
	if err := tx.InsertPoolCIDR(pc); err != nil {
		return nil, err
	}
	if err := o.bump(tx, p); err != nil {
		return nil, err
	}
	r := *pc
	r.State = CidrPendingProvision
	return &r, nil
}

// lockWithSource locks a pool and, first (parents before children), its
// source pool if it has one: a change to a nested pool's CIDRs is a change
// to its source's allocations too.
func (s *Service) lockWithSource(tx Tx, c Caller, id string) (p, src *Pool, err error) {
	peek, err := s.getPool(tx, c, id) // unlocked: only to learn the source
	if err != nil {
		return nil, nil, err
	}
	if peek.SourcePoolID != "" {
		if src, err = tx.LockPool(c.AccountID, peek.SourcePoolID); err != nil {
			return nil, nil, err
		}
	}
	p, err = s.lockPool(tx, c, id)
	return p, src, err
}

// checkTopLevelCIDR enforces that a top-level pool's CIDR is free in its
// whole scope, and the private-scope IPv6 rule.
func (s *Service) checkTopLevelCIDR(tx Tx, c Caller, p *Pool, prefix netip.Prefix) error {
	if p.ScopeType == "private" && p.AddressFamily == "ipv6" && !ulaSpace.Contains(prefix.Addr()) {
		i, err := tx.GetIPAM(c.AccountID, p.IpamID)
		if err != nil {
			return err
		}
		if !i.EnablePrivateGua {
			return invalidValue("The CIDR %s is not unique local (fd00::/8) space; a private scope takes global unicast IPv6 only when the IPAM has EnablePrivateGua.", prefix)
		}
	}
	// Writing the scope row serializes top-level provisioning per scope
	// across nodes, so two pools cannot both take the same space.
	sc, err := tx.GetScope(c.AccountID, p.ScopeID)
	if err != nil {
		return err
	}
	if err := tx.UpdateScope(sc); err != nil {
		return err
	}
	pools, err := tx.ListPools(c.AccountID)
	if err != nil {
		return err
	}
	for _, q := range pools {
		// Resource planning pools hold space that a VPC already took from
		// a pool: they overlap the scope's pools by design.
		if q.ScopeID != p.ScopeID || q.SourcePoolID != "" || q.SourceResource != nil || q.ID == p.ID {
			continue
		}
		cidrs, err := tx.ListPoolCIDRs(q.ID)
		if err != nil {
			return err
		}
		for _, qc := range cidrs {
			if qc.State == CidrProvisioned && qc.CIDR.Overlaps(prefix) {
				return invalidValue("The CIDR %s overlaps %s, provisioned to pool %s in the same scope.", prefix, qc.CIDR, q.ID)
			}
		}
	}
	return nil
}

// reserveIn takes an exact prefix out of pool p's space, explaining a refusal
// by naming what is in the way.
func (s *Service) reserveIn(tx Tx, o *op, p *Pool, space *cidr.Set, prefix netip.Prefix, what string, dryRun bool) error {
	if !space.Contains(prefix) {
		return invalidValue("The CIDR %s is not within a CIDR provisioned to the %s %s.", prefix, what, p.ID)
	}
	if !space.IsFree(prefix) {
		return s.overlapError(tx, p, space, prefix)
	}
	if dryRun {
		return errDryRun
	}
	if err := o.reserve(p, prefix); err != nil {
		return s.overlapError(tx, p, space, prefix)
	}
	return nil
}

func (s *Service) overlapError(tx Tx, p *Pool, space *cidr.Set, prefix netip.Prefix) error {
	// A probe, undone below, so not an o.reserve: only to learn the
	// colliding address.
	err := space.Reserve(prefix)
	var oe *cidr.OverlapError
	if errors.As(err, &oe) {
		if a, gerr := tx.AllocationAt(p.ID, oe.Addr); gerr == nil && a.CIDR.Overlaps(prefix) {
			return invalidValue("The CIDR %s overlaps allocation %s (%s) in pool %s.", prefix, a.ID, a.CIDR, p.ID)
		}
	}
	if err == nil {
		// Free after all (cannot happen under the pool lock); undo.
		_ = space.Release(prefix)
	}
	return invalidValue("The CIDR %s overlaps an existing allocation in pool %s.", prefix, p.ID)
}

// noSpace explains why nothing fit, with what AWS never says and users ask
// for: the largest block the pool could still give, or, when only the
// request's AllowedCidrs/DisallowedCidrs stood in the way, that they did.
func noSpace(space *cidr.Set, p *Pool, bits int, cons *cidr.Constraints, err error) error {
	if !errors.Is(err, cidr.ErrNoSpace) {
		return invalidValue("The allocation cannot be made from pool %s: %v.", p.ID, err)
	}
	if cons != nil {
		if free, ferr := space.Preview(bits, nil); ferr == nil {
			return invalidValue("No free /%d in pool %s is inside AllowedCidrs and outside DisallowedCidrs; without them the pool would allocate %s.",
				bits, p.ID, free)
		}
	}
	if len(space.Pools()) == 0 {
		return invalidValue("The allocation size is too big for the pool. The pool %s has no provisioned CIDRs.", p.ID)
	}
	bits, ok := space.LargestFree()
	if !ok {
		return invalidValue("The allocation size is too big for the pool. The pool %s has no free space.", p.ID)
	}
	return invalidValue("The allocation size is too big for the pool. The largest free block is /%d.", bits)
}

// checkAllocationRules enforces a pool's netmask rules on an allocation.
func checkAllocationRules(p *Pool, bits int) error {
	if p.AllocationMinNetmask != nil && bits < *p.AllocationMinNetmask {
		return invalidValue("The netmask length /%d is shorter than the minimum /%d allowed by pool %s.", bits, *p.AllocationMinNetmask, p.ID)
	}
	if p.AllocationMaxNetmask != nil && bits > *p.AllocationMaxNetmask {
		return invalidValue("The netmask length /%d is longer than the maximum /%d allowed by pool %s.", bits, *p.AllocationMaxNetmask, p.ID)
	}
	return nil
}

// DeprovisionIpamPoolCidr takes a CIDR out of a pool's supply. It is refused
// at once while allocations remain inside (AWS accepts and later reports
// failed-deprovision; refusing synchronously is the clearer answer). A
// nested pool's CIDR returns to its source pool.
func (s *Service) DeprovisionIpamPoolCidr(ctx context.Context, c Caller, in DeprovisionIpamPoolCidrInput) (*PoolCIDR, error) {
	if in.CIDR == "" {
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter Cidr")
	}
	var out *PoolCIDR
	err := s.update(ctx, func(tx Tx, o *op) error {
		p, src, err := s.lockWithSource(tx, c, in.PoolID)
		if err != nil {
			return err
		}
		prefix, err := parseFamilyCIDR(in.CIDR, "Cidr", p.AddressFamily)
		if err != nil {
			return err
		}
		cidrs, err := tx.ListPoolCIDRs(p.ID)
		if err != nil {
			return err
		}
		var pc *PoolCIDR
		gone := false
		for _, x := range cidrs {
			if x.CIDR == prefix {
				if x.State == CidrProvisioned {
					pc = x
				} else {
					gone = true
				}
			}
		}
		if pc == nil {
			if gone {
				return errorf(CodeIncorrectState, "The CIDR %s of pool %s is already deprovisioned.", prefix, p.ID)
			}
			return invalidValue("The CIDR %s is not provisioned to pool %s.", prefix, p.ID)
		}
		space, err := o.space(tx, p)
		if err != nil {
			return err
		}
		if !space.IsFree(prefix) {
			return errorf(CodeIncorrectState, "The CIDR %s of pool %s has one or more allocations.", prefix, p.ID)
		}
		if in.DryRun {
			return errDryRun
		}
		if err := o.removeCIDR(p, prefix); err != nil {
			return err
		}
		pc.State = CidrDeprovisioned
		if err := tx.UpdatePoolCIDR(pc); err != nil {
			return err
		}
		if src != nil && pc.AllocationID != "" {
			if _, err := o.space(tx, src); err != nil {
				return err
			}
			if err := o.free(src, prefix); err != nil {
				return err
			}
			if err := tx.DeleteAllocation(pc.AllocationID); err != nil {
				return err
			}
			if err := o.bump(tx, src); err != nil {
				return err
			}
		}
		if err := o.bump(tx, p); err != nil {
			return err
		}
		r := *pc
		r.State = CidrPendingDeprovision
		out = &r
		return nil
	})
	return out, err
}

var poolCIDRFields = fields[*PoolCIDR]{
	"cidr":              func(x *PoolCIDR) []string { return []string{x.CIDR.String()} },
	"ipam-pool-cidr-id": func(x *PoolCIDR) []string { return str(x.ID) },
	"state":             func(x *PoolCIDR) []string { return str(x.State) },
	"netmask-length":    func(x *PoolCIDR) []string { return []string{strconv.Itoa(x.CIDR.Bits())} },
}

// GetIpamPoolCidrs lists a pool's CIDRs in provisioning order, including
// deprovisioned ones (which Terraform and AWS treat as gone).
func (s *Service) GetIpamPoolCidrs(ctx context.Context, c Caller, in GetIpamPoolCidrsInput) ([]*PoolCIDR, string, error) {
	match, err := compileFilters(in.Filters, poolCIDRFields, nil)
	if err != nil {
		return nil, "", err
	}
	var all []*PoolCIDR
	err = s.view(ctx, func(tx Tx) error {
		if _, err := s.getPool(tx, c, in.PoolID); err != nil {
			return err
		}
		all, err = tx.ListPoolCIDRs(in.PoolID)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if in.DryRun {
		return nil, "", errDryRun
	}
	return page(s, ctx, "GetIpamPoolCidrs", c.AccountID+"/"+in.PoolID, filter(all, match),
		func(x *PoolCIDR) string { return seqKey(x.Seq) }, in.Page, describeLimits)
}

// seqKey makes a sequence number sort as a string.
func seqKey(n int64) string { return strconv.FormatInt(1e15+n, 10) }
