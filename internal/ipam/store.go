package ipam

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Store is the persistence the Service consumes. Implementations live in
// internal/store/...; one contract suite (internal/store/storetest) runs
// against every implementation and pins these rules, among others:
//
//   - ListAllocations needs a scope: a query with neither PoolID nor OwnerID
//     fails with ErrUnscopedQuery (never "every account's allocations").
//   - A CIDR filter matches allocations whose CIDR equals it exactly. Stored
//     CIDRs are networks, so a filter value with host bits set (10.0.0.5/24)
//     or an invalid one matches nothing; it is not masked into another value.
//     A query whose CIDR filters are all such values returns no rows.
//   - AllocationAt answers only in the address's family: an IPv6 address
//     asked of a pool holding IPv4 allocations (or the reverse) is
//     ErrNotFound, never a row of the other family.
//   - Empty slices read back as nil (NilIfEmpty, ClearEmpty).
//   - Conflicts (unique keys, overlaps, PostgreSQL serialization failures
//     and deadlocks) are returned as ErrConflict without running fn again:
//     the Service owns conflict retries.
type Store interface {
	// Update runs fn in one read-write transaction and commits it when fn
	// returns nil. Writers to the same pool serialize (LockPool); an
	// implementation may retry fn on a serialization failure or deadlock, so
	// fn must have no effects outside tx that a retry would repeat wrongly.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction with a consistent snapshot.
	View(ctx context.Context, fn func(tx Tx) error) error
	// TokenKey is a secret shared by every node on this store, created on
	// first use; it signs pagination tokens. The Service reads it once and
	// keeps it, so a store need not cache it; each call returns a fresh
	// slice.
	TokenKey(ctx context.Context) ([]byte, error)
	// Ping reports whether the store is usable.
	Ping(ctx context.Context) error
	Close() error
}

// WriteLanes is implemented by a Store whose write transactions run in
// parallel, each waiting mostly on round trips (PostgreSQL): it says how
// many group transactions (batch.go) the Service runs at once. Without it
// (SQLite: one writer) the Service runs one.
type WriteLanes interface{ WriteLanes() int }

