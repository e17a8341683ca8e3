package cluster

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// world is what the load runs against: one IPAM, its private scope, and a
// few shared top-level pools.
type world struct {
	scopeID string
	pools   []sharedPool
}

type sharedPool struct {
	id     string
	family types.AddressFamily
	cidr   netip.Prefix
}

// setup creates the IPAM and the shared pools through c.
func setup(t *testing.T, c *ec2.Client) *world {
	t.Helper()
	ip, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{Description: aws.String("cluster")})
	if err != nil {
		t.Fatalf("CreateIpam: %v", err)
	}
	w := &world{scopeID: aws.ToString(ip.Ipam.PrivateDefaultScopeId)}
	for _, s := range []string{"10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16", "fd00:1::/48"} {
		p := netip.MustParsePrefix(s)
		fam := types.AddressFamilyIpv4
		if p.Addr().Is6() {
			fam = types.AddressFamilyIpv6
		}
		out, err := c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(w.scopeID),
			AddressFamily: fam, Description: aws.String("shared " + s)})
		if err != nil {
			t.Fatalf("CreateIpamPool: %v", err)
		}
		id := aws.ToString(out.IpamPool.IpamPoolId)
		if _, err := c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(id),
			Cidr: aws.String(s)}); err != nil {
			t.Fatalf("ProvisionIpamPoolCidr %s: %v", s, err)
		}
		w.pools = append(w.pools, sharedPool{id: id, family: fam, cidr: p})
	}
	return w
}

// outcome is what an answer says about whether an operation happened.
type outcome int

const (
	acked   outcome = iota // it happened
	refused                // an expected refusal: it did not happen
	unknown                // no answer (or 503): it may or may not have happened
	bad                    // an answer the operation must never give
)

// policy says which answers without a definite outcome are tolerated.
type policy struct {
	transport   bool // no HTTP answer (the node was killed)
	unavailable bool // 503 ServiceUnavailable (the database was cut)
}

func classify(err error, p policy, expected ...string) (outcome, string) {
	if err == nil {
		return acked, ""
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() == 0 {
		if p.transport {
			return unknown, ""
		}
		return bad, "transport error: " + err.Error()
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return bad, fmt.Sprintf("HTTP %d without an EC2 error: %v", re.HTTPStatusCode(), err)
	}
	code := ae.ErrorCode()
	switch {
	case re.HTTPStatusCode() == 400 && slices.Contains(expected, code):
		return refused, ""
	case re.HTTPStatusCode() == 503 && code == "ServiceUnavailable" && p.unavailable:
		return unknown, ""
	}
	return bad, fmt.Sprintf("HTTP %d %s: %s", re.HTTPStatusCode(), code, ae.ErrorMessage())
}

type alloc struct {
	id, pool, desc string
	cidr           netip.Prefix
}

// ledger records every operation's outcome, for the checker.
type ledger struct {
	mu             sync.Mutex
	allocs         map[string]alloc          // acknowledged allocations by id
	released       map[string]bool           // acknowledged releases
	maybeAlloc     map[string]string         // description of an unknown allocation -> pool
	maybeReleased  map[string]bool           // allocation ids of unknown releases
	children       map[string]string         // acknowledged child pool -> source pool
	maybeChild     map[string]string         // description of an unknown CreateIpamPool -> source pool
	provisions     map[string][]netip.Prefix // child pool -> acknowledged provisioned CIDRs
	maybeProvision map[string]int            // child pool -> unknown provisionings
	unexpected     []string
	stats          map[string]*[4]int // operation -> count by outcome
}

func newLedger() *ledger {
	return &ledger{allocs: map[string]alloc{}, released: map[string]bool{}, maybeAlloc: map[string]string{},
		maybeReleased: map[string]bool{}, children: map[string]string{}, maybeChild: map[string]string{},
		provisions: map[string][]netip.Prefix{}, maybeProvision: map[string]int{}, stats: map[string]*[4]int{}}
}

// note counts an outcome; a bad one is kept for the failure message.
func (l *ledger) note(op string, o outcome, node, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats[op]
	if s == nil {
		s = new([4]int)
		l.stats[op] = s
	}
	s[o]++
	if o == bad && len(l.unexpected) < 50 {
		l.unexpected = append(l.unexpected, fmt.Sprintf("%s on %s: %s", op, node, msg))
	}
}

func (l *ledger) fail(op, node, format string, args ...any) {
	l.note(op, bad, node, fmt.Sprintf(format, args...))
}

func (l *ledger) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ops []string
	for op := range l.stats {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var b strings.Builder
	for _, op := range ops {
		s := l.stats[op]
		fmt.Fprintf(&b, "  %-22s acked %6d  refused %5d  unknown %4d  bad %d\n", op, s[acked], s[refused], s[unknown], s[bad])
	}
	return b.String()
}

func (l *ledger) total(o outcome) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.stats {
		n += s[o]
	}
	return n
}

