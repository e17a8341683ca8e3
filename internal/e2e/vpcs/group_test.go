package vpcs

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/sqlite"
	"github.com/ipamd/ipamd/internal/testserver"
)

// Subnets of different VPCs come from different planning pools, so they
// never share a pool's batch; they share group transactions instead
// (internal/ipam/batch.go). These tests hold the store's writer while the
// requests queue, so that they land in one group, and check that each
// still gets exactly its own answer.

// gatedStore holds every write transaction while its gate is closed,
// counts them, and fails InsertSubnet of a subnet tagged "fail" with an
// error that is no refusal (as a broken connection would), which spoils the
// whole transaction.
type gatedStore struct {
	ipam.Store
	mu      sync.Mutex
	gate    chan struct{}
	updates atomic.Int64
	blocked atomic.Int64 // Updates waiting at the gate
	failed  atomic.Int64 // InsertSubnet calls failed on purpose
}

var errInjected = errors.New("injected InsertSubnet failure")

func (s *gatedStore) close() { s.mu.Lock(); s.gate = make(chan struct{}); s.mu.Unlock() }
func (s *gatedStore) open()  { s.mu.Lock(); close(s.gate); s.gate = nil; s.mu.Unlock() }
func (s *gatedStore) waiting() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gate
}

func (s *gatedStore) Update(ctx context.Context, fn func(ipam.Tx) error) error {
	if g := s.waiting(); g != nil {
		s.blocked.Add(1)
		<-g
		s.blocked.Add(-1)
	}
	s.updates.Add(1)
	return s.Store.Update(ctx, func(tx ipam.Tx) error { return fn(failingTx{tx, s}) })
}

type failingTx struct {
	ipam.Tx
	s *gatedStore
}

func (t failingTx) InsertSubnet(sn *ipam.Subnet) error {
	for _, tag := range sn.Tags {
		if tag.Key == "fail" {
			t.s.failed.Add(1)
			return errInjected
		}
	}
	return t.Tx.InsertSubnet(sn)
}

// groupEnv is a server on a gatedStore with n VPCs (/16s from one pool),
// each with a resource planning pool provisioned with the VPC's CIDR.
type groupEnv struct {
	*env
	st    *gatedStore
	vpcs  []string
	plans []string
}

func newGroupEnv(t *testing.T, opts testserver.Options, n int) *groupEnv {
	t.Helper()
	base := opts.Store
	if base == nil {
		st, err := sqlite.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		base = st
	}
	g := &groupEnv{st: &gatedStore{Store: base}}
	opts.Store = g.st
	g.env = newEnv(t, opts)
	top := g.pool("10.0.0.0/8")
	for range n {
		v := g.vpcFrom(top, 16)
		plan, err := g.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: &g.priv, AddressFamily: types.AddressFamilyIpv4,
			SourceResource: &types.IpamPoolSourceResourceRequest{ResourceId: v.VpcId, ResourceType: types.IpamPoolSourceResourceTypeVpc,
				ResourceRegion: aws.String("us-east-1"), ResourceOwner: aws.String(account)}})
		must(t, err)
		_, err = g.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: plan.IpamPool.IpamPoolId, Cidr: v.CidrBlock})
		must(t, err)
		g.vpcs, g.plans = append(g.vpcs, *v.VpcId), append(g.plans, *plan.IpamPool.IpamPoolId)
	}
	return g
}

// subnetCall is one CreateSubnet made straight on the service (no SDK
// retries): from VPC vpc's planning pool, or from pool's if pool >= 0.
type subnetCall struct {
	vpc, pool int
	fail      bool
	sn        *ipam.Subnet
	err       error
}

// createHeld makes calls concurrently while the store's writer is held by
// the first of them, so that the others queue up behind it and share
// transactions, and waits for all of them.
func (g *groupEnv) createHeld(calls []*subnetCall) {
	g.st.close()
	c := ipam.Caller{AccountID: account, Region: "us-east-1"}
	var wg sync.WaitGroup
	for k, call := range calls {
		if k == 1 {
			for g.st.blocked.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool := call.vpc
			if call.pool >= 0 {
				pool = call.pool
			}
			in := ipam.CreateSubnetInput{VpcID: g.vpcs[call.vpc], Ipv4IpamPoolID: g.plans[pool], Ipv4NetmaskLength: ptr(24)}
			if call.fail {
				in.TagSpecifications = []ipam.TagSpecification{{ResourceType: "subnet", Tags: []ipam.Tag{{Key: "fail", Value: "yes"}}}}
			}
			call.sn, call.err = g.srv.Service.CreateSubnet(ctx, c, in)
		}()
	}
	time.Sleep(300 * time.Millisecond) // all of them queue behind the held writer
	g.st.open()
	wg.Wait()
}

