package ipam

import (
	"context"
	"net/netip"
	"slices"
	"strings"
)

// Every VPC has a default network ACL, a main route table and a default
// security group, as on AWS. ipamd carries no traffic, so they are read-only
// views computed from the VPC: their ids are the VPC's, their contents what
// AWS puts in new ones (allow-all ACL rules, a local route per block, a
// group that admits itself and lets everything out).

// NetworkACL is a VPC's default network ACL.
type NetworkACL struct{ VPC *VPC }

// RouteTable is a VPC's main route table.
type RouteTable struct{ VPC *VPC }

// SecurityGroup is a VPC's default security group.
type SecurityGroup struct{ VPC *VPC }

// Name and description of every VPC's default security group.
const (
	DefaultGroupName        = "default"
	DefaultGroupDescription = "default VPC security group"
)

// Routes are the main route table's local routes: one per VPC block.
func (r RouteTable) Routes() []netip.Prefix { return vpcPrefixes(r.VPC) }

var aclFields = fields[NetworkACL]{
	"network-acl-id": func(a NetworkACL) []string { return str(a.VPC.NetworkAclID) },
	"vpc-id":         func(a NetworkACL) []string { return str(a.VPC.ID) },
	"owner-id":       func(a NetworkACL) []string { return str(a.VPC.OwnerID) },
	"default":        func(NetworkACL) []string { return boolStr(true) },
}

var routeTableFields = fields[RouteTable]{
	"route-table-id":   func(r RouteTable) []string { return str(r.VPC.RouteTableID) },
	"vpc-id":           func(r RouteTable) []string { return str(r.VPC.ID) },
	"owner-id":         func(r RouteTable) []string { return str(r.VPC.OwnerID) },
	"association.main": func(RouteTable) []string { return boolStr(true) },
	"association.route-table-association-id": func(r RouteTable) []string {
		return str(r.VPC.RouteTableAssocID)
	},
	"association.route-table-id": func(r RouteTable) []string { return str(r.VPC.RouteTableID) },
	"route.destination-cidr-block": func(r RouteTable) []string {
		return vpcBlockValues(r.VPC, false, func(b VPCCIDR) string { return b.CIDR.String() })
	},
	"route.destination-ipv6-cidr-block": func(r RouteTable) []string {
		return vpcBlockValues(r.VPC, true, func(b VPCCIDR) string { return b.CIDR.String() })
	},
	"route.gateway-id": func(RouteTable) []string { return str("local") },
	"route.state":      func(RouteTable) []string { return str("active") },
}

var groupFields = fields[SecurityGroup]{
	"group-id":    func(g SecurityGroup) []string { return str(g.VPC.SecurityGroupID) },
	"group-name":  func(SecurityGroup) []string { return str(DefaultGroupName) },
	"description": func(SecurityGroup) []string { return str(DefaultGroupDescription) },
	"vpc-id":      func(g SecurityGroup) []string { return str(g.VPC.ID) },
	"owner-id":    func(g SecurityGroup) []string { return str(g.VPC.OwnerID) },
}

