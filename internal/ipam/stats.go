package ipam

import (
	"context"
	"errors"

	"github.com/ipamd/ipamd/internal/cidr"
)

// PoolStats is one pool's address space as this node's in-memory free-space
// index last saw it: what monitoring reads, without a query per pool.
type PoolStats struct {
	PoolID, IpamID, ScopeID, OwnerID string
	AddressFamily                    string // ipv4 | ipv6
	Provisioned, Allocated, Free     cidr.Count
	// Allocations counts the pool's allocations: custom ones, child pools'
	// carve-outs and resources'.
	Allocations int64
	// LargestFree is the prefix length of the largest free aligned block,
	// or -1 when nothing is free.
	LargestFree int
	// Version is the pool version the numbers reflect.
	Version int64
}

// publish makes the set's numbers readable without e.mu. It runs when an
// operation releases the set (e.mu held), so it is as current as the cache.
func (e *spaceEntry) publish(p *Pool) {
	st := &PoolStats{
		PoolID: p.ID, IpamID: p.IpamID, ScopeID: p.ScopeID, OwnerID: p.OwnerID, AddressFamily: p.AddressFamily,
		Provisioned: e.set.Total(), Allocated: e.set.Allocated(), Free: e.set.Free(),
		Allocations: e.allocs, LargestFree: -1, Version: e.version,
	}
	if bits, ok := e.set.LargestFree(); ok {
		st.LargestFree = bits
	}
	e.stats.Store(st)
}

// allocDelta is how many allocations changes made (takes) minus released (frees).
func allocDelta(changes []PoolChange) int64 {
	var n int64
	for _, c := range changes {
		switch c.Kind {
		case ChangeTake:
			n++
		case ChangeFree:
			n--
		}
	}
	return n
}

// PoolStats returns the numbers of every pool whose space this node holds
// in memory, in no particular order. It takes no pool's lock and makes no
// query: each pool's numbers are those published when an operation last
// released its space. Pools this node has not touched since it started are
// missing until LoadPoolSpaces loads them.
func (s *Service) PoolStats() []PoolStats {
	s.spaces.mu.Lock()
	entries := make([]*spaceEntry, 0, len(s.spaces.m))
	for _, e := range s.spaces.m {
		entries = append(entries, e)
	}
	s.spaces.mu.Unlock()
	out := make([]PoolStats, 0, len(entries))
	for _, e := range entries {
		if st := e.stats.Load(); st != nil {
			out = append(out, *st)
		}
	}
	return out
}

// LoadPoolSpaces brings this node's in-memory space of every pool up to
// date: it loads the pools it does not hold (new since it started, or
// never used) in read transactions, which on SQLite do not hold up the
// writer; catches up those other nodes changed from the change log, in a
// short transaction under the pool's lock like any operation; and forgets
// pools that are gone. One query lists the pools; a pool already current
// costs nothing more. It returns how many pools it loaded or caught up.
func (s *Service) LoadPoolSpaces(ctx context.Context) (int, error) {
	// A pool cached before the list is read and missing from it was deleted.
	cached := s.spaces.ids()
	var pools []*Pool
	if err := s.view(ctx, func(tx Tx) (err error) {
		pools, err = tx.ListAllPools()
		return err
	}); err != nil {
		return 0, err
	}
	listed := make(map[string]bool, len(pools))
	for _, p := range pools {
		listed[p.ID] = true
	}
	for _, id := range cached {
		if !listed[id] {
			s.spaces.drop(id)
		}
	}
	n := 0
	for _, p := range pools {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		if st := s.spaces.stats(p.ID); st != nil && st.Version == p.Version {
			continue
		}
		if err := s.loadPoolSpace(ctx, p); err != nil {
			var de *Error
			if errors.As(err, &de) && de.Code == CodePoolNotFound {
				continue // deleted since the list was read
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// loadPoolSpace brings this node's space of pool p up to date: a held one
// from the change log (catchUpPoolSpace), any other from a read
// (readPoolSpace).
func (s *Service) loadPoolSpace(ctx context.Context, p *Pool) error {
	if s.spaces.hint(p.ID) >= 0 {
		return s.catchUpPoolSpace(ctx, p)
	}
	return s.readPoolSpace(ctx, p)
}

// readPoolSpace reads a pool's space in one read transaction (a consistent
// snapshot of the pool row, its CIDRs and allocations) and installs it if
// the node still holds none: one that appeared meanwhile is at least as
// good, since every held space is tagged with the version it reflects. A
// pool deleted between the read and the install is forgotten on the next
// round.
func (s *Service) readPoolSpace(ctx context.Context, p *Pool) error {
	var cur *Pool
	var set *cidr.Set
	var allocs int64
	if err := s.view(ctx, func(tx Tx) (err error) {
		if cur, err = tx.GetPool(p.OwnerID, p.ID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return poolNotFound(p.ID)
			}
			return err
		}
		set, allocs, err = loadSpace(tx, cur)
		return err
	}); err != nil {
		return err
	}
	e := s.spaces.entry(cur.ID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.set == nil {
		e.set, e.version, e.allocs = set, cur.Version, allocs
		e.known.Store(cur.Version + 1)
		e.publish(cur)
	}
	return nil
}

// catchUpPoolSpace brings a held but stale space up to date the way any
// operation would, from the change log under the pool's lock.
func (s *Service) catchUpPoolSpace(ctx context.Context, p *Pool) error {
	defer s.gates.enter(p.ID)()
	return s.update(ctx, func(tx Tx, o *op) error {
		locked, err := o.lockPool(tx, Caller{AccountID: p.OwnerID}, p.ID)
		if err != nil {
			return err
		}
		_, err = o.space(tx, locked)
		return err
	})
}

func (c *spaceCache) ids() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, 0, len(c.m))
	for id := range c.m {
		ids = append(ids, id)
	}
	return ids
}

func (c *spaceCache) stats(poolID string) *PoolStats {
	c.mu.Lock()
	e := c.m[poolID]
	c.mu.Unlock()
	if e == nil {
		return nil
	}
	return e.stats.Load()
}
