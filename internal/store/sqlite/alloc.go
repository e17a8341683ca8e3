package sqlite

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"

	"github.com/ipamd/ipamd/internal/cidr"
	"github.com/ipamd/ipamd/internal/ipam"
)

const allocCols = `id, pool_id, owner, addr, bits, resource_id, resource_type, resource_region, resource_owner, description, tags`

// addrKey is the stored form of an address: 4 bytes for IPv4, 16 for IPv6.
// A zero Addr becomes an empty blob, which sorts before every address.
func addrKey(a netip.Addr) []byte {
	if !a.IsValid() {
		return []byte{}
	}
	return a.AsSlice()
}

// lastAddr is the last address of the prefix starting at start with bits.
func lastAddr(start []byte, bits int) []byte {
	ip, _ := netip.AddrFromSlice(start)
	return cidr.LastAddr(netip.PrefixFrom(ip, bits)).AsSlice()
}

func encodeTags(tags []ipam.Tag) (any, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// scanAllocation reads one row of allocCols.
func scanAllocation(rows interface{ Scan(...any) error }) (*ipam.Allocation, error) {
	var (
		a    ipam.Allocation
		addr []byte
		bits int
		tags sql.NullString
	)
	if err := rows.Scan(&a.ID, &a.PoolID, &a.OwnerID, &addr, &bits, &a.ResourceID, &a.ResourceType,
		&a.ResourceRegion, &a.ResourceOwner, &a.Description, &tags); err != nil {
		return nil, err
	}
	ip, ok := netip.AddrFromSlice(addr)
	if !ok {
		return nil, fmt.Errorf("sqlite: allocation %s: bad address %x", a.ID, addr)
	}
	a.CIDR = netip.PrefixFrom(ip, bits)
	if tags.Valid {
		t, err := decodeTags(tags.String)
		if err != nil {
			return nil, fmt.Errorf("sqlite: allocation %s tags: %w", a.ID, err)
		}
		a.Tags = t
	}
	return &a, nil
}

// InsertAllocation stores a.CIDR by its network address (a.CIDR.Masked()).
// The overlap backstop costs two index probes: since the pool's allocations
// never overlap, the one with the greatest start <= the new start is the
// only one that can contain it, and the first one starting after it is the
// only one it can contain or reach into.
func (t *tx) InsertAllocation(a *ipam.Allocation) error {
	p := a.CIDR.Masked()
	if !p.IsValid() {
		return fmt.Errorf("sqlite: allocation %s: invalid CIDR %v", a.ID, a.CIDR)
	}
	start := p.Addr().AsSlice()
	end := lastAddr(start, p.Bits())

	var prev []byte
	var prevBits int
	err := t.queryRow(`SELECT addr, bits FROM allocations WHERE pool_id = ? AND addr <= ? ORDER BY addr DESC, bits DESC LIMIT 1`,
		a.PoolID, start).Scan(&prev, &prevBits)
	switch {
	case err == nil:
		if len(prev) == len(start) && bytes.Compare(lastAddr(prev, prevBits), start) >= 0 {
			return overlap(a, prev, prevBits)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return mapErr(err)
	}
	var next []byte
	var nextBits int
	err = t.queryRow(`SELECT addr, bits FROM allocations WHERE pool_id = ? AND addr > ? ORDER BY addr, bits LIMIT 1`,
		a.PoolID, start).Scan(&next, &nextBits)
	switch {
	case err == nil:
		if len(next) == len(start) && bytes.Compare(next, end) <= 0 {
			return overlap(a, next, nextBits)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return mapErr(err)
	}

	tags, err := encodeTags(a.Tags)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO allocations (`+allocCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.PoolID, a.OwnerID, start, p.Bits(), a.ResourceID, a.ResourceType,
		a.ResourceRegion, a.ResourceOwner, a.Description, tags)
	return err
}

func overlap(a *ipam.Allocation, addr []byte, bits int) error {
	ip, _ := netip.AddrFromSlice(addr)
	return fmt.Errorf("%w: allocation %s overlaps %s in pool %s", ipam.ErrConflict, a.CIDR, netip.PrefixFrom(ip, bits), a.PoolID)
}

// UpdateAllocation changes the description and tags, nothing else.
func (t *tx) UpdateAllocation(a *ipam.Allocation) error {
	tags, err := encodeTags(a.Tags)
	if err != nil {
		return err
	}
	return t.execOne("allocation", a.ID, `UPDATE allocations SET description = ?, tags = ? WHERE id = ?`,
		a.Description, tags, a.ID)
}

func (t *tx) DeleteAllocation(id string) error {
	return t.execOne("allocation", id, `DELETE FROM allocations WHERE id = ?`, id)
}

func (t *tx) DeletePoolAllocations(poolID string) error {
	_, err := t.exec(`DELETE FROM allocations WHERE pool_id = ?`, poolID)
	return err
}

func (t *tx) GetAllocation(id string) (*ipam.Allocation, error) {
	a, err := scanAllocation(t.queryRow(`SELECT `+allocCols+` FROM allocations WHERE id = ?`, id))
	if err != nil {
		return nil, scanErr(err, "allocation", id)
	}
	return a, nil
}

func (t *tx) AllocationAt(poolID string, addr netip.Addr) (*ipam.Allocation, error) {
	a, err := scanAllocation(t.queryRow(`SELECT `+allocCols+` FROM allocations WHERE pool_id = ? AND addr <= ? ORDER BY addr DESC, bits DESC LIMIT 1`,
		poolID, addrKey(addr)))
	if err != nil {
		return nil, scanErr(err, "allocation at", addr.String())
	}
	// Addresses of both families are never mixed in one pool, but a
	// question in the other family must not be answered with a stray row.
	if a.CIDR.Addr().Is4() != addr.Is4() {
		return nil, fmt.Errorf("allocation at %s in %s: %w", addr, poolID, ipam.ErrNotFound)
	}
	return a, nil
}

// PoolPrefixes reads the pool's slice of the (pool_id, addr, bits) index
// only, without touching the table.
func (t *tx) PoolPrefixes(poolID string) ([]netip.Prefix, error) {
	rows, err := t.query(`SELECT addr, bits FROM allocations WHERE pool_id = ? ORDER BY addr, bits`, poolID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []netip.Prefix
	var addr sql.RawBytes
	var bits int
	for rows.Next() {
		if err := rows.Scan(&addr, &bits); err != nil {
			return nil, mapErr(err)
		}
		ip, ok := netip.AddrFromSlice(addr)
		if !ok {
			return nil, fmt.Errorf("sqlite: pool %s: bad address %x", poolID, []byte(addr))
		}
		out = append(out, netip.PrefixFrom(ip, bits))
	}
	return out, mapErr(rows.Err())
}
