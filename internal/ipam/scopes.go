package ipam

import (
	"context"
	"errors"
)

// CreateIpamScope adds a private scope to an IPAM (public scopes cannot be added).
func (s *Service) CreateIpamScope(ctx context.Context, c Caller, in CreateIpamScopeInput) (*Scope, error) {
	if err := validateDescription(in.Description); err != nil {
		return nil, err
	}
	if err := validateExternalAuthority(in.ExternalAuthority); err != nil {
		return nil, err
	}
	tags, err := tagsFromSpecs(in.TagSpecifications, "ipam-scope")
	if err != nil {
		return nil, err
	}
	var out *Scope
	err = s.update(ctx, func(tx Tx, o *op) error {
		params := in
		params.ClientToken, params.DryRun = "", false // neither changes what the call means
		out, err = idempotent(tx, o, c, "CreateIpamScope", in.ClientToken, in.DryRun, params, func() (*Scope, error) {
			i, err := s.getIPAM(tx, c, in.IpamID)
			if err != nil {
				return nil, err
			}
			// Writing the IPAM row serializes scope creation per IPAM across
			// nodes, so the quota holds.
			if err := tx.UpdateIPAM(i); err != nil {
				return nil, err
			}
			if err := s.countScopes(tx, c, i); err != nil {
				return nil, err
			}
			if i.ScopeCount >= s.limits.ScopesPerIpam {
				return nil, errorf(CodeResourceLimitExceeded,
					"The IPAM %s already has the maximum number of scopes (%d).", i.ID, s.limits.ScopesPerIpam)
			}
			if in.DryRun {
				return nil, errDryRun
			}
			sc := &Scope{ID: newID("ipam-scope-", 16), OwnerID: c.AccountID, IpamID: i.ID, IpamRegion: i.Region,
				Type: "private", Description: emptyToNil(in.Description), State: StateCreateComplete, Tags: tags,
				ExternalAuthority: in.ExternalAuthority}
			if err := tx.InsertScope(sc); err != nil {
				return nil, err
			}
			r := *sc
			r.State = StateCreateInProgress
			return &r, nil
		})
		return err
	})
	return out, err
}

func validateExternalAuthority(ea *ExternalAuthority) error {
	if ea == nil {
		return nil
	}
	if ea.Type != "infoblox" {
		return invalidValue("Value (%s) for parameter ExternalAuthorityConfiguration.Type is invalid. Expected: infoblox.", echo(ea.Type))
	}
	return nil
}

var scopeFields = fields[*Scope]{
	"owner-id":        func(x *Scope) []string { return str(x.OwnerID) },
	"ipam-scope-id":   func(x *Scope) []string { return str(x.ID) },
	"ipam-scope-arn":  func(x *Scope) []string { return str(x.ARN()) },
	"ipam-id":         func(x *Scope) []string { return str(x.IpamID) },
	"ipam-arn":        func(x *Scope) []string { return str(x.IpamARN()) },
	"ipam-region":     func(x *Scope) []string { return str(x.IpamRegion) },
	"ipam-scope-type": func(x *Scope) []string { return str(x.Type) },
	"is-default":      func(x *Scope) []string { return boolStr(x.IsDefault) },
	"description":     func(x *Scope) []string { return strp(x.Description) },
	"state":           func(x *Scope) []string { return str(x.State) },
}

