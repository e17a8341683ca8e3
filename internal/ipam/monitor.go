package ipam

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// How monitoring stays current: Service.update hands its function a Tx
// that notes every VPC, subnet, IPAM and pool write (watchTx). When the
// function is done, before commit, the op brings the resource CIDRs of
// whatever it noted in line with the resources (syncMonitoring): it works
// out the rows each resource should have, takes the resource-space locks
// of every block involved (after every other lock of the transaction), and
// applies the difference, keeping the overlap counts of the blocks around
// and the history spans of every block whose status changed.
//
// The locks let writers of blocks that cannot overlap go side by side
// (spaceLocks): a block locks one network that holds it exclusively and a
// few shorter ones shared, each at the first length of a level of four
// (/16, /20, /24, /28; /44, /48, ...). Of two overlapping blocks one
// contains the other: at one level they lock the same network exclusively,
// and otherwise the smaller one's shared lock at the larger one's level is
// the larger one's exclusive lock. Disjoint blocks wait for each other only
// when they are of one level in one network of its first length.

// watchTx is the Tx the service's write transactions run on.
type watchTx struct {
	Tx
	m *monitorState
}

// monitorState is what one transaction noted for monitoring.
type monitorState struct {
	order     []string            // resource ids, first touch first
	resources map[string]*touched // by id
	ipams     []string            // owners whose IPAMs appeared or changed Regions
	gone      []string            // deleted IPAMs
	pools     []string            // pools whose rules changed or that were deleted
	edits     map[string]rowEdit  // ModifyIpamResourceCidr's, by IPAM id + " " + key
	scopes    []string            // deleted scopes: blocks moved there go back
	dead      map[string]bool     // the same, once noted

	// read-through caches for the sync
	ipamsOf map[string][]*IPAM
	poolsBy map[string]*Pool
	opened  map[string]bool // history records opened by this transaction

	moves map[string]*countMove // other rows' counts, made last (monitor_moves.go)
	// near holds the overlap lookups of new rows asked all at once, by
	// lookupKey; written is every row the sync wrote since (nil: deleted),
	// by rowID, which the lookups' answers predate.
	near    map[string][]*ResourceCIDR
	written map[string]*ResourceCIDR
}

type touched struct {
	id, owner string
	vpc       *VPC
	subnet    *Subnet
	vpcID     string // its VPC when neither vpc nor subnet says (deleted)
	created   bool   // no rows yet
	deleted   bool
}

// vpcOf is the VPC a resource's rows are found through (Tx.ResourceCIDRsOf).
func (t *touched) vpcOf() string {
	switch {
	case t.vpc != nil:
		return t.vpc.ID
	case t.subnet != nil && t.subnet.VpcID != "":
		return t.subnet.VpcID
	}
	return t.vpcID
}

// rowsOf reads the rows the resource has now.
func (t *touched) rowsOf(tx Tx) ([]*ResourceCIDR, error) {
	if t.created {
		return nil, nil
	}
	vpc := t.vpcOf()
	if vpc == "" {
		return nil, fmt.Errorf("ipam: monitoring sync of %s without its VPC", t.id)
	}
	return tx.ResourceCIDRsOf(vpc, t.id)
}

func (m *monitorState) reset() { *m = monitorState{} }

func (m *monitorState) touch(id, owner string) *touched {
	if m.resources == nil {
		m.resources = map[string]*touched{}
	}
	t := m.resources[id]
	if t == nil {
		t = &touched{id: id, owner: owner}
		m.resources[id] = t
		m.order = append(m.order, id)
	}
	if owner != "" {
		t.owner = owner
	}
	return t
}

func (w watchTx) InsertVPC(v *VPC) error {
	if err := w.Tx.InsertVPC(v); err != nil {
		return err
	}
	t := w.m.touch(v.ID, v.OwnerID)
	t.vpc, t.created = v, true
	return nil
}

func (w watchTx) UpdateVPC(v *VPC) error {
	if err := w.Tx.UpdateVPC(v); err != nil {
		return err
	}
	w.m.touch(v.ID, v.OwnerID).vpc = v
	return nil
}

