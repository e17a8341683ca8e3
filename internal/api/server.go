// Package api is the EC2 endpoint: middleware (request id, recover, a
// per-source limit before authentication, size limit, SigV4, per-account
// rate limit), dispatch through the one action table, and the single table
// from domain errors to EC2 error codes.
package api

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ipamd/ipamd/internal/audit"
	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
)

// APIVersion is the EC2 API version every request must name.
const APIVersion = "2016-11-15"

// DefaultMaxBodyBytes bounds a request body.
const DefaultMaxBodyBytes = 1 << 20

// Config wires a Handler.
type Config struct {
	Service      *ipam.Service
	Verifier     *sigv4.Verifier
	Logger       *slog.Logger
	MaxBodyBytes int64
	Limiter      *Limiter        // nil: no rate limits
	Sources      *SourceLimiter  // nil: no per-source limits before authentication
	Audit        *audit.Recorder // nil: no audit trail
	Metrics      Observer        // nil: no request metrics
}

// Handler serves the EC2 Query API and /healthz.
type Handler struct {
	svc      *ipam.Service
	verifier *sigv4.Verifier
	log      *slog.Logger
	maxBody  int64
	limiter  *Limiter
	sources  *SourceLimiter
	authLog  *authLog
	audit    *audit.Recorder
	metrics  Observer
}

// New returns the API handler.
func New(cfg Config) *Handler {
	h := &Handler{svc: cfg.Service, verifier: cfg.Verifier, log: cfg.Logger, maxBody: cfg.MaxBodyBytes, limiter: cfg.Limiter,
		sources: cfg.Sources, audit: cfg.Audit, metrics: cfg.Metrics}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	h.authLog = newAuthLog(h.log)
	return h
}

// exchange is what one request leaves for its log line, its metrics and
// its audit record.
type exchange struct {
	id        string
	start     time.Time
	remote    string
	action    string
	account   string
	accessKey string
	status    int
	code      string     // the EC2 error code of a failed request
	preAuth   bool       // refused before authentication: its log line is sampled
	values    url.Values // the decoded parameters, for the audit record
	body      any        // the response, for the audit record
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		h.health(w, r)
		return
	}
	if r.URL.Path == "/metrics" && r.Method == http.MethodGet && r.URL.RawQuery == "" {
		// A scraper pointed at the API: metrics are never served here
		// (docs/security.md), so say where they are.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "ipamd serves metrics on their own listener: ipamd serve --metrics-listen 127.0.0.1:9726 (docs/deployment.md)\n")
		return
	}
	x := &exchange{id: newRequestID(), start: time.Now(), remote: audit.SourceAddr(r.RemoteAddr), status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("panic", "request_id", x.id, "action", x.action, "panic", fmt.Sprint(v))
			x.fail(w, http.StatusInternalServerError, "InternalError", "An internal error has occurred.")
		}
		h.finish(x)
	}()
	body, err := h.serve(r, x)
	if err != nil {
		we, internal := toWire(err)
		if internal {
			h.log.Error("internal error", "request_id", x.id, "action", x.action, "err", cause(err))
		}
		x.fail(w, we.Status, we.Code, we.Message)
		return
	}
	x.body = body
	if err := ec2query.WriteResponse(w, x.action, x.id, body); err != nil {
		h.log.Error("encode response", "request_id", x.id, "action", x.action, "err", err)
		x.fail(w, http.StatusInternalServerError, "InternalError", "An internal error has occurred.")
	}
}

func (x *exchange) fail(w http.ResponseWriter, status int, code, message string) {
	x.status, x.code = status, code
	ec2query.WriteError(w, status, code, message, x.id)
}

// finish logs the request, counts it and, if it was a mutating call,
// writes its audit record.
func (h *Handler) finish(x *exchange) {
	elapsed := time.Since(x.start)
	code := x.code
	if code == "" {
		code = audit.Success
	}
	attrs := []any{"request_id", x.id, "action", x.action, "account", x.account, "remote", x.remote,
		"status", x.status, "duration_ms", float64(elapsed.Microseconds()) / 1000}
	if x.code != "" {
		attrs = append(attrs, "code", x.code)
	}
	if !x.preAuth || h.authLog.allow(x.remote) {
		h.log.Info("request", attrs...)
	}
	if h.metrics != nil {
		h.metrics.ObserveRequest(x.action, code, elapsed)
	}
	h.record(x, code)
}

