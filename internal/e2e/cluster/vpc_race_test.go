package cluster

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// together runs fns at the same moment (as near as goroutines get) and
// returns their errors in order.
func together(fns ...func() error) []error {
	errs := make([]error, len(fns))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Go(func() {
			<-start
			errs[i] = f()
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// code is err's EC2 error code: "" for nil, "no answer: ..." without one.
func code(err error) string {
	var ae smithy.APIError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ae):
		return ae.ErrorCode()
	}
	return "no answer: " + err.Error()
}

// TestSubnetRaceAcrossNodes: two overlapping explicit CreateSubnet calls on
// two nodes of one PostgreSQL at once, many rounds (identical, nested and
// containing blocks): exactly one wins, the other gets
// InvalidSubnet.Conflict. A third call in each round takes a block from the
// planning pool on a third node: it wins too, somewhere else.
func TestSubnetRaceAcrossNodes(t *testing.T) {
	nodes := pgNodes(t, 3)
	w := setupVPCs(t, newClient(nodes[0].url()), "10.0.0.0/12")
	a, b, c := newClient(nodes[0].url()), newClient(nodes[1].url()), newClient(nodes[2].url())
	explicit := func(cl *ec2.Client, cidr string) func() error {
		return func() error {
			_, err := cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), CidrBlock: aws.String(cidr)})
			return err
		}
	}
	var got netip.Prefix // the pooled subnet of the round
	pooled := func() error {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(w.home), Ipv4IpamPoolId: aws.String(w.plan),
			Ipv4NetmaskLength: aws.Int32(26), TagSpecifications: opTag(types.ResourceTypeSubnet, "pooled", true)})
		if err == nil {
			got = netip.MustParsePrefix(aws.ToString(out.Subnet.CidrBlock))
		}
		return err
	}
	shapes := [][2]string{{"10.%d.%d.0/24", "10.%d.%d.0/24"}, {"10.%d.%d.0/24", "10.%d.%d.128/25"},
		{"10.%d.%d.64/26", "10.%d.%d.0/24"}, {"10.%d.%d.0/25", "10.%d.%d.0/26"}}
	second := w.homeCIDR.Addr().As4()[1]
	contested := 0
	for round := range 60 {
		// Rounds walk up from the bottom of the VPC, where the planning
		// pool's lowest free block is too: the pooled call races them.
		s := shapes[round%len(shapes)]
		x, y := fmt.Sprintf(s[0], second, round), fmt.Sprintf(s[1], second, round)
		got = netip.Prefix{}
		errs := together(explicit(a, x), explicit(b, y), pooled)
		wins := 0
		for i, err := range errs[:2] {
			switch code(err) {
			case "":
				wins++
			case "InvalidSubnet.Conflict":
			default:
				t.Errorf("round %d: call %d (%s / %s): %v", round, i, x, y, err)
			}
		}
		if errs[2] != nil {
			t.Errorf("round %d: pooled CreateSubnet: %v", round, errs[2])
		}
		// The pooled subnet may take the contested space first; then
		// both explicit calls may lose, but never both win.
		free := !got.Overlaps(netip.MustParsePrefix(x)) && !got.Overlaps(netip.MustParsePrefix(y))
		if !free {
			contested++
		}
		if wins > 1 || (free && wins != 1) {
			t.Errorf("round %d: %s and %s on two nodes (pooled %s): %d won (%v)", round, x, y, got, wins, errs[:2])
		}
	}
	t.Logf("the pooled subnet took contested space in %d of 60 rounds", contested)
	checkVPCs(t, nodes, w, nil)
}

// TestVpcPoolRaceThreeNodes: CreateVpc from one pool on three nodes at
// once, 8 clients each: no two VPC blocks overlap, every VPC has exactly
// its allocation and every allocation its VPC.
func TestVpcPoolRaceThreeNodes(t *testing.T) {
	nodes := pgNodes(t, 3)
	w := setupVPCs(t, newClient(nodes[0].url()), "10.0.0.0/12")
	var mu sync.Mutex
	var made []netip.Prefix
	var fns []func() error
	for i := range 24 {
		cl := newClient(nodes[i%3].url())
		fns = append(fns, func() error {
			for k := range 12 {
				out, err := cl.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool),
					Ipv4NetmaskLength: aws.Int32(int32(20 + (i+k)%5))})
				if err != nil {
					return err
				}
				mu.Lock()
				made = append(made, netip.MustParsePrefix(aws.ToString(out.Vpc.CidrBlock)))
				mu.Unlock()
			}
			return nil
		})
	}
	for i, err := range together(fns...) {
		if err != nil {
			t.Errorf("client %d: %v", i, err)
		}
	}
	for i := range made {
		for j := i + 1; j < len(made); j++ {
			if made[i].Overlaps(made[j]) {
				t.Errorf("VPC blocks OVERLAP: %s and %s", made[i], made[j])
			}
		}
	}
	if len(made) != 24*12 {
		t.Errorf("%d VPCs made, want %d", len(made), 24*12)
	}
	checkVPCs(t, nodes, w, nil)
}

