package ipam

import (
	"fmt"
	"sync"
	"time"
)

// Ids of the resources created in bulk (VPCs, subnets, their CIDR
// associations, pools) keep AWS's shape, "0" and 16 hex digits, but sort by
// creation time: 36 bits of time in 2^26 ns (67 ms) steps, 12 bits of node
// number and a 16-bit count. Every store keys and indexes these rows by id,
// so random ids put each insert on a random page of each of those B-trees;
// time-ordered ones land on the same few pages, which a group of
// concurrent inserts then shares (SQLite writes each dirty page to its WAL
// once per commit: BenchmarkCreateSubnetAcrossVpcs made half the pwrites,
// docs/benchmarks.md "Session 6").
//
// Unique by construction rather than by chance (64 random bits would be,
// but a time prefix leaves too few): within a process the count orders ids
// of one time step, borrowing the next step when 65,536 are not enough, and
// the clock is never followed backwards; across processes the node number
// differs, because the store hands out a new one to every process that
// opens it (NodeNumbered), unique among 4,096 consecutive opens.

// NodeNumbered is implemented by a Store that numbers the processes that
// open it. Without it (stores in tests) the node number is 0.
type NodeNumbered interface{ NodeNumber() uint32 }

const (
	idStepShift = 26 // ns per time step: 2^26
	idNodeBits  = 12
	idCountBits = 16
)

// idSource makes time-ordered ids for one Service.
type idSource struct {
	mu    sync.Mutex
	node  uint64
	step  uint64 // the time step of the last id
	count uint64 // ids made in it so far
}

func newIDSource(store Store) *idSource {
	g := &idSource{}
	if n, ok := store.(NodeNumbered); ok {
		g.node = uint64(n.NodeNumber()) & (1<<idNodeBits - 1)
	}
	return g
}

// next returns prefix + "0" + 16 hex digits, greater than every id this
// source made before.
func (g *idSource) next(prefix string) string {
	now := uint64(time.Now().UnixNano()) >> idStepShift
	g.mu.Lock()
	switch {
	case now > g.step:
		g.step, g.count = now, 0
	case g.count == 1<<idCountBits:
		g.step, g.count = g.step+1, 0
	}
	v := g.step<<(idNodeBits+idCountBits) | g.node<<idCountBits | g.count
	g.count++
	g.mu.Unlock()
	return fmt.Sprintf("%s0%016x", prefix, v)
}
