package main

import (
	"fmt"
	"slices"
	"time"
)

// stats summarises latencies.
type stats struct {
	n                  int
	p50, p99, max, sum time.Duration
}

func summarize(ds []time.Duration) stats {
	if len(ds) == 0 {
		return stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	st := stats{n: len(s), max: s[len(s)-1]}
	for _, d := range s {
		st.sum += d
	}
	st.p50 = s[(len(s)-1)*50/100]
	st.p99 = s[(len(s)-1)*99/100]
	return st
}

func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0f", f)
	case f >= 10:
		return fmt.Sprintf("%.1f", f)
	default:
		return fmt.Sprintf("%.2f", f)
	}
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func mb(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }

// measurement is one latency measurement: client-side on loopback, and
// server-side from the server's log (absent when targeting -endpoint).
type measurement struct {
	client, server stats
	items          int // items in the answer (the last one)
}

// pair renders "client / server" of one statistic.
func (m measurement) pair(pick func(stats) time.Duration) string {
	if m.client.n == 0 {
		return "–"
	}
	if m.server.n == 0 {
		return ms(pick(m.client)) + " / –"
	}
	return ms(pick(m.client)) + " / " + ms(pick(m.server))
}

func p50(s stats) time.Duration { return s.p50 }
func p99(s stats) time.Duration { return s.p99 }
