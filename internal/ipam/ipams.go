package ipam

import (
	"context"
	"errors"
	"slices"
)

// CreateIpam creates an IPAM homed in the server's Region with its public
// and private default scopes.
func (s *Service) CreateIpam(ctx context.Context, c Caller, in CreateIpamInput) (*IPAM, error) {
	if err := validateDescription(in.Description); err != nil {
		return nil, err
	}
	if err := validateRegions(in.OperatingRegions, "OperatingRegion"); err != nil {
		return nil, err
	}
	if len(in.OperatingRegions) == maxRegions && !slices.Contains(in.OperatingRegions, s.region) {
		return nil, invalidValue("An IPAM may operate in at most %d Regions, its home Region %s included.", maxRegions, s.region)
	}
	if err := oneOf(in.Tier, "Tier", "free", "advanced"); err != nil {
		return nil, err
	}
	if err := oneOf(in.MeteredAccount, "MeteredAccount", "ipam-owner", "resource-owner"); err != nil {
		return nil, err
	}
	tags, err := tagsFromSpecs(in.TagSpecifications, "ipam")
	if err != nil {
		return nil, err
	}
	var out *IPAM
	err = s.update(ctx, func(tx Tx, o *op) error {
		params := in
		params.ClientToken, params.DryRun = "", false // neither changes what the call means
		out, err = idempotent(tx, o, c, "CreateIpam", in.ClientToken, in.DryRun, params, func() (*IPAM, error) {
			existing, err := tx.ListIPAMs(c.AccountID)
			if err != nil {
				return nil, err
			}
			if len(existing) >= s.limits.IpamsPerRegion {
				return nil, errorf(CodeResourceLimitExceeded,
					"You have reached the maximum number of IPAMs (%d) in Region %s.", s.limits.IpamsPerRegion, s.region)
			}
			if in.DryRun {
				return nil, errDryRun
			}
			i := &IPAM{
				ID: newID("ipam-", 16), OwnerID: c.AccountID, Region: s.region,
				Description: emptyToNil(in.Description), Tier: deref(in.Tier, "advanced"),
				EnablePrivateGua: deref(in.EnablePrivateGua, false),
				MeteredAccount:   deref(in.MeteredAccount, "ipam-owner"),
				State:            StateCreateComplete, ScopeCount: 2, Tags: tags,
				ResourceDiscoveryID:   newID("ipam-res-disco-", 16),
				ResourceDiscoveryAsID: newID("ipam-res-disco-assoc-", 16),
			}
			// The home Region is always operated in, listed after the others.
			i.OperatingRegions = append([]string(nil), in.OperatingRegions...)
			if !slices.Contains(i.OperatingRegions, s.region) {
				i.OperatingRegions = append(i.OperatingRegions, s.region)
			}
			pub := &Scope{ID: newID("ipam-scope-", 16), OwnerID: c.AccountID, IpamID: i.ID, IpamRegion: s.region,
				Type: "public", IsDefault: true, State: StateCreateComplete}
			priv := &Scope{ID: newID("ipam-scope-", 16), OwnerID: c.AccountID, IpamID: i.ID, IpamRegion: s.region,
				Type: "private", IsDefault: true, State: StateCreateComplete}
			i.PublicDefaultScopeID, i.PrivateDefaultScopeID = pub.ID, priv.ID
			for _, err := range []error{tx.InsertIPAM(i), tx.InsertScope(pub), tx.InsertScope(priv)} {
				if err != nil {
					return nil, err
				}
			}
			r := *i
			r.State = StateCreateInProgress
			return &r, nil
		})
		return err
	})
	return out, err
}

var ipamFields = fields[*IPAM]{
	"owner-id":    func(i *IPAM) []string { return str(i.OwnerID) },
	"ipam-id":     func(i *IPAM) []string { return str(i.ID) },
	"ipam-arn":    func(i *IPAM) []string { return str(i.ARN()) },
	"ipam-region": func(i *IPAM) []string { return str(i.Region) },
	"description": func(i *IPAM) []string { return strp(i.Description) },
	"state":       func(i *IPAM) []string { return str(i.State) },
	"tier":        func(i *IPAM) []string { return str(i.Tier) },
	"operating-region.region-name": func(i *IPAM) []string {
		return i.OperatingRegions
	},
	"enable-private-gua": func(i *IPAM) []string { return boolStr(i.EnablePrivateGua) },
	"metered-account":    func(i *IPAM) []string { return str(i.MeteredAccount) },
}

