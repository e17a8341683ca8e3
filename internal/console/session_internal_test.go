package console

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/sigv4"
)

// A session cookie is valid only unexpired, unaltered, for an account that
// still exists with the secret it was signed in with.
func TestSessionValidity(t *testing.T) {
	acct := sigv4.Account{AccessKey: "AKIDX", SecretKey: "s1", AccountID: "111111111111"}
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, tc := range []struct {
		name   string
		creds  sigv4.StaticCredentials
		expiry time.Duration
		tamper func(string) string
		valid  bool
	}{
		{"fresh", sigv4.StaticCredentials{"AKIDX": acct}, time.Hour, nil, true},
		{"expired", sigv4.StaticCredentials{"AKIDX": acct}, -time.Second, nil, false},
		{"secret rotated", sigv4.StaticCredentials{"AKIDX": {AccessKey: "AKIDX", SecretKey: "s2", AccountID: acct.AccountID}}, time.Hour, nil, false},
		{"account removed", sigv4.StaticCredentials{}, time.Hour, nil, false},
		{"expiry pushed", sigv4.StaticCredentials{"AKIDX": acct}, time.Hour, func(v string) string {
			b := []byte(v)
			for i := range b {
				if b[i] == '.' { // the first digit of the expiry
					b[i+1]++
					break
				}
			}
			return string(b)
		}, false},
	} {
		signer := New(Config{Credentials: sigv4.StaticCredentials{"AKIDX": acct}, Key: key})
		v := signer.sessionValue(key, acct, "sid", time.Now().Add(tc.expiry))
		if tc.tamper != nil {
			v = tc.tamper(v)
		}
		c := New(Config{Credentials: tc.creds, Key: key})
		r := httptest.NewRequest("GET", "/console/", nil)
		r.Header.Set("Cookie", sessionCookie+"="+v)
		if got := c.session(r) != nil; got != tc.valid {
			t.Errorf("%s: valid=%v, want %v", tc.name, got, tc.valid)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/console/pools/x": "/console/pools/x", "": "/console/", "https://evil.example/": "/console/",
		"//evil.example/console/": "/console/", "/console/\\evil": "/console/", "/other": "/console/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
