package cluster

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
)

// proxy is a TCP relay between ipamd and the shared PostgreSQL server, so a
// test can take "the database" away from one ipamd without touching the
// server other engineers use. While cut, every relayed connection is closed
// and new ones are accepted and closed at once: what a database restart or
// a network partition with resets looks like to the client.
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.setCut(true)
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.relay(c)
	}
}

func (p *proxy) relay(c net.Conn) {
	if !p.track(c) {
		c.Close()
		return
	}
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil || !p.track(up) {
		c.Close()
		if up != nil {
			up.Close()
		}
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	c.Close()
	up.Close()
	<-done
	p.untrack(c)
	p.untrack(up)
}

// track registers c, unless the proxy is cut.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// setCut cuts (closing every relayed connection) or restores the relay.
func (p *proxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
	}
}

// wantUnavailable asserts err is HTTP 503 with the EC2 error ServiceUnavailable.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	var re *awshttp.ResponseError
	var ae smithy.APIError
	switch {
	case err == nil:
		t.Errorf("%s succeeded while the database was cut", what)
	case !errors.As(err, &re) || !errors.As(err, &ae):
		t.Errorf("%s: %v, want HTTP 503 ServiceUnavailable", what, err)
	case re.HTTPStatusCode() != http.StatusServiceUnavailable || ae.ErrorCode() != "ServiceUnavailable":
		t.Errorf("%s: HTTP %d %s (%s), want 503 ServiceUnavailable", what, re.HTTPStatusCode(), ae.ErrorCode(), ae.ErrorMessage())
	}
}

// TestDatabaseOutage: one ipamd reaches PostgreSQL through a relay that the
// test cuts and restores (the shared server itself is never touched).
// While cut, API calls answer 503 ServiceUnavailable in the EC2 error
// format, and /healthz answers 503; after restore both recover by
// themselves, without restarting ipamd. Then, under load from 8 clients,
// the relay is cut twice: every answer is a success, an expected refusal
// or 503, and the checker finds exactly what was acknowledged (a 503 may or
// may not have happened: COMMIT may have been lost on the way back).
func TestDatabaseOutage(t *testing.T) {
	db := newDatabase(t)
	px := startProxy(t, db.Host)
	u := *db
	u.Host = px.addr()
	n := startNode(t, "node0", "--database-url", u.String(), "--max-pools", "500")
	c := newClient(n.url())
	w := setup(t, c)
	pool := aws.String(w.pools[0].id)
	var made []alloc // acknowledged outside the load
	allocate := func() error {
		out, err := c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: pool, NetmaskLength: aws.Int32(24),
			Description: aws.String("outside")})
		if err == nil {
			a := out.IpamPoolAllocation
			made = append(made, alloc{id: aws.ToString(a.IpamPoolAllocationId), pool: *pool, desc: "outside",
				cidr: netip.MustParsePrefix(aws.ToString(a.Cidr))})
		}
		return err
	}
	if err := allocate(); err != nil {
		t.Fatal(err)
	}

	px.setCut(true)
	start := time.Now()
	wantUnavailable(t, "AllocateIpamPoolCidr", allocate())
	_, err := c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{})
	wantUnavailable(t, "DescribeIpamPools", err)
	if code := n.healthz(); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz while cut: %d, want 503", code)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("three calls while cut took %v: failing should be quick", d)
	}

	px.setCut(false)
	deadline := time.Now().Add(20 * time.Second)
	for n.healthz() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("/healthz still not 200 20s after the database came back\n%s", n.logTail(8))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("healthy %v after restore", time.Since(deadline.Add(-20*time.Second)).Round(time.Millisecond))
	if err := allocate(); err != nil {
		t.Fatalf("allocate after restore: %v", err)
	}

	// Cuts under load.
	l := runLoad(t, w, loadConfig{nodes: []*node{n}, clients: 8, duration: 6 * time.Second,
		policy: func(*node) policy { return policy{unavailable: true} },
		during: func() {
			for range 2 {
				time.Sleep(time.Second)
				px.setCut(true)
				time.Sleep(700 * time.Millisecond)
				px.setCut(false)
			}
		}})
	checkBad(t, l)
	if l.total(unknown) == 0 {
		t.Error("no call failed while the database was cut")
	}
	for n.healthz() != http.StatusOK {
		if time.Now().After(deadline.Add(time.Minute)) {
			t.Fatal("/healthz does not recover after the cuts")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, a := range made {
		l.allocs[a.id] = a
	}
	check(t, []*node{n}, w, l)
	allocateOnEachNode(t, []*node{n}, w)
}
