package ipam

import "net/netip"

// VPCs and subnets are the resources that consume pools on AWS: a VPC takes
// its CIDRs from a pool (or is given them explicitly), and a subnet takes
// its CIDR from a resource planning pool of its VPC (or explicitly from
// inside the VPC's CIDRs). They live in this package, in their own files,
// because a VPC and its pool allocation must commit in one transaction
// under the pool's lock and batch with the pool's other allocations
// (docs/architecture.md says more).

// VPC and subnet states (botocore VpcState, SubnetState).
const (
	VPCAvailable    = "available"
	SubnetAvailable = "available"
)

// CIDR association states (botocore VpcCidrBlockStateCode).
const (
	AssocAssociated    = "associated"
	AssocDisassociated = "disassociated"
)

// Allocation resource types of the resources that consume pools.
const (
	ResourceVPC    = "vpc"
	ResourceSubnet = "subnet"
)

// VPCCIDR is one CIDR block associated with a VPC, IPv4 or IPv6.
type VPCCIDR struct {
	AssociationID string       `json:"id"`
	CIDR          netip.Prefix `json:"cidr"`
	State         string       `json:"state"`
	// PoolID and AllocationID name the pool allocation that backs the
	// block; both are empty for an explicit CidrBlock.
	PoolID       string `json:"pool,omitempty"`
	AllocationID string `json:"alloc,omitempty"`
	// IPv6 only: where the block came from, as AWS reports it.
	NetworkBorderGroup string `json:"nbg,omitempty"`
	AddressAttribute   string `json:"attr,omitempty"` // public | private
	IPSource           string `json:"src,omitempty"`  // amazon | byoip | none
}

// IPv6 reports whether the block is an IPv6 block.
func (c *VPCCIDR) IPv6() bool { return c.CIDR.Addr().Is6() }

// VPC is a virtual network: a home for subnets and the CIDRs they come from.
type VPC struct {
	ID              string `json:"id"`
	OwnerID         string `json:"owner"`
	Region          string `json:"region"`
	State           string `json:"state"`
	InstanceTenancy string `json:"tenancy"`
	DhcpOptionsID   string `json:"dopt"`
	// CIDRs holds the associated blocks in association order; the first IPv4
	// block is the primary CidrBlock, which cannot be disassociated.
	CIDRs []VPCCIDR `json:"cidrs"`
	// The default companions AWS creates with every VPC; ipamd keeps only
	// their ids and reports their default contents.
	NetworkAclID           string `json:"acl"`
	RouteTableID           string `json:"rtb"`
	RouteTableAssocID      string `json:"rtbAssoc"`
	SecurityGroupID        string `json:"sg"`
	EnableDNSSupport       bool   `json:"dnsSupport"`
	EnableDNSHostnames     bool   `json:"dnsHostnames"`
	EnableNAUMetrics       bool   `json:"nauMetrics"`
	Tags                   []Tag  `json:"tags"`
	PlanningPools          int    `json:"planningPools"` // resource planning pools sourced from it
	BlockPublicAccessState string `json:"bpa,omitempty"`
}

// ARN of the VPC.
func (v *VPC) ARN() string {
	return "arn:" + Partition + ":ec2:" + v.Region + ":" + v.OwnerID + ":vpc/" + v.ID
}

// Primary is the VPC's primary IPv4 block.
func (v *VPC) Primary() netip.Prefix {
	for _, c := range v.CIDRs {
		if !c.IPv6() {
			return c.CIDR
		}
	}
	return netip.Prefix{}
}

// SubnetIPv6 is a subnet's IPv6 block.
type SubnetIPv6 struct {
	AssociationID    string       `json:"id"`
	CIDR             netip.Prefix `json:"cidr"`
	PoolID           string       `json:"pool,omitempty"`
	AllocationID     string       `json:"alloc,omitempty"`
	AddressAttribute string       `json:"attr,omitempty"`
	IPSource         string       `json:"src,omitempty"`
}

// Subnet is a range of a VPC's addresses in one Availability Zone.
type Subnet struct {
	ID                 string       `json:"id"`
	OwnerID            string       `json:"owner"`
	VpcID              string       `json:"vpc"`
	Region             string       `json:"region"`
	State              string       `json:"state"`
	AvailabilityZone   string       `json:"az"`
	AvailabilityZoneID string       `json:"azId"`
	CIDR               netip.Prefix `json:"cidr"` // IPv4; invalid for an IPv6-only subnet
	PoolID             string       `json:"pool,omitempty"`
	AllocationID       string       `json:"alloc,omitempty"`
	IPv6               *SubnetIPv6  `json:"ipv6,omitempty"`
	Ipv6Native         bool         `json:"ipv6Native"`
	Attrs              SubnetAttrs  `json:"attrs"`
	Tags               []Tag        `json:"tags"`
}

// SubnetAttrs are what ModifySubnetAttribute changes.
type SubnetAttrs struct {
	MapPublicIPOnLaunch        bool   `json:"mapPublicIp"`
	AssignIpv6OnCreation       bool   `json:"assignIpv6"`
	MapCustomerOwnedIPOnLaunch bool   `json:"mapCoip"`
	CustomerOwnedIpv4Pool      string `json:"coipPool,omitempty"`
	EnableDNS64                bool   `json:"dns64"`
	HostnameType               string `json:"hostnameType"` // ip-name | resource-name
	EnableResourceNameDNSA     bool   `json:"rnA"`
	EnableResourceNameDNSAAAA  bool   `json:"rnAAAA"`
	EnableLniAtDeviceIndex     int    `json:"lni,omitempty"`
}

// ARN of the subnet.
func (s *Subnet) ARN() string {
	return "arn:" + Partition + ":ec2:" + s.Region + ":" + s.OwnerID + ":subnet/" + s.ID
}

// Prefixes are the subnet's blocks: IPv4 first, then IPv6.
func (s *Subnet) Prefixes() []netip.Prefix {
	var out []netip.Prefix
	if s.CIDR.IsValid() {
		out = append(out, s.CIDR)
	}
	if s.IPv6 != nil {
		out = append(out, s.IPv6.CIDR)
	}
	return out
}

// ResourceQuery selects VPCs or subnets of one account, ascending by id.
type ResourceQuery struct {
	OwnerID string
	IDs     []string // only these ids (none: every id)
	VpcIDs  []string // subnets of these VPCs only (none: every VPC)
	After   string   // ids greater than this
	Limit   int      // at most this many (0: no limit)
}
