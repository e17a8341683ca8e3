package api

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// Monitoring: GetIpamResourceCidrs, ModifyIpamResourceCidr and
// GetIpamAddressHistory (botocore IpamResourceCidr, IpamAddressHistoryRecord).

type xmlResourceCidr struct {
	IpamID             string                `xml:"ipamId"`
	IpamScopeID        string                `xml:"ipamScopeId"`
	IpamPoolID         string                `xml:"ipamPoolId,omitempty"`
	ResourceRegion     string                `xml:"resourceRegion"`
	ResourceOwnerID    string                `xml:"resourceOwnerId"`
	ResourceID         string                `xml:"resourceId"`
	ResourceName       string                `xml:"resourceName,omitempty"`
	ResourceCidr       string                `xml:"resourceCidr"`
	ResourceType       string                `xml:"resourceType"`
	ResourceTags       ec2query.List[xmlTag] `xml:"resourceTagSet"`
	IPUsage            string                `xml:"ipUsage"`
	ComplianceStatus   string                `xml:"complianceStatus"`
	ManagementState    string                `xml:"managementState"`
	OverlapStatus      string                `xml:"overlapStatus"`
	VpcID              string                `xml:"vpcId"`
	AvailabilityZoneID string                `xml:"availabilityZoneId,omitempty"`
}

func wireResourceCidr(r *ipam.ResourceCIDR) xmlResourceCidr {
	return xmlResourceCidr{
		IpamID: r.IpamID, IpamScopeID: r.ScopeID, IpamPoolID: r.PoolID, ResourceRegion: r.Region,
		ResourceOwnerID: r.OwnerID, ResourceID: r.ResourceID, ResourceName: r.Name, ResourceCidr: r.CIDR.String(),
		ResourceType: r.ResourceType, ResourceTags: wireTags(r.Tags), IPUsage: formatUsage(r.IPUsage()),
		ComplianceStatus: r.Compliance, ManagementState: r.Management, OverlapStatus: r.OverlapStatus(),
		VpcID: r.VpcID, AvailabilityZoneID: r.AZID,
	}
}

