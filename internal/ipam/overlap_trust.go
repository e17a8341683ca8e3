package ipam

import "sync/atomic"

// Trusting "no overlap": most new blocks come from pools and overlap
// nothing stored, yet asking costs a round trip on PostgreSQL while the
// pool is locked. So a transaction whose store can check it later
// (OverlapExpecter) takes the empty answer on trust for its new rows, and
// the check goes out with COMMIT. A wrong guess rolls everything back
// (ErrOverlapFound) and the transaction runs again asking, at once; after
// one, the next distrustAfterMiss transactions of the node ask too, so a
// space where new blocks do overlap (unmanaged VPCs beside a pool) does not
// pay for every write twice.
const distrustAfterMiss = 64

// overlapTrust is a node's countdown of transactions that must ask.
type overlapTrust struct{ asking atomic.Int64 }

// trusts reports whether a transaction may take the empty answer on trust
// now, counting down the transactions that must ask.
func (t *overlapTrust) trusts() bool {
	for {
		n := t.asking.Load()
		if n <= 0 {
			return true
		}
		if t.asking.CompareAndSwap(n, n-1) {
			return false
		}
	}
}

// missed notes a wrong guess.
func (t *overlapTrust) missed() { t.asking.Store(distrustAfterMiss) }

// expectNoOverlaps takes qs' answers on trust if tx can check them at
// commit and the op may: every lookup's answer is then empty.
func (o *op) expectNoOverlaps(tx Tx, qs []OverlapLookup) (bool, error) {
	e, ok := tx.(OverlapExpecter)
	if !ok || o.asking || !o.s.trust.trusts() {
		return false, nil
	}
	return true, e.ExpectNoOverlaps(qs)
}
