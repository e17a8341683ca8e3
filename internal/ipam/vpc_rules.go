package ipam

import (
	"net/netip"
	"slices"

	"github.com/ipamd/ipamd/internal/cidr"
)

// The pure rules of VPCs and subnets: sizes, parameter combinations and
// which pools may hand out their blocks. Nothing here reads the store.

// Block sizes AWS allows: IPv4 VPCs and subnets /16–/28; IPv6 blocks from a
// pool in steps of 4, VPCs /44–/60 and subnets /44–/64.
var (
	vpcSizes    = blockSizes{v4min: 16, v4max: 28, v6min: 44, v6max: 60}
	subnetSizes = blockSizes{v4min: 16, v4max: 28, v6min: 44, v6max: 64}
)

type blockSizes struct{ v4min, v4max, v6min, v6max int }

// check reports whether bits is an allowed prefix length for family; what
// names the resource in the message, code is the refusal's code.
func (z blockSizes) check(bits int, family, what string, code Code) error {
	if family == "ipv4" {
		if bits < z.v4min || bits > z.v4max {
			return errorf(code, "The IPv4 CIDR block of a %s must be between /%d and /%d; /%d is not.", what, z.v4min, z.v4max, bits)
		}
		return nil
	}
	if bits < z.v6min || bits > z.v6max || bits%4 != 0 {
		return errorf(code, "The IPv6 CIDR block of a %s must be between /%d and /%d in steps of /4; /%d is not.", what, z.v6min, z.v6max, bits)
	}
	return nil
}

// maxBlocksPerFamily is AWS's default quota of CIDR blocks per VPC and
// address family.
const maxBlocksPerFamily = 5

// blockRequest is one CIDR block a VPC or subnet asks for: an explicit
// prefix, or a pool and a netmask length (nil: the pool's default).
type blockRequest struct {
	family string
	prefix netip.Prefix
	poolID string
	bits   *int
}

func (b blockRequest) pooled() bool { return b.poolID != "" }

// vpcBlocks validates the CIDR parameters of CreateVpc (create) or
// AssociateVpcCidrBlock and returns the blocks asked for, IPv4 first.
func vpcBlocks(in VpcCidrParams, create bool, region string) ([]blockRequest, error) {
	switch {
	case in.AmazonProvidedIpv6CidrBlock:
		return nil, errorf(CodeUnsupported, "AmazonProvidedIpv6CidrBlock is not supported: ipamd has no Amazon-owned IPv6 space. Use Ipv6IpamPoolId with an IPv6 pool.")
	case in.Ipv6Pool != "" || in.Ipv6CidrBlock != "":
		return nil, errorf(CodeUnsupported, "Ipv6Pool and Ipv6CidrBlock (BYOIP IPv6 pools) are not supported: use Ipv6IpamPoolId with an IPv6 pool.")
	case in.CidrBlock != "" && in.Ipv4IpamPoolID != "":
		return nil, invalidCombination("CidrBlock and Ipv4IpamPoolId cannot both be specified.")
	case in.Ipv4NetmaskLength != nil && in.Ipv4IpamPoolID == "":
		return nil, invalidCombination("Ipv4NetmaskLength can only be specified with Ipv4IpamPoolId.")
	case in.Ipv6NetmaskLength != nil && in.Ipv6IpamPoolID == "":
		return nil, invalidCombination("Ipv6NetmaskLength can only be specified with Ipv6IpamPoolId.")
	case in.Ipv6CidrBlockNetworkBorderGroup != "" && in.Ipv6IpamPoolID == "":
		return nil, invalidCombination("Ipv6CidrBlockNetworkBorderGroup can only be specified with an IPv6 CIDR block.")
	case in.Ipv6CidrBlockNetworkBorderGroup != "" && in.Ipv6CidrBlockNetworkBorderGroup != region:
		return nil, invalidValue("The network border group '%s' is invalid: this Region's only network border group is %s.", echo(in.Ipv6CidrBlockNetworkBorderGroup), region)
	}
	var out []blockRequest
	switch {
	case in.CidrBlock != "":
		p, err := parseFamilyCIDR(in.CidrBlock, "CidrBlock", "ipv4")
		if err != nil {
			return nil, err
		}
		if err := vpcSizes.check(p.Bits(), "ipv4", "VPC", CodeVpcRange); err != nil {
			return nil, err
		}
		out = append(out, blockRequest{family: "ipv4", prefix: p})
	case in.Ipv4IpamPoolID != "":
		if in.Ipv4NetmaskLength != nil {
			if err := vpcSizes.check(*in.Ipv4NetmaskLength, "ipv4", "VPC", CodeInvalidParameterValue); err != nil {
				return nil, err
			}
		}
		out = append(out, blockRequest{family: "ipv4", poolID: in.Ipv4IpamPoolID, bits: in.Ipv4NetmaskLength})
	}
	if in.Ipv6IpamPoolID != "" {
		if in.Ipv6NetmaskLength != nil {
			if err := vpcSizes.check(*in.Ipv6NetmaskLength, "ipv6", "VPC", CodeInvalidParameterValue); err != nil {
				return nil, err
			}
		}
		out = append(out, blockRequest{family: "ipv6", poolID: in.Ipv6IpamPoolID, bits: in.Ipv6NetmaskLength})
	}
	switch {
	case create && (len(out) == 0 || out[0].family != "ipv4"):
		return nil, errorf(CodeMissingParameter, "Either CidrBlock or Ipv4IpamPoolId must be specified.")
	case !create && len(out) == 0:
		return nil, errorf(CodeMissingParameter, "The request must contain one of CidrBlock, Ipv4IpamPoolId or Ipv6IpamPoolId.")
	case !create && len(out) > 1:
		return nil, invalidCombination("AssociateVpcCidrBlock associates one CIDR block at a time: give either an IPv4 or an IPv6 block.")
	}
	return out, nil
}

