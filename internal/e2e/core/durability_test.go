package core

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/testserver"
)

// snapshot is everything Describe reports about the account's IPAMs and
// scopes, minus what legitimately differs between calls (nothing should).
type snapshot struct {
	Ipams  []types.Ipam
	Scopes []types.IpamScope
}

func takeSnapshot(t *testing.T, c *ec2.Client) snapshot {
	t.Helper()
	var s snapshot
	ip := ec2.NewDescribeIpamsPaginator(c, &ec2.DescribeIpamsInput{MaxResults: aws.Int32(5)})
	for ip.HasMorePages() {
		out, err := ip.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.Ipams = append(s.Ipams, out.Ipams...)
	}
	sp := ec2.NewDescribeIpamScopesPaginator(c, &ec2.DescribeIpamScopesInput{MaxResults: aws.Int32(5)})
	for sp.HasMorePages() {
		out, err := sp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.Scopes = append(s.Scopes, out.IpamScopes...)
	}
	return s
}

func (s snapshot) String() string {
	var b strings.Builder
	for _, i := range s.Ipams {
		fmt.Fprintf(&b, "ipam %s %s scopes=%d regions=%v tier=%s tags=%v desc=%q\n", aws.ToString(i.IpamId), i.State,
			aws.ToInt32(i.ScopeCount), regionNames(i.OperatingRegions), i.Tier, tagMap(i.Tags), aws.ToString(i.Description))
	}
	for _, x := range s.Scopes {
		fmt.Fprintf(&b, "scope %s %s %s default=%v pools=%d tags=%v desc=%q ea=%v\n", aws.ToString(x.IpamScopeId), x.State,
			x.IpamScopeType, aws.ToBool(x.IsDefault), aws.ToInt32(x.PoolCount), tagMap(x.Tags), aws.ToString(x.Description),
			x.ExternalAuthorityConfiguration != nil)
	}
	return b.String()
}

