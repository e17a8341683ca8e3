package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipamd/ipamd/internal/api"
	"github.com/ipamd/ipamd/internal/audit"
	"github.com/ipamd/ipamd/internal/console"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/metrics"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

type serveConfig struct {
	listen, dataDir, databaseURL, region, credentials string
	sqliteSync                                        string
	tlsCert, tlsKey                                   string
	maxBody                                           int64
	logFormat                                         string
	pprof                                             string
	auditLog                                          string
	metricsListen                                     string
	console                                           bool
	consoleSessionTTL                                 time.Duration
	historyRetention                                  time.Duration
	limits                                            ipam.Limits
	mutatingRate, mutatingBurst                       float64
	readRate, readBurst                               float64
	sourceRate, sourceBurst                           float64
	authFailRate, authFailBurst                       float64
}

// flags binds every serve flag with its IPAMD_* environment variable as the
// default, so flags win over the environment.
func flags(args []string) (*serveConfig, error) {
	c := &serveConfig{limits: ipam.DefaultLimits()}
	fs, errs := c.flagSet()
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if c.sqliteSync != sqlite.SyncFull && c.sqliteSync != sqlite.SyncNormal {
		return nil, fmt.Errorf("--sqlite-synchronous %q: want %s or %s", c.sqliteSync, sqlite.SyncFull, sqlite.SyncNormal)
	}
	if !ipam.ValidRegion(c.region) {
		return nil, fmt.Errorf("--region %q is not a valid Region name (like us-east-1)", c.region)
	}
	return c, errors.Join(errs...)
}

