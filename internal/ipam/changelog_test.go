package ipam_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// loadCountingStore counts full reloads of a pool's space (PoolPrefixes is
// read for nothing else in these tests).
type loadCountingStore struct {
	ipam.Store
	loads atomic.Int64
}

type loadCountingTx struct {
	ipam.Tx
	s *loadCountingStore
}

func (t loadCountingTx) PoolPrefixes(poolID string) ([]netip.Prefix, error) {
	t.s.loads.Add(1)
	return t.Tx.PoolPrefixes(poolID)
}

func (s *loadCountingStore) Update(ctx context.Context, fn func(ipam.Tx) error) error {
	return s.Store.Update(ctx, func(tx ipam.Tx) error { return fn(loadCountingTx{tx, s}) })
}

// cluster is nodes sharing one store, each with its own space cache. One
// SQLite store serializes them exactly as PostgreSQL's pool lock would.
type cluster struct {
	t     *testing.T
	ctx   context.Context
	c     ipam.Caller
	st    ipam.Store
	spy   *loadCountingStore
	nodes [2]*ipam.Service
}

func newCluster(t *testing.T) *cluster {
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	spy := &loadCountingStore{Store: st}
	k := &cluster{t: t, ctx: context.Background(), c: ipam.Caller{AccountID: "000000000000", Region: "us-east-1"}, st: st, spy: spy}
	for i := range k.nodes {
		k.nodes[i] = ipam.NewService(spy, ipam.Config{})
	}
	return k
}

// pool creates a pool on node 0, from src if not "".
func (k *cluster) pool(scope, src string) *ipam.Pool {
	k.t.Helper()
	p, err := k.nodes[0].CreateIpamPool(k.ctx, k.c, ipam.CreateIpamPoolInput{ScopeID: scope, AddressFamily: "ipv4", SourcePoolID: src})
	if err != nil {
		k.t.Fatal(err)
	}
	return p
}

// preview is what node would allocate next from pool at each size, errors
// (which name the largest free block) included: a fingerprint of the
// node's view of the pool's free space.
func preview(ctx context.Context, svc *ipam.Service, c ipam.Caller, poolID string) string {
	var out string
	for _, bits := range []int{16, 18, 20, 22, 24, 26, 28, 30, 32} {
		a, err := svc.AllocateIpamPoolCidr(ctx, c, ipam.AllocateIpamPoolCidrInput{PoolID: poolID, NetmaskLength: &bits, PreviewNextCidr: true})
		if err != nil {
			out += fmt.Sprintf("/%d: %v\n", bits, err)
		} else {
			out += fmt.Sprintf("/%d: %s\n", bits, a.CIDR)
		}
	}
	return out
}

// check compares every node's view of the pools with a fresh node's, which
// builds its space from the store.
func (k *cluster) check(step string, pools ...string) {
	k.t.Helper()
	fresh := ipam.NewService(k.st, ipam.Config{})
	for _, id := range pools {
		want := preview(k.ctx, fresh, k.c, id)
		for n, svc := range k.nodes {
			if got := preview(k.ctx, svc, k.c, id); got != want {
				k.t.Fatalf("%s: node %d's view of %s:\n%s\nwant (fresh node):\n%s", step, n, id, got, want)
			}
		}
	}
}

func (k *cluster) version(poolID string) int64 {
	k.t.Helper()
	var v int64
	if err := k.st.View(k.ctx, func(tx ipam.Tx) error {
		p, err := tx.GetPool(k.c.AccountID, poolID)
		if err == nil {
			v = p.Version
		}
		return err
	}); err != nil {
		k.t.Fatal(err)
	}
	return v
}