// loadClient is one SDK client with its own random mix and its own
// allocations to release.
type loadClient struct {
	caller
	id   int
	c    *ec2.Client
	w    *world
	rng  *rand.Rand
	seq  int
	live []alloc
	kids []*kid
}

type kid struct {
	id, source string
	family     types.AddressFamily
	cidrs      int
}

type loadConfig struct {
	nodes    []*node
	clients  int
	duration time.Duration
	policy   func(n *node) policy
	// during runs alongside the load (kills, cuts); the load stops when both
	// the duration is over and during returned.
	during func()
}

// runLoad runs cfg.clients clients, spread round-robin over the nodes, for
// cfg.duration, and returns what they recorded.
func runLoad(t *testing.T, w *world, cfg loadConfig) *ledger {
	t.Helper()
	l := newLedger()
	el := drive(cfg.clients, cfg.duration, cfg.during, func(i int) func() {
		n := cfg.nodes[i%len(cfg.nodes)]
		lc := &loadClient{id: i, caller: caller{node: n, l: l}, c: newClient(n.url()), w: w,
			rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))}
		if cfg.policy != nil {
			lc.pol = cfg.policy(n)
		}
		return lc.step
	})
	t.Logf("load: %d clients on %d nodes for %v: %d acknowledged operations (%.0f/s), %d unknown\n%s",
		cfg.clients, len(cfg.nodes), el.Round(time.Millisecond), l.total(acked),
		float64(l.total(acked))/el.Seconds(), l.total(unknown), l.summary())
	return l
}

// drive runs clients goroutines, each calling its step (made by mk) over
// and over, until d is over and during (if any) returned; it returns how
// long they ran.
func drive(clients int, d time.Duration, during func(), mk func(i int) func()) time.Duration {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		step := mk(i)
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				step()
			}
		})
	}
	start := time.Now()
	timer := time.NewTimer(d)
	if during != nil {
		during()
	}
	<-timer.C
	close(stop)
	wg.Wait()
	return time.Since(start)
}

func (lc *loadClient) step() {
	lc.backoff()
	r := lc.rng.Float64()
	releaseShare := 0.2
	if len(lc.live) > 40 {
		releaseShare = 0.5
	}
	switch {
	case r < 0.02:
		lc.child()
	case r < 0.10:
		lc.preview()
	case r < 0.10+releaseShare && len(lc.live) > 0:
		lc.release()
	default:
		lc.allocate()
	}
}

// caller is what every load client has: its node, the answers without a
// definite outcome it tolerates, the ledger it notes answers in, and the
// time of its last transport error.
type caller struct {
	node  *node
	pol   policy
	l     *ledger
	fault time.Time
}

// result classifies err for op and records a bad answer. A transport error
// also starts a short back-off.
func (cl *caller) result(op string, err error, expected ...string) outcome {
	o, msg := classify(err, cl.pol, expected...)
	cl.l.note(op, o, cl.node.name, msg)
	if o == unknown {
		cl.fault = time.Now()
	}
	return o
}

// backoff waits a little after a transport error: the node may be down.
func (cl *caller) backoff() {
	if !cl.fault.IsZero() && time.Since(cl.fault) < 20*time.Millisecond {
		time.Sleep(20 * time.Millisecond)
	}
}

func (lc *loadClient) pool() sharedPool { return lc.w.pools[lc.rng.IntN(len(lc.w.pools))] }

