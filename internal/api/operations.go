package api

import (
	"context"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// operation decodes one action's parameters, calls the service and returns
// the response body (a struct the ec2query encoder renders).
type operation func(ctx context.Context, c ipam.Caller, p *ec2query.Params) (any, error)

// mutating tells the rate limiter which bucket an action draws from.
var mutating = map[string]bool{
	"CreateIpam": true, "ModifyIpam": true, "DeleteIpam": true,
	"CreateIpamScope": true, "ModifyIpamScope": true, "DeleteIpamScope": true,
	"CreateIpamPool": true, "ModifyIpamPool": true, "DeleteIpamPool": true,
	"ProvisionIpamPoolCidr": true, "DeprovisionIpamPoolCidr": true,
	"AllocateIpamPoolCidr": true, "ReleaseIpamPoolAllocation": true, "ModifyIpamPoolAllocation": true,
	"CreateTags": true, "DeleteTags": true,
	"CreateVpc": true, "DeleteVpc": true, "AssociateVpcCidrBlock": true, "DisassociateVpcCidrBlock": true,
	"ModifyVpcAttribute": true, "CreateSubnet": true, "DeleteSubnet": true, "ModifySubnetAttribute": true,
}

func (h *Handler) operations() map[string]operation {
	return map[string]operation{
		"CreateIpam":                  h.createIpam,
		"DescribeIpams":               h.describeIpams,
		"ModifyIpam":                  h.modifyIpam,
		"DeleteIpam":                  h.deleteIpam,
		"CreateIpamScope":             h.createIpamScope,
		"DescribeIpamScopes":          h.describeIpamScopes,
		"ModifyIpamScope":             h.modifyIpamScope,
		"DeleteIpamScope":             h.deleteIpamScope,
		"CreateIpamPool":              h.createIpamPool,
		"DescribeIpamPools":           h.describeIpamPools,
		"ModifyIpamPool":              h.modifyIpamPool,
		"DeleteIpamPool":              h.deleteIpamPool,
		"ProvisionIpamPoolCidr":       h.provisionIpamPoolCidr,
		"DeprovisionIpamPoolCidr":     h.deprovisionIpamPoolCidr,
		"GetIpamPoolCidrs":            h.getIpamPoolCidrs,
		"AllocateIpamPoolCidr":        h.allocateIpamPoolCidr,
		"ReleaseIpamPoolAllocation":   h.releaseIpamPoolAllocation,
		"ModifyIpamPoolAllocation":    h.modifyIpamPoolAllocation,
		"GetIpamPoolAllocations":      h.getIpamPoolAllocations,
		"DescribeIpamPoolAllocations": h.describeIpamPoolAllocations,
		"CreateTags":                  h.createTags,
		"DeleteTags":                  h.deleteTags,
		"DescribeTags":                h.describeTags,
		"CreateVpc":                   h.createVpc,
		"DescribeVpcs":                h.describeVpcs,
		"DeleteVpc":                   h.deleteVpc,
		"AssociateVpcCidrBlock":       h.associateVpcCidrBlock,
		"DisassociateVpcCidrBlock":    h.disassociateVpcCidrBlock,
		"DescribeVpcAttribute":        h.describeVpcAttribute,
		"ModifyVpcAttribute":          h.modifyVpcAttribute,
		"CreateSubnet":                h.createSubnet,
		"DescribeSubnets":             h.describeSubnets,
		"DeleteSubnet":                h.deleteSubnet,
		"ModifySubnetAttribute":       h.modifySubnetAttribute,
		"DescribeNetworkAcls":         h.describeNetworkAcls,
		"DescribeRouteTables":         h.describeRouteTables,
		"DescribeSecurityGroups":      h.describeSecurityGroups,
		"DescribeNetworkInterfaces":   h.describeNetworkInterfaces,
		"DescribeVpcEndpoints":        h.describeVpcEndpoints,
		"DescribeAvailabilityZones":   h.describeAvailabilityZones,
	}
}

// unsupported are the IPAM operations of the EC2 API that ipamd does not
// implement (docs/compatibility.md): they answer UnsupportedOperation by
// name rather than looking like an unknown action or a fake success.
var unsupported = map[string]bool{
	"AssociateIpamByoasn": true, "AssociateIpamResourceDiscovery": true,
	"CreateIpamExternalResourceVerificationToken": true, "CreateIpamPolicy": true,
	"CreateIpamPrefixListResolver": true, "CreateIpamPrefixListResolverTarget": true,
	"CreateIpamResourceDiscovery": true, "DeleteIpamExternalResourceVerificationToken": true,
	"DeleteIpamPolicy": true, "DeleteIpamPrefixListResolver": true, "DeleteIpamPrefixListResolverTarget": true,
	"DeleteIpamResourceDiscovery": true, "DeprovisionIpamByoasn": true, "DescribeIpamByoasn": true,
	"DescribeIpamExternalResourceVerificationTokens": true, "DescribeIpamPolicies": true,
	"DescribeIpamPrefixListResolverTargets": true, "DescribeIpamPrefixListResolvers": true,
	"DescribeIpamResourceDiscoveries": true, "DescribeIpamResourceDiscoveryAssociations": true,
	"DisableIpamOrganizationAdminAccount": true, "DisableIpamPolicy": true, "DisassociateIpamByoasn": true,
	"DisassociateIpamResourceDiscovery": true, "EnableIpamOrganizationAdminAccount": true,
	"EnableIpamPolicy": true, "GetEnabledIpamPolicy": true, "GetIpamAddressHistory": true,
	"GetIpamDiscoveredAccounts": true, "GetIpamDiscoveredPublicAddresses": true,
	"GetIpamDiscoveredResourceCidrs": true, "GetIpamPolicyAllocationRules": true,
	"GetIpamPolicyOrganizationTargets": true, "GetIpamPrefixListResolverRules": true,
	"GetIpamPrefixListResolverVersionEntries": true, "GetIpamPrefixListResolverVersions": true,
	"GetIpamResourceCidrs": true, "ModifyIpamPolicyAllocationRules": true,
	"ModifyIpamPrefixListResolver": true, "ModifyIpamPrefixListResolverTarget": true,
	"ModifyIpamResourceCidr": true, "ModifyIpamResourceDiscovery": true, "MoveByoipCidrToIpam": true,
	"ProvisionIpamByoasn": true,
}
