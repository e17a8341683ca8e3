package sqlite

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/storetest"
)

const benchOwner = "111111111111"

// BenchmarkInsertAllocation is one allocation through the write path the
// service uses: LockPool, InsertAllocation, UpdatePool, commit.
func BenchmarkInsertAllocation(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx ipam.Tx) error { return seedPool(tx, benchOwner, "ipam-pool-bench", "ipv4") }); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := startCPU()
	defer cpu.report(b)
	start := time.Now()
	for i := range b.N {
		if err := allocateOne(ctx, s, benchOwner, "ipam-pool-bench", i); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "allocs/s")
}

const bigPool = "ipam-pool-big"
const bigN = 1_000_000

var big struct {
	once sync.Once
	dir  string
	s    *Store
	err  error
	// extra counts allocations benchmarks added after the build.
	extra int
}

// bigStore is a store holding one pool of bigN /32 allocations, built once
// per process through InsertAllocation in a single transaction.
func bigStore(b *testing.B) *Store {
	if testing.Short() {
		b.Skip("builds a 1M-allocation pool")
	}
	big.once.Do(func() {
		if big.dir, big.err = os.MkdirTemp("", "ipamd-bench-"); big.err != nil {
			return
		}
		if big.s, big.err = Open(big.dir); big.err != nil {
			return
		}
		start := time.Now()
		big.err = big.s.Update(context.Background(), func(itx ipam.Tx) error {
			if err := seedPool(itx, benchOwner, bigPool, "ipv4"); err != nil {
				return err
			}
			// Straight SQL: InsertAllocation one by one would take a minute,
			// and BenchmarkInsertAllocation* measure that path anyway. The
			// rows are the ones nthAlloc makes.
			_, err := itx.(*tx).tx.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
				INSERT INTO allocations (`+allocCols+`)
				SELECT printf('ipam-pool-alloc-%08x', i), ?, ?, unhex(printf('%08x', 167772160 + i)), 32,
					'', 'custom', '', ?, 'bench', json_array(json_object('k', 'n', 'v', CAST(i AS TEXT)))
				FROM n`, bigN, bigPool, benchOwner, benchOwner)
			return err
		})
		if big.err == nil {
			// Steady state: the bulk load moved from the WAL into the database.
			_, big.err = big.s.wdb.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		}
		b.Logf("built %d allocations in %v", bigN, time.Since(start))
	})
	if big.err != nil {
		b.Fatal(big.err)
	}
	return big.s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if big.s != nil {
		big.s.Close()
		os.RemoveAll(big.dir)
	}
	os.Exit(code)
}

// BenchmarkListAllocationsPage reads a 1000-row keyset page from the middle
// of a 1M-allocation pool.
func BenchmarkListAllocationsPage(b *testing.B) {
	s := bigStore(b)
	ctx := context.Background()
	mid := nthHost(bigN / 2)
	q := ipam.AllocationQuery{PoolID: bigPool, Limit: 1000,
		After: &ipam.AllocationCursor{PoolID: bigPool, Addr: mid.Addr(), Bits: mid.Bits()}}
	b.ResetTimer()
	cpu := startCPU()
	defer cpu.report(b)
	for range b.N {
		err := s.View(ctx, func(tx ipam.Tx) error {
			page, err := tx.ListAllocations(q)
			if err == nil && len(page) != 1000 {
				b.Fatalf("page of %d rows", len(page))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListAllocationsOwnerPage is the same page in owner mode.
func BenchmarkListAllocationsOwnerPage(b *testing.B) {
	s := bigStore(b)
	ctx := context.Background()
	mid := nthHost(bigN / 2)
	q := ipam.AllocationQuery{OwnerID: benchOwner, Limit: 1000,
		After: &ipam.AllocationCursor{PoolID: bigPool, Addr: mid.Addr(), Bits: mid.Bits()}}
	b.ResetTimer()
	cpu := startCPU()
	defer cpu.report(b)
	for range b.N {
		err := s.View(ctx, func(tx ipam.Tx) error {
			page, err := tx.ListAllocations(q)
			if err == nil && len(page) != 1000 {
				b.Fatalf("page of %d rows", len(page))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPoolPrefixes1M reads every prefix of the 1M-allocation pool, what
// a node does to rebuild the pool's free space.
func BenchmarkPoolPrefixes1M(b *testing.B) {
	s := bigStore(b)
	ctx := context.Background()
	b.ResetTimer()
	cpu := startCPU()
	defer cpu.report(b)
	for range b.N {
		err := s.View(ctx, func(tx ipam.Tx) error {
			ps, err := tx.PoolPrefixes(bigPool)
			if err == nil && len(ps) != bigN {
				b.Fatalf("%d prefixes", len(ps))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsertAllocationIn1M is the write path on a pool that already
// holds 1M allocations (index depth, overlap probes).
func BenchmarkInsertAllocationIn1M(b *testing.B) {
	s := bigStore(b)
	ctx := context.Background()
	b.ResetTimer()
	cpu := startCPU()
	defer cpu.report(b)
	for i := range b.N {
		if err := allocateOne(ctx, s, benchOwner, bigPool, bigN+big.extra+i); err != nil {
			b.Fatal(err)
		}
	}
	big.extra += b.N
}

var world struct {
	once sync.Once
	dir  string
	s    *Store
	w    *storetest.World
	err  error
}

// worldStore is a store holding storetest.World (10,000 VPCs, 100,000
// subnets), written through InsertVPC and InsertSubnet in one transaction,
// built once per process.
func worldStore(b *testing.B) (*Store, *storetest.World) {
	if testing.Short() {
		b.Skip("builds 100,000 subnets")
	}
	world.once.Do(func() {
		world.w = storetest.NewWorld()
		if world.dir, world.err = os.MkdirTemp("", "ipamd-bench-"); world.err != nil {
			return
		}
		if world.s, world.err = Open(world.dir); world.err != nil {
			return
		}
		start := time.Now()
		world.err = world.s.Update(context.Background(), func(tx ipam.Tx) error {
			for _, v := range world.w.VPCs {
				if err := tx.InsertVPC(v); err != nil {
					return err
				}
			}
			for _, s := range world.w.Subnets {
				if err := tx.InsertSubnet(s); err != nil {
					return err
				}
			}
			return nil
		})
		if world.err == nil {
			_, world.err = world.s.wdb.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		}
		b.Logf("built %d VPCs and %d subnets in %v", len(world.w.VPCs), len(world.w.Subnets), time.Since(start))
	})
	if world.err != nil {
		b.Fatal(world.err)
	}
	return world.s, world.w
}

// BenchmarkVPCs measures the VPC and subnet reads at 10,000 VPCs and
// 100,000 subnets: 1,000-item keyset pages from the middle, and the overlap
// probe CreateSubnet makes (a free /24, and a /24 holding 64 subnets, of
// the VPC with 10,009 subnets; the whole /16 of a VPC with nine).
//
//	go test -run '^$' -bench VPCs ./internal/store/sqlite
func BenchmarkVPCs(b *testing.B) {
	s, w := worldStore(b)
	storetest.BenchVPCReads(b, s, w)
}
