package console_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/console"
)

// Every page and form needs a session: a browser without one is sent to
// the sign-in form, and a form it posts changes nothing.
func TestAuthRequired(t *testing.T) {
	e := newEnv(t, console.Config{})
	w := e.seed(alice)
	anon := e.browser()
	tok := anon.token("/console/signin") // a valid anonymous form token
	for _, tc := range []struct {
		method, path string
		want         string // Location prefix
	}{
		{"GET", "/console/", "/console/signin?next=%2Fconsole%2F"},
		{"GET", "/console/scopes/" + w.Scope, "/console/signin?next="},
		{"GET", "/console/pools/" + w.Pool, "/console/signin?next="},
		{"POST", "/console/pools/" + w.Pool + "/allocate", "/console/signin"},
		{"POST", "/console/pools/" + w.Pool + "/release", "/console/signin"},
		{"POST", "/console/pools/" + w.Pool + "/provision", "/console/signin"},
	} {
		var resp *http.Response
		if tc.method == "GET" {
			resp, _ = anon.get(tc.path)
		} else {
			resp, _ = anon.post(tc.path, url.Values{"csrf": {tok}, "netmask": {"24"}, "cidr": {"10.0.0.0/24"}})
		}
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), tc.want) {
			t.Errorf("%s %s: %d → %q, want 303 → %s…", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.want)
		}
	}
	if strings.Contains(e.trail.String(), "console") {
		t.Errorf("a refused anonymous form was recorded as a console call:\n%s", e.trail)
	}
	// A tampered or foreign cookie is no session.
	for _, v := range []string{"x", "QUtJQUFMSUNF.9999999999.abc.def", ""} {
		b := e.browser()
		u, _ := url.Parse(e.URL + "/console/")
		b.jar.SetCookies(u, []*http.Cookie{{Name: "ipamd_session", Value: v, Path: "/console/"}})
		if resp, _ := b.get("/console/"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("cookie %q: %d, want a redirect to sign in", v, resp.StatusCode)
		}
	}
}

// The root of the API listener leads a browser to the console; EC2
// requests (POST /, signed GETs) still reach the API.
func TestMount(t *testing.T) {
	e := newEnv(t, console.Config{})
	b := e.browser()
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/console/" {
		t.Errorf("GET /: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.post("/", url.Values{"Action": {"DescribeIpams"}, "Version": {"2016-11-15"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "<Code>") {
		t.Errorf("unsigned POST /: %d %s", resp.StatusCode, body)
	}
	if resp, _ := b.get("/?Action=DescribeIpams"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /?Action=…: %d, want the API's 401", resp.StatusCode)
	}
	if resp, body := b.get("/console/static/console.css"); resp.StatusCode != 200 || !strings.Contains(body, ".bar") {
		t.Errorf("stylesheet: %d", resp.StatusCode)
	}
}

// The session cookie is HttpOnly and SameSite=Strict, scoped to the
// console, and Secure when the request came over TLS.
func TestCookieFlags(t *testing.T) {
	e := newEnv(t, console.Config{SessionTTL: 2 * time.Hour})
	for _, viaTLS := range []bool{false, true} {
		get := httptest.NewRequest("GET", "/console/signin", nil)
		if viaTLS {
			get.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, get)
		csrfCookie := rec.Result().Cookies()[0]
		tok := csrfRE.FindStringSubmatch(rec.Body.String())[1]
		form := url.Values{"csrf": {tok}, "access_key_id": {alice.AccessKey}, "secret_access_key": {alice.SecretKey}}
		post := httptest.NewRequest("POST", "/console/signin", strings.NewReader(form.Encode()))
		post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		post.AddCookie(csrfCookie)
		post.TLS = get.TLS
		rec = httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, post)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("tls=%v: sign-in %d %s", viaTLS, rec.Code, rec.Body)
		}
		for _, ck := range append(rec.Result().Cookies(), csrfCookie) {
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console/" || ck.Secure != viaTLS {
				t.Errorf("tls=%v: cookie %s: HttpOnly=%v SameSite=%v Path=%q Secure=%v", viaTLS, ck.Name, ck.HttpOnly, ck.SameSite, ck.Path, ck.Secure)
			}
			if ck.Name == "ipamd_session" && ck.MaxAge != 7200 {
				t.Errorf("session MaxAge %d, want 7200", ck.MaxAge)
			}
			if strings.Contains(ck.Value, alice.SecretKey) {
				t.Errorf("cookie %s carries the secret", ck.Name)
			}
		}
	}
}

