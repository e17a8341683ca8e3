package ipam

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// Count moves: a block this transaction adds or removes moves the overlap
// counts of other VPCs' blocks around it, and a subnet it creates or deletes
// moves its VPC's covered addresses. Those rows are not the transaction's
// own: a writer of a disjoint block (no space lock between them) may move
// the same rows at the same time. So the moves are collected while the
// transaction's own rows are written and made last, all in one order (by
// key, then scope; a VPC's coverage before its rows), and two transactions
// that move the same rows queue on the first one they share instead of
// each holding a row the other wants, which PostgreSQL ends a second later
// as a deadlock.

// countMove is one row's overlap bump, or one VPC block's coverage move.
type countMove struct {
	key, scope string // the order
	row        *ResourceCIDR
	overlaps   int
	vpcID      string
	block      netip.Prefix
	covered    float64
}

func (m *monitorState) move(id string, mv countMove) *countMove {
	if m.moves == nil {
		m.moves = map[string]*countMove{}
	}
	if cur := m.moves[id]; cur != nil {
		return cur
	}
	m.moves[id] = &mv
	return &mv
}

func bumpID(scope, key string) string { return "b " + scope + " " + key }

// bump notes delta for another resource's row x.
func (m *monitorState) bump(x *ResourceCIDR, delta int) {
	m.move(bumpID(x.ScopeID, x.Key()), countMove{key: x.Key(), scope: x.ScopeID, row: x}).overlaps += delta
}

// cover notes delta addresses for the VPC's blocks that contain p.
func (m *monitorState) cover(vpcID string, p netip.Prefix, delta float64) {
	lo, _ := KeyRange(vpcID)
	m.move("c "+vpcID+" "+p.String(), countMove{key: lo, vpcID: vpcID, block: p}).covered += delta
}

// forget drops the bumps noted for a row this transaction deletes, or writes
// with an overlap count it has just counted (which includes them).
func (m *monitorState) forget(r *ResourceCIDR) { delete(m.moves, bumpID(r.ScopeID, r.Key())) }

// applyMoves makes the noted moves in order. A bumped block whose overlap
// status changes starts a new span.
func (o *op) applyMoves(tx Tx, at time.Time) error {
	moves := make([]*countMove, 0, len(o.mon.moves))
	for _, mv := range o.mon.moves {
		if mv.overlaps != 0 || mv.covered != 0 {
			moves = append(moves, mv)
		}
	}
	slices.SortFunc(moves, func(a, b *countMove) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.scope, b.scope), a.block.Addr().Compare(b.block.Addr()),
			cmp.Compare(a.block.Bits(), b.block.Bits()))
	})
	for _, mv := range moves {
		if mv.row == nil {
			if err := tx.AddCoverage(mv.vpcID, mv.block, mv.covered); err != nil {
				return err
			}
			continue
		}
		now, err := tx.BumpOverlaps(mv.row, mv.overlaps)
		if err != nil {
			return err
		}
		before := *now
		before.Overlaps = max(0, now.Overlaps-mv.overlaps)
		if now.status() == before.status() {
			continue
		}
		if err := o.endSpan(tx, now, at); err != nil {
			return err
		}
		if err := o.openSpan(tx, now, at); err != nil {
			return err
		}
		if err := tx.SetSpan(now); err != nil {
			return err
		}
	}
	return nil
}
