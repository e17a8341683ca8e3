package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipamd/ipamd/bench/internal/harness"
)

// phase is one measured mutating phase.
type phase struct {
	op       string
	n        int // calls that succeeded
	errs     int
	firstErr error
	elapsed  time.Duration
	lat      harness.Latency
	cpu      time.Duration // ipamd's CPU time in the phase
	selfCPU  time.Duration // this process's (the clients') CPU time in the phase
	dbCPU    time.Duration // every postgres process's CPU time in the phase (0 on SQLite)
}

func (p phase) rate() float64 { return float64(p.n) / p.elapsed.Seconds() }

func (p phase) cpuPerCall() time.Duration { return p.cpu / time.Duration(max(p.n, 1)) }

func (p phase) selfCPUPerCall() time.Duration { return p.selfCPU / time.Duration(max(p.n, 1)) }

func (p phase) dbCPUPerCall() time.Duration { return p.dbCPU / time.Duration(max(p.n, 1)) }

// runN makes total calls fn(client, item) from clients goroutines, each
// taking the next item, and summarizes them.
func runN(op string, clients, total int, fn func(client, item int) error) phase {
	lats := make([][]time.Duration, clients)
	errs := make([]int, clients)
	firstErrs := make([]error, clients)
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for cl := range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				s := time.Now()
				err := fn(cl, i)
				d := time.Since(s)
				if err != nil {
					errs[cl]++
					if firstErrs[cl] == nil {
						firstErrs[cl] = err
					}
					continue
				}
				lats[cl] = append(lats[cl], d)
			}
		})
	}
	wg.Wait()
	p := phase{op: op, elapsed: time.Since(t0)}
	var all []time.Duration
	for cl := range clients {
		all = append(all, lats[cl]...)
		p.errs += errs[cl]
		if p.firstErr == nil {
			p.firstErr = firstErrs[cl]
		}
	}
	p.n = len(all)
	p.lat = harness.Summarize(all)
	return p
}

// timeN times fn reps times, one call at a time.
func timeN(reps int, fn func(i int) error) (harness.Latency, error) {
	ds := make([]time.Duration, 0, reps)
	for i := range reps {
		t0 := time.Now()
		if err := fn(i); err != nil {
			return harness.Latency{}, err
		}
		ds = append(ds, time.Since(t0))
	}
	return harness.Summarize(ds), nil
}
