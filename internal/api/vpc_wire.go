package api

import (
	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// XML shapes of the VPC and subnet responses (botocore Vpc, Subnet,
// NetworkAcl, RouteTable, SecurityGroup, AvailabilityZone).

type xmlState struct {
	State string `xml:"state"`
}

type xmlVpcCidr struct {
	AssociationID string   `xml:"associationId"`
	CidrBlock     string   `xml:"cidrBlock"`
	State         xmlState `xml:"cidrBlockState"`
}

type xmlVpcIpv6Cidr struct {
	AssociationID      string   `xml:"associationId"`
	Ipv6CidrBlock      string   `xml:"ipv6CidrBlock"`
	State              xmlState `xml:"ipv6CidrBlockState"`
	NetworkBorderGroup string   `xml:"networkBorderGroup,omitempty"`
	Ipv6Pool           string   `xml:"ipv6Pool,omitempty"`
	AddressAttribute   string   `xml:"ipv6AddressAttribute,omitempty"`
	IPSource           string   `xml:"ipSource,omitempty"`
}

type xmlBlockPublicAccess struct {
	InternetGatewayBlockMode string `xml:"internetGatewayBlockMode"`
}

type xmlVpc struct {
	OwnerID           string                         `xml:"ownerId"`
	InstanceTenancy   string                         `xml:"instanceTenancy"`
	Ipv6Cidrs         *ec2query.List[xmlVpcIpv6Cidr] `xml:"ipv6CidrBlockAssociationSet,omitempty"`
	Cidrs             ec2query.List[xmlVpcCidr]      `xml:"cidrBlockAssociationSet"`
	IsDefault         bool                           `xml:"isDefault"`
	Tags              *ec2query.List[xmlTag]         `xml:"tagSet,omitempty"`
	BlockPublicAccess xmlBlockPublicAccess           `xml:"blockPublicAccessStates"`
	VpcID             string                         `xml:"vpcId"`
	State             string                         `xml:"state"`
	CidrBlock         string                         `xml:"cidrBlock"`
	DhcpOptionsID     string                         `xml:"dhcpOptionsId"`
}

// optTags renders a tag set only when there are tags, as EC2 does for VPCs
// and subnets.
func optTags(tags []ipam.Tag) *ec2query.List[xmlTag] {
	if len(tags) == 0 {
		return nil
	}
	t := wireTags(tags)
	return &t
}

func wireVpcCidr(b ipam.VPCCIDR) xmlVpcCidr {
	return xmlVpcCidr{AssociationID: b.AssociationID, CidrBlock: b.CIDR.String(), State: xmlState{b.State}}
}

func wireVpcIpv6Cidr(b ipam.VPCCIDR) xmlVpcIpv6Cidr {
	x := xmlVpcIpv6Cidr{AssociationID: b.AssociationID, Ipv6CidrBlock: b.CIDR.String(), State: xmlState{b.State},
		NetworkBorderGroup: b.NetworkBorderGroup, AddressAttribute: b.AddressAttribute, IPSource: b.IPSource}
	if b.PoolID != "" {
		x.Ipv6Pool = "IPAM Managed"
	}
	return x
}

func wireVpc(v *ipam.VPC) xmlVpc {
	x := xmlVpc{
		OwnerID: v.OwnerID, InstanceTenancy: v.InstanceTenancy, Tags: optTags(v.Tags),
		BlockPublicAccess: xmlBlockPublicAccess{v.BlockPublicAccessState}, VpcID: v.ID, State: v.State,
		CidrBlock: v.Primary().String(), DhcpOptionsID: v.DhcpOptionsID,
	}
	var v6 ec2query.List[xmlVpcIpv6Cidr]
	for _, b := range v.CIDRs {
		if b.IPv6() {
			v6 = append(v6, wireVpcIpv6Cidr(b))
		} else {
			x.Cidrs = append(x.Cidrs, wireVpcCidr(b))
		}
	}
	if len(v6) > 0 {
		x.Ipv6Cidrs = &v6
	}
	return x
}

type xmlPrivateDNSOptions struct {
	HostnameType string `xml:"hostnameType"`
	A            bool   `xml:"enableResourceNameDnsARecord"`
	AAAA         bool   `xml:"enableResourceNameDnsAAAARecord"`
}

type xmlSubnetIpv6Cidr struct {
	AssociationID    string   `xml:"associationId"`
	Ipv6CidrBlock    string   `xml:"ipv6CidrBlock"`
	State            xmlState `xml:"ipv6CidrBlockState"`
	AddressAttribute string   `xml:"ipv6AddressAttribute,omitempty"`
	IPSource         string   `xml:"ipSource,omitempty"`
}

type xmlSubnet struct {
	AvailabilityZoneID          string                           `xml:"availabilityZoneId"`
	EnableLniAtDeviceIndex      int                              `xml:"enableLniAtDeviceIndex,omitempty"`
	MapCustomerOwnedIPOnLaunch  bool                             `xml:"mapCustomerOwnedIpOnLaunch"`
	CustomerOwnedIpv4Pool       string                           `xml:"customerOwnedIpv4Pool,omitempty"`
	OwnerID                     string                           `xml:"ownerId"`
	AssignIpv6AddressOnCreation bool                             `xml:"assignIpv6AddressOnCreation"`
	Ipv6Cidrs                   ec2query.List[xmlSubnetIpv6Cidr] `xml:"ipv6CidrBlockAssociationSet"`
	Tags                        *ec2query.List[xmlTag]           `xml:"tagSet,omitempty"`
	SubnetArn                   string                           `xml:"subnetArn"`
	EnableDns64                 bool                             `xml:"enableDns64"`
	Ipv6Native                  bool                             `xml:"ipv6Native"`
	PrivateDNSOptions           xmlPrivateDNSOptions             `xml:"privateDnsNameOptionsOnLaunch"`
	BlockPublicAccess           xmlBlockPublicAccess             `xml:"blockPublicAccessStates"`
	SubnetID                    string                           `xml:"subnetId"`
	State                       string                           `xml:"state"`
	VpcID                       string                           `xml:"vpcId"`
	CidrBlock                   string                           `xml:"cidrBlock,omitempty"`
	AvailableIPAddressCount     int                              `xml:"availableIpAddressCount"`
	AvailabilityZone            string                           `xml:"availabilityZone"`
	DefaultForAz                bool                             `xml:"defaultForAz"`
	MapPublicIPOnLaunch         bool                             `xml:"mapPublicIpOnLaunch"`
}

func wireSubnet(sn *ipam.Subnet) xmlSubnet {
	a := sn.Attrs
	x := xmlSubnet{
		AvailabilityZoneID: sn.AvailabilityZoneID, EnableLniAtDeviceIndex: a.EnableLniAtDeviceIndex,
		MapCustomerOwnedIPOnLaunch: a.MapCustomerOwnedIPOnLaunch, CustomerOwnedIpv4Pool: a.CustomerOwnedIpv4Pool,
		OwnerID: sn.OwnerID, AssignIpv6AddressOnCreation: a.AssignIpv6OnCreation, Tags: optTags(sn.Tags),
		SubnetArn: sn.ARN(), EnableDns64: a.EnableDNS64, Ipv6Native: sn.Ipv6Native,
		PrivateDNSOptions: xmlPrivateDNSOptions{a.HostnameType, a.EnableResourceNameDNSA, a.EnableResourceNameDNSAAAA},
		BlockPublicAccess: xmlBlockPublicAccess{"off"}, SubnetID: sn.ID, State: sn.State, VpcID: sn.VpcID,
		AvailableIPAddressCount: sn.AvailableIPs(), AvailabilityZone: sn.AvailabilityZone,
		MapPublicIPOnLaunch: a.MapPublicIPOnLaunch,
	}
	if sn.CIDR.IsValid() {
		x.CidrBlock = sn.CIDR.String()
	}
	if v6 := sn.IPv6; v6 != nil {
		x.Ipv6Cidrs = ec2query.List[xmlSubnetIpv6Cidr]{{AssociationID: v6.AssociationID, Ipv6CidrBlock: v6.CIDR.String(),
			State: xmlState{ipam.AssocAssociated}, AddressAttribute: v6.AddressAttribute, IPSource: v6.IPSource}}
	}
	return x
}

type xmlPortRange struct {
	From int `xml:"from"`
	To   int `xml:"to"`
}

type xmlACLEntry struct {
	CidrBlock     string `xml:"cidrBlock,omitempty"`
	Egress        bool   `xml:"egress"`
	Ipv6CidrBlock string `xml:"ipv6CidrBlock,omitempty"`
	Protocol      string `xml:"protocol"`
	RuleAction    string `xml:"ruleAction"`
	RuleNumber    int    `xml:"ruleNumber"`
}

type xmlNetworkACL struct {
	Associations ec2query.List[struct{}]    `xml:"associationSet"`
	Entries      ec2query.List[xmlACLEntry] `xml:"entrySet"`
	IsDefault    bool                       `xml:"default"`
	NetworkAclID string                     `xml:"networkAclId"`
	Tags         ec2query.List[xmlTag]      `xml:"tagSet"`
	VpcID        string                     `xml:"vpcId"`
	OwnerID      string                     `xml:"ownerId"`
}

// wireNetworkACL renders a default network ACL with AWS's default rules:
// rule 100 allows everything, the catch-all (32767) denies, each way, and
// the same again for ::/0 when the VPC has IPv6.
func wireNetworkACL(a ipam.NetworkACL) xmlNetworkACL {
	x := xmlNetworkACL{IsDefault: true, NetworkAclID: a.VPC.NetworkAclID, VpcID: a.VPC.ID, OwnerID: a.VPC.OwnerID}
	hasV6 := false
	for _, b := range a.VPC.CIDRs {
		hasV6 = hasV6 || b.IPv6()
	}
	for _, egress := range []bool{true, false} {
		x.Entries = append(x.Entries,
			xmlACLEntry{CidrBlock: "0.0.0.0/0", Egress: egress, Protocol: "-1", RuleAction: "allow", RuleNumber: 100},
			xmlACLEntry{CidrBlock: "0.0.0.0/0", Egress: egress, Protocol: "-1", RuleAction: "deny", RuleNumber: 32767})
		if hasV6 {
			x.Entries = append(x.Entries,
				xmlACLEntry{Ipv6CidrBlock: "::/0", Egress: egress, Protocol: "-1", RuleAction: "allow", RuleNumber: 101},
				xmlACLEntry{Ipv6CidrBlock: "::/0", Egress: egress, Protocol: "-1", RuleAction: "deny", RuleNumber: 32768})
		}
	}
	return x
}

type xmlRouteTableAssoc struct {
	Main                    bool     `xml:"main"`
	RouteTableAssociationID string   `xml:"routeTableAssociationId"`
	RouteTableID            string   `xml:"routeTableId"`
	AssociationState        xmlState `xml:"associationState"`
}

type xmlRoute struct {
	DestinationCidrBlock     string `xml:"destinationCidrBlock,omitempty"`
	DestinationIpv6CidrBlock string `xml:"destinationIpv6CidrBlock,omitempty"`
	GatewayID                string `xml:"gatewayId"`
	Origin                   string `xml:"origin"`
	State                    string `xml:"state"`
}

type xmlRouteTable struct {
	Associations    ec2query.List[xmlRouteTableAssoc] `xml:"associationSet"`
	PropagatingVgws ec2query.List[struct{}]           `xml:"propagatingVgwSet"`
	RouteTableID    string                            `xml:"routeTableId"`
	Routes          ec2query.List[xmlRoute]           `xml:"routeSet"`
	Tags            ec2query.List[xmlTag]             `xml:"tagSet"`
	VpcID           string                            `xml:"vpcId"`
	OwnerID         string                            `xml:"ownerId"`
}

func wireRouteTable(r ipam.RouteTable) xmlRouteTable {
	v := r.VPC
	x := xmlRouteTable{
		Associations: ec2query.List[xmlRouteTableAssoc]{{Main: true, RouteTableAssociationID: v.RouteTableAssocID,
			RouteTableID: v.RouteTableID, AssociationState: xmlState{"associated"}}},
		RouteTableID: v.RouteTableID, VpcID: v.ID, OwnerID: v.OwnerID,
	}
	for _, p := range r.Routes() {
		rt := xmlRoute{GatewayID: "local", Origin: "CreateRouteTable", State: "active"}
		if p.Addr().Is6() {
			rt.DestinationIpv6CidrBlock = p.String()
		} else {
			rt.DestinationCidrBlock = p.String()
		}
		x.Routes = append(x.Routes, rt)
	}
	return x
}

type xmlGroupPair struct {
	UserID  string `xml:"userId"`
	GroupID string `xml:"groupId"`
}

type xmlIPRange struct {
	CidrIP string `xml:"cidrIp"`
}

type xmlIPv6Range struct {
	CidrIPv6 string `xml:"cidrIpv6"`
}

type xmlIPPermission struct {
	IPProtocol    string                      `xml:"ipProtocol"`
	Groups        ec2query.List[xmlGroupPair] `xml:"groups"`
	IPRanges      ec2query.List[xmlIPRange]   `xml:"ipRanges"`
	IPv6Ranges    ec2query.List[xmlIPv6Range] `xml:"ipv6Ranges"`
	PrefixListIDs ec2query.List[struct{}]     `xml:"prefixListIds"`
}

type xmlSecurityGroup struct {
	GroupID             string                         `xml:"groupId"`
	IPPermissionsEgress ec2query.List[xmlIPPermission] `xml:"ipPermissionsEgress"`
	VpcID               string                         `xml:"vpcId"`
	SecurityGroupArn    string                         `xml:"securityGroupArn"`
	OwnerID             string                         `xml:"ownerId"`
	GroupName           string                         `xml:"groupName"`
	Description         string                         `xml:"groupDescription"`
	IPPermissions       ec2query.List[xmlIPPermission] `xml:"ipPermissions"`
}

// wireSecurityGroup renders a default security group as AWS creates it:
// all traffic in from members of the group, all traffic out.
func wireSecurityGroup(g ipam.SecurityGroup) xmlSecurityGroup {
	v := g.VPC
	out := xmlIPPermission{IPProtocol: "-1", IPRanges: ec2query.List[xmlIPRange]{{"0.0.0.0/0"}}}
	for _, b := range v.CIDRs {
		if b.IPv6() {
			out.IPv6Ranges = ec2query.List[xmlIPv6Range]{{"::/0"}}
		}
	}
	return xmlSecurityGroup{
		GroupID: v.SecurityGroupID, VpcID: v.ID, OwnerID: v.OwnerID,
		SecurityGroupArn: "arn:" + ipam.Partition + ":ec2:" + v.Region + ":" + v.OwnerID + ":security-group/" + v.SecurityGroupID,
		GroupName:        ipam.DefaultGroupName, Description: ipam.DefaultGroupDescription,
		IPPermissions: ec2query.List[xmlIPPermission]{{IPProtocol: "-1",
			Groups: ec2query.List[xmlGroupPair]{{UserID: v.OwnerID, GroupID: v.SecurityGroupID}}}},
		IPPermissionsEgress: ec2query.List[xmlIPPermission]{out},
	}
}

type xmlZone struct {
	OptInStatus        string `xml:"optInStatus"`
	RegionName         string `xml:"regionName"`
	ZoneName           string `xml:"zoneName"`
	ZoneID             string `xml:"zoneId"`
	GroupName          string `xml:"groupName"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	ZoneType           string `xml:"zoneType"`
	State              string `xml:"zoneState"`
}

func wireZone(z ipam.Zone) xmlZone {
	return xmlZone{OptInStatus: "opt-in-not-required", RegionName: z.Region, ZoneName: z.Name, ZoneID: z.ID,
		GroupName: z.Region, NetworkBorderGroup: z.Region, ZoneType: "availability-zone", State: "available"}
}
