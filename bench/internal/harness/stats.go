package harness

import (
	"fmt"
	"slices"
	"time"
)

// Latency summarizes latencies: count, median, 99th percentile, largest.
type Latency struct {
	N             int
	P50, P99, Max time.Duration
}

// Summarize sorts ds in place and summarizes it.
func Summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	n := len(ds)
	return Latency{N: n, P50: ds[n/2], P99: ds[min(n-1, n*99/100)], Max: ds[n-1]}
}

// Ms renders d in milliseconds with two decimals.
func Ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
