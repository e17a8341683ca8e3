package testserver

import (
	"sync/atomic"
	"time"
)

// Conflicts counts the Service's lost races (an ipam.Observer for
// Options.Observer): a test of concurrent writers that must take turns, not
// collide in the store's backstop, asserts it stays 0.
type Conflicts struct{ n atomic.Int64 }

func (*Conflicts) ObserveCommit(time.Duration, bool) {}
func (*Conflicts) ObserveBatch(int)                  {}
func (c *Conflicts) ObserveConflict()                { c.n.Add(1) }

// Count is how many transactions lost a race so far.
func (c *Conflicts) Count() int64 { return c.n.Load() }