func (w watchTx) DeleteVPC(id string) error {
	if err := w.Tx.DeleteVPC(id); err != nil {
		return err
	}
	t := w.m.touch(id, "")
	t.deleted, t.vpcID = true, id
	return nil
}

func (w watchTx) InsertSubnet(s *Subnet) error {
	if err := w.Tx.InsertSubnet(s); err != nil {
		return err
	}
	t := w.m.touch(s.ID, s.OwnerID)
	t.subnet, t.created = s, true
	return nil
}

func (w watchTx) UpdateSubnet(s *Subnet) error {
	if err := w.Tx.UpdateSubnet(s); err != nil {
		return err
	}
	w.m.touch(s.ID, s.OwnerID).subnet = s
	return nil
}

func (w watchTx) DeleteSubnet(id string) error {
	if err := w.Tx.DeleteSubnet(id); err != nil {
		return err
	}
	t := w.m.touch(id, "")
	t.deleted, t.subnet = true, &Subnet{ID: id, VpcID: t.vpcID}
	return nil
}

func (w watchTx) InsertIPAM(i *IPAM) error {
	if err := w.Tx.InsertIPAM(i); err != nil {
		return err
	}
	w.m.ipams = append(w.m.ipams, i.OwnerID)
	return nil
}

func (w watchTx) UpdateIPAM(i *IPAM) error {
	old, err := w.Tx.GetIPAM(i.OwnerID, i.ID)
	if err != nil {
		return err
	}
	if err := w.Tx.UpdateIPAM(i); err != nil {
		return err
	}
	if !sameSet(old.OperatingRegions, i.OperatingRegions) {
		w.m.ipams = append(w.m.ipams, i.OwnerID)
	}
	return nil
}

func (w watchTx) DeleteIPAM(id string) error {
	if err := w.Tx.DeleteIPAM(id); err != nil {
		return err
	}
	w.m.gone = append(w.m.gone, id)
	return nil
}

func (w watchTx) DeleteScope(id string) error {
	if err := w.Tx.DeleteScope(id); err != nil {
		return err
	}
	w.m.scopes = append(w.m.scopes, id)
	return nil
}

func (w watchTx) DeletePool(id string) error {
	if err := w.Tx.DeletePool(id); err != nil {
		return err
	}
	w.m.pools = append(w.m.pools, id)
	return nil
}

// poolRulesChanged notes that the pool's allocation rules changed: its
// blocks' compliance is worked out again at the end of the transaction.
func (o *op) poolRulesChanged(p *Pool) {
	o.mon.pools = append(o.mon.pools, p.ID)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// syncMonitoring brings the resource CIDRs of everything the transaction
// noted in line with the resources, at time at (in milliseconds).
func (o *op) syncMonitoring(tx Tx, at time.Time) error {
	m := &o.mon
	for _, id := range m.gone {
		if err := tx.DeleteIPAMMonitoring(id); err != nil {
			return err
		}
	}
	if err := o.noteResyncs(tx); err != nil {
		return err
	}
	if len(m.order) == 0 {
		return nil
	}
	// What each resource should have, and every block involved, before
	// any lock; the rows are read again under the locks.
	want := make(map[string][]*ResourceCIDR, len(m.order))
	var locks []SpaceLock
	for _, id := range m.order {
		t := m.resources[id]
		cur, err := t.rowsOf(tx)
		if err != nil {
			return err
		}
		rows, err := o.desiredRows(tx, t, cur)
		if err != nil {
			return err
		}
		want[id] = rows
		for _, r := range append(cur, rows...) {
			locks = spaceLocks(locks, r.OwnerID, r.CIDR)
		}
	}
	if len(locks) > 0 {
		if err := tx.LockResourceSpace(locks); err != nil {
			return err
		}
	}
	if err := o.lookUpNew(tx, want); err != nil {
		return err
	}
	for _, id := range m.order {
		t := m.resources[id]
		cur, err := t.rowsOf(tx)
		if err != nil {
			return err
		}
		o.applyCoverage(t, cur)
		if err := o.applyRows(tx, cur, want[id], at); err != nil {
			return err
		}
	}
	return o.applyMoves(tx, at)
}

// noteResyncs adds the resources that an IPAM or pool change touches.
func (o *op) noteResyncs(tx Tx) error {
	m := &o.mon
	owners := slices.Clone(m.ipams)
	slices.Sort(owners)
	for _, owner := range slices.Compact(owners) {
		delete(m.ipamsOf, owner)
		vpcs, err := tx.ListVPCs(ResourceQuery{OwnerID: owner})
		if err != nil {
			return err
		}
		for _, v := range vpcs {
			if t := m.touch(v.ID, owner); t.vpc == nil && !t.deleted {
				t.vpc = v
			}
		}
		subnets, err := tx.ListSubnets(ResourceQuery{OwnerID: owner})
		if err != nil {
			return err
		}
		for _, s := range subnets {
			if t := m.touch(s.ID, owner); t.subnet == nil && !t.deleted {
				t.subnet = s
			}
		}
	}
	for _, id := range m.pools {
		delete(m.poolsBy, id)
		rows, err := tx.ListResourceCIDRs(ResourceCIDRQuery{PoolID: id})
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := o.noteResource(tx, r); err != nil {
				return err
			}
		}
	}
	for _, id := range m.scopes {
		if m.dead == nil {
			m.dead = map[string]bool{}
		}
		m.dead[id] = true
		rows, err := tx.ListResourceCIDRs(ResourceCIDRQuery{ScopeID: id})
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := o.noteResource(tx, r); err != nil {
				return err
			}
		}
	}
	m.ipams, m.pools, m.scopes = nil, nil, nil
	return nil
}

