package postgres

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/ipamd/ipamd/internal/cidr"
	"github.com/ipamd/ipamd/internal/ipam"
)

// overlapScan is one search of resource_cidrs_addr: the scope's rows of one
// family that start in [lo, hi] and end at reach or after, outside VPC
// outside ("": none left out).
type overlapScan struct {
	scope, outside string
	lo, hi, reach  netip.Addr
}

// overlapScans are the searches that find every block overlapping one of
// qs (and maybe more). A block overlapping p starts inside p (a range
// scan) or contains it, and then starts at the network of one of p's
// shorter prefixes (ipam.EnclosingStarts) and reaches p (a probe). Scans of
// one scope and family that touch or overlap are merged into one: the
// union of their ranges, the earliest reach, and the VPC only if all
// leave out the same one.
func overlapScans(qs []ipam.OverlapLookup) []overlapScan {
	scans := make([]overlapScan, 0, 4*len(qs)) // a /23's range and a few probes
	for _, q := range qs {
		p := q.CIDR.Masked()
		first, last := p.Addr(), cidr.LastAddr(p)
		scans = append(scans, overlapScan{scope: q.ScopeID, outside: q.OutsideVPC, lo: first, hi: last, reach: first})
		for _, outer := range ipam.EnclosingStarts(p) {
			scans = append(scans, overlapScan{scope: q.ScopeID, outside: q.OutsideVPC, lo: outer.Addr(), hi: outer.Addr(), reach: first})
		}
	}
	slices.SortFunc(scans, func(a, b overlapScan) int {
		return cmp.Or(cmp.Compare(a.scope, b.scope), cmp.Compare(a.lo.BitLen(), b.lo.BitLen()), a.lo.Compare(b.lo))
	})
	merged := scans[:0]
	for _, s := range scans {
		if n := len(merged); n > 0 {
			m := &merged[n-1]
			if m.scope == s.scope && m.lo.BitLen() == s.lo.BitLen() && (m.hi.Next() == s.lo || s.lo.Compare(m.hi) <= 0) {
				if s.hi.Compare(m.hi) > 0 {
					m.hi = s.hi
				}
				if s.reach.Compare(m.reach) < 0 {
					m.reach = s.reach
				}
				if m.outside != s.outside {
					m.outside = ""
				}
				continue
			}
		}
		merged = append(merged, s)
	}
	return merged
}
