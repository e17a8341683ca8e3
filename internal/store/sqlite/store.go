// Package sqlite is the single-node ipam.Store on an embedded SQLite database
// (modernc.org/sqlite, no cgo).
//
// SQLite allows one writer at a time, so the store keeps exactly one write
// connection, serialized by a lock, for Update, and a pool of read connections
// for View; in WAL mode readers see a consistent snapshot and never block the
// writer.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"

	"github.com/ipamd/ipamd/internal/ipam"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file inside the directory given to Open.
const FileName = "ipamd.db"

// Store is an ipam.Store on SQLite. It is safe for concurrent use.
type Store struct {
	path   string
	wdb    *sql.DB // exactly one connection
	rdb    *sql.DB
	wstmts *stmtCache
	rstmts *stmtCache
	// wlock is the writer lock: a one-slot channel rather than a mutex so
	// that a waiting Update gives up when its context ends.
	wlock  chan struct{}
	closed atomic.Bool

	cdb      *sql.DB // the checkpointer's connection
	ckptStop chan struct{}
	ckptDone chan struct{}
	writes   atomic.Uint64 // Update calls, for the checkpointer's idle test

	node uint32 // this open's number (NodeNumber)
}

var _ ipam.Store = (*Store)(nil)

// Common connection settings. busy_timeout covers another process (a backup,
// the sqlite3 shell) holding a lock briefly.
const commonPragmas = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=temp_store(memory)"

// Synchronous values of Options.
const (
	// SyncFull fsyncs the WAL at every commit, before the commit returns: an
	// answered call survives an OS crash or power loss. The default.
	SyncFull = "full"
	// SyncNormal fsyncs only at checkpoints: a committed transaction is in
	// the OS page cache when the call answers, so it survives kill -9 of the
	// process but an OS crash or power loss can undo the last answers (and a
	// CIDR answered then could be handed out again). Never corrupts the
	// database. An explicit opt-in (serve --sqlite-synchronous=normal).
	SyncNormal = "normal"
)

// Options are the store's settings beyond its directory; the zero value is
// the default.
type Options struct {
	Synchronous string // SyncFull (when empty) or SyncNormal
}

// Open opens (creating it if needed) the database in dir with the default
// options and applies every pending migration.
func Open(dir string) (*Store, error) { return OpenWith(dir, Options{}) }

// OpenWith is Open with options.
func OpenWith(dir string, o Options) (*Store, error) {
	sync := o.Synchronous
	switch sync {
	case "":
		sync = SyncFull
	case SyncFull, SyncNormal:
	default:
		return nil, fmt.Errorf("sqlite: synchronous %q: want %q or %q", sync, SyncFull, SyncNormal)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %w", ipam.ErrUnavailable, err)
	}
	path := filepath.Join(dir, FileName)
	s := &Store{path: path, wlock: make(chan struct{}, 1)}

	// The writer sets the persistent WAL mode before any reader connects.
	// _txlock=immediate makes every write transaction BEGIN IMMEDIATE: it
	// takes the write lock up front instead of failing to upgrade later.
	wdsn := path + "?" + commonPragmas +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(" + sync + ")&_pragma=cache_size(" + strconv.Itoa(writerCacheSize) + ")&_txlock=immediate" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(walBackstopPages) + ")" +
		"&_pragma=journal_size_limit(" + strconv.Itoa(walLimitBytes) + ")"
	wdb, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ipam.ErrUnavailable, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	s.wdb = wdb
	if err := migrate(context.Background(), wdb); err != nil {
		wdb.Close()
		return nil, mapErr(err)
	}
	if s.node, err = nextNodeNumber(wdb); err != nil {
		wdb.Close()
		return nil, mapErr(err)
	}

	// query_only turns a write attempted inside View into an error instead of
	// a second writer racing the first.
	rdsn := path + "?" + commonPragmas + "&_pragma=query_only(1)&_pragma=cache_size(-16384)"
	rdb, err := sql.Open("sqlite", rdsn)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("%w: %w", ipam.ErrUnavailable, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)
	s.rdb = rdb

	// The checkpointer never waits for a lock (busy_timeout 0): a checkpoint
	// that would have to wait is retried at its next tick instead of holding
	// up the writer. Its synchronous setting is the writer's: a checkpoint
	// fsyncs the database file before it may reuse the WAL either way.
	cdb, err := sql.Open("sqlite", path+"?"+commonPragmas+"&_pragma=busy_timeout(0)&_pragma=synchronous("+sync+")")
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("%w: %w", ipam.ErrUnavailable, err)
	}
	cdb.SetMaxOpenConns(1)
	s.cdb = cdb
	s.ckptStop, s.ckptDone = make(chan struct{}), make(chan struct{})
	go s.checkpointLoop(cdb)

	s.wstmts = newStmtCache(wdb)
	s.rstmts = newStmtCache(rdb)
	return s, nil
}