// Every form needs this browser's token: none, a forged one, or one from
// another browser's page is refused, and nothing changes.
func TestCSRF(t *testing.T) {
	e := newEnv(t, console.Config{})
	w := e.seed(alice)
	b := e.browser()
	b.signIn(alice)
	other := e.browser()
	other.signIn(alice) // the same account in another browser: another session
	otherTok := other.token("/console/")
	anonTok := e.browser().token("/console/signin")
	before := e.trail.String()
	for _, tc := range []struct{ name, path, tok string }{
		{"allocate without token", "/console/pools/" + w.Pool + "/allocate", ""},
		{"allocate with forged token", "/console/pools/" + w.Pool + "/allocate", "AAAA"},
		{"allocate with another session's token", "/console/pools/" + w.Pool + "/allocate", otherTok},
		{"allocate with an anonymous token", "/console/pools/" + w.Pool + "/allocate", anonTok},
		{"provision without token", "/console/pools/" + w.Pool + "/provision", ""},
		{"release without token", "/console/pools/" + w.Pool + "/release", ""},
		{"sign out without token", "/console/signout", ""},
	} {
		form := url.Values{"netmask": {"24"}, "cidr": {"10.1.0.0/16"}}
		if tc.tok != "" {
			form.Set("csrf", tc.tok)
		}
		resp, body := b.post(tc.path, form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "InvalidFormToken") {
			t.Errorf("%s: %d, want 403 InvalidFormToken", tc.name, resp.StatusCode)
		}
	}
	if e.trail.String() != before {
		t.Errorf("refused forms reached the service:\n%s", strings.TrimPrefix(e.trail.String(), before))
	}
	// Sign-in without the anonymous token is refused too (login CSRF).
	resp, _ := e.browser().post("/console/signin", url.Values{"access_key_id": {alice.AccessKey}, "secret_access_key": {alice.SecretKey}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without token: %d", resp.StatusCode)
	}
	// And the real token works.
	resp, _ = b.post("/console/pools/"+w.Pool+"/allocate", url.Values{"csrf": {b.token("/console/pools/" + w.Pool)}, "netmask": {"24"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("allocate with the page's token: %d", resp.StatusCode)
	}
}

// Sign-in attempts are limited per source address: after the burst even
// the right secret is refused until the interval passes, while another
// address is unaffected.
func TestSignInRateLimit(t *testing.T) {
	e := newEnv(t, console.Config{SignInBurst: 3, SignInInterval: time.Hour})
	attempt := func(addr, secret string) *httptest.ResponseRecorder {
		get := httptest.NewRequest("GET", "/console/signin", nil)
		get.RemoteAddr = addr + ":1234"
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, get)
		tok := csrfRE.FindStringSubmatch(rec.Body.String())[1]
		form := url.Values{"csrf": {tok}, "access_key_id": {alice.AccessKey}, "secret_access_key": {secret}}
		post := httptest.NewRequest("POST", "/console/signin", strings.NewReader(form.Encode()))
		post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		post.RemoteAddr = get.RemoteAddr
		post.AddCookie(rec.Result().Cookies()[0])
		rec = httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, post)
		return rec
	}
	for i, tc := range []struct {
		addr, secret string
		want         int
	}{
		{"192.0.2.1", "wrong", http.StatusUnauthorized},
		{"192.0.2.1", "wrong", http.StatusUnauthorized},
		{"192.0.2.1", "wrong", http.StatusUnauthorized},
		{"192.0.2.1", alice.SecretKey, http.StatusTooManyRequests},
		{"192.0.2.1", "wrong", http.StatusTooManyRequests},
		{"192.0.2.2", alice.SecretKey, http.StatusSeeOther},
		// IPv6 sources count by /64: one host, many addresses.
		{"[2001:db8::1]", "wrong", http.StatusUnauthorized},
		{"[2001:db8::2]", "wrong", http.StatusUnauthorized},
		{"[2001:db8::3]", "wrong", http.StatusUnauthorized},
		{"[2001:db8::4]", alice.SecretKey, http.StatusTooManyRequests},
		{"[2001:db8:0:1::1]", alice.SecretKey, http.StatusSeeOther},
	} {
		rec := attempt(tc.addr, tc.secret)
		if rec.Code != tc.want {
			t.Errorf("attempt %d from %s: %d, want %d", i+1, tc.addr, rec.Code, tc.want)
		}
		if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
			t.Errorf("attempt %d: 429 without Retry-After", i+1)
		}
		if rec.Code == http.StatusUnauthorized && !strings.Contains(rec.Body.String(), "not valid") {
			t.Errorf("attempt %d: %s", i+1, rec.Body)
		}
	}
	trail := e.trail.String()
	if !strings.Contains(trail, `"result":"AuthFailure"`) || !strings.Contains(trail, `"result":"RequestLimitExceeded"`) ||
		strings.Contains(trail, alice.SecretKey) || strings.Contains(trail, "wrong") {
		t.Errorf("sign-in trail:\n%s", trail)
	}
}

