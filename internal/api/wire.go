package api

import (
	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// XML shapes of the EC2 IPAM responses: element names are the botocore
// model's locationNames (case matters to boto3), children in model order.

type xmlTag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type xmlRegion struct {
	RegionName string `xml:"regionName"`
}

type xmlIpam struct {
	OwnerID                 string                   `xml:"ownerId"`
	IpamID                  string                   `xml:"ipamId"`
	IpamArn                 string                   `xml:"ipamArn"`
	IpamRegion              string                   `xml:"ipamRegion"`
	PublicDefaultScopeID    string                   `xml:"publicDefaultScopeId"`
	PrivateDefaultScopeID   string                   `xml:"privateDefaultScopeId"`
	ScopeCount              int                      `xml:"scopeCount"`
	Description             *string                  `xml:"description,omitempty"`
	OperatingRegions        ec2query.List[xmlRegion] `xml:"operatingRegionSet"`
	State                   string                   `xml:"state"`
	Tags                    ec2query.List[xmlTag]    `xml:"tagSet"`
	DefaultResDiscoveryID   string                   `xml:"defaultResourceDiscoveryId"`
	DefaultResDiscoveryAsID string                   `xml:"defaultResourceDiscoveryAssociationId"`
	ResDiscoveryAsCount     int                      `xml:"resourceDiscoveryAssociationCount"`
	Tier                    string                   `xml:"tier"`
	EnablePrivateGua        bool                     `xml:"enablePrivateGua"`
	MeteredAccount          string                   `xml:"meteredAccount"`
}

type xmlExternalAuthority struct {
	Type                       string `xml:"type"`
	ExternalResourceIdentifier string `xml:"externalResourceIdentifier,omitempty"`
}

type xmlScope struct {
	OwnerID           string                `xml:"ownerId"`
	IpamScopeID       string                `xml:"ipamScopeId"`
	IpamScopeArn      string                `xml:"ipamScopeArn"`
	IpamArn           string                `xml:"ipamArn"`
	IpamRegion        string                `xml:"ipamRegion"`
	IpamScopeType     string                `xml:"ipamScopeType"`
	IsDefault         bool                  `xml:"isDefault"`
	Description       *string               `xml:"description,omitempty"`
	PoolCount         int                   `xml:"poolCount"`
	State             string                `xml:"state"`
	Tags              ec2query.List[xmlTag] `xml:"tagSet"`
	ExternalAuthority *xmlExternalAuthority `xml:"externalAuthorityConfiguration,omitempty"`
}

type xmlPool struct {
	OwnerID                string                `xml:"ownerId"`
	IpamPoolID             string                `xml:"ipamPoolId"`
	SourceIpamPoolID       string                `xml:"sourceIpamPoolId,omitempty"`
	IpamPoolArn            string                `xml:"ipamPoolArn"`
	IpamScopeArn           string                `xml:"ipamScopeArn"`
	IpamScopeType          string                `xml:"ipamScopeType"`
	IpamArn                string                `xml:"ipamArn"`
	IpamRegion             string                `xml:"ipamRegion"`
	Locale                 string                `xml:"locale"`
	PoolDepth              int                   `xml:"poolDepth"`
	State                  string                `xml:"state"`
	Description            *string               `xml:"description,omitempty"`
	AutoImport             bool                  `xml:"autoImport"`
	PubliclyAdvertisable   *bool                 `xml:"publiclyAdvertisable,omitempty"`
	AddressFamily          string                `xml:"addressFamily"`
	AllocationMinNetmask   int                   `xml:"allocationMinNetmaskLength"`
	AllocationMaxNetmask   int                   `xml:"allocationMaxNetmaskLength"`
	AllocationDefault      *int                  `xml:"allocationDefaultNetmaskLength,omitempty"`
	AllocationResourceTags ec2query.List[xmlTag] `xml:"allocationResourceTagSet"`
	Tags                   ec2query.List[xmlTag] `xml:"tagSet"`
	AwsService             string                `xml:"awsService,omitempty"`
	PublicIPSource         string                `xml:"publicIpSource,omitempty"`
	SourceResource         *xmlSourceResource    `xml:"sourceResource,omitempty"`
}

type xmlSourceResource struct {
	ResourceID     string `xml:"resourceId"`
	ResourceType   string `xml:"resourceType"`
	ResourceRegion string `xml:"resourceRegion"`
	ResourceOwner  string `xml:"resourceOwner"`
}

type xmlFailureReason struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type xmlPoolCIDR struct {
	Cidr           string            `xml:"cidr,omitempty"`
	State          string            `xml:"state"`
	FailureReason  *xmlFailureReason `xml:"failureReason,omitempty"`
	IpamPoolCidrID string            `xml:"ipamPoolCidrId"`
	NetmaskLength  int               `xml:"netmaskLength"`
}

type xmlAllocation struct {
	Cidr                 string                 `xml:"cidr"`
	IpamPoolAllocationID string                 `xml:"ipamPoolAllocationId,omitempty"`
	Description          string                 `xml:"description,omitempty"`
	ResourceID           string                 `xml:"resourceId,omitempty"`
	ResourceType         string                 `xml:"resourceType,omitempty"`
	ResourceRegion       string                 `xml:"resourceRegion,omitempty"`
	ResourceOwner        string                 `xml:"resourceOwner,omitempty"`
	Tags                 *ec2query.List[xmlTag] `xml:"tagSet,omitempty"`
}

type xmlTagDescription struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	Key          string `xml:"key"`
	Value        string `xml:"value"`
}

