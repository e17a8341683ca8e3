package postgres

import (
	"context"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/storetest"
	"github.com/jackc/pgx/v5"
)

// BenchmarkAllocate measures the write path of one allocation as the
// service runs it: Update { LockPool; InsertAllocation; UpdatePool }. On one
// pool writers queue on the pool's row lock (held through the commit's WAL
// flush); on separate pools they proceed in parallel and share flushes.
//
//	IPAMD_TEST_DATABASE_URL=... go test -run '^$' -bench Allocate ./internal/store/postgres
func BenchmarkAllocate(b *testing.B) {
	db := newTestDB(b)
	s := openStore(b, db.newSchema(b))
	const pools = 16
	mustUpdate(b, s, func(tx ipam.Tx) error {
		for i := range pools {
			if err := tx.InsertPool(testPool("pool-" + strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	})

	// Every iteration takes the next /32 of 10.0.0.0/8, in any pool.
	var next atomic.Uint32
	allocate := func(pool string) error {
		n := next.Add(1)
		cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)}), 32)
		return s.Update(context.Background(), func(tx ipam.Tx) error {
			p, err := tx.LockPool("111122223333", pool)
			if err != nil {
				return err
			}
			err = tx.InsertAllocation(&ipam.Allocation{ID: "ipam-pool-alloc-" + strconv.FormatUint(uint64(n), 10),
				PoolID: p.ID, OwnerID: p.OwnerID, CIDR: cidr,
				ResourceType: ipam.ResourceCustom, ResourceOwner: p.OwnerID})
			if err != nil {
				return err
			}
			p.Version++
			return tx.UpdatePool(p)
		})
	}

	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := allocate("pool-0"); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "allocs/s")
	})
	parallel := func(b *testing.B, pool func(g int) string) {
		// RunParallel starts parallelism*GOMAXPROCS goroutines.
		b.SetParallelism((16 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		var goroutines atomic.Int32
		b.RunParallel(func(pb *testing.PB) {
			id := pool(int(goroutines.Add(1)) % pools)
			for pb.Next() {
				if err := allocate(id); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "allocs/s")
	}
	b.Run("parallel16", func(b *testing.B) {
		parallel(b, func(int) string { return "pool-0" })
	})
	b.Run("parallel16pools", func(b *testing.B) {
		parallel(b, func(g int) string { return "pool-" + strconv.Itoa(g) })
	})
}

// BenchmarkLargePool measures the reads a node makes on a pool of a million
// allocations (filled by SQL, which takes a while), and an allocation into it.
//
//	IPAMD_TEST_DATABASE_URL=... go test -run '^$' -bench LargePool -benchtime 20x ./internal/store/postgres
func BenchmarkLargePool(b *testing.B) {
	const rows = 1_000_000
	db := newTestDB(b)
	s := openStore(b, db.newSchema(b))
	mustUpdate(b, s, func(tx ipam.Tx) error { return tx.InsertPool(testPool("pool-big")) })
	// 10.0.0.0 + g as /32s; 167772160 is 10.0.0.0 as an integer.
	_, err := s.Pool().Exec(context.Background(), `INSERT INTO allocations
		(id, pool_id, owner, cidr, addr, last, bits, resource_type, resource_owner)
		SELECT 'big-' || g, 'pool-big', '111122223333', set_masklen('10.0.0.0'::inet + g, 32)::cidr,
			int4send(167772160 + g), int4send(167772160 + g), 32, 'custom', '111122223333'
		FROM generate_series(0, $1 - 1) g`, rows)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(context.Background(), "ANALYZE allocations"); err != nil {
		b.Fatal(err)
	}
	view := func(b *testing.B, fn func(tx ipam.Tx) error) {
		for b.Loop() {
			if err := s.View(context.Background(), fn); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("PoolPrefixes", func(b *testing.B) {
		view(b, func(tx ipam.Tx) error {
			got, err := tx.PoolPrefixes("pool-big")
			if err == nil && len(got) != rows {
				b.Fatalf("%d prefixes, want %d", len(got), rows)
			}
			return err
		})
	})
	b.Run("AllocationAt", func(b *testing.B) {
		view(b, func(tx ipam.Tx) error {
			_, err := tx.AllocationAt("pool-big", netip.MustParseAddr("10.7.161.32"))
			return err
		})
	})
	b.Run("ListPage1000", func(b *testing.B) {
		after := &ipam.AllocationCursor{PoolID: "pool-big", Addr: netip.MustParseAddr("10.5.0.0"), Bits: 32}
		view(b, func(tx ipam.Tx) error {
			got, err := tx.ListAllocations(ipam.AllocationQuery{PoolID: "pool-big", After: after, Limit: 1000})
			if err == nil && len(got) != 1000 {
				b.Fatalf("page of %d, want 1000", len(got))
			}
			return err
		})
	})
	b.Run("Allocate", func(b *testing.B) {
		n := 0
		for b.Loop() {
			n++
			cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{11, byte(n >> 16), byte(n >> 8), byte(n)}), 32)
			mustUpdate(b, s, func(tx ipam.Tx) error {
				p, err := tx.LockPool("111122223333", "pool-big")
				if err != nil {
					return err
				}
				if err := tx.InsertAllocation(testAlloc("new-"+strconv.Itoa(n), p.ID, cidr.String())); err != nil {
					return err
				}
				p.Version++
				return tx.UpdatePool(p)
			})
		}
	})
}

// BenchmarkVPCs measures the VPC and subnet reads at 10,000 VPCs and
// 100,000 subnets (storetest.World, written through InsertVPC and
// InsertSubnet, which takes a while): 1,000-item keyset pages and the
// overlap probe CreateSubnet makes.
//
//	IPAMD_TEST_DATABASE_URL=... go test -run '^$' -bench VPCs ./internal/store/postgres
func BenchmarkVPCs(b *testing.B) {
	db := newTestDB(b)
	s := openStore(b, db.newSchema(b))
	w := storetest.NewWorld()
	start := time.Now()
	mustUpdate(b, s, func(tx ipam.Tx) error {
		for _, v := range w.VPCs {
			if err := tx.InsertVPC(v); err != nil {
				return err
			}
		}
		for _, sn := range w.Subnets {
			if err := tx.InsertSubnet(sn); err != nil {
				return err
			}
		}
		return nil
	})
	if _, err := s.Pool().Exec(context.Background(), "ANALYZE vpcs, vpc_cidrs, subnets, subnet_blocks"); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d VPCs and %d subnets in %v", len(w.VPCs), len(w.Subnets), time.Since(start))
	storetest.BenchVPCReads(b, s, w)
	// The server's side (warm), which the client's cpu-µs/op leaves out.
	ids := make([]string, len(w.Subnets))
	for i, sn := range w.Subnets {
		ids[i] = sn.ID
	}
	slices.Sort(ids)
	page, args := idQuery("subnets", ipam.ResourceQuery{OwnerID: storetest.WorldOwner, After: ids[len(ids)/2], Limit: 1000}, true)
	explain(b, s, page, args...)
	lo, hi := blockNums(netip.MustParsePrefix("10.0.200.0/24"))
	explain(b, s, subnetsOverlappingSQL, w.VPCs[0].ID, lo, hi, 4)
}

// explain logs the plan and timing of one run of sql on the server.
func explain(b *testing.B, s *Store, sql string, args ...any) {
	rows, err := s.Pool().Query(context.Background(), "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s\n%s", sql, strings.Join(plan, "\n"))
}
