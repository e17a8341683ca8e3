// Package testserver runs a real ipamd API handler (SQLite store, SigV4,
// the whole middleware) on a loopback port for end-to-end tests, and builds
// aws-sdk-go-v2 EC2 clients pointed at it.
package testserver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ipamd/ipamd/internal/api"
	"github.com/ipamd/ipamd/internal/audit"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// Options configure a test server; zero values give the development
// account, AWS's default quotas and a fresh data directory.
type Options struct {
	Dir     string            // data directory; default t.TempDir()
	Creds   sigv4.Credentials // default sigv4.DevCredentials()
	Limits  ipam.Limits
	Limiter *api.Limiter
	Sources *api.SourceLimiter
	Store   ipam.Store // use this store instead of SQLite in Dir
	Region  string
	Audit   *audit.Recorder // default: audit records go to the server's log
	Metrics api.Observer
	// Observer sees the Service's store events (ipam.Observer).
	Observer ipam.Observer
}

// Server is a running ipamd.
type Server struct {
	URL     string
	Dir     string
	Store   ipam.Store
	Service *ipam.Service
	logs    LogBuffer
	opts    Options
	http    *httptest.Server
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Dir == "" && opts.Store == nil {
		opts.Dir = t.TempDir()
	}
	if opts.Creds == nil {
		opts.Creds = sigv4.DevCredentials()
	}
	s := &Server{Dir: opts.Dir, opts: opts}
	s.start(t)
	t.Cleanup(s.Close)
	return s
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	st := s.opts.Store
	if st == nil {
		var err error
		if st, err = sqlite.Open(s.Dir); err != nil {
			t.Fatalf("open store: %v", err)
		}
	}
	s.Store = st
	s.Service = ipam.NewService(st, ipam.Config{Region: s.opts.Region, Limits: s.opts.Limits, Observer: s.opts.Observer})
	log := slog.New(slog.NewTextHandler(&s.logs, nil))
	rec := s.opts.Audit
	if rec == nil {
		rec = audit.ToLog(log)
	}
	h := api.New(api.Config{
		Service: s.Service, Verifier: &sigv4.Verifier{Creds: s.opts.Creds},
		Logger: log, Limiter: s.opts.Limiter, Sources: s.opts.Sources, Audit: rec, Metrics: s.opts.Metrics,
	})
	s.http = httptest.NewServer(h)
	s.URL = s.http.URL
}

// Close stops the server and closes its store.
func (s *Server) Close() {
	if s.http != nil {
		s.http.Close()
		s.http = nil
		_ = s.Store.Close()
	}
}

// Restart closes the server and starts a new one on the same data
// directory (and a new port): what a process restart looks like.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if s.opts.Store != nil {
		t.Fatal("Restart needs the SQLite store in Dir")
	}
	s.Close()
	s.start(t)
}

// Logs returns everything the server logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// Client returns an EC2 client for the development account.
func (s *Server) Client() *ec2.Client { return s.ClientFor("test", "test") }

// ClientFor returns an EC2 client signing with the given access key. It is
// configured exactly as for AWS but for the endpoint and credentials, and
// does not retry, so tests see every answer.
func (s *Server) ClientFor(accessKey, secret string) *ec2.Client {
	return ClientAt(s.URL, accessKey, secret)
}

// ClientAt is ClientFor for any ipamd endpoint, e.g. a process a test started.
func ClientAt(url, accessKey, secret string) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: OwnBody{&http.Transport{MaxIdleConnsPerHost: 16}}},
	})
}

// OwnBody gives net/http its own copy of each request body. smithy-go
// closes its body wrapper as soon as the response headers arrive, after
// which reads and WriteTo on it fail with io.EOF; on loopback the response
// can arrive while net/http is still sending the body, which then closes the
// connection under the response ("use of closed network connection", about
// 1 call in 100-200, more with large responses; upstream
// aws-sdk-go-v2#2737). The SDK hides it with retries; tests that must see
// every answer do not retry, so they avoid it instead.
type OwnBody struct{ Next http.RoundTripper }

func (o OwnBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return o.Next.RoundTrip(r)
}

// Ctx is a background context for test calls.
func Ctx() context.Context { return context.Background() }

// LogBuffer collects a log that one goroutine writes while another reads.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// HTTPFrom returns an HTTP client whose connections come from the loopback
// address from (e.g. "127.0.0.2"; Linux answers on all of 127/8), so a test
// can play several source addresses.
func HTTPFrom(from string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	return &http.Client{Transport: OwnBody{&http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64}}}
}
