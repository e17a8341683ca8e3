package ipam

import (
	"context"
	"net/netip"
	"strconv"
)

// scanPage is one page of a store listing ordered by id, filtered in the
// service: it reads ahead in batches until it has a page and one more match
// (so it knows a next page exists) or the listing ends. Cost: the rows read,
// which is the page for unfiltered or id-constrained listings.
func scanPage[T any](s *Service, ctx context.Context, kind, owner string, pg Page, lim pageLimits,
	fetch func(tx Tx, after string, limit int) ([]T, error), id func(T) string, match func(T) bool) ([]T, string, error) {
	n, err := lim.size(pg.MaxResults)
	if err != nil {
		return nil, "", err
	}
	after, err := s.readToken(ctx, pg.NextToken, kind, owner)
	if err != nil {
		return nil, "", err
	}
	var out []T
	batch := n + 1
	err = s.view(ctx, func(tx Tx) error {
		for len(out) <= n {
			rows, err := fetch(tx, after, batch)
			if err != nil {
				return err
			}
			for _, r := range rows {
				if match(r) {
					out = append(out, r)
				}
			}
			if len(rows) < batch {
				return nil
			}
			after = id(rows[len(rows)-1])
			batch = min(batch*2, 10000)
		}
		return nil
	})
	if err != nil || len(out) <= n {
		return out, "", err
	}
	out = out[:n]
	next, err := s.makeToken(ctx, kind, owner, id(out[n-1]))
	return out, next, err
}

// literals returns the values of the named filter when every one of them is
// literal (no wildcard): a store can then narrow by them.
func literals(filters []Filter, name string) []string {
	var out []string
	for _, f := range filters {
		if f.Name != name {
			continue
		}
		for _, v := range f.Values {
			if !isLiteral(v) {
				return nil
			}
		}
		if out != nil {
			return nil // two filters of one name AND: leave it to the matcher
		}
		out = f.Values
	}
	return out
}

// checkIDs refuses ids that are not there: AWS answers NotFound for the
// first missing one of an explicit id list.
func checkIDs[T any](ids []string, found []T, id func(T) string, nf func(string) *Error) error {
	have := make(map[string]bool, len(found))
	for _, x := range found {
		have[id(x)] = true
	}
	for _, want := range ids {
		if !have[want] {
			return nf(want)
		}
	}
	return nil
}

func prefixStrings(ps ...netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		if p.IsValid() {
			out = append(out, p.String())
		}
	}
	return out
}

func vpcBlockValues(v *VPC, ipv6 bool, f func(VPCCIDR) string) []string {
	var out []string
	for _, b := range v.CIDRs {
		if b.IPv6() == ipv6 {
			out = append(out, f(b))
		}
	}
	return out
}

var vpcFields = fields[*VPC]{
	"vpc-id":          func(v *VPC) []string { return str(v.ID) },
	"owner-id":        func(v *VPC) []string { return str(v.OwnerID) },
	"state":           func(v *VPC) []string { return str(v.State) },
	"is-default":      func(*VPC) []string { return boolStr(false) },
	"dhcp-options-id": func(v *VPC) []string { return str(v.DhcpOptionsID) },
	"cidr":            func(v *VPC) []string { return prefixStrings(v.Primary()) },
	"cidr-block-association.cidr-block": func(v *VPC) []string {
		return vpcBlockValues(v, false, func(b VPCCIDR) string { return b.CIDR.String() })
	},
	"cidr-block-association.association-id": func(v *VPC) []string {
		return vpcBlockValues(v, false, func(b VPCCIDR) string { return b.AssociationID })
	},
	"cidr-block-association.state": func(v *VPC) []string {
		return vpcBlockValues(v, false, func(b VPCCIDR) string { return b.State })
	},
	"ipv6-cidr-block-association.ipv6-cidr-block": func(v *VPC) []string {
		return vpcBlockValues(v, true, func(b VPCCIDR) string { return b.CIDR.String() })
	},
	"ipv6-cidr-block-association.association-id": func(v *VPC) []string {
		return vpcBlockValues(v, true, func(b VPCCIDR) string { return b.AssociationID })
	},
	"ipv6-cidr-block-association.state": func(v *VPC) []string {
		return vpcBlockValues(v, true, func(b VPCCIDR) string { return b.State })
	},
	"ipv6-cidr-block-association.ipv6-pool": func(v *VPC) []string {
		return vpcBlockValues(v, true, func(VPCCIDR) string { return ipamManagedPool })
	},
}

// ipamManagedPool is what AWS reports as the Ipv6Pool of an IPv6 block
// that came from an IPAM pool.
const ipamManagedPool = "IPAM Managed"

