package sqlite

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/vpcdoc"
)

// VPCs and subnets (migration 0005).

func (t *tx) InsertVPC(v *ipam.VPC) error {
	doc, err := marshal(v)
	if err != nil {
		return err
	}
	if _, err := t.exec(`INSERT INTO vpcs (id, owner, doc) VALUES (?, ?, ?)`, v.ID, v.OwnerID, doc); err != nil {
		return err
	}
	return t.insertVPCCIDRs(v)
}

// putVPCCIDRs makes the VPC's association rows what its doc says.
func (t *tx) putVPCCIDRs(v *ipam.VPC) error {
	if _, err := t.exec(`DELETE FROM vpc_cidrs WHERE vpc_id = ?`, v.ID); err != nil {
		return err
	}
	return t.insertVPCCIDRs(v)
}

func (t *tx) insertVPCCIDRs(v *ipam.VPC) error {
	for _, c := range v.CIDRs {
		if _, err := t.exec(`INSERT INTO vpc_cidrs (association_id, vpc_id, owner, cidr) VALUES (?, ?, ?, ?)`,
			c.AssociationID, v.ID, v.OwnerID, c.CIDR.String()); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) UpdateVPC(v *ipam.VPC) error {
	doc, err := marshal(v)
	if err != nil {
		return err
	}
	if err := t.execOne("vpc", v.ID, `UPDATE vpcs SET doc = ? WHERE id = ?`, doc, v.ID); err != nil {
		return err
	}
	return t.putVPCCIDRs(v)
}

func (t *tx) DeleteVPC(id string) error {
	// vpc_cidrs rows go with it (ON DELETE CASCADE).
	return t.execOne("vpc", id, `DELETE FROM vpcs WHERE id = ?`, id)
}

func (t *tx) GetVPC(owner, id string) (*ipam.VPC, error) {
	return getResource(t, "vpc", id, vpcdoc.VPC, `SELECT doc FROM vpcs WHERE id = ? AND owner = ?`, id, owner)
}

// LockVPC and ShareVPC are GetVPC: an Update already holds SQLite's only
// write lock.
func (t *tx) LockVPC(owner, id string) (*ipam.VPC, error)  { return t.GetVPC(owner, id) }
func (t *tx) ShareVPC(owner, id string) (*ipam.VPC, error) { return t.GetVPC(owner, id) }

// The whole space of each family, for subnetContext.
var (
	allIPv4 = netip.MustParsePrefix("0.0.0.0/0")
	allIPv6 = netip.MustParsePrefix("::/0")
)

// subnetContext answers one ipam.SubnetRead: GetVPC, the VPC's blocks in
// the family's whole space, and ListIPAMs. A VPC not found is the
// answer's Err; any other error is returned.
func (t *tx) subnetContext(r ipam.SubnetRead) (ipam.SubnetReadResult, error) {
	if r.VpcID == "" {
		ipams, err := t.ListIPAMs(r.Owner)
		return ipam.SubnetReadResult{IPAMs: ipams}, err
	}
	v, err := t.GetVPC(r.Owner, r.VpcID)
	if errors.Is(err, ipam.ErrNotFound) {
		return ipam.SubnetReadResult{Err: err}, nil
	}
	if err != nil {
		return ipam.SubnetReadResult{}, err
	}
	all := allIPv4
	if r.IPv6 {
		all = allIPv6
	}
	blocks, err := t.SubnetBlocksOverlapping(v.ID, all)
	if err != nil {
		return ipam.SubnetReadResult{}, err
	}
	ipams, err := t.ListIPAMs(r.Owner)
	if err != nil {
		return ipam.SubnetReadResult{}, err
	}
	return ipam.SubnetReadResult{VPC: v, Blocks: blocks, IPAMs: ipams}, nil
}

func (t *tx) VPCByAssociation(owner, associationID string) (*ipam.VPC, error) {
	return getResource(t, "vpc cidr association", associationID, vpcdoc.VPC,
		`SELECT v.doc FROM vpc_cidrs c JOIN vpcs v ON v.id = c.vpc_id WHERE c.association_id = ? AND c.owner = ?`,
		associationID, owner)
}

// getResource reads one VPC or subnet document (vpcdoc decodes it).
func getResource[T any](t *tx, kind, id string, decode func(string, *T) error, query string, args ...any) (*T, error) {
	var doc string
	if err := t.queryRow(query, args...).Scan(&doc); err != nil {
		return nil, scanErr(err, kind, id)
	}
	v := new(T)
	if err := decode(doc, v); err != nil {
		return nil, fmt.Errorf("sqlite: decode %s %s: %w", kind, id, err)
	}
	return v, nil
}

// idQuery builds "SELECT doc FROM table WHERE owner = ? [AND id IN (...)]
// [AND vpc_id IN (...)] AND id > ? ORDER BY id LIMIT ?".
func idQuery(table string, q ipam.ResourceQuery, byVPC bool) (string, []any) {
	var b strings.Builder
	args := []any{q.OwnerID}
	b.WriteString("SELECT doc FROM " + table)
	if byVPC && len(q.VpcIDs) > 1 && len(q.IDs) == 0 {
		// Without statistics the planner walks the owner's (owner, id)
		// index for several VPCs, reading every subnet of the account to
		// fill a page of a few VPCs'; their (vpc_id, id) entries and a sort
		// read only theirs. (One VPC is a range of that index, in order.)
		b.WriteString(" INDEXED BY subnets_vpc")
	}
	b.WriteString(" WHERE owner = ?")
	in := func(col string, vals []string) {
		b.WriteString(" AND " + col + " IN (")
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('?')
			args = append(args, v)
		}
		b.WriteByte(')')
	}
	if len(q.IDs) > 0 {
		in("id", q.IDs)
	}
	if byVPC && len(q.VpcIDs) > 0 {
		in("vpc_id", q.VpcIDs)
	}
	b.WriteString(" AND id > ? ORDER BY id LIMIT ?")
	limit := q.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return b.String(), append(args, q.After, limit)
}