// Tx is one transaction. Get methods return an error wrapping ErrNotFound for
// a missing row. Lookups by owner return ErrNotFound for another account's
// rows, exactly as for a missing id.
type Tx interface {
	InsertIPAM(i *IPAM) error
	UpdateIPAM(i *IPAM) error
	DeleteIPAM(id string) error
	GetIPAM(owner, id string) (*IPAM, error)
	ListIPAMs(owner string) ([]*IPAM, error) // ascending by id

	InsertScope(s *Scope) error
	UpdateScope(s *Scope) error
	DeleteScope(id string) error
	GetScope(owner, id string) (*Scope, error)
	ListScopes(owner string) ([]*Scope, error) // ascending by id

	InsertPool(p *Pool) error
	UpdatePool(p *Pool) error
	DeletePool(id string) error
	GetPool(owner, id string) (*Pool, error)
	// LockPool reads the pool and locks it until the transaction ends
	// (SELECT ... FOR UPDATE); every change to a pool's CIDRs or allocations
	// happens under this lock, parents before children.
	LockPool(owner, id string) (*Pool, error)
	// LockPoolChanges is LockPool that also returns what PoolChangesSince(id,
	// since) would once the lock is held (nothing if since < 0). A store may
	// make both in one round trip: a node catching up on a pool other nodes
	// wrote then spends no extra round trip holding the pool's lock.
	LockPoolChanges(owner, id string, since int64) (*Pool, []PoolVersion, error)
	// LockPoolsChanges is LockPoolChanges for each request, locked in the
	// order given, and then, once every pool is locked (pools before VPCs),
	// each read (SubnetRead), all in one round trip where the store can. A
	// pool or VPC that is not found has ErrNotFound in its answer and does
	// not stop the others; any other error is returned for the whole call.
	LockPoolsChanges(reqs []PoolLock, reads []SubnetRead) ([]PoolLocked, []SubnetReadResult, error)
	ListPools(owner string) ([]*Pool, error) // ascending by id
	// CountPools is how many pools the scope has (resource planning pools
	// included): the pools-per-scope quota without reading every pool.
	CountPools(owner, scopeID string) (int, error)
	// ListAllPools returns every account's pools, ascending by id: what a
	// node reads to load every pool's space for monitoring.
	ListAllPools() ([]*Pool, error)

	InsertPoolCIDR(c *PoolCIDR) error
	UpdatePoolCIDR(c *PoolCIDR) error
	DeletePoolCIDRs(poolID string) error
	ListPoolCIDRs(poolID string) ([]*PoolCIDR, error) // ascending by Seq, every state

	// InsertAllocation refuses (ErrConflict) an allocation overlapping
	// another one of the same pool: the backstop behind the allocator.
	// Under LockPool a store may send the row later and report the refusal
	// from a later call or from commit; the transaction then fails whole.
	InsertAllocation(a *Allocation) error
	UpdateAllocation(a *Allocation) error // description and tags
	DeleteAllocation(id string) error
	DeletePoolAllocations(poolID string) error
	GetAllocation(id string) (*Allocation, error)
	// AllocationAt returns the allocation of the pool with the greatest
	// start address <= addr (the only one that can contain addr).
	AllocationAt(poolID string, addr netip.Addr) (*Allocation, error)
	// PoolPrefixes returns every allocated prefix of the pool ascending by
	// address: what a node needs to rebuild the pool's free space.
	PoolPrefixes(poolID string) ([]netip.Prefix, error)
	// ListAllocations returns up to q.Limit allocations matching q's exact
	// constraints in (pool id, address, prefix length) order after q.After.
	ListAllocations(q AllocationQuery) ([]*Allocation, error)

	// AppendPoolChanges logs the changes (in the order applied) of the one
	// transaction that moved the pool to version, so a node whose cached
	// space is older can catch up instead of reloading the pool. Logging a
	// version twice is an error that fails the transaction.
	AppendPoolChanges(poolID string, version int64, changes []PoolChange) error
	// PoolChangesSince returns the logged versions of the pool greater than
	// version, ascending. Pruned or never logged versions are just absent.
	PoolChangesSince(poolID string, version int64) ([]PoolVersion, error)
	// PrunePoolChanges drops the pool's logged versions below version.
	PrunePoolChanges(poolID string, below int64) error
	// DeletePoolChanges drops the pool's whole log.
	DeletePoolChanges(poolID string) error

	// VPCs and subnets (vpc_types.go). A VPC is stored whole; a store also
	// indexes its CIDR associations by association id. Get and Lock methods
	// return ErrNotFound for another account's VPC, as for a missing one.
	InsertVPC(v *VPC) error
	UpdateVPC(v *VPC) error
	DeleteVPC(id string) error
	GetVPC(owner, id string) (*VPC, error)
	// LockVPC is GetVPC that also keeps every other LockVPC and ShareVPC of
	// the VPC waiting until this transaction ends (SELECT ... FOR UPDATE).
	LockVPC(owner, id string) (*VPC, error)
	// ShareVPC is GetVPC that keeps the VPC from being changed or deleted
	// until this transaction ends, while other ShareVPC calls go on (FOR
	// SHARE): subnets are created in a VPC side by side, never in one being
	// deleted or losing a CIDR.
	ShareVPC(owner, id string) (*VPC, error)
	// VPCByAssociation returns the VPC that has the CIDR association.
	VPCByAssociation(owner, associationID string) (*VPC, error)
	// ListVPCs returns q.OwnerID's VPCs ascending by id (q.VpcIDs unused).
	ListVPCs(q ResourceQuery) ([]*VPC, error)

	// InsertSubnet refuses (ErrConflict) a subnet with a block that overlaps
	// a block of another subnet of the same VPC: the backstop behind the
	// service's check, holding across nodes and concurrent transactions.
	InsertSubnet(s *Subnet) error
	// LockSubnet is GetSubnet that also keeps every other LockSubnet of the
	// subnet, and its deletion, waiting until this transaction ends.
	LockSubnet(owner, id string) (*Subnet, error)
	UpdateSubnet(s *Subnet) error // attributes and tags; blocks never change
	DeleteSubnet(id string) error
	GetSubnet(owner, id string) (*Subnet, error)
	// ListSubnets returns q.OwnerID's subnets ascending by id.
	ListSubnets(q ResourceQuery) ([]*Subnet, error)
	// SubnetsOverlapping returns the subnets of the VPC with a block that
	// overlaps p, ascending by the address of that block.
	SubnetsOverlapping(vpcID string, p netip.Prefix) ([]*Subnet, error)
	// SubnetBlocksOverlapping is SubnetsOverlapping's blocks alone (those
	// that overlap p), in address order: no subnet document is read.
	SubnetBlocksOverlapping(vpcID string, p netip.Prefix) ([]netip.Prefix, error)

	// Monitoring (monitor_types.go, monitor.go). The service keeps the
	// overlap counts and history spans; a store keeps rows and answers
	// these lookups from indexes.
	//
	// LockResourceSpace takes locks that last until the transaction ends
	// (a no-op where write transactions never run side by side, as on
	// SQLite): an exclusive lock waits for every other holder of its key, a
	// shared one only for an exclusive holder. The store takes them in an
	// order of its own that is the same for every transaction (so two never
	// wait for each other), and one exclusive lock for a key asked for both
	// ways. The service asks for all of a transaction's locks in one call,
	// after every other lock.
	LockResourceSpace(locks []SpaceLock) error
	// ResourceCIDRsOf returns the blocks of a VPC (resourceID = vpcID) or
	// of one of its subnets as every IPAM monitors them, in key order. The
	// VPC is part of the key so a store can find them through its VPC index.
	ResourceCIDRsOf(vpcID, resourceID string) ([]*ResourceCIDR, error)
	// ResourceCIDRsOverlapping returns the scope's blocks that overlap p
	// (contain it, lie in it or equal it), in any order, leaving out those
	// of VPC outsideVPC ("": none left out). A subnet's own VPC is the
	// block that overlaps it almost always, and never counts.
	ResourceCIDRsOverlapping(scopeID string, p netip.Prefix, outsideVPC string) ([]*ResourceCIDR, error)
	// ResourceCIDRsOverlappingEach answers several such lookups at once
	// (PostgreSQL: in one statement, one round trip): out[i] holds what
	// ResourceCIDRsOverlapping(qs[i]...) would, in any order.
	ResourceCIDRsOverlappingEach(qs []OverlapLookup) ([][]*ResourceCIDR, error)
	// ListResourceCIDRs returns up to q.Limit blocks matching q in key order
	// after q.After; a query with a PoolID needs no ScopeID.
	ListResourceCIDRs(q ResourceCIDRQuery) ([]*ResourceCIDR, error)
	// ResourceCIDRsAt returns the scope's blocks that are exactly p, in
	// key order (the open history spans of p: GetIpamAddressHistory).
	ResourceCIDRsAt(scopeID string, p netip.Prefix) ([]*ResourceCIDR, error)
	// InsertResourceCIDR inserts a block whose key no row has (a plain
	// insert: cheaper than PutResourceCIDR's upsert on every store).
	InsertResourceCIDR(r *ResourceCIDR) error
	// PutResourceCIDR inserts the block or replaces the one with its key.
	PutResourceCIDR(r *ResourceCIDR) error
	// BumpOverlaps adds delta to a block's overlap count (never below 0)
	// in one statement, so that writers holding different resource-space
	// locks never lose each other's changes, and returns the row as it now
	// is; ErrNotFound if there is none. Here and below a row is named by
	// a ResourceCIDR as read: its scope, IPAM, resource and CIDR.
	BumpOverlaps(r *ResourceCIDR, delta int) (*ResourceCIDR, error)
	// SetSpan stores r's open history span: its record id (HistoryID) and
	// when it began (Since).
	SetSpan(r *ResourceCIDR) error
	DeleteResourceCIDR(r *ResourceCIDR) error
	// AddCoverage adds delta to Covered of the VPC's blocks that contain p,
	// in every IPAM.
	AddCoverage(vpcID string, p netip.Prefix, delta float64) error
	// DeleteIPAMMonitoring drops the IPAM's blocks and history.
	DeleteIPAMMonitoring(ipamID string) error
	// InsertHistory stores a record of a span that ended. A span that
	// lasts is not a record: it lives in its block's row (HistoryID,
	// Since) until it ends (the service's openSpan and endSpan).
	InsertHistory(h *HistoryRecord) error
	// AddressHistory returns up to q.Limit stored records matching q after
	// q.After.
	AddressHistory(q HistoryQuery) ([]*HistoryRecord, error)
	// PruneHistory drops up to limit records that ended before before, and
	// says how many it dropped.
	PruneHistory(before time.Time, limit int) (int, error)

	// ClientToken returns what an idempotent call with this token answered.
	ClientToken(owner, action, token string) (rec *TokenRecord, err error)
	// ClientTokens returns the records of those of tokens that are recorded,
	// in any order: a batch's lookups in one query.
	ClientTokens(owner, action string, tokens []string) ([]*TokenRecord, error)
	PutClientToken(rec *TokenRecord) error
}