// Two nodes take turns changing a pool and a child pool carved from it
// (allocations, releases, child provisioning and deprovisioning, several
// changes between looks), and each node's next answers always equal a fresh
// node's: the change log brings a stale cache exactly up to date, without
// reloading the pool.
func TestNodesCatchUpFromChangeLog(t *testing.T) {
	k := newCluster(t)
	i, err := k.nodes[0].CreateIpam(k.ctx, k.c, ipam.CreateIpamInput{})
	if err != nil {
		t.Fatal(err)
	}
	top := k.pool(i.PrivateDefaultScopeID, "")
	if _, err := k.nodes[0].ProvisionIpamPoolCidr(k.ctx, k.c, ipam.ProvisionIpamPoolCidrInput{PoolID: top.ID, CIDR: "10.0.0.0/16"}); err != nil {
		t.Fatal(err)
	}
	child := k.pool(i.PrivateDefaultScopeID, top.ID)
	k.check("setup", top.ID, child.ID)
	loads := k.spy.loads.Load() // each node loaded each pool once

	// Reloads are tolerated only after refused requests (a refusal changes
	// nothing, so in fact none is expected); every other catch-up must come
	// from the log.
	refused := 0
	r := rand.New(rand.NewPCG(1, 2))
	var allocs []*ipam.Allocation // custom allocations of either pool
	var childCIDRs []string
	for step := range 120 {
		svc := k.nodes[step%2]
		for range 1 + r.IntN(3) {
			var err error
			op := r.IntN(10)
			switch {
			case op < 5: // allocate, from the child when it has space
				pool, bits := top.ID, 22+r.IntN(9)
				if len(childCIDRs) > 0 && r.IntN(2) == 0 {
					pool, bits = child.ID, 26+r.IntN(5)
				}
				var a *ipam.Allocation
				if a, err = svc.AllocateIpamPoolCidr(k.ctx, k.c, ipam.AllocateIpamPoolCidrInput{PoolID: pool, NetmaskLength: &bits}); err == nil {
					allocs = append(allocs, a)
				}
			case op < 8: // release
				if len(allocs) == 0 {
					continue
				}
				j := r.IntN(len(allocs))
				a := allocs[j]
				allocs = append(allocs[:j], allocs[j+1:]...)
				err = svc.ReleaseIpamPoolAllocation(k.ctx, k.c, ipam.ReleaseIpamPoolAllocationInput{PoolID: a.PoolID, CIDR: a.CIDR.String(), AllocationID: a.ID})
			case op < 9: // provision the child from the top pool
				bits := 21 + r.IntN(4)
				var pc *ipam.PoolCIDR
				if pc, err = svc.ProvisionIpamPoolCidr(k.ctx, k.c, ipam.ProvisionIpamPoolCidrInput{PoolID: child.ID, NetmaskLength: &bits}); err == nil {
					childCIDRs = append(childCIDRs, pc.CIDR.String())
				}
			default: // deprovision an empty child CIDR back to the top pool
				for j, c := range childCIDRs {
					if _, err = svc.DeprovisionIpamPoolCidr(k.ctx, k.c, ipam.DeprovisionIpamPoolCidrInput{PoolID: child.ID, CIDR: c}); err == nil {
						childCIDRs = append(childCIDRs[:j], childCIDRs[j+1:]...)
						break
					}
				}
			}
			if err != nil && op != 9 {
				refused++
			}
			// Refusals (no space, a child CIDR in use) are part of the game.
			if e := ipam.AsError(err); e != nil && (e.Code == ipam.CodeInternal || e.Code == ipam.CodeUnavailable) {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		if r.IntN(3) == 0 { // sometimes let several versions pile up
			k.check(fmt.Sprintf("step %d", step), top.ID, child.ID)
		}
	}
	k.check("end", top.ID, child.ID)
	if n := k.spy.loads.Load() - loads; n > int64(refused) {
		t.Errorf("nodes reloaded a pool %d times after %d refused allocations; want every other catch-up from the log", n, refused)
	}
	if v := k.version(top.ID); v < 100 {
		t.Errorf("top pool version %d after 120 steps: too few changes for a test", v)
	}
}

// A stale node whose log is incomplete (pruned, missing) or does not apply
// reloads the pool instead, and answers exactly as a fresh node would.
func TestStaleNodeReloadsWithoutUsableLog(t *testing.T) {
	k := newCluster(t)
	i, err := k.nodes[0].CreateIpam(k.ctx, k.c, ipam.CreateIpamInput{})
	if err != nil {
		t.Fatal(err)
	}
	top := k.pool(i.PrivateDefaultScopeID, "")
	if _, err := k.nodes[0].ProvisionIpamPoolCidr(k.ctx, k.c, ipam.ProvisionIpamPoolCidrInput{PoolID: top.ID, CIDR: "10.0.0.0/16"}); err != nil {
		t.Fatal(err)
	}
	bits := 24
	alloc := func(n int) {
		for range 3 {
			if _, err := k.nodes[n].AllocateIpamPoolCidr(k.ctx, k.c, ipam.AllocateIpamPoolCidrInput{PoolID: top.ID, NetmaskLength: &bits}); err != nil {
				t.Fatal(err)
			}
		}
	}
	k.check("setup", top.ID)

	for _, tc := range []struct {
		name string
		edit func(tx ipam.Tx, v int64) error // v: the pool's version
	}{
		{"pruned", func(tx ipam.Tx, v int64) error { return tx.PrunePoolChanges(top.ID, v) }},
		{"missing", func(tx ipam.Tx, v int64) error { return tx.DeletePoolChanges(top.ID) }},
		{"not applicable", func(tx ipam.Tx, v int64) error {
			if err := tx.DeletePoolChanges(top.ID); err != nil {
				return err
			}
			// Complete, but it removes a CIDR the pool never had.
			for u := v - 2; u <= v; u++ {
				bogus := []ipam.PoolChange{{Kind: ipam.ChangeRemove, Prefix: netip.MustParsePrefix("192.168.0.0/16")}}
				if err := tx.AppendPoolChanges(top.ID, u, bogus); err != nil {
					return err
				}
			}
			return nil
		}},
	} {
		alloc(0) // node 1 is now three versions behind
		v := k.version(top.ID)
		if err := k.st.Update(k.ctx, func(tx ipam.Tx) error { return tc.edit(tx, v) }); err != nil {
			t.Fatal(err)
		}
		before := k.spy.loads.Load()
		k.check(tc.name, top.ID) // node 1 catches up here, node 0 is current
		if n := k.spy.loads.Load() - before; n != 1 {
			t.Errorf("%s: %d reloads, want 1 (node 1 only)", tc.name, n)
		}
	}
}