// flagSet defines every serve flag on c; errs are the environment
// variables that did not parse.
func (c *serveConfig) flagSet() (fs *flag.FlagSet, errs []error) {
	fs = flag.NewFlagSet("serve", flag.ContinueOnError)
	str := func(p *string, name, env, def, usage string) {
		if v, ok := os.LookupEnv(env); ok {
			def = v
		}
		fs.StringVar(p, name, def, usage+" ($"+env+")")
	}
	num := func(name, env string, def int64, usage string, set func(int64)) {
		if v, ok := os.LookupEnv(env); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("$%s: %v", env, err))
			}
			def = n
		}
		fs.Func(name, fmt.Sprintf("%s ($%s, default %d)", usage, env, def), func(s string) error {
			n, err := strconv.ParseInt(s, 10, 64)
			if err == nil {
				set(n)
			}
			return err
		})
		set(def)
	}
	rate := func(p *float64, name, env string, def float64, usage string) {
		parse := func(v string) (float64, error) { return strconv.ParseFloat(v, 64) }
		fs.Float64Var(p, name, fromEnv(env, def, parse, &errs), usage+" ($"+env+")")
	}
	boolean := func(p *bool, name, env string, def bool, usage string) {
		fs.BoolVar(p, name, fromEnv(env, def, strconv.ParseBool, &errs), usage+" ($"+env+")")
	}
	duration := func(p *time.Duration, name, env string, def time.Duration, usage string) {
		fs.DurationVar(p, name, fromEnv(env, def, time.ParseDuration, &errs), usage+" ($"+env+")")
	}
	str(&c.listen, "listen", "IPAMD_LISTEN", "127.0.0.1:4726", "address to serve the API on")
	str(&c.dataDir, "data-dir", "IPAMD_DATA_DIR", "./ipamd-data", "directory of the embedded SQLite store")
	str(&c.sqliteSync, "sqlite-synchronous", "IPAMD_SQLITE_SYNCHRONOUS", sqlite.SyncFull, "SQLite commit durability: full (fsync at every commit: an answer survives power loss) or normal (faster; an OS crash or power loss can undo the last answers)")
	str(&c.databaseURL, "database-url", "IPAMD_DATABASE_URL", "", "PostgreSQL URL (postgres://...); several nodes may share one database")
	str(&c.region, "region", "IPAMD_REGION", "us-east-1", "the Region this server is; IPAMs are homed here")
	str(&c.credentials, "credentials", "IPAMD_CREDENTIALS", "", "JSON file of accounts (docs/deployment.md); without it the development account test/test is active")
	str(&c.tlsCert, "tls-cert", "IPAMD_TLS_CERT", "", "TLS certificate file (PEM); serve HTTPS when set with --tls-key")
	str(&c.tlsKey, "tls-key", "IPAMD_TLS_KEY", "", "TLS private key file (PEM)")
	str(&c.logFormat, "log-format", "IPAMD_LOG_FORMAT", "text", "log format: text or json")
	str(&c.pprof, "pprof", "IPAMD_PPROF", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); off when empty")
	str(&c.metricsListen, "metrics-listen", "IPAMD_METRICS_LISTEN", "", "serve Prometheus metrics, unauthenticated, at /metrics on this address (e.g. 127.0.0.1:9726); off when empty")
	boolean(&c.console, "console", "IPAMD_CONSOLE", true, "serve the web console under /console/ on the API listener")
	duration(&c.consoleSessionTTL, "console-session-ttl", "IPAMD_CONSOLE_SESSION_TTL", console.DefaultSessionTTL, "how long a console sign-in lasts")
	duration(&c.historyRetention, "history-retention", "IPAMD_HISTORY_RETENTION", ipam.DefaultHistoryRetention, "how long GetIpamAddressHistory keeps a record after its span ended (0: forever)")
	str(&c.auditLog, "audit-log", "IPAMD_AUDIT_LOG", "", "append the audit trail (one JSON object per mutating call) to this file; in the log when empty")
	num("max-body-bytes", "IPAMD_MAX_BODY_BYTES", api.DefaultMaxBodyBytes, "largest request body accepted", func(n int64) { c.maxBody = n })
	num("max-ipams", "IPAMD_MAX_IPAMS", int64(c.limits.IpamsPerRegion), "IPAMs per account", func(n int64) { c.limits.IpamsPerRegion = int(n) })
	num("max-scopes", "IPAMD_MAX_SCOPES", int64(c.limits.ScopesPerIpam), "scopes per IPAM, the two defaults included", func(n int64) { c.limits.ScopesPerIpam = int(n) })
	num("max-pools", "IPAMD_MAX_POOLS", int64(c.limits.PoolsPerScope), "pools per scope", func(n int64) { c.limits.PoolsPerScope = int(n) })
	num("max-pool-depth", "IPAMD_MAX_POOL_DEPTH", int64(c.limits.PoolDepth), "deepest pool nesting", func(n int64) { c.limits.PoolDepth = int(n) })
	num("max-pool-cidrs", "IPAMD_MAX_POOL_CIDRS", int64(c.limits.CidrsPerPool), "provisioned CIDRs per pool", func(n int64) { c.limits.CidrsPerPool = int(n) })
	rate(&c.mutatingRate, "rate-mutating", "IPAMD_RATE_MUTATING", 0, "per-account mutating requests per second (0: unlimited)")
	rate(&c.mutatingBurst, "burst-mutating", "IPAMD_BURST_MUTATING", 50, "per-account burst of mutating requests")
	rate(&c.readRate, "rate-read", "IPAMD_RATE_READ", 0, "per-account non-mutating requests per second (0: unlimited)")
	rate(&c.readBurst, "burst-read", "IPAMD_BURST_READ", 100, "per-account burst of non-mutating requests")
	rate(&c.sourceRate, "rate-source", "IPAMD_RATE_SOURCE", 0, "requests per second from one source address, counted before authentication (0: unlimited)")
	rate(&c.sourceBurst, "burst-source", "IPAMD_BURST_SOURCE", 200, "burst of requests from one source address")
	rate(&c.authFailRate, "rate-auth-failures", "IPAMD_RATE_AUTH_FAILURES", 1, "failed authentications per second from one source address; past the burst its requests are refused before verification (0: unlimited)")
	rate(&c.authFailBurst, "burst-auth-failures", "IPAMD_BURST_AUTH_FAILURES", 20, "burst of failed authentications from one source address")
	return fs, errs
}

// fromEnv is $env parsed, or def when it is not set; a value that does not
// parse is reported in errs.
func fromEnv[T any](env string, def T, parse func(string) (T, error), errs *[]error) T {
	v, ok := os.LookupEnv(env)
	if !ok {
		return def
	}
	x, err := parse(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("$%s: %v", env, err))
	}
	return x
}

