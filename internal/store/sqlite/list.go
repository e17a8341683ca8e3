package sqlite

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/ipamd/ipamd/internal/ipam"
)

// ListAllocations builds one query whose driving index follows the most
// selective constraint: ids (primary key), resource ids (resource_id index),
// CIDRs ((pool_id, addr, bits) probes), descriptions (the (pool_id,
// description, addr, bits) index), else the listing-order index of the mode,
// which also serves the keyset cursor without a sort.
func (t *tx) ListAllocations(q ipam.AllocationQuery) ([]*ipam.Allocation, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	nets, none := q.NetworkCIDRs()
	if none {
		return nil, nil
	}
	query, args := listQuery(q, nets)
	run := t.queryOnce
	if len(q.IDs)+len(q.ResourceIDs)+len(q.ResourceTypes)+len(q.CIDRs)+len(q.Descriptions) == 0 {
		run = t.query // the paging hot path has a handful of shapes: keep them prepared
	}
	rows, err := run(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]*ipam.Allocation, 0, min(max(q.Limit, 0), 1024))
	for rows.Next() {
		a, err := scanAllocation(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, a)
	}
	return out, mapErr(rows.Err())
}

// listQuery returns the SQL and arguments of q. Without statistics the
// planner prefers the (pool_id|owner, addr, bits) index, which avoids a sort,
// even when ids or resource ids select a few rows out of millions: INDEXED BY
// names the index those constraints need (and fails loudly if it cannot be
// used).
func listQuery(q ipam.AllocationQuery, nets []netip.Prefix) (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString(`SELECT ` + allocCols + ` FROM allocations `)
	switch {
	case len(q.IDs) > 0:
		b.WriteString(`INDEXED BY sqlite_autoindex_allocations_1 `) // the primary key
	case len(q.ResourceIDs) > 0:
		b.WriteString(`INDEXED BY allocations_resource `)
	case describedOnly(q) && len(q.CIDRs) == 0 && q.PoolID != "":
		// One value reads its rows in listing order, cursor included. The
		// index holds only non-empty descriptions (migration 0009).
		b.WriteString(`INDEXED BY allocations_description `)
	}
	b.WriteString(`WHERE `)
	byPool := q.PoolID != ""
	switch {
	case byPool:
		b.WriteString(`pool_id = ?`)
		args = append(args, q.PoolID)
	default:
		b.WriteString(`owner = ?`)
		args = append(args, q.OwnerID)
	}
	args = inList(&b, args, "id", q.IDs)
	args = inList(&b, args, "resource_id", q.ResourceIDs)
	args = inList(&b, args, "resource_type", q.ResourceTypes)
	args = inList(&b, args, "description", q.Descriptions)
	if describedOnly(q) {
		b.WriteString(` AND description <> ''`)
	}
	if len(nets) > 0 {
		if !byPool {
			// Lets the (pool_id, addr, bits) index probe each of the
			// owner's pools for each CIDR: an allocation's owner is the
			// owner of its pool.
			b.WriteString(` AND pool_id IN (SELECT id FROM pools WHERE owner = ?)`)
			args = append(args, q.OwnerID)
		}
		b.WriteString(` AND (addr, bits) IN (VALUES `)
		for i, c := range nets {
			if i > 0 {
				b.WriteString(`, `)
			}
			b.WriteString(`(?, ?)`)
			args = append(args, addrKey(c.Addr()), c.Bits())
		}
		b.WriteString(`)`)
	}
	if a := q.After; a != nil {
		if byPool {
			b.WriteString(` AND (addr, bits) > (?, ?)`)
			args = append(args, addrKey(a.Addr), a.Bits)
		} else {
			b.WriteString(` AND (pool_id, addr, bits) > (?, ?, ?)`)
			args = append(args, a.PoolID, addrKey(a.Addr), a.Bits)
		}
	}
	if byPool {
		b.WriteString(` ORDER BY addr, bits LIMIT ?`)
	} else {
		b.WriteString(` ORDER BY pool_id, addr, bits LIMIT ?`)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	args = append(args, limit)
	return b.String(), args
}

// describedOnly reports whether q's description filter matches only
// allocations that have one.
func describedOnly(q ipam.AllocationQuery) bool {
	return len(q.Descriptions) > 0 && !slices.Contains(q.Descriptions, "")
}

func sep(b *strings.Builder, i int) {
	if i > 0 {
		b.WriteString(`, ?`)
	} else {
		b.WriteString(`?`)
	}
}

// inList appends " AND col IN (?, …)" for values, if there are any.
func inList(b *strings.Builder, args []any, col string, values []string) []any {
	if len(values) == 0 {
		return args
	}
	b.WriteString(" AND " + col + " IN (")
	for i, v := range values {
		sep(b, i)
		args = append(args, v)
	}
	b.WriteString(")")
	return args
}
