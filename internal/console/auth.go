package console

import (
	"crypto/subtle"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ipamd/ipamd/internal/audit"
)

// handler is a console endpoint; s is nil for a browser not signed in.
type handler func(w http.ResponseWriter, r *http.Request, s *session)

// maxFormBytes bounds a posted form; the console's forms are a few fields.
const maxFormBytes = 64 << 10

// page serves a GET page to a signed-in browser and sends any other to the
// sign-in form, which brings it back afterwards.
func (c *Console) page(fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := c.session(r)
		if s == nil {
			http.Redirect(w, r, Prefix+"signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		fn(w, r, s)
	}
}

// form checks a POST: its size, and that it carries this browser's form
// token (CSRF). A form from anywhere else is refused before fn runs.
func (c *Console) form(fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			c.fail(w, r, nil, http.StatusBadRequest, "InvalidRequest", "The form could not be read.")
			return
		}
		s := c.session(r)
		if !c.csrfValid(r, s) {
			c.fail(w, r, s, http.StatusForbidden, "InvalidFormToken",
				"The form did not come from this console or has expired. Reload the page and try again.")
			return
		}
		fn(w, r, s)
	}
}

// signedIn refuses a form from a browser that is not signed in.
func (c *Console) signedIn(fn handler) handler {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		if s == nil {
			http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
			return
		}
		fn(w, r, s)
	}
}

type signInView struct {
	CSRF, Next, AccessKey, Error string
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if c.session(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	c.renderSignIn(w, r, http.StatusOK, signInView{Next: r.URL.Query().Get("next")})
}

func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, v signInView) {
	tok, err := c.csrfToken(w, r, nil)
	if err != nil {
		c.serviceError(w, r, nil, err)
		return
	}
	v.CSRF = tok
	c.render(w, status, "signin", &layout{Title: "Sign in", Body: v})
}

// errBadCredentials is the one answer to a wrong key or secret, so the
// form does not tell which access key ids exist.
const errBadCredentials = "The access key ID or secret access key is not valid."

func (c *Console) signIn(w http.ResponseWriter, r *http.Request, _ *session) {
	akid := strings.TrimSpace(r.PostForm.Get("access_key_id"))
	secret := r.PostForm.Get("secret_access_key")
	v := signInView{Next: r.PostForm.Get("next"), AccessKey: akid}
	src := audit.SourceAddr(r.RemoteAddr)
	acct, ok := c.cfg.Credentials.Lookup(akid)
	// The typed key is recorded only when it names an account: a user who
	// pastes a secret into the key field must not find it in the audit trail.
	logged := "(unknown)"
	if ok {
		logged = akid
	}
	rec := audit.Record{RequestID: randomID(), Origin: audit.OriginConsole, AccessKeyID: logged,
		SourceAddr: src, Action: "ConsoleSignIn"}
	if ok, wait := c.limits.allow(limitKey(src), time.Now()); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		v.Error = fmt.Sprintf("Too many sign-in attempts from your address. Try again in %d seconds.", secs)
		rec.Result = "RequestLimitExceeded"
		c.cfg.Audit.Record(rec)
		c.renderSignIn(w, r, http.StatusTooManyRequests, v)
		return
	}
	// Compare even for an unknown key, so timing does not tell them apart.
	if !ok {
		acct.SecretKey = "\x00unknown"
	}
	if subtle.ConstantTimeCompare([]byte(acct.SecretKey), []byte(secret)) != 1 || !ok || secret == "" {
		v.Error = errBadCredentials
		rec.Result = "AuthFailure"
		c.cfg.Audit.Record(rec)
		c.renderSignIn(w, r, http.StatusUnauthorized, v)
		return
	}
	key, err := c.signingKey(r.Context())
	if err != nil {
		c.serviceError(w, r, nil, err)
		return
	}
	exp := time.Now().Add(c.cfg.SessionTTL)
	http.SetCookie(w, cookie(r, sessionCookie, c.sessionValue(key, acct, randomID(), exp), int(c.cfg.SessionTTL.Seconds())))
	rec.Account, rec.Result = acct.AccountID, audit.Success
	c.cfg.Audit.Record(rec)
	http.Redirect(w, r, safeNext(v.Next), http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, _ *session) {
	http.SetCookie(w, cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}

// limitKey is what sign-in attempts are counted under: the source address,
// an IPv6 one by its /64 (what one host usually holds).
func limitKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Unmap().Is6() {
		return addr
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// safeNext keeps a post-sign-in redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		return Prefix
	}
	return next
}
