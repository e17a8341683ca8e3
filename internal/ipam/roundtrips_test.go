package ipam_test

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/testserver"
)

// TestCreateSubnetRoundTrips pins the shape of a planning-pool subnet's
// write on PostgreSQL, where each round trip is paid by the server, the
// node and the pool's lock: the pool's lock with the subnet's context (the
// VPC, its blocks, the IPAMs); COMMIT with the queued writes, the space
// locks, the check that nothing overlaps (trusted, not asked:
// overlap_trust.go) and the monitoring rows (docs/benchmarks.md, sessions
// 7 and 12). A change that adds one fails here, not in a benchmark nobody
// ran.
func TestCreateSubnetRoundTrips(t *testing.T) {
	st, svc, c := tripsWorld(t)
	ctx := context.Background()
	vpcID, planID := newPlanningWorld(t, svc, c).vpcWithPlanningPool(t)
	sub := 28
	in := ipam.CreateSubnetInput{VpcID: vpcID, Ipv4IpamPoolID: planID, Ipv4NetmaskLength: &sub}
	// The first subnet also loads the planning pool's space into the
	// node's cache; the second is what every later one costs.
	for k := range 2 {
		before := st.RoundTrips()
		sn, err := svc.CreateSubnet(ctx, c, in)
		if err != nil {
			t.Fatal(err)
		}
		n := st.RoundTrips() - before
		t.Logf("CreateSubnet %d (%s): %d round trips", k+1, sn.CIDR, n)
		if k == 1 && n != 2 {
			t.Errorf("CreateSubnet %s from a planning pool took %d round trips, want 2", sn.CIDR, n)
		}
	}
}

// TestCreateVpcRoundTrips pins a pooled VPC's write the same way: the
// pool's lock with the owner's IPAMs; COMMIT with the queued writes, the
// space locks and the overlap check. Every VPC from one pool waits for
// that lock, so each round trip under it costs the pool's throughput.
func TestCreateVpcRoundTrips(t *testing.T) {
	st, svc, c := tripsWorld(t)
	ctx := context.Background()
	w := newPlanningWorld(t, svc, c)
	bits := 24
	for k := range 2 {
		before := st.RoundTrips()
		v, err := svc.CreateVpc(ctx, c, ipam.CreateVpcInput{VpcCidrParams: ipam.VpcCidrParams{Ipv4IpamPoolID: w.top, Ipv4NetmaskLength: &bits}})
		if err != nil {
			t.Fatal(err)
		}
		n := st.RoundTrips() - before
		t.Logf("CreateVpc %d (%s): %d round trips", k+1, v.CIDRs[0].CIDR, n)
		if k == 1 && n != 2 {
			t.Errorf("CreateVpc %s from a pool took %d round trips, want 2", v.CIDRs[0].CIDR, n)
		}
	}
}

// TestCreateVpcOverlapTrustMissed: a pooled VPC inside an unmanaged one
// overlaps it, so the check sent with COMMIT fails; the transaction runs
// again asking (two round trips lost), both blocks end up overlapping, and
// the node's next transactions ask instead of trusting, still counting
// right. Asking with an overlap is four round trips: the pool's lock, the
// lookup, the other block's count (read back for its span), COMMIT.
func TestCreateVpcOverlapTrustMissed(t *testing.T) {
	st, svc, c := tripsWorld(t)
	ctx := context.Background()
	w := newPlanningWorld(t, svc, c)
	outer, err := svc.CreateVpc(ctx, c, ipam.CreateVpcInput{VpcCidrParams: ipam.VpcCidrParams{CidrBlock: "10.0.0.0/16"}})
	if err != nil {
		t.Fatal(err)
	}
	bits := 24
	for k, want := range []int64{2 + 4, 4} {
		before := st.RoundTrips()
		v, err := svc.CreateVpc(ctx, c, ipam.CreateVpcInput{VpcCidrParams: ipam.VpcCidrParams{Ipv4IpamPoolID: w.top, Ipv4NetmaskLength: &bits}})
		if err != nil {
			t.Fatal(err)
		}
		if n := st.RoundTrips() - before; n != want {
			t.Errorf("CreateVpc %d (%s) inside %s took %d round trips, want %d", k+1, v.CIDRs[0].CIDR, outer.CIDRs[0].CIDR, n, want)
		}
	}
	rows, _, err := svc.GetIpamResourceCidrs(ctx, c, ipam.GetIpamResourceCidrsInput{ScopeID: w.scope})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.CIDR.String()] = fmt.Sprintf("%s %d", r.OverlapStatus(), r.Overlaps)
	}
	want := map[string]string{"10.0.0.0/16": "overlapping 2", "10.0.0.0/24": "overlapping 1", "10.0.1.0/24": "overlapping 1"}
	if !maps.Equal(got, want) {
		t.Errorf("resource CIDRs: %v, want %v", got, want)
	}
}

// tripsWorld is a Service on a fresh PostgreSQL database, whose store
// counts round trips, and its caller.
func tripsWorld(t *testing.T) (*postgres.Store, *ipam.Service, ipam.Caller) {
	st, err := postgres.Open(context.Background(), testserver.NewDatabase(t, "ipam_trips").String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, ipam.NewService(st, ipam.Config{}), ipam.Caller{AccountID: "000000000000", Region: "us-east-1"}
}

// planningWorld is an account with an IPAM and a top-level pool of
// 10.0.0.0/8 in us-east-1, from which VPCs take /16s.
type planningWorld struct {
	svc   *ipam.Service
	c     ipam.Caller
	scope string
	top   string
}

func newPlanningWorld(tb testing.TB, svc *ipam.Service, c ipam.Caller) *planningWorld {
	ctx := context.Background()
	i, err := svc.CreateIpam(ctx, c, ipam.CreateIpamInput{})
	if err != nil {
		tb.Fatal(err)
	}
	locale := "us-east-1"
	top, err := svc.CreateIpamPool(ctx, c, ipam.CreateIpamPoolInput{ScopeID: i.PrivateDefaultScopeID, AddressFamily: "ipv4", Locale: &locale})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.ProvisionIpamPoolCidr(ctx, c, ipam.ProvisionIpamPoolCidrInput{PoolID: top.ID, CIDR: "10.0.0.0/8"}); err != nil {
		tb.Fatal(err)
	}
	return &planningWorld{svc: svc, c: c, scope: i.PrivateDefaultScopeID, top: top.ID}
}

// vpcWithPlanningPool makes a /16 VPC from the top pool and a resource
// planning pool of it, provisioned with the VPC's CIDR.
func (w *planningWorld) vpcWithPlanningPool(tb testing.TB) (vpcID, planID string) {
	ctx, c := context.Background(), w.c
	bits := 16
	v, err := w.svc.CreateVpc(ctx, c, ipam.CreateVpcInput{VpcCidrParams: ipam.VpcCidrParams{Ipv4IpamPoolID: w.top, Ipv4NetmaskLength: &bits}})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := w.svc.CreateIpamPool(ctx, c, ipam.CreateIpamPoolInput{ScopeID: w.scope, AddressFamily: "ipv4",
		SourceResource: &ipam.SourceResource{ResourceID: v.ID, ResourceType: "vpc", ResourceRegion: "us-east-1", ResourceOwner: c.AccountID}})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.svc.ProvisionIpamPoolCidr(ctx, c, ipam.ProvisionIpamPoolCidrInput{PoolID: p.ID, CIDR: v.CIDRs[0].CIDR.String()}); err != nil {
		tb.Fatal(err)
	}
	return v.ID, p.ID
}