// ErrUnscopedQuery is a ListAllocations query with neither PoolID nor
// OwnerID: a bug in the caller, refused rather than answered with every
// account's rows.
var ErrUnscopedQuery = errors.New("ListAllocations needs a PoolID or an OwnerID")

// AllocationQuery selects allocations. Empty slices do not constrain; the
// service applies every other filter itself.
type AllocationQuery struct {
	PoolID        string // one pool, or
	OwnerID       string // every pool of this account (PoolID empty)
	After         *AllocationCursor
	Limit         int
	IDs           []string
	ResourceIDs   []string
	ResourceTypes []string
	CIDRs         []netip.Prefix
	// Descriptions are exact description values. A store that cannot
	// narrow by them may ignore them: the service checks every filter.
	Descriptions []string
}

// Check refuses an unscoped query (ErrUnscopedQuery).
func (q AllocationQuery) Check() error {
	if q.PoolID == "" && q.OwnerID == "" {
		return ErrUnscopedQuery
	}
	return nil
}

// NetworkCIDRs returns the CIDR filter values that can match a stored
// allocation (valid network prefixes). none reports a query that has CIDR
// filters but none of them can match: it returns no rows.
func (q AllocationQuery) NetworkCIDRs() (nets []netip.Prefix, none bool) {
	for _, p := range q.CIDRs {
		if p.IsValid() && p == p.Masked() {
			nets = append(nets, p)
		}
	}
	return nets, len(q.CIDRs) > 0 && len(nets) == 0
}

