package postgres

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ipamd/ipamd/internal/cidr"
	"github.com/ipamd/ipamd/internal/ipam"
)

// allocCols is the column list every allocation read selects, in scanAlloc's
// order.
const allocCols = "id, pool_id, owner, cidr, description, resource_id, resource_type, resource_region, resource_owner, tags"

// allocScan reads rows of allocCols into allocations.
type allocScan struct {
	a    ipam.Allocation
	tags []byte
}

func (s *allocScan) dest() []any {
	a := &s.a
	return []any{&a.ID, &a.PoolID, &a.OwnerID, &a.CIDR, &a.Description, &a.ResourceID,
		&a.ResourceType, &a.ResourceRegion, &a.ResourceOwner, &s.tags}
}

// result is the allocation read last, with its tags decoded.
func (s *allocScan) result() (*ipam.Allocation, error) {
	a := s.a
	a.Tags = nil
	if s.tags != nil {
		if err := json.Unmarshal(s.tags, &a.Tags); err != nil {
			return nil, err
		}
		a.Tags = ipam.NilIfEmpty(a.Tags)
	}
	return &a, nil
}

// InsertAllocation checks for an overlap itself, with a btree probe of the
// one neighbour that can overlap, so that a refusal is zero rows
// (ErrConflict) rather than an error that would abort the transaction: the
// caller may go on and pick another CIDR. The allocations_no_overlap
// exclusion constraint still has the last word (a writer that skipped LockPool may slip in between), and ON
// CONFLICT DO NOTHING covers a duplicate id.
func (t *tx) InsertAllocation(a *ipam.Allocation) error {
	if !a.CIDR.IsValid() {
		return fmt.Errorf("allocation %s: invalid CIDR", a.ID)
	}
	// An allocation is a network: host bits (10.1.0.0/15) are dropped, which
	// the cidr type insists on anyway, and the overlap check sees the whole
	// network (10.0.0.0/15).
	net := a.CIDR.Masked()
	tags, err := tagsJSON(a.Tags)
	if err != nil {
		return err
	}
	args := []any{a.ID, a.PoolID, a.OwnerID, net, net.Addr().AsSlice(), cidr.LastAddr(net).AsSlice(), net.Bits(),
		a.ResourceID, a.ResourceType, a.ResourceRegion, a.ResourceOwner, a.Description, tags}
	if !t.locked[a.PoolID] || t.failed != nil {
		return t.insert("allocation", a.ID, insertAllocationChecked, args...)
	}
	if t.done {
		return errTxDone
	}
	// Under the pool's lock the service has already checked the space, so a
	// refusal here is only the backstop: the INSERT waits to go out with the
	// next statement or COMMIT, one round trip less per allocation that the
	// pool's other writers queue behind. It is a plain INSERT, so a refusal
	// (the exclusion constraint's 23P01, a duplicate's 23505) aborts the whole
	// transaction on the server: nothing after it, COMMIT included, can
	// take effect without it.
	t.rows.allocs.add(a.ID, a.PoolID, a.OwnerID, net, a.ResourceID, a.ResourceType, a.ResourceRegion, a.ResourceOwner, a.Description, tags)
	return nil
}

// insertAllocationChecked refuses an overlap or a duplicate by inserting
// nothing, so the transaction stays usable after a refusal.
const insertAllocationChecked = `INSERT INTO allocations
	(id, pool_id, owner, cidr, addr, last, bits, resource_id, resource_type, resource_region, resource_owner, description, tags)
	SELECT $1::text, $2::text, $3::text, $4::cidr, $5::bytea, $6::bytea, $7::integer,
		$8::text, $9::text, $10::text, $11::text, $12::text, $13::jsonb
	WHERE NOT EXISTS (SELECT FROM (
		SELECT last FROM allocations WHERE pool_id = $2 AND addr <= $6 ORDER BY addr DESC, bits DESC LIMIT 1
	) c WHERE c.last >= $5)
	ON CONFLICT DO NOTHING`

// UpdateAllocation changes what may change of an allocation: its
// description and tags.
func (t *tx) UpdateAllocation(a *ipam.Allocation) error {
	tags, err := tagsJSON(a.Tags)
	if err != nil {
		return err
	}
	return t.execOne("allocation", a.ID, "UPDATE allocations SET description = $2, tags = $3 WHERE id = $1",
		a.ID, a.Description, tags)
}

func (t *tx) DeleteAllocation(id string) error {
	return t.execOne("allocation", id, "DELETE FROM allocations WHERE id = $1", id)
}

func (t *tx) DeletePoolAllocations(poolID string) error {
	_, err := t.exec("DELETE FROM allocations WHERE pool_id = $1", poolID)
	return err
}

