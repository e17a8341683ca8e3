package cluster

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// killAtRandom kills (SIGKILL) one of nodes kills times, at random moments
// (seeded; the seed is logged), restarting it on the same data each time.
func killAtRandom(t *testing.T, nodes []*node, kills int) func() {
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill schedule seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	return func() {
		for range kills {
			time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
			n := nodes[rng.IntN(len(nodes))]
			n.kill()
			time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
			n.start(t)
		}
	}
}

// TestVPCKillSQLite: one node on SQLite while 8 clients create and delete
// VPCs (with secondary blocks) from a pool and subnets (explicit, and from
// a planning pool), killed with SIGKILL three times at random moments and
// restarted on the same --data-dir. Afterwards every VPC block has exactly
// its one allocation and every allocation its VPC or subnet, subnets never
// overlap, and everything acknowledged is there.
func TestVPCKillSQLite(t *testing.T) {
	n := startNode(t, "sqlite", "--data-dir", t.TempDir(), "--max-pools", "500")
	vpcKillTest(t, []*node{n})
}

// TestVPCKillPostgres: the same on two nodes sharing one PostgreSQL
// database; each kill hits one of them.
func TestVPCKillPostgres(t *testing.T) {
	vpcKillTest(t, pgNodes(t, 2))
}

func vpcKillTest(t *testing.T, nodes []*node) {
	w := setupVPCs(t, newClient(nodes[0].url()), "10.0.0.0/12")
	l := runVPCLoad(t, w, nodes, 8, 4*time.Second, policy{transport: true}, killAtRandom(t, nodes, 3))
	checkBad(t, l.ledger)
	if l.total(acked) < 100 {
		t.Errorf("only %d acknowledged operations: the load did not load", l.total(acked))
	}
	checkVPCs(t, nodes, w, l)
	writableAfter(t, nodes, w)
}

// writableAfter: after the kills every node still makes (and deletes) a
// VPC from the pool and a subnet from the planning pool.
func writableAfter(t *testing.T, nodes []*node, w *vpcWorld) {
	t.Helper()
	for _, n := range nodes {
		c := newClient(n.url())
		v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool), Ipv4NetmaskLength: aws.Int32(24)})
		if err != nil {
			t.Fatalf("CreateVpc on %s after the kills: %v", n.name, err)
		}
		s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), Ipv4IpamPoolId: aws.String(w.plan),
			Ipv4NetmaskLength: aws.Int32(28)})
		if err != nil {
			t.Fatalf("CreateSubnet on %s after the kills: %v", n.name, err)
		}
		if p := netip.MustParsePrefix(aws.ToString(s.Subnet.CidrBlock)); !w.homeCIDR.Contains(p.Addr()) {
			t.Errorf("pooled subnet %s outside %s", p, w.homeCIDR)
		}
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.Subnet.SubnetId}); err != nil {
			t.Fatalf("DeleteSubnet on %s: %v", n.name, err)
		}
		if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: v.Vpc.VpcId}); err != nil {
			t.Fatalf("DeleteVpc on %s: %v", n.name, err)
		}
	}
}
