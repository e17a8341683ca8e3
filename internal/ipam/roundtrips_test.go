package ipam_test

import (
	"context"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/testserver"
)

// TestCreateSubnetRoundTrips pins the shape of a planning-pool subnet's
// write on PostgreSQL, where each round trip is paid by the server, the
// node and the pool's lock: the pool's lock with the subnet's context (the
// VPC, its blocks, the IPAMs); the queued writes with the space locks and
// the overlap probe; COMMIT with the monitoring rows (docs/benchmarks.md,
// session 7). A change that adds one fails here, not in a benchmark nobody
// ran.
func TestCreateSubnetRoundTrips(t *testing.T) {
	st, err := postgres.Open(context.Background(), testserver.NewDatabase(t, "ipam_trips").String())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	c := ipam.Caller{AccountID: "000000000000", Region: "us-east-1"}
	svc := ipam.NewService(st, ipam.Config{})
	i, err := svc.CreateIpam(ctx, c, ipam.CreateIpamInput{})
	if err != nil {
		t.Fatal(err)
	}
	locale := "us-east-1"
	top, err := svc.CreateIpamPool(ctx, c, ipam.CreateIpamPoolInput{ScopeID: i.PrivateDefaultScopeID, AddressFamily: "ipv4", Locale: &locale})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ProvisionIpamPoolCidr(ctx, c, ipam.ProvisionIpamPoolCidrInput{PoolID: top.ID, CIDR: "10.0.0.0/8"}); err != nil {
		t.Fatal(err)
	}
	bits := 16
	v, err := svc.CreateVpc(ctx, c, ipam.CreateVpcInput{VpcCidrParams: ipam.VpcCidrParams{Ipv4IpamPoolID: top.ID, Ipv4NetmaskLength: &bits}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := svc.CreateIpamPool(ctx, c, ipam.CreateIpamPoolInput{ScopeID: i.PrivateDefaultScopeID, AddressFamily: "ipv4",
		SourceResource: &ipam.SourceResource{ResourceID: v.ID, ResourceType: "vpc", ResourceRegion: "us-east-1", ResourceOwner: c.AccountID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ProvisionIpamPoolCidr(ctx, c, ipam.ProvisionIpamPoolCidrInput{PoolID: plan.ID, CIDR: v.CIDRs[0].CIDR.String()}); err != nil {
		t.Fatal(err)
	}
	sub := 28
	in := ipam.CreateSubnetInput{VpcID: v.ID, Ipv4IpamPoolID: plan.ID, Ipv4NetmaskLength: &sub}
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
		if k == 1 && n != 3 {
			t.Errorf("CreateSubnet %s from a planning pool took %d round trips, want 3", sn.CIDR, n)
		}
	}
}
