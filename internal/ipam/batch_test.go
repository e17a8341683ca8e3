package ipam_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/store/sqlite"
	"github.com/ipamd/ipamd/internal/testserver"
)

// countingStore counts write transactions, and holds the first one a little
// so that concurrent requests queue up behind it.
type countingStore struct {
	ipam.Store
	updates atomic.Int64
}

func (s *countingStore) Update(ctx context.Context, fn func(ipam.Tx) error) error {
	if s.updates.Add(1) == 1 {
		time.Sleep(100 * time.Millisecond)
	}
	return s.Store.Update(ctx, fn)
}

// Concurrent allocations from one pool share transactions, yet each request
// gets exactly its own answer: refusals stay refusals, DryRuns take nothing,
// a repeated ClientToken gets the first answer, and the blocks are the
// lowest ones, each handed out once.
func TestConcurrentAllocationsShareTransactions(t *testing.T) {
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	c := ipam.Caller{AccountID: "000000000000", Region: "us-east-1"}
	setup := ipam.NewService(st, ipam.Config{})
	i, err := setup.CreateIpam(ctx, c, ipam.CreateIpamInput{})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := setup.CreateIpamPool(ctx, c, ipam.CreateIpamPoolInput{ScopeID: i.PrivateDefaultScopeID, AddressFamily: "ipv4"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.ProvisionIpamPoolCidr(ctx, c, ipam.ProvisionIpamPoolCidrInput{PoolID: pool.ID, CIDR: "10.0.0.0/16"}); err != nil {
		t.Fatal(err)
	}

	cs := &countingStore{Store: st}
	svc := ipam.NewService(cs, ipam.Config{})
	const n = 48
	type answer struct {
		a   *ipam.Allocation
		err error
	}
	answers := make([]answer, n)
	bits := func(k int) *int { return &k }
	var wg sync.WaitGroup
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := ipam.AllocateIpamPoolCidrInput{PoolID: pool.ID, NetmaskLength: bits(24)}
			switch k % 8 {
			case 1:
				in.NetmaskLength = bits(40) // refused: not an IPv4 length
			case 2:
				in.DryRun = true
			case 3, 4:
				in.ClientToken = fmt.Sprintf("token-%d", k/8) // two requests per token
			}
			if k > 0 {
				time.Sleep(10 * time.Millisecond) // queue behind the first
			}
			a, err := svc.AllocateIpamPoolCidr(ctx, c, in)
			answers[k] = answer{a, err}
		}()
	}
	wg.Wait()

	if got := cs.updates.Load(); got >= n {
		t.Errorf("%d write transactions for %d requests: nothing was batched", got, n)
	}
	seen := map[netip.Prefix]string{}
	byToken := map[string]string{}
	for k, ans := range answers {
		var de *ipam.Error
		switch k % 8 {
		case 1:
			if !errors.As(ans.err, &de) || de.Code != ipam.CodeInvalidParameterValue {
				t.Errorf("request %d: err = %v, want InvalidParameterValue", k, ans.err)
			}
			continue
		case 2:
			if !errors.As(ans.err, &de) || de.Code != ipam.CodeDryRun {
				t.Errorf("request %d: err = %v, want DryRunOperation", k, ans.err)
			}
			continue
		}
		if ans.err != nil {
			t.Fatalf("request %d: %v", k, ans.err)
		}
		if k%8 == 3 || k%8 == 4 {
			tok := fmt.Sprint(k / 8)
			if prev, ok := byToken[tok]; ok {
				if prev != ans.a.ID {
					t.Errorf("token %s answered %s and %s", tok, prev, ans.a.ID)
				}
				continue
			}
			byToken[tok] = ans.a.ID
		}
		if other, dup := seen[ans.a.CIDR]; dup {
			t.Fatalf("%s handed out twice (%s, %s)", ans.a.CIDR, other, ans.a.ID)
		}
		seen[ans.a.CIDR] = ans.a.ID
	}
	// 48 requests: 6 refused, 6 dry runs, 6 token repeats: 30 allocations,
	// the 30 lowest /24s.
	if len(seen) != 30 {
		t.Fatalf("%d distinct allocations, want 30", len(seen))
	}
	for k := range 30 {
		p := netip.MustParsePrefix(fmt.Sprintf("10.0.%d.0/24", k))
		if _, ok := seen[p]; !ok {
			t.Errorf("%s not allocated; the lowest blocks must go first", p)
		}
	}
	items, _, err := svc.GetIpamPoolAllocations(ctx, c, ipam.GetIpamPoolAllocationsInput{PoolID: pool.ID})
	if err != nil || len(items) != 30 {
		t.Fatalf("GetIpamPoolAllocations: %d items, %v; want 30", len(items), err)
	}
}

// BenchmarkCreateSubnetAcrossVpcs makes subnets from the planning pools of
// 256 VPCs, concurrently (-cpu sets the clients), each call to another VPC
// than the last: no two calls in flight share a pool's batch, so what is
// shared is the group transaction (SQLite, synchronous=FULL) or the
// connection pool (PostgreSQL, skipped without IPAMD_TEST_DATABASE_URL).
func BenchmarkCreateSubnetAcrossVpcs(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		st, err := sqlite.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchCreateSubnetAcrossVpcs(b, st)
	})
	b.Run("postgres", func(b *testing.B) {
		st, err := postgres.Open(context.Background(), testserver.NewDatabase(b, "ipam_bench").String())
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchCreateSubnetAcrossVpcs(b, st)
	})
}

func benchCreateSubnetAcrossVpcs(b *testing.B, st ipam.Store) {
	ctx := context.Background()
	c := ipam.Caller{AccountID: "000000000000", Region: "us-east-1"}
	svc := ipam.NewService(st, ipam.Config{Limits: ipam.Limits{IpamsPerRegion: 1, ScopesPerIpam: 5, PoolsPerScope: 1000, PoolDepth: 10, CidrsPerPool: 50}})
	w := newPlanningWorld(b, svc, c)
	const vpcs = 256
	var vpcIDs, plans []string
	for range vpcs {
		v, p := w.vpcWithPlanningPool(b)
		vpcIDs, plans = append(vpcIDs, v), append(plans, p)
	}
	var next atomic.Int64
	b.SetParallelism(4) // 4 × GOMAXPROCS clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		bits := 28
		for pb.Next() {
			k := int(next.Add(1)) % vpcs
			if _, err := svc.CreateSubnet(ctx, c, ipam.CreateSubnetInput{VpcID: vpcIDs[k], Ipv4IpamPoolID: plans[k], Ipv4NetmaskLength: &bits}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