// AllocationCursor is the position of one allocation in listing order.
type AllocationCursor struct {
	PoolID string
	Addr   netip.Addr
	Bits   int
}

// ChangeKind is what a change did to a pool's free space.
type ChangeKind byte

const (
	ChangeTake   ChangeKind = 't' // a prefix allocated, a child pool's carve-out included
	ChangeFree   ChangeKind = 'f' // an allocation released
	ChangeAdd    ChangeKind = 'a' // a CIDR provisioned to the pool
	ChangeRemove ChangeKind = 'r' // a CIDR deprovisioned
)

// PoolChange is one change to a pool's free space.
type PoolChange struct {
	Kind   ChangeKind
	Prefix netip.Prefix
}

// PoolVersion is what one transaction changed in a pool, moving it to
// Version.
type PoolVersion struct {
	Version int64
	Changes []PoolChange
}

// EncodePoolChanges is the compact text a store keeps a version's changes
// as: each change is its kind letter and prefix, space-separated
// ("t10.0.0.0/24 f10.0.1.0/24"). One row per version, not per change, keeps
// a batch of allocations one insert.
func EncodePoolChanges(cs []PoolChange) string {
	var b []byte
	for i, c := range cs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, byte(c.Kind))
		b = c.Prefix.AppendTo(b)
	}
	return string(b)
}