// Each account sees only its own resources, and is refused another's with
// the API's own words; it cannot change them either.
func TestCrossAccountIsolation(t *testing.T) {
	e := newEnv(t, console.Config{})
	wa := e.seed(alice)
	e.seed(bob)
	b := e.browser()
	b.signIn(bob)
	_, home := b.get("/console/")
	if strings.Contains(home, wa.Ipam) || strings.Contains(home, wa.Scope) {
		t.Errorf("bob's home shows alice's IPAM")
	}
	tok := b.token("/console/")
	for _, tc := range []struct {
		method, path string
		code         string
	}{
		{"GET", "/console/pools/" + wa.Pool, "InvalidIpamPoolId.NotFound"},
		{"GET", "/console/pools/" + wa.Child, "InvalidIpamPoolId.NotFound"},
		{"GET", "/console/scopes/" + wa.Scope, "InvalidIpamScopeId.NotFound"},
		{"POST", "/console/pools/" + wa.Pool + "/allocate", "InvalidIpamPoolId.NotFound"},
		{"POST", "/console/pools/" + wa.Pool + "/provision", "InvalidIpamPoolId.NotFound"},
	} {
		var resp *http.Response
		var body string
		if tc.method == "GET" {
			resp, body = b.get(tc.path)
		} else {
			resp, body = b.post(tc.path, url.Values{"csrf": {tok}, "netmask": {"24"}, "cidr": {"10.9.0.0/16"}})
		}
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, tc.code) {
			t.Errorf("%s %s as bob: %d, want 404 %s", tc.method, tc.path, resp.StatusCode, tc.code)
		}
	}
	code, msg := e.apiRefusal(bob, allocIn(wa.Pool, 24))
	if _, body := b.get("/console/pools/" + wa.Pool); !strings.Contains(body, code) || !strings.Contains(body, htmlEscape(msg)) {
		t.Errorf("console's refusal differs from the API's %s: %s", code, msg)
	}
	a := e.browser()
	a.signIn(alice)
	if _, body := a.get("/console/pools/" + wa.Pool); strings.Count(body, `name="release"`) != 2 || !strings.Contains(body, wa.Child) {
		t.Errorf("alice's pool changed or lost rows:\n%s", body)
	}
}

// A secret typed into the access key field (a user's slip) never reaches
// the audit trail: an unknown key is recorded as "(unknown)".
func TestSignInAuditKeepsNoTypedSecret(t *testing.T) {
	e := newEnv(t, console.Config{})
	b := e.browser()
	tok := b.token("/console/signin")
	resp, _ := b.post("/console/signin", url.Values{"csrf": {tok},
		"access_key_id": {alice.SecretKey}, "secret_access_key": {alice.SecretKey}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("sign-in with the secret as key: %d", resp.StatusCode)
	}
	trail := e.trail.String()
	if strings.Contains(trail, alice.SecretKey) || !strings.Contains(trail, `"access_key_id":"(unknown)"`) {
		t.Fatalf("audit trail: %s", trail)
	}
}
