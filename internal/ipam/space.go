package ipam

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"

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
	// known is the version the set reflected when last released, plus one
	// (0: no set), readable without mu: before it takes the pool's lock an
	// operation reads it to ask for the change log it will need.
	known atomic.Int64
	// allocs counts the pool's allocations while set is not nil: each
	// ChangeTake is one allocation made, each ChangeFree one released.
	allocs int64
	// stats is what the set held when last released, readable without mu
	// (stats.go); nil until the pool's space was first loaded.
	stats atomic.Pointer[PoolStats]
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

// hint is the pool version the node's cached space reflected when last
// released, or -1 if it has none: where a catch-up would start.
func (c *spaceCache) hint(poolID string) int64 {
	c.mu.Lock()
	e := c.m[poolID]
	c.mu.Unlock()
	if e == nil {
		return -1
	}
	return e.known.Load() - 1
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
	// What this transaction read ahead (prefetch.go).
	tokens map[tokenKey]*TokenRecord // nil value: known absent
	logs   []fetchedLog
	// subnetCtx: the reads lockJobs made with the pools' locks.
	subnetCtx map[SubnetRead]SubnetReadResult
	mon       monitorState // what monitoring must catch up with (monitor.go)
	asking    bool         // overlap lookups are asked, not trusted (overlap_trust.go)
}

type heldSpace struct {
	e       *spaceEntry
	pool    *Pool
	deleted bool
	dirty   bool         // version bumped, row not yet written
	changes []PoolChange // this transaction's changes: logged under the new version, undone on rollback
	version int64        // pool version the set reflected when taken
	gen     uint64       // set generation when taken
}

// The change log keeps at least keepVersions versions of each pool: enough
// for any node that is not far behind. It is pruned only on every
// pruneEvery-th version (versions move by exactly one per transaction, so
// each multiple is hit once), so it holds at most keepVersions+pruneEvery.
const (
	keepVersions = 10000
	pruneEvery   = 1000
)

// space returns pool p's free space, current as of p.Version. p must have
// been read with tx.LockPool; callers lock parents before children.
func (o *op) space(tx Tx, p *Pool) (*cidr.Set, error) {
	if h := o.heldFor(p.ID); h != nil {
		// A second read of the row in this transaction does not see the
		// bumps that are not written yet.
		p.Version = h.pool.Version
		h.pool = p
		return h.e.set, nil
	}
	e := o.s.spaces.entry(p.ID)
	e.mu.Lock()
	h := &heldSpace{e: e, pool: p, version: p.Version}
	o.held = append(o.held, h)
	if e.set != nil && e.version != p.Version {
		ok, err := o.catchUp(tx, e, p.ID, e.version, p.Version)
		if err != nil {
			e.set = nil
			return nil, err
		}
		if !ok {
			e.set = nil
		}
	}
	if e.set == nil {
		set, allocs, err := loadSpace(tx, p)
		if err != nil {
			return nil, err
		}
		e.set, e.allocs = set, allocs
	}
	h.gen = e.set.Generation()
	e.version = -1
	return e.set, nil
}

// catchUp brings e's set, which reflects version from of the pool, to version
// to by applying the change log: a few rows instead of the pool's whole
// allocation list. It reports false when the log cannot do it (pruned,
// missing a version, or a change that does not apply); the set may then be
// half-changed and must be reloaded. It never applies a partial log.
func (o *op) catchUp(tx Tx, e *spaceEntry, poolID string, from, to int64) (bool, error) {
	if from < 0 || from >= to || to-from > keepVersions {
		return false, nil
	}
	log, ok := o.fetched(poolID, from)
	if !ok {
		var err error
		if log, err = tx.PoolChangesSince(poolID, from); err != nil {
			return false, err
		}
	}
	for len(log) > 0 && log[0].Version <= from {
		log = log[1:] // read from an earlier version than the set's
	}
	if int64(len(log)) < to-from {
		return false, nil
	}
	log = log[:to-from]
	for i, v := range log {
		if v.Version != from+1+int64(i) {
			return false, nil
		}
	}
	var allocs int64
	for _, v := range log {
		for _, c := range v.Changes {
			if applyChange(e.set, c) != nil {
				return false, nil
			}
		}
		allocs += allocDelta(v.Changes)
	}
	e.allocs += allocs
	return true, nil
}

func applyChange(set *cidr.Set, c PoolChange) error {
	switch c.Kind {
	case ChangeTake:
		return set.Reserve(c.Prefix) // the set holds free space only: where it came from does not matter
	case ChangeFree:
		return set.Release(c.Prefix)
	case ChangeAdd:
		return set.AddPool(c.Prefix)
	case ChangeRemove:
		return set.RemovePool(c.Prefix)
	}
	return fmt.Errorf("pool change kind %q", c.Kind)
}

