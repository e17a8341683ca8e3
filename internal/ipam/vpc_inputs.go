package ipam

// Inputs of the VPC and subnet operations (botocore shapes of the same
// names). Pointers are parameters that may be absent.

// VpcCidrParams are the CIDR parameters CreateVpc and AssociateVpcCidrBlock
// share: an explicit block or one from a pool, per family.
type VpcCidrParams struct {
	CidrBlock                       string
	Ipv4IpamPoolID                  string
	Ipv4NetmaskLength               *int
	Ipv6IpamPoolID                  string
	Ipv6NetmaskLength               *int
	Ipv6CidrBlock                   string
	Ipv6Pool                        string
	AmazonProvidedIpv6CidrBlock     bool
	Ipv6CidrBlockNetworkBorderGroup string
}

type CreateVpcInput struct {
	DryRun bool
	VpcCidrParams
	InstanceTenancy   *string
	EncryptionControl bool // VpcEncryptionControl was given
	TagSpecifications []TagSpecification
}

type DescribeVpcsInput struct {
	DryRun  bool
	VpcIDs  []string
	Filters []Filter
	Page
}

type DeleteVpcInput struct {
	DryRun bool
	VpcID  string
}

type AssociateVpcCidrBlockInput struct {
	VpcID string
	VpcCidrParams
}

type DisassociateVpcCidrBlockInput struct {
	AssociationID string
}

// VpcAttribute names (botocore VpcAttributeName).
const (
	AttrEnableDNSSupport   = "enableDnsSupport"
	AttrEnableDNSHostnames = "enableDnsHostnames"
	AttrEnableNAUMetrics   = "enableNetworkAddressUsageMetrics"
)

type DescribeVpcAttributeInput struct {
	DryRun    bool
	VpcID     string
	Attribute string
}

type ModifyVpcAttributeInput struct {
	VpcID              string
	EnableDNSSupport   *bool
	EnableDNSHostnames *bool
	EnableNAUMetrics   *bool
}

type CreateSubnetInput struct {
	DryRun             bool
	VpcID              string
	CidrBlock          string
	Ipv4IpamPoolID     string
	Ipv4NetmaskLength  *int
	Ipv6CidrBlock      string
	Ipv6IpamPoolID     string
	Ipv6NetmaskLength  *int
	Ipv6Native         bool
	AvailabilityZone   string
	AvailabilityZoneID string
	OutpostArn         string
	TagSpecifications  []TagSpecification
}

type DescribeSubnetsInput struct {
	DryRun    bool
	SubnetIDs []string
	Filters   []Filter
	Page
}

type DeleteSubnetInput struct {
	DryRun   bool
	SubnetID string
}

type ModifySubnetAttributeInput struct {
	SubnetID                   string
	MapPublicIPOnLaunch        *bool
	AssignIpv6OnCreation       *bool
	MapCustomerOwnedIPOnLaunch *bool
	CustomerOwnedIpv4Pool      *string
	EnableDNS64                *bool
	HostnameType               *string
	EnableResourceNameDNSA     *bool
	EnableResourceNameDNSAAAA  *bool
	EnableLniAtDeviceIndex     *int
	DisableLniAtDeviceIndex    *bool
}

// DescribeDefaultsInput is the input of the Describe calls of a VPC's
// default companions (network ACLs, route tables, security groups) and of
// the always-empty lists (network interfaces, VPC endpoints).
type DescribeDefaultsInput struct {
	DryRun  bool
	IDs     []string
	Names   []string // DescribeSecurityGroups' GroupName
	Filters []Filter
	Page
}

type DescribeAvailabilityZonesInput struct {
	DryRun               bool
	ZoneNames            []string
	ZoneIDs              []string
	AllAvailabilityZones bool
	Filters              []Filter
}
