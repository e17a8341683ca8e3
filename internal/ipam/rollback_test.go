package ipam_test

import (
	"context"
	"errors"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// failingStore rolls back the next write transactions after fn succeeded,
// as a failed COMMIT would.
type failingStore struct {
	ipam.Store
	fail atomic.Bool
}

var errInjected = errors.New("injected commit failure")

func (s *failingStore) Update(ctx context.Context, fn func(ipam.Tx) error) error {
	if !s.fail.Load() {
		return s.Store.Update(ctx, fn)
	}
	return s.Store.Update(ctx, func(tx ipam.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errInjected
	})
}

// A write that changed a node's cached space and then failed to commit
// leaves the space as it was: the node answers like a fresh one, and does
// not reload the pool for it.
func TestRolledBackWritesKeepTheCache(t *testing.T) {
	k := newCluster(t)
	fs := &failingStore{Store: k.spy}
	svc := ipam.NewService(fs, ipam.Config{})
	k.nodes[1] = svc
	i, err := svc.CreateIpam(k.ctx, k.c, ipam.CreateIpamInput{})
	if err != nil {
		t.Fatal(err)
	}
	top := k.pool(i.PrivateDefaultScopeID, "")
	if _, err := svc.ProvisionIpamPoolCidr(k.ctx, k.c, ipam.ProvisionIpamPoolCidrInput{PoolID: top.ID, CIDR: "10.0.0.0/16"}); err != nil {
		t.Fatal(err)
	}
	child := k.pool(i.PrivateDefaultScopeID, top.ID)
	bits := func(n int) *int { return &n }
	pc, err := svc.ProvisionIpamPoolCidr(k.ctx, k.c, ipam.ProvisionIpamPoolCidrInput{PoolID: child.ID, NetmaskLength: bits(20)})
	if err != nil {
		t.Fatal(err)
	}
	// The last /25 of the child's /20: free, since allocations go lowest first.
	b := pc.CIDR.Addr().As4()
	b[2] += 15
	b[3] = 128
	explicit := netip.PrefixFrom(netip.AddrFrom4(b), 25).String()
	a, err := svc.AllocateIpamPoolCidr(k.ctx, k.c, ipam.AllocateIpamPoolCidrInput{PoolID: top.ID, NetmaskLength: bits(24)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AllocateIpamPoolCidr(k.ctx, k.c, ipam.AllocateIpamPoolCidrInput{PoolID: child.ID, NetmaskLength: bits(26)}); err != nil {
		t.Fatal(err)
	}
	k.check("setup", top.ID, child.ID)
	loads := k.spy.loads.Load()

	for _, w := range []struct {
		name string
		do   func() error
	}{
		{"allocate", func() error {
			_, err := svc.AllocateIpamPoolCidr(k.ctx, k.c, ipam.AllocateIpamPoolCidrInput{PoolID: top.ID, NetmaskLength: bits(22)})
			return err
		}},
		{"allocate an explicit CIDR", func() error {
			_, err := svc.AllocateIpamPoolCidr(k.ctx, k.c, ipam.AllocateIpamPoolCidrInput{PoolID: child.ID, CIDR: explicit})
			return err
		}},
		{"release", func() error {
			return svc.ReleaseIpamPoolAllocation(k.ctx, k.c, ipam.ReleaseIpamPoolAllocationInput{PoolID: top.ID, CIDR: a.CIDR.String(), AllocationID: a.ID})
		}},
		{"provision a child CIDR", func() error {
			_, err := svc.ProvisionIpamPoolCidr(k.ctx, k.c, ipam.ProvisionIpamPoolCidrInput{PoolID: child.ID, NetmaskLength: bits(21)})
			return err
		}},
	} {
		fs.fail.Store(true)
		err := w.do()
		fs.fail.Store(false)
		if e := ipam.AsError(err); e == nil || e.Code != ipam.CodeInternal {
			t.Fatalf("%s with a failing commit: %v, want an internal error", w.name, err)
		}
		k.check("after a failed "+w.name, top.ID, child.ID)
	}
	if n := k.spy.loads.Load() - loads; n != 0 {
		t.Errorf("%d reloads after rolled-back writes; want none", n)
	}
	// And the node goes on from there.
	if _, err := svc.AllocateIpamPoolCidr(k.ctx, k.c, ipam.AllocateIpamPoolCidrInput{PoolID: top.ID, NetmaskLength: bits(22)}); err != nil {
		t.Fatal(err)
	}
	k.check("after a committed allocation", top.ID, child.ID)
}