func serve(args []string) error {
	cfg, err := flags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := newLogger(cfg.logFormat)
	creds, err := credentials(cfg, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	store, where, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	var mx *metrics.Metrics
	reg := prometheus.NewRegistry()
	svcCfg := ipam.Config{Region: cfg.region, Limits: cfg.limits}
	if cfg.metricsListen != "" {
		mx = metrics.New(reg, version)
		svcCfg.Observer = mx
	}
	svc := ipam.NewService(store, svcCfg)
	if cfg.historyRetention > 0 {
		go svc.KeepHistory(ctx, cfg.historyRetention, log)
	}
	var limiter *api.Limiter
	if cfg.mutatingRate > 0 || cfg.readRate > 0 {
		limiter = &api.Limiter{MutatingRate: cfg.mutatingRate, MutatingBurst: cfg.mutatingBurst,
			ReadRate: cfg.readRate, ReadBurst: cfg.readBurst}
	}
	var sources *api.SourceLimiter
	if cfg.sourceRate > 0 || cfg.authFailRate > 0 {
		sources = &api.SourceLimiter{Rate: cfg.sourceRate, Burst: cfg.sourceBurst,
			FailureRate: cfg.authFailRate, FailureBurst: cfg.authFailBurst}
	}
	trail, err := auditTrail(cfg, log)
	if err != nil {
		return err
	}
	defer trail.Close()
	apiCfg := api.Config{Service: svc, Verifier: &sigv4.Verifier{Creds: creds}, Logger: log,
		MaxBodyBytes: cfg.maxBody, Limiter: limiter, Sources: sources, Audit: trail}
	if mx != nil {
		apiCfg.Metrics = mx // only when set: a nil *Metrics in the interface is not nil
	}
	var handler http.Handler = api.New(apiCfg)
	if cfg.console {
		handler = console.New(console.Config{Service: svc, Credentials: creds, Region: cfg.region, Audit: trail,
			Logger: log, SessionTTL: cfg.consoleSessionTTL}).Mount(handler)
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() {
		if cfg.tlsCert != "" {
			errc <- srv.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	if mx != nil {
		if err := serveMetrics(ctx, cfg.metricsListen, reg, svc, log); err != nil {
			return err
		}
	}
	if cfg.pprof != "" {
		if err := servePprof(cfg.pprof, log); err != nil {
			return err
		}
	}
	log.Info("ipamd serving", "version", version, "listen", ln.Addr().String(), "tls", cfg.tlsCert != "",
		"store", where, "region", cfg.region, "console", consoleURL(cfg, ln.Addr().String()))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let in-flight requests finish, then close the store
	// (deferred) — all within the 10 s a supervisor gives us.
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	return nil
}

// metricsRefresh is how often the metrics listener's pool gauges pick up
// pools this node has not used and changes other nodes made.
const metricsRefresh = 30 * time.Second

// serveMetrics serves /metrics on its own listener, never on the API's:
// the metrics are unauthenticated and name every account's pools. It
// loads every pool's space in the background (now, then every
// metricsRefresh) so the gauges cover pools this node has not used.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, svc *ipam.Service, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--metrics-listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(reg, svc, log))
	log.Info("serving metrics", "at", "http://"+ln.Addr().String()+"/metrics")
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go metrics.KeepPoolsLoaded(ctx, svc, metricsRefresh, log)
	return nil
}

// servePprof serves the profiling endpoints on their own listener, never on
// the API's: they expose internals and are off unless --pprof is given.
func servePprof(addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Warn("serving pprof", "listen", ln.Addr().String())
	go func() { _ = http.Serve(ln, mux) }()
	return nil
}

// auditTrail is the audit Recorder: the --audit-log file, or the log.
func auditTrail(cfg *serveConfig, log *slog.Logger) (*audit.Recorder, error) {
	if cfg.auditLog == "" {
		return audit.ToLog(log), nil
	}
	log.Info("audit trail", "file", cfg.auditLog)
	return audit.ToFile(cfg.auditLog, log)
}

func newLogger(format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

func credentials(cfg *serveConfig, log *slog.Logger) (sigv4.Credentials, error) {
	if cfg.credentials == "" {
		log.Warn("running with development credentials: access key 'test', secret 'test', account 000000000000; pass --credentials for real accounts")
		return sigv4.DevCredentials(), nil
	}
	creds, err := sigv4.LoadCredentialsFile(cfg.credentials)
	if err != nil {
		return nil, err
	}
	log.Info("credentials loaded", "file", cfg.credentials, "accounts", len(creds))
	return creds, nil
}

func openStore(ctx context.Context, cfg *serveConfig) (ipam.Store, string, error) {
	if cfg.databaseURL != "" {
		octx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := postgres.Open(octx, cfg.databaseURL)
		if err != nil {
			return nil, "", fmt.Errorf("open PostgreSQL: %w", err)
		}
		return s, "postgres", nil
	}
	s, err := sqlite.OpenWith(cfg.dataDir, sqlite.Options{Synchronous: cfg.sqliteSync})
	if err != nil {
		return nil, "", fmt.Errorf("open store in %s: %w", cfg.dataDir, err)
	}
	return s, "sqlite:" + cfg.dataDir, nil
}

// consoleURL is where the log tells an operator to open the console.
func consoleURL(cfg *serveConfig, addr string) string {
	if !cfg.console {
		return "off"
	}
	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
	}
	return scheme + "://" + addr + console.Prefix
}
