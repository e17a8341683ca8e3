package storetest

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

// BenchVPCReads runs the VPC read benchmarks on a store holding w:
// 1,000-item ListVPCs and ListSubnets pages from the middle (and of one
// VPC's subnets), and SubnetsOverlapping probes.
func BenchVPCReads(b *testing.B, s ipam.Store, w *World) {
	subnetIDs := make([]string, len(w.Subnets))
	for i, sn := range w.Subnets {
		subnetIDs[i] = sn.ID
	}
	slices.Sort(subnetIDs)
	vpcIDs := make([]string, len(w.VPCs))
	for i, v := range w.VPCs {
		vpcIDs[i] = v.ID
	}
	slices.Sort(vpcIDs)
	view := func(b *testing.B, fn func(tx ipam.Tx) (int, error), want int) {
		b.Helper()
		cpu := cpuTime()
		for b.Loop() {
			err := s.View(context.Background(), func(tx ipam.Tx) error {
				n, err := fn(tx)
				if err == nil && n != want {
					b.Fatalf("%d items, want %d", n, want)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	}
	page := func(q ipam.ResourceQuery, list func(ipam.Tx, ipam.ResourceQuery) (int, error)) func(tx ipam.Tx) (int, error) {
		return func(tx ipam.Tx) (int, error) { return list(tx, q) }
	}
	listSubnets := func(tx ipam.Tx, q ipam.ResourceQuery) (int, error) {
		l, err := tx.ListSubnets(q)
		return len(l), err
	}
	listVPCs := func(tx ipam.Tx, q ipam.ResourceQuery) (int, error) {
		l, err := tx.ListVPCs(q)
		return len(l), err
	}
	big := w.VPCs[0]
	b.Run("ListSubnetsPage1000", func(b *testing.B) {
		q := ipam.ResourceQuery{OwnerID: WorldOwner, After: subnetIDs[len(subnetIDs)/2], Limit: 1000}
		view(b, page(q, listSubnets), 1000)
	})
	b.Run("ListSubnetsOfVPCPage1000", func(b *testing.B) {
		q := ipam.ResourceQuery{OwnerID: WorldOwner, VpcIDs: []string{big.ID}, Limit: 1000}
		view(b, page(q, listSubnets), 1000)
	})
	b.Run("ListSubnetsOfSmallVPC", func(b *testing.B) {
		q := ipam.ResourceQuery{OwnerID: WorldOwner, VpcIDs: []string{w.VPCs[len(w.VPCs)/2].ID}, Limit: 1000}
		view(b, page(q, listSubnets), 9)
	})
	b.Run("ListSubnetsOf2SmallVPCs", func(b *testing.B) {
		q := ipam.ResourceQuery{OwnerID: WorldOwner, VpcIDs: []string{w.VPCs[len(w.VPCs)/2].ID, w.VPCs[len(w.VPCs)/3].ID}, Limit: 1000}
		view(b, page(q, listSubnets), 18)
	})
	b.Run("ListVPCsPage1000", func(b *testing.B) {
		q := ipam.ResourceQuery{OwnerID: WorldOwner, After: vpcIDs[len(vpcIDs)/2], Limit: 1000}
		view(b, page(q, listVPCs), 1000)
	})
	overlapping := func(vpc, p string, want int) func(b *testing.B) {
		return func(b *testing.B) {
			prefix := netip.MustParsePrefix(p)
			view(b, func(tx ipam.Tx) (int, error) {
				l, err := tx.SubnetsOverlapping(vpc, prefix)
				return len(l), err
			}, want)
		}
	}
	b.Run("SubnetsOverlappingFree", overlapping(big.ID, "10.0.200.0/24", 0))
	b.Run("SubnetsOverlapping64", overlapping(big.ID, "10.0.100.0/24", 64))
	b.Run("SubnetsOverlappingSmallVPC", overlapping(w.VPCs[len(w.VPCs)/2].ID, "10.0.0.0/16", 9))
	// CreateSubnet's write: share the VPC, insert; a /24 in each small VPC
	// in turn.
	b.Run("InsertSubnet", func(b *testing.B) {
		cpu, n := cpuTime(), 0
		for b.Loop() {
			v := w.VPCs[1+n%(len(w.VPCs)-1)]
			sn := fullSubnet(v, fmt.Sprintf("subnet-new-%08d", n), fmt.Sprintf("10.0.%d.0/24", 9+n/(len(w.VPCs)-1)), "")
			n++
			err := s.Update(context.Background(), func(tx ipam.Tx) error {
				if _, err := tx.ShareVPC(WorldOwner, v.ID); err != nil {
					return err
				}
				return tx.InsertSubnet(sn)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	})
}

// cpuTime is the process's CPU time (user + system): per operation it stays
// meaningful on a machine shared with other loads, where ns/op does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
