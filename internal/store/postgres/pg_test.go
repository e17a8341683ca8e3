package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

func mustUpdate(tb testing.TB, s ipam.Store, fn func(tx ipam.Tx) error) {
	tb.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

func testPool(id string) *ipam.Pool {
	return &ipam.Pool{ID: id, OwnerID: "111122223333", IpamID: "ipam-1", ScopeID: "scope-1",
		AddressFamily: "ipv4", State: ipam.StateCreateComplete}
}

func testAlloc(id, poolID, cidr string) *ipam.Allocation {
	return &ipam.Allocation{ID: id, PoolID: poolID, OwnerID: "111122223333",
		CIDR: netip.MustParsePrefix(cidr), ResourceType: ipam.ResourceCustom, ResourceOwner: "111122223333"}
}

// Nodes starting together all run migrate; the advisory lock must make one
// apply the schema and the others find it done. Each gets a node number of
// its own.
func TestConcurrentMigrations(t *testing.T) {
	db := newTestDB(t)
	url := db.newSchema(t)
	const nodes = 8
	var wg sync.WaitGroup
	errs := make(chan error, nodes)
	numbers := make(chan uint32, nodes)
	for range nodes {
		wg.Go(func() {
			s, err := Open(context.Background(), url)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			numbers <- s.NodeNumber()
			errs <- s.Ping(context.Background())
		})
	}
	wg.Wait()
	close(errs)
	close(numbers)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	// Each node gets its own number (the time-ordered ids of ipam/ids.go
	// rely on it).
	seen := map[uint32]bool{}
	for n := range numbers {
		if seen[n] {
			t.Fatalf("two concurrent opens got node number %d", n)
		}
		seen[n] = true
	}
	s := openStore(t, url)
	var applied int
	if err := s.Pool().QueryRow(context.Background(), "SELECT count(*) FROM schema_migrations").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Fatalf("schema_migrations has %d rows, want %d (each migration once)", applied, len(files))
	}
}

