package ipam

// Caller is who sent a request: the account from the verified signature and
// the Region the client signed for.
type Caller struct {
	AccountID string
	Region    string
}

// Filter is one EC2 filter: values OR, filters AND; `*` and `?` wildcards.
type Filter struct {
	Name   string
	Values []string
}

// TagSpecification attaches tags at creation time.
type TagSpecification struct {
	ResourceType string
	Tags         []Tag
}

// Page selects one page of a list call. MaxResults nil means the operation's
// default page size.
type Page struct {
	MaxResults *int
	NextToken  string
}

type CreateIpamInput struct {
	DryRun            bool
	Description       *string
	OperatingRegions  []string
	TagSpecifications []TagSpecification
	ClientToken       string
	Tier              *string
	EnablePrivateGua  *bool
	MeteredAccount    *string
}

type DescribeIpamsInput struct {
	DryRun  bool
	IpamIDs []string
	Filters []Filter
	Page
}

type ModifyIpamInput struct {
	DryRun                 bool
	IpamID                 string
	Description            *string
	AddOperatingRegions    []string
	RemoveOperatingRegions []string
	Tier                   *string
	EnablePrivateGua       *bool
	MeteredAccount         *string
}

type DeleteIpamInput struct {
	DryRun  bool
	IpamID  string
	Cascade bool
}

type CreateIpamScopeInput struct {
	DryRun            bool
	IpamID            string
	Description       *string
	TagSpecifications []TagSpecification
	ClientToken       string
	ExternalAuthority *ExternalAuthority
}

type DescribeIpamScopesInput struct {
	DryRun   bool
	ScopeIDs []string
	Filters  []Filter
	Page
}

type ModifyIpamScopeInput struct {
	DryRun                  bool
	ScopeID                 string
	Description             *string
	ExternalAuthority       *ExternalAuthority
	RemoveExternalAuthority bool
}

type DeleteIpamScopeInput struct {
	DryRun  bool
	ScopeID string
}

type CreateIpamPoolInput struct {
	DryRun                 bool
	ScopeID                string
	AddressFamily          string
	Locale                 *string
	SourcePoolID           string
	Description            *string
	AutoImport             *bool
	PubliclyAdvertisable   *bool
	AllocationMinNetmask   *int
	AllocationMaxNetmask   *int
	AllocationDefault      *int
	AllocationResourceTags []Tag
	TagSpecifications      []TagSpecification
	ClientToken            string
	AwsService             *string
	PublicIPSource         *string
	SourceResource         *SourceResource
}

type DescribeIpamPoolsInput struct {
	DryRun  bool
	PoolIDs []string
	Filters []Filter
	Page
}

type ModifyIpamPoolInput struct {
	DryRun                       bool
	PoolID                       string
	Description                  *string
	AutoImport                   *bool
	AllocationMinNetmask         *int
	AllocationMaxNetmask         *int
	AllocationDefault            *int
	ClearAllocationDefault       bool
	AddAllocationResourceTags    []Tag
	RemoveAllocationResourceTags []Tag
}

type DeleteIpamPoolInput struct {
	DryRun  bool
	PoolID  string
	Cascade bool
}

type ProvisionIpamPoolCidrInput struct {
	DryRun        bool
	PoolID        string
	CIDR          string // as sent; validated by the service
	NetmaskLength *int
	ClientToken   string
	// Fields ipamd does not support (BYOIP ownership verification); set
	// means the client asked for it and the service refuses clearly.
	CidrAuthorizationContext bool
	VerificationMethod       *string
	VerificationTokenID      *string
}

type DeprovisionIpamPoolCidrInput struct {
	DryRun bool
	PoolID string
	CIDR   string
}

type GetIpamPoolCidrsInput struct {
	DryRun  bool
	PoolID  string
	Filters []Filter
	Page
}

type AllocateIpamPoolCidrInput struct {
	DryRun            bool
	PoolID            string
	CIDR              string
	NetmaskLength     *int
	ClientToken       string
	Description       *string
	PreviewNextCidr   bool
	AllowedCidrs      []string
	DisallowedCidrs   []string
	TagSpecifications []TagSpecification
}

type ReleaseIpamPoolAllocationInput struct {
	DryRun       bool
	PoolID       string
	CIDR         string
	AllocationID string
}

type ModifyIpamPoolAllocationInput struct {
	DryRun       bool
	AllocationID string
	Description  *string
}

type GetIpamPoolAllocationsInput struct {
	DryRun       bool
	PoolID       string
	AllocationID string
	Filters      []Filter
	Page
}

type DescribeIpamPoolAllocationsInput struct {
	DryRun        bool
	AllocationIDs []string
	Filters       []Filter
	Page
}

type CreateTagsInput struct {
	DryRun      bool
	ResourceIDs []string
	Tags        []Tag
}

// DeleteTagsInput: a tag with a nil Value deletes the key whatever its
// value; a non-nil Value deletes it only when the value matches. No tags
// deletes every tag of the resources.
type DeleteTagsInput struct {
	DryRun      bool
	ResourceIDs []string
	Tags        []DeleteTag
}

type DeleteTag struct {
	Key   string
	Value *string
}

type DescribeTagsInput struct {
	DryRun  bool
	Filters []Filter
	Page
}

// TagDescription is one tag of one resource (DescribeTags).
type TagDescription struct {
	ResourceID   string
	ResourceType string
	Key          string
	Value        string
}
