package ipam_test

import (
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// PoolUsage reads what the free-space index holds: a node that never wrote
// to the pool loads it, a node whose cache another node made stale catches
// up, and a foreign account's caller gets the API's not-found.
func TestPoolUsage(t *testing.T) {
	k := newCluster(t)
	a, b := k.nodes[0], k.nodes[1]
	i, err := a.CreateIpam(k.ctx, k.c, ipam.CreateIpamInput{})
	if err != nil {
		t.Fatal(err)
	}
	p := k.pool(i.PrivateDefaultScopeID, "")
	if _, err := a.ProvisionIpamPoolCidr(k.ctx, k.c, ipam.ProvisionIpamPoolCidrInput{PoolID: p.ID, CIDR: "10.0.0.0/24"}); err != nil {
		t.Fatal(err)
	}
	alloc := func(svc *ipam.Service, bits int) {
		if _, err := svc.AllocateIpamPoolCidr(k.ctx, k.c, ipam.AllocateIpamPoolCidrInput{PoolID: p.ID, NetmaskLength: &bits}); err != nil {
			t.Fatal(err)
		}
	}
	want := func(svc *ipam.Service, allocated uint64, largest int, strip []float64) {
		t.Helper()
		us, err := svc.PoolUsage(k.ctx, k.c, []string{p.ID}, 4)
		if err != nil {
			t.Fatal(err)
		}
		u := us[0]
		if n, _ := u.Allocated.Uint64(); n != allocated || u.LargestFree != largest || u.PoolID != p.ID {
			t.Errorf("allocated %d, largest free /%d; want %d, /%d", n, u.LargestFree, allocated, largest)
		}
		if tot, _ := u.Provisioned.Uint64(); tot != 256 || len(u.Strips) != 1 || u.Strips[0].CIDR.String() != "10.0.0.0/24" {
			t.Fatalf("total %d strips %v", tot, u.Strips)
		}
		for j, f := range strip {
			if u.Strips[0].Free[j] != f {
				t.Errorf("strip %v, want %v", u.Strips[0].Free, strip)
				break
			}
		}
	}
	alloc(a, 26)
	want(b, 64, 25, []float64{0, 1, 1, 1}) // b never saw the pool: loaded
	alloc(a, 25)
	want(b, 192, 26, []float64{0, 1, 0, 0}) // b's cache is stale: reloaded
	alloc(b, 26)
	want(a, 256, -1, []float64{0, 0, 0, 0})
	if r := (&ipam.Usage{}).Ratio(); r != 0 {
		t.Errorf("empty ratio %v", r)
	}
	other := ipam.Caller{AccountID: "111111111111", Region: "us-east-1"}
	if _, err := a.PoolUsage(k.ctx, other, []string{p.ID}, 0); err == nil || err.(*ipam.Error).Code != ipam.CodePoolNotFound {
		t.Errorf("foreign caller: %v", err)
	}
}
