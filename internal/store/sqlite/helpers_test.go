package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

// seedPool inserts an IPAM, a scope and a pool for owner.
func seedPool(tx ipam.Tx, owner, poolID, family string) error {
	i := &ipam.IPAM{ID: "ipam-" + poolID, OwnerID: owner, State: ipam.StateCreateComplete}
	s := &ipam.Scope{ID: "ipam-scope-" + poolID, OwnerID: owner, IpamID: i.ID, Type: "private"}
	p := &ipam.Pool{ID: poolID, OwnerID: owner, IpamID: i.ID, ScopeID: s.ID, AddressFamily: family,
		State: ipam.StateCreateComplete}
	if err := tx.InsertIPAM(i); err != nil {
		return err
	}
	if err := tx.InsertScope(s); err != nil {
		return err
	}
	return tx.InsertPool(p)
}

// nthHost is the i-th /32 of 10.0.0.0/8.
func nthHost(i int) netip.Prefix {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], 10<<24+uint32(i))
	return netip.PrefixFrom(netip.AddrFrom4(b), 32)
}

func nthAlloc(owner, poolID string, i int) *ipam.Allocation {
	return &ipam.Allocation{ID: fmt.Sprintf("ipam-pool-alloc-%08x", i), PoolID: poolID, OwnerID: owner,
		CIDR: nthHost(i), ResourceType: ipam.ResourceCustom, ResourceOwner: owner,
		Description: "bench", Tags: []ipam.Tag{{Key: "n", Value: fmt.Sprint(i)}}}
}

// allocateOne is the service's write path for one allocation: lock the pool,
// insert, bump the pool's version, in one transaction.
func allocateOne(ctx context.Context, s *Store, owner, poolID string, i int) error {
	return s.Update(ctx, func(tx ipam.Tx) error {
		p, err := tx.LockPool(owner, poolID)
		if err != nil {
			return err
		}
		if err := tx.InsertAllocation(nthAlloc(owner, poolID, i)); err != nil {
			return err
		}
		p.Version++
		return tx.UpdatePool(p)
	})
}

// cpuMeter reports CPU time (user + system) per operation: the numbers stay
// meaningful on a machine shared with other loads, where ns/op does not.
type cpuMeter struct{ start time.Duration }

func startCPU() cpuMeter { return cpuMeter{cpuTime()} }

func (m cpuMeter) report(b *testing.B) {
	b.ReportMetric(float64((cpuTime()-m.start).Microseconds())/float64(b.N), "cpu-µs/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