// bits is a random allocation size for pool p.
func (lc *loadClient) bits(p sharedPool) int {
	if p.family == types.AddressFamilyIpv4 {
		return 26 + lc.rng.IntN(3) // /26 - /28
	}
	return 58 + lc.rng.IntN(7) // /58 - /64
}

// randomPrefix is a random aligned prefix of the given length inside p.
func (lc *loadClient) randomPrefix(p netip.Prefix, bits int) netip.Prefix {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < bits; i++ {
		if lc.rng.IntN(2) == 1 {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return netip.PrefixFrom(a, bits)
}

func (lc *loadClient) desc() string {
	lc.seq++
	return fmt.Sprintf("c%d-op%d", lc.id, lc.seq)
}

func (lc *loadClient) allocate() {
	p := lc.pool()
	bits := lc.bits(p)
	desc := lc.desc()
	in := &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(p.id), Description: aws.String(desc)}
	op := "allocate"
	var want, allowed, disallowed netip.Prefix
	switch r := lc.rng.IntN(10); {
	case r < 2:
		op = "allocate-cidr"
		want = lc.randomPrefix(p.cidr, bits)
		in.Cidr = aws.String(want.String())
	case r < 4:
		op = "allocate-allowed"
		in.NetmaskLength = aws.Int32(int32(bits))
		allowed = lc.randomPrefix(p.cidr, p.cidr.Bits()+4)
		disallowed = lc.randomPrefix(allowed, allowed.Bits()+2)
		in.AllowedCidrs = []string{allowed.String()}
		in.DisallowedCidrs = []string{disallowed.String()}
	default:
		in.NetmaskLength = aws.Int32(int32(bits))
	}
	out, err := lc.c.AllocateIpamPoolCidr(ctx, in)
	switch lc.result(op, err, "InvalidParameterValue") {
	case acked:
		a := out.IpamPoolAllocation
		got, perr := netip.ParsePrefix(aws.ToString(a.Cidr))
		switch {
		case perr != nil:
			lc.l.fail(op, lc.node.name, "answered CIDR %q: %v", aws.ToString(a.Cidr), perr)
			return
		case !p.cidr.Contains(got.Addr()) || got.Bits() != bits:
			lc.l.fail(op, lc.node.name, "asked /%d in %s, got %s", bits, p.cidr, got)
		case want.IsValid() && got != want:
			lc.l.fail(op, lc.node.name, "asked for %s, got %s", want, got)
		case allowed.IsValid() && (!allowed.Contains(got.Addr()) || got.Overlaps(disallowed)):
			lc.l.fail(op, lc.node.name, "allowed %s disallowed %s, got %s", allowed, disallowed, got)
		case aws.ToString(a.Description) != desc:
			lc.l.fail(op, lc.node.name, "description %q, want %q", aws.ToString(a.Description), desc)
		}
		x := alloc{id: aws.ToString(a.IpamPoolAllocationId), pool: p.id, desc: desc, cidr: got}
		lc.l.mu.Lock()
		lc.l.allocs[x.id] = x
		lc.l.mu.Unlock()
		lc.live = append(lc.live, x)
	case unknown:
		lc.l.mu.Lock()
		lc.l.maybeAlloc[desc] = p.id
		lc.l.mu.Unlock()
	}
}

func (lc *loadClient) preview() {
	p := lc.pool()
	bits := lc.bits(p)
	out, err := lc.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(p.id),
		NetmaskLength: aws.Int32(int32(bits)), PreviewNextCidr: aws.Bool(true)})
	if lc.result("preview", err, "InvalidParameterValue") != acked {
		return
	}
	got, perr := netip.ParsePrefix(aws.ToString(out.IpamPoolAllocation.Cidr))
	if perr != nil || !p.cidr.Contains(got.Addr()) || got.Bits() != bits {
		lc.l.fail("preview", lc.node.name, "asked /%d in %s, previewed %q", bits, p.cidr, aws.ToString(out.IpamPoolAllocation.Cidr))
	}
}

