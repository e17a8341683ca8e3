package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/ipamd/ipamd/bench/internal/harness"
)

// read is one measured read: latencies of single calls, one at a time.
type read struct {
	what  string
	items int // items in the last answer
	lat   harness.Latency
	cpu   time.Duration // ipamd's CPU time per call
}

// lister is one Describe call: the page after token, at most max items
// (0: the default), filtered by vpc-id when vpc is not empty. It returns
// the page's item count and the next token ("" after the last page).
type lister func(token string, max int, vpc string) (int, string, error)

func (w *world) describeVpcs(token string, max int, vpc string) (int, string, error) {
	return w.apis[0].describe("DescribeVpcs", token, max, vpc)
}

func (w *world) describeSubnets(token string, max int, vpc string) (int, string, error) {
	return w.apis[0].describe("DescribeSubnets", token, max, vpc)
}

// reads measures each Describe call's pages at the size built.
func (w *world) reads() error {
	for _, l := range []struct {
		name string
		list lister
		want int // items in all
	}{
		{"DescribeVpcs", w.describeVpcs, w.c.vpcs},
		{"DescribeSubnets", w.describeSubnets, w.c.vpcs * w.c.subnets},
	} {
		if err := w.pages(l.name, l.list, l.want); err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
	}
	return nil
}

func (w *world) pages(name string, list lister, want int) error {
	cpu0 := w.cpu()
	add := func(what string, items int, lat harness.Latency) {
		cpu := w.cpu()
		w.r.reads = append(w.r.reads, read{what: w.readsLabel + name + " " + what, items: items, lat: lat,
			cpu: (cpu - cpu0) / time.Duration(max(lat.N, 1))})
		cpu0 = cpu
	}
	var items int
	lat, err := timeN(w.c.reps, func(int) (err error) {
		items, _, err = list("", 1000, "")
		return err
	})
	if err != nil {
		return err
	}
	add("first page, MaxResults 1000", items, lat)

	// A full walk: every page's latency.
	var ds []time.Duration
	token := ""
	total := 0
	for {
		t0 := time.Now()
		n, next, err := list(token, 1000, "")
		if err != nil {
			return err
		}
		ds = append(ds, time.Since(t0))
		total += n
		if next == "" {
			break
		}
		token = next
	}
	if total != want {
		return fmt.Errorf("a full walk saw %d items, want %d", total, want)
	}
	add(fmt.Sprintf("every page of a full walk (%d pages), MaxResults 1000", len(ds)), total, harness.Summarize(ds))

	cpu0 = w.cpu()
	lat, err = timeN(w.c.reps, func(int) (err error) {
		items, _, err = list("", 0, w.vpcIDs[rand.IntN(len(w.vpcIDs))])
		return err
	})
	if err != nil {
		return err
	}
	add("filter vpc-id (a random VPC)", items, lat)
	return nil
}

// readsAlso measures the reads again with each binary of -reads-also,
// restarted on the same data, labelling them by the binary's file name;
// the node is left running the main binary.
func (w *world) readsAlso() error {
	if len(w.c.readsAlso) == 0 {
		return nil
	}
	main := w.c.bin
	defer func() { w.c.bin, w.readsLabel = main, "" }()
	for i, bin := range w.c.readsAlso {
		w.stop()
		w.c.bin, w.readsLabel = bin, "["+filepath.Base(bin)+"] "
		if err := w.start(fmt.Sprintf("reads%d", i+1)); err != nil {
			return err
		}
		if err := w.reads(); err != nil {
			return err
		}
	}
	w.stop()
	w.c.bin = main
	return w.start("after-reads")
}
