package console_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/ipamd/ipamd/internal/api"
	"github.com/ipamd/ipamd/internal/audit"
	"github.com/ipamd/ipamd/internal/console"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/store/sqlite"
	"github.com/ipamd/ipamd/internal/testserver"
)

// Two accounts: the console must keep them apart exactly as the API does.
var (
	alice = sigv4.Account{AccessKey: "AKIAALICE", SecretKey: "alice-secret", AccountID: "111111111111", Name: "alice"}
	bob   = sigv4.Account{AccessKey: "AKIABOB", SecretKey: "bob-secret", AccountID: "222222222222", Name: "bob"}
)

// env is a real ipamd handler (SQLite, SigV4 API, console mounted in
// front) on a loopback port, with SDK clients for seeding and for asking
// the API what it answers.
type env struct {
	t       *testing.T
	URL     string
	Handler http.Handler
	Console *console.Console
	trail   *testserver.LogBuffer
}

func newEnv(t *testing.T, cfg console.Config) *env {
	t.Helper()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := ipam.NewService(st, ipam.Config{})
	creds := sigv4.StaticCredentials{alice.AccessKey: alice, bob.AccessKey: bob}
	e := &env{t: t, trail: &testserver.LogBuffer{}}
	rec := audit.ToWriter(e.trail, nil)
	cfg.Service, cfg.Credentials, cfg.Region, cfg.Audit = svc, creds, "us-east-1", rec
	e.Console = console.New(cfg)
	e.Handler = e.Console.Mount(api.New(api.Config{Service: svc, Verifier: &sigv4.Verifier{Creds: creds}, Audit: rec}))
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	return e
}

func (e *env) client(a sigv4.Account) *ec2.Client {
	return testserver.ClientAt(e.URL, a.AccessKey, a.SecretKey)
}

// world is what seed makes for an account.
type world struct {
	Ipam, Scope, Pool, Child string
}

// seed makes an IPAM with a top-level /16 pool, a child pool with a /20
// from it, and two custom allocations in the top pool.
func (e *env) seed(a sigv4.Account) world {
	e.t.Helper()
	ctx, c := context.Background(), e.client(a)
	ip, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{Description: aws.String("lab")})
	if err != nil {
		e.t.Fatal(err)
	}
	w := world{Ipam: *ip.Ipam.IpamId, Scope: *ip.Ipam.PrivateDefaultScopeId}
	top, err := c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: &w.Scope, AddressFamily: types.AddressFamilyIpv4,
		AllocationDefaultNetmaskLength: aws.Int32(24), AllocationMinNetmaskLength: aws.Int32(16), Description: aws.String("corp")})
	if err != nil {
		e.t.Fatal(err)
	}
	w.Pool = *top.IpamPool.IpamPoolId
	if _, err := c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: &w.Pool, Cidr: aws.String("10.0.0.0/16")}); err != nil {
		e.t.Fatal(err)
	}
	child, err := c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: &w.Scope, AddressFamily: types.AddressFamilyIpv4,
		SourceIpamPoolId: &w.Pool, Description: aws.String("team-a")})
	if err != nil {
		e.t.Fatal(err)
	}
	w.Child = *child.IpamPool.IpamPoolId
	if _, err := c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: &w.Child, NetmaskLength: aws.Int32(18)}); err != nil {
		e.t.Fatal(err)
	}
	for _, d := range []string{"app-a", "app-b"} {
		if _, err := c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: &w.Pool, Description: aws.String(d)}); err != nil {
			e.t.Fatal(err)
		}
	}
	return w
}

// apiRefusal is what the API answers a's AllocateIpamPoolCidr with.
func (e *env) apiRefusal(a sigv4.Account, in *ec2.AllocateIpamPoolCidrInput) (code, msg string) {
	e.t.Helper()
	_, err := e.client(a).AllocateIpamPoolCidr(context.Background(), in)
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		e.t.Fatalf("API accepted %+v: %v", in, err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

// browser is a plain HTTP client with its own cookies that does not follow
// redirects, for the handler tests.
type browser struct {
	t   *testing.T
	e   *env
	jar http.CookieJar
	hc  *http.Client
}

func (e *env) browser() *browser {
	jar := newJar()
	return &browser{t: e.t, e: e, jar: jar, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.hc.Get(b.e.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, readBody(resp)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.hc.PostForm(b.e.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, readBody(resp)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token returns the form token of the page at path.
func (b *browser) token(path string) string {
	b.t.Helper()
	_, body := b.get(path)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("no form token on %s:\n%s", path, body)
	}
	return m[1]
}

// signIn signs in as a and fails the test if that does not work.
func (b *browser) signIn(a sigv4.Account) {
	b.t.Helper()
	resp, body := b.post("/console/signin", url.Values{"csrf": {b.token("/console/signin")},
		"access_key_id": {a.AccessKey}, "secret_access_key": {a.SecretKey}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		b.t.Fatalf("sign-in as %s: %d %s\n%s", a.Name, resp.StatusCode, resp.Header.Get("Location"), body)
	}
}

func readBody(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func allocIn(pool string, bits int32) *ec2.AllocateIpamPoolCidrInput {
	return &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(pool), NetmaskLength: aws.Int32(bits)}
}

func htmlEscape(s string) string { return html.EscapeString(s) }
