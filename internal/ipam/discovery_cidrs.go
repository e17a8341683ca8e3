package ipam

import (
	"context"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// DiscoveredResourceCIDR is one CIDR block of a VPC or subnet as a
// resource discovery reports it.
type DiscoveredResourceCIDR struct {
	DiscoveryID        string
	Region             string
	ResourceID         string
	OwnerID            string
	CIDR               netip.Prefix
	IPSource           string // none | amazon | byoip
	ResourceType       string // vpc | subnet
	Tags               []Tag
	IPUsage            float64
	VpcID              string
	SubnetID           string
	AvailabilityZoneID string
	SampleTime         time.Time
}

var discoveredCIDRFields = fields[*DiscoveredResourceCIDR]{
	"resource-id":          func(r *DiscoveredResourceCIDR) []string { return str(r.ResourceID) },
	"resource-type":        func(r *DiscoveredResourceCIDR) []string { return str(r.ResourceType) },
	"resource-owner-id":    func(r *DiscoveredResourceCIDR) []string { return str(r.OwnerID) },
	"resource-cidr":        func(r *DiscoveredResourceCIDR) []string { return prefixStrings(r.CIDR) },
	"resource-region":      func(r *DiscoveredResourceCIDR) []string { return str(r.Region) },
	"vpc-id":               func(r *DiscoveredResourceCIDR) []string { return str(r.VpcID) },
	"subnet-id":            func(r *DiscoveredResourceCIDR) []string { return str(r.SubnetID) },
	"ip-source":            func(r *DiscoveredResourceCIDR) []string { return str(r.IPSource) },
	"availability-zone-id": func(r *DiscoveredResourceCIDR) []string { return str(r.AvailabilityZoneID) },
}

// discoveredTags are what tag:<key> and tag-key filters look at: the
// resource's tags.
func discoveredTags(r *DiscoveredResourceCIDR) []Tag { return r.Tags }

// A position in the listing: every VPC block first (by VPC id, then block),
// then every subnet block (by subnet id, then block); blocks of one
// resource by address, IPv4 before IPv6. The token carries the position of
// the last item returned, "v <vpc-id> <cidr>" or "s <subnet-id> <cidr>".
type discoPos struct {
	phase byte // 0: the start; 'v': VPC blocks; 's': subnet blocks
	id    string
	cidr  netip.Prefix
}

func (p discoPos) String() string { return string(p.phase) + " " + p.id + " " + p.cidr.String() }

func parseDiscoPos(s string) (discoPos, bool) {
	if s == "" {
		return discoPos{}, true
	}
	f := strings.Split(s, " ")
	if len(f) != 3 || (f[0] != "v" && f[0] != "s") || f[1] == "" {
		return discoPos{}, false
	}
	p, err := netip.ParsePrefix(f[2])
	if err != nil {
		return discoPos{}, false
	}
	return discoPos{phase: f[0][0], id: f[1], cidr: p}, true
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// discoQuery is what the filters let the store narrow by.
type discoQuery struct {
	owner, discoveryID, region string
	vpcs, subnets              bool     // which phases can match at all
	vpcIDs                     []string // VPC phase: only these VPCs
	subnetIDs                  []string // subnet phase: only these subnets
	subnetVpcIDs               []string // subnet phase: only subnets of these VPCs
	sample                     time.Time
}

func newDiscoQuery(c Caller, d *ResourceDiscovery, region string, filters []Filter) discoQuery {
	q := discoQuery{owner: c.AccountID, discoveryID: d.ID, region: region, vpcs: true, subnets: true, sample: readTime()}
	if types := literals(filters, "resource-type"); types != nil {
		q.vpcs, q.subnets = slices.Contains(types, ResourceVPC), slices.Contains(types, ResourceSubnet)
	}
	if ids := literals(filters, "subnet-id"); ids != nil {
		q.vpcs = false // a VPC block has no subnet id
		q.subnetIDs = ids
	}
	if ids := literals(filters, "resource-id"); ids != nil {
		q.vpcIDs = ids
		if q.subnetIDs == nil {
			q.subnetIDs = ids
		}
	}
	if ids := literals(filters, "vpc-id"); ids != nil {
		if q.vpcIDs == nil {
			q.vpcIDs = ids
		}
		q.subnetVpcIDs = ids
	}
	return q
}

// GetIpamDiscoveredResourceCidrs lists the CIDR blocks of the discovery
// owner's VPCs and subnets in the Region. A Region the discovery does not
// operate in answers an empty list. Cost: the VPCs and subnets read to fill
// the page (plus, for each VPC read, its subnets, for IpUsage); literal
// resource-type, resource-id, vpc-id and subnet-id filters narrow the
// store's reads.
func (s *Service) GetIpamDiscoveredResourceCidrs(ctx context.Context, c Caller, in DiscoveryReadInput) ([]*DiscoveredResourceCIDR, string, error) {
	match, err := compileFilters(in.Filters, discoveredCIDRFields, discoveredTags)
	if err != nil {
		return nil, "", err
	}
	d, n, err := s.readDiscovery(ctx, c, in, "ResourceRegion")
	if err != nil {
		return nil, "", err
	}
	kind, scope := "GetIpamDiscoveredResourceCidrs", c.AccountID+"/"+d.ID+"/"+in.Region
	after, err := s.readToken(ctx, in.Page.NextToken, kind, scope)
	if err != nil {
		return nil, "", err
	}
	pos, ok := parseDiscoPos(after)
	if !ok {
		return nil, "", errorf(CodeInvalidPaginationToken, "The pagination token '%s' is invalid.", echo(in.Page.NextToken))
	}
	if in.DryRun {
		return nil, "", errDryRun
	}
	if !slices.Contains(d.OperatingRegions, in.Region) {
		return nil, "", nil
	}
	q := newDiscoQuery(c, d, in.Region, in.Filters)
	keep := func(r *DiscoveredResourceCIDR) bool { return r.Region == q.region && match(r) }
	var out []*DiscoveredResourceCIDR
	if err := s.view(ctx, func(tx Tx) error {
		out, err = discoveredPage(tx, q, pos, n, keep)
		return err
	}); err != nil {
		return nil, "", err
	}
	if len(out) <= n {
		return out, "", nil
	}
	out = out[:n]
	last := out[n-1]
	p := discoPos{phase: 'v', id: last.ResourceID, cidr: last.CIDR}
	if last.ResourceType == ResourceSubnet {
		p.phase = 's'
	}
	next, err := s.makeToken(ctx, kind, scope, p.String())
	return out, next, err
}

// discoveredPage returns the items after pos that keep accepts, in listing
// order: at least n+1 of them unless the listing ends first. It reads ahead
// in batches (growing, at most discoBatch resources) as scanPage does.
func discoveredPage(tx Tx, q discoQuery, pos discoPos, n int, keep func(*DiscoveredResourceCIDR) bool) ([]*DiscoveredResourceCIDR, error) {
	var out []*DiscoveredResourceCIDR
	add := func(items []*DiscoveredResourceCIDR, from discoPos) {
		for _, it := range items {
			if from.phase != 0 && it.ResourceID == from.id && comparePrefix(it.CIDR, from.cidr) <= 0 {
				continue
			}
			if keep(it) {
				out = append(out, it)
			}
		}
	}
	if q.vpcs && pos.phase != 's' {
		after := ""
		if pos.phase == 'v' {
			// The rest of the VPC the last page ended in, if it is still there.
			vs, err := tx.ListVPCs(ResourceQuery{OwnerID: q.owner, IDs: []string{pos.id}})
			if err != nil {
				return nil, err
			}
			items, err := vpcItems(tx, q, vs)
			if err != nil {
				return nil, err
			}
			add(items, pos)
			after = pos.id
		}
		for batch := n + 1; len(out) <= n; batch = min(batch*2, discoBatch) {
			vs, err := tx.ListVPCs(ResourceQuery{OwnerID: q.owner, IDs: q.vpcIDs, After: after, Limit: batch})
			if err != nil {
				return nil, err
			}
			items, err := vpcItems(tx, q, vs)
			if err != nil {
				return nil, err
			}
			add(items, discoPos{})
			if len(vs) < batch {
				break
			}
			after = vs[len(vs)-1].ID
		}
	}
	if !q.subnets || len(out) > n {
		return out, nil
	}
	after := ""
	from := discoPos{}
	if pos.phase == 's' {
		after, from = pos.id, pos
		// The rest of the subnet the last page ended in.
		sns, err := tx.ListSubnets(ResourceQuery{OwnerID: q.owner, IDs: []string{pos.id}})
		if err != nil {
			return nil, err
		}
		add(subnetItems(q, sns), from)
	}
	for batch := n + 1; len(out) <= n; batch = min(batch*2, discoBatch) {
		sns, err := tx.ListSubnets(ResourceQuery{OwnerID: q.owner, IDs: q.subnetIDs, VpcIDs: q.subnetVpcIDs, After: after, Limit: batch})
		if err != nil {
			return nil, err
		}
		add(subnetItems(q, sns), discoPos{})
		if len(sns) < batch {
			break
		}
		after = sns[len(sns)-1].ID
	}
	return out, nil
}

// discoBatch bounds the resources one read asks for (and so the VPC ids
// one ListSubnets for IpUsage carries).
const discoBatch = 1000

// vpcItems are the associated blocks of vpcs, each with its IpUsage: the
// share of the block's addresses that the blocks of the VPC's subnets
// cover. One ListSubnets reads the subnets of all of vpcs.
func vpcItems(tx Tx, q discoQuery, vpcs []*VPC) ([]*DiscoveredResourceCIDR, error) {
	if len(vpcs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(vpcs))
	for i, v := range vpcs {
		ids[i] = v.ID
	}
	subnets, err := tx.ListSubnets(ResourceQuery{OwnerID: q.owner, VpcIDs: ids})
	if err != nil {
		return nil, err
	}
	used := map[string][]netip.Prefix{}
	for _, sn := range subnets {
		used[sn.VpcID] = append(used[sn.VpcID], sn.Prefixes()...)
	}
	var out []*DiscoveredResourceCIDR
	for _, v := range vpcs {
		var blocks []VPCCIDR
		for _, b := range v.CIDRs {
			if b.State == AssocAssociated {
				blocks = append(blocks, b)
			}
		}
		slices.SortFunc(blocks, func(a, b VPCCIDR) int { return comparePrefix(a.CIDR, b.CIDR) })
		for _, b := range blocks {
			src := "none"
			if b.IPv6() && b.IPSource != "" {
				src = b.IPSource
			}
			out = append(out, &DiscoveredResourceCIDR{
				DiscoveryID: q.discoveryID, Region: v.Region, ResourceID: v.ID, OwnerID: v.OwnerID, CIDR: b.CIDR,
				IPSource: src, ResourceType: ResourceVPC, Tags: v.Tags, IPUsage: coverage(b.CIDR, used[v.ID]),
				VpcID: v.ID, SampleTime: q.sample,
			})
		}
	}
	return out, nil
}

// coverage is the share of block's addresses inside the prefixes, which
// do not overlap one another (a VPC's subnets never do).
func coverage(block netip.Prefix, prefixes []netip.Prefix) float64 {
	sum := 0.0
	for _, p := range prefixes {
		if p.Addr().Is4() == block.Addr().Is4() && p.Bits() >= block.Bits() && block.Contains(p.Addr()) {
			sum += math.Ldexp(1, block.Bits()-p.Bits())
		}
	}
	return min(sum, 1)
}

// subnetItems are the blocks of subnets (IPv4 first). A subnet's IpUsage
// is 0: ipamd runs no instances, so nothing in a subnet uses addresses.
func subnetItems(q discoQuery, subnets []*Subnet) []*DiscoveredResourceCIDR {
	var out []*DiscoveredResourceCIDR
	for _, sn := range subnets {
		for _, p := range sn.Prefixes() {
			src := "none"
			if p.Addr().Is6() && sn.IPv6 != nil && sn.IPv6.IPSource != "" {
				src = sn.IPv6.IPSource
			}
			out = append(out, &DiscoveredResourceCIDR{
				DiscoveryID: q.discoveryID, Region: sn.Region, ResourceID: sn.ID, OwnerID: sn.OwnerID, CIDR: p,
				IPSource: src, ResourceType: ResourceSubnet, Tags: sn.Tags, VpcID: sn.VpcID, SubnetID: sn.ID,
				AvailabilityZoneID: sn.AvailabilityZoneID, SampleTime: q.sample,
			})
		}
	}
	return out
}
