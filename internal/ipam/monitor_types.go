package ipam

import (
	"net/netip"
	"time"
)

// Monitoring is what an IPAM sees of the resources in its operating
// Regions: every VPC and subnet block is a resource CIDR of one scope of
// each IPAM that operates in the resource's Region, with a management
// state, a compliance status and an overlap status. ipamd keeps these
// current in the same transaction as the change that moves them, and
// records each span of a status as an address history record, so both
// answers are exact rather than sampled (docs/behaviour.md).

// Management states (botocore IpamManagementState).
const (
	Managed   = "managed"
	Unmanaged = "unmanaged"
	Ignored   = "ignored"
)

// Compliance and overlap statuses (botocore IpamComplianceStatus,
// IpamOverlapStatus); unmanaged and ignored are shared with Management.
const (
	Compliant      = "compliant"
	Noncompliant   = "noncompliant"
	Overlapping    = "overlapping"
	Nonoverlapping = "nonoverlapping"
)

// ResourceCIDR is one block of a VPC or subnet as one IPAM monitors it.
// (IpamID, ResourceID, CIDR) is its key.
type ResourceCIDR struct {
	IpamID       string       `json:"ipam"`
	ScopeID      string       `json:"scope"`
	OwnerID      string       `json:"owner"` // the resource's account, which is the IPAM's
	Region       string       `json:"region"`
	ResourceType string       `json:"type"` // vpc | subnet
	ResourceID   string       `json:"id"`
	VpcID        string       `json:"vpc"`  // a VPC's own id for a VPC block
	Name         string       `json:"name"` // the resource's Name tag
	CIDR         netip.Prefix `json:"cidr"`
	AZID         string       `json:"azId,omitempty"` // subnets
	Tags         []Tag        `json:"tags"`
	// PoolID is the pool of this IPAM's scope the block is allocated from
	// (empty: unmanaged).
	PoolID     string `json:"pool,omitempty"`
	Management string `json:"management"`
	Compliance string `json:"compliance"`
	// Overlaps counts the other monitored resource CIDRs of the scope that
	// overlap this one, not counting those of the same VPC (a subnet lies
	// in its VPC by design). Kept by the service under LockResourceSpace.
	Overlaps int `json:"overlaps"`
	// Covered is how many addresses of a VPC block its subnets cover.
	Covered float64 `json:"covered"`
	// Moved: ModifyIpamResourceCidr put the block in ScopeID, which is not
	// where it would be by default.
	Moved bool `json:"moved,omitempty"`
	// HistoryID names the address history record of the block's current
	// span, and Since is when that span began. The row is that record
	// while the span lasts (spanRecord); the history stores it when the
	// span ends.
	HistoryID string    `json:"history"`
	Since     time.Time `json:"since"`
}

// spanRecord is the history record of r's current span as r holds it now:
// open (zero End) while it lasts.
func (r *ResourceCIDR) spanRecord() *HistoryRecord {
	return &HistoryRecord{
		ID: r.HistoryID, IpamID: r.IpamID, ScopeID: r.ScopeID, OwnerID: r.OwnerID, Region: r.Region,
		ResourceType: r.ResourceType, ResourceID: r.ResourceID, VpcID: r.VpcID, Name: r.Name, CIDR: r.CIDR,
		Compliance: r.Compliance, Overlap: r.OverlapStatus(), Start: r.Since,
	}
}

// Key orders a scope's resource CIDRs for paging: by resource id, then CIDR.
func (r *ResourceCIDR) Key() string { return resourceCIDRKey(r.ResourceID, r.CIDR) }

func resourceCIDRKey(id string, p netip.Prefix) string { return id + " " + p.String() }

// KeyRange bounds the keys of one resource's rows, exclusive at both ends:
// every key is id + " " + CIDR, and "!" follows " " in byte order (both
// stores compare keys bytewise: SQLite's BINARY, PostgreSQL's COLLATE "C"),
// so a longer id that starts with this one (subnet-1, subnet-10) falls
// outside.
func KeyRange(resourceID string) (lo, hi string) { return resourceID + " ", resourceID + "!" }

// OverlapStatus is the block's overlap status.
func (r *ResourceCIDR) OverlapStatus() string {
	switch {
	case r.Management == Ignored:
		return Ignored
	case r.Overlaps > 0:
		return Overlapping
	}
	return Nonoverlapping
}

