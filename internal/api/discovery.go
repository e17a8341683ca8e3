package api

import (
	"context"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// Resource discovery reads: each IPAM's default discovery and its
// association, and what the discovery sees (the owner's VPC and subnet
// blocks, the owner's account).

type xmlResourceDiscovery struct {
	OwnerID          string                   `xml:"ownerId"`
	ID               string                   `xml:"ipamResourceDiscoveryId"`
	Arn              string                   `xml:"ipamResourceDiscoveryArn"`
	Region           string                   `xml:"ipamResourceDiscoveryRegion"`
	Description      *string                  `xml:"description,omitempty"`
	OperatingRegions ec2query.List[xmlRegion] `xml:"operatingRegionSet"`
	IsDefault        bool                     `xml:"isDefault"`
	State            string                   `xml:"state"`
	Tags             ec2query.List[xmlTag]    `xml:"tagSet"`
}

type xmlDiscoveryAssociation struct {
	OwnerID     string                `xml:"ownerId"`
	ID          string                `xml:"ipamResourceDiscoveryAssociationId"`
	Arn         string                `xml:"ipamResourceDiscoveryAssociationArn"`
	DiscoveryID string                `xml:"ipamResourceDiscoveryId"`
	IpamID      string                `xml:"ipamId"`
	IpamArn     string                `xml:"ipamArn"`
	IpamRegion  string                `xml:"ipamRegion"`
	IsDefault   bool                  `xml:"isDefault"`
	Status      string                `xml:"resourceDiscoveryStatus"`
	State       string                `xml:"state"`
	Tags        ec2query.List[xmlTag] `xml:"tagSet"`
}

type xmlDiscoveredCIDR struct {
	DiscoveryID        string                `xml:"ipamResourceDiscoveryId"`
	ResourceRegion     string                `xml:"resourceRegion"`
	ResourceID         string                `xml:"resourceId"`
	ResourceOwnerID    string                `xml:"resourceOwnerId"`
	ResourceCidr       string                `xml:"resourceCidr"`
	IPSource           string                `xml:"ipSource"`
	ResourceType       string                `xml:"resourceType"`
	ResourceTags       ec2query.List[xmlTag] `xml:"resourceTagSet"`
	IPUsage            string                `xml:"ipUsage"`
	VpcID              string                `xml:"vpcId,omitempty"`
	SubnetID           string                `xml:"subnetId,omitempty"`
	SampleTime         string                `xml:"sampleTime"`
	AvailabilityZoneID string                `xml:"availabilityZoneId,omitempty"`
}

type xmlDiscoveredAccount struct {
	AccountID       string `xml:"accountId"`
	DiscoveryRegion string `xml:"discoveryRegion"`
	LastAttempted   string `xml:"lastAttemptedDiscoveryTime"`
	LastSuccessful  string `xml:"lastSuccessfulDiscoveryTime"`
}

func wireRegions(rs []string) ec2query.List[xmlRegion] {
	out := make(ec2query.List[xmlRegion], len(rs))
	for i, r := range rs {
		out[i] = xmlRegion{RegionName: r}
	}
	return out
}

func wireDiscovery(d *ipam.ResourceDiscovery) xmlResourceDiscovery {
	return xmlResourceDiscovery{
		OwnerID: d.OwnerID, ID: d.ID, Arn: d.ARN(), Region: d.Region, Description: d.Description,
		OperatingRegions: wireRegions(d.OperatingRegions), IsDefault: d.IsDefault, State: d.State, Tags: wireTags(d.Tags),
	}
}

func wireDiscoveryAssociation(a *ipam.ResourceDiscoveryAssociation) xmlDiscoveryAssociation {
	return xmlDiscoveryAssociation{
		OwnerID: a.OwnerID, ID: a.ID, Arn: a.ARN(), DiscoveryID: a.DiscoveryID, IpamID: a.IpamID, IpamArn: a.IpamARN(),
		IpamRegion: a.IpamRegion, IsDefault: a.IsDefault, Status: a.Status, State: a.State, Tags: wireTags(a.Tags),
	}
}

func wireDiscoveredCIDR(r *ipam.DiscoveredResourceCIDR) xmlDiscoveredCIDR {
	return xmlDiscoveredCIDR{
		DiscoveryID: r.DiscoveryID, ResourceRegion: r.Region, ResourceID: r.ResourceID, ResourceOwnerID: r.OwnerID,
		ResourceCidr: r.CIDR.String(), IPSource: r.IPSource, ResourceType: r.ResourceType, ResourceTags: wireTags(r.Tags),
		IPUsage: formatUsage(r.IPUsage), VpcID: r.VpcID, SubnetID: r.SubnetID,
		SampleTime: wireTime(r.SampleTime), AvailabilityZoneID: r.AvailabilityZoneID,
	}
}

func wireDiscoveredAccount(a *ipam.DiscoveredAccount) xmlDiscoveredAccount {
	return xmlDiscoveredAccount{AccountID: a.AccountID, DiscoveryRegion: a.Region,
		LastAttempted: wireTime(a.LastAttempted), LastSuccessful: wireTime(a.LastSuccessful)}
}

type describeDiscoveriesResponse struct {
	Items     ec2query.List[xmlResourceDiscovery] `xml:"ipamResourceDiscoverySet"`
	NextToken string                              `xml:"nextToken,omitempty"`
}

func (h *Handler) describeIpamResourceDiscoveries(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeDiscoveryInput{DryRun: dryRun(p), IDs: p.StringList("IpamResourceDiscoveryId"),
		Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeIpamResourceDiscoveries(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &describeDiscoveriesResponse{wireList(items, wireDiscovery), next}, nil
}

type describeDiscoveryAssociationsResponse struct {
	Items     ec2query.List[xmlDiscoveryAssociation] `xml:"ipamResourceDiscoveryAssociationSet"`
	NextToken string                                 `xml:"nextToken,omitempty"`
}

func (h *Handler) describeIpamResourceDiscoveryAssociations(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeDiscoveryInput{DryRun: dryRun(p),
		IDs: p.StringList("IpamResourceDiscoveryAssociationId"), Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeIpamResourceDiscoveryAssociations(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &describeDiscoveryAssociationsResponse{wireList(items, wireDiscoveryAssociation), next}, nil
}

type getDiscoveredCidrsResponse struct {
	Items     ec2query.List[xmlDiscoveredCIDR] `xml:"ipamDiscoveredResourceCidrSet"`
	NextToken string                           `xml:"nextToken,omitempty"`
}

func (h *Handler) getIpamDiscoveredResourceCidrs(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DiscoveryReadInput{DryRun: dryRun(p), DiscoveryID: p.RequiredString("IpamResourceDiscoveryId"),
		Region: p.RequiredString("ResourceRegion"), Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.GetIpamDiscoveredResourceCidrs(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &getDiscoveredCidrsResponse{wireList(items, wireDiscoveredCIDR), next}, nil
}

type getDiscoveredAccountsResponse struct {
	Items     ec2query.List[xmlDiscoveredAccount] `xml:"ipamDiscoveredAccountSet"`
	NextToken string                              `xml:"nextToken,omitempty"`
}

func (h *Handler) getIpamDiscoveredAccounts(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DiscoveryReadInput{DryRun: dryRun(p), DiscoveryID: p.RequiredString("IpamResourceDiscoveryId"),
		Region: p.RequiredString("DiscoveryRegion"), Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.GetIpamDiscoveredAccounts(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &getDiscoveredAccountsResponse{wireList(items, wireDiscoveredAccount), next}, nil
}
