package ipam_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

func statsByPool(svc *ipam.Service) map[string]ipam.PoolStats {
	m := map[string]ipam.PoolStats{}
	for _, st := range svc.PoolStats() {
		m[st.PoolID] = st
	}
	return m
}

type wantStats struct {
	provisioned, allocated, free uint64
	allocations                  int64
	largest                      int
}

func (k *cluster) wantStats(step string, svc *ipam.Service, pool *ipam.Pool, w wantStats) {
	k.t.Helper()
	st, ok := statsByPool(svc)[pool.ID]
	if !ok {
		k.t.Fatalf("%s: no stats for %s", step, pool.ID)
	}
	p, _ := st.Provisioned.Uint64()
	a, _ := st.Allocated.Uint64()
	f, _ := st.Free.Uint64()
	got := wantStats{p, a, f, st.Allocations, st.LargestFree}
	if got != w || st.IpamID != pool.IpamID || st.ScopeID != pool.ScopeID || st.OwnerID != k.c.AccountID || st.AddressFamily != "ipv4" {
		k.t.Errorf("%s: %s: got %+v (%+v), want %+v", step, pool.ID, got, st, w)
	}
}

// PoolStats reports what the in-memory index holds, through allocations,
// releases, child pools, refusals and previews; a node that never touched
// the pools reports them after LoadPoolSpaces, and catches up on what
// another node changed; a deleted pool disappears.
func TestPoolStats(t *testing.T) {
	k := newCluster(t)
	n0, n1 := k.nodes[0], k.nodes[1]
	i, err := n0.CreateIpam(k.ctx, k.c, ipam.CreateIpamInput{})
	if err != nil {
		t.Fatal(err)
	}
	top := k.pool(i.PrivateDefaultScopeID, "")
	if _, err := n0.ProvisionIpamPoolCidr(k.ctx, k.c, ipam.ProvisionIpamPoolCidrInput{PoolID: top.ID, CIDR: "10.0.0.0/16"}); err != nil {
		t.Fatal(err)
	}
	child := k.pool(i.PrivateDefaultScopeID, top.ID)
	if _, err := n0.ProvisionIpamPoolCidr(k.ctx, k.c, ipam.ProvisionIpamPoolCidrInput{PoolID: child.ID, CIDR: "10.0.16.0/20"}); err != nil {
		t.Fatal(err)
	}
	bits := 24
	alloc := func(svc *ipam.Service, in ipam.AllocateIpamPoolCidrInput) *ipam.Allocation {
		t.Helper()
		in.PoolID, in.NetmaskLength = top.ID, &bits
		a, err := svc.AllocateIpamPoolCidr(k.ctx, k.c, in)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	first := alloc(n0, ipam.AllocateIpamPoolCidrInput{}) // 10.0.0.0/24
	alloc(n0, ipam.AllocateIpamPoolCidrInput{})          // 10.0.1.0/24
	alloc(n0, ipam.AllocateIpamPoolCidrInput{PreviewNextCidr: true})
	if _, err := n0.AllocateIpamPoolCidr(k.ctx, k.c, ipam.AllocateIpamPoolCidrInput{PoolID: top.ID, CIDR: "10.0.16.0/24"}); err == nil {
		t.Fatal("allocated inside the child's carve-out")
	}
	if err := n0.ReleaseIpamPoolAllocation(k.ctx, k.c, ipam.ReleaseIpamPoolAllocationInput{PoolID: top.ID, CIDR: first.CIDR.String(), AllocationID: first.ID}); err != nil {
		t.Fatal(err)
	}
	// top: the child's /20 and 10.0.1.0/24 taken; largest free block a /17.
	topWant := wantStats{65536, 4096 + 256, 65536 - 4352, 2, 17}
	childWant := wantStats{4096, 0, 4096, 0, 20}
	k.wantStats("node 0", n0, top, topWant)
	k.wantStats("node 0", n0, child, childWant)

	if got := n1.PoolStats(); len(got) != 0 {
		t.Fatalf("an untouched node reports %v", got)
	}
	if n, err := n1.LoadPoolSpaces(k.ctx); err != nil || n != 2 {
		t.Fatalf("LoadPoolSpaces: %d, %v; want 2 pools", n, err)
	}
	k.wantStats("node 1 loaded", n1, top, topWant)
	k.wantStats("node 1 loaded", n1, child, childWant)
	if n, err := n1.LoadPoolSpaces(k.ctx); err != nil || n != 0 {
		t.Fatalf("LoadPoolSpaces again: %d, %v; want nothing to do", n, err)
	}

	loads := k.spy.loads.Load()
	alloc(n0, ipam.AllocateIpamPoolCidrInput{}) // 10.0.0.0/24 again
	topWant = wantStats{65536, 4096 + 512, 65536 - 4608, 3, 17}
	k.wantStats("node 0 after another allocation", n0, top, topWant)
	if n, err := n1.LoadPoolSpaces(k.ctx); err != nil || n != 1 {
		t.Fatalf("LoadPoolSpaces after node 0 wrote: %d, %v; want 1 pool", n, err)
	}
	k.wantStats("node 1 caught up", n1, top, topWant)
	if k.spy.loads.Load() != loads {
		t.Errorf("catching up reloaded a pool instead of reading its change log")
	}

	empty := k.pool(i.PrivateDefaultScopeID, "")
	if n, err := n1.LoadPoolSpaces(k.ctx); err != nil || n != 1 {
		t.Fatalf("LoadPoolSpaces after a new pool: %d, %v", n, err)
	}
	k.wantStats("empty pool", n1, empty, wantStats{0, 0, 0, 0, -1})
	if _, err := n1.DeleteIpamPool(k.ctx, k.c, ipam.DeleteIpamPoolInput{PoolID: empty.ID}); err != nil {
		t.Fatal(err)
	}
	if _, ok := statsByPool(n1)[empty.ID]; ok {
		t.Error("a deleted pool is still reported")
	}
	// Deleted on another node: forgotten on the next load.
	if _, err := n0.DeleteIpamPool(k.ctx, k.c, ipam.DeleteIpamPoolInput{PoolID: child.ID, Cascade: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := n1.LoadPoolSpaces(k.ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := statsByPool(n1)[child.ID]; ok {
		t.Error("a pool deleted on another node is still reported")
	}
	k.wantStats("after the child's deletion", n1, top, wantStats{65536, 512, 65536 - 512, 2, 17})
}

// Scrapes and background loads run while two nodes allocate from the same
// pools (run with -race): every number published is one the pool had, and
// at the end each node reports exactly what the store holds.
func TestPoolStatsUnderLoad(t *testing.T) {
	k := newCluster(t)
	n0, n1 := k.nodes[0], k.nodes[1]
	i, err := n0.CreateIpam(k.ctx, k.c, ipam.CreateIpamInput{})
	if err != nil {
		t.Fatal(err)
	}
	var pools []*ipam.Pool
	for j := range 3 {
		p := k.pool(i.PrivateDefaultScopeID, "")
		if _, err := n0.ProvisionIpamPoolCidr(k.ctx, k.c, ipam.ProvisionIpamPoolCidrInput{PoolID: p.ID, CIDR: fmt.Sprintf("10.%d.0.0/16", j)}); err != nil {
			t.Fatal(err)
		}
		pools = append(pools, p)
	}
	const each = 20
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			for _, svc := range k.nodes {
				for _, st := range svc.PoolStats() {
					a, _ := st.Allocated.Uint64()
					if a != uint64(st.Allocations)*256 || st.Allocations > 2*each {
						t.Errorf("inconsistent stats %+v", st)
						return
					}
				}
			}
			if _, err := n1.LoadPoolSpaces(k.ctx); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var writers sync.WaitGroup
	for _, svc := range k.nodes {
		for _, p := range pools {
			writers.Add(1)
			go func() {
				defer writers.Done()
				bits := 24
				for range each {
					if _, err := svc.AllocateIpamPoolCidr(k.ctx, k.c, ipam.AllocateIpamPoolCidrInput{PoolID: p.ID, NetmaskLength: &bits}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	writers.Wait()
	close(done)
	wg.Wait()
	for _, svc := range k.nodes {
		if _, err := svc.LoadPoolSpaces(k.ctx); err != nil {
			t.Fatal(err)
		}
		for _, p := range pools {
			k.wantStats("after the load", svc, p, wantStats{65536, 2 * each * 256, 65536 - 2*each*256, 2 * each, 17})
		}
	}
}