// writerCacheSize is the write connection's page cache (negative: KiB).
// Not larger: a commit that follows the checkpointer's work walks the whole
// cache's hash table (pcache1TruncateUnsafe), and at 64 MiB that walk was a
// tenth of ipamd's CPU in vpcbench's CreateSubnet phase; at 16 MiB both
// CreateSubnet and apibench ran faster (docs/benchmarks.md).
const writerCacheSize = -16384

var errClosed = fmt.Errorf("%w: sqlite store is closed", ipam.ErrUnavailable)

// Update runs fn in a write transaction (BEGIN IMMEDIATE) on the single write
// connection. Writers are serialized here, so LockPool need not lock anything
// and no transaction ever needs a retry.
func (s *Store) Update(ctx context.Context, fn func(tx ipam.Tx) error) error {
	if s.closed.Load() {
		return errClosed
	}
	select {
	case s.wlock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.wlock }()
	if s.closed.Load() { // Close may have run while we waited
		return errClosed
	}
	defer s.writes.Add(1) // the checkpointer's sign of activity
	return run(ctx, s.wdb, s.wstmts, nil, fn)
}

// View runs fn in a read transaction on a reader connection; WAL gives it a
// snapshot from its first read to its end.
func (s *Store) View(ctx context.Context, fn func(tx ipam.Tx) error) error {
	if s.closed.Load() {
		return errClosed
	}
	return run(ctx, s.rdb, s.rstmts, &sql.TxOptions{ReadOnly: true}, fn)
}

func run(ctx context.Context, db *sql.DB, stmts *stmtCache, opts *sql.TxOptions, fn func(ipam.Tx) error) error {
	stx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return mapErr(err)
	}
	t := &tx{ctx: ctx, tx: stx, cache: stmts}
	committed := false
	defer func() {
		if len(t.missed) > 0 {
			stmts.learn(context.WithoutCancel(ctx), t.missed)
		}
	}()
	defer func() {
		// Covers a panic in fn (re-raised after the rollback) as well as an
		// error; after Commit, Rollback is a no-op.
		if !committed {
			_ = stx.Rollback()
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if t.load != nil {
		return errors.New("sqlite: a load (BeginLoad) commits only after FinishLoad")
	}
	committed = true
	if err := stx.Commit(); err != nil {
		return mapErr(err)
	}
	return nil
}

// TokenKey returns the 32-byte pagination token key, creating it on first
// use. The service keeps what it read: no cache here.
func (s *Store) TokenKey(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var key []byte
	err := s.Update(ctx, func(itx ipam.Tx) error {
		t := itx.(*tx)
		// Keep a key another process may have created first.
		if _, err := t.exec(`INSERT INTO meta (key, value) VALUES ('token_key', ?) ON CONFLICT (key) DO NOTHING`, fresh); err != nil {
			return err
		}
		return t.queryRow(`SELECT value FROM meta WHERE key = 'token_key'`).Scan(&key)
	})
	if err != nil {
		return nil, mapErr(err)
	}
	return key, nil
}

// Ping runs a query on a reader connection.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed
	}
	var one int
	return mapErr(s.rdb.QueryRowContext(ctx, "SELECT 1").Scan(&one))
}

// Close waits for the running write transaction, then closes every
// connection. Further calls return ipam.ErrUnavailable.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(s.ckptStop)
	<-s.ckptDone
	s.wlock <- struct{}{}
	defer func() { <-s.wlock }()
	s.rstmts.close()
	s.wstmts.close()
	return errors.Join(s.cdb.Close(), s.rdb.Close(), s.wdb.Close())
}

// nextNodeNumber takes the next number of the opens of this database (a
// counter in meta): no two processes that use the file at once share one.
func nextNodeNumber(db *sql.DB) (uint32, error) {
	var n int64
	err := db.QueryRow(`INSERT INTO meta (key, value) VALUES ('node_seq', 0)
		ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value`).Scan(&n)
	return uint32(n), err
}

// NodeNumber is this open's number among the opens of the database
// (ipam.NodeNumbered).
func (s *Store) NodeNumber() uint32 { return s.node }
