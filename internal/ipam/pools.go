package ipam

import (
	"context"
	"errors"
	"slices"
	"strconv"
)

// CreateIpamPool creates a pool in a scope, top-level or nested under a
// source pool of the same scope and address family.
func (s *Service) CreateIpamPool(ctx context.Context, c Caller, in CreateIpamPoolInput) (*Pool, error) {
	if err := oneOf(&in.AddressFamily, "AddressFamily", "ipv4", "ipv6"); err != nil {
		return nil, err
	}
	if err := validateDescription(in.Description); err != nil {
		return nil, err
	}
	if err := checkRules(in.AllocationMinNetmask, in.AllocationMaxNetmask, in.AllocationDefault, in.AddressFamily); err != nil {
		return nil, err
	}
	if err := oneOf(in.AwsService, "AwsService", "ec2", "global-services"); err != nil {
		return nil, err
	}
	if err := oneOf(in.PublicIPSource, "PublicIpSource", "amazon", "byoip"); err != nil {
		return nil, err
	}
	if in.PublicIPSource != nil && *in.PublicIPSource == "amazon" {
		return nil, errorf(CodeUnsupported, "PublicIpSource 'amazon' is not supported: ipamd has no Amazon-owned address space to provision from.")
	}
	if err := checkSourceResource(in); err != nil {
		return nil, err
	}
	if in.PubliclyAdvertisable != nil && in.AddressFamily != "ipv6" {
		return nil, invalidCombination("PubliclyAdvertisable can only be set for IPv6 pools.")
	}
	for _, t := range in.AllocationResourceTags {
		if err := validateTag(t); err != nil {
			return nil, err
		}
	}
	tags, err := tagsFromSpecs(in.TagSpecifications, "ipam-pool")
	if err != nil {
		return nil, err
	}
	locale := ""
	if in.Locale != nil && *in.Locale != "None" {
		locale = *in.Locale
	}
	if deref(in.AutoImport, false) && locale == "" {
		return nil, invalidCombination("AutoImport requires the pool to have a Locale.")
	}
	var out *Pool
	err = s.update(ctx, func(tx Tx, o *op) error {
		params := in
		params.ClientToken, params.DryRun = "", false // neither changes what the call means
		out, err = idempotent(tx, o, c, "CreateIpamPool", in.ClientToken, in.DryRun, params, func() (*Pool, error) {
			sc, err := s.getScope(tx, c, in.ScopeID)
			if err != nil {
				return nil, err
			}
			// Writing the scope row serializes pool creation per scope, so the
			// quota holds across nodes.
			if err := tx.UpdateScope(sc); err != nil {
				return nil, err
			}
			if sc.PoolCount >= s.limits.PoolsPerScope {
				return nil, errorf(CodeResourceLimitExceeded,
					"The scope %s already has the maximum number of pools (%d).", sc.ID, s.limits.PoolsPerScope)
			}
			i, err := tx.GetIPAM(c.AccountID, sc.IpamID)
			if err != nil {
				return nil, err
			}
			if sc.Type == "private" && (in.AwsService != nil || in.PublicIPSource != nil) {
				return nil, invalidCombination("AwsService and PublicIpSource apply only to pools in a public scope.")
			}
			if locale != "" && !slices.Contains(i.OperatingRegions, locale) {
				return nil, invalidValue("The locale %s is not one of the operating Regions of IPAM %s.", echo(locale), i.ID)
			}
			p := &Pool{
				ID: s.ids.next("ipam-pool-"), OwnerID: c.AccountID, IpamID: i.ID, ScopeID: sc.ID,
				ScopeType: sc.Type, IpamRegion: i.Region, Locale: locale, Depth: 1,
				State: StateCreateComplete, Description: emptyToNil(in.Description),
				AutoImport: deref(in.AutoImport, false), PubliclyAdvertisable: in.PubliclyAdvertisable,
				AddressFamily:        in.AddressFamily,
				AllocationMinNetmask: in.AllocationMinNetmask, AllocationMaxNetmask: in.AllocationMaxNetmask,
				AllocationDefault: in.AllocationDefault, AllocationResourceTags: in.AllocationResourceTags,
				Tags: tags, AwsService: deref(in.AwsService, ""), PublicIPSource: deref(in.PublicIPSource, ""),
			}
			if sc.Type == "public" && p.PublicIPSource == "" {
				p.PublicIPSource = "byoip"
			}
			if in.SourcePoolID != "" {
				src, err := s.getPool(tx, c, in.SourcePoolID)
				if err != nil {
					return nil, err
				}
				switch {
				case src.ScopeID != sc.ID:
					return nil, invalidValue("The source pool %s is in scope %s, not in %s.", src.ID, src.ScopeID, sc.ID)
				case src.AddressFamily != p.AddressFamily:
					return nil, invalidValue("The source pool %s is %s; a child pool must have the same address family.", src.ID, src.AddressFamily)
				case src.Depth+1 > s.limits.PoolDepth:
					return nil, errorf(CodeResourceLimitExceeded,
						"A pool can be nested at most %d levels deep; the source pool %s is at depth %d.", s.limits.PoolDepth, src.ID, src.Depth)
				case src.Locale != "" && p.Locale != src.Locale:
					return nil, invalidValue("The locale of a child pool must match the locale %s of its source pool %s.", src.Locale, src.ID)
				}
				p.SourcePoolID, p.Depth = src.ID, src.Depth+1
			}
			if in.SourceResource != nil {
				if err := s.planFor(tx, c, p, in.SourceResource); err != nil {
					return nil, err
				}
			}
			if in.DryRun {
				return nil, errDryRun
			}
			if err := tx.InsertPool(p); err != nil {
				return nil, err
			}
			r := *p
			r.State = StateCreateInProgress
			return &r, nil
		})
		return err
	})
	return out, err
}