// DescribeIpams lists the caller's IPAMs.
func (s *Service) DescribeIpams(ctx context.Context, c Caller, in DescribeIpamsInput) ([]*IPAM, string, error) {
	match, err := compileFilters(in.Filters, ipamFields, func(i *IPAM) []Tag { return i.Tags })
	if err != nil {
		return nil, "", err
	}
	var all []*IPAM
	err = s.view(ctx, func(tx Tx) error {
		if all, err = tx.ListIPAMs(c.AccountID); err != nil {
			return err
		}
		return s.countScopes(tx, c, all...)
	})
	if err != nil {
		return nil, "", err
	}
	selected, err := selectByID(all, in.IpamIDs, func(i *IPAM) string { return i.ID }, ipamNotFound)
	if err != nil {
		return nil, "", err
	}
	if in.DryRun {
		return nil, "", errDryRun
	}
	return page(s, ctx, "DescribeIpams", c.AccountID, filter(selected, match), func(i *IPAM) string { return i.ID }, in.Page, describeLimits)
}

// ModifyIpam changes an IPAM's description, operating Regions and options.
func (s *Service) ModifyIpam(ctx context.Context, c Caller, in ModifyIpamInput) (*IPAM, error) {
	if err := validateDescription(in.Description); err != nil {
		return nil, err
	}
	if err := validateRegions(in.AddOperatingRegions, "AddOperatingRegion"); err != nil {
		return nil, err
	}
	if err := validateRegions(in.RemoveOperatingRegions, "RemoveOperatingRegion"); err != nil {
		return nil, err
	}
	if err := oneOf(in.Tier, "Tier", "free", "advanced"); err != nil {
		return nil, err
	}
	if err := oneOf(in.MeteredAccount, "MeteredAccount", "ipam-owner", "resource-owner"); err != nil {
		return nil, err
	}
	var out *IPAM
	err := s.update(ctx, func(tx Tx, _ *op) error {
		i, err := s.getIPAM(tx, c, in.IpamID)
		if err != nil {
			return err
		}
		pools, err := tx.ListPools(c.AccountID)
		if err != nil {
			return err
		}
		for _, r := range in.RemoveOperatingRegions {
			if r == i.Region {
				return invalidValue("The home Region %s of IPAM %s cannot be removed from its operating Regions.", r, i.ID)
			}
			if slices.Contains(in.AddOperatingRegions, r) {
				return invalidCombination("The Region %s cannot be both added and removed.", r)
			}
			for _, p := range pools {
				if p.IpamID == i.ID && p.Locale == r {
					return invalidValue("The Region %s is the locale of pool %s and cannot be removed.", r, p.ID)
				}
			}
		}
		// The limit applies to the resulting list, and is checked before the
		// DryRun answer so a DryRun predicts the real call.
		regions := slices.DeleteFunc(slices.Clone(i.OperatingRegions), func(r string) bool {
			return slices.Contains(in.RemoveOperatingRegions, r)
		})
		for _, r := range in.AddOperatingRegions {
			if !slices.Contains(regions, r) {
				regions = append(regions, r)
			}
		}
		if len(regions) > maxRegions {
			return invalidValue("An IPAM may operate in at most %d Regions.", maxRegions)
		}
		if in.DryRun {
			return errDryRun
		}
		if in.Description != nil {
			i.Description = emptyToNil(in.Description)
		}
		i.OperatingRegions = regions
		i.Tier = deref(in.Tier, i.Tier)
		i.EnablePrivateGua = deref(in.EnablePrivateGua, i.EnablePrivateGua)
		i.MeteredAccount = deref(in.MeteredAccount, i.MeteredAccount)
		i.State = StateModifyComplete
		if err := tx.UpdateIPAM(i); err != nil {
			return err
		}
		r := *i
		r.State = StateModifyInProgress
		out = &r
		return nil
	})
	return out, err
}

