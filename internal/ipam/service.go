package ipam

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"
)

// Limits are the quotas, with AWS's defaults from DefaultLimits.
type Limits struct {
	IpamsPerRegion int
	ScopesPerIpam  int // including the two default scopes
	PoolsPerScope  int
	PoolDepth      int
	CidrsPerPool   int
}

// DefaultLimits are AWS's default IPAM quotas.
func DefaultLimits() Limits {
	return Limits{IpamsPerRegion: 1, ScopesPerIpam: 5, PoolsPerScope: 50, PoolDepth: 10, CidrsPerPool: 50}
}

// Config configures a Service.
type Config struct {
	Region   string // the Region this server is; IPAMs are homed here
	Limits   Limits
	Observer Observer // nil: nobody watches
}

// Observer is told how the service's transactions go, for metrics. Calls
// must be cheap: they happen on the request path.
type Observer interface {
	// ObserveCommit reports how long a write transaction's commit took
	// (from its last write to the store's answer) and whether it committed.
	ObserveCommit(elapsed time.Duration, committed bool)
	// ObserveBatch reports how many allocation requests for one pool share
	// one transaction.
	ObserveBatch(size int)
	// ObserveConflict reports a write transaction that lost a race to
	// another (ErrConflict: a key or overlap backstop, a serialization
	// failure, a deadlock). It runs again unless it has run ConflictRuns
	// times.
	ObserveConflict()
}

type noObserver struct{}

func (noObserver) ObserveCommit(time.Duration, bool) {}
func (noObserver) ObserveBatch(int)                  {}
func (noObserver) ObserveConflict()                  {}

// Service implements every IPAM operation: one method per operation, one
// store transaction per mutation, all rules.
type Service struct {
	store  Store
	ids    *idSource // VPC, subnet and pool ids (ids.go)
	region string
	limits Limits
	spaces spaceCache
	gates  gates
	allocs batcher[*allocJob]  // per pool
	groups batcher[*poolBatch] // across pools: group commit
	obs    Observer
	trust  overlapTrust

	keyMu    sync.Mutex
	tokenKey []byte
}

// NewService returns a Service on store.
func NewService(store Store, cfg Config) *Service {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits()
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	return &Service{store: store, ids: newIDSource(store), region: cfg.Region, limits: cfg.Limits, spaces: newSpaceCache(), obs: cfg.Observer,
		allocs: batcher[*allocJob]{max: maxBatch}, groups: batcher[*poolBatch]{max: maxGroup, lanes: writeLanes(store)}}
}

func writeLanes(store Store) int {
	if w, ok := store.(WriteLanes); ok {
		return max(w.WriteLanes(), 1)
	}
	return 1
}

// Healthy reports whether the store is usable.
func (s *Service) Healthy(ctx context.Context) error { return s.store.Ping(ctx) }

// update runs fn in a write transaction with the pool-space bookkeeping that
// keeps the in-memory free-space caches exactly in step with what committed.
//
// update is the one place that retries a conflict (docs/architecture.md):
// ErrConflict from a store is a unique key another transaction took first
// (typically a ClientToken that a retry sent to another node while the first
// call was running), an overlap the exclusion backstop refused, or a
// PostgreSQL serialization failure or deadlock. Stores return it without
// running fn again; here fn runs again, up to ConflictRuns times in all, and
// what it reads then includes the winner's write, so the request gets the
// answer it would have got had it come second.
func (s *Service) update(ctx context.Context, fn func(tx Tx, op *op) error) error {
	return s.updateRuns(ctx, ConflictRuns, fn)
}

// updateRuns is update with at most runs runs (1 ≤ runs ≤ ConflictRuns): a
// group transaction runs once, and its batches then run on their own.
func (s *Service) updateRuns(ctx context.Context, runs int, fn func(tx Tx, op *op) error) error {
	o := &op{s: s}
	var err error
	for run := 1; ; run++ {
		var flushed time.Time
		err = s.store.Update(ctx, func(tx Tx) error {
			o.reset() // a retried transaction starts from clean caches
			if err := fn(watchTx{tx, &o.mon}, o); err != nil {
				return err
			}
			if err := o.syncMonitoring(tx, time.Now().Truncate(time.Millisecond)); err != nil {
				return err
			}
			if err := o.flush(tx); err != nil {
				return err
			}
			flushed = time.Now()
			return nil
		})
		if !flushed.IsZero() {
			s.obs.ObserveCommit(time.Since(flushed), err == nil)
		}
		o.finish(err == nil)
		if errors.Is(err, ErrOverlapFound) && !o.asking {
			// Trusted wrongly (overlap_trust.go): again at once, asking.
			s.trust.missed()
			o.asking = true
			run--
			continue
		}
		var de *Error
		if err == nil || !errors.Is(err, ErrConflict) || errors.As(err, &de) {
			break
		}
		s.obs.ObserveConflict()
		if run >= runs || !conflictPause(ctx, run) {
			break
		}
	}
	return domainErr(err)
}

// ConflictRuns bounds the runs of one update that keeps losing races.
const ConflictRuns = 5

// conflictPause waits a little longer after each lost race, with jitter so
// that the transactions that just collided do not collide again in
// lockstep. It reports false if ctx ended meanwhile.
func conflictPause(ctx context.Context, run int) bool {
	d := time.Duration(run) * (time.Millisecond + time.Duration(mrand.Int64N(int64(2*time.Millisecond))))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Service) view(ctx context.Context, fn func(tx Tx) error) error {
	return domainErr(s.store.View(ctx, fn))
}

// domainErr passes domain errors through and classifies store failures.
func domainErr(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return AsError(err)
}

// newID returns prefix + "0" + n random lower-hex digits, AWS's ID shape.
func newID(prefix string, n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + "0" + hex.EncodeToString(b)[:n]
}

// newAllocationID is an allocation id in AWS's shape ("0" + 32 hex digits)
// whose first 11 digits are the creation time in milliseconds: ids stay
// opaque to clients, but a store's primary-key index grows at its end
// instead of at a random page, which keeps inserts cheap in a pool of a
// million allocations.
func newAllocationID() string {
	ms := uint64(time.Now().UnixMilli())
	return fmt.Sprintf("ipam-pool-alloc-0%011x", ms&(1<<44-1)) + newID("", 21)[1:]
}

func ptr[T any](v T) *T { return &v }

// gates queue this node's writers of one pool in memory, before they take a
// database connection: on PostgreSQL sixteen requests for a hot pool would
// otherwise hold sixteen connections waiting on one row lock. The row lock
// still serializes the nodes; this only keeps each node's queue local.
type gates struct{ m sync.Map } // pool id -> *sync.Mutex

func (g *gates) enter(poolID string) (leave func()) {
	v, ok := g.m.Load(poolID)
	if !ok {
		v, _ = g.m.LoadOrStore(poolID, new(sync.Mutex))
	}
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}