// populate creates a varied set of IPAMs and scopes: tags, descriptions,
// options, a modified IPAM, a modified scope, a pool, a deleted scope.
func populate(t *testing.T, c *ec2.Client, n int) {
	t.Helper()
	for k := range n {
		i := createIpam(t, c, &ec2.CreateIpamInput{Description: aws.String(fmt.Sprintf("ipam %d", k)),
			OperatingRegions: addRegions("us-west-2"), TagSpecifications: tagSpec(types.ResourceTypeIpam, "n", fmt.Sprint(k)),
			Tier: []types.IpamTier{types.IpamTierAdvanced, types.IpamTierFree}[k%2], EnablePrivateGua: aws.Bool(k%2 == 0),
			ClientToken: aws.String(fmt.Sprintf("populate-%d", k))})
		id := aws.ToString(i.IpamId)
		s := createScope(t, c, id, &ec2.CreateIpamScopeInput{Description: aws.String("extra"),
			TagSpecifications: tagSpec(types.ResourceTypeIpamScope, "scope", fmt.Sprint(k)),
			ExternalAuthorityConfiguration: &types.ExternalAuthorityConfiguration{Type: types.IpamScopeExternalAuthorityTypeInfoblox,
				ExternalResourceIdentifier: aws.String(fmt.Sprintf("view-%d", k))}})
		gone := createScope(t, c, id, nil)
		if _, err := c.DeleteIpamScope(ctx, &ec2.DeleteIpamScopeInput{IpamScopeId: gone.IpamScopeId}); err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			if _, err := c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id), AddOperatingRegions: addRegions("eu-west-1"),
				Description: aws.String("modified")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ModifyIpamScope(ctx, &ec2.ModifyIpamScopeInput{IpamScopeId: s.IpamScopeId,
				Description: aws.String("modified scope")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: s.IpamScopeId,
				AddressFamily: types.AddressFamilyIpv4}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func sameSnapshot(t *testing.T, before, after snapshot) {
	t.Helper()
	if !reflect.DeepEqual(before.Ipams, after.Ipams) || !reflect.DeepEqual(before.Scopes, after.Scopes) {
		t.Fatalf("state changed across restart\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestRestartKeepsEverything: a clean restart on the same data directory
// reports every IPAM and scope identically, and the ClientToken records and
// pagination keys survive too.
func TestRestartKeepsEverything(t *testing.T) {
	srv := testserver.Start(t, manyIpams())
	populate(t, newClient(srv.URL), 3)
	before := takeSnapshot(t, newClient(srv.URL))
	if len(before.Ipams) != 3 || len(before.Scopes) != 9 {
		t.Fatalf("populated %d IPAMs, %d scopes", len(before.Ipams), len(before.Scopes))
	}
	tok := aws.ToString(must[*ec2.DescribeIpamScopesOutput](t)(newClient(srv.URL).DescribeIpamScopes(ctx,
		&ec2.DescribeIpamScopesInput{MaxResults: aws.Int32(5)})).NextToken)

	srv.Restart(t)
	c := newClient(srv.URL)
	sameSnapshot(t, before, takeSnapshot(t, c))
	// A token issued before the restart still reads the rest.
	out, err := c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{MaxResults: aws.Int32(5), NextToken: aws.String(tok)})
	if err != nil || len(out.IpamScopes) != 4 {
		t.Fatalf("pre-restart token: %v, %d scopes", err, len(out.IpamScopes))
	}
	// A ClientToken replay after the restart returns the original IPAM.
	again := createIpam(t, c, &ec2.CreateIpamInput{Description: aws.String("ipam 1"),
		OperatingRegions: addRegions("us-west-2"), TagSpecifications: tagSpec(types.ResourceTypeIpam, "n", "1"),
		Tier: types.IpamTierFree, EnablePrivateGua: aws.Bool(false), ClientToken: aws.String("populate-1")})
	found := false
	for _, i := range before.Ipams {
		found = found || aws.ToString(i.IpamId) == aws.ToString(again.IpamId)
	}
	if !found || len(takeSnapshot(t, c).Ipams) != 3 {
		t.Errorf("ClientToken replay after restart made a new IPAM %s", aws.ToString(again.IpamId))
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	testserver.RemoveBinary()
	os.Exit(code)
}

// binary is the real ipamd, built once and shared by the tests that run it.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the ipamd binary")
	}
	return testserver.Binary(t)
}

func freePort(t *testing.T) string { return testserver.FreePort(t) }

type process struct {
	cmd    *exec.Cmd
	addr   string
	stderr *testserver.LogBuffer
	done   chan error
}

// startBinary runs `ipamd serve` on addr and dataDir and waits for /healthz.
func startBinary(t *testing.T, bin, addr, dataDir string, extra ...string) *process {
	t.Helper()
	args := append([]string{"serve", "--listen", addr, "--data-dir", dataDir}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "IPAMD_CREDENTIALS=", "IPAMD_DATABASE_URL=")
	p := &process{cmd: cmd, addr: addr, stderr: &testserver.LogBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("ipamd exited before serving: %v\n%s", err, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("ipamd not healthy after 15s: %v\n%s", err, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *process) client() *ec2.Client { return newClient("http://" + p.addr) }

// wait returns the exit error, failing the test after timeout.
func (p *process) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("ipamd did not exit within %v\n%s", timeout, p.stderr)
		return nil
	}
}

// TestBinaryKillAndRestart: every acknowledged write survives SIGKILL of
// the real binary; SIGTERM exits 0 within 10 s.
func TestBinaryKillAndRestart(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	addr := freePort(t)
	p := startBinary(t, bin, addr, dir, "--max-ipams", "20")
	c := p.client()
	populate(t, c, 4)
	// Writes acknowledged right before the kill, with no pause.
	last := createIpam(t, c, &ec2.CreateIpamInput{Description: aws.String("last write")})
	lastScope := createScope(t, c, aws.ToString(last.IpamId), &ec2.CreateIpamScopeInput{Description: aws.String("last scope")})
	before := takeSnapshot(t, c)
	if len(before.Ipams) != 5 || len(before.Scopes) != 15 {
		t.Fatalf("populated %d IPAMs, %d scopes", len(before.Ipams), len(before.Scopes))
	}

	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := p.wait(t, 5*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("after SIGKILL: %v", err)
	}

	p = startBinary(t, bin, addr, dir, "--max-ipams", "20")
	c = p.client()
	sameSnapshot(t, before, takeSnapshot(t, c))
	if d := describeScope(t, c, aws.ToString(lastScope.IpamScopeId)); aws.ToString(d.Description) != "last scope" {
		t.Errorf("last scope: %q", aws.ToString(d.Description))
	}
	// The store is writable after recovery.
	createScope(t, c, aws.ToString(last.IpamId), nil)

	// SIGTERM: graceful exit with status 0 within 10 s.
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, 10*time.Second); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, p.stderr)
	}
	t.Logf("SIGTERM exit after %v", time.Since(start))

	// And what the graceful run wrote is there on the next start.
	p = startBinary(t, bin, addr, dir, "--max-ipams", "20")
	if n := aws.ToInt32(describeIpam(t, p.client(), aws.ToString(last.IpamId)).ScopeCount); n != 4 {
		t.Errorf("ScopeCount %d after SIGTERM restart, want 4", n)
	}
}

// TestBinaryKillDuringWrites: SIGKILL while several clients are creating
// scopes. Every scope acknowledged before the kill exists afterwards, and
// the IPAM's ScopeCount equals the scopes that exist (no torn transaction).
func TestBinaryKillDuringWrites(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	addr := freePort(t)
	p := startBinary(t, bin, addr, dir, "--max-scopes", "100000")
	id := aws.ToString(createIpam(t, p.client(), nil).IpamId)

	var mu sync.Mutex
	var acked []string
	enough := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := p.client()
			for {
				out, err := c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(id)})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked = append(acked, aws.ToString(out.IpamScope.IpamScopeId))
				if len(acked) == 60 {
					close(enough)
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(20 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("only %d scopes created in 20s\n%s", len(acked), p.stderr)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 5*time.Second)
	wg.Wait()

	p = startBinary(t, bin, addr, dir, "--max-scopes", "100000")
	c := p.client()
	var have []string
	pg := ec2.NewDescribeIpamScopesPaginator(c, &ec2.DescribeIpamScopesInput{
		Filters: []types.Filter{filter("ipam-id", id), filter("is-default", "false")}})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		have = append(have, scopeIDs(out.IpamScopes)...)
	}
	for _, a := range acked {
		if !slices.Contains(have, a) {
			t.Errorf("acknowledged scope %s lost", a)
		}
	}
	if len(have) < len(acked) || len(have) > len(acked)+4 {
		t.Errorf("%d scopes after restart, %d acknowledged (at most 4 in flight)", len(have), len(acked))
	}
	if n := int(aws.ToInt32(describeIpam(t, c, id).ScopeCount)); n != len(have)+2 {
		t.Errorf("ScopeCount %d, but %d scopes exist", n, len(have)+2)
	}
	t.Logf("%d acknowledged, %d present after SIGKILL", len(acked), len(have))
}
