package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
)

const (
	sessionCookie = "ipamd_session"
	// csrfCookie seeds the form token of a browser not signed in (the
	// sign-in form); a session's own id seeds it afterwards.
	csrfCookie = "ipamd_csrf"
)

// session is a signed-in browser. Nothing is stored server-side: the cookie
// carries the access key id, the expiry and a random id, signed with the
// console key and the account's current secret, so rotating a secret or
// removing an account ends its sessions.
type session struct {
	acct   sigv4.Account
	id     string
	expiry time.Time
	caller ipam.Caller
}

func randomID() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (c *Console) mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

func secretDigest(secret string) string {
	d := sha256.Sum256([]byte(secret))
	return string(d[:])
}

func (c *Console) sessionValue(key []byte, a sigv4.Account, id string, expiry time.Time) string {
	exp := strconv.FormatInt(expiry.Unix(), 10)
	akid := base64.RawURLEncoding.EncodeToString([]byte(a.AccessKey))
	sig := c.mac(key, "session", akid, exp, id, secretDigest(a.SecretKey))
	return akid + "." + exp + "." + id + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// session returns the request's valid session, or nil.
func (c *Console) session(r *http.Request) *session {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	parts := strings.Split(ck.Value, ".")
	if len(parts) != 4 {
		return nil
	}
	akid, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || time.Now().Unix() >= exp {
		return nil
	}
	acct, ok := c.cfg.Credentials.Lookup(string(akid))
	if !ok {
		return nil
	}
	key, err := c.signingKey(r.Context())
	if err != nil {
		return nil
	}
	want := c.sessionValue(key, acct, parts[2], time.Unix(exp, 0))
	if subtle.ConstantTimeCompare([]byte(want), []byte(ck.Value)) != 1 {
		return nil
	}
	return &session{acct: acct, id: parts[2], expiry: time.Unix(exp, 0),
		caller: ipam.Caller{AccountID: acct.AccountID, Region: c.cfg.Region}}
}

// cookie returns a console cookie: HttpOnly, SameSite=Strict (no other site
// can make the browser send it), Secure when the request came over TLS.
func cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
}

// csrfSeed is what the request's form tokens are bound to: the session, or
// the anonymous browser's csrf cookie. "" when there is neither.
func csrfSeed(r *http.Request, s *session) string {
	if s != nil {
		return "s:" + s.id
	}
	if ck, err := r.Cookie(csrfCookie); err == nil && ck.Value != "" {
		return "a:" + ck.Value
	}
	return ""
}

// csrfToken returns the token forms of this page carry; for a browser
// without a session or csrf cookie it sets the cookie first.
func (c *Console) csrfToken(w http.ResponseWriter, r *http.Request, s *session) (string, error) {
	seed := csrfSeed(r, s)
	if seed == "" {
		v := randomID()
		http.SetCookie(w, cookie(r, csrfCookie, v, 0))
		seed = "a:" + v
	}
	key, err := c.signingKey(r.Context())
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(c.mac(key, "csrf", seed)), nil
}

// csrfValid reports whether the posted form carries the token of this
// browser's session (or anonymous cookie).
func (c *Console) csrfValid(r *http.Request, s *session) bool {
	seed, got := csrfSeed(r, s), r.PostForm.Get("csrf")
	if seed == "" || got == "" {
		return false
	}
	key, err := c.signingKey(r.Context())
	if err != nil {
		return false
	}
	want := base64.RawURLEncoding.EncodeToString(c.mac(key, "csrf", seed))
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
