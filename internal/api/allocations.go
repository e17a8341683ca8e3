package api

import (
	"context"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

type allocationResponse struct {
	Allocation xmlAllocation `xml:"ipamPoolAllocation"`
}

func (h *Handler) allocateIpamPoolCidr(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.AllocateIpamPoolCidrInput{
		DryRun: dryRun(p), PoolID: p.RequiredString("IpamPoolId"), CIDR: str(p, "Cidr"),
		NetmaskLength: intPtr(p, "NetmaskLength"), ClientToken: str(p, "ClientToken"),
		Description: strPtr(p, "Description"), PreviewNextCidr: flag(p, "PreviewNextCidr"),
		AllowedCidrs: p.StringList("AllowedCidr"), DisallowedCidrs: p.StringList("DisallowedCidr"),
		TagSpecifications: tagSpecs(p),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	a, err := h.svc.AllocateIpamPoolCidr(ctx, c, in)
	if err != nil {
		return nil, err
	}
	if in.PreviewNextCidr {
		// A preview takes nothing: there is only the CIDR to report.
		return &allocationResponse{xmlAllocation{Cidr: a.CIDR.String()}}, nil
	}
	return &allocationResponse{wireAllocation(a)}, nil
}

type successResponse struct {
	Success bool `xml:"success"`
}

func (h *Handler) releaseIpamPoolAllocation(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.ReleaseIpamPoolAllocationInput{
		DryRun: dryRun(p), PoolID: p.RequiredString("IpamPoolId"), CIDR: p.RequiredString("Cidr"),
		AllocationID: p.RequiredString("IpamPoolAllocationId"),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	if err := h.svc.ReleaseIpamPoolAllocation(ctx, c, in); err != nil {
		return nil, err
	}
	return &successResponse{true}, nil
}

func (h *Handler) modifyIpamPoolAllocation(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.ModifyIpamPoolAllocationInput{
		DryRun: dryRun(p), AllocationID: p.RequiredString("IpamPoolAllocationId"), Description: strPtr(p, "Description"),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	a, err := h.svc.ModifyIpamPoolAllocation(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &allocationResponse{wireAllocation(a)}, nil
}

type allocationsResponse struct {
	Allocations ec2query.List[xmlAllocation] `xml:"ipamPoolAllocationSet"`
	NextToken   string                       `xml:"nextToken,omitempty"`
}

func (h *Handler) getIpamPoolAllocations(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.GetIpamPoolAllocationsInput{
		DryRun: dryRun(p), PoolID: p.RequiredString("IpamPoolId"), AllocationID: str(p, "IpamPoolAllocationId"),
		Filters: filters(p), Page: page(p),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.GetIpamPoolAllocations(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &allocationsResponse{wireList(items, wireAllocation), next}, nil
}

func (h *Handler) describeIpamPoolAllocations(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeIpamPoolAllocationsInput{
		DryRun: dryRun(p), AllocationIDs: p.StringList("IpamPoolAllocationId"), Filters: filters(p), Page: page(p),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeIpamPoolAllocations(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &allocationsResponse{wireList(items, wireAllocation), next}, nil
}
