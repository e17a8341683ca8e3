package postgres

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"

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

// scanCasts are the casts of a scan's row of a VALUES list (appendArgs).
var scanCasts = []string{"::text", "::int", "::text::numeric", "::text::numeric", "::text::numeric", "::text"}

// appendArgs appends the scan's row of a VALUES list (scope, fam, lo, hi,
// reach, vpc).
func (s overlapScan) appendArgs(args []any) []any {
	return append(args, s.scope, addrFamily(s.lo), addrDecimal(s.lo), addrDecimal(s.hi), addrDecimal(s.reach), s.outside)
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

// ExpectNoOverlaps queues the check that nothing stored answers qs (see
// ipam.OverlapExpecter): the merged searches of
// ResourceCIDRsOverlappingEach, each row they find tested against the
// lookups exactly (a merged search finds more than its lookups ask), and
// ipamd_overlap_found() (migration 0016) called on the first monitored row
// that overlaps one outside its VPC. It goes out with the next statement,
// in a group's CreateVpc calls the COMMIT: one round trip less under the
// pool's lock than asking.
func (t *tx) ExpectNoOverlaps(qs []ipam.OverlapLookup) error {
	for len(qs) > 0 {
		chunk := qs[:min(len(qs), maxChecksPerStatement)]
		qs = qs[len(chunk):]
		scans := overlapScans(chunk)
		args := make([]any, 0, 6*len(scans)+5*len(chunk))
		for _, s := range scans {
			args = s.appendArgs(args)
		}
		for _, q := range chunk {
			lo, hi := blockDecimals(q.CIDR)
			args = append(args, q.ScopeID, family(q.CIDR), lo, hi, q.OutsideVPC)
		}
		if err := t.later(overlapCheckSQL(len(scans), len(chunk)), args...); err != nil {
			return err
		}
	}
	return nil
}

// maxChecksPerStatement keeps a check's parameters (five a lookup, six for
// each of its at most 65 searches) below PostgreSQL's 65,535.
const maxChecksPerStatement = 150

var overlapCheckSQLs sync.Map // scans<<16 | lookups -> SQL

func overlapCheckSQL(scans, lookups int) string {
	return cachedSQL(&overlapCheckSQLs, scans<<16|lookups, func() string {
		return `SELECT ipamd_overlap_found() FROM (VALUES ` +
			valuesSQL(scans, 1, scanCasts...) + `)
			AS u(scope, fam, lo, hi, reach, vpc),
			LATERAL (SELECT vpc_id, lo, hi FROM resource_cidrs WHERE scope_id = u.scope AND family = u.fam
				AND lo BETWEEN u.lo AND u.hi AND hi >= u.reach AND vpc_id <> u.vpc
				AND management <> '` + ipam.Ignored + `' OFFSET 0) r
			WHERE EXISTS (SELECT FROM (VALUES ` + valuesSQL(lookups, len(scanCasts)*scans+1, "::text", "::int", "::text::numeric", "::text::numeric", "::text") + `)
				AS q(scope, fam, lo, hi, vpc)
				WHERE q.scope = u.scope AND q.fam = u.fam AND q.vpc <> r.vpc_id AND r.lo <= q.hi AND r.hi >= q.lo)
			LIMIT 1`
	})
}
