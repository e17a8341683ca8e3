package api

import (
	"context"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// The VPC and subnet actions: decode, call the service, encode.

func vpcCidrParams(p *ec2query.Params) ipam.VpcCidrParams {
	return ipam.VpcCidrParams{
		CidrBlock: str(p, "CidrBlock"), Ipv4IpamPoolID: str(p, "Ipv4IpamPoolId"),
		Ipv4NetmaskLength: intPtr(p, "Ipv4NetmaskLength"), Ipv6IpamPoolID: str(p, "Ipv6IpamPoolId"),
		Ipv6NetmaskLength: intPtr(p, "Ipv6NetmaskLength"), Ipv6CidrBlock: str(p, "Ipv6CidrBlock"),
		Ipv6Pool: str(p, "Ipv6Pool"), AmazonProvidedIpv6CidrBlock: flag(p, "AmazonProvidedIpv6CidrBlock"),
		Ipv6CidrBlockNetworkBorderGroup: str(p, "Ipv6CidrBlockNetworkBorderGroup"),
	}
}

// encryptionControlFields are VpcEncryptionControl's members: any of them
// given asks for a feature ipamd refuses by name.
var encryptionControlFields = []string{"Mode", "InternetGatewayExclusion", "EgressOnlyInternetGatewayExclusion",
	"NatGatewayExclusion", "VirtualPrivateGatewayExclusion", "VpcPeeringExclusion", "LambdaExclusion",
	"VpcLatticeExclusion", "ElasticFileSystemExclusion"}

func (h *Handler) createVpc(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.CreateVpcInput{
		DryRun: dryRun(p), VpcCidrParams: vpcCidrParams(p), InstanceTenancy: strPtr(p, "InstanceTenancy"),
		EncryptionControl: p.Struct("VpcEncryptionControl", encryptionControlFields...) != nil,
		TagSpecifications: tagSpecs(p),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	v, err := h.svc.CreateVpc(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &vpcResponse{v}, nil
}

func (h *Handler) describeVpcs(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeVpcsInput{DryRun: dryRun(p), VpcIDs: p.StringList("VpcId"), Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeVpcs(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &vpcsResponse{items, next}, nil
}

func (h *Handler) deleteVpc(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DeleteVpcInput{DryRun: dryRun(p), VpcID: p.RequiredString("VpcId")}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	if err := h.svc.DeleteVpc(ctx, c, in); err != nil {
		return nil, err
	}
	return &returnResponse{true}, nil
}

type vpcCidrResponse struct {
	Ipv6  *xmlVpcIpv6Cidr `xml:"ipv6CidrBlockAssociation,omitempty"`
	Ipv4  *xmlVpcCidr     `xml:"cidrBlockAssociation,omitempty"`
	VpcID string          `xml:"vpcId"`
}

func newVpcCidrResponse(v *ipam.VPC, b *ipam.VPCCIDR) *vpcCidrResponse {
	r := &vpcCidrResponse{VpcID: v.ID}
	if b.IPv6() {
		x := wireVpcIpv6Cidr(*b)
		r.Ipv6 = &x
	} else {
		x := wireVpcCidr(*b)
		r.Ipv4 = &x
	}
	return r
}

func (h *Handler) associateVpcCidrBlock(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.AssociateVpcCidrBlockInput{VpcID: p.RequiredString("VpcId"), VpcCidrParams: vpcCidrParams(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	v, b, err := h.svc.AssociateVpcCidrBlock(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return newVpcCidrResponse(v, b), nil
}

func (h *Handler) disassociateVpcCidrBlock(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DisassociateVpcCidrBlockInput{AssociationID: p.RequiredString("AssociationId")}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	v, b, err := h.svc.DisassociateVpcCidrBlock(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return newVpcCidrResponse(v, b), nil
}

type xmlBoolValue struct {
	Value bool `xml:"value"`
}

type vpcAttributeResponse struct {
	EnableDNSHostnames *xmlBoolValue `xml:"enableDnsHostnames,omitempty"`
	EnableDNSSupport   *xmlBoolValue `xml:"enableDnsSupport,omitempty"`
	EnableNAUMetrics   *xmlBoolValue `xml:"enableNetworkAddressUsageMetrics,omitempty"`
	VpcID              string        `xml:"vpcId"`
}

func (h *Handler) describeVpcAttribute(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeVpcAttributeInput{DryRun: dryRun(p), VpcID: p.RequiredString("VpcId"), Attribute: p.RequiredString("Attribute")}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	v, err := h.svc.DescribeVpcAttribute(ctx, c, in)
	if err != nil {
		return nil, err
	}
	r := &vpcAttributeResponse{VpcID: v.ID}
	switch in.Attribute {
	case ipam.AttrEnableDNSSupport:
		r.EnableDNSSupport = &xmlBoolValue{v.EnableDNSSupport}
	case ipam.AttrEnableDNSHostnames:
		r.EnableDNSHostnames = &xmlBoolValue{v.EnableDNSHostnames}
	default:
		r.EnableNAUMetrics = &xmlBoolValue{v.EnableNAUMetrics}
	}
	return r, nil
}

func (h *Handler) modifyVpcAttribute(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.ModifyVpcAttributeInput{
		VpcID: p.RequiredString("VpcId"), EnableDNSSupport: boolPtr(p, "EnableDnsSupport.Value"),
		EnableDNSHostnames: boolPtr(p, "EnableDnsHostnames.Value"),
		EnableNAUMetrics:   boolPtr(p, "EnableNetworkAddressUsageMetrics.Value"),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	if err := h.svc.ModifyVpcAttribute(ctx, c, in); err != nil {
		return nil, err
	}
	return &returnResponse{true}, nil
}

func (h *Handler) createSubnet(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.CreateSubnetInput{
		DryRun: dryRun(p), VpcID: p.RequiredString("VpcId"), CidrBlock: str(p, "CidrBlock"),
		Ipv4IpamPoolID: str(p, "Ipv4IpamPoolId"), Ipv4NetmaskLength: intPtr(p, "Ipv4NetmaskLength"),
		Ipv6CidrBlock: str(p, "Ipv6CidrBlock"), Ipv6IpamPoolID: str(p, "Ipv6IpamPoolId"),
		Ipv6NetmaskLength: intPtr(p, "Ipv6NetmaskLength"), Ipv6Native: flag(p, "Ipv6Native"),
		AvailabilityZone: str(p, "AvailabilityZone"), AvailabilityZoneID: str(p, "AvailabilityZoneId"),
		OutpostArn: str(p, "OutpostArn"), TagSpecifications: tagSpecs(p),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	sn, err := h.svc.CreateSubnet(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &subnetResponse{sn}, nil
}

func (h *Handler) describeSubnets(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DescribeSubnetsInput{DryRun: dryRun(p), SubnetIDs: p.StringList("SubnetId"), Filters: filters(p), Page: page(p)}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	items, next, err := h.svc.DescribeSubnets(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &subnetsResponse{items, next}, nil
}

func (h *Handler) deleteSubnet(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.DeleteSubnetInput{DryRun: dryRun(p), SubnetID: p.RequiredString("SubnetId")}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	if err := h.svc.DeleteSubnet(ctx, c, in); err != nil {
		return nil, err
	}
	return &returnResponse{true}, nil
}

func (h *Handler) modifySubnetAttribute(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error) {
	in := ipam.ModifySubnetAttributeInput{
		SubnetID:                   p.RequiredString("SubnetId"),
		MapPublicIPOnLaunch:        boolPtr(p, "MapPublicIpOnLaunch.Value"),
		AssignIpv6OnCreation:       boolPtr(p, "AssignIpv6AddressOnCreation.Value"),
		MapCustomerOwnedIPOnLaunch: boolPtr(p, "MapCustomerOwnedIpOnLaunch.Value"),
		CustomerOwnedIpv4Pool:      strPtr(p, "CustomerOwnedIpv4Pool"),
		EnableDNS64:                boolPtr(p, "EnableDns64.Value"),
		HostnameType:               strPtr(p, "PrivateDnsHostnameTypeOnLaunch"),
		EnableResourceNameDNSA:     boolPtr(p, "EnableResourceNameDnsARecordOnLaunch.Value"),
		EnableResourceNameDNSAAAA:  boolPtr(p, "EnableResourceNameDnsAAAARecordOnLaunch.Value"),
		EnableLniAtDeviceIndex:     intPtr(p, "EnableLniAtDeviceIndex"),
		DisableLniAtDeviceIndex:    boolPtr(p, "DisableLniAtDeviceIndex.Value"),
	}
	if err := p.Finish(); err != nil {
		return nil, err
	}
	if err := h.svc.ModifySubnetAttribute(ctx, c, in); err != nil {
		return nil, err
	}
	return &returnResponse{true}, nil
}