func (t *tx) GetAllocation(id string) (*ipam.Allocation, error) {
	var sc allocScan
	if err := t.queryRow("SELECT "+allocCols+" FROM allocations WHERE id = $1", []any{id}, sc.dest()...); err != nil {
		return nil, fmt.Errorf("allocation %s: %w", id, err)
	}
	return sc.result()
}

func (t *tx) AllocationAt(poolID string, addr netip.Addr) (*ipam.Allocation, error) {
	var sc allocScan
	err := t.queryRow("SELECT "+allocCols+
		" FROM allocations WHERE pool_id = $1 AND addr <= $2 ORDER BY addr DESC, bits DESC LIMIT 1",
		[]any{poolID, addr.AsSlice()}, sc.dest()...)
	if err != nil {
		return nil, fmt.Errorf("allocation at %s in %s: %w", addr, poolID, err)
	}
	// Addresses of both families are never mixed in one pool, but a
	// question in the other family must not be answered with a stray row.
	if sc.a.CIDR.Addr().Is4() != addr.Is4() {
		return nil, fmt.Errorf("allocation at %s in %s: %w", addr, poolID, ipam.ErrNotFound)
	}
	return sc.result()
}

// PoolPrefixes reads (addr, bits) rather than the cidr column: a pool may
// hold a million allocations, and raw bytes are the cheapest to decode.
func (t *tx) PoolPrefixes(poolID string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var raw []byte
	var bits int
	err := t.query("SELECT addr, bits FROM allocations WHERE pool_id = $1 ORDER BY addr, bits", []any{poolID},
		func(rows pgx.Rows) error {
			if err := rows.Scan(&raw, &bits); err != nil {
				return err
			}
			addr, ok := netip.AddrFromSlice(raw)
			if !ok {
				return fmt.Errorf("pool %s: bad stored address %x", poolID, raw)
			}
			out = append(out, netip.PrefixFrom(addr, bits))
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (t *tx) ListAllocations(q ipam.AllocationQuery) ([]*ipam.Allocation, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	sql, args, ok := listQuery(q)
	if !ok {
		return nil, nil
	}
	var out []*ipam.Allocation
	var sc allocScan
	dest := sc.dest()
	err := t.query(sql, args, func(rows pgx.Rows) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		a, err := sc.result()
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listQuery builds ListAllocations' statement. Each shape of query keeps to
// one btree, read in order from the cursor on: (pool_id, addr, bits) for a
// pool, (owner, pool_id, addr, bits) for an account. ok is false when q can
// match nothing.
func listQuery(q ipam.AllocationQuery) (sql string, args []any, ok bool) {
	var where []string
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	order := "pool_id, addr, bits"
	switch {
	case q.PoolID != "":
		where = append(where, "pool_id = "+arg(q.PoolID))
		order = "addr, bits"
		if q.After != nil {
			where = append(where, fmt.Sprintf("(addr, bits) > (%s, %s)", arg(q.After.Addr.AsSlice()), arg(q.After.Bits)))
		}
	default:
		where = append(where, "owner = "+arg(q.OwnerID))
		if q.After != nil {
			where = append(where, fmt.Sprintf("(pool_id, addr, bits) > (%s, %s, %s)",
				arg(q.After.PoolID), arg(q.After.Addr.AsSlice()), arg(q.After.Bits)))
		}
	}
	if len(q.IDs) > 0 {
		where = append(where, "id = ANY("+arg(q.IDs)+")")
	}
	if len(q.ResourceIDs) > 0 {
		where = append(where, "resource_id = ANY("+arg(q.ResourceIDs)+")")
	}
	if len(q.ResourceTypes) > 0 {
		where = append(where, "resource_type = ANY("+arg(q.ResourceTypes)+")")
	}
	if len(q.Descriptions) > 0 {
		var or []string
		for _, d := range q.Descriptions {
			or = append(or, "description = "+arg(d))
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
		if !slices.Contains(q.Descriptions, "") {
			// lets the planner use the partial index (migration 0009)
			where = append(where, "description <> ''")
		}
	}
	if nets, none := q.NetworkCIDRs(); none {
		return "", nil, false
	} else if len(nets) > 0 {
		// By (addr, bits), what an index holds, not by the cidr column,
		// which none does.
		var or []string
		for _, p := range nets {
			or = append(or, fmt.Sprintf("(addr = %s AND bits = %s)", arg(p.Addr().AsSlice()), arg(p.Bits())))
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	var b strings.Builder
	b.WriteString("SELECT " + allocCols + " FROM allocations")
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	b.WriteString(" ORDER BY " + order)
	if q.Limit > 0 {
		b.WriteString(" LIMIT " + arg(q.Limit))
	}
	return b.String(), args, true
}
