package hostile

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/testserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testserver.RemoveBinary()
	os.Exit(code)
}

func ipamdBinary(t *testing.T) string { return testserver.Binary(t) }

// writeCredentials writes a credentials file of accounts with mode perm.
func writeCredentials(t *testing.T, perm os.FileMode, accounts ...sigv4.Account) string {
	t.Helper()
	type entry struct {
		Name            string `json:"name"`
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		AccountID       string `json:"account_id"`
	}
	var doc struct {
		Accounts []entry `json:"accounts"`
	}
	for _, a := range accounts {
		doc.Accounts = append(doc.Accounts, entry{a.Name, a.AccessKey, a.SecretKey, a.AccountID})
	}
	b, _ := json.Marshal(doc)
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(path, b, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // umask may have cleared bits
		t.Fatal(err)
	}
	return path
}

type process struct {
	cmd  *exec.Cmd
	logs *testserver.LogBuffer
	addr string
	done chan error
}

var listenRE = regexp.MustCompile(`listen(=|":)"?(127\.0\.0\.1:\d+)`)

// startIpamd runs `ipamd serve` on a free loopback port and waits until it
// says where it listens. It is stopped (SIGTERM) when the test ends.
func startIpamd(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{logs: &testserver.LogBuffer{}, done: make(chan error, 1)}
	all := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...)
	p.cmd = exec.Command(ipamdBinary(t), all...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.After(20 * time.Second)
	for p.addr == "" {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("ipamd exited: %v\n%s", err, p.logs.String())
		case <-deadline:
			t.Fatalf("ipamd did not start:\n%s", p.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if m := listenRE.FindStringSubmatch(p.logs.String()); m != nil {
			p.addr = m[2]
		}
	}
	return p
}

func (p *process) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("ipamd did not stop on SIGTERM")
	}
}

// runIpamdExpectingFailure runs serve and returns its exit code and output.
func runIpamdExpectingFailure(t *testing.T, args ...string) (int, string) {
	t.Helper()
	all := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...)
	cmd := exec.Command(ipamdBinary(t), all...)
	var out testserver.LogBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), out.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, out.String()
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("ipamd %v kept running; output:\n%s", args, out.String())
		return 0, ""
	}
}

func TestCredentialsFileMustBePrivate(t *testing.T) {
	for _, perm := range []os.FileMode{0o644, 0o640, 0o604, 0o666} {
		path := writeCredentials(t, perm, alice, bob)
		code, out := runIpamdExpectingFailure(t, "--credentials", path)
		if code == 0 {
			t.Errorf("mode %#o: exit code 0", perm)
		}
		if !strings.Contains(out, fmt.Sprintf("%#o", perm)) || !strings.Contains(out, "chmod 600") || !strings.Contains(out, path) {
			t.Errorf("mode %#o: unclear refusal: %q", perm, out)
		}
		if strings.Contains(out, alice.SecretKey) || strings.Contains(out, bob.SecretKey) {
			t.Errorf("mode %#o: the refusal prints a secret", perm)
		}
	}
	// Broken files are refused too, without echoing secrets.
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"accounts":[{"name":"x","access_key_id":"AK","secret_access_key":"s3cr3t-never-shown","account_id":"12"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := runIpamdExpectingFailure(t, "--credentials", bad)
	if code == 0 || !strings.Contains(out, "12 digits") || strings.Contains(out, "s3cr3t-never-shown") {
		t.Errorf("invalid account: exit %d, %q", code, out)
	}
	code, out = runIpamdExpectingFailure(t, "--credentials", filepath.Join(t.TempDir(), "missing.json"))
	if code == 0 || !strings.Contains(out, "missing.json") {
		t.Errorf("missing file: exit %d, %q", code, out)
	}

	// Mode 0600 is accepted and every account works.
	p := startIpamd(t, "--credentials", writeCredentials(t, 0o600, alice, bob))
	for _, a := range []sigv4.Account{alice, bob} {
		if _, err := rawFor("http://"+p.addr, a).Must("DescribeIpams", nil); err != nil {
			t.Errorf("%s: %v", a.Name, err)
		}
	}
	if _, err := rawFor("http://"+p.addr, sigv4.Account{AccessKey: "test", SecretKey: "test"}).Must("DescribeIpams", nil); err == nil {
		t.Error("the development account still works with a credentials file")
	}
}

// selfSigned returns PEM files of a certificate for 127.0.0.1 and its key,
// and a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "ipamd test"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func sdkClient(endpoint string, a sigv4.Account, hc *http.Client) *ec2.Client {
	return ec2.New(ec2.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), HTTPClient: hc, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(a.AccessKey, a.SecretKey, ""),
	})
}

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	p := startIpamd(t, "--credentials", writeCredentials(t, 0o600, alice), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.Contains(p.logs.String(), "tls=true") {
		t.Errorf("start-up line does not say TLS: %s", p.logs.String())
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	endpoint := "https://" + p.addr

	resp, err := trusting.Get(endpoint + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("healthz over TLS: %d %v", resp.StatusCode, resp.TLS)
	}

	c := sdkClient(endpoint, alice, trusting)
	out, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{Description: aws.String("over tls")})
	if err != nil {
		t.Fatalf("CreateIpam over TLS: %v", err)
	}
	got, err := c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{IpamIds: []string{*out.Ipam.IpamId}})
	if err != nil || len(got.Ipams) != 1 || *got.Ipams[0].OwnerId != alice.AccountID {
		t.Fatalf("DescribeIpams over TLS: %v %+v", err, got)
	}

	// A client that does not trust the certificate refuses to talk.
	if _, err := sdkClient(endpoint, alice, &http.Client{}).DescribeIpams(ctx, nil); err == nil {
		t.Error("an untrusting client reached the TLS server")
	}
	// Plain HTTP to the TLS port gets nowhere near the API.
	if resp, err := http.Get("http://" + p.addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP served on the TLS port")
		}
	}
	assertNoSecrets(t, p.logs.String(), alice)
}

