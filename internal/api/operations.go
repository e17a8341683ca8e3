package api

import (
	"context"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// operation decodes one action's parameters, calls the service and returns
// the response body (a struct the ec2query encoder renders).
type operation func(h *Handler, ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error)

// action is what the API knows about one EC2 action.
type action struct {
	// op serves the action; nil means ipamd refuses it with
	// UnsupportedOperation by name rather than looking like an unknown
	// action or a fake success (docs/compatibility.md).
	op operation
	// mutating selects the rate limiter's bucket: a call that changes state
	// (EC2's "mutating" bucket) or a read.
	mutating bool
}

// Reads and writes of a served action, and a refused one: the table below is
// the only place that says which is which. TestActionTable checks it against
// the botocore model and docs/compatibility.md.
func read(op operation) action  { return action{op: op} }
func write(op operation) action { return action{op: op, mutating: true} }

var unsupported = action{}

// actions is the one table of every EC2 action ipamd knows.
var actions = map[string]action{
	"CreateIpam":    write((*Handler).createIpam),
	"DescribeIpams": read((*Handler).describeIpams),
	"ModifyIpam":    write((*Handler).modifyIpam),
	"DeleteIpam":    write((*Handler).deleteIpam),

	"CreateIpamScope":    write((*Handler).createIpamScope),
	"DescribeIpamScopes": read((*Handler).describeIpamScopes),
	"ModifyIpamScope":    write((*Handler).modifyIpamScope),
	"DeleteIpamScope":    write((*Handler).deleteIpamScope),

	"CreateIpamPool":          write((*Handler).createIpamPool),
	"DescribeIpamPools":       read((*Handler).describeIpamPools),
	"ModifyIpamPool":          write((*Handler).modifyIpamPool),
	"DeleteIpamPool":          write((*Handler).deleteIpamPool),
	"ProvisionIpamPoolCidr":   write((*Handler).provisionIpamPoolCidr),
	"DeprovisionIpamPoolCidr": write((*Handler).deprovisionIpamPoolCidr),
	"GetIpamPoolCidrs":        read((*Handler).getIpamPoolCidrs),

	"AllocateIpamPoolCidr":        write((*Handler).allocateIpamPoolCidr),
	"ReleaseIpamPoolAllocation":   write((*Handler).releaseIpamPoolAllocation),
	"ModifyIpamPoolAllocation":    write((*Handler).modifyIpamPoolAllocation),
	"GetIpamPoolAllocations":      read((*Handler).getIpamPoolAllocations),
	"DescribeIpamPoolAllocations": read((*Handler).describeIpamPoolAllocations),

	"CreateTags":   write((*Handler).createTags),
	"DeleteTags":   write((*Handler).deleteTags),
	"DescribeTags": read((*Handler).describeTags),

	"CreateVpc":                write((*Handler).createVpc),
	"DescribeVpcs":             read((*Handler).describeVpcs),
	"DeleteVpc":                write((*Handler).deleteVpc),
	"AssociateVpcCidrBlock":    write((*Handler).associateVpcCidrBlock),
	"DisassociateVpcCidrBlock": write((*Handler).disassociateVpcCidrBlock),
	"DescribeVpcAttribute":     read((*Handler).describeVpcAttribute),
	"ModifyVpcAttribute":       write((*Handler).modifyVpcAttribute),

	"CreateSubnet":          write((*Handler).createSubnet),
	"DescribeSubnets":       read((*Handler).describeSubnets),
	"DeleteSubnet":          write((*Handler).deleteSubnet),
	"ModifySubnetAttribute": write((*Handler).modifySubnetAttribute),

	"DescribeNetworkAcls":       read((*Handler).describeNetworkAcls),
	"DescribeRouteTables":       read((*Handler).describeRouteTables),
	"DescribeSecurityGroups":    read((*Handler).describeSecurityGroups),
	"DescribeNetworkInterfaces": read((*Handler).describeNetworkInterfaces),
	"DescribeVpcEndpoints":      read((*Handler).describeVpcEndpoints),
	"DescribeAvailabilityZones": read((*Handler).describeAvailabilityZones),

	"DescribeIpamResourceDiscoveries":           read((*Handler).describeIpamResourceDiscoveries),
	"DescribeIpamResourceDiscoveryAssociations": read((*Handler).describeIpamResourceDiscoveryAssociations),
	"GetIpamDiscoveredResourceCidrs":            read((*Handler).getIpamDiscoveredResourceCidrs),
	"GetIpamDiscoveredAccounts":                 read((*Handler).getIpamDiscoveredAccounts),

	"GetIpamResourceCidrs":   read((*Handler).getIpamResourceCidrs),
	"ModifyIpamResourceCidr": write((*Handler).modifyIpamResourceCidr),
	"GetIpamAddressHistory":  read((*Handler).getIpamAddressHistory),

	"AssociateIpamByoasn":                            unsupported,
	"AssociateIpamResourceDiscovery":                 unsupported,
	"CreateIpamExternalResourceVerificationToken":    unsupported,
	"CreateIpamPolicy":                               unsupported,
	"CreateIpamPrefixListResolver":                   unsupported,
	"CreateIpamPrefixListResolverTarget":             unsupported,
	"CreateIpamResourceDiscovery":                    unsupported,
	"DeleteIpamExternalResourceVerificationToken":    unsupported,
	"DeleteIpamPolicy":                               unsupported,
	"DeleteIpamPrefixListResolver":                   unsupported,
	"DeleteIpamPrefixListResolverTarget":             unsupported,
	"DeleteIpamResourceDiscovery":                    unsupported,
	"DeprovisionIpamByoasn":                          unsupported,
	"DescribeIpamByoasn":                             unsupported,
	"DescribeIpamExternalResourceVerificationTokens": unsupported,
	"DescribeIpamPolicies":                           unsupported,
	"DescribeIpamPrefixListResolverTargets":          unsupported,
	"DescribeIpamPrefixListResolvers":                unsupported,
	"DisableIpamOrganizationAdminAccount":            unsupported,
	"DisableIpamPolicy":                              unsupported,
	"DisassociateIpamByoasn":                         unsupported,
	"DisassociateIpamResourceDiscovery":              unsupported,
	"EnableIpamOrganizationAdminAccount":             unsupported,
	"EnableIpamPolicy":                               unsupported,
	"GetEnabledIpamPolicy":                           unsupported,
	"GetIpamDiscoveredPublicAddresses":               unsupported,
	"GetIpamPolicyAllocationRules":                   unsupported,
	"GetIpamPolicyOrganizationTargets":               unsupported,
	"GetIpamPrefixListResolverRules":                 unsupported,
	"GetIpamPrefixListResolverVersionEntries":        unsupported,
	"GetIpamPrefixListResolverVersions":              unsupported,
	"ModifyIpamPolicyAllocationRules":                unsupported,
	"ModifyIpamPrefixListResolver":                   unsupported,
	"ModifyIpamPrefixListResolverTarget":             unsupported,
	"ModifyIpamResourceDiscovery":                    unsupported,
	"MoveByoipCidrToIpam":                            unsupported,
	"ProvisionIpamByoasn":                            unsupported,
}