// protocolError is a request refused before it reaches an operation.
func protocolError(status int, code, format string, args ...any) error {
	return &wireError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// errRequestLimit refuses a request over a rate limit (per source or per account).
var errRequestLimit = &ipam.Error{Code: ipam.CodeRequestLimitExceeded, Message: "Request limit exceeded."}

func (h *Handler) serve(r *http.Request, x *exchange) (any, error) {
	src := sourceKey(r.RemoteAddr)
	if h.sources != nil && !h.sources.Admit(src) {
		x.preAuth = true
		return nil, errRequestLimit
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, protocolError(http.StatusMethodNotAllowed, "InvalidRequest", "The HTTP method %s is not supported; use POST.", r.Method)
	}
	if r.ContentLength > h.maxBody {
		return nil, protocolError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			"The request body exceeds the limit of %d bytes.", h.maxBody)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	if err != nil {
		return nil, protocolError(http.StatusBadRequest, "InvalidRequest", "The request body could not be read.")
	}
	if int64(len(body)) > h.maxBody {
		return nil, protocolError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			"The request body exceeds the limit of %d bytes.", h.maxBody)
	}
	id, err := h.verifier.Verify(r, body)
	if err != nil {
		x.preAuth = true
		if h.sources != nil {
			h.sources.Failed(src)
		}
		return nil, err
	}
	x.account, x.accessKey = id.AccountID, id.AccessKey
	values, err := requestValues(r, body)
	if err != nil {
		return nil, err
	}
	x.values = values
	p := ec2query.NewParams(values)
	x.action = p.Action()
	if err := p.Err(); err != nil {
		x.action = ""
		return nil, err
	}
	if v := p.Version(); v != APIVersion {
		if v == "" {
			return nil, &ec2query.Error{Code: "MissingParameter", Message: "The request must contain the parameter Version"}
		}
		return nil, &ec2query.Error{Code: "InvalidParameterValue", Message: fmt.Sprintf("Version %q is not supported; this endpoint serves %s.", ec2query.Echo(v), APIVersion)}
	}
	a, ok := actions[x.action]
	if !ok || a.op == nil {
		name := x.action
		x.action = "" // an unknown name is not an action to render or log as one
		if ok {
			return nil, &ipam.Error{Code: ipam.CodeUnsupported, Message: fmt.Sprintf("The operation %s is not supported by ipamd.", name)}
		}
		return nil, &ec2query.Error{Code: "InvalidAction", Message: fmt.Sprintf("The action %s is not valid for this web service.", ec2query.Echo(name))}
	}
	if h.limiter != nil && !h.limiter.Allow(id.AccountID, a.mutating) {
		return nil, errRequestLimit
	}
	return a.op(h, r.Context(), ipam.Caller{AccountID: id.AccountID, Region: id.Region}, p)
}

// requestValues decodes the parameters: the form body of a POST, or the
// query string of a GET without its presigning parameters.
func requestValues(r *http.Request, body []byte) (url.Values, error) {
	if r.Method == http.MethodGet {
		v, err := ec2query.ParseForm([]byte(r.URL.RawQuery))
		if err != nil {
			return nil, err
		}
		for k := range v {
			if strings.HasPrefix(k, "X-Amz-") {
				delete(v, k)
			}
		}
		return v, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, &ec2query.Error{Code: "InvalidParameterValue",
			Message: fmt.Sprintf("The Content-Type %q is not supported; send application/x-www-form-urlencoded.", ec2query.Echo(ct))}
	}
	return ec2query.ParseForm(body)
}

func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := h.svc.Healthy(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "store unavailable\n")
		return
	}
	io.WriteString(w, "ok\n")
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// cause digs out what an internal error hides from the client, for the log.
func cause(err error) error {
	var de *ipam.Error
	if errors.As(err, &de) && de.Cause != nil {
		return de.Cause
	}
	return err
}
