package ipam

import (
	"fmt"
	"sync"

	"github.com/ipamd/ipamd/internal/cidr"
)

// spaceCache keeps each pool's free space in memory, tagged with the pool
// version it reflects, so a current node answers in O(log n) instead of
// rescanning the pool's allocations on every request. A node whose cached
// version differs from the locked pool row (another node wrote) reloads.
type spaceCache struct {
	mu sync.Mutex
	m  map[string]*spaceEntry
}

type spaceEntry struct {
	mu      sync.Mutex // held by the one operation using the set
	version int64      // pool version the set reflects
	set     *cidr.Set  // nil: must be loaded
}

func newSpaceCache() spaceCache { return spaceCache{m: make(map[string]*spaceEntry)} }

func (c *spaceCache) entry(poolID string) *spaceEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[poolID]
	if e == nil {
		e = &spaceEntry{}
		c.m[poolID] = e
	}
	return e
}

func (c *spaceCache) drop(poolID string) {
	c.mu.Lock()
	delete(c.m, poolID)
	c.mu.Unlock()
}

// op is the cache bookkeeping of one write transaction: the spaces it holds
// and the pools they belong to. Sets are marked unknown while held, and
// tagged with the pool's final version only once the transaction committed.
type op struct {
	s    *Service
	held []*heldSpace
}

type heldSpace struct {
	e       *spaceEntry
	pool    *Pool
	deleted bool
	dirty   bool   // version bumped, row not yet written
	version int64  // pool version the set reflected when taken
	gen     uint64 // set generation when taken
}

// space returns pool p's free space, current as of p.Version. p must have
// been read with tx.LockPool; callers lock parents before children.
func (o *op) space(tx Tx, p *Pool) (*cidr.Set, error) {
	for _, h := range o.held {
		if h.pool.ID == p.ID {
			// A second read of the row in this transaction does not see the
			// bumps that are not written yet.
			p.Version = h.pool.Version
			h.pool = p
			return h.e.set, nil
		}
	}
	e := o.s.spaces.entry(p.ID)
	e.mu.Lock()
	h := &heldSpace{e: e, pool: p, version: p.Version}
	o.held = append(o.held, h)
	if e.set == nil || e.version != p.Version {
		e.set = nil
		set, err := loadSpace(tx, p)
		if err != nil {
			return nil, err
		}
		e.set = set
	}
	h.gen = e.set.Generation()
	e.version = -1
	return e.set, nil
}

// lockedPool returns the pool if this transaction already locked it and
// holds its space (a batch's later requests), saving a round trip.
func (o *op) lockedPool(id, owner string) *Pool {
	for _, h := range o.held {
		if h.pool.ID == id && h.pool.OwnerID == owner && !h.deleted {
			return h.pool
		}
	}
	return nil
}

// bump records a change of p's address space: the version moves on, and the
// row is written before commit (once per transaction, however many changes
// it made), which is what tells other nodes their cache is stale.
func (o *op) bump(tx Tx, p *Pool) error {
	p.Version++
	for _, h := range o.held {
		if h.pool.ID == p.ID {
			h.pool, h.dirty = p, true
			return nil
		}
	}
	return tx.UpdatePool(p)
}

// flush writes the rows of the pools bumped in this transaction.
func (o *op) flush(tx Tx) error {
	for _, h := range o.held {
		if h.dirty && !h.deleted {
			if err := tx.UpdatePool(h.pool); err != nil {
				return err
			}
			h.dirty = false
		}
	}
	return nil
}

// forget marks a pool deleted so its cache entry goes away on commit.
func (o *op) forget(poolID string) {
	for _, h := range o.held {
		if h.pool.ID == poolID {
			h.deleted = true
		}
	}
}

func (o *op) reset() { o.release(false) }

func (o *op) finish(committed bool) { o.release(committed) }

func (o *op) release(committed bool) {
	for _, h := range o.held {
		switch {
		case committed && !h.deleted:
			h.e.version = h.pool.Version
		case !committed && h.e.set != nil && h.e.set.Generation() == h.gen:
			// Rolled back without touching the set (a DryRun, a preview, a
			// refusal): it still reflects the version it was taken at, so a
			// big pool is not reloaded for nothing.
			h.e.version = h.version
		default:
			h.e.set = nil
		}
		h.e.mu.Unlock()
		if committed && h.deleted {
			o.s.spaces.drop(h.pool.ID)
		}
	}
	o.held = nil
}

// loadSpace rebuilds a pool's free space from the store.
func loadSpace(tx Tx, p *Pool) (*cidr.Set, error) {
	cidrs, err := tx.ListPoolCIDRs(p.ID)
	if err != nil {
		return nil, err
	}
	set := cidr.New()
	for _, c := range cidrs {
		if c.State != CidrProvisioned {
			continue
		}
		if err := set.AddPool(c.CIDR); err != nil {
			return nil, fmt.Errorf("pool %s: cidr %s: %w", p.ID, c.CIDR, err)
		}
	}
	prefixes, err := tx.PoolPrefixes(p.ID)
	if err != nil {
		return nil, err
	}
	if err := set.ReserveSorted(prefixes); err != nil {
		return nil, fmt.Errorf("pool %s: allocations: %w", p.ID, err)
	}
	return set, nil
}