// checkVPCPool refuses a pool that cannot give a VPC in region its block.
func checkVPCPool(p *Pool, family, region string) error {
	param := "Ipv4IpamPoolId"
	if family == "ipv6" {
		param = "Ipv6IpamPoolId"
	}
	switch {
	case p.AddressFamily != family:
		return invalidValue("The IPAM pool %s is an %s pool; %s takes an %s pool.", p.ID, p.AddressFamily, param, family)
	case p.SourceResource != nil:
		return invalidValue("The IPAM pool %s is a resource planning pool of %s: it gives subnets their CIDRs, not VPCs.", p.ID, p.SourceResource.ResourceID)
	case p.AwsService != "":
		return invalidValue("The IPAM pool %s serves the AWS service %s and cannot give a VPC its CIDR.", p.ID, p.AwsService)
	case p.Locale != region:
		return invalidValue("The IPAM pool %s has locale %s; a VPC in %s takes its CIDRs only from a pool whose locale is %s.", p.ID, localeOf(p), region, region)
	}
	return nil
}

// checkSubnetPool refuses a pool that is not a resource planning pool of
// the subnet's VPC (or a pool nested under one).
func checkSubnetPool(p *Pool, family, vpcID string, root *Pool) error {
	param := "Ipv4IpamPoolId"
	if family == "ipv6" {
		param = "Ipv6IpamPoolId"
	}
	switch {
	case p.AddressFamily != family:
		return invalidValue("The IPAM pool %s is an %s pool; %s takes an %s pool.", p.ID, p.AddressFamily, param, family)
	case root == nil || root.SourceResource == nil || root.SourceResource.ResourceID != vpcID:
		return invalidValue("The IPAM pool %s is not a resource planning pool of %s: a subnet takes its CIDR only from a pool whose source resource is its VPC.", p.ID, vpcID)
	}
	return nil
}

// missingResourceTags returns the first of the pool's required allocation
// resource tags that tags lacks.
func missingResourceTags(p *Pool, tags []Tag) (Tag, bool) {
	for _, want := range p.AllocationResourceTags {
		if !slices.Contains(tags, want) {
			return want, true
		}
	}
	return Tag{}, false
}

// overlapsAny reports the first of blocks that overlaps p.
func overlapsAny(blocks []netip.Prefix, p netip.Prefix) (netip.Prefix, bool) {
	for _, b := range blocks {
		if b.Overlaps(p) {
			return b, true
		}
	}
	return netip.Prefix{}, false
}

// within reports whether p lies inside one of blocks.
func within(blocks []netip.Prefix, p netip.Prefix) bool {
	for _, b := range blocks {
		if b.Bits() <= p.Bits() && b.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// resourceUse makes an allocation a VPC's or subnet's block (allocateIn).
type resourceUse struct {
	typ, id, region string
	family          string
	sizes           blockSizes
	what            string // "VPC" or "subnet", for messages
	tags            []Tag  // the resource's: the pool's AllocationResourceTags must be among them
	// tagsOf, when set, reads the tags after check: a resource that exists
	// already is only read under the pool's lock.
	tagsOf func() []Tag
	// check runs under the pool's lock before anything is written: it may
	// refuse (a domain error), and returns prefixes the block must avoid.
	check func(tx Tx, o *op, p *Pool) (avoid []netip.Prefix, err error)
	// read, when set, is the subnet context check will ask for: it is read
	// with the pool's lock (op.lockJobs).
	read *SubnetRead
	// commit writes the resource once its allocation is in place. It must
	// not refuse: every refusal belongs in check, before the batch wrote
	// anything for this request.
	commit func(tx Tx, a *Allocation) error
}

// admit applies the resource's rules to an allocation request from p.
func (r *resourceUse) admit(tx Tx, o *op, p *Pool, req *allocRequest) error {
	if err := r.sizes.check(req.bits, r.family, r.what, CodeInvalidParameterValue); err != nil {
		return err
	}
	avoid, err := r.check(tx, o, p)
	if err != nil {
		return err
	}
	tags := r.tags
	if r.tagsOf != nil {
		tags = r.tagsOf()
	}
	if t, missing := missingResourceTags(p, tags); missing {
		return invalidValue("The IPAM pool %s requires its allocations' resources to carry the tag %s=%s, which the %s lacks.", p.ID, t.Key, t.Value, r.what)
	}
	if len(avoid) > 0 {
		if req.cons == nil {
			req.cons = &cidr.Constraints{}
		}
		req.cons.Disallowed = append(req.cons.Disallowed, avoid...)
	}
	return nil
}
