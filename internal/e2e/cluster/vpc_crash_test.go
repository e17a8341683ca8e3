package cluster

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/jackc/pgx/v5"
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
	if l.total(acked) < 50 {
		t.Errorf("only %d acknowledged operations: the load did not load", l.total(acked))
	}
	checkVPCs(t, nodes, w, l)
	writableAfter(t, nodes, w)
}

// writableAfter: after the kills every node fills the gaps the load left
// in the VPC pool and in the planning pool (the lowest free blocks: where a
// node that forgot a block would give it out twice), then the checker runs
// again; and the new VPCs and subnets delete cleanly.
func writableAfter(t *testing.T, nodes []*node, w *vpcWorld) {
	t.Helper()
	var vpcs, subnets []*string
	for _, n := range nodes {
		c := newClient(n.url())
		for range 5 {
			v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool), Ipv4NetmaskLength: aws.Int32(24),
				TagSpecifications: opTag(types.ResourceTypeVpc, "after", false)})
			if err != nil {
				t.Fatalf("CreateVpc on %s after the kills: %v", n.name, err)
			}
			s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), Ipv4IpamPoolId: aws.String(w.plan),
				Ipv4NetmaskLength: aws.Int32(28), TagSpecifications: opTag(types.ResourceTypeSubnet, "after", true)})
			if err != nil {
				t.Fatalf("CreateSubnet on %s after the kills: %v", n.name, err)
			}
			vpcs, subnets = append(vpcs, v.Vpc.VpcId), append(subnets, s.Subnet.SubnetId)
		}
	}
	checkVPCs(t, nodes, w, nil)
	c := newClient(nodes[0].url())
	for i := range vpcs {
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: subnets[i]}); err != nil {
			t.Fatalf("DeleteSubnet: %v", err)
		}
		if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpcs[i]}); err != nil {
			t.Fatalf("DeleteVpc: %v", err)
		}
	}
}

// TestVPCCheckerCatches proves the VPC checker is not blind: after a short
// load, a VPC's allocation deleted behind ipamd's back, a VPC row deleted
// (its allocation left over), an acknowledged subnet deleted, and a copy of
// a subnet over the same block (the exclusion constraint dropped) are each
// reported.
func TestVPCCheckerCatches(t *testing.T) {
	db := newDatabase(t)
	n := startNode(t, "node0", "--database-url", db.String(), "--max-pools", "500")
	nodes := []*node{n}
	w := setupVPCs(t, newClient(n.url()), "10.0.0.0/12")
	l := runVPCLoad(t, w, nodes, 4, time.Second, policy{}, nil)
	checkBad(t, l.ledger)
	c := newClient(n.url())
	if list := auditVPCs(t, c, w, l); len(list) > 0 {
		t.Fatalf("clean run: %v", list)
	}
	// Victims made here, acknowledged, so a slow load still has them.
	l.ackedOps["victim"] = true
	var ids []string
	for range 2 {
		v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool), Ipv4NetmaskLength: aws.Int32(24),
			TagSpecifications: opTag(types.ResourceTypeVpc, "victim", false)})
		if err != nil {
			t.Fatal(err)
		}
		l.vpcs[aws.ToString(v.Vpc.VpcId)] = netip.MustParsePrefix(aws.ToString(v.Vpc.CidrBlock))
		s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), Ipv4IpamPoolId: aws.String(w.plan),
			Ipv4NetmaskLength: aws.Int32(28), TagSpecifications: opTag(types.ResourceTypeSubnet, "victim", true)})
		if err != nil {
			t.Fatal(err)
		}
		l.subnets[aws.ToString(s.Subnet.SubnetId)] = netip.MustParsePrefix(aws.ToString(s.Subnet.CidrBlock))
		ids = append(ids, aws.ToString(v.Vpc.VpcId), aws.ToString(s.Subnet.SubnetId))
	}
	noAlloc, lost, noRow, copied := ids[0], ids[1], ids[2], ids[3]
	const twin = "subnet-0ffffffffffffffff"
	conn, err := pgx.Connect(ctx, db.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{"DELETE FROM allocations WHERE resource_id = $1", []any{noAlloc}},
		{"ALTER TABLE subnets DROP CONSTRAINT IF EXISTS subnets_vpc_id_fkey", nil},
		{"DELETE FROM vpcs WHERE id = $1", []any{noRow}},
		{"DELETE FROM subnets WHERE id = $1", []any{lost}},
		{"ALTER TABLE subnet_blocks DROP CONSTRAINT subnet_blocks_no_overlap", nil},
		{`INSERT INTO subnets (id, owner, vpc_id, doc) SELECT $2, owner, vpc_id, jsonb_set(doc, '{id}', to_jsonb($2::text))
			FROM subnets WHERE id = $1`, []any{copied, twin}},
	} {
		if _, err := conn.Exec(ctx, st.sql, st.args...); err != nil {
			t.Fatalf("%s: %v", st.sql, err)
		}
	}
	list := strings.Join(auditVPCs(t, c, w, l), "\n")
	for _, want := range []string{
		"VPC block " + noAlloc + " ", "ORPHAN allocation", "acknowledged VPC " + noRow + " ",
		"acknowledged subnet " + lost + " ", "subnets OVERLAP",
	} {
		if !strings.Contains(list, want) {
			t.Errorf("checker did not report %q; it reported:\n%s", want, list)
		}
	}
}
