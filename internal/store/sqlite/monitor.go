package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

// Monitoring rows (migration 0007).

// LockResourceSpace is a no-op: an Update already holds SQLite's only
// write lock.
func (t *tx) LockResourceSpace([]ipam.SpaceLock) error { return nil }

const resourceCIDRCols = `ipam_id, resource_id, cidr, scope_id, owner, region, resource_type, vpc_id, name,
	az_id, tags, pool_id, management, compliance, overlap_count, covered, moved, history_id, since`

func scanResourceCIDRs(rows *sql.Rows) ([]*ipam.ResourceCIDR, error) {
	defer rows.Close()
	var out []*ipam.ResourceCIDR
	for rows.Next() {
		r := new(ipam.ResourceCIDR)
		var cidr, tags string
		var moved bool
		var since int64
		if err := rows.Scan(&r.IpamID, &r.ResourceID, &cidr, &r.ScopeID, &r.OwnerID, &r.Region, &r.ResourceType,
			&r.VpcID, &r.Name, &r.AZID, &tags, &r.PoolID, &r.Management, &r.Compliance, &r.Overlaps,
			&r.Covered, &moved, &r.HistoryID, &since); err != nil {
			return nil, mapErr(err)
		}
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, fmt.Errorf("sqlite: resource cidr %s of %s: %w", cidr, r.ResourceID, err)
		}
		r.CIDR, r.Moved, r.Since = p, moved, time.Unix(0, since).UTC()
		if tags != "" && tags != "null" {
			if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
				return nil, fmt.Errorf("sqlite: resource cidr tags of %s: %w", r.ResourceID, err)
			}
		}
		r.Tags = ipam.NilIfEmpty(r.Tags)
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) resourceCIDRs(query string, args ...any) ([]*ipam.ResourceCIDR, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	return scanResourceCIDRs(rows)
}

// ResourceCIDRsOf reads the resource's rows through resource_cidrs_vpc:
// its keys start with the resource id (migration 0009 dropped the index by
// resource, one B-tree less for every write).
func (t *tx) ResourceCIDRsOf(vpcID, resourceID string) ([]*ipam.ResourceCIDR, error) {
	lo, hi := ipam.KeyRange(resourceID)
	return t.resourceCIDRs(`SELECT `+resourceCIDRCols+` FROM resource_cidrs INDEXED BY resource_cidrs_vpc
		WHERE vpc_id = ? AND rkey > ? AND rkey < ? ORDER BY ipam_id, rkey`, vpcID, lo, hi)
}

// ResourceCIDRsOverlapping is one statement on resource_cidrs_addr: the
// blocks that start inside p (a range), and those that start at one of p's
// shorter networks (a probe each), of which the ones that reach p contain
// it.
func (t *tx) ResourceCIDRsOverlapping(scopeID string, p netip.Prefix, outsideVPC string) ([]*ipam.ResourceCIDR, error) {
	p = p.Masked()
	fam, first, last := blockKey(p)
	starts := ipam.EnclosingStarts(p)
	args := make([]any, 0, 5+len(starts))
	args = append(args, scopeID, fam, first, last, outsideVPC)
	for _, q := range starts {
		_, f, _ := blockKey(q)
		args = append(args, f)
	}
	rows, err := t.resourceCIDRs(overlappingQuery(len(args)-5), args...)
	if err != nil {
		return nil, err
	}
	// What starts before p overlaps it only if it reaches p (last >= p's
	// first: filtered in SQL, so the neighbours that start at one of p's
	// shorter networks are not decoded), and then it contains p.
	return rows, nil
}

// ResourceCIDRsOverlappingEach asks each lookup in turn: no round trips to
// save on an embedded store.
func (t *tx) ResourceCIDRsOverlappingEach(qs []ipam.OverlapLookup) ([][]*ipam.ResourceCIDR, error) {
	out := make([][]*ipam.ResourceCIDR, len(qs))
	for i, q := range qs {
		rows, err := t.ResourceCIDRsOverlapping(q.ScopeID, q.CIDR, q.OutsideVPC)
		if err != nil {
			return nil, err
		}
		out[i] = rows
	}
	return out, nil
}

// overlappingQueries caches overlappingQuery's text by its number of
// starts (building it was a seventh of the lookup's CPU).
var overlappingQueries sync.Map // int -> string

