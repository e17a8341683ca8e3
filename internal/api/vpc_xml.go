package api

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// DescribeVpcs and DescribeSubnets pages (up to 1,000 items) render
// themselves (ec2query.FieldsAppender): encoding/xml's reflection was a
// fifth of such a page's CPU. The output is byte for byte what encoding/xml
// produces for
//
//	struct {
//		Vpcs      ec2query.List[xmlVpc] `xml:"vpcSet"`  // Subnets … `xml:"subnetSet"`
//		NextToken string                `xml:"nextToken,omitempty"`
//	}
//
// with wireVpc's (wireSubnet's) items; vpc_xml_test.go compares the two,
// and a field added to xmlVpc or xmlSubnet must be added here as well.

type vpcsResponse struct {
	items []*ipam.VPC
	next  string
}

// AppendXMLFields implements ec2query.FieldsAppender.
func (r *vpcsResponse) AppendXMLFields(b []byte) []byte {
	b = slices.Grow(b, 64+len(r.next)+len(r.items)*vpcXMLSize)
	b = append(b, "<vpcSet>"...)
	for _, v := range r.items {
		b = appendVpcItem(b, v)
	}
	b = append(b, "</vpcSet>"...)
	if r.next != "" {
		b = ec2query.AppendElement(b, "nextToken", r.next)
	}
	return b
}

// CreateVpc's and CreateSubnet's answers render themselves too (writing
// the answer was 7 % of a CreateSubnet's CPU in ipamd's profile): the
// same bytes as encoding/xml gives struct { Vpc xmlVpc `xml:"vpc"` } (and
// Subnet xmlSubnet `xml:"subnet"`) with wireVpc's (wireSubnet's) value.
type vpcResponse struct{ vpc *ipam.VPC }

// AppendXMLFields implements ec2query.FieldsAppender.
func (r *vpcResponse) AppendXMLFields(b []byte) []byte {
	b = slices.Grow(b, 32+vpcXMLSize)
	return append(appendVpcFields(append(b, "<vpc>"...), r.vpc), "</vpc>"...)
}

type subnetResponse struct{ subnet *ipam.Subnet }

// AppendXMLFields implements ec2query.FieldsAppender.
func (r *subnetResponse) AppendXMLFields(b []byte) []byte {
	b = slices.Grow(b, 32+subnetXMLSize)
	return append(appendSubnetFields(append(b, "<subnet>"...), r.subnet), "</subnet>"...)
}

type subnetsResponse struct {
	items []*ipam.Subnet
	next  string
}

// AppendXMLFields implements ec2query.FieldsAppender.
func (r *subnetsResponse) AppendXMLFields(b []byte) []byte {
	b = slices.Grow(b, 64+len(r.next)+len(r.items)*subnetXMLSize)
	b = append(b, "<subnetSet>"...)
	for _, sn := range r.items {
		b = appendSubnetItem(b, sn)
	}
	b = append(b, "</subnetSet>"...)
	if r.next != "" {
		b = ec2query.AppendElement(b, "nextToken", r.next)
	}
	return b
}

// About the size of a VPC's <item> with one IPv4 block and a Name tag, and
// of a subnet's.
const (
	vpcXMLSize    = 700
	subnetXMLSize = 1200
)

// appendVpcItem appends <item>…</item> of wireVpc(v).
func appendVpcItem(b []byte, v *ipam.VPC) []byte {
	return append(appendVpcFields(append(b, "<item>"...), v), "</item>"...)
}

// appendVpcFields appends wireVpc(v)'s elements.
func appendVpcFields(b []byte, v *ipam.VPC) []byte {
	b = ec2query.AppendElement(b, "ownerId", v.OwnerID)
	b = ec2query.AppendElement(b, "instanceTenancy", v.InstanceTenancy)
	hasV6 := false
	for i := range v.CIDRs {
		hasV6 = hasV6 || v.CIDRs[i].IPv6()
	}
	if hasV6 {
		b = append(b, "<ipv6CidrBlockAssociationSet>"...)
		for i := range v.CIDRs {
			if c := &v.CIDRs[i]; c.IPv6() {
				b = appendVpcIpv6Cidr(b, c)
			}
		}
		b = append(b, "</ipv6CidrBlockAssociationSet>"...)
	}
	b = append(b, "<cidrBlockAssociationSet>"...)
	for i := range v.CIDRs {
		if c := &v.CIDRs[i]; !c.IPv6() {
			b = append(b, "<item>"...)
			b = ec2query.AppendElement(b, "associationId", c.AssociationID)
			b = appendPrefix(b, "cidrBlock", c.CIDR)
			b = append(b, "<cidrBlockState>"...)
			b = ec2query.AppendElement(b, "state", c.State)
			b = append(b, "</cidrBlockState></item>"...)
		}
	}
	b = append(b, "</cidrBlockAssociationSet><isDefault>false</isDefault>"...)
	b = appendOptTags(b, v.Tags)
	b = append(b, "<blockPublicAccessStates>"...)
	b = ec2query.AppendElement(b, "internetGatewayBlockMode", v.BlockPublicAccessState)
	b = append(b, "</blockPublicAccessStates>"...)
	b = ec2query.AppendElement(b, "vpcId", v.ID)
	b = ec2query.AppendElement(b, "state", v.State)
	b = appendPrefix(b, "cidrBlock", v.Primary())
	return ec2query.AppendElement(b, "dhcpOptionsId", v.DhcpOptionsID)
}