// Two Stores on one database are two nodes: read-modify-write of one pool
// under LockPool from both must lose no update.
func TestTwoNodesSerializeOnPoolLock(t *testing.T) {
	db := newTestDB(t)
	url := db.newSchema(t)
	nodes := []*Store{openStore(t, url), openStore(t, url)}
	mustUpdate(t, nodes[0], func(tx ipam.Tx) error { return tx.InsertPool(testPool("pool-1")) })

	const workers, rounds = 8, 25 // per node
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for _, s := range nodes {
		for range workers {
			wg.Go(func() {
				for range rounds {
					err := s.Update(context.Background(), func(tx ipam.Tx) error {
						p, err := tx.LockPool("111122223333", "pool-1")
						if err != nil {
							return err
						}
						p.Version++
						return tx.UpdatePool(p)
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var p *ipam.Pool
	err := nodes[1].View(context.Background(), func(tx ipam.Tx) (err error) {
		p, err = tx.GetPool("111122223333", "pool-1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(2 * workers * rounds); p.Version != want {
		t.Fatalf("Version = %d, want %d: updates were lost", p.Version, want)
	}
}

// A pool lock held by one node blocks that pool only.
func TestPoolLocksAreIndependent(t *testing.T) {
	db := newTestDB(t)
	url := db.newSchema(t)
	a, b := openStore(t, url), openStore(t, url)
	mustUpdate(t, a, func(tx ipam.Tx) error {
		if err := tx.InsertPool(testPool("pool-1")); err != nil {
			return err
		}
		return tx.InsertPool(testPool("pool-2"))
	})

	locked, release := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- a.Update(context.Background(), func(tx ipam.Tx) error {
			if _, err := tx.LockPool("111122223333", "pool-1"); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked

	// Another pool proceeds while pool-1 is held.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := b.Update(ctx, func(tx ipam.Tx) error {
		p, err := tx.LockPool("111122223333", "pool-2")
		if err != nil {
			return err
		}
		p.Version++
		return tx.UpdatePool(p)
	})
	if err != nil {
		t.Fatalf("pool-2 blocked by pool-1's lock: %v", err)
	}

	// pool-1 itself waits for the holder.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	err = b.Update(ctx2, func(tx ipam.Tx) error {
		_, err := tx.LockPool("111122223333", "pool-1")
		return err
	})
	if err == nil {
		t.Fatal("locked pool-1 while another node held it")
	}
	close(release)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
}

func TestExclusionConstraint(t *testing.T) {
	db := newTestDB(t)
	s := openStore(t, db.newSchema(t))
	mustUpdate(t, s, func(tx ipam.Tx) error {
		return tx.InsertAllocation(testAlloc("a-1", "pool-1", "10.0.0.0/24"))
	})

	// Through the store, inside one transaction that must stay usable.
	mustUpdate(t, s, func(tx ipam.Tx) error {
		for _, cidr := range []string{"10.0.0.128/25", "10.0.0.0/16", "10.0.0.0/24", "10.0.0.7/32"} {
			if err := tx.InsertAllocation(testAlloc("a-"+cidr, "pool-1", cidr)); !errors.Is(err, ipam.ErrConflict) {
				return fmt.Errorf("overlapping %s: err = %v, want ErrConflict", cidr, err)
			}
		}
		if err := tx.InsertAllocation(testAlloc("a-2", "pool-1", "10.0.1.0/24")); err != nil {
			return fmt.Errorf("adjacent CIDR after a conflict: %w", err)
		}
		// Pools are separate address spaces.
		return tx.InsertAllocation(testAlloc("a-3", "pool-2", "10.0.0.0/16"))
	})

	// Directly, as a buggy node would: the constraint itself refuses.
	const rogue = `INSERT INTO allocations (id, pool_id, owner, cidr, addr, last, bits)
		VALUES ('rogue', 'pool-1', '111122223333', '10.0.0.64/26', '\x0a000040', '\x0a00007f', 26)`
	_, err := s.Pool().Exec(context.Background(), rogue)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != codeExclusionViolation {
		t.Fatalf("direct overlapping insert: err = %v, want SQLSTATE %s", err, codeExclusionViolation)
	}
	if !errors.Is(mapErr(err), ipam.ErrConflict) {
		t.Fatalf("mapErr(%v) does not wrap ErrConflict", err)
	}

	// Rows of one statement are checked against each other too.
	_, err = s.Pool().Exec(context.Background(), `INSERT INTO allocations (id, pool_id, owner, cidr, addr, last, bits)
		VALUES ('m-1', 'pool-1', '111122223333', '10.0.8.0/24', '\x0a000800', '\x0a0008ff', 24),
		       ('m-2', 'pool-1', '111122223333', '10.0.8.0/23', '\x0a000800', '\x0a0009ff', 23)`)
	if !errors.As(err, &pgErr) || pgErr.Code != codeExclusionViolation {
		t.Fatalf("overlapping rows in one insert: err = %v, want SQLSTATE %s", err, codeExclusionViolation)
	}
	// Moving a row onto another is refused too.
	_, err = s.Pool().Exec(context.Background(),
		`UPDATE allocations SET cidr = '10.0.1.0/25', addr = '\x0a000100', last = '\x0a00017f', bits = 25 WHERE id = 'a-1'`)
	if !errors.As(err, &pgErr) || pgErr.Code != codeExclusionViolation {
		t.Fatalf("direct overlapping update: err = %v, want SQLSTATE %s", err, codeExclusionViolation)
	}
	// A row whose bounds are not its cidr's is refused: the constraints
	// compare bounds, so the bounds must be the cidr's.
	for _, row := range []struct{ cidr, addr, last string }{
		{"10.1.0.0/24", "0a010000", "0a0100fe"},                                                 // last short of the broadcast address
		{"10.1.0.0/24", "0a020000", "0a0200ff"},                                                 // another network
		{"fd00:9::/64", "fd000009000000000000000000000000", "fd000009000000000000ffffffffffff"}, // a short last
		{"fd00:9::/64", "fd000009000000010000000000000000", "fd00000900000001ffffffffffffffff"}, // another network
		{"10.1.0.0/24", "0a0100", "0a01ff"},                                                     // neither 4 nor 16 bytes
	} {
		_, err = s.Pool().Exec(context.Background(), `INSERT INTO allocations (id, pool_id, owner, cidr, addr, last, bits)
			VALUES ('bounds', 'pool-9', '111122223333', $1::cidr, decode($2, 'hex'), decode($3, 'hex'), masklen($1::cidr))`, row.cidr, row.addr, row.last)
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Errorf("insert of %s with bounds %s..%s: err = %v, want a check violation (23514)", row.cidr, row.addr, row.last, err)
		}
	}

	// The constraint holds under any isolation level.
	_, err = s.Pool().Exec(context.Background(), "BEGIN ISOLATION LEVEL REPEATABLE READ; "+
		`INSERT INTO allocations (id, pool_id, owner, cidr, addr, last, bits)
		VALUES ('rr', 'pool-1', '111122223333', '10.0.0.0/8', '\x0a000000', '\x0affffff', 8); COMMIT`)
	if !errors.As(err, &pgErr) || pgErr.Code != codeExclusionViolation {
		t.Fatalf("overlapping insert under REPEATABLE READ: err = %v, want SQLSTATE %s", err, codeExclusionViolation)
	}
	// IPv4 keys fold a hash of the pool above the address (migration 0008):
	// the ends of the space overlap what covers them, and another pool's
	// identical CIDR is no overlap.
	mustUpdate(t, s, func(tx ipam.Tx) error {
		for _, a := range []*ipam.Allocation{testAlloc("e-1", "pool-4", "255.255.255.0/24"), testAlloc("e-2", "pool-4", "0.0.0.0/8"),
			testAlloc("e-3", "pool-5", "0.0.0.0/0")} {
			if err := tx.InsertAllocation(a); err != nil {
				return fmt.Errorf("%s: %w", a.CIDR, err)
			}
		}
		return nil
	})
	for _, row := range []struct{ cidr, addr, last string }{
		{"255.255.255.255/32", "ffffffff", "ffffffff"},
		{"0.0.0.0/32", "00000000", "00000000"},
		{"0.0.0.0/0", "00000000", "ffffffff"},
	} {
		_, err = s.Pool().Exec(context.Background(), `INSERT INTO allocations (id, pool_id, owner, cidr, addr, last, bits)
			VALUES ('rogue4', 'pool-4', '111122223333', $1::cidr, decode($2, 'hex'), decode($3, 'hex'), masklen($1::cidr))`, row.cidr, row.addr, row.last)
		if !errors.As(err, &pgErr) || pgErr.Code != codeExclusionViolation {
			t.Fatalf("direct overlapping insert %s: err = %v, want SQLSTATE %s", row.cidr, err, codeExclusionViolation)
		}
	}
	// IPv6: the whole 128 bits count, the top of the space included.
	mustUpdate(t, s, func(tx ipam.Tx) error {
		for _, cidr := range []string{"ffff:ffff:ffff:ffff::/64", "ffff:ffff:ffff:fffe::/64", "fd00::/64", "fd00:0:0:1::/64", "::/64"} {
			if err := tx.InsertAllocation(testAlloc("v6-"+cidr, "pool-6", cidr)); err != nil {
				return fmt.Errorf("%s: %w", cidr, err)
			}
		}
		return nil
	})
	for _, row := range []struct {
		cidr, addr, last string
		bits             int
	}{
		{"ffff:ffff:ffff:ffff:8000::/65", "ffffffffffffffff8000000000000000", "ffffffffffffffffffffffffffffffff", 65},
		{"fd00::/63", "fd000000000000000000000000000000", "fd00000000000001ffffffffffffffff", 63},
		{"::ffff/128", "0000000000000000000000000000ffff", "0000000000000000000000000000ffff", 128},
	} {
		_, err = s.Pool().Exec(context.Background(), `INSERT INTO allocations (id, pool_id, owner, cidr, addr, last, bits)
			VALUES ('rogue6', 'pool-6', '111122223333', $1::cidr, decode($2, 'hex'), decode($3, 'hex'), $4)`, row.cidr, row.addr, row.last, row.bits)
		if !errors.As(err, &pgErr) || pgErr.Code != codeExclusionViolation {
			t.Fatalf("direct overlapping IPv6 insert %s: err = %v, want SQLSTATE %s", row.cidr, err, codeExclusionViolation)
		}
	}

	var n int
	if err := s.Pool().QueryRow(context.Background(), "SELECT count(*) FROM allocations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 11 {
		t.Fatalf("%d allocations stored, want 11", n)
	}
}

// TestExclusionConstraintAfterLoad: an import drops the exclusion
// constraints for its COPY and builds them again in FinishLoad; once it has
// committed, the database refuses an overlap by itself again.
func TestExclusionConstraintAfterLoad(t *testing.T) {
	db := newTestDB(t)
	s := openStore(t, db.newSchema(t))
	mustUpdate(t, s, func(itx ipam.Tx) error {
		tx := itx.(ipam.BulkTx)
		if err := tx.BeginLoad(); err != nil {
			return err
		}
		var as []*ipam.Allocation
		for i := range 300 {
			as = append(as, testAlloc(fmt.Sprintf("l-%d", i), fmt.Sprintf("pool-%d", i%3), fmt.Sprintf("10.0.%d.0/24", i/3)),
				testAlloc(fmt.Sprintf("l6-%d", i), "pool-6", fmt.Sprintf("fd00:%x::/32", i)))
		}
		if err := tx.InsertAllocations(as); err != nil {
			return err
		}
		return tx.FinishLoad()
	})
	var pgErr *pgconn.PgError
	for _, row := range []struct{ pool, cidr, addr, last string }{
		{"pool-1", "10.0.7.128/25", "0a000780", "0a0007ff"},
		{"pool-2", "10.0.0.0/8", "0a000000", "0affffff"},
		{"pool-6", "fd00:5:1::/48", "fd000005000100000000000000000000", "fd0000050001ffffffffffffffffffff"},
	} {
		_, err := s.Pool().Exec(context.Background(), `INSERT INTO allocations (id, pool_id, owner, cidr, addr, last, bits)
			VALUES ('rogue', $1, '111122223333', $2::cidr, decode($3, 'hex'), decode($4, 'hex'), masklen($2::cidr))`, row.pool, row.cidr, row.addr, row.last)
		if !errors.As(err, &pgErr) || pgErr.Code != codeExclusionViolation {
			t.Fatalf("overlapping insert %s into %s after a load: err = %v, want SQLSTATE %s", row.cidr, row.pool, err, codeExclusionViolation)
		}
	}
	// A CIDR free in its pool still goes in.
	if _, err := s.Pool().Exec(context.Background(), `INSERT INTO allocations (id, pool_id, owner, cidr, addr, last, bits)
		VALUES ('free', 'pool-3', '111122223333', '10.0.0.0/24', '\x0a000000', '\x0a0000ff', 24)`); err != nil {
		t.Fatalf("insert into another pool after a load: %v", err)
	}
}

// freePort returns a local port nothing listens on.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestUnreachableServerIsUnavailable(t *testing.T) {
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", freePort(t))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if _, err := Open(ctx, url); !errors.Is(err, ipam.ErrUnavailable) {
		t.Fatalf("Open: err = %v, want ErrUnavailable", err)
	}

	// A Store whose server went away after Open: pgxpool connects lazily.
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(pool)
	defer s.Close()
	if err := s.Ping(ctx); !errors.Is(err, ipam.ErrUnavailable) {
		t.Errorf("Ping: err = %v, want ErrUnavailable", err)
	}
	called := false
	err = s.Update(ctx, func(tx ipam.Tx) error { called = true; return nil })
	if !errors.Is(err, ipam.ErrUnavailable) {
		t.Errorf("Update: err = %v, want ErrUnavailable", err)
	}
	if called {
		t.Error("Update ran fn without a database")
	}
	if err := s.View(ctx, func(tx ipam.Tx) error { return nil }); !errors.Is(err, ipam.ErrUnavailable) {
		t.Errorf("View: err = %v, want ErrUnavailable", err)
	}
	if _, err := s.TokenKey(ctx); !errors.Is(err, ipam.ErrUnavailable) {
		t.Errorf("TokenKey: err = %v, want ErrUnavailable", err)
	}
}

// Terminating every server process of the store (what a database restart
// does to its connections) must not fail requests that come after it: the
// dead pooled connections are dropped and fresh ones made.
func TestRecoversFromTerminatedConnections(t *testing.T) {
	db := newTestDB(t)
	s := openStore(t, db.newSchema(t))
	mustUpdate(t, s, func(tx ipam.Tx) error { return tx.InsertPool(testPool("pool-1")) })
	// Fill the pool with several live connections.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_ = s.View(context.Background(), func(tx ipam.Tx) error {
				_, err := tx.GetPool("111122223333", "pool-1")
				time.Sleep(50 * time.Millisecond)
				return err
			})
		})
	}
	wg.Wait()

	admin, err := pgx.Connect(context.Background(), db.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(context.Background(),
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		err := s.Update(context.Background(), func(tx ipam.Tx) error {
			p, err := tx.LockPool("111122223333", "pool-1")
			if err != nil {
				return err
			}
			p.Version++
			return tx.UpdatePool(p)
		})
		if err != nil {
			t.Fatalf("Update %d after the connections died: %v", i, err)
		}
	}
}

