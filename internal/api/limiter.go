package api

import (
	"sync"
	"time"
)

// Limiter enforces per-account request rates with AWS's shape: one token
// bucket for mutating calls and one for the rest. Rates are tokens per
// second; bursts are the bucket sizes.
type Limiter struct {
	MutatingRate, MutatingBurst float64
	ReadRate, ReadBurst         float64
	Now                         func() time.Time

	mu      sync.Mutex
	buckets map[bucketKey]*bucket
}

type bucketKey struct {
	account  string
	mutating bool
}

// bucket is a token bucket; tokens may go below zero (a debt) where a
// caller charges after the fact.
type bucket struct {
	tokens float64
	last   time.Time
}

// refill adds what rate earned since the last refill, up to burst.
func (b *bucket) refill(now time.Time, rate, burst float64) {
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
}

func clock(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}

// Allow takes one token from the account's bucket for this kind of call.
func (l *Limiter) Allow(account string, mutating bool) bool {
	rate, burst := l.ReadRate, l.ReadBurst
	if mutating {
		rate, burst = l.MutatingRate, l.MutatingBurst
	}
	if rate <= 0 {
		return true
	}
	now := clock(l.Now)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = make(map[bucketKey]*bucket)
	}
	k := bucketKey{account, mutating}
	b := l.buckets[k]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		l.buckets[k] = b
	}
	b.refill(now, rate, burst)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