var poolFields = fields[*Pool]{
	"owner-id":              func(p *Pool) []string { return str(p.OwnerID) },
	"ipam-pool-id":          func(p *Pool) []string { return str(p.ID) },
	"ipam-pool-arn":         func(p *Pool) []string { return str(p.ARN()) },
	"ipam-scope-id":         func(p *Pool) []string { return str(p.ScopeID) },
	"ipam-scope-arn":        func(p *Pool) []string { return str(p.ScopeARN()) },
	"ipam-scope-type":       func(p *Pool) []string { return str(p.ScopeType) },
	"ipam-id":               func(p *Pool) []string { return str(p.IpamID) },
	"ipam-arn":              func(p *Pool) []string { return str(p.IpamARN()) },
	"ipam-region":           func(p *Pool) []string { return str(p.IpamRegion) },
	"source-ipam-pool-id":   func(p *Pool) []string { return str(p.SourcePoolID) },
	"locale":                func(p *Pool) []string { return []string{localeOf(p)} },
	"pool-depth":            func(p *Pool) []string { return []string{strconv.Itoa(p.Depth)} },
	"state":                 func(p *Pool) []string { return str(p.State) },
	"description":           func(p *Pool) []string { return strp(p.Description) },
	"auto-import":           func(p *Pool) []string { return boolStr(p.AutoImport) },
	"publicly-advertisable": func(p *Pool) []string { return boolStr(deref(p.PubliclyAdvertisable, false)) },
	"address-family":        func(p *Pool) []string { return str(p.AddressFamily) },
	"aws-service":           func(p *Pool) []string { return str(p.AwsService) },
	"public-ip-source":      func(p *Pool) []string { return str(p.PublicIPSource) },
}

// localeOf is the pool's locale as AWS reports it: "None" when unset.
func localeOf(p *Pool) string {
	if p.Locale == "" {
		return "None"
	}
	return p.Locale
}