// IPUsage is the share of a VPC block its subnets cover; 0 for a subnet,
// whose addresses only instances would use, and ipamd runs none.
func (r *ResourceCIDR) IPUsage() float64 {
	if r.ResourceType != ResourceVPC {
		return 0
	}
	return min(1, r.Covered/prefixSize(r.CIDR))
}

// prefixSize is the number of addresses of p, as a float (an IPv6 VPC
// block has 2^84 of them).
func prefixSize(p netip.Prefix) float64 {
	n := 1.0
	for range p.Addr().BitLen() - p.Bits() {
		n *= 2
	}
	return n
}

// monitored reports whether the block counts for overlap.
func (r *ResourceCIDR) monitored() bool { return r.Management != Ignored }

// status is what a history record carries: a change of it ends a span.
type status struct{ scope, compliance, overlap string }

func (r *ResourceCIDR) status() status {
	return status{r.ScopeID, r.Compliance, r.OverlapStatus()}
}

// HistoryRecord is one span during which a resource held a CIDR in a scope
// with one compliance and overlap status. End is zero while it lasts.
type HistoryRecord struct {
	// ID orders records by start: a fixed-width start time, then random.
	ID           string       `json:"id"`
	IpamID       string       `json:"ipam"`
	ScopeID      string       `json:"scope"`
	OwnerID      string       `json:"owner"`
	Region       string       `json:"region"`
	ResourceType string       `json:"type"`
	ResourceID   string       `json:"resource"`
	VpcID        string       `json:"vpc"`
	Name         string       `json:"name"`
	CIDR         netip.Prefix `json:"cidr"`
	Compliance   string       `json:"compliance"`
	Overlap      string       `json:"overlap"`
	Start        time.Time    `json:"start"`
	End          time.Time    `json:"end"`
}

// ResourceCIDRQuery selects one scope's resource CIDRs in key order. Empty
// fields do not constrain; the service applies every other filter itself.
type ResourceCIDRQuery struct {
	ScopeID      string
	PoolID       string
	ResourceID   string
	ResourceType string
	VpcID        string
	After        string // keys greater than this
	Limit        int
}

// HistoryQuery selects a scope's address history records of exactly one
// CIDR whose span meets [From, To], in ID (start) order. From and To lie
// within the years 1678–2262, where time.Time.UnixNano is defined: the
// service clamps a wider window (every span lies inside that range).
type HistoryQuery struct {
	ScopeID string
	CIDR    netip.Prefix
	VpcID   string // only records of this VPC (its own and its subnets')
	From    time.Time
	To      time.Time
	After   string // record ids greater than this
	Limit   int
}

// shortestBlock is the length of the largest VPC block of a's family.
func shortestBlock(a netip.Addr) int {
	if a.Is6() {
		return vpcSizes.v6min
	}
	return vpcSizes.v4min
}

// EnclosingPrefixes are the prefixes a resource block containing p could
// have: p's network at every shorter length down to the largest VPC block
// (/16 IPv4, /44 IPv6).
func EnclosingPrefixes(p netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for bits := shortestBlock(p.Addr()); bits < p.Bits(); bits++ {
		q, _ := p.Addr().Prefix(bits)
		out = append(out, q)
	}
	return out
}

// EnclosingStarts are the first addresses other than p's own at which a
// resource block containing p could start (of EnclosingPrefixes, the
// shortest at each address). A store finds the blocks around p as those
// that start inside p (one range) and those that start at one of these
// and reach p (a probe each).
func EnclosingStarts(p netip.Prefix) []netip.Prefix {
	p = p.Masked()
	lo := shortestBlock(p.Addr())
	out := make([]netip.Prefix, 0, max(0, p.Bits()-lo))
	for bits := lo; bits < p.Bits(); bits++ { // EnclosingPrefixes, without its slice
		q, _ := p.Addr().Prefix(bits)
		// Longer prefixes' networks never start earlier, so equal starts
		// are neighbours.
		if a := q.Addr(); a != p.Addr() && (len(out) == 0 || out[len(out)-1].Addr() != a) {
			out = append(out, q)
		}
	}
	return out
}

// SpaceLock is one resource-space lock (Tx.LockResourceSpace): an owner's
// network, named by Key.
type SpaceLock struct {
	Owner     string
	Net       netip.Prefix
	Exclusive bool
}

// Key names the lock: the owner and the network, "owner|10.0.0.0/16".
func (l SpaceLock) Key() string { return l.Owner + "|" + l.Net.String() }
