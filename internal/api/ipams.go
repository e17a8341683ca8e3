package api

import (
	"context"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

type ipamResponse struct {
	Ipam xmlIpam `xml:"ipam"`
}

type scopeResponse struct {
	Scope xmlScope `xml:"ipamScope"`
}

func (h *Handler) createIpam(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.CreateIpamInput{
		DryRun: dryRun(p), Description: strPtr(p, "Description"),
		OperatingRegions:  p.RegionList("OperatingRegion"),
		TagSpecifications: tagSpecs(p), ClientToken: str(p, "ClientToken"), Tier: strPtr(p, "Tier"),
		EnablePrivateGua: boolPtr(p, "EnablePrivateGua"), MeteredAccount: strPtr(p, "MeteredAccount"),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	i, err := h.svc.CreateIpam(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &ipamResponse{wireIpam(i)}, nil
}

type describeIpamsResponse struct {
	Ipams     ec2query.List[xmlIpam] `xml:"ipamSet"`
	NextToken string                 `xml:"nextToken,omitempty"`
}

func (h *Handler) describeIpams(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeIpamsInput{DryRun: dryRun(p), IpamIDs: p.StringList("IpamId"), Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeIpams(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &describeIpamsResponse{wireList(items, wireIpam), next}, nil
}

func (h *Handler) modifyIpam(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.ModifyIpamInput{
		DryRun: dryRun(p), IpamID: p.RequiredString("IpamId"), Description: strPtr(p, "Description"),
		AddOperatingRegions:    p.RegionList("AddOperatingRegion"),
		RemoveOperatingRegions: p.RegionList("RemoveOperatingRegion"),
		Tier:                   strPtr(p, "Tier"), EnablePrivateGua: boolPtr(p, "EnablePrivateGua"),
		MeteredAccount: strPtr(p, "MeteredAccount"),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	i, err := h.svc.ModifyIpam(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &ipamResponse{wireIpam(i)}, nil
}

func (h *Handler) deleteIpam(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DeleteIpamInput{DryRun: dryRun(p), IpamID: p.RequiredString("IpamId"), Cascade: flag(p, "Cascade")}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	i, err := h.svc.DeleteIpam(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &ipamResponse{wireIpam(i)}, nil
}

func (h *Handler) createIpamScope(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.CreateIpamScopeInput{
		DryRun: dryRun(p), IpamID: p.RequiredString("IpamId"), Description: strPtr(p, "Description"),
		TagSpecifications: tagSpecs(p), ClientToken: str(p, "ClientToken"), ExternalAuthority: externalAuthority(p),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	s, err := h.svc.CreateIpamScope(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &scopeResponse{wireScope(s)}, nil
}

type describeScopesResponse struct {
	Scopes    ec2query.List[xmlScope] `xml:"ipamScopeSet"`
	NextToken string                  `xml:"nextToken,omitempty"`
}

func (h *Handler) describeIpamScopes(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeIpamScopesInput{DryRun: dryRun(p), ScopeIDs: p.StringList("IpamScopeId"), Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeIpamScopes(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &describeScopesResponse{wireList(items, wireScope), next}, nil
}

func (h *Handler) modifyIpamScope(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.ModifyIpamScopeInput{
		DryRun: dryRun(p), ScopeID: p.RequiredString("IpamScopeId"), Description: strPtr(p, "Description"),
		ExternalAuthority:       externalAuthority(p),
		RemoveExternalAuthority: flag(p, "RemoveExternalAuthorityConfiguration"),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	s, err := h.svc.ModifyIpamScope(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &scopeResponse{wireScope(s)}, nil
}

func (h *Handler) deleteIpamScope(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DeleteIpamScopeInput{DryRun: dryRun(p), ScopeID: p.RequiredString("IpamScopeId")}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	s, err := h.svc.DeleteIpamScope(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &scopeResponse{wireScope(s)}, nil
}
