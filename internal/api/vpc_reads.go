package api

import (
	"context"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// The reads Terraform makes around a VPC: its default companions, the
// always-empty lists of things ipamd never runs, and the Region's zones.

func defaultsInput(p *ec2query.Params, ids string) ipam.DescribeDefaultsInput {
	return ipam.DescribeDefaultsInput{DryRun: dryRun(p), IDs: p.StringList(ids), Filters: filters(p), Page: page(p)}
}

type describeNetworkAclsResponse struct {
	Items     ec2query.List[xmlNetworkACL] `xml:"networkAclSet"`
	NextToken string                       `xml:"nextToken,omitempty"`
}

func (h *Handler) describeNetworkAcls(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := defaultsInput(p, "NetworkAclId")
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeNetworkAcls(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &describeNetworkAclsResponse{wireList(items, wireNetworkACL), next}, nil
}

type describeRouteTablesResponse struct {
	Items     ec2query.List[xmlRouteTable] `xml:"routeTableSet"`
	NextToken string                       `xml:"nextToken,omitempty"`
}

func (h *Handler) describeRouteTables(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := defaultsInput(p, "RouteTableId")
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeRouteTables(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &describeRouteTablesResponse{wireList(items, wireRouteTable), next}, nil
}

type describeSecurityGroupsResponse struct {
	Items     ec2query.List[xmlSecurityGroup] `xml:"securityGroupInfo"`
	NextToken string                          `xml:"nextToken,omitempty"`
}

func (h *Handler) describeSecurityGroups(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := defaultsInput(p, "GroupId")
	in.Names = p.StringList("GroupName")
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeSecurityGroups(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &describeSecurityGroupsResponse{wireList(items, wireSecurityGroup), next}, nil
}

type describeNetworkInterfacesResponse struct {
	Items ec2query.List[struct{}] `xml:"networkInterfaceSet"`
}

func (h *Handler) describeNetworkInterfaces(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := defaultsInput(p, "NetworkInterfaceId")
	flag(p, "IncludeManagedResources") // nothing is managed either
	if err := p.Finish(); err != nil {
		return nil, err
	}
	if err := h.svc.DescribeEmpty(ctx, c, in, ipam.NetworkInterfaceNotFound); err != nil {
		return nil, err
	}
	return &describeNetworkInterfacesResponse{}, nil
}

type describeVpcEndpointsResponse struct {
	Items ec2query.List[struct{}] `xml:"vpcEndpointSet"`
}

func (h *Handler) describeVpcEndpoints(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := defaultsInput(p, "VpcEndpointId")
	if err := p.Finish(); err != nil {
		return nil, err
	}
	if err := h.svc.DescribeEmpty(ctx, c, in, ipam.VpcEndpointNotFound); err != nil {
		return nil, err
	}
	return &describeVpcEndpointsResponse{}, nil
}

type describeZonesResponse struct {
	Zones ec2query.List[xmlZone] `xml:"availabilityZoneInfo"`
}

func (h *Handler) describeAvailabilityZones(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeAvailabilityZonesInput{
		DryRun: dryRun(p), ZoneNames: p.StringList("ZoneName"), ZoneIDs: p.StringList("ZoneId"),
		AllAvailabilityZones: flag(p, "AllAvailabilityZones"), Filters: filters(p),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	zones, err := h.svc.DescribeAvailabilityZones(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &describeZonesResponse{wireList(zones, wireZone)}, nil
}
