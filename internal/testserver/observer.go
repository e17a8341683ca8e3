package testserver

import (
	"sync/atomic"
	"time"
)

// Observed is an ipam.Observer for Options.Observer that counts what tests
// of concurrent writers assert: lost races (which writers that must take
// turns, not collide in the store's backstop, never have) and the largest
// allocation batch (more than 1: the requests shared a transaction).
type Observed struct {
	conflicts atomic.Int64
	maxBatch  atomic.Int64
}

func (*Observed) ObserveCommit(time.Duration, bool) {}

func (o *Observed) ObserveBatch(n int) {
	for {
		cur := o.maxBatch.Load()
		if int64(n) <= cur || o.maxBatch.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

func (o *Observed) ObserveConflict() { o.conflicts.Add(1) }

// Conflicts is how many transactions lost a race so far.
func (o *Observed) Conflicts() int64 { return o.conflicts.Load() }

// MaxBatch is the largest allocation batch so far.
func (o *Observed) MaxBatch() int64 { return o.maxBatch.Load() }