// DescribeIpamScopes lists the caller's scopes.
func (s *Service) DescribeIpamScopes(ctx context.Context, c Caller, in DescribeIpamScopesInput) ([]*Scope, string, error) {
	match, err := compileFilters(in.Filters, scopeFields, func(x *Scope) []Tag { return x.Tags })
	if err != nil {
		return nil, "", err
	}
	var all []*Scope
	err = s.view(ctx, func(tx Tx) error {
		all, err = s.scopesWithCounts(tx, c)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	selected, err := selectByID(all, in.ScopeIDs, func(x *Scope) string { return x.ID }, scopeNotFound)
	if err != nil {
		return nil, "", err
	}
	if in.DryRun {
		return nil, "", errDryRun
	}
	return page(s, ctx, "DescribeIpamScopes", c.AccountID, filter(selected, match), func(x *Scope) string { return x.ID }, in.Page, describeLimits)
}

// scopesWithCounts lists scopes with PoolCount computed from the pools, so
// the counter can never drift from what exists.
func (s *Service) scopesWithCounts(tx Tx, c Caller) ([]*Scope, error) {
	scopes, err := tx.ListScopes(c.AccountID)
	if err != nil {
		return nil, err
	}
	pools, err := tx.ListPools(c.AccountID)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, p := range pools {
		count[p.ScopeID]++
	}
	for _, sc := range scopes {
		sc.PoolCount = count[sc.ID]
	}
	return scopes, nil
}

// ModifyIpamScope changes a scope's description or external authority.
func (s *Service) ModifyIpamScope(ctx context.Context, c Caller, in ModifyIpamScopeInput) (*Scope, error) {
	if err := validateDescription(in.Description); err != nil {
		return nil, err
	}
	if err := validateExternalAuthority(in.ExternalAuthority); err != nil {
		return nil, err
	}
	if in.ExternalAuthority != nil && in.RemoveExternalAuthority {
		return nil, invalidCombination("ExternalAuthorityConfiguration and RemoveExternalAuthorityConfiguration cannot be combined.")
	}
	var out *Scope
	err := s.update(ctx, func(tx Tx, _ *op) error {
		sc, err := s.getScope(tx, c, in.ScopeID)
		if err != nil {
			return err
		}
		if in.DryRun {
			return errDryRun
		}
		if in.Description != nil {
			sc.Description = emptyToNil(in.Description)
		}
		if in.ExternalAuthority != nil {
			sc.ExternalAuthority = in.ExternalAuthority
		}
		if in.RemoveExternalAuthority {
			sc.ExternalAuthority = nil
		}
		sc.State = StateModifyComplete
		if err := tx.UpdateScope(sc); err != nil {
			return err
		}
		r := *sc
		r.State = StateModifyInProgress
		out = &r
		return nil
	})
	return out, err
}

// DeleteIpamScope deletes a non-default scope that holds no pools.
func (s *Service) DeleteIpamScope(ctx context.Context, c Caller, in DeleteIpamScopeInput) (*Scope, error) {
	var out *Scope
	err := s.update(ctx, func(tx Tx, _ *op) error {
		sc, err := s.getScope(tx, c, in.ScopeID)
		if err != nil {
			return err
		}
		// Lock the scope row (pool creation writes it too), then count its
		// pools again, so no pool can slip in between check and delete.
		if err := tx.UpdateScope(sc); err != nil {
			return err
		}
		if sc, err = s.getScope(tx, c, in.ScopeID); err != nil {
			return err
		}
		if sc.IsDefault {
			return invalidValue("The scope %s is a default scope and cannot be deleted; it goes with its IPAM.", sc.ID)
		}
		if sc.PoolCount > 0 {
			return errorf(CodeDependencyViolation,
				"The specified action is not valid for %s. There are one or more pools in the scope.", sc.ID)
		}
		if in.DryRun {
			return errDryRun
		}
		if err := tx.DeleteScope(sc.ID); err != nil {
			return err
		}
		r := *sc
		r.State = StateDeleteInProgress
		out = &r
		return nil
	})
	return out, err
}

// getScope reads a scope with an exact PoolCount.
func (s *Service) getScope(tx Tx, c Caller, id string) (*Scope, error) {
	if id == "" {
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter IpamScopeId")
	}
	sc, err := tx.GetScope(c.AccountID, id)
	if errors.Is(err, ErrNotFound) {
		return nil, scopeNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	if sc.PoolCount, err = tx.CountPools(c.AccountID, sc.ID); err != nil {
		return nil, err
	}
	return sc, nil
}
