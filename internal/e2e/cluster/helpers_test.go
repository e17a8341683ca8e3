// Package cluster holds end-to-end tests of several real ipamd processes on
// one PostgreSQL database (and of one process on SQLite): concurrent SDK
// clients spread over the nodes, nodes killed and restarted, the database
// cut and restored, and a checker that proves through the API that no two
// allocations overlap and that nothing acknowledged was lost.
package cluster

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ipamd/ipamd/internal/testserver"
)

// urlEnv names the variable with an admin URL of the test PostgreSQL
// server, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const urlEnv = "IPAMD_TEST_DATABASE_URL"

func TestMain(m *testing.M) {
	code := m.Run()
	testserver.RemoveBinary()
	os.Exit(code)
}

// binary is the real ipamd. CI runs these tests (they are the proof that
// nodes never overlap), so there is no -short skip.
func binary(t *testing.T) string { return testserver.Binary(t) }

// newDatabase creates a database for this test (testserver.NewDatabase).
func newDatabase(t *testing.T) *url.URL { return testserver.NewDatabase(t, "ipamd_cluster") }

func freePort(t *testing.T) string { return testserver.FreePort(t) }

// node is one `ipamd serve` process. Its log goes to a file, so a long load
// does not pile up in memory; a failing test prints the tail.
type node struct {
	name string
	bin  string
	addr string
	args []string
	log  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan error
}

// startNode runs `ipamd serve --listen <free port> args...` and waits until
// /healthz answers 200. The process is killed when the test ends.
func startNode(t *testing.T, name string, args ...string) *node {
	t.Helper()
	n := &node{name: name, bin: binary(t), addr: freePort(t), args: args,
		log: filepath.Join(t.TempDir(), name+".log")}
	n.start(t)
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("%s log tail:\n%s", n.name, n.logTail(8))
		}
	})
	return n
}

func (n *node) start(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(n.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--listen", n.addr}, n.args...)
	cmd := exec.Command(n.bin, args...)
	cmd.Env = append(os.Environ(), "IPAMD_CREDENTIALS=", "IPAMD_DATABASE_URL=", "IPAMD_DATA_DIR=")
	cmd.Stderr = f
	cmd.Stdout = f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); f.Close() }()
	n.mu.Lock()
	n.cmd, n.done = cmd, done
	n.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n.healthz() == http.StatusOK {
			return
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("%s exited before serving: %v\n%s", n.name, err, n.logTail(8))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy after 30s\n%s", n.name, n.logTail(8))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone. No-op when it is
// not running.
func (n *node) kill() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.cmd = nil
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// restart starts the process again on the same address and arguments.
func (n *node) restart(t *testing.T) {
	t.Helper()
	n.kill()
	n.start(t)
}

// healthz returns /healthz's status, or 0 when nothing answered.
func (n *node) healthz() int {
	c := http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(n.url() + "/healthz")
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func (n *node) url() string { return "http://" + n.addr }

// logTail returns the node's warnings and errors and its last lines: the
// request lines of a long load would drown what matters.
func (n *node) logTail(last int) string {
	b, _ := os.ReadFile(n.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	var out []string
	for _, l := range lines {
		if !strings.Contains(l, "level=INFO") && len(out) < 40 {
			out = append(out, l)
		}
	}
	out = append(out, "...")
	out = append(out, lines[max(0, len(lines)-last):]...)
	return strings.Join(out, "\n")
}

// newClient is an EC2 client for the development account at url that does
// not retry (every answer is recorded as it is), with its own connection
// pool and testserver.OwnBody (the SDK's loopback body race).
func newClient(url string) *ec2.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4
	return ec2.New(ec2.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: testserver.OwnBody{Next: tr}, Timeout: 30 * time.Second},
	})
}

var ctx = context.Background()
