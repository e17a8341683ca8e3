package api

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time          { return c.t }
func (c *testClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestSourceKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:5555":                     "192.0.2.7",
		"[::ffff:192.0.2.7]:5555":            "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443":         "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff:ffff:ffff:1]:80": "2001:db8:1:2::/64",
		"pipe":                               "pipe",
	} {
		if got := sourceKey(in); got != want {
			t.Errorf("sourceKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSourceLimiterFailures(t *testing.T) {
	c := &testClock{t: time.Unix(1e9, 0)}
	l := &SourceLimiter{FailureRate: 2, FailureBurst: 3, Now: c.now}
	// Successes cost nothing.
	for range 100 {
		if !l.Admit("a") {
			t.Fatal("a well-signed source was refused")
		}
	}
	for i := range 3 {
		if !l.Admit("a") {
			t.Fatalf("failure %d refused within the burst", i)
		}
		l.Failed("a")
	}
	if l.Admit("a") {
		t.Fatal("admitted past the failure burst")
	}
	if !l.Admit("b") {
		t.Fatal("another source was refused")
	}
	// Five failures admitted together: a debt of 5 - (nothing left), floored
	// at -burst, paid off at 2 a second.
	for range 5 {
		l.Failed("a")
	}
	c.advance(1500 * time.Millisecond) // -3 + 3 = 0
	if l.Admit("a") {
		t.Fatal("admitted while in debt")
	}
	c.advance(500 * time.Millisecond) // 1
	if !l.Admit("a") {
		t.Fatal("refused after the debt was paid")
	}
}

func TestSourceLimiterRate(t *testing.T) {
	c := &testClock{t: time.Unix(1e9, 0)}
	l := &SourceLimiter{Rate: 10, Burst: 5, Now: c.now}
	for i := range 5 {
		if !l.Admit("a") {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	if l.Admit("a") {
		t.Fatal("admitted past the burst")
	}
	c.advance(100 * time.Millisecond)
	if !l.Admit("a") || l.Admit("a") {
		t.Fatal("want exactly one request after 100 ms at 10/s")
	}
}

// The table is bounded: idle sources are forgotten, and a new source past
// the bound is let through untracked.
func TestSourceLimiterBounded(t *testing.T) {
	c := &testClock{t: time.Unix(1e9, 0)}
	l := &SourceLimiter{FailureRate: 1, FailureBurst: 1, MaxSources: 10, Now: c.now}
	for i := range 10 {
		s := fmt.Sprint("s", i)
		l.Admit(s)
		l.Failed(s)
	}
	if l.Admit("s0") {
		t.Fatal("s0 admitted with no tokens")
	}
	if !l.Admit("new") {
		t.Fatal("a new source past the bound is refused")
	}
	if len(l.sources) != 10 {
		t.Fatalf("%d sources tracked, want 10", len(l.sources))
	}
	c.advance(5 * time.Second) // every bucket refilled: a sweep forgets them
	l.Admit("new")
	if len(l.sources) != 1 {
		t.Fatalf("%d sources tracked after a sweep, want 1", len(l.sources))
	}
}

func TestAuthLogSampling(t *testing.T) {
	var buf bytes.Buffer
	c := &testClock{t: time.Unix(1e9, 0)}
	a := newAuthLog(slog.New(slog.NewTextHandler(&buf, nil)))
	a.now = c.now
	logged := 0
	for i := range 1000 {
		if a.allow("flood") {
			logged++
		}
		if i%10 == 0 && a.allow(fmt.Sprint("other", i)) {
			logged++
		}
	}
	// 3 of the flood's, then 27 of the others' (30 in all).
	if logged != authLogTotal {
		t.Errorf("%d lines allowed in one window, want %d", logged, authLogTotal)
	}
	c.advance(authLogWindow)
	if !a.allow("flood") {
		t.Error("a new window does not allow the flood a line")
	}
	out := buf.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "repeated authentication failures not logged") ||
		!strings.Contains(out, fmt.Sprintf("count=%d", 1100-authLogTotal)) {
		t.Errorf("summary: %q", out)
	}
}
