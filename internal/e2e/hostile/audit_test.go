package hostile

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ipamd/ipamd/internal/audit"
	"github.com/ipamd/ipamd/internal/e2e/ec2raw"
	"github.com/ipamd/ipamd/internal/sigv4"
)

// signatures remembers the signature of every request it sends, so a test
// can look for them (not only for the words around them) in the logs.
type signatures struct {
	mu   sync.Mutex
	seen []string
}

var sigRE = regexp.MustCompile(`Signature=([0-9a-f]{64})`)

func (s *signatures) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	for _, m := range sigRE.FindAllStringSubmatch(r.Header.Get("Authorization")+" "+r.URL.RawQuery, -1) {
		s.seen = append(s.seen, m[1])
	}
	s.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (s *signatures) client(url string, a sigv4.Account) *ec2raw.Client {
	c := rawFor(url, a)
	c.HTTP = &http.Client{Transport: s}
	return c
}

// TestAuditTrail drives the binary with --audit-log through mutating calls
// that succeed and fail, by two accounts and with forged signatures, then
// checks that each mutating call left exactly one record naming who did
// what, that reads left none, that failed requests log their error code,
// and that neither the log nor the trail holds a secret or a signature.
func TestAuditTrail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	p := startIpamd(t, "--credentials", writeCredentials(t, 0o600, alice, bob), "--log-format", "json", "--audit-log", path)
	url := "http://" + p.addr
	sigs := &signatures{}
	a, b := sigs.client(url, alice), sigs.client(url, bob)
	w := buildWorld(t, a) // CreateIpam, CreateIpamPool, ProvisionIpamPoolCidr, AllocateIpamPoolCidr, CreateTags, …
	if _, err := a.Must("AllocateIpamPoolCidr", map[string]string{"IpamPoolId": w.Pool, "Cidr": "10.0.200.0/24",
		"Description": alice.SecretKey}); err != nil {
		t.Fatal(err)
	}
	// Bob may not touch Alice's pool: a failed mutating call.
	if r, err := b.Call("AllocateIpamPoolCidr", map[string]string{"IpamPoolId": w.Pool, "NetmaskLength": "24"}); err != nil || r.Envelope.Code != "InvalidIpamPoolId.NotFound" {
		t.Fatalf("bob's allocation: %v %+v", err, r)
	}
	if r, err := a.Call("ModifyIpamPool", map[string]string{"IpamPoolId": w.Pool6, "Description": "x", "DryRun": "true"}); err != nil || r.Envelope.Code != "DryRunOperation" {
		t.Fatalf("dry run: %v %+v", err, r)
	}
	wrong := sigs.client(url, sigv4.Account{AccessKey: alice.AccessKey, SecretKey: bob.SecretKey})
	if r, err := wrong.Call("DeleteIpam", map[string]string{"IpamId": w.IPAM}); err != nil || r.Envelope.Code != "SignatureDoesNotMatch" {
		t.Fatalf("forged: %v %+v", err, r)
	}
	if _, err := a.Must("DescribeIpamPools", nil); err != nil {
		t.Fatal(err)
	}
	p.stop(t)

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []audit.Record
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		recs = append(recs, r)
	}
	find := func(action, result string) *audit.Record {
		for i := range recs {
			if recs[i].Action == action && recs[i].Result == result {
				return &recs[i]
			}
		}
		t.Fatalf("no %s record with result %s in\n%s", action, result, data)
		return nil
	}
	for _, r := range recs {
		if strings.HasPrefix(r.Action, "Describe") || strings.HasPrefix(r.Action, "Get") {
			t.Errorf("a read was audited: %+v", r)
		}
		if r.RequestID == "" || r.Time.IsZero() || r.SourceAddr != "127.0.0.1" || r.Origin != audit.OriginAPI {
			t.Errorf("incomplete record %+v", r)
		}
	}
	alloc := find("AllocateIpamPoolCidr", audit.Success)
	if alloc.Account != alice.AccountID || alloc.AccessKeyID != alice.AccessKey || !slices.Contains(alloc.ResourceIDs, w.Pool) {
		t.Errorf("allocation record %+v", alloc)
	}
	explicit := recs[slices.IndexFunc(recs, func(r audit.Record) bool { return slices.Contains(r.CIDRs, "10.0.200.0/24") })]
	if !slices.ContainsFunc(explicit.ResourceIDs, func(id string) bool { return strings.HasPrefix(id, "ipam-pool-alloc-") }) {
		t.Errorf("the record of an allocation does not name it: %+v", explicit)
	}
	refused := find("AllocateIpamPoolCidr", "InvalidIpamPoolId.NotFound")
	if refused.Account != bob.AccountID || refused.AccessKeyID != bob.AccessKey {
		t.Errorf("refused record %+v", refused)
	}
	find("ModifyIpamPool", "DryRunOperation")
	find("CreateIpam", audit.Success)
	find("CreateTags", audit.Success)

	logs := p.logs.String()
	for _, code := range []string{"InvalidIpamPoolId.NotFound", "SignatureDoesNotMatch", "DryRunOperation"} {
		if !strings.Contains(logs, `"code":"`+code+`"`) {
			t.Errorf("the log does not name the failed request's code %s", code)
		}
	}
	sigs.mu.Lock()
	defer sigs.mu.Unlock()
	if len(sigs.seen) < 10 {
		t.Fatalf("only %d signatures seen", len(sigs.seen))
	}
	for name, text := range map[string]string{"log": logs, "audit trail": string(data)} {
		assertNoSecrets(t, text, alice, bob)
		for _, s := range sigs.seen {
			if strings.Contains(text, s) {
				t.Errorf("the %s contains a request signature", name)
				break
			}
		}
	}
}