// defaultsOf lists one companion per VPC of the caller (narrowed by
// literal vpc-id filters), filtered, ids checked, a page at a time.
func defaultsOf[T any](s *Service, ctx context.Context, c Caller, kind string, in DescribeDefaultsInput,
	wrap func(*VPC) T, id func(T) string, fs fields[T], nf func(string) *Error) ([]T, string, error) {
	match, err := compileFilters(in.Filters, fs, func(T) []Tag { return nil })
	if err != nil {
		return nil, "", err
	}
	var all []T
	err = s.view(ctx, func(tx Tx) error {
		vpcs, err := tx.ListVPCs(ResourceQuery{OwnerID: c.AccountID, IDs: literals(in.Filters, "vpc-id")})
		if err != nil {
			return err
		}
		for _, v := range vpcs {
			all = append(all, wrap(v))
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if len(in.IDs) > 0 {
		var listed []T
		for _, want := range in.IDs {
			i := slices.IndexFunc(all, func(x T) bool { return id(x) == want })
			if i < 0 {
				return nil, "", nf(want)
			}
			listed = append(listed, all[i])
		}
		all = listed
	}
	if in.DryRun {
		return nil, "", errDryRun
	}
	all = filter(all, match)
	slices.SortFunc(all, func(a, b T) int { return strings.Compare(id(a), id(b)) })
	all = slices.CompactFunc(all, func(a, b T) bool { return id(a) == id(b) })
	return page(s, ctx, kind, c.AccountID, all, id, in.Page, describeLimits)
}

// DescribeNetworkAcls lists the default network ACLs of the caller's VPCs.
func (s *Service) DescribeNetworkAcls(ctx context.Context, c Caller, in DescribeDefaultsInput) ([]NetworkACL, string, error) {
	return defaultsOf(s, ctx, c, "DescribeNetworkAcls", in, func(v *VPC) NetworkACL { return NetworkACL{v} },
		func(a NetworkACL) string { return a.VPC.NetworkAclID }, aclFields,
		func(id string) *Error {
			return errorf(CodeNetworkAclNotFound, "The networkAcl ID '%s' does not exist", echo(id))
		})
}

// DescribeRouteTables lists the main route tables of the caller's VPCs.
func (s *Service) DescribeRouteTables(ctx context.Context, c Caller, in DescribeDefaultsInput) ([]RouteTable, string, error) {
	return defaultsOf(s, ctx, c, "DescribeRouteTables", in, func(v *VPC) RouteTable { return RouteTable{v} },
		func(r RouteTable) string { return r.VPC.RouteTableID }, routeTableFields,
		func(id string) *Error {
			return errorf(CodeRouteTableNotFound, "The routeTable ID '%s' does not exist", echo(id))
		})
}

// DescribeSecurityGroups lists the default security groups of the caller's
// VPCs, by id or by name ("default" is the only name there is).
func (s *Service) DescribeSecurityGroups(ctx context.Context, c Caller, in DescribeDefaultsInput) ([]SecurityGroup, string, error) {
	for _, n := range in.Names {
		if n != DefaultGroupName {
			return nil, "", errorf(CodeSecurityGroupNotFound, "The security group '%s' does not exist", echo(n))
		}
	}
	return defaultsOf(s, ctx, c, "DescribeSecurityGroups", in, func(v *VPC) SecurityGroup { return SecurityGroup{v} },
		func(g SecurityGroup) string { return g.VPC.SecurityGroupID }, groupFields,
		func(id string) *Error {
			return errorf(CodeSecurityGroupNotFound, "The security group '%s' does not exist", echo(id))
		})
}

// DescribeEmpty answers the Describe calls of resources ipamd never has
// (network interfaces, VPC endpoints): ids are unknown, filters are checked
// for form, and the list is empty.
func (s *Service) DescribeEmpty(_ context.Context, _ Caller, in DescribeDefaultsInput, nf func(string) *Error) error {
	if _, err := describeLimits.size(in.MaxResults); err != nil {
		return err
	}
	for _, f := range in.Filters {
		if f.Name == "" {
			return missing("Filter.Name")
		}
		if len(f.Values) == 0 {
			return invalidValue("The filter '%s' must have at least one value.", echo(f.Name))
		}
	}
	if len(in.IDs) > 0 {
		return nf(in.IDs[0])
	}
	if in.DryRun {
		return errDryRun
	}
	return nil
}

// NetworkInterfaceNotFound and VpcEndpointNotFound are DescribeEmpty's
// refusals of ids.
func NetworkInterfaceNotFound(id string) *Error {
	return errorf(CodeNetworkInterfaceNotFound, "The networkInterface ID '%s' does not exist", echo(id))
}

func VpcEndpointNotFound(id string) *Error {
	return errorf(CodeVpcEndpointNotFound, "The Vpc Endpoint Id '%s' does not exist", echo(id))
}
