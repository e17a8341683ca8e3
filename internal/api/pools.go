package api

import (
	"context"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

type poolResponse struct {
	Pool xmlPool `xml:"ipamPool"`
}

func (h *Handler) createIpamPool(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.CreateIpamPoolInput{
		DryRun: dryRun(p), ScopeID: p.RequiredString("IpamScopeId"), AddressFamily: p.RequiredString("AddressFamily"),
		Locale: strPtr(p, "Locale"), SourcePoolID: str(p, "SourceIpamPoolId"), Description: strPtr(p, "Description"),
		AutoImport: boolPtr(p, "AutoImport"), PubliclyAdvertisable: boolPtr(p, "PubliclyAdvertisable"),
		AllocationMinNetmask:   intPtr(p, "AllocationMinNetmaskLength"),
		AllocationMaxNetmask:   intPtr(p, "AllocationMaxNetmaskLength"),
		AllocationDefault:      intPtr(p, "AllocationDefaultNetmaskLength"),
		AllocationResourceTags: tags(p, "AllocationResourceTag"),
		TagSpecifications:      tagSpecs(p), ClientToken: str(p, "ClientToken"),
		AwsService: strPtr(p, "AwsService"), PublicIPSource: strPtr(p, "PublicIpSource"),
	}
	if m := p.Struct("SourceResource", "ResourceId", "ResourceType", "ResourceRegion", "ResourceOwner"); m != nil {
		in.SourceResource = &ipam.SourceResource{ResourceID: m["ResourceId"], ResourceType: m["ResourceType"],
			ResourceRegion: m["ResourceRegion"], ResourceOwner: m["ResourceOwner"]}
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	pool, err := h.svc.CreateIpamPool(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &poolResponse{wirePool(pool)}, nil
}

type describePoolsResponse struct {
	Pools     ec2query.List[xmlPool] `xml:"ipamPoolSet"`
	NextToken string                 `xml:"nextToken,omitempty"`
}

func (h *Handler) describeIpamPools(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeIpamPoolsInput{DryRun: dryRun(p), PoolIDs: p.StringList("IpamPoolId"), Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeIpamPools(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &describePoolsResponse{wireList(items, wirePool), next}, nil
}

func (h *Handler) modifyIpamPool(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.ModifyIpamPoolInput{
		DryRun: dryRun(p), PoolID: p.RequiredString("IpamPoolId"), Description: strPtr(p, "Description"),
		AutoImport:                   boolPtr(p, "AutoImport"),
		AllocationMinNetmask:         intPtr(p, "AllocationMinNetmaskLength"),
		AllocationMaxNetmask:         intPtr(p, "AllocationMaxNetmaskLength"),
		AllocationDefault:            intPtr(p, "AllocationDefaultNetmaskLength"),
		ClearAllocationDefault:       flag(p, "ClearAllocationDefaultNetmaskLength"),
		AddAllocationResourceTags:    tags(p, "AddAllocationResourceTag"),
		RemoveAllocationResourceTags: tags(p, "RemoveAllocationResourceTag"),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	pool, err := h.svc.ModifyIpamPool(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &poolResponse{wirePool(pool)}, nil
}

func (h *Handler) deleteIpamPool(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DeleteIpamPoolInput{DryRun: dryRun(p), PoolID: p.RequiredString("IpamPoolId"), Cascade: flag(p, "Cascade")}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	pool, err := h.svc.DeleteIpamPool(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &poolResponse{wirePool(pool)}, nil
}

type poolCIDRResponse struct {
	PoolCIDR xmlPoolCIDR `xml:"ipamPoolCidr"`
}

func (h *Handler) provisionIpamPoolCidr(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.ProvisionIpamPoolCidrInput{
		DryRun: dryRun(p), PoolID: p.RequiredString("IpamPoolId"), CIDR: str(p, "Cidr"),
		NetmaskLength: intPtr(p, "NetmaskLength"), ClientToken: str(p, "ClientToken"),
		CidrAuthorizationContext: p.Struct("CidrAuthorizationContext", "Message", "Signature") != nil,
		VerificationMethod:       strPtr(p, "VerificationMethod"),
		VerificationTokenID:      strPtr(p, "IpamExternalResourceVerificationTokenId"),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	pc, err := h.svc.ProvisionIpamPoolCidr(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &poolCIDRResponse{wirePoolCIDR(pc)}, nil
}

func (h *Handler) deprovisionIpamPoolCidr(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DeprovisionIpamPoolCidrInput{DryRun: dryRun(p), PoolID: p.RequiredString("IpamPoolId"), CIDR: p.RequiredString("Cidr")}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	pc, err := h.svc.DeprovisionIpamPoolCidr(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &poolCIDRResponse{wirePoolCIDR(pc)}, nil
}

type poolCIDRsResponse struct {
	PoolCIDRs ec2query.List[xmlPoolCIDR] `xml:"ipamPoolCidrSet"`
	NextToken string                     `xml:"nextToken,omitempty"`
}

func (h *Handler) getIpamPoolCidrs(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.GetIpamPoolCidrsInput{DryRun: dryRun(p), PoolID: p.RequiredString("IpamPoolId"), Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.GetIpamPoolCidrs(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &poolCIDRsResponse{wireList(items, wirePoolCIDR), next}, nil
}