func (lc *loadClient) release() {
	i := lc.rng.IntN(len(lc.live))
	a := lc.live[i]
	lc.live[i] = lc.live[len(lc.live)-1]
	lc.live = lc.live[:len(lc.live)-1]
	_, err := lc.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(a.pool),
		IpamPoolAllocationId: aws.String(a.id), Cidr: aws.String(a.cidr.String())})
	switch lc.result("release", err) { // releasing one's own live allocation is never refused
	case acked:
		lc.l.mu.Lock()
		lc.l.released[a.id] = true
		lc.l.mu.Unlock()
	case unknown:
		lc.l.mu.Lock()
		lc.l.maybeReleased[a.id] = true
		lc.l.mu.Unlock()
	}
}

// child creates a child pool of a shared pool, or provisions a CIDR of
// NetmaskLength into one of this client's children from its source.
func (lc *loadClient) child() {
	var k *kid
	for _, x := range lc.kids {
		if x.cidrs < 3 && (k == nil || lc.rng.IntN(2) == 0) {
			k = x
		}
	}
	if k == nil || (len(lc.kids) < 3 && lc.rng.IntN(3) == 0) {
		p := lc.pool()
		desc := lc.desc()
		out, err := lc.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(lc.w.scopeID),
			AddressFamily: p.family, SourceIpamPoolId: aws.String(p.id), Description: aws.String(desc)})
		switch lc.result("create-child", err) {
		case acked:
			id := aws.ToString(out.IpamPool.IpamPoolId)
			lc.kids = append(lc.kids, &kid{id: id, source: p.id, family: p.family})
			lc.l.mu.Lock()
			lc.l.children[id] = p.id
			lc.l.mu.Unlock()
		case unknown:
			lc.l.mu.Lock()
			lc.l.maybeChild[desc] = p.id
			lc.l.mu.Unlock()
		}
		return
	}
	bits := 24
	if k.family == types.AddressFamilyIpv6 {
		bits = 56
	}
	out, err := lc.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(k.id),
		NetmaskLength: aws.Int32(int32(bits))})
	k.cidrs++ // whatever happened: an unknown one may count
	switch lc.result("provision-child", err, "InvalidParameterValue") {
	case acked:
		got, perr := netip.ParsePrefix(aws.ToString(out.IpamPoolCidr.Cidr))
		var src netip.Prefix
		for _, p := range lc.w.pools {
			if p.id == k.source {
				src = p.cidr
			}
		}
		if perr != nil || got.Bits() != bits || !src.Contains(got.Addr()) {
			lc.l.fail("provision-child", lc.node.name, "asked /%d from %s, got %q", bits, src, aws.ToString(out.IpamPoolCidr.Cidr))
			return
		}
		lc.l.mu.Lock()
		lc.l.provisions[k.id] = append(lc.l.provisions[k.id], got)
		lc.l.mu.Unlock()
	case unknown:
		lc.l.mu.Lock()
		lc.l.maybeProvision[k.id]++
		lc.l.mu.Unlock()
	}
}

// checkBad fails the test with the answers no operation may give.
func checkBad(t *testing.T, l *ledger) {
	t.Helper()
	if len(l.unexpected) > 0 {
		t.Errorf("%d unexpected answers, first ones:\n  %s", len(l.unexpected), strings.Join(l.unexpected, "\n  "))
	}
}

// listAllocations reads a pool's allocations through GetIpamPoolAllocations,
// a page at a time.
func listAllocations(c *ec2.Client, poolID string, pageSize int32) ([]types.IpamPoolAllocation, error) {
	var out []types.IpamPoolAllocation
	pg := ec2.NewGetIpamPoolAllocationsPaginator(c, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(poolID),
		MaxResults: aws.Int32(pageSize)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.IpamPoolAllocations...)
	}
	return out, nil
}

func listPoolCIDRs(c *ec2.Client, poolID string) ([]types.IpamPoolCidr, error) {
	var out []types.IpamPoolCidr
	pg := ec2.NewGetIpamPoolCidrsPaginator(c, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String(poolID),
		MaxResults: aws.Int32(100)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.IpamPoolCidrs...)
	}
	return out, nil
}

func listPools(c *ec2.Client) ([]types.IpamPool, error) {
	var out []types.IpamPool
	pg := ec2.NewDescribeIpamPoolsPaginator(c, &ec2.DescribeIpamPoolsInput{MaxResults: aws.Int32(100)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.IpamPools...)
	}
	return out, nil
}