// TestVpcReleaseAcrossNodes: a pool with room for one /16 only. Round after
// round, DeleteVpc on one node and at once CreateVpc on another: the block
// is free there immediately (no wait, no retry), and the pool's allocations
// show the new VPC, not the old one.
func TestVpcReleaseAcrossNodes(t *testing.T) {
	nodes := pgNodes(t, 3)
	// The home VPC takes 10.0.0.0/16; the second /16 is the one that moves.
	w := setupVPCs(t, newClient(nodes[0].url()), "10.0.0.0/15")
	clients := []*ec2.Client{newClient(nodes[0].url()), newClient(nodes[1].url()), newClient(nodes[2].url())}
	create := func(c *ec2.Client) (string, error) {
		out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool), Ipv4NetmaskLength: aws.Int32(16)})
		if err != nil {
			return "", err
		}
		if got := aws.ToString(out.Vpc.CidrBlock); got != "10.1.0.0/16" {
			t.Fatalf("CreateVpc got %s, want 10.1.0.0/16", got)
		}
		return aws.ToString(out.Vpc.VpcId), nil
	}
	id, err := create(clients[0])
	if err != nil {
		t.Fatal(err)
	}
	// Full: every node refuses.
	for i, c := range clients {
		if _, err := create(c); code(err) != "InvalidParameterValue" {
			t.Fatalf("node %d: CreateVpc in a full pool: %v", i, err)
		}
	}
	for round := range 30 {
		from, to := clients[round%3], clients[(round+1)%3]
		if _, err := from.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)}); err != nil {
			t.Fatalf("round %d: DeleteVpc: %v", round, err)
		}
		if id, err = create(to); err != nil {
			t.Fatalf("round %d: CreateVpc on the next node right after DeleteVpc: %v", round, err)
		}
	}
	checkVPCs(t, nodes, w, nil)
}

// TestSubnetRacesDeleteVpc: on two nodes at once, DeleteVpc on one and on
// the other CreateSubnet (even rounds) or AssociateVpcCidrBlock from a
// second pool (odd rounds, which DeleteVpc did not lock), many rounds.
// CreateSubnet and DeleteVpc: exactly one wins (the other gets
// InvalidVpcID.NotFound or DependencyViolation). AssociateVpcCidrBlock and
// DeleteVpc: DeleteVpc always wins, after the block if that came first; the
// checker then finds no allocation left behind in either pool, and never a
// subnet outliving its VPC.
func TestSubnetRacesDeleteVpc(t *testing.T) {
	nodes := pgNodes(t, 2)
	w := setupVPCs(t, newClient(nodes[0].url()), "10.0.0.0/12")
	a, b := newClient(nodes[0].url()), newClient(nodes[1].url())
	tally := map[string]int{}
	for round := range 80 {
		out, err := a.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(w.pool), Ipv4NetmaskLength: aws.Int32(24)})
		if err != nil {
			t.Fatal(err)
		}
		v := out.Vpc
		other := func() error {
			_, err := b.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.VpcId, CidrBlock: v.CidrBlock})
			return err
		}
		if round%2 == 1 {
			other = func() error {
				_, err := b.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: v.VpcId,
					Ipv4IpamPoolId: aws.String(w.other), Ipv4NetmaskLength: aws.Int32(24)})
				return err
			}
		}
		errs := together(func() error {
			_, err := a.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: v.VpcId})
			return err
		}, other)
		outcome := fmt.Sprintf("%d: DeleteVpc %q, %q", round%2, code(errs[0]), code(errs[1]))
		tally[outcome]++
		switch outcome {
		case `0: DeleteVpc "", "InvalidVpcID.NotFound"`, `0: DeleteVpc "DependencyViolation", ""`,
			`1: DeleteVpc "", "InvalidVpcID.NotFound"`, `1: DeleteVpc "", ""`:
		default:
			t.Errorf("round %d: %s (%v)", round, outcome, errs)
		}
	}
	t.Logf("outcomes (0: with CreateSubnet, 1: with AssociateVpcCidrBlock): %v", tally)
	checkVPCs(t, nodes, w, nil)
}
