package ipam

import (
	"net/netip"
)

// Partition is the ARN partition every resource lives in.
const Partition = "aws"

// Resource states shared by IPAMs, scopes and pools (botocore IpamState and friends).
const (
	StateCreateInProgress = "create-in-progress"
	StateCreateComplete   = "create-complete"
	StateModifyInProgress = "modify-in-progress"
	StateModifyComplete   = "modify-complete"
	StateDeleteInProgress = "delete-in-progress"
)

// Pool CIDR states (botocore IpamPoolCidrState).
const (
	CidrPendingProvision   = "pending-provision"
	CidrProvisioned        = "provisioned"
	CidrPendingDeprovision = "pending-deprovision"
	CidrDeprovisioned      = "deprovisioned"
)

// Allocation resource types (botocore IpamPoolAllocationResourceType).
const (
	ResourceCustom   = "custom"
	ResourceIpamPool = "ipam-pool"
)

// Tag is a user tag or an allocation resource tag rule.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// IPAM is one IP address manager of an account.
type IPAM struct {
	ID                    string   `json:"id"`
	OwnerID               string   `json:"owner"`
	Region                string   `json:"region"` // home Region
	Description           *string  `json:"description,omitempty"`
	OperatingRegions      []string `json:"operatingRegions"`
	Tier                  string   `json:"tier"`
	EnablePrivateGua      bool     `json:"enablePrivateGua"`
	MeteredAccount        string   `json:"meteredAccount"`
	State                 string   `json:"state"`
	PublicDefaultScopeID  string   `json:"publicScope"`
	PrivateDefaultScopeID string   `json:"privateScope"`
	ScopeCount            int      `json:"scopeCount"`
	ResourceDiscoveryID   string   `json:"resDisco"`
	ResourceDiscoveryAsID string   `json:"resDiscoAssoc"`
	Tags                  []Tag    `json:"tags"`
}

// ARN of the IPAM; IPAM ARNs carry no Region.
func (i *IPAM) ARN() string { return arn(i.OwnerID, "ipam", i.ID) }

// ExternalAuthority links a scope to an external IPAM (Infoblox).
type ExternalAuthority struct {
	Type                       string `json:"type"`
	ExternalResourceIdentifier string `json:"id,omitempty"`
}

// Scope is an address space of an IPAM: the same CIDR may exist in two scopes.
type Scope struct {
	ID                string             `json:"id"`
	OwnerID           string             `json:"owner"`
	IpamID            string             `json:"ipam"`
	IpamRegion        string             `json:"ipamRegion"`
	Type              string             `json:"type"` // public | private
	IsDefault         bool               `json:"isDefault"`
	Description       *string            `json:"description,omitempty"`
	PoolCount         int                `json:"poolCount"`
	State             string             `json:"state"`
	Tags              []Tag              `json:"tags"`
	ExternalAuthority *ExternalAuthority `json:"ext,omitempty"`
}

func (s *Scope) ARN() string     { return arn(s.OwnerID, "ipam-scope", s.ID) }
func (s *Scope) IpamARN() string { return arn(s.OwnerID, "ipam", s.IpamID) }

// SourceResource is the VPC a public pool was created from.
type SourceResource struct {
	ResourceID     string `json:"id"`
	ResourceType   string `json:"type"`
	ResourceRegion string `json:"region"`
	ResourceOwner  string `json:"owner"`
}

// Pool holds provisioned CIDRs and hands parts of them out as allocations.
type Pool struct {
	ID                     string          `json:"id"`
	OwnerID                string          `json:"owner"`
	IpamID                 string          `json:"ipam"`
	ScopeID                string          `json:"scope"`
	ScopeType              string          `json:"scopeType"`
	IpamRegion             string          `json:"ipamRegion"`
	SourcePoolID           string          `json:"source,omitempty"`
	Locale                 string          `json:"locale,omitempty"` // "" is reported as "None"
	Depth                  int             `json:"depth"`
	State                  string          `json:"state"`
	Description            *string         `json:"description,omitempty"`
	AutoImport             bool            `json:"autoImport"`
	PubliclyAdvertisable   *bool           `json:"publiclyAdvertisable,omitempty"`
	AddressFamily          string          `json:"family"` // ipv4 | ipv6
	AllocationMinNetmask   *int            `json:"min,omitempty"`
	AllocationMaxNetmask   *int            `json:"max,omitempty"`
	AllocationDefault      *int            `json:"default,omitempty"`
	AllocationResourceTags []Tag           `json:"resourceTags"`
	Tags                   []Tag           `json:"tags"`
	AwsService             string          `json:"awsService,omitempty"`
	PublicIPSource         string          `json:"publicIpSource,omitempty"`
	SourceResource         *SourceResource `json:"sourceResource,omitempty"`
	// Version counts mutations of the pool's address space (CIDRs and
	// allocations). Nodes caching the pool's free space compare it to know
	// whether their cache is current.
	Version int64 `json:"version"`
}

func (p *Pool) ARN() string      { return arn(p.OwnerID, "ipam-pool", p.ID) }
func (p *Pool) ScopeARN() string { return arn(p.OwnerID, "ipam-scope", p.ScopeID) }
func (p *Pool) IpamARN() string  { return arn(p.OwnerID, "ipam", p.IpamID) }

// MaxBits is the longest prefix length of the pool's address family.
func (p *Pool) MaxBits() int {
	if p.AddressFamily == "ipv6" {
		return 128
	}
	return 32
}

// FailureReason explains a failed provisioning.
type FailureReason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// PoolCIDR is a CIDR provisioned to a pool: the pool's supply.
type PoolCIDR struct {
	ID            string         `json:"id"`
	PoolID        string         `json:"pool"`
	CIDR          netip.Prefix   `json:"cidr"`
	State         string         `json:"state"`
	FailureReason *FailureReason `json:"failure,omitempty"`
	// AllocationID is the carve-out in the source pool that backs this CIDR
	// (nested pools only).
	AllocationID string `json:"allocation,omitempty"`
	Seq          int64  `json:"seq"` // creation order, for stable listing
}

// Allocation is part of a pool handed to a resource, a child pool or a
// manual ("custom") reservation.
type Allocation struct {
	ID             string       `json:"id"`
	PoolID         string       `json:"pool"`
	OwnerID        string       `json:"owner"` // account whose pool it is in
	CIDR           netip.Prefix `json:"cidr"`
	Description    string       `json:"description,omitempty"`
	ResourceID     string       `json:"resourceId,omitempty"`
	ResourceType   string       `json:"resourceType"`
	ResourceRegion string       `json:"resourceRegion,omitempty"`
	ResourceOwner  string       `json:"resourceOwner"`
	Tags           []Tag        `json:"tags"`
}

func arn(owner, kind, id string) string {
	return "arn:" + Partition + ":ec2::" + owner + ":" + kind + "/" + id
}