// noteResource adds the resource of row r to the sync.
func (o *op) noteResource(tx Tx, r *ResourceCIDR) error {
	owner, id := r.OwnerID, r.ResourceID
	t := o.mon.touch(id, owner)
	if t.vpcID == "" {
		t.vpcID = r.VpcID
	}
	if t.vpc != nil || t.subnet != nil || t.deleted {
		return nil
	}
	var err error
	if r.ResourceType == ResourceVPC {
		t.vpc, err = tx.GetVPC(owner, id)
	} else {
		t.subnet, err = tx.GetSubnet(owner, id)
	}
	if errors.Is(err, ErrNotFound) {
		t.deleted = true
		return nil
	}
	return err
}

// spaceLocks adds the resource-space locks a block takes. Resource blocks
// are /16–/28 (IPv4) and /44–/64 (IPv6) long, grouped here into levels of
// four lengths from the shortest (/16–/19, /20–/23, ...). A block locks the
// network of its level's first length that holds it exclusively, and the
// network of each shorter level's first length that holds it shared.
func spaceLocks(locks []SpaceLock, owner string, p netip.Prefix) []SpaceLock {
	shortest := shortestBlock(p.Addr())
	level := shortest + max(0, p.Bits()-shortest)/lockLevel*lockLevel
	for bits := shortest; bits < level; bits += lockLevel {
		q, _ := p.Addr().Prefix(bits)
		locks = append(locks, SpaceLock{Owner: owner, Net: q})
	}
	q, _ := p.Addr().Prefix(min(level, p.Bits()))
	return append(locks, SpaceLock{Owner: owner, Net: q, Exclusive: true})
}

// lockLevel is how many prefix lengths share one level of space locks.
// Fewer levels are fewer locks per block (a /23 takes two, not eight), but
// more blocks that do not overlap wait for each other: those of one level
// in one network of its first length (/20–/23 blocks in one /20), which
// are mostly blocks of one pool, already in line for its pool lock.
const lockLevel = 4

