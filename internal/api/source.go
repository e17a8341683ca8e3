package api

import (
	"net/netip"
	"sync"
	"time"
)

// SourceLimiter bounds what one source address can cost the server before
// its signature is checked (docs/security.md). Each source has two token
// buckets:
//
//   - every request (Rate per second, Burst; Rate 0: no limit), a plain
//     cap on what one address may send;
//   - failed authentications (FailureRate, FailureBurst; FailureRate 0: no
//     limit): checked before verification and charged only when the
//     signature turns out bad, so well-signed clients never draw from it
//     and a source sending bad signatures gets its verifications cut to
//     FailureRate per second after a burst.
//
// A refused request answers 503 RequestLimitExceeded without its body being
// read or its signature checked. IPv6 sources are counted by /64, what one
// host usually holds. At most MaxSources sources are tracked; idle ones
// whose buckets have refilled are forgotten, and beyond the bound a new
// source is let through untracked rather than refused (a flood from many
// addresses must not lock legitimate clients out).
type SourceLimiter struct {
	Rate, Burst               float64
	FailureRate, FailureBurst float64
	MaxSources                int // 0: DefaultMaxSources
	Now                       func() time.Time

	mu        sync.Mutex
	sources   map[string]*sourceBuckets
	lastSweep time.Time
}

// DefaultMaxSources bounds the sources a SourceLimiter tracks.
const DefaultMaxSources = 100_000

type sourceBuckets struct{ all, failures bucket }

// sourceKey is the address a request is counted under: the IP of
// remoteAddr, an IPv6 one by its /64.
func sourceKey(remoteAddr string) string {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	a := ap.Addr().Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Admit reports whether a request from source may go on to verification,
// and takes its token from the every-request bucket.
func (l *SourceLimiter) Admit(source string) bool {
	if l.Rate <= 0 && l.FailureRate <= 0 {
		return true
	}
	now := clock(l.Now)
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.state(source, now)
	if s == nil {
		return true
	}
	if l.FailureRate > 0 && s.failures.tokens < 1 {
		return false
	}
	if l.Rate > 0 {
		if s.all.tokens < 1 {
			return false
		}
		s.all.tokens--
	}
	return true
}

// Failed charges one failed authentication to source. Requests admitted
// together may all fail: the debt (down to -FailureBurst) is paid off
// before the source is admitted again.
func (l *SourceLimiter) Failed(source string) {
	if l.FailureRate <= 0 {
		return
	}
	now := clock(l.Now)
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.state(source, now); s != nil {
		s.failures.tokens = max(s.failures.tokens-1, -l.FailureBurst)
	}
}

// state returns source's buckets refilled to now; nil if the source is not
// tracked because the table is full.
func (l *SourceLimiter) state(source string, now time.Time) *sourceBuckets {
	s := l.sources[source]
	if s == nil {
		if l.sources == nil {
			l.sources = make(map[string]*sourceBuckets)
		}
		limit := l.MaxSources
		if limit <= 0 {
			limit = DefaultMaxSources
		}
		if len(l.sources) >= limit {
			l.sweep(now)
			if len(l.sources) >= limit {
				return nil
			}
		}
		s = &sourceBuckets{all: bucket{l.Burst, now}, failures: bucket{l.FailureBurst, now}}
		l.sources[source] = s
	}
	s.all.refill(now, l.Rate, l.Burst)
	s.failures.refill(now, l.FailureRate, l.FailureBurst)
	return s
}

// sweep forgets the sources whose buckets are full again: they are exactly
// as if never seen. It runs at most once a second, so a table kept full by
// a flood costs one pass a second, not one per request.
func (l *SourceLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Second {
		return
	}
	l.lastSweep = now
	for k, s := range l.sources {
		s.all.refill(now, l.Rate, l.Burst)
		s.failures.refill(now, l.FailureRate, l.FailureBurst)
		if (l.Rate <= 0 || s.all.tokens >= l.Burst) && (l.FailureRate <= 0 || s.failures.tokens >= l.FailureBurst) {
			delete(l.sources, k)
		}
	}
}
