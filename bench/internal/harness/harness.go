// Package harness runs real `ipamd serve` processes for the benchmark
// commands: it builds the binary from this checkout, creates throwaway
// PostgreSQL databases, starts and stops nodes, reads their memory, and
// gives aws-sdk-go-v2 EC2 clients pointed at them.
package harness

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/jackc/pgx/v5"
)

// DefaultDatabaseURL is $IPAMD_TEST_DATABASE_URL, else the local server.
func DefaultDatabaseURL() string {
	if u := os.Getenv("IPAMD_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// BuildIpamd builds cmd/ipamd in the root module (which the bench module
// replaces in), with the root module's go.mod and go.sum.
func BuildIpamd(bin string) ([]byte, error) {
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/ipamd/ipamd").Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/ipamd")
	cmd.Dir = strings.TrimSpace(string(root))
	return cmd.CombinedOutput()
}

// RandHex is n random bytes in hex.
func RandHex(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

// NewDatabase creates a fresh database named prefix_<random> on the server
// of the admin URL and returns its URL and a func that drops it.
func NewDatabase(admin, prefix string) (*url.URL, func(), error) {
	u, err := url.Parse(admin)
	if err != nil {
		return nil, nil, err
	}
	name := prefix + "_" + RandHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, nil, err
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "drop database:", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "drop database:", err)
		}
	}
	v := *u
	v.Path = "/" + name
	return &v, drop, nil
}

// Node is a running `ipamd serve`.
type Node struct {
	Addr string
	// Startup is the time from starting the process to its first 200
	// answer on /healthz (polled every 5 ms).
	Startup time.Duration
	cmd     *exec.Cmd
	done    chan error
}

// StartNode runs bin serve on a free loopback port with args and waits
// until /healthz answers 200. The node's stderr goes to logPath ("":
// discarded). The credentials and store variables of the environment are
// cleared so only args choose them.
func StartNode(bin, logPath string, args ...string) (*Node, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", addr}, args...)...)
	cmd.Env = append(os.Environ(), "IPAMD_CREDENTIALS=", "IPAMD_DATABASE_URL=", "IPAMD_DATA_DIR=")
	if logPath != "" {
		f, err := os.Create(logPath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		cmd.Stderr = f
	}
	hc := &http.Client{Timeout: time.Second}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &Node{Addr: addr, cmd: cmd, done: make(chan error, 1)}
	go func() { n.done <- cmd.Wait() }()
	deadline := t0.Add(60 * time.Second)
	for {
		res, err := hc.Get("http://" + addr + "/healthz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				n.Startup = time.Since(t0)
				return n, nil
			}
		}
		select {
		case err := <-n.done:
			return nil, fmt.Errorf("ipamd exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			n.Stop()
			return nil, errors.New("ipamd not healthy after 60s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Stop interrupts the node and waits for it (killing it after 10 s).
func (n *Node) Stop() {
	_ = n.cmd.Process.Signal(os.Interrupt)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// RSS is the node's resident memory (VmRSS of /proc/PID/status) in bytes.
func (n *Node) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", n.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// CPU is the node's user+system CPU time so far (/proc/PID/stat, in clock
// ticks of 10 ms): on a shared machine, CPU per call is steadier than
// wall-clock time.
func (n *Node) CPU() (time.Duration, error) { return ProcessCPU(n.cmd.Process.Pid) }

// ProcessCPU is a process's user+system CPU time so far.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(u+s) * 10 * time.Millisecond, nil
}

// NewClient is an EC2 client of the development account (test/test) in
// us-east-1 talking to addr, without retries.
func NewClient(addr string) *ec2.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4
	return ec2.New(ec2.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String("http://" + addr),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: plainBody{tr}, Timeout: time.Minute},
	})
}

// plainBody hands request bodies to net/http as plain readers, avoiding the
// SDK's loopback body race (see internal/testserver.OwnBody; not imported
// here, since testserver would drag the SQLite store into this module).
type plainBody struct{ next http.RoundTripper }

func (p plainBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = struct{ io.ReadCloser }{r.Body} // hides WriteTo
	}
	return p.next.RoundTrip(r)
}