// newHistoryID is a record id that sorts by start time: span times are
// kept in milliseconds, as EC2 reports them, and the id has the
// nanoseconds, so records that start in one millisecond still sort in the
// order they were made (on one node; across nodes, to their clocks).
func newHistoryID() string {
	// 16 hex digits of the time, 15 random ones: one allocation, the string.
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], uint64(time.Now().UnixNano()))
	if _, err := rand.Read(raw[8:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	var id [32]byte
	hex.Encode(id[:], raw[:])
	return string(id[:31])
}

// applyCoverage moves a VPC's covered address counts by the blocks of a
// subnet created (its own) or deleted (those its rows cur name). A subnet
// no IPAM monitors has no rows, and neither has its VPC.
func (o *op) applyCoverage(t *touched, cur []*ResourceCIDR) {
	if t.subnet == nil || t.created == t.deleted {
		return
	}
	vpcID, blocks, sign := t.subnet.VpcID, t.subnet.Prefixes(), 1.0
	if t.deleted {
		blocks, sign = nil, -1
		for _, r := range cur {
			vpcID = r.VpcID
			if !slices.Contains(blocks, r.CIDR) {
				blocks = append(blocks, r.CIDR)
			}
		}
	}
	for _, p := range blocks {
		o.mon.cover(vpcID, p, sign*prefixSize(p))
	}
}

// applyRows turns a resource's rows cur into want.
func (o *op) applyRows(tx Tx, cur, want []*ResourceCIDR, at time.Time) error {
	have := make(map[string]*ResourceCIDR, len(cur))
	for _, c := range cur {
		have[c.IpamID+" "+c.Key()] = c
	}
	for _, w := range want {
		k := w.IpamID + " " + w.Key()
		c := have[k]
		delete(have, k)
		var err error
		if c == nil {
			err = o.addRow(tx, w, at)
		} else {
			err = o.changeRow(tx, c, w, at)
		}
		if err != nil {
			return err
		}
	}
	gone := make([]*ResourceCIDR, 0, len(have))
	for _, c := range have {
		gone = append(gone, c)
	}
	slices.SortFunc(gone, func(a, b *ResourceCIDR) int { return strings.Compare(a.IpamID+a.Key(), b.IpamID+b.Key()) })
	for _, c := range gone {
		if err := o.removeRow(tx, c, at); err != nil {
			return err
		}
	}
	return nil
}

func (o *op) addRow(tx Tx, r *ResourceCIDR, at time.Time) error {
	if r.monitored() {
		n, err := o.bumpOthers(tx, r, 1)
		if err != nil {
			return err
		}
		r.Overlaps = n
	}
	o.openSpan(r, at)
	o.mon.wrote(r, r)
	return tx.InsertResourceCIDR(r)
}

func (o *op) removeRow(tx Tx, r *ResourceCIDR, at time.Time) error {
	if r.monitored() {
		if _, err := o.bumpOthers(tx, r, -1); err != nil {
			return err
		}
	}
	if err := o.endSpan(tx, r, at); err != nil {
		return err
	}
	o.mon.forget(r)
	o.mon.wrote(r, nil)
	return tx.DeleteResourceCIDR(r)
}

func (o *op) changeRow(tx Tx, c, w *ResourceCIDR, at time.Time) error {
	w.HistoryID, w.Since, w.Overlaps = c.HistoryID, c.Since, c.Overlaps
	if c.ScopeID != w.ScopeID || c.monitored() != w.monitored() || c.VpcID != w.VpcID {
		if c.monitored() {
			if _, err := o.bumpOthers(tx, c, -1); err != nil {
				return err
			}
		}
		w.Overlaps = 0
		o.mon.forget(w) // counted afresh here
		if w.monitored() {
			n, err := o.bumpOthers(tx, w, 1)
			if err != nil {
				return err
			}
			w.Overlaps = n
		}
	}
	if w.status() != c.status() {
		if err := o.endSpan(tx, c, at); err != nil {
			return err
		}
		o.openSpan(w, at)
	}
	if sameRow(c, w) {
		return nil
	}
	if c.ScopeID != w.ScopeID {
		// A row's key includes its scope on some stores: the move is a
		// delete and an insert.
		o.mon.forget(c)
		o.mon.wrote(c, nil)
		if err := tx.DeleteResourceCIDR(c); err != nil {
			return err
		}
	}
	o.mon.wrote(w, w)
	return tx.PutResourceCIDR(w)
}

func sameRow(a, b *ResourceCIDR) bool {
	return a.ScopeID == b.ScopeID && a.Region == b.Region && a.VpcID == b.VpcID && a.Name == b.Name &&
		a.AZID == b.AZID && a.PoolID == b.PoolID && a.Management == b.Management &&
		a.Compliance == b.Compliance && a.Overlaps == b.Overlaps && a.Covered == b.Covered &&
		a.Moved == b.Moved && a.HistoryID == b.HistoryID && a.Since.Equal(b.Since) && slices.Equal(a.Tags, b.Tags)
}

// bumpOthers notes delta for the overlap count of every monitored block of
// r's scope that overlaps r outside r's VPC (made by applyMoves), and
// reports how many there are.
func (o *op) bumpOthers(tx Tx, r *ResourceCIDR, delta int) (int, error) {
	others, ok := o.mon.overlapping(r)
	if !ok {
		var err error
		if others, err = tx.ResourceCIDRsOverlapping(r.ScopeID, r.CIDR, r.VpcID); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, x := range others {
		if !x.monitored() { // r itself and its VPC's blocks are not among them
			continue
		}
		n++
		o.mon.bump(x, delta)
	}
	return n, nil
}

// openSpan starts r's span of its current status at at. Nothing is written
// for it but r's row: an open span is its row (spanRecord), which saves
// every new block a history insert.
func (o *op) openSpan(r *ResourceCIDR, at time.Time) {
	r.HistoryID, r.Since = newHistoryID(), at
	if o.mon.opened == nil {
		o.mon.opened = map[string]bool{}
	}
	o.mon.opened[r.HistoryID] = true
}

// endSpan ends r's span at at: its record, as r holds it, goes into the
// history. A span this transaction opened would be empty and leaves none.
func (o *op) endSpan(tx Tx, r *ResourceCIDR, at time.Time) error {
	if r.HistoryID == "" {
		return nil
	}
	h := r.spanRecord()
	h.End = at
	r.HistoryID = ""
	if o.mon.opened[h.ID] {
		delete(o.mon.opened, h.ID)
		return nil
	}
	return tx.InsertHistory(h)
}

// desiredRows are the rows a resource should have: one per block per IPAM
// that operates in its Region, keeping what ModifyIpamResourceCidr set.
func (o *op) desiredRows(tx Tx, t *touched, cur []*ResourceCIDR) ([]*ResourceCIDR, error) {
	if t.deleted {
		return nil, nil
	}
	var base ResourceCIDR
	var blocks []resourceBlock
	switch {
	case t.vpc != nil:
		v := t.vpc
		base = ResourceCIDR{OwnerID: v.OwnerID, Region: v.Region, ResourceType: ResourceVPC, ResourceID: v.ID, VpcID: v.ID, Tags: v.Tags}
		for _, b := range v.CIDRs {
			if b.State == AssocAssociated {
				blocks = append(blocks, resourceBlock{b.CIDR, b.PoolID})
			}
		}
	case t.subnet != nil:
		s := t.subnet
		base = ResourceCIDR{OwnerID: s.OwnerID, Region: s.Region, ResourceType: ResourceSubnet, ResourceID: s.ID, VpcID: s.VpcID, AZID: s.AvailabilityZoneID, Tags: s.Tags}
		if s.CIDR.IsValid() {
			blocks = append(blocks, resourceBlock{s.CIDR, s.PoolID})
		}
		if s.IPv6 != nil {
			blocks = append(blocks, resourceBlock{s.IPv6.CIDR, s.IPv6.PoolID})
		}
	default:
		return nil, nil
	}
	base.Name = tagValue(base.Tags, "Name")
	ipams, err := o.ipamsOf(tx, base.OwnerID)
	if err != nil {
		return nil, err
	}
	have := make(map[string]*ResourceCIDR, len(cur))
	for _, c := range cur {
		have[c.IpamID+" "+c.Key()] = c
	}
	var out []*ResourceCIDR
	for _, i := range ipams {
		if !slices.Contains(i.OperatingRegions, base.Region) {
			continue
		}
		for _, b := range blocks {
			r := base
			r.IpamID, r.CIDR = i.ID, b.cidr
			if err := o.classify(tx, &r, i, b.poolID); err != nil {
				return nil, err
			}
			k := r.IpamID + " " + r.Key()
			e, edited := o.mon.edits[k]
			if c := have[k]; c != nil {
				r.Covered = c.Covered
				if c.Moved && r.Management != Managed && !o.mon.dead[c.ScopeID] {
					r.ScopeID, r.Moved = c.ScopeID, true
				}
				if c.Management == Ignored && !edited {
					r.Management, r.Compliance = Ignored, Ignored
				}
			} else if r.ResourceType == ResourceVPC && !t.created {
				if r.Covered, err = coveredBy(tx, r.VpcID, r.CIDR); err != nil {
					return nil, err
				}
			}
			if edited {
				if !e.monitored {
					r.Management, r.Compliance = Ignored, Ignored
				}
				if e.scope != "" {
					r.ScopeID, r.Moved = e.scope, e.scope != defaultScope(i, r.CIDR)
				}
			}
			out = append(out, &r)
		}
	}
	return out, nil
}

type resourceBlock struct {
	cidr   netip.Prefix
	poolID string
}

// classify sets a block's scope, management and compliance in IPAM i.
func (o *op) classify(tx Tx, r *ResourceCIDR, i *IPAM, poolID string) error {
	if poolID != "" {
		p, err := o.monitorPool(tx, r.OwnerID, poolID)
		if err != nil {
			return err
		}
		if p != nil && p.IpamID == i.ID {
			r.ScopeID, r.PoolID, r.Management = p.ScopeID, p.ID, Managed
			r.Compliance = compliance(p, r)
			return nil
		}
	}
	r.ScopeID, r.Management, r.Compliance = defaultScope(i, r.CIDR), Unmanaged, Unmanaged
	return nil
}

// compliance is whether a managed block keeps its pool's rules as they
// are now: netmask bounds, required resource tags and locale.
func compliance(p *Pool, r *ResourceCIDR) string {
	bits := r.CIDR.Bits()
	switch {
	case p.AllocationMinNetmask != nil && bits < *p.AllocationMinNetmask,
		p.AllocationMaxNetmask != nil && bits > *p.AllocationMaxNetmask,
		p.Locale != "" && p.Locale != r.Region:
		return Noncompliant
	}
	if _, missing := missingResourceTags(p, r.Tags); missing {
		return Noncompliant
	}
	return Compliant
}

// defaultScope is where IPAM i sees an unmanaged block: IPv4 and unique
// local IPv6 in the private default scope, other IPv6 in the public one.
func defaultScope(i *IPAM, p netip.Prefix) string {
	if p.Addr().Is6() && !ulaPrefix.Contains(p.Addr()) {
		return i.PublicDefaultScopeID
	}
	return i.PrivateDefaultScopeID
}

var ulaPrefix = netip.MustParsePrefix("fc00::/7")

// coveredBy counts the addresses of a VPC block that its subnets cover.
func coveredBy(tx Tx, vpcID string, p netip.Prefix) (float64, error) {
	subnets, err := tx.SubnetsOverlapping(vpcID, p)
	if err != nil {
		return 0, err
	}
	n := 0.0
	for _, s := range subnets {
		for _, b := range s.Prefixes() {
			if p.Overlaps(b) && b.Bits() >= p.Bits() {
				n += prefixSize(b)
			}
		}
	}
	return n, nil
}

// knowIPAMs records owner's IPAMs as this transaction read them, for
// ipamsOf.
func (m *monitorState) knowIPAMs(owner string, is []*IPAM) {
	if m.ipamsOf == nil {
		m.ipamsOf = map[string][]*IPAM{}
	}
	m.ipamsOf[owner] = is
}

func (o *op) ipamsOf(tx Tx, owner string) ([]*IPAM, error) {
	m := &o.mon
	if is, ok := m.ipamsOf[owner]; ok {
		return is, nil
	}
	is, err := tx.ListIPAMs(owner)
	if err != nil {
		return nil, err
	}
	m.knowIPAMs(owner, is)
	return is, nil
}

// monitorPool reads a pool for classification; a pool that is gone is nil.
func (o *op) monitorPool(tx Tx, owner, id string) (*Pool, error) {
	if p := o.lockedPool(id, owner); p != nil {
		return p, nil
	}
	m := &o.mon
	if p, ok := m.poolsBy[id]; ok {
		return p, nil
	}
	p, err := tx.GetPool(owner, id)
	if errors.Is(err, ErrNotFound) {
		p, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if m.poolsBy == nil {
		m.poolsBy = map[string]*Pool{}
	}
	m.poolsBy[id] = p
	return p, nil
}

func tagValue(tags []Tag, key string) string {
	for _, t := range tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}