func TestTLSFlagsGoTogether(t *testing.T) {
	certFile, _, _ := selfSigned(t)
	code, out := runIpamdExpectingFailure(t, "--tls-cert", certFile)
	if code == 0 || !strings.Contains(out, "--tls-cert and --tls-key") {
		t.Errorf("exit %d: %q", code, out)
	}
}

// assertNoSecrets fails if logs contain a secret key, a signature or an
// Authorization header.
func assertNoSecrets(t *testing.T, logs string, accounts ...sigv4.Account) {
	t.Helper()
	for _, a := range accounts {
		if strings.Contains(logs, a.SecretKey) {
			t.Errorf("the logs contain %s's secret key", a.Name)
		}
	}
	for _, s := range []string{"Signature=", "AWS4-HMAC-SHA256 Credential", "X-Amz-Signature"} {
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain %q", s)
		}
	}
}

// TestLogsNeverContainSecrets drives a binary with two accounts through
// successes and every kind of auth failure (including requests signed with
// the wrong secret, which carry a real account's key id) and greps its logs.
func TestLogsNeverContainSecrets(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			p := startIpamd(t, "--credentials", writeCredentials(t, 0o600, alice, bob), "--log-format", format)
			url := "http://" + p.addr
			a, b := rawFor(url, alice), rawFor(url, bob)
			w := buildWorld(t, a)
			if _, err := b.Must("CreateIpam", map[string]string{"Description": alice.SecretKey}); err != nil {
				t.Fatal(err) // a secret may be data; it must still not reach the log
			}
			if _, err := b.Call("DescribeIpams", map[string]string{"IpamId.1": w.IPAM}); err != nil {
				t.Fatal(err)
			}
			wrong := rawFor(url, sigv4.Account{AccessKey: alice.AccessKey, SecretKey: bob.SecretKey})
			if resp, err := wrong.Call("DescribeIpams", nil); err != nil || resp.Envelope.Code != "SignatureDoesNotMatch" {
				t.Fatalf("wrong secret: %v %+v", err, resp)
			}
			unknown := rawFor(url, sigv4.Account{AccessKey: "AKIDNOBODY", SecretKey: alice.SecretKey})
			if resp, err := unknown.Call("DescribeIpams", nil); err != nil || resp.Envelope.Code != "AuthFailure" {
				t.Fatalf("unknown key: %v %+v", err, resp)
			}
			expired := rawFor(url, alice)
			expired.Now = func() time.Time { return time.Now().Add(-time.Hour) }
			if resp, err := expired.Call("DescribeIpams", nil); err != nil || resp.Envelope.Code != "RequestExpired" {
				t.Fatalf("expired: %v %+v", err, resp)
			}
			r := a.Request([]byte("Action=DescribeIpams&Version=2016-11-15"))
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+alice.AccessKey+"/x/"+alice.SecretKey)
			if _, err := a.Do(r); err != nil {
				t.Fatal(err)
			}
			for _, action := range []string{"GetIpamResourceCidrs", "NoSuchAction"} {
				if _, err := a.Call(action, map[string]string{"Secret": alice.SecretKey}); err != nil {
					t.Fatal(err)
				}
			}
			p.stop(t)
			logs := p.logs.String()
			if !strings.Contains(logs, "SignatureDoesNotMatch") && !strings.Contains(logs, "status=403") && !strings.Contains(logs, `"status":403`) {
				t.Errorf("the failed requests were not logged at all:\n%s", logs)
			}
			assertNoSecrets(t, logs, alice, bob)
		})
	}
}
