package ipam

import (
	"context"
	"net/netip"
)

// Store is the persistence the Service consumes. Implementations live in
// internal/store/...; one contract suite (internal/store/storetest) runs
// against every implementation.
type Store interface {
	// Update runs fn in one read-write transaction and commits it when fn
	// returns nil. Writers to the same pool serialize (LockPool); an
	// implementation may retry fn on a serialization failure or deadlock, so
	// fn must have no effects outside tx that a retry would repeat wrongly.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction with a consistent snapshot.
	View(ctx context.Context, fn func(tx Tx) error) error
	// TokenKey is a secret shared by every node on this store, created on
	// first use; it signs pagination tokens.
	TokenKey(ctx context.Context) ([]byte, error)
	// Ping reports whether the store is usable.
	Ping(ctx context.Context) error
	Close() error
}

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
	ListPools(owner string) ([]*Pool, error) // ascending by id

	InsertPoolCIDR(c *PoolCIDR) error
	UpdatePoolCIDR(c *PoolCIDR) error
	DeletePoolCIDRs(poolID string) error
	ListPoolCIDRs(poolID string) ([]*PoolCIDR, error) // ascending by Seq, every state

	// InsertAllocation refuses (ErrConflict) an allocation overlapping
	// another one of the same pool: the backstop behind the allocator.
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

	// ClientToken returns what an idempotent call with this token answered.
	ClientToken(owner, action, token string) (rec *TokenRecord, err error)
	PutClientToken(rec *TokenRecord) error
}

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

// AllocationCursor is the position of one allocation in listing order.
type AllocationCursor struct {
	PoolID string
	Addr   netip.Addr
	Bits   int
}

// TokenRecord remembers the answer to an idempotent request.
type TokenRecord struct {
	OwnerID    string
	Action     string
	Token      string
	ParamsHash string // hash of the request's parameters, token excluded
	Result     []byte // JSON of the result the first call returned
}