// listResources runs an idQuery: kept prepared when it has no IN list (the
// paging hot path), prepared afresh otherwise.
func listResources[T any](t *tx, q ipam.ResourceQuery, query string, args []any, decode func(string, *T) error) ([]*T, error) {
	run := t.queryOnce
	if len(q.IDs) == 0 && len(q.VpcIDs) == 0 {
		run = t.query
	}
	rows, err := run(query, args...)
	if err != nil {
		return nil, err
	}
	return scanResources(rows, decode)
}

// scanResources decodes a VPC or subnet document a row. The documents are
// scanned as strings (the driver's own copy, which the decoded fields then
// share) and the items are allocated a chunk at a time.
func scanResources[T any](rows *sql.Rows, decode func(string, *T) error) ([]*T, error) {
	defer rows.Close()
	var out []*T
	var chunk []T
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, mapErr(err)
		}
		if len(chunk) == 0 {
			chunk = make([]T, min(max(len(out), 8), 256))
		}
		v := &chunk[0]
		chunk = chunk[1:]
		if err := decode(doc, v); err != nil {
			return nil, fmt.Errorf("sqlite: decode %T: %w", v, err)
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) ListVPCs(q ipam.ResourceQuery) ([]*ipam.VPC, error) {
	query, args := idQuery("vpcs", q, false)
	return listResources(t, q, query, args, vpcdoc.VPC)
}

// Subnets.

// blockKey is a block as the subnet_blocks columns hold it.
func blockKey(p netip.Prefix) (family int, first, last []byte) {
	a := p.Masked().Addr().As16()
	bits := p.Bits()
	family = 6
	if p.Addr().Is4() {
		family, bits = 4, bits+96 // IPv4-mapped: the first 96 bits are fixed
	}
	return family, a[:], lastAddr(a[:], bits)
}

func (t *tx) InsertSubnet(s *ipam.Subnet) error {
	doc, err := marshal(s)
	if err != nil {
		return err
	}
	for _, p := range s.Prefixes() {
		if others, err := t.overlapping(s.VpcID, p, 1); err != nil {
			return err
		} else if len(others) > 0 {
			return fmt.Errorf("%w: subnet %s block %s overlaps subnet %s", ipam.ErrConflict, s.ID, p, others[0])
		}
	}
	if _, err := t.exec(`INSERT INTO subnets (id, owner, vpc_id, doc) VALUES (?, ?, ?, ?)`, s.ID, s.OwnerID, s.VpcID, doc); err != nil {
		return err
	}
	for _, p := range s.Prefixes() {
		fam, first, last := blockKey(p)
		if _, err := t.exec(`INSERT INTO subnet_blocks (vpc_id, family, first, last, subnet_id) VALUES (?, ?, ?, ?, ?)`,
			s.VpcID, fam, first, last, s.ID); err != nil {
			return err
		}
	}
	return nil
}