// DescribeVpcs lists the caller's VPCs by id and filters, a page at a time.
func (s *Service) DescribeVpcs(ctx context.Context, c Caller, in DescribeVpcsInput) ([]*VPC, string, error) {
	match, err := compileFilters(in.Filters, vpcFields, func(v *VPC) []Tag { return v.Tags })
	if err != nil {
		return nil, "", err
	}
	ids := in.VpcIDs
	if lit := literals(in.Filters, "vpc-id"); len(ids) == 0 {
		ids = lit
	}
	if len(in.VpcIDs) > 0 {
		if err := s.view(ctx, func(tx Tx) error {
			found, err := tx.ListVPCs(ResourceQuery{OwnerID: c.AccountID, IDs: in.VpcIDs})
			if err != nil {
				return err
			}
			return checkIDs(in.VpcIDs, found, func(v *VPC) string { return v.ID }, vpcNotFound)
		}); err != nil {
			return nil, "", err
		}
	}
	if in.DryRun {
		return nil, "", errDryRun
	}
	return scanPage(s, ctx, "DescribeVpcs", c.AccountID, in.Page, describeLimits,
		func(tx Tx, after string, limit int) ([]*VPC, error) {
			return tx.ListVPCs(ResourceQuery{OwnerID: c.AccountID, IDs: ids, After: after, Limit: limit})
		}, func(v *VPC) string { return v.ID }, match)
}

var subnetFields = fields[*Subnet]{
	"subnet-id":            func(x *Subnet) []string { return str(x.ID) },
	"subnet-arn":           func(x *Subnet) []string { return str(x.ARN()) },
	"vpc-id":               func(x *Subnet) []string { return str(x.VpcID) },
	"owner-id":             func(x *Subnet) []string { return str(x.OwnerID) },
	"state":                func(x *Subnet) []string { return str(x.State) },
	"availability-zone":    func(x *Subnet) []string { return str(x.AvailabilityZone) },
	"availability-zone-id": func(x *Subnet) []string { return str(x.AvailabilityZoneID) },
	"cidr-block":           func(x *Subnet) []string { return prefixStrings(x.CIDR) },
	"cidr":                 func(x *Subnet) []string { return prefixStrings(x.CIDR) },
	"cidrBlock":            func(x *Subnet) []string { return prefixStrings(x.CIDR) },
	"available-ip-address-count": func(x *Subnet) []string {
		return []string{strconv.Itoa(x.AvailableIPs())}
	},
	"default-for-az":          func(*Subnet) []string { return boolStr(false) },
	"default-for-az-id":       func(*Subnet) []string { return boolStr(false) },
	"ipv6-native":             func(x *Subnet) []string { return boolStr(x.Ipv6Native) },
	"map-public-ip-on-launch": func(x *Subnet) []string { return boolStr(x.Attrs.MapPublicIPOnLaunch) },
	"ipv6-cidr-block-association.ipv6-cidr-block": func(x *Subnet) []string {
		if x.IPv6 == nil {
			return nil
		}
		return prefixStrings(x.IPv6.CIDR)
	},
	"ipv6-cidr-block-association.association-id": func(x *Subnet) []string {
		if x.IPv6 == nil {
			return nil
		}
		return str(x.IPv6.AssociationID)
	},
	"ipv6-cidr-block-association.state": func(x *Subnet) []string {
		if x.IPv6 == nil {
			return nil
		}
		return str(AssocAssociated)
	},
}

// AvailableIPs is the number of IPv4 addresses a subnet has free for
// instances: all but the five AWS reserves in every subnet.
func (sn *Subnet) AvailableIPs() int {
	if !sn.CIDR.IsValid() {
		return 0
	}
	return 1<<(32-sn.CIDR.Bits()) - 5
}

// DescribeSubnets lists the caller's subnets by id and filters, a page at a
// time; literal subnet-id and vpc-id filters narrow the store's read.
func (s *Service) DescribeSubnets(ctx context.Context, c Caller, in DescribeSubnetsInput) ([]*Subnet, string, error) {
	match, err := compileFilters(in.Filters, subnetFields, func(x *Subnet) []Tag { return x.Tags })
	if err != nil {
		return nil, "", err
	}
	ids := in.SubnetIDs
	if lit := literals(in.Filters, "subnet-id"); len(ids) == 0 {
		ids = lit
	}
	vpcIDs := literals(in.Filters, "vpc-id")
	if len(in.SubnetIDs) > 0 {
		if err := s.view(ctx, func(tx Tx) error {
			found, err := tx.ListSubnets(ResourceQuery{OwnerID: c.AccountID, IDs: in.SubnetIDs})
			if err != nil {
				return err
			}
			return checkIDs(in.SubnetIDs, found, func(x *Subnet) string { return x.ID }, subnetNotFound)
		}); err != nil {
			return nil, "", err
		}
	}
	if in.DryRun {
		return nil, "", errDryRun
	}
	return scanPage(s, ctx, "DescribeSubnets", c.AccountID, in.Page, describeLimits,
		func(tx Tx, after string, limit int) ([]*Subnet, error) {
			return tx.ListSubnets(ResourceQuery{OwnerID: c.AccountID, IDs: ids, VpcIDs: vpcIDs, After: after, Limit: limit})
		}, func(x *Subnet) string { return x.ID }, match)
}