func wireTags(tags []ipam.Tag) ec2query.List[xmlTag] {
	out := make(ec2query.List[xmlTag], len(tags))
	for i, t := range tags {
		out[i] = xmlTag{Key: t.Key, Value: t.Value}
	}
	return out
}

func wireIpam(i *ipam.IPAM) xmlIpam {
	return xmlIpam{
		OwnerID: i.OwnerID, IpamID: i.ID, IpamArn: i.ARN(), IpamRegion: i.Region,
		PublicDefaultScopeID: i.PublicDefaultScopeID, PrivateDefaultScopeID: i.PrivateDefaultScopeID,
		ScopeCount: i.ScopeCount, Description: i.Description, OperatingRegions: wireRegions(i.OperatingRegions), State: i.State,
		Tags: wireTags(i.Tags), DefaultResDiscoveryID: i.ResourceDiscoveryID,
		DefaultResDiscoveryAsID: i.ResourceDiscoveryAsID, ResDiscoveryAsCount: 1,
		Tier: i.Tier, EnablePrivateGua: i.EnablePrivateGua, MeteredAccount: i.MeteredAccount,
	}
}

func wireScope(s *ipam.Scope) xmlScope {
	x := xmlScope{
		OwnerID: s.OwnerID, IpamScopeID: s.ID, IpamScopeArn: s.ARN(), IpamArn: s.IpamARN(),
		IpamRegion: s.IpamRegion, IpamScopeType: s.Type, IsDefault: s.IsDefault,
		Description: s.Description, PoolCount: s.PoolCount, State: s.State, Tags: wireTags(s.Tags),
	}
	if ea := s.ExternalAuthority; ea != nil {
		x.ExternalAuthority = &xmlExternalAuthority{Type: ea.Type, ExternalResourceIdentifier: ea.ExternalResourceIdentifier}
	}
	return x
}

// wirePool reports the effective netmask bounds (0 and the family's maximum
// when unset) and the default only when one is set.
func wirePool(p *ipam.Pool) xmlPool {
	x := xmlPool{
		OwnerID: p.OwnerID, IpamPoolID: p.ID, SourceIpamPoolID: p.SourcePoolID, IpamPoolArn: p.ARN(),
		IpamScopeArn: p.ScopeARN(), IpamScopeType: p.ScopeType, IpamArn: p.IpamARN(), IpamRegion: p.IpamRegion,
		Locale: "None", PoolDepth: p.Depth, State: p.State, Description: p.Description, AutoImport: p.AutoImport,
		PubliclyAdvertisable: p.PubliclyAdvertisable, AddressFamily: p.AddressFamily,
		AllocationMaxNetmask: p.MaxBits(), AllocationDefault: p.AllocationDefault,
		AllocationResourceTags: wireTags(p.AllocationResourceTags), Tags: wireTags(p.Tags),
		AwsService: p.AwsService, PublicIPSource: p.PublicIPSource,
	}
	if p.Locale != "" {
		x.Locale = p.Locale
	}
	if p.AllocationMinNetmask != nil {
		x.AllocationMinNetmask = *p.AllocationMinNetmask
	}
	if p.AllocationMaxNetmask != nil {
		x.AllocationMaxNetmask = *p.AllocationMaxNetmask
	}
	if r := p.SourceResource; r != nil {
		x.SourceResource = &xmlSourceResource{r.ResourceID, r.ResourceType, r.ResourceRegion, r.ResourceOwner}
	}
	if p.AddressFamily == "ipv6" && x.PubliclyAdvertisable == nil {
		f := false
		x.PubliclyAdvertisable = &f
	}
	return x
}

func wirePoolCIDR(c *ipam.PoolCIDR) xmlPoolCIDR {
	x := xmlPoolCIDR{State: c.State, IpamPoolCidrID: c.ID, NetmaskLength: c.CIDR.Bits()}
	if c.CIDR.IsValid() {
		x.Cidr = c.CIDR.String()
	}
	if f := c.FailureReason; f != nil {
		x.FailureReason = &xmlFailureReason{Code: f.Code, Message: f.Message}
	}
	return x
}

func wireAllocation(a *ipam.Allocation) xmlAllocation {
	tags := wireTags(a.Tags)
	return xmlAllocation{
		Cidr: a.CIDR.String(), IpamPoolAllocationID: a.ID, Description: a.Description,
		ResourceID: a.ResourceID, ResourceType: a.ResourceType, ResourceRegion: a.ResourceRegion,
		ResourceOwner: a.ResourceOwner, Tags: &tags,
	}
}

func wireList[T, X any](items []T, conv func(T) X) ec2query.List[X] {
	out := make(ec2query.List[X], len(items))
	for i, it := range items {
		out[i] = conv(it)
	}
	return out
}
