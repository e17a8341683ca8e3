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
		if err := o.endSpan(tx, &before, at); err != nil {
			return err
		}
		o.openSpan(now, at)
		if err := tx.SetSpan(now); err != nil {
			return err
		}
	}
	return nil
}

// Overlap lookups of new rows, asked together: a group transaction's
// VPCs (and a lone subnet's row) find what overlaps them in one store call,
// which on PostgreSQL is one round trip however many there are, instead of
// one each while their pool is locked. The answers predate the sync's own
// writes, so overlapping puts those writes over them.

func lookupKey(scope string, p netip.Prefix, outsideVPC string) string {
	return scope + " " + p.String() + " " + outsideVPC
}

func rowID(r *ResourceCIDR) string { return r.ScopeID + " " + r.Key() }

// lookUpNew asks, at once, what overlaps each monitored row of the
// resources this transaction created (want, by resource id).
func (o *op) lookUpNew(tx Tx, want map[string][]*ResourceCIDR) error {
	m := &o.mon
	var qs []OverlapLookup
	var keys []string
	asked := map[string]bool{}
	for _, id := range m.order {
		if !m.resources[id].created {
			continue
		}
		for _, r := range want[id] {
			k := lookupKey(r.ScopeID, r.CIDR, r.VpcID)
			if !r.monitored() || asked[k] {
				continue
			}
			asked[k] = true
			qs = append(qs, OverlapLookup{ScopeID: r.ScopeID, CIDR: r.CIDR, OutsideVPC: r.VpcID})
			keys = append(keys, k)
		}
	}
	if len(qs) == 0 {
		return nil
	}
	m.near = make(map[string][]*ResourceCIDR, len(keys))
	if trusted, err := o.expectNoOverlaps(tx, qs); trusted || err != nil {
		for _, k := range keys {
			m.near[k] = nil
		}
		return err
	}
	got, err := tx.ResourceCIDRsOverlappingEach(qs)
	if err != nil {
		return err
	}
	for i, k := range keys {
		m.near[k] = got[i]
	}
	return nil
}

// wrote notes that the sync wrote row r as now (nil: deleted it).
func (m *monitorState) wrote(r, now *ResourceCIDR) {
	if m.near == nil {
		return // nothing asked ahead: every lookup reads the store
	}
	if m.written == nil {
		m.written = map[string]*ResourceCIDR{}
	}
	m.written[rowID(r)] = now
}

// overlapping is what ResourceCIDRsOverlapping(r's scope, CIDR, VPC) would
// return now, if it was asked ahead: the answer with the rows written
// since in place of what they were.
func (m *monitorState) overlapping(r *ResourceCIDR) ([]*ResourceCIDR, bool) {
	before, ok := m.near[lookupKey(r.ScopeID, r.CIDR, r.VpcID)]
	if !ok {
		return nil, false
	}
	if len(m.written) == 0 {
		return before, true
	}
	near := func(x *ResourceCIDR) bool {
		return x.ScopeID == r.ScopeID && x.VpcID != r.VpcID && x.CIDR.Overlaps(r.CIDR)
	}
	out := make([]*ResourceCIDR, 0, len(before))
	seen := map[string]bool{}
	for _, x := range before {
		id := rowID(x)
		if now, ok := m.written[id]; ok {
			seen[id] = true
			if now == nil || !near(now) {
				continue
			}
			x = now
		}
		out = append(out, x)
	}
	for id, now := range m.written {
		if !seen[id] && now != nil && near(now) {
			out = append(out, now)
		}
	}
	return out, true
}
