package api

import (
	"context"
	"slices"

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

// allocationsResponse is a page of up to 100,000 allocations. It renders
// itself (ec2query.FieldsAppender): encoding/xml's reflection over that many
// items cost more than reading them from the store. The output is what
// encoding/xml produces for
//
//	struct {
//		Allocations ec2query.List[xmlAllocation] `xml:"ipamPoolAllocationSet"`
//		NextToken   string                       `xml:"nextToken,omitempty"`
//	}
//
// with wireAllocation's items (wire_test.go compares the two).
type allocationsResponse struct {
	items []*ipam.Allocation
	next  string
}

// AppendXMLFields implements ec2query.FieldsAppender.
func (r *allocationsResponse) AppendXMLFields(b []byte) []byte {
	b = slices.Grow(b, 64+len(r.next)+len(r.items)*allocationXMLSize)
	b = append(b, "<ipamPoolAllocationSet>"...)
	for _, a := range r.items {
		b = appendAllocationItem(b, a)
	}
	b = append(b, "</ipamPoolAllocationSet>"...)
	if r.next != "" {
		b = ec2query.AppendElement(b, "nextToken", r.next)
	}
	return b
}

// allocationXMLSize is about the size of a custom IPv4 allocation's <item>
// with a short description and no tags.
const allocationXMLSize = 280

// appendAllocationItem appends <item>…</item> of wireAllocation(a): cidr
// always, the optional strings when not empty, and tagSet always.
func appendAllocationItem(b []byte, a *ipam.Allocation) []byte {
	b = append(b, "<item><cidr>"...)
	if a.CIDR.IsValid() {
		b = a.CIDR.AppendTo(b) // digits, hex, '.', ':' and '/': nothing to escape
	} else {
		b = ec2query.AppendText(b, a.CIDR.String())
	}
	b = append(b, "</cidr>"...)
	for _, f := range [...]struct{ name, v string }{
		{"ipamPoolAllocationId", a.ID}, {"description", a.Description}, {"resourceId", a.ResourceID},
		{"resourceType", a.ResourceType}, {"resourceRegion", a.ResourceRegion}, {"resourceOwner", a.ResourceOwner},
	} {
		if f.v != "" {
			b = ec2query.AppendElement(b, f.name, f.v)
		}
	}
	b = append(b, "<tagSet>"...)
	for _, t := range a.Tags {
		b = append(b, "<item>"...)
		b = ec2query.AppendElement(b, "key", t.Key)
		b = ec2query.AppendElement(b, "value", t.Value)
		b = append(b, "</item>"...)
	}
	return append(b, "</tagSet></item>"...)
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
	return &allocationsResponse{items, next}, nil
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
	return &allocationsResponse{items, next}, nil
}
