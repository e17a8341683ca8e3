// Package console is ipamd's web console: server-rendered pages over the
// same ipam.Service the API uses, signed in with an account's access key,
// so an account sees and may do exactly what it may through the API.
package console

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ipamd/ipamd/internal/audit"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
)

// Prefix is where the console is mounted on the API listener.
const Prefix = "/console/"

// Defaults of Config.
const (
	DefaultSessionTTL = 8 * time.Hour
	// Sign-in attempts per source address: a burst, then one per interval.
	DefaultSignInBurst    = 5
	DefaultSignInInterval = 12 * time.Second
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config wires a Console.
type Config struct {
	Service     *ipam.Service
	Credentials sigv4.Credentials // the accounts the API's SigV4 layer knows
	Region      string            // the Region the server is; the console's calls are made in it
	Audit       *audit.Recorder   // nil: no audit records
	Logger      *slog.Logger
	SessionTTL  time.Duration
	// SignInBurst attempts per source address, then one per SignInInterval.
	SignInBurst    int
	SignInInterval time.Duration
	// Key signs session cookies and form tokens; nil derives it from the
	// key the store shares between nodes, so sessions survive restarts and
	// work on every node.
	Key []byte
}

// Console serves the pages under Prefix.
type Console struct {
	cfg    Config
	svc    *ipam.Service
	log    *slog.Logger
	pages  map[string]*template.Template
	mux    *http.ServeMux
	limits *limiter

	keyMu sync.Mutex
	key   []byte
}

// New returns the console.
func New(cfg Config) *Console {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.SignInBurst <= 0 {
		cfg.SignInBurst = DefaultSignInBurst
	}
	if cfg.SignInInterval <= 0 {
		cfg.SignInInterval = DefaultSignInInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Console{cfg: cfg, svc: cfg.Service, log: cfg.Logger, key: cfg.Key,
		limits: newLimiter(cfg.SignInBurst, cfg.SignInInterval), pages: parsePages()}
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /console/signin", c.signInPage)
	m.HandleFunc("POST /console/signin", c.form(c.signIn))
	m.HandleFunc("POST /console/signout", c.form(c.signOut))
	m.HandleFunc("GET /console/{$}", c.page(c.home))
	m.HandleFunc("GET /console/scopes/{id}", c.page(c.scope))
	m.HandleFunc("GET /console/pools/{id}", c.page(c.pool))
	m.HandleFunc("GET /console/vpcs", c.page(c.vpcs))
	m.HandleFunc("POST /console/pools/{id}/allocate", c.form(c.signedIn(c.allocate)))
	m.HandleFunc("POST /console/pools/{id}/release", c.form(c.signedIn(c.release)))
	m.HandleFunc("POST /console/pools/{id}/provision", c.form(c.signedIn(c.provision)))
	c.mux = m
	return c
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// No inline script or style anywhere, so the policy can be strict.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, "/console/static/") {
		h.Set("Cache-Control", "no-store")
	}
	c.mux.ServeHTTP(w, r)
}

// Mount serves the console under Prefix in front of api, and sends a
// browser that opens the bare root (GET / without a query or signature)
// there. Every other request, EC2's POST / above all, goes to api.
func (c *Console) Mount(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, Prefix) || r.URL.Path == "/console":
			if r.URL.Path == "/console" {
				http.Redirect(w, r, Prefix, http.StatusFound)
				return
			}
			c.ServeHTTP(w, r)
		case r.URL.Path == "/" && r.Method == http.MethodGet && r.URL.RawQuery == "" && r.Header.Get("Authorization") == "":
			http.Redirect(w, r, Prefix, http.StatusFound)
		default:
			api.ServeHTTP(w, r)
		}
	})
}

// signingKey returns the key for cookies and form tokens.
func (c *Console) signingKey(ctx context.Context) ([]byte, error) {
	c.keyMu.Lock()
	defer c.keyMu.Unlock()
	if c.key == nil {
		k, err := c.svc.DerivedKey(ctx, "console-session")
		if err != nil {
			return nil, err
		}
		c.key = k
	}
	return c.key, nil
}