// check verifies that each VPC's subnets are exactly its planning pool's
// allocations and that no two overlap.
func (g *groupEnv) check(t *testing.T, wantPerVPC []int) {
	t.Helper()
	for i, vpc := range g.vpcs {
		out, err := g.c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", vpc)}})
		must(t, err)
		slices.SortFunc(out.Subnets, func(a, b types.Subnet) int { // address order, as the allocations
			return netip.MustParsePrefix(*a.CidrBlock).Addr().Compare(netip.MustParsePrefix(*b.CidrBlock).Addr())
		})
		var got []string
		var prefixes []netip.Prefix
		for _, sn := range out.Subnets {
			got = append(got, *sn.CidrBlock+" subnet "+*sn.SubnetId)
			p := netip.MustParsePrefix(*sn.CidrBlock)
			for _, q := range prefixes {
				if p.Overlaps(q) {
					t.Errorf("vpc %d: subnets %s and %s overlap", i, p, q)
				}
			}
			prefixes = append(prefixes, p)
		}
		if len(got) != wantPerVPC[i] {
			t.Errorf("vpc %d: %d subnets, want %d: %q", i, len(got), wantPerVPC[i], got)
		}
		wantStrings(t, sprintf("vpc %d's planning pool allocations", i), g.allocations(g.plans[i]), got...)
	}
}

func ptr[T any](v T) *T { return &v }

// One request whose writes fail in a group transaction, and one refused
// under its pool's lock, fail alone: every other subnet of the group lands,
// and the pools' cached free space stays exactly what committed.
func TestSubnetGroupIsolatesFailures(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		const n = 8
		g := newGroupEnv(t, opts, n)
		calls := []*subnetCall{{vpc: 0, pool: -1}} // the first holds the writer; the rest queue behind it
		for i := 1; i < n-1; i++ {
			calls = append(calls, &subnetCall{vpc: i, pool: -1})
		}
		// The failing call has its VPC's planning pool to itself: were it
		// queued behind another call of its pool, it could reach the group
		// queue after the group had gone and run alone at once.
		calls = append(calls,
			&subnetCall{vpc: n - 1, pool: -1, fail: true}, // spoils the group's transaction
			&subnetCall{vpc: 5, pool: 6},                  // another VPC's planning pool: refused under the lock
			&subnetCall{vpc: 2, pool: -1})                 // a second subnet of VPC 2, batched with the first
		g.createHeld(calls)

		want := make([]int, n)
		for k, call := range calls {
			switch {
			case call.fail:
				if !errors.Is(call.err, errInjected) && (call.err == nil || call.sn != nil) {
					t.Errorf("call %d: the failing subnet returned %v, %v", k, call.sn, call.err)
				}
			case call.pool >= 0:
				var de *ipam.Error
				if !errors.As(call.err, &de) || de.Code != ipam.CodeInvalidParameterValue {
					t.Errorf("call %d: subnet from another VPC's pool: %v, want InvalidParameterValue", k, call.err)
				}
			case call.err != nil:
				t.Errorf("call %d (vpc %d): %v", k, call.vpc, call.err)
			default:
				want[call.vpc]++
			}
		}
		if got := g.st.failed.Load(); got < 2 {
			t.Errorf("the failing InsertSubnet ran %d times; want it in a group first, then alone", got)
		}
		g.check(t, want)

		// The caches are right: the next subnets go to the lowest free
		// blocks, around the committed ones.
		var next []*subnetCall
		for i := range n {
			next = append(next, &subnetCall{vpc: i, pool: -1})
			want[i]++
		}
		g.createHeld(next)
		for k, call := range next {
			if call.err != nil {
				t.Fatalf("second round, call %d: %v", k, call.err)
			}
		}
		g.check(t, want)
	})
}

// Concurrent subnets of many VPCs all land, without overlaps; one subnet
// for each VPC (so no two share a pool's batch) takes fewer write
// transactions than subnets.
func TestConcurrentSubnetsOfManyVpcsShareCommits(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		const n, rounds = 16, 4
		g := newGroupEnv(t, opts, n)
		want := make([]int, n)
		for round := range rounds {
			var calls []*subnetCall
			per := 1 + round // more subnets per VPC each round
			for k := range n * per {
				calls = append(calls, &subnetCall{vpc: k % n, pool: -1})
				want[k%n]++
			}
			before := g.st.updates.Load()
			g.createHeld(calls)
			for k, call := range calls {
				if call.err != nil {
					t.Fatalf("round %d, call %d: %v", round, k, call.err)
				}
			}
			if got := g.st.updates.Load() - before; per == 1 && got >= int64(len(calls)) {
				t.Errorf("%d write transactions for one subnet in each of %d VPCs: nothing was shared", got, n)
			}
		}
		g.check(t, want)
	})
}
