package cluster

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestClientTokenAcrossNodes: a client that retries an allocation on
// another node while the first call is still running (a load balancer's
// retry) must get one allocation, and the same answer from every node. Each
// round sends one request with one ClientToken to all three nodes at once,
// from eight rounds in flight, so the nodes keep racing on the token: the
// loser's transaction fails on the token's unique key and runs again, and
// then reads the winner's answer. No client retries here.
func TestClientTokenAcrossNodes(t *testing.T) {
	nodes := pgNodes(t, 3)
	w := setup(t, newClient(nodes[0].url()))
	sp := w.pools[0]
	clients := make([]*ec2.Client, len(nodes))
	for i, n := range nodes {
		clients[i] = newClient(n.url())
	}
	const workers = 8
	var mu sync.Mutex
	tokens := map[string]string{} // token -> allocation id answered
	var wg sync.WaitGroup
	deadline := time.Now().Add(5 * time.Second)
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; time.Now().Before(deadline); round++ {
				token := fmt.Sprintf("retry-%d-%d", wk, round)
				in := &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(sp.id), NetmaskLength: aws.Int32(28),
					Description: aws.String(token), ClientToken: aws.String(token)}
				answers := make([]*types.IpamPoolAllocation, len(clients))
				errs := make([]error, len(clients))
				var rw sync.WaitGroup
				for i, c := range clients {
					rw.Add(1)
					go func() {
						defer rw.Done()
						out, err := c.AllocateIpamPoolCidr(ctx, in)
						if err == nil {
							answers[i] = out.IpamPoolAllocation
						}
						errs[i] = err
					}()
				}
				rw.Wait()
				for i, err := range errs {
					if err != nil {
						t.Errorf("token %s on %s: %v", token, nodes[i].name, err)
						return
					}
				}
				first := answers[0]
				for i, a := range answers[1:] {
					if aws.ToString(a.IpamPoolAllocationId) != aws.ToString(first.IpamPoolAllocationId) ||
						aws.ToString(a.Cidr) != aws.ToString(first.Cidr) {
						t.Errorf("token %s: %s answered %s %s, %s answered %s %s", token,
							nodes[0].name, aws.ToString(first.IpamPoolAllocationId), aws.ToString(first.Cidr),
							nodes[i+1].name, aws.ToString(a.IpamPoolAllocationId), aws.ToString(a.Cidr))
					}
				}
				mu.Lock()
				tokens[token] = aws.ToString(first.IpamPoolAllocationId)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if len(tokens) < 50 {
		t.Fatalf("only %d rounds in 5 s: the test did not race", len(tokens))
	}
	// The pool holds exactly one allocation per token, the one answered.
	c := clients[1]
	var got []types.IpamPoolAllocation
	p := ec2.NewGetIpamPoolAllocationsPaginator(c, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(sp.id)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("GetIpamPoolAllocations: %v", err)
		}
		got = append(got, out.IpamPoolAllocations...)
	}
	if len(got) != len(tokens) {
		t.Errorf("%d allocations for %d tokens", len(got), len(tokens))
	}
	var prev netip.Prefix
	for _, a := range got {
		desc := aws.ToString(a.Description)
		if id, ok := tokens[desc]; !ok || id != aws.ToString(a.IpamPoolAllocationId) {
			t.Errorf("allocation %s (%s) is not the one answered for its token (%s)", aws.ToString(a.IpamPoolAllocationId), desc, id)
		}
		cur := netip.MustParsePrefix(aws.ToString(a.Cidr))
		if prev.IsValid() && prev.Overlaps(cur) {
			t.Errorf("%s overlaps %s", prev, cur)
		}
		prev = cur
	}
	t.Logf("%d tokens, each sent to %d nodes at once", len(tokens), len(nodes))
}