// DeleteIpam deletes an IPAM. Without Cascade it must hold nothing but its
// default scopes; with Cascade everything in its private scopes goes too,
// but a pool in the public scope still blocks it (AWS's rule).
func (s *Service) DeleteIpam(ctx context.Context, c Caller, in DeleteIpamInput) (*IPAM, error) {
	var out *IPAM
	err := s.update(ctx, func(tx Tx, o *op) error {
		i, err := s.getIPAM(tx, c, in.IpamID)
		if err != nil {
			return err
		}
		scopes, err := tx.ListScopes(c.AccountID)
		if err != nil {
			return err
		}
		pools, err := tx.ListPools(c.AccountID)
		if err != nil {
			return err
		}
		var mine []*Pool
		for _, p := range pools {
			if p.IpamID != i.ID {
				continue
			}
			mine = append(mine, p)
			if !in.Cascade {
				return errorf(CodeDependencyViolation,
					"The specified action is not valid for %s. There are one or more pools in the IPAM; delete them first or use Cascade.", i.ID)
			}
			if p.ScopeType == "public" {
				return errorf(CodeDependencyViolation,
					"The IPAM %s cannot be deleted with Cascade while its public scope holds pool %s.", i.ID, p.ID)
			}
		}
		if !in.Cascade {
			for _, sc := range scopes {
				if sc.IpamID == i.ID && !sc.IsDefault {
					return errorf(CodeDependencyViolation,
						"The specified action is not valid for %s. There are one or more non-default scopes in the IPAM; delete them first or use Cascade.", i.ID)
				}
			}
		}
		if in.DryRun {
			return errDryRun
		}
		// Lock top-down (parents before children, as every writer does),
		// then delete bottom-up so no pool goes while a child references it.
		slices.SortFunc(mine, func(a, b *Pool) int { return a.Depth - b.Depth })
		for _, p := range mine {
			if _, err := tx.LockPool(c.AccountID, p.ID); err != nil {
				return err
			}
		}
		slices.Reverse(mine)
		for _, p := range mine {
			if err := s.dropPool(tx, o, p); err != nil {
				return err
			}
		}
		for _, sc := range scopes {
			if sc.IpamID == i.ID {
				if err := tx.DeleteScope(sc.ID); err != nil {
					return err
				}
			}
		}
		if err := tx.DeleteIPAM(i.ID); err != nil {
			return err
		}
		r := *i
		r.State = StateDeleteInProgress
		out = &r
		return nil
	})
	return out, err
}

func (s *Service) getIPAM(tx Tx, c Caller, id string) (*IPAM, error) {
	if id == "" {
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter IpamId")
	}
	i, err := tx.GetIPAM(c.AccountID, id)
	if errors.Is(err, ErrNotFound) {
		return nil, ipamNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return i, s.countScopes(tx, c, i)
}

// countScopes sets ScopeCount from the scopes that exist, so the counter
// can never drift from them.
func (s *Service) countScopes(tx Tx, c Caller, ipams ...*IPAM) error {
	scopes, err := tx.ListScopes(c.AccountID)
	if err != nil {
		return err
	}
	for _, i := range ipams {
		i.ScopeCount = 0
		for _, sc := range scopes {
			if sc.IpamID == i.ID {
				i.ScopeCount++
			}
		}
	}
	return nil
}

// selectByID narrows items to ids (all when ids is empty); a missing id is
// a NotFound error, as EC2 Describe calls answer.
func selectByID[T any](items []T, ids []string, id func(T) string, notFound func(string) *Error) ([]T, error) {
	if len(ids) == 0 {
		return items, nil
	}
	want := map[string]bool{}
	for _, x := range ids {
		want[x] = true
	}
	var out []T
	for _, it := range items {
		if want[id(it)] {
			out = append(out, it)
			delete(want, id(it))
		}
	}
	for _, x := range ids {
		if want[x] {
			return nil, notFound(x)
		}
	}
	return out, nil
}

func filter[T any](items []T, match matcher[T]) []T {
	var out []T
	for _, it := range items {
		if match(it) {
			out = append(out, it)
		}
	}
	return out
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// emptyToNil turns an empty description into "no description", as EC2 does.
func emptyToNil(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}