// overlappingQuery is ResourceCIDRsOverlapping's statement with one index
// search for the blocks inside p and one for each of n starts of p's
// shorter networks; an OR of them would scan the scope, and an IN list
// would build a temporary index of its values every time.
func overlappingQuery(n int) string {
	if q, ok := overlappingQueries.Load(n); ok {
		return q.(string)
	}
	query := `SELECT ` + resourceCIDRCols + ` FROM resource_cidrs INDEXED BY resource_cidrs_addr
		WHERE scope_id = ?1 AND family = ?2 AND first BETWEEN ?3 AND ?4 AND vpc_id <> ?5`
	for i := 6; i < 6+n; i++ {
		query += fmt.Sprintf(` UNION ALL SELECT `+resourceCIDRCols+` FROM resource_cidrs INDEXED BY resource_cidrs_addr
		WHERE scope_id = ?1 AND family = ?2 AND first = ?%d AND last >= ?3 AND vpc_id <> ?5`, i)
	}
	overlappingQueries.Store(n, query)
	return query
}

func (t *tx) ListResourceCIDRs(q ipam.ResourceCIDRQuery) ([]*ipam.ResourceCIDR, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if q.ScopeID != "" {
		add("scope_id = ?", q.ScopeID)
	}
	if q.PoolID != "" {
		add("pool_id = ?", q.PoolID)
	}
	if q.ResourceID != "" {
		lo, hi := ipam.KeyRange(q.ResourceID)
		add("rkey > ?", lo)
		add("rkey < ?", hi)
	}
	if q.VpcID != "" {
		add("vpc_id = ?", q.VpcID)
	}
	if q.ResourceType != "" {
		add("resource_type = ?", q.ResourceType)
	}
	if len(where) == 0 {
		return nil, fmt.Errorf("sqlite: ListResourceCIDRs needs a ScopeID or a PoolID")
	}
	add("rkey > ?", q.After)
	// Without statistics SQLite prefers the primary key's order to the
	// index that narrows most, and would scan the whole scope: name it.
	from := "resource_cidrs"
	switch {
	case q.ResourceID != "" && q.ScopeID != "":
		// the primary key's range
	case q.VpcID != "":
		from += " INDEXED BY resource_cidrs_vpc"
	case q.PoolID != "":
		from += " INDEXED BY resource_cidrs_pool"
	}
	query := `SELECT ` + resourceCIDRCols + ` FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY rkey`
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return t.resourceCIDRs(query, args...)
}

// PutResourceCIDR replaces the row with r's key, if there is one.
func (t *tx) PutResourceCIDR(r *ipam.ResourceCIDR) error {
	return t.writeResourceCIDR("INSERT OR REPLACE", r)
}

// InsertResourceCIDR refuses a key that is there (the primary key).
func (t *tx) InsertResourceCIDR(r *ipam.ResourceCIDR) error { return t.writeResourceCIDR("INSERT", r) }