// formatUsage writes a share as a plain decimal.
func formatUsage(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// resourceCidrsResponse is a page of up to 1,000 resource CIDRs. It renders
// itself (ec2query.FieldsAppender) as allocations do: the output is what
// encoding/xml produces for
//
//	struct {
//		Items     ec2query.List[xmlResourceCidr] `xml:"ipamResourceCidrSet"`
//		NextToken string                         `xml:"nextToken,omitempty"`
//	}
//
// with wireResourceCidr's items (monitor_test.go compares the two).
type resourceCidrsResponse struct {
	items []*ipam.ResourceCIDR
	next  string
}

// AppendXMLFields implements ec2query.FieldsAppender.
func (r *resourceCidrsResponse) AppendXMLFields(b []byte) []byte {
	b = slices.Grow(b, 64+len(r.next)+len(r.items)*resourceCidrXMLSize)
	b = append(b, "<ipamResourceCidrSet>"...)
	for _, x := range r.items {
		b = appendResourceCidrItem(b, x)
	}
	b = append(b, "</ipamResourceCidrSet>"...)
	if r.next != "" {
		b = ec2query.AppendElement(b, "nextToken", r.next)
	}
	return b
}

// resourceCidrXMLSize is about the size of a subnet's <item> with a Name tag.
const resourceCidrXMLSize = 700

// appendResourceCidrItem appends <item>…</item> of wireResourceCidr(x),
// field for field in xmlResourceCidr's order.
func appendResourceCidrItem(b []byte, x *ipam.ResourceCIDR) []byte {
	w := wireResourceCidr(x)
	b = append(b, "<item>"...)
	for _, f := range [...]struct {
		name, v string
		always  bool
	}{
		{"ipamId", w.IpamID, true}, {"ipamScopeId", w.IpamScopeID, true}, {"ipamPoolId", w.IpamPoolID, false},
		{"resourceRegion", w.ResourceRegion, true}, {"resourceOwnerId", w.ResourceOwnerID, true},
		{"resourceId", w.ResourceID, true}, {"resourceName", w.ResourceName, false},
		{"resourceCidr", w.ResourceCidr, true}, {"resourceType", w.ResourceType, true},
	} {
		if f.always || f.v != "" {
			b = ec2query.AppendElement(b, f.name, f.v)
		}
	}
	b = append(b, "<resourceTagSet>"...)
	for _, t := range x.Tags {
		b = append(b, "<item>"...)
		b = ec2query.AppendElement(b, "key", t.Key)
		b = ec2query.AppendElement(b, "value", t.Value)
		b = append(b, "</item>"...)
	}
	b = append(b, "</resourceTagSet>"...)
	for _, f := range [...]struct {
		name, v string
		always  bool
	}{
		{"ipUsage", w.IPUsage, true}, {"complianceStatus", w.ComplianceStatus, true},
		{"managementState", w.ManagementState, true}, {"overlapStatus", w.OverlapStatus, true},
		{"vpcId", w.VpcID, true}, {"availabilityZoneId", w.AvailabilityZoneID, false},
	} {
		if f.always || f.v != "" {
			b = ec2query.AppendElement(b, f.name, f.v)
		}
	}
	return append(b, "</item>"...)
}

func (h *Handler) getIpamResourceCidrs(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.GetIpamResourceCidrsInput{
		DryRun: dryRun(p), ScopeID: p.RequiredString("IpamScopeId"), PoolID: str(p, "IpamPoolId"),
		ResourceID: str(p, "ResourceId"), ResourceType: str(p, "ResourceType"),
		ResourceOwner: str(p, "ResourceOwner"), Filters: filters(p), Page: page(p),
	}
	if t := p.Struct("ResourceTag", "Key", "Value"); t != nil {
		in.ResourceTag = &ipam.Tag{Key: t["Key"], Value: t["Value"]}
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.GetIpamResourceCidrs(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &resourceCidrsResponse{items, next}, nil
}

type resourceCidrResponse struct {
	Item xmlResourceCidr `xml:"ipamResourceCidr"`
}

func (h *Handler) modifyIpamResourceCidr(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.ModifyIpamResourceCidrInput{
		DryRun: dryRun(p), ResourceID: p.RequiredString("ResourceId"), ResourceCIDR: p.RequiredString("ResourceCidr"),
		ResourceRegion: p.RequiredString("ResourceRegion"), CurrentScopeID: p.RequiredString("CurrentIpamScopeId"),
		DestinationScope: str(p, "DestinationIpamScopeId"), Monitored: boolPtr(p, "Monitored"),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	r, err := h.svc.ModifyIpamResourceCidr(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &resourceCidrResponse{wireResourceCidr(r)}, nil
}

type xmlHistoryRecord struct {
	ResourceOwnerID          string `xml:"resourceOwnerId"`
	ResourceRegion           string `xml:"resourceRegion"`
	ResourceType             string `xml:"resourceType"`
	ResourceID               string `xml:"resourceId"`
	ResourceCidr             string `xml:"resourceCidr"`
	ResourceName             string `xml:"resourceName,omitempty"`
	ResourceComplianceStatus string `xml:"resourceComplianceStatus"`
	ResourceOverlapStatus    string `xml:"resourceOverlapStatus"`
	VpcID                    string `xml:"vpcId"`
	SampledStartTime         string `xml:"sampledStartTime"`
	SampledEndTime           string `xml:"sampledEndTime,omitempty"`
}

// timestampFormat is EC2's: ISO 8601 in UTC with milliseconds.
const timestampFormat = "2006-01-02T15:04:05.000Z"

func wireTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timestampFormat)
}

func wireHistoryRecord(h *ipam.HistoryRecord) xmlHistoryRecord {
	return xmlHistoryRecord{
		ResourceOwnerID: h.OwnerID, ResourceRegion: h.Region, ResourceType: h.ResourceType, ResourceID: h.ResourceID,
		ResourceCidr: h.CIDR.String(), ResourceName: h.Name, ResourceComplianceStatus: h.Compliance,
		ResourceOverlapStatus: h.Overlap, VpcID: h.VpcID, SampledStartTime: wireTime(h.Start),
		SampledEndTime: wireTime(h.End),
	}
}

type addressHistoryResponse struct {
	Items     ec2query.List[xmlHistoryRecord] `xml:"historyRecordSet"`
	NextToken string                          `xml:"nextToken,omitempty"`
}

func (h *Handler) getIpamAddressHistory(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.GetIpamAddressHistoryInput{
		DryRun: dryRun(p), CIDR: p.RequiredString("Cidr"), ScopeID: p.RequiredString("IpamScopeId"),
		VpcID: str(p, "VpcId"), MaxResults: intPtr(p, "MaxResults"), NextToken: str(p, "NextToken"),
	}
	if t, ok := p.Time("StartTime"); ok {
		in.StartTime = &t
	}
	if t, ok := p.Time("EndTime"); ok {
		in.EndTime = &t
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.GetIpamAddressHistory(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &addressHistoryResponse{wireList(items, wireHistoryRecord), next}, nil
}
