package ipam

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
)

// Allocations from one pool are serialized by the pool's lock, and each
// transaction's commit (a WAL write on SQLite, an fsync on PostgreSQL) is
// most of the time the lock is held. So a node gathers the allocation
// requests that queue up behind a running transaction and makes them in the
// next one: one lock, one commit, many allocations. Each request still gets
// exactly the answer it would have got alone, in arrival order.
//
// Requests for different pools do not wait for each other's pool, but they
// all wait for the store's writer (SQLite has one) or pay a commit each. So
// the per-pool batches that are ready at the same time are made together as
// well, in one group transaction (group commit): it locks every pool of the
// group first, in the lock order (by id), and then makes each batch as it
// would alone. A request refused with a domain error wrote nothing, so the
// others carry on; if the group's transaction itself fails, each pool's
// batch runs again in a transaction of its own (and, if that fails, each
// request alone), so one request cannot fail the rest.

// maxBatch bounds how many requests for one pool share one transaction;
// maxGroup how many pools' batches do.
const (
	maxBatch = 64
	maxGroup = 64
)

type allocJob struct {
	ctx  context.Context
	c    Caller
	in   AllocateIpamPoolCidrInput
	tags []Tag
	res  *resourceUse // nil: a custom allocation

	out  *Allocation
	err  error
	wake chan bool // true: lead the next batch; false: answered
}

func (j *allocJob) wakeup() chan bool { return j.wake }

// poolBatch is one pool's batch waiting for a group transaction.
type poolBatch struct {
	jobs []*allocJob
	wake chan bool
}

func (g *poolBatch) wakeup() chan bool { return g.wake }

// waiter is what a batcher queues: something with a wake channel of
// capacity 1.
type waiter interface{ wakeup() chan bool }

// batcher queues items per key. At most lanes goroutines per key (the
// leaders, each with up to max items) run a batch at a time; when a leader
// is done it hands the lead to the oldest waiter. run gets the leader's own
// item first and must not reorder the slice.
type batcher[T waiter] struct {
	max, lanes int

	mu     sync.Mutex
	queues map[string]*jobQueue[T]
}

type jobQueue[T any] struct {
	jobs    []T // waiting; a leader is never among them
	running int // leaders
}

func (b *batcher[T]) do(key string, j T, run func([]T)) {
	b.mu.Lock()
	if b.queues == nil {
		b.queues = make(map[string]*jobQueue[T])
	}
	q := b.queues[key]
	if q == nil {
		q = &jobQueue[T]{}
		b.queues[key] = q
	}
	if q.running < max(b.lanes, 1) {
		q.running++
	} else {
		q.jobs = append(q.jobs, j)
		b.mu.Unlock()
		if lead := <-j.wakeup(); !lead {
			return
		}
		b.mu.Lock()
	}
	n := min(len(q.jobs), b.max-1)
	batch := make([]T, 0, n+1)
	batch = append(append(batch, j), q.jobs[:n]...)
	q.jobs = q.jobs[n:]
	b.mu.Unlock()

	run(batch)

	b.mu.Lock()
	if len(q.jobs) > 0 {
		next := q.jobs[0]
		q.jobs = q.jobs[1:]
		next.wakeup() <- true
	} else if q.running--; q.running == 0 {
		delete(b.queues, key)
	}
	b.mu.Unlock()
	for _, x := range batch[1:] {
		x.wakeup() <- false
	}
}

// runAllocations makes a batch of allocations from one pool, in a group
// transaction with the other pools' batches that are ready.
func (s *Service) runAllocations(batch []*allocJob) {
	s.obs.ObserveBatch(len(batch))
	s.groups.do("", &poolBatch{jobs: batch, wake: make(chan bool, 1)}, s.runGroup)
}

// runGroup makes the batches of several pools in one transaction.
func (s *Service) runGroup(group []*poolBatch) {
	if len(group) == 1 {
		s.runBatch(group[0].jobs)
		return
	}
	// The lock order: pools by id. (A copy: the batcher knows its leader
	// as group[0].)
	group = slices.Clone(group)
	slices.SortFunc(group, func(x, y *poolBatch) int { return cmp.Compare(x.jobs[0].in.PoolID, y.jobs[0].in.PoolID) })
	var jobs []*allocJob
	for _, g := range group {
		jobs = append(jobs, g.jobs...)
	}
	heads := make([]*allocJob, len(group))
	for i, g := range group {
		heads[i] = g.jobs[0]
	}
	results, err := s.allocateTogether(jobs, 1, func(tx Tx, o *op) error { return o.lockJobs(tx, heads, jobs) })
	if err != nil {
		// A lost race or a failure of one request's writes spoils the
		// transaction: each pool's batch runs again on its own.
		for _, g := range group {
			s.runBatch(g.jobs)
		}
		return
	}
	for i, j := range jobs {
		j.out, j.err = results[i].out, results[i].err
	}
}

// runBatch makes a batch of allocations from one pool in one transaction. A
// refused request (a domain error, raised before it wrote anything) does
// not stop the others; if the transaction itself fails, each request runs
// alone so one cannot fail the rest.
func (s *Service) runBatch(batch []*allocJob) {
	if len(batch) == 1 {
		s.allocateAlone(batch[0])
		return
	}
	results, err := s.allocateTogether(batch, ConflictRuns, func(tx Tx, o *op) error { return o.lockJobs(tx, batch[:1], batch) })
	if err != nil {
		for _, j := range batch {
			s.allocateAlone(j)
		}
		return
	}
	for i, j := range batch {
		j.out, j.err = results[i].out, results[i].err
	}
}

type allocResult struct {
	out *Allocation
	err error
}

// allocateTogether makes jobs in one transaction (runs runs at most, see
// Service.update), after lock, which may take the jobs' pools first. It
// returns each job's answer, or the error that spoiled the transaction.
func (s *Service) allocateTogether(jobs []*allocJob, runs int, lock func(Tx, *op) error) ([]allocResult, error) {
	// No single client's cancellation may abort the others' transaction.
	ctx := context.WithoutCancel(jobs[0].ctx)
	results := make([]allocResult, len(jobs))
	err := s.updateRuns(ctx, runs, func(tx Tx, o *op) error {
		if err := o.prefetchTokens(tx, "AllocateIpamPoolCidr", jobs); err != nil {
			return err
		}
		if lock != nil {
			if err := lock(tx, o); err != nil {
				return err
			}
		}
		for i, j := range jobs {
			out, err := s.allocateIn(tx, o, j.c, j.in, j.tags, j.res)
			var de *Error
			if err != nil && !errors.As(err, &de) {
				return err
			}
			results[i] = allocResult{out, err}
		}
		return nil
	})
	return results, err
}

func (s *Service) allocateAlone(j *allocJob) {
	err := s.update(j.ctx, func(tx Tx, o *op) error {
		if err := o.prefetchTokens(tx, "AllocateIpamPoolCidr", []*allocJob{j}); err != nil {
			return err
		}
		if err := o.lockJobs(tx, []*allocJob{j}, []*allocJob{j}); err != nil {
			return err
		}
		var err error
		j.out, err = s.allocateIn(tx, o, j.c, j.in, j.tags, j.res)
		return err
	})
	if err != nil {
		j.out, j.err = nil, err
	}
}