func (t *tx) writeResourceCIDR(verb string, r *ipam.ResourceCIDR) error {
	tags, err := marshal(ipam.NilIfEmpty(r.Tags))
	if err != nil {
		return err
	}
	fam, first, last := blockKey(r.CIDR)
	_, err = t.exec(verb+` INTO resource_cidrs (`+resourceCIDRCols+`, rkey, family, first, last)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.IpamID, r.ResourceID, r.CIDR.String(), r.ScopeID, r.OwnerID, r.Region, r.ResourceType, r.VpcID, r.Name,
		r.AZID, string(tags), r.PoolID, r.Management, r.Compliance, r.Overlaps, r.Covered, r.Moved, r.HistoryID,
		r.Since.UnixNano(), r.Key(), fam, first, last)
	return err
}

// ResourceCIDRsAt is one range of resource_cidrs_addr.
func (t *tx) ResourceCIDRsAt(scopeID string, p netip.Prefix) ([]*ipam.ResourceCIDR, error) {
	fam, first, last := blockKey(p)
	return t.resourceCIDRs(`SELECT `+resourceCIDRCols+` FROM resource_cidrs INDEXED BY resource_cidrs_addr
		WHERE scope_id = ? AND family = ? AND first = ? AND last = ? ORDER BY rkey`, scopeID, fam, first, last)
}

// A row is found by its primary key: a scope belongs to one IPAM, so
// (scope_id, rkey) names it.

func (t *tx) BumpOverlaps(r *ipam.ResourceCIDR, delta int) (*ipam.ResourceCIDR, error) {
	rows, err := t.resourceCIDRs(`UPDATE resource_cidrs SET overlap_count = max(0, overlap_count + ?)
		WHERE scope_id = ? AND rkey = ? RETURNING `+resourceCIDRCols, delta, r.ScopeID, r.Key())
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, notFound("resource cidr", r.Key())
	}
	return rows[0], nil
}

func (t *tx) SetSpan(r *ipam.ResourceCIDR) error {
	_, err := t.exec(`UPDATE resource_cidrs SET history_id = ?, since = ? WHERE scope_id = ? AND rkey = ?`,
		r.HistoryID, r.Since.UnixNano(), r.ScopeID, r.Key())
	return err
}

func (t *tx) DeleteResourceCIDR(r *ipam.ResourceCIDR) error {
	_, err := t.exec(`DELETE FROM resource_cidrs WHERE scope_id = ? AND rkey = ?`, r.ScopeID, r.Key())
	return err
}

func (t *tx) AddCoverage(vpcID string, p netip.Prefix, delta float64) error {
	fam, first, last := blockKey(p)
	lo, hi := ipam.KeyRange(vpcID)
	_, err := t.exec(`UPDATE resource_cidrs INDEXED BY resource_cidrs_vpc SET covered = max(0, covered + ?)
		WHERE vpc_id = ? AND rkey > ? AND rkey < ? AND family = ? AND first <= ? AND last >= ?`,
		delta, vpcID, lo, hi, fam, first, last)
	return err
}

func (t *tx) DeleteIPAMMonitoring(ipamID string) error {
	if _, err := t.exec(`DELETE FROM resource_cidrs WHERE ipam_id = ?`, ipamID); err != nil {
		return err
	}
	_, err := t.exec(`DELETE FROM address_history WHERE ipam_id = ?`, ipamID)
	return err
}

const historyCols = `id, ipam_id, scope_id, owner, region, resource_type, resource_id, vpc_id, name, cidr,
	compliance, overlap, start_ns, end_ns`

func (t *tx) InsertHistory(h *ipam.HistoryRecord) error {
	var end any
	if !h.End.IsZero() {
		end = h.End.UnixNano()
	}
	_, err := t.exec(`INSERT INTO address_history (`+historyCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		h.ID, h.IpamID, h.ScopeID, h.OwnerID, h.Region, h.ResourceType, h.ResourceID, h.VpcID, h.Name,
		h.CIDR.String(), h.Compliance, h.Overlap, h.Start.UnixNano(), end)
	return err
}

// A record's key is (scope_id, cidr, id), its table's primary key
// (migration 0009): the records of one CIDR are one range in start order.

func (t *tx) ListAllHistory(after string, limit int) ([]*ipam.HistoryRecord, error) {
	scope, cidr, id := ipam.SplitHistoryCursor(after)
	return t.history(`SELECT `+historyCols+` FROM address_history
		WHERE (scope_id, cidr, id) > (?, ?, ?) ORDER BY scope_id, cidr, id LIMIT ?`, scope, cidr, id, limit)
}

func (t *tx) AddressHistory(q ipam.HistoryQuery) ([]*ipam.HistoryRecord, error) {
	query := `SELECT ` + historyCols + ` FROM address_history
		WHERE scope_id = ? AND cidr = ? AND id > ? AND start_ns <= ? AND (end_ns IS NULL OR end_ns >= ?)`
	args := []any{q.ScopeID, q.CIDR.String(), q.After, q.To.UnixNano(), q.From.UnixNano()}
	if q.VpcID != "" {
		query += ` AND vpc_id = ?`
		args = append(args, q.VpcID)
	}
	query += ` ORDER BY id`
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return t.history(query, args...)
}

// history reads history records.
func (t *tx) history(query string, args ...any) ([]*ipam.HistoryRecord, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ipam.HistoryRecord
	for rows.Next() {
		h := new(ipam.HistoryRecord)
		var cidr string
		var start int64
		var end sql.NullInt64
		if err := rows.Scan(&h.ID, &h.IpamID, &h.ScopeID, &h.OwnerID, &h.Region, &h.ResourceType, &h.ResourceID,
			&h.VpcID, &h.Name, &cidr, &h.Compliance, &h.Overlap, &start, &end); err != nil {
			return nil, mapErr(err)
		}
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, fmt.Errorf("sqlite: history %s: %w", h.ID, err)
		}
		h.CIDR, h.Start = p, time.Unix(0, start).UTC()
		if end.Valid {
			h.End = time.Unix(0, end.Int64).UTC()
		}
		out = append(out, h)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) PruneHistory(before time.Time, limit int) (int, error) {
	r, err := t.exec(`DELETE FROM address_history WHERE (scope_id, cidr, id) IN (
		SELECT scope_id, cidr, id FROM address_history WHERE end_ns IS NOT NULL AND end_ns < ? LIMIT ?)`, before.UnixNano(), limit)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), mapErr(err)
}
