// Package postgres implements ipam.Store on PostgreSQL (15+) through pgx.
// Several ipamd nodes may share one database: pool writers serialize on the
// pool's row lock (LockPool), and an exclusion constraint refuses
// overlapping allocations (SQLSTATE 23P01) whatever the nodes believe.
package postgres

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is an ipam.Store on a PostgreSQL database.
type Store struct {
	pool     *pgxpool.Pool
	maxConns int

	stopAnalyze context.CancelFunc // stops analyzeLoop, also mid-ANALYZE
	analyzeDone chan struct{}      // closed when analyzeLoop returns

	node uint32 // this node's number (NodeNumber)

	trips atomic.Int64 // round trips transactions sent (RoundTrips)
}

var _ ipam.Store = (*Store)(nil)

const (
	// defaultMaxConns replaces pgxpool's default of max(4, NumCPU), far too
	// few for the 16 concurrent API clients a node is sized for. A URL's
	// pool_max_conns still wins.
	defaultMaxConns = 16
	// defaultConnectTimeout bounds a dial to an unreachable server, so that
	// requests fail with ErrUnavailable rather than hang.
	defaultConnectTimeout = 5 * time.Second
	// healthCheckPeriod is how often idle connections are checked, so a
	// database restart is noticed (and dead connections dropped) before
	// requests run into them. pgxpool also pings, on acquire, every
	// connection idle for more than a second.
	healthCheckPeriod = 15 * time.Second
)

// Open connects to the database at url (a postgres:// URL or key=value DSN,
// pgxpool's pool_* parameters accepted) and applies pending migrations.
// Several nodes may Open the same database at once.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	cfg.HealthCheckPeriod = healthCheckPeriod
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", mapErr(err))
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", mapErr(err))
	}
	node, err := nextNodeNumber(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: node number: %w", mapErr(err))
	}
	s := newStore(pool)
	s.node = node
	return s, nil
}

// nextNodeNumber takes the next number of the nodes that opened this
// database (a counter in meta, as 8 bytes): concurrent opens serialize on
// its row, so no two nodes running at once share one.
func nextNodeNumber(ctx context.Context, pool *pgxpool.Pool) (uint32, error) {
	var n int64
	err := pool.QueryRow(ctx, `INSERT INTO meta AS m (key, value) VALUES ('node_seq', int8send(0))
		ON CONFLICT (key) DO UPDATE SET value = int8send(('x' || encode(m.value, 'hex'))::bit(64)::bigint + 1)
		RETURNING ('x' || encode(value, 'hex'))::bit(64)::bigint`).Scan(&n)
	return uint32(n), err
}

// NodeNumber is this node's number among the opens of the database
// (ipam.NodeNumbered).
func (s *Store) NodeNumber() uint32 { return s.node }

func newStore(pool *pgxpool.Pool) *Store {
	ctx, stop := context.WithCancel(context.Background())
	s := &Store{pool: pool, maxConns: int(pool.Config().MaxConns), stopAnalyze: stop, analyzeDone: make(chan struct{})}
	go s.analyzeLoop(ctx, s.analyzeDone)
	return s
}

// Pool is the underlying connection pool, for tests and operational tools.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes every connection; calls after it fail with ErrUnavailable.
func (s *Store) Close() error {
	s.stopAnalyze()
	<-s.analyzeDone
	s.pool.Close()
	return nil
}

// WriteLanes lets at most writeLanes group transactions run at once
// (ipam.WriteLanes), fewer if the pool has fewer connections. The rest of
// the ready batches queue and go out together in the next group: on a
// server short of CPU, a statement's executor start-up, a transaction's
// BEGIN and COMMIT and a round trip are paid once for several requests. A
// longer round trip (a remote server) lets more requests queue per group,
// so the rate follows. See docs/benchmarks.md (session 7, lanes).
func (s *Store) WriteLanes() int { return max(min(s.maxConns, writeLanes), 1) }

// writeLanes: measured on 2 cores with 16 clients, CreateSubnet from 256
// planning pools took 1.23-1.48 ms a call with 4 lanes, 1.39-1.64 with 8
// and 1.63-1.89 with 16 (one per connection, as before).
const writeLanes = 4

// RoundTrips is how many round trips this store's transactions have sent
// to the server so far: what tests of the write path's shape count.
func (s *Store) RoundTrips() int64 { return s.trips.Load() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return mapErr(s.pool.Ping(ctx))
}

// BEGIN statements. They are not sent on their own but ahead of the
// transaction's first statement, saving a round trip.
const (
	beginReadWrite = "BEGIN ISOLATION LEVEL READ COMMITTED"
	// Repeatable read gives View one snapshot for all its statements.
	beginReadOnly = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
)

// Update runs fn in a READ COMMITTED transaction and commits it. A
// serialization failure or deadlock is returned as ipam.ErrConflict, not
// retried: the service owns conflict retries (docs/architecture.md). The one
// rerun here is for a connection found dead before COMMIT was sent, which
// only the store can tell apart from a transaction that may have committed.
func (s *Store) Update(ctx context.Context, fn func(tx ipam.Tx) error) error {
	return s.run(ctx, beginReadWrite, fn)
}

// View runs fn in a read-only transaction on one snapshot.
func (s *Store) View(ctx context.Context, fn func(tx ipam.Tx) error) error {
	return s.run(ctx, beginReadOnly, fn)
}

func (s *Store) run(ctx context.Context, begin string, fn func(tx ipam.Tx) error) error {
	var err error
	stale := 0
	for {
		var t *tx
		t, err = s.attempt(ctx, begin, fn)
		if err == nil || ctx.Err() != nil {
			break
		}
		if t != nil && t.lost && !t.committing && stale <= s.maxConns {
			// The connection died before COMMIT was sent, so the server
			// rolled everything back: running fn again is safe. It most
			// likely died with the server (a restart, a failover), and the
			// other pooled connections with it: drop them all rather than
			// fail one request per dead connection.
			if stale == 0 {
				s.pool.Reset()
			}
			stale++
			continue
		}
		break
	}
	return mapErr(err)
}

// attempt runs fn in one transaction. t is nil if no connection could be had.
func (s *Store) attempt(ctx context.Context, begin string, fn func(tx ipam.Tx) error) (t *tx, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	t = newTx(ctx, conn, begin)
	t.trips = &s.trips
	// Deferred, so it also runs while a panic in fn unwinds.
	defer t.end()
	if err := fn(t); err != nil {
		// A server error aborts the transaction: if it was a deadlock or a
		// serialization failure, retrying is right whatever fn made of it.
		if t.failed != nil && (retryable(t.failed) || t.lost) {
			return t, t.failed
		}
		return t, err
	}
	return t, t.commit()
}

// TokenKey returns the store's pagination token key, creating it on first
// use. The service keeps what it read: no cache here.
func (s *Store) TokenKey(ctx context.Context) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := crand.Read(key); err != nil {
		return nil, err
	}
	// Insert-if-absent then read back, in two autocommit statements: every
	// node ends up with the first key committed, whoever wrote it.
	if _, err := s.pool.Exec(ctx, "INSERT INTO meta (key, value) VALUES ('token_key', $1) ON CONFLICT DO NOTHING", key); err != nil {
		return nil, mapErr(err)
	}
	if err := s.pool.QueryRow(ctx, "SELECT value FROM meta WHERE key = 'token_key'").Scan(&key); err != nil {
		return nil, mapErr(err)
	}
	return key, nil
}