// appendVpcIpv6Cidr appends <item>…</item> of wireVpcIpv6Cidr(*c).
func appendVpcIpv6Cidr(b []byte, c *ipam.VPCCIDR) []byte {
	b = append(b, "<item>"...)
	b = ec2query.AppendElement(b, "associationId", c.AssociationID)
	b = appendPrefix(b, "ipv6CidrBlock", c.CIDR)
	b = append(b, "<ipv6CidrBlockState>"...)
	b = ec2query.AppendElement(b, "state", c.State)
	b = append(b, "</ipv6CidrBlockState>"...)
	b = appendOpt(b, "networkBorderGroup", c.NetworkBorderGroup)
	if c.PoolID != "" {
		b = append(b, "<ipv6Pool>IPAM Managed</ipv6Pool>"...)
	}
	b = appendOpt(b, "ipv6AddressAttribute", c.AddressAttribute)
	b = appendOpt(b, "ipSource", c.IPSource)
	return append(b, "</item>"...)
}

// appendSubnetItem appends <item>…</item> of wireSubnet(sn).
func appendSubnetItem(b []byte, sn *ipam.Subnet) []byte {
	return append(appendSubnetFields(append(b, "<item>"...), sn), "</item>"...)
}

// appendSubnetFields appends wireSubnet(sn)'s elements.
func appendSubnetFields(b []byte, sn *ipam.Subnet) []byte {
	a := &sn.Attrs
	b = ec2query.AppendElement(b, "availabilityZoneId", sn.AvailabilityZoneID)
	if a.EnableLniAtDeviceIndex != 0 {
		b = append(b, "<enableLniAtDeviceIndex>"...)
		b = strconv.AppendInt(b, int64(a.EnableLniAtDeviceIndex), 10)
		b = append(b, "</enableLniAtDeviceIndex>"...)
	}
	b = appendBool(b, "mapCustomerOwnedIpOnLaunch", a.MapCustomerOwnedIPOnLaunch)
	b = appendOpt(b, "customerOwnedIpv4Pool", a.CustomerOwnedIpv4Pool)
	b = ec2query.AppendElement(b, "ownerId", sn.OwnerID)
	b = appendBool(b, "assignIpv6AddressOnCreation", a.AssignIpv6OnCreation)
	b = append(b, "<ipv6CidrBlockAssociationSet>"...)
	if v6 := sn.IPv6; v6 != nil {
		b = append(b, "<item>"...)
		b = ec2query.AppendElement(b, "associationId", v6.AssociationID)
		b = appendPrefix(b, "ipv6CidrBlock", v6.CIDR)
		b = append(b, "<ipv6CidrBlockState><state>"+ipam.AssocAssociated+"</state></ipv6CidrBlockState>"...)
		b = appendOpt(b, "ipv6AddressAttribute", v6.AddressAttribute)
		b = appendOpt(b, "ipSource", v6.IPSource)
		b = append(b, "</item>"...)
	}
	b = append(b, "</ipv6CidrBlockAssociationSet>"...)
	b = appendOptTags(b, sn.Tags)
	b = append(b, "<subnetArn>arn:"+ipam.Partition+":ec2:"...) // sn.ARN(), without making the string
	b = ec2query.AppendText(b, sn.Region)
	b = append(b, ':')
	b = ec2query.AppendText(b, sn.OwnerID)
	b = append(b, ":subnet/"...)
	b = ec2query.AppendText(b, sn.ID)
	b = append(b, "</subnetArn>"...)
	b = appendBool(b, "enableDns64", a.EnableDNS64)
	b = appendBool(b, "ipv6Native", sn.Ipv6Native)
	b = append(b, "<privateDnsNameOptionsOnLaunch>"...)
	b = ec2query.AppendElement(b, "hostnameType", a.HostnameType)
	b = appendBool(b, "enableResourceNameDnsARecord", a.EnableResourceNameDNSA)
	b = appendBool(b, "enableResourceNameDnsAAAARecord", a.EnableResourceNameDNSAAAA)
	b = append(b, "</privateDnsNameOptionsOnLaunch><blockPublicAccessStates><internetGatewayBlockMode>off</internetGatewayBlockMode></blockPublicAccessStates>"...)
	b = ec2query.AppendElement(b, "subnetId", sn.ID)
	b = ec2query.AppendElement(b, "state", sn.State)
	b = ec2query.AppendElement(b, "vpcId", sn.VpcID)
	if sn.CIDR.IsValid() {
		b = appendPrefix(b, "cidrBlock", sn.CIDR)
	}
	b = append(b, "<availableIpAddressCount>"...)
	b = strconv.AppendInt(b, int64(sn.AvailableIPs()), 10)
	b = append(b, "</availableIpAddressCount>"...)
	b = ec2query.AppendElement(b, "availabilityZone", sn.AvailabilityZone)
	b = append(b, "<defaultForAz>false</defaultForAz>"...)
	return appendBool(b, "mapPublicIpOnLaunch", a.MapPublicIPOnLaunch)
}

// appendPrefix appends <name>p</name> as encoding/xml writes p.String().
func appendPrefix(b []byte, name string, p netip.Prefix) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	if p.IsValid() {
		b = p.AppendTo(b) // digits, hex, '.', ':' and '/': nothing to escape
	} else {
		b = ec2query.AppendText(b, p.String())
	}
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// appendOpt appends <name>s</name> unless s is empty (omitempty).
func appendOpt(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return ec2query.AppendElement(b, name, s)
}

func appendBool(b []byte, name string, v bool) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = strconv.AppendBool(b, v)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// appendOptTags appends optTags(tags): a tagSet only when there are tags.
func appendOptTags(b []byte, tags []ipam.Tag) []byte {
	if len(tags) == 0 {
		return b
	}
	b = append(b, "<tagSet>"...)
	for _, t := range tags {
		b = append(b, "<item>"...)
		b = ec2query.AppendElement(b, "key", t.Key)
		b = ec2query.AppendElement(b, "value", t.Value)
		b = append(b, "</item>"...)
	}
	return append(b, "</tagSet>"...)
}
