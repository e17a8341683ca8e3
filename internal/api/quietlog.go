package api

import (
	"log/slog"
	"sync"
	"time"
)

// authLog samples the log lines of requests refused before authentication
// (a bad or missing signature, the per-source limit), so that a flood of
// them cannot fill the log: in each window at most perSource lines per
// source and total lines in all are written; the rest are counted, and one
// line reports the count when the window ends. Other requests are always
// logged.
type authLog struct {
	log       *slog.Logger
	window    time.Duration
	perSource int
	total     int
	now       func() time.Time

	mu         sync.Mutex
	start      time.Time
	lines      int
	bySource   map[string]int
	suppressed int
	timer      *time.Timer
}

// The sampling of authLog: with these, a flood from one address writes at
// most 3 lines and one summary every 10 seconds.
const (
	authLogWindow    = 10 * time.Second
	authLogPerSource = 3
	authLogTotal     = 30
)

func newAuthLog(log *slog.Logger) *authLog {
	return &authLog{log: log, window: authLogWindow, perSource: authLogPerSource, total: authLogTotal}
}

// allow reports whether this refusal from source gets its log line.
func (a *authLog) allow(source string) bool {
	now := clock(a.now)
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.Sub(a.start) >= a.window {
		a.flushLocked()
		a.start = now
	}
	n := a.bySource[source]
	if a.lines < a.total && n < a.perSource {
		if a.bySource == nil {
			a.bySource = make(map[string]int)
		}
		a.bySource[source] = n + 1 // at most total entries
		a.lines++
		return true
	}
	a.suppressed++
	if a.timer == nil {
		// Report when the window ends, even if the flood stopped.
		a.timer = time.AfterFunc(a.window-now.Sub(a.start), a.flush)
	}
	return false
}

func (a *authLog) flush() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.flushLocked()
}

func (a *authLog) flushLocked() {
	if a.suppressed > 0 {
		a.log.Warn("repeated authentication failures not logged", "count", a.suppressed,
			"window_s", a.window.Seconds(), "sources_logged", len(a.bySource))
	}
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	a.lines, a.suppressed = 0, 0
	clear(a.bySource)
}