// Under the pool's lock an allocation INSERT goes out with the next
// statement or COMMIT. An overlap it hits must still fail the whole
// transaction: nothing written after it (the pool's version here) may
// commit without it.
func TestQueuedInsertConflictAbortsTransaction(t *testing.T) {
	db := newTestDB(t)
	s := openStore(t, db.newSchema(t))
	pool := testPool("pool-q")
	mustUpdate(t, s, func(tx ipam.Tx) error {
		if err := tx.InsertPool(pool); err != nil {
			return err
		}
		return tx.InsertAllocation(testAlloc("a-1", pool.ID, "10.0.0.0/24"))
	})
	err := s.Update(context.Background(), func(tx ipam.Tx) error {
		p, err := tx.LockPool(pool.OwnerID, pool.ID)
		if err != nil {
			return err
		}
		if err := tx.InsertAllocation(testAlloc("a-2", pool.ID, "10.0.0.128/25")); err != nil {
			return err // a store may also refuse at once
		}
		p.Version = 99
		return tx.UpdatePool(p)
	})
	if !errors.Is(err, ipam.ErrConflict) {
		t.Fatalf("Update = %v, want ErrConflict", err)
	}
	err = s.View(context.Background(), func(tx ipam.Tx) error {
		p, err := tx.GetPool(pool.OwnerID, pool.ID)
		if err != nil {
			return err
		}
		if p.Version == 99 {
			t.Errorf("the pool's version committed without the refused allocation")
		}
		if _, err := tx.GetAllocation("a-2"); !errors.Is(err, ipam.ErrNotFound) {
			t.Errorf("GetAllocation(a-2) = %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