// overlapping returns the ids of up to limit (0: all) subnets of the VPC
// with a block overlapping p.
func (t *tx) overlapping(vpcID string, p netip.Prefix, limit int) ([]string, error) {
	rows, err := t.query(`SELECT b.subnet_id FROM subnet_blocks b WHERE `+overlappingSQL, overlappingArgs(vpcID, p, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		ids = append(ids, id)
	}
	return ids, mapErr(rows.Err())
}

// overlappingSQL selects the blocks b of VPC ?1 and family ?2 that overlap
// the block from ?3 to ?4, in address order, at most ?5. Blocks of one VPC and family
// never overlap each other, so among those that start before ?3 only the
// last one can reach it: the scan is one index range, from that block's
// start to ?4, whatever the VPC's size.
const overlappingSQL = `b.vpc_id = ?1 AND b.family = ?2 AND b.first <= ?4 AND b.last >= ?3
	AND b.first >= coalesce((SELECT first FROM subnet_blocks
		WHERE vpc_id = ?1 AND family = ?2 AND first <= ?3 ORDER BY first DESC LIMIT 1), ?3)
	ORDER BY b.first LIMIT ?5`

func overlappingArgs(vpcID string, p netip.Prefix, limit int) []any {
	fam, first, last := blockKey(p)
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return []any{vpcID, fam, first, last, limit}
}

func (t *tx) UpdateSubnet(s *ipam.Subnet) error {
	doc, err := marshal(s)
	if err != nil {
		return err
	}
	return t.execOne("subnet", s.ID, `UPDATE subnets SET doc = ? WHERE id = ?`, doc, s.ID)
}

func (t *tx) DeleteSubnet(id string) error {
	// subnet_blocks rows go with it (ON DELETE CASCADE).
	return t.execOne("subnet", id, `DELETE FROM subnets WHERE id = ?`, id)
}

// LockSubnet is GetSubnet: an Update already holds SQLite's only write lock.
func (t *tx) LockSubnet(owner, id string) (*ipam.Subnet, error) { return t.GetSubnet(owner, id) }

func (t *tx) GetSubnet(owner, id string) (*ipam.Subnet, error) {
	return getResource(t, "subnet", id, vpcdoc.Subnet, `SELECT doc FROM subnets WHERE id = ? AND owner = ?`, id, owner)
}

func (t *tx) ListSubnets(q ipam.ResourceQuery) ([]*ipam.Subnet, error) {
	query, args := idQuery("subnets", q, true)
	return listResources(t, q, query, args, vpcdoc.Subnet)
}

func (t *tx) SubnetBlocksOverlapping(vpcID string, p netip.Prefix) ([]netip.Prefix, error) {
	rows, err := t.query(`SELECT b.first, b.last FROM subnet_blocks b WHERE `+overlappingSQL, overlappingArgs(vpcID, p, 0)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fam, _, _ := blockKey(p)
	var out []netip.Prefix
	for rows.Next() {
		var first, last []byte
		if err := rows.Scan(&first, &last); err != nil {
			return nil, mapErr(err)
		}
		b, ok := blockOf(fam, first, last)
		if !ok {
			return nil, fmt.Errorf("sqlite: subnet block %x-%x of VPC %s is no prefix", first, last, vpcID)
		}
		out = append(out, b)
	}
	return out, mapErr(rows.Err())
}

// blockOf is blockKey's inverse: the prefix of the family from first to
// last.
func blockOf(family int, first, last []byte) (netip.Prefix, bool) {
	a, ok := netip.AddrFromSlice(first)
	if !ok || len(last) != 16 {
		return netip.Prefix{}, false
	}
	bits := 0 // of the 128, the leading ones first and last share
	for bits < 128 && (first[bits/8]^last[bits/8])&(0x80>>(bits%8)) == 0 {
		bits++
	}
	if !bytes.Equal(lastAddr(first, bits), last) || netip.PrefixFrom(a, bits).Masked().Addr() != a {
		return netip.Prefix{}, false
	}
	if family == 4 {
		if !a.Is4In6() || bits < 96 {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a.Unmap(), bits-96), true
	}
	return netip.PrefixFrom(a, bits), true
}

func (t *tx) SubnetsOverlapping(vpcID string, p netip.Prefix) ([]*ipam.Subnet, error) {
	rows, err := t.query(`SELECT s.doc FROM subnet_blocks b JOIN subnets s ON s.id = b.subnet_id WHERE `+overlappingSQL,
		overlappingArgs(vpcID, p, 0)...)
	if err != nil {
		return nil, err
	}
	return scanResources(rows, vpcdoc.Subnet)
}