func (o *op) heldFor(poolID string) *heldSpace {
	for _, h := range o.held {
		if h.pool.ID == poolID {
			return h
		}
	}
	return nil
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

// The mutations of a held pool's space. Each changes the set and records
// the change for the log, so no change can reach one without the other;
// nothing else may change a held set (but see overlapError's probe).

// allocate takes the lowest free block of bits from p's space.
func (o *op) allocate(p *Pool, bits int, cons *cidr.Constraints) (netip.Prefix, error) {
	h := o.mustHold(p)
	prefix, err := h.e.set.Allocate(bits, cons)
	if err == nil {
		h.record(PoolChange{ChangeTake, prefix})
	}
	return prefix, err
}

// reserve takes exactly prefix from p's space.
func (o *op) reserve(p *Pool, prefix netip.Prefix) error {
	return o.change(p, PoolChange{ChangeTake, prefix})
}

// free gives prefix back to p's space.
func (o *op) free(p *Pool, prefix netip.Prefix) error {
	return o.change(p, PoolChange{ChangeFree, prefix})
}

// addCIDR provisions prefix to p's space.
func (o *op) addCIDR(p *Pool, prefix netip.Prefix) error {
	return o.change(p, PoolChange{ChangeAdd, prefix})
}

// removeCIDR deprovisions prefix from p's space.
func (o *op) removeCIDR(p *Pool, prefix netip.Prefix) error {
	return o.change(p, PoolChange{ChangeRemove, prefix})
}

func (o *op) change(p *Pool, c PoolChange) error {
	h := o.mustHold(p)
	if err := applyChange(h.e.set, c); err != nil {
		return err
	}
	h.record(c)
	return nil
}

// record logs c and bumps the version, so a change cannot go unannounced
// even if the caller forgot o.bump.
func (h *heldSpace) record(c PoolChange) {
	h.changes = append(h.changes, c)
	h.pool.Version, h.dirty = h.version+1, true
}

// undo reverts changes, last first. The set keeps free space in one
// canonical form, so the result is the set as it was before them.
func undo(set *cidr.Set, changes []PoolChange) error {
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		switch c.Kind {
		case ChangeTake:
			c.Kind = ChangeFree
		case ChangeFree:
			c.Kind = ChangeTake
		case ChangeAdd:
			c.Kind = ChangeRemove
		case ChangeRemove:
			c.Kind = ChangeAdd
		}
		if err := applyChange(set, c); err != nil {
			return err
		}
	}
	return nil
}

func (o *op) mustHold(p *Pool) *heldSpace {
	h := o.heldFor(p.ID)
	if h == nil {
		panic("ipam: pool " + p.ID + " space changed without o.space")
	}
	return h
}

// bump records a change of p's address space: the version moves on by one
// per transaction however many changes it made (the log keeps them all
// under that one version), and the row is written before commit, which is
// what tells other nodes their cache is stale.
func (o *op) bump(tx Tx, p *Pool) error {
	if h := o.heldFor(p.ID); h != nil {
		p.Version = h.version + 1
		h.pool, h.dirty = p, true
		return nil
	}
	// Not held: no cached set changed. The version has no log entry, so
	// other nodes will reload the pool, which is correct.
	p.Version++
	return tx.UpdatePool(p)
}

// flush writes the rows of the pools bumped in this transaction and logs
// their changes.
func (o *op) flush(tx Tx) error {
	for _, h := range o.held {
		if h.dirty && !h.deleted {
			if err := tx.UpdatePool(h.pool); err != nil {
				return err
			}
			v := h.pool.Version
			if err := tx.AppendPoolChanges(h.pool.ID, v, h.changes); err != nil {
				return err
			}
			if v%pruneEvery == 0 && v > keepVersions {
				if err := tx.PrunePoolChanges(h.pool.ID, v-keepVersions+1); err != nil {
					return err
				}
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

func (o *op) reset() {
	o.release(false)
	o.tokens, o.logs, o.subnetCtx = nil, nil, nil
	o.mon.reset()
}

func (o *op) finish(committed bool) { o.release(committed) }

func (o *op) release(committed bool) {
	for _, h := range o.held {
		switch {
		case committed && !h.deleted:
			h.e.version = h.pool.Version
			h.e.allocs += allocDelta(h.changes)
		case !committed && h.e.set != nil && h.e.set.Generation() == h.gen:
			// Rolled back without touching the set (a DryRun, a preview, a
			// refusal): it still reflects the version it was taken at, so a
			// big pool is not reloaded for nothing.
			h.e.version = h.version
		case !committed && h.e.set != nil && undo(h.e.set, h.changes) == nil:
			// Rolled back after changing the set (a failed commit, a lost
			// ClientToken race): undone, it reflects that version again.
			h.e.version = h.version
		default:
			h.e.set = nil
		}
		if h.e.set != nil {
			h.e.known.Store(h.e.version + 1)
			h.e.publish(h.pool)
		} else {
			h.e.known.Store(0)
		}
		h.e.mu.Unlock()
		if committed && h.deleted {
			o.s.spaces.drop(h.pool.ID)
		}
	}
	o.held = nil
}

// loadSpace rebuilds a pool's free space from the store and counts its
// allocations.
func loadSpace(tx Tx, p *Pool) (*cidr.Set, int64, error) {
	cidrs, err := tx.ListPoolCIDRs(p.ID)
	if err != nil {
		return nil, 0, err
	}
	set := cidr.New()
	for _, c := range cidrs {
		if c.State != CidrProvisioned {
			continue
		}
		if err := set.AddPool(c.CIDR); err != nil {
			return nil, 0, fmt.Errorf("pool %s: cidr %s: %w", p.ID, c.CIDR, err)
		}
	}
	prefixes, err := tx.PoolPrefixes(p.ID)
	if err != nil {
		return nil, 0, err
	}
	if err := set.ReserveSorted(prefixes); err != nil {
		return nil, 0, fmt.Errorf("pool %s: allocations: %w", p.ID, err)
	}
	return set, int64(len(prefixes)), nil
}