// cookies remembers every cookie value the server sets, and does not
// follow redirects, so a test sees each answer.
type cookies struct {
	mu   sync.Mutex
	seen []string
}

func (c *cookies) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		c.mu.Lock()
		for _, ck := range resp.Cookies() {
			if ck.Value != "" {
				c.seen = append(c.seen, ck.Value)
			}
		}
		c.mu.Unlock()
	}
	return resp, err
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
var clientTokenRE = regexp.MustCompile(`name="client_token" value="([^"]*)"`)

// TestConsoleLeavesNoSecretsInLogs signs in to the console of the binary
// with a wrong and a right secret, allocates from a form and posts one
// without its CSRF token, then checks the audit records of the console's
// calls and that neither the log nor the audit file holds a secret, a
// session or CSRF cookie, or a form token.
func TestConsoleLeavesNoSecretsInLogs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	p := startIpamd(t, "--credentials", writeCredentials(t, 0o600, alice, bob), "--audit-log", path)
	base := "http://" + p.addr
	w := buildWorld(t, rawFor(base, alice))
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	ck := &cookies{}
	hc := &http.Client{Jar: jar, Transport: ck, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var tokens []string
	page := func(path string) string {
		t.Helper()
		resp, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfRE.FindStringSubmatch(string(b))
		if m == nil {
			t.Fatalf("no form token on %s (%d)", path, resp.StatusCode)
		}
		tokens = append(tokens, m[1])
		return string(b)
	}
	post := func(path string, form url.Values) int {
		t.Helper()
		resp, err := hc.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	page("/console/signin")
	if code := post("/console/signin", url.Values{"csrf": {tokens[len(tokens)-1]}, "access_key_id": {alice.AccessKey}, "secret_access_key": {bob.SecretKey}}); code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", code)
	}
	page("/console/signin")
	if code := post("/console/signin", url.Values{"csrf": {tokens[len(tokens)-1]}, "access_key_id": {alice.AccessKey}, "secret_access_key": {alice.SecretKey}}); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", code)
	}
	body := page("/console/pools/" + w.Pool)
	form := url.Values{"csrf": {tokens[len(tokens)-1]}, "netmask": {"24"}, "op": {"allocate"}}
	if m := clientTokenRE.FindStringSubmatch(body); m != nil {
		form.Set("client_token", m[1])
	}
	if code := post("/console/pools/"+w.Pool+"/allocate", form); code >= 400 {
		t.Fatalf("console allocation: %d", code)
	}
	form.Del("csrf")
	if code := post("/console/pools/"+w.Pool+"/allocate", form); code != http.StatusForbidden {
		t.Errorf("a form without its token: %d", code)
	}
	p.stop(t)

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var origins []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Origin == audit.OriginConsole {
			origins = append(origins, r.Action+":"+r.Result)
		}
	}
	for _, want := range []string{"ConsoleSignIn:AuthFailure", "ConsoleSignIn:Success", "AllocateIpamPoolCidr:Success"} {
		if !slices.Contains(origins, want) {
			t.Errorf("no console record %s in %v", want, origins)
		}
	}
	ck.mu.Lock()
	defer ck.mu.Unlock()
	if len(ck.seen) < 2 || len(tokens) < 3 {
		t.Fatalf("saw %d cookies and %d form tokens", len(ck.seen), len(tokens))
	}
	for name, text := range map[string]string{"log": p.logs.String(), "audit trail": string(data)} {
		assertNoSecrets(t, text, alice, bob)
		for _, v := range append(append([]string{}, ck.seen...), tokens...) {
			if strings.Contains(text, v) {
				t.Errorf("the %s contains a cookie or form token", name)
			}
		}
	}
}
