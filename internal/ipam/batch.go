package ipam

import (
	"context"
	"errors"
	"sync"
)

// Allocations from one pool are serialized by the pool's lock, and each
// transaction's commit (a WAL write on SQLite, an fsync on PostgreSQL) is
// most of the time the lock is held. So a node gathers the allocation
// requests that queue up behind a running transaction and makes them in the
// next one: one lock, one commit, many allocations. Each request still gets
// exactly the answer it would have got alone, in arrival order.

// maxBatch bounds how many requests share one transaction.
const maxBatch = 64

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

// batcher queues jobs per pool. At most one goroutine per pool (the leader)
// runs a batch; when it is done it hands the lead to the oldest waiter.
type batcher struct {
	mu     sync.Mutex
	queues map[string]*jobQueue
}

type jobQueue struct {
	jobs []*allocJob
	busy bool
}

func (b *batcher) do(key string, j *allocJob, run func([]*allocJob)) {
	b.mu.Lock()
	if b.queues == nil {
		b.queues = make(map[string]*jobQueue)
	}
	q := b.queues[key]
	if q == nil {
		q = &jobQueue{}
		b.queues[key] = q
	}
	q.jobs = append(q.jobs, j)
	if q.busy {
		b.mu.Unlock()
		if lead := <-j.wake; !lead {
			return
		}
		b.mu.Lock()
	}
	q.busy = true
	n := min(len(q.jobs), maxBatch)
	batch := q.jobs[:n:n]
	q.jobs = q.jobs[n:]
	b.mu.Unlock()

	run(batch)

	b.mu.Lock()
	if len(q.jobs) > 0 {
		q.jobs[0].wake <- true
	} else {
		q.busy = false
		delete(b.queues, key)
	}
	b.mu.Unlock()
	for _, x := range batch {
		if x != j {
			x.wake <- false
		}
	}
}

// runAllocations makes a batch of allocations in one transaction. A refused
// request (a domain error, raised before it wrote anything) does not stop
// the others; if the transaction itself fails, each request runs alone so
// one cannot fail the rest.
func (s *Service) runAllocations(batch []*allocJob) {
	s.obs.ObserveBatch(len(batch))
	if len(batch) == 1 {
		s.allocateAlone(batch[0])
		return
	}
	// No single client's cancellation may abort the others' transaction.
	ctx := context.WithoutCancel(batch[0].ctx)
	type result struct {
		out *Allocation
		err error
	}
	results := make([]result, len(batch))
	err := s.update(ctx, func(tx Tx, o *op) error {
		if err := o.prefetchTokens(tx, "AllocateIpamPoolCidr", batch); err != nil {
			return err
		}
		for i, j := range batch {
			out, err := s.allocateIn(tx, o, j.c, j.in, j.tags, j.res)
			var de *Error
			if err != nil && !errors.As(err, &de) {
				return err
			}
			results[i] = result{out, err}
		}
		return nil
	})
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

func (s *Service) allocateAlone(j *allocJob) {
	err := s.update(j.ctx, func(tx Tx, o *op) error {
		if err := o.prefetchTokens(tx, "AllocateIpamPoolCidr", []*allocJob{j}); err != nil {
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
