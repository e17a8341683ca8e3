// Package audit records who changed what: one structured record per
// mutating call, whether it came through the API or the console. Both
// adapters share one Recorder so the trail has one format.
//
// A record carries identifiers only (account, access key id, resource ids,
// CIDRs, result code): never a secret, signature, cookie or header value.
package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"
)

// Success is the Result of a call that succeeded; a failed call's Result is
// its EC2 error code (InvalidIpamPoolId.NotFound, DryRunOperation, ...).
const Success = "Success"

// Origins of a record.
const (
	OriginAPI     = "api"
	OriginConsole = "console"
)

// Record is one mutating call.
type Record struct {
	Time        time.Time `json:"time"`
	RequestID   string    `json:"request_id"`
	Origin      string    `json:"origin"` // OriginAPI or OriginConsole
	Account     string    `json:"account"`
	AccessKeyID string    `json:"access_key_id"`
	SourceAddr  string    `json:"source_address"` // the peer's IP, without port
	Action      string    `json:"action"`         // the EC2 action name, e.g. AllocateIpamPoolCidr
	ResourceIDs []string  `json:"resource_ids,omitempty"`
	CIDRs       []string  `json:"cidrs,omitempty"`
	Result      string    `json:"result"` // Success or the error code
}

// Recorder writes records to a JSON-lines file or to the log. A nil
// *Recorder records nothing, so callers need no check. Safe for concurrent use.
type Recorder struct {
	log *slog.Logger // the sink when w is nil; otherwise where write failures go

	mu sync.Mutex
	w  io.Writer
	c  io.Closer
}

// ToLog returns a Recorder that writes each record as an "audit" log line.
func ToLog(log *slog.Logger) *Recorder { return &Recorder{log: log} }

// ToWriter returns a Recorder that writes one JSON object per line to w.
// Write failures are reported to log (which may be nil).
func ToWriter(w io.Writer, log *slog.Logger) *Recorder { return &Recorder{w: w, log: log} }

// ToFile appends JSON lines to the file at path, created with mode 0600.
// Write failures are reported to log (which may be nil); Close closes the file.
func ToFile(path string, log *slog.Logger) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &Recorder{w: f, c: f, log: log}, nil
}

// Record writes rec. A zero Time is set to now; times are written in UTC.
// It never fails the caller: a write failure goes to the log.
func (r *Recorder) Record(rec Record) {
	if r == nil {
		return
	}
	if rec.Time.IsZero() {
		rec.Time = time.Now()
	}
	rec.Time = rec.Time.UTC()
	if r.w == nil {
		r.log.Info("audit", "request_id", rec.RequestID, "origin", rec.Origin, "account", rec.Account,
			"access_key_id", rec.AccessKeyID, "source_address", rec.SourceAddr, "action", rec.Action,
			"resource_ids", rec.ResourceIDs, "cidrs", rec.CIDRs, "result", rec.Result)
		return
	}
	line, err := json.Marshal(rec)
	if err == nil {
		r.mu.Lock()
		_, err = r.w.Write(append(line, '\n'))
		r.mu.Unlock()
	}
	if err != nil && r.log != nil {
		r.log.Error("audit record not written", "request_id", rec.RequestID, "action", rec.Action, "err", err)
	}
}

// Close closes the file of a Recorder made by ToFile.
func (r *Recorder) Close() error {
	if r == nil || r.c == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.c.Close()
}

// SourceAddr is the host part of an http.Request's RemoteAddr ("ip:port"),
// so the API and the console write the peer the same way.
func SourceAddr(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}