// DescribeIpamPools lists the caller's pools.
func (s *Service) DescribeIpamPools(ctx context.Context, c Caller, in DescribeIpamPoolsInput) ([]*Pool, string, error) {
	match, err := compileFilters(in.Filters, poolFields, func(p *Pool) []Tag { return p.Tags })
	if err != nil {
		return nil, "", err
	}
	var all []*Pool
	err = s.view(ctx, func(tx Tx) error {
		all, err = tx.ListPools(c.AccountID)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	selected, err := selectByID(all, in.PoolIDs, func(p *Pool) string { return p.ID }, poolNotFound)
	if err != nil {
		return nil, "", err
	}
	if in.DryRun {
		return nil, "", errDryRun
	}
	return page(s, ctx, "DescribeIpamPools", c.AccountID, filter(selected, match), func(p *Pool) string { return p.ID }, in.Page, describeLimits)
}

// ModifyIpamPool changes a pool's description, auto-import and allocation rules.
func (s *Service) ModifyIpamPool(ctx context.Context, c Caller, in ModifyIpamPoolInput) (*Pool, error) {
	if in.Description == nil && in.AutoImport == nil && in.AllocationMinNetmask == nil &&
		in.AllocationMaxNetmask == nil && in.AllocationDefault == nil && !in.ClearAllocationDefault &&
		len(in.AddAllocationResourceTags) == 0 && len(in.RemoveAllocationResourceTags) == 0 {
		return nil, invalidCombination("The request must contain a modification to the ipam pool")
	}
	if in.ClearAllocationDefault && in.AllocationDefault != nil {
		return nil, invalidCombination("AllocationDefaultNetmaskLength and ClearAllocationDefaultNetmaskLength cannot be combined.")
	}
	if err := validateDescription(in.Description); err != nil {
		return nil, err
	}
	for _, t := range in.AddAllocationResourceTags {
		if err := validateTag(t); err != nil {
			return nil, err
		}
	}
	var out *Pool
	err := s.update(ctx, func(tx Tx, o *op) error {
		p, err := s.lockPool(tx, c, in.PoolID)
		if err != nil {
			return err
		}
		min, max, def := p.AllocationMinNetmask, p.AllocationMaxNetmask, p.AllocationDefault
		if in.AllocationMinNetmask != nil {
			min = in.AllocationMinNetmask
		}
		if in.AllocationMaxNetmask != nil {
			max = in.AllocationMaxNetmask
		}
		if in.AllocationDefault != nil {
			def = in.AllocationDefault
		}
		if in.ClearAllocationDefault {
			def = nil
		}
		if err := checkRules(min, max, def, p.AddressFamily); err != nil {
			return err
		}
		if deref(in.AutoImport, false) && p.Locale == "" {
			return invalidCombination("AutoImport requires the pool to have a Locale.")
		}
		if in.DryRun {
			return errDryRun
		}
		p.AllocationMinNetmask, p.AllocationMaxNetmask, p.AllocationDefault = min, max, def
		if in.Description != nil {
			p.Description = emptyToNil(in.Description)
		}
		p.AutoImport = deref(in.AutoImport, p.AutoImport)
		p.AllocationResourceTags = slices.DeleteFunc(p.AllocationResourceTags, func(t Tag) bool {
			return slices.Contains(in.RemoveAllocationResourceTags, t)
		})
		rt, err := mergeTags(p.AllocationResourceTags, in.AddAllocationResourceTags)
		if err != nil {
			return err
		}
		p.AllocationResourceTags = rt
		p.State = StateModifyComplete
		if err := tx.UpdatePool(p); err != nil {
			return err
		}
		o.poolRulesChanged(p)
		out = p
		return nil
	})
	return out, err
}

// DeleteIpamPool deletes a pool. Without Cascade it must have no provisioned
// CIDRs, no allocations and no child pools; with Cascade everything below it
// goes, and its CIDRs return to its source pool.
func (s *Service) DeleteIpamPool(ctx context.Context, c Caller, in DeleteIpamPoolInput) (*Pool, error) {
	var out *Pool
	err := s.update(ctx, func(tx Tx, o *op) error {
		if in.PoolID == "" {
			return errorf(CodeMissingParameter, "The request must contain the parameter IpamPoolId")
		}
		all, err := tx.ListPools(c.AccountID)
		if err != nil {
			return err
		}
		target := findPool(all, in.PoolID)
		if target == nil {
			return poolNotFound(in.PoolID)
		}
		// Lock parents before children: the source pool (whose space gets
		// the target's CIDRs back), then the subtree top-down, and check only
		// then, so nothing can be allocated between the check and the delete.
		var src *Pool
		if target.SourcePoolID != "" {
			if src, err = tx.LockPool(c.AccountID, target.SourcePoolID); err != nil {
				return err
			}
		}
		subtree := descendants(all, target)
		for i, p := range subtree {
			if subtree[i], err = tx.LockPool(c.AccountID, p.ID); err != nil {
				return err
			}
		}
		target = subtree[0]
		if !in.Cascade {
			if len(subtree) > 1 {
				return errorf(CodeDependencyViolation,
					"The specified action is not valid for %s. There are one or more child pools of the pool.", target.ID)
			}
			cidrs, err := tx.ListPoolCIDRs(target.ID)
			if err != nil {
				return err
			}
			for _, pc := range cidrs {
				if pc.State == CidrProvisioned {
					return errorf(CodeDependencyViolation,
						"The specified action is not valid for %s. There are one or more pool cidrs provisioned in the pool.", target.ID)
				}
			}
			prefixes, err := tx.PoolPrefixes(target.ID)
			if err != nil {
				return err
			}
			if len(prefixes) > 0 {
				return errorf(CodeDependencyViolation,
					"The specified action is not valid for %s. There are one or more allocations in the pool.", target.ID)
			}
		} else if target.ScopeType == "public" {
			return invalidCombination("Cascade can only delete pools in a private scope.")
		}
		if in.DryRun {
			return errDryRun
		}
		if src != nil {
			if err := s.returnToSource(tx, o, target, src); err != nil {
				return err
			}
		}
		// Deepest first, so each pool goes after its children.
		slices.SortFunc(subtree, func(a, b *Pool) int { return b.Depth - a.Depth })
		for _, p := range subtree {
			if err := s.dropPool(tx, o, p); err != nil {
				return err
			}
		}
		r := *target
		r.State = StateDeleteInProgress
		out = &r
		return nil
	})
	return out, err
}

// returnToSource releases in src the carve-outs that back child's CIDRs.
func (s *Service) returnToSource(tx Tx, o *op, child, src *Pool) error {
	cidrs, err := tx.ListPoolCIDRs(child.ID)
	if err != nil {
		return err
	}
	if _, err := o.space(tx, src); err != nil {
		return err
	}
	changed := false
	for _, pc := range cidrs {
		if pc.State != CidrProvisioned || pc.AllocationID == "" {
			continue
		}
		if err := o.free(src, pc.CIDR); err != nil {
			return err
		}
		if err := tx.DeleteAllocation(pc.AllocationID); err != nil {
			return err
		}
		changed = true
	}
	if changed {
		return o.bump(tx, src)
	}
	return nil
}

// dropPool removes a pool with its allocations and CIDRs. Callers have
// already dealt with its source pool and its children.
func (s *Service) dropPool(tx Tx, o *op, p *Pool) error {
	if err := s.unplan(tx, p); err != nil {
		return err
	}
	o.s.spaces.drop(p.ID)
	o.forget(p.ID)
	if err := tx.DeletePoolChanges(p.ID); err != nil {
		return err
	}
	if err := tx.DeletePoolAllocations(p.ID); err != nil {
		return err
	}
	if err := tx.DeletePoolCIDRs(p.ID); err != nil {
		return err
	}
	return tx.DeletePool(p.ID)
}

func findPool(all []*Pool, id string) *Pool {
	for _, p := range all {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// descendants returns p and every pool nested below it.
func descendants(all []*Pool, p *Pool) []*Pool {
	out := []*Pool{p}
	for i := 0; i < len(out); i++ {
		for _, q := range all {
			if q.SourcePoolID == out[i].ID {
				out = append(out, q)
			}
		}
	}
	return out
}

func (s *Service) getPool(tx Tx, c Caller, id string) (*Pool, error) {
	if id == "" {
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter IpamPoolId")
	}
	p, err := tx.GetPool(c.AccountID, id)
	if errors.Is(err, ErrNotFound) {
		return nil, poolNotFound(id)
	}
	return p, err
}

func (s *Service) lockPool(tx Tx, c Caller, id string) (*Pool, error) {
	p, _, err := lockPoolSince(tx, c, id, -1)
	return p, err
}

// lockPoolSince is tx.LockPoolChanges with the service's answers for a
// missing or unknown pool id.
func lockPoolSince(tx Tx, c Caller, id string, since int64) (*Pool, []PoolVersion, error) {
	if id == "" {
		return nil, nil, errorf(CodeMissingParameter, "The request must contain the parameter IpamPoolId")
	}
	p, log, err := tx.LockPoolChanges(c.AccountID, id, since)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, poolNotFound(id)
	}
	return p, log, err
}