// DecodePoolChanges parses what EncodePoolChanges wrote.
func DecodePoolChanges(s string) ([]PoolChange, error) {
	if s == "" {
		return nil, nil
	}
	fields := strings.Split(s, " ")
	out := make([]PoolChange, len(fields))
	for i, f := range fields {
		if len(f) < 2 {
			return nil, fmt.Errorf("pool change %q: too short", f)
		}
		switch k := ChangeKind(f[0]); k {
		case ChangeTake, ChangeFree, ChangeAdd, ChangeRemove:
			out[i].Kind = k
		default:
			return nil, fmt.Errorf("pool change %q: unknown kind", f)
		}
		p, err := netip.ParsePrefix(f[1:])
		if err != nil {
			return nil, fmt.Errorf("pool change %q: %w", f, err)
		}
		out[i].Prefix = p
	}
	return out, nil
}

// TokenRecord remembers the answer to an idempotent request.
type TokenRecord struct {
	OwnerID    string
	Action     string
	Token      string
	ParamsHash string // hash of the request's parameters, token excluded
	Result     []byte // JSON of the result the first call returned
}

// NilIfEmpty is s, or nil if s is empty: the store contract reads empty
// slices back as nil (a store need not tell nil from empty), so a store
// passes what it decoded through this.
func NilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// ClearEmpty sets the empty slices of a decoded *IPAM, *Scope, *Pool, *VPC
// or *Subnet to nil (JSON keeps "[]" apart from "null"); other values are
// left alone.
func ClearEmpty(v any) {
	switch v := v.(type) {
	case *IPAM:
		v.Tags = NilIfEmpty(v.Tags)
		v.OperatingRegions = NilIfEmpty(v.OperatingRegions)
	case *Scope:
		v.Tags = NilIfEmpty(v.Tags)
	case *Pool:
		v.Tags = NilIfEmpty(v.Tags)
		v.AllocationResourceTags = NilIfEmpty(v.AllocationResourceTags)
	case *VPC:
		v.Tags = NilIfEmpty(v.Tags)
		v.CIDRs = NilIfEmpty(v.CIDRs)
	case *Subnet:
		v.Tags = NilIfEmpty(v.Tags)
	}
}

// PoolLock asks Tx.LockPoolsChanges for one pool: its owner and id, and the
// change-log version its caller has (Since < 0: no log wanted).
type PoolLock struct {
	Owner, ID string
	Since     int64
}

// SubnetRead asks Tx.LockPoolsChanges for what a subnet from a planning
// pool needs once the pool is locked: ShareVPC(Owner, VpcID), the blocks
// of one family of every subnet of the VPC (in no set order: the new
// block must go around them), and ListIPAMs(Owner) (which IPAMs monitor
// the subnet). Without a VpcID it asks only for the IPAMs: a VPC being
// created needs them for its monitoring rows.
type SubnetRead struct {
	Owner, VpcID string
	IPv6         bool
}

// SubnetReadResult answers one SubnetRead: the VPC, the blocks and the
// IPAMs, or Err.
type SubnetReadResult struct {
	VPC    *VPC
	Blocks []netip.Prefix
	IPAMs  []*IPAM
	Err    error
}

// PoolLocked answers one PoolLock: the pool and its log, or Err.
type PoolLocked struct {
	Pool *Pool
	Log  []PoolVersion
	Err  error
}

// OverlapLookup is one ResourceCIDRsOverlapping question.
type OverlapLookup struct {
	ScopeID    string
	CIDR       netip.Prefix
	OutsideVPC string
}

// OverlapExpecter is a Tx that can take "nothing stored overlaps these
// blocks" on trust (PostgreSQL: its check goes out with COMMIT instead of
// a lookup costing a round trip under the pool's lock). If a monitored
// block that ResourceCIDRsOverlappingEach(qs) would return exists when the
// check runs, the transaction fails as ErrOverlapFound and writes nothing.
type OverlapExpecter interface {
	ExpectNoOverlaps(qs []OverlapLookup) error
}
