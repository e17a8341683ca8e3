package postgres

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5"
)

// Monitoring rows (migration 0007).

// LockResourceSpace takes a transaction-scoped advisory lock per key, in
// one statement, in the order of the keys' 64-bit hashes (the same order in
// every transaction; two keys that collide only wait for each other
// needlessly, and a key asked for both ways is locked exclusively).
func (t *tx) LockResourceSpace(locks []ipam.SpaceLock) error {
	excl := make(map[int64]bool, len(locks))
	for _, l := range locks {
		id := spaceLockID(l)
		excl[id] = excl[id] || l.Exclusive
	}
	ids := make([]int64, 0, len(excl))
	for id := range excl {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	args := make([]any, 0, 2*len(ids))
	for _, id := range ids {
		args = append(args, id, excl[id])
	}
	// It goes out with the next statement (the overlap lookup that needs
	// the locks), not in a round trip of its own.
	return t.later(lockSpaceSQL(len(ids)), args...)
}

// lockSpaceSQL takes n locks in the order of its VALUES rows: a VALUES
// list of parameters, not unnest of arrays, which cost the server several
// times more per statement (pgbench, the overlap lookup's searches: 60-120
// µs more a statement; docs/benchmarks.md, session 10).
func lockSpaceSQL(n int) string {
	return cachedSQL(&lockSpaceSQLs, n, func() string {
		return `SELECT count(CASE WHEN x THEN pg_advisory_xact_lock(k) ELSE pg_advisory_xact_lock_shared(k) END)
			FROM (VALUES ` + valuesSQL(n, 1, "::bigint", "::boolean") + `) AS u(k, x)`
	})
}

var lockSpaceSQLs, overlapScanSQLs sync.Map // n -> SQL

// cachedSQL is the statement build makes for n, made once.
func cachedSQL(cache *sync.Map, n int, build func() string) string {
	if q, ok := cache.Load(n); ok {
		return q.(string)
	}
	q := build()
	cache.Store(n, q)
	return q
}

// spaceLockID is the 64-bit FNV-1a hash of "ipamd resource space " and the
// lock's key, without building the string: the number the store has
// always locked a key by.
func spaceLockID(l ipam.SpaceLock) int64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	add := func(s []byte) {
		for _, c := range s {
			h = (h ^ uint64(c)) * prime
		}
	}
	var buf [64]byte
	add(append(append(append(buf[:0], "ipamd resource space "...), l.Owner...), '|'))
	add(l.Net.AppendTo(buf[:0]))
	return int64(h)
}

const resourceCIDRCols = `ipam_id, resource_id, cidr, scope_id, owner, region, resource_type, vpc_id, name,
	az_id, tags, pool_id, management, compliance, overlap_count, covered, moved, history_id, since`

func (t *tx) resourceCIDRs(query string, args ...any) ([]*ipam.ResourceCIDR, error) {
	var out []*ipam.ResourceCIDR
	err := t.query(query, args, func(rows pgx.Rows) error {
		r, err := scanResourceCIDR(rows)
		if err == nil {
			out = append(out, r)
		}
		return err
	})
	return out, err
}

// scanResourceCIDR reads resourceCIDRCols, after the columns lead points
// to.
func scanResourceCIDR(rows pgx.Rows, lead ...any) (*ipam.ResourceCIDR, error) {
	r := new(ipam.ResourceCIDR)
	var cidr string
	var tags []byte
	var since int64
	dest := append(lead, &r.IpamID, &r.ResourceID, &cidr, &r.ScopeID, &r.OwnerID, &r.Region, &r.ResourceType,
		&r.VpcID, &r.Name, &r.AZID, &tags, &r.PoolID, &r.Management, &r.Compliance, &r.Overlaps,
		&r.Covered, &r.Moved, &r.HistoryID, &since)
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("postgres: resource cidr %s of %s: %w", cidr, r.ResourceID, err)
	}
	r.CIDR, r.Since = p, time.Unix(0, since).UTC()
	if len(tags) > 0 && string(tags) != "null" {
		if err := json.Unmarshal(tags, &r.Tags); err != nil {
			return nil, fmt.Errorf("postgres: resource cidr tags of %s: %w", r.ResourceID, err)
		}
	}
	r.Tags = ipam.NilIfEmpty(r.Tags)
	return r, nil
}

// ResourceCIDRsOf reads the resource's rows as one range of
// resource_cidrs_vpc: their keys start with the resource id (migration
// 0010 dropped the index by resource, one B-tree less for every write).
func (t *tx) ResourceCIDRsOf(vpcID, resourceID string) ([]*ipam.ResourceCIDR, error) {
	lo, hi := ipam.KeyRange(resourceID)
	return t.resourceCIDRs(`SELECT `+resourceCIDRCols+` FROM resource_cidrs
		WHERE vpc_id = $1 AND rkey > $2 AND rkey < $3 ORDER BY ipam_id, rkey`, vpcID, lo, hi)
}

// ResourceCIDRsOverlapping is ResourceCIDRsOverlappingEach for one block.
func (t *tx) ResourceCIDRsOverlapping(scopeID string, p netip.Prefix, outsideVPC string) ([]*ipam.ResourceCIDR, error) {
	out, err := t.ResourceCIDRsOverlappingEach([]ipam.OverlapLookup{{ScopeID: scopeID, CIDR: p, OutsideVPC: outsideVPC}})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// ResourceCIDRsOverlappingEach is one statement for every lookup: a group
// transaction's VPCs would otherwise make a round trip each while their
// pool is locked. The lookups' index searches are merged first
// (overlapScans): a group's blocks are mostly neighbours in one pool, so
// their ranges and probes touch, and eight /23s ask two or three searches
// instead of some thirty. A scan returns a superset of what its lookups
// asked; each row goes to the lookups it overlaps, outside their VPCs.
func (t *tx) ResourceCIDRsOverlappingEach(qs []ipam.OverlapLookup) ([][]*ipam.ResourceCIDR, error) {
	out := make([][]*ipam.ResourceCIDR, len(qs))
	scans := overlapScans(qs)
	for len(scans) > 0 {
		chunk := scans[:min(len(scans), maxRowsPerStatement)]
		scans = scans[len(chunk):]
		args := make([]any, 0, 6*len(chunk))
		for _, s := range chunk {
			args = s.appendArgs(args)
		}
		err := t.query(overlapScanSQL(len(chunk)), args, func(rows pgx.Rows) error {
			r, err := scanResourceCIDR(rows)
			if err != nil {
				return err
			}
			for i, q := range qs {
				if r.ScopeID == q.ScopeID && r.VpcID != q.OutsideVPC && r.CIDR.Overlaps(q.CIDR) {
					out[i] = append(out[i], r)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxRowsPerStatement keeps a statement's parameters (six a scan, 23 a
// resource CIDR row) below PostgreSQL's 65,535.
const maxRowsPerStatement = 1000

// overlapScanSQL searches resource_cidrs_addr once per scan (OFFSET 0
// keeps the subquery one), for n scans given as a VALUES list of
// parameters (see lockSpaceSQL for why not arrays).
func overlapScanSQL(n int) string {
	return cachedSQL(&overlapScanSQLs, n, func() string {
		return `SELECT r.* FROM (VALUES ` + valuesSQL(n, 1, scanCasts...) + `)
			AS u(scope, fam, lo, hi, reach, vpc),
			LATERAL (SELECT ` + resourceCIDRCols + ` FROM resource_cidrs WHERE scope_id = u.scope AND family = u.fam
				AND lo BETWEEN u.lo AND u.hi AND hi >= u.reach AND vpc_id <> u.vpc OFFSET 0) r`
	})
}

func (t *tx) ListResourceCIDRs(q ipam.ResourceCIDRQuery) ([]*ipam.ResourceCIDR, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.ScopeID != "" {
		add("scope_id = $%d", q.ScopeID)
	}
	if q.PoolID != "" {
		add("pool_id = $%d", q.PoolID)
	}
	if q.ResourceID != "" {
		// A range of the primary key or of the VPC or pool index.
		lo, hi := ipam.KeyRange(q.ResourceID)
		add("rkey > $%d", lo)
		add("rkey < $%d", hi)
	}
	if q.VpcID != "" {
		add("vpc_id = $%d", q.VpcID)
	}
	if q.ResourceType != "" {
		add("resource_type = $%d", q.ResourceType)
	}
	if len(where) == 0 {
		return nil, fmt.Errorf("postgres: ListResourceCIDRs needs a ScopeID or a PoolID")
	}
	add("rkey > $%d", q.After)
	query := `SELECT ` + resourceCIDRCols + ` FROM resource_cidrs WHERE ` + strings.Join(where, " AND ") + ` ORDER BY rkey`
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return t.resourceCIDRs(query, args...)
}

// later runs a write that can only fail with the transaction (a key it
// owns under its locks): it goes out with the next statement or COMMIT.
func (t *tx) later(sql string, args ...any) error {
	if t.done {
		return errTxDone
	}
	if !t.waits() {
		_, err := t.exec(sql, args...)
		return err
	}
	t.queue(sql, args...)
	return nil
}

// resourceCIDRArgs are a row's values in the order of insertResourceCIDRs;
// for COPY (binary), lo and hi as numerics rather than decimal text.
func resourceCIDRArgs(r *ipam.ResourceCIDR, copying bool) ([]any, error) {
	tags, err := rowTagsJSON(r.Tags)
	if err != nil {
		return nil, err
	}
	var lo, hi any
	if copying {
		lo, hi = blockNums(r.CIDR)
	} else {
		lo, hi = blockDecimals(r.CIDR)
	}
	return []any{r.IpamID, r.ResourceID, r.CIDR.String(), r.ScopeID, r.OwnerID, r.Region, r.ResourceType, r.VpcID, r.Name,
		r.AZID, tags, r.PoolID, r.Management, r.Compliance, r.Overlaps, r.Covered, r.Moved, r.HistoryID,
		r.Since.UnixNano(), r.Key(), family(r.CIDR), lo, hi}, nil
}

// InsertResourceCIDR is a plain INSERT: an upsert's speculative insertion
// cost the server about 20 µs more a row (pgbench, one client). The row
// waits with the transaction's other new rows (waiting.go).
func (t *tx) InsertResourceCIDR(r *ipam.ResourceCIDR) error {
	if t.done {
		return errTxDone
	}
	if !t.waits() {
		args, err := resourceCIDRArgs(r, false)
		if err != nil {
			return err
		}
		return t.later(insertResourceCIDRs.sql(1), args...)
	}
	w, err := newWaitingResourceCIDR(r)
	if err != nil {
		return err
	}
	t.waiting.resourceCIDRs = append(t.waiting.resourceCIDRs, w)
	return nil
}

var insertResourceCIDRs = &multiInsert{
	head: `INSERT INTO resource_cidrs (` + resourceCIDRCols + `, rkey, family, lo, hi) VALUES `,
	casts: []string{"::text", "::text", "::text", "::text", "::text", "::text", "::text", "::text", "::text",
		"::text", "::jsonb", "::text", "::text", "::text", "::integer", "::double precision", "::boolean", "::text",
		"::bigint", "::text", "::smallint", "::text::numeric", "::text::numeric"},
}

// PutResourceCIDR upserts the row; during a load (BeginLoad) it goes by
// COPY, a plain insert: the dump holds each key once, and a key twice is
// refused by the primary key.
func (t *tx) PutResourceCIDR(r *ipam.ResourceCIDR) error {
	args, err := resourceCIDRArgs(r, t.load != nil)
	if err != nil {
		return err
	}
	if t.load != nil {
		return t.copyLater(&t.load.resourceCIDRs, args)
	}
	// A row is named by (scope_id, rkey) (migration 0010).
	return t.later(insertResourceCIDRs.sql(1)+`
		ON CONFLICT (scope_id, rkey) DO UPDATE SET ipam_id = excluded.ipam_id, owner = excluded.owner,
			region = excluded.region, resource_type = excluded.resource_type, vpc_id = excluded.vpc_id,
			name = excluded.name, az_id = excluded.az_id, tags = excluded.tags, pool_id = excluded.pool_id,
			management = excluded.management, compliance = excluded.compliance, overlap_count = excluded.overlap_count,
			covered = excluded.covered, moved = excluded.moved, history_id = excluded.history_id,
			since = excluded.since, family = excluded.family, lo = excluded.lo, hi = excluded.hi`,
		args...)
}

// ResourceCIDRsAt is one range of resource_cidrs_addr (migration 0013).
func (t *tx) ResourceCIDRsAt(scopeID string, p netip.Prefix) ([]*ipam.ResourceCIDR, error) {
	lo, hi := blockDecimals(p)
	return t.resourceCIDRs(`SELECT `+resourceCIDRCols+` FROM resource_cidrs
		WHERE scope_id = $1 AND family = $2 AND lo = $3::text::numeric AND hi = $4::text::numeric ORDER BY rkey`,
		scopeID, family(p), lo, hi)
}

// A row is found by its primary key: a scope belongs to one IPAM, so
// (scope_id, rkey) names it (migration 0010).

func (t *tx) BumpOverlaps(r *ipam.ResourceCIDR, delta int) (*ipam.ResourceCIDR, error) {
	rows, err := t.resourceCIDRs(`UPDATE resource_cidrs SET overlap_count = greatest(0, overlap_count + $1)
		WHERE scope_id = $2 AND rkey = $3 RETURNING `+resourceCIDRCols, delta, r.ScopeID, r.Key())
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("resource cidr %s %s: %w", r.ResourceID, r.CIDR, ipam.ErrNotFound)
	}
	return rows[0], nil
}

func (t *tx) SetSpan(r *ipam.ResourceCIDR) error {
	return t.later(`UPDATE resource_cidrs SET history_id = $1, since = $2 WHERE scope_id = $3 AND rkey = $4`,
		r.HistoryID, r.Since.UnixNano(), r.ScopeID, r.Key())
}

func (t *tx) DeleteResourceCIDR(r *ipam.ResourceCIDR) error {
	return t.later(`DELETE FROM resource_cidrs WHERE scope_id = $1 AND rkey = $2`, r.ScopeID, r.Key())
}

func (t *tx) AddCoverage(vpcID string, p netip.Prefix, delta float64) error {
	lo, hi := blockDecimals(p)
	klo, khi := ipam.KeyRange(vpcID)
	// family + 0: a generic plan made while the table was small took the
	// GiST index on (scope, family, range) for "family = $3" alone and
	// then filtered every block of the family — a scan of the whole table
	// per subnet. Only the VPC index's range of the VPC's own rows can
	// answer this query now.
	return t.later(`UPDATE resource_cidrs SET covered = greatest(0, covered + $1)
		WHERE vpc_id = $2 AND rkey > $6 AND rkey < $7 AND family + 0 = $3 AND lo <= $4::text::numeric AND hi >= $5::text::numeric`,
		delta, vpcID, family(p), lo, hi, klo, khi)
}

// DeleteIPAMMonitoring scans both tables: no index leads with the IPAM
// (migration 0010), which only this rare call would read.
func (t *tx) DeleteIPAMMonitoring(ipamID string) error {
	if err := t.later(`DELETE FROM resource_cidrs WHERE ipam_id = $1`, ipamID); err != nil {
		return err
	}
	return t.later(`DELETE FROM address_history WHERE ipam_id = $1`, ipamID)
}

const historyCols = `id, ipam_id, scope_id, owner, region, resource_type, resource_id, vpc_id, name, cidr,
	compliance, overlap, start_ns, end_ns`

// InsertHistory inserts the record; during a load, by COPY.
func (t *tx) InsertHistory(h *ipam.HistoryRecord) error {
	var end *int64
	if !h.End.IsZero() {
		e := h.End.UnixNano()
		end = &e
	}
	args := []any{h.ID, h.IpamID, h.ScopeID, h.OwnerID, h.Region, h.ResourceType, h.ResourceID, h.VpcID, h.Name,
		h.CIDR.String(), h.Compliance, h.Overlap, h.Start.UnixNano(), end}
	if t.load != nil {
		return t.copyLater(&t.load.history, args)
	}
	return t.later(`INSERT INTO address_history (`+historyCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`, args...)
}

// A record is found by its primary key (scope_id, cidr, id) (migration
// 0010): the records of one CIDR are one range in start order.

// ListAllHistory walks the primary key, in the order of ipam.HistoryCursor.
func (t *tx) ListAllHistory(after string, limit int) ([]*ipam.HistoryRecord, error) {
	scope, cidr, id := ipam.SplitHistoryCursor(after)
	return t.history(`SELECT `+historyCols+` FROM address_history WHERE (scope_id, cidr, id) > ($1, $2, $3)
		ORDER BY scope_id, cidr, id LIMIT $4`, scope, cidr, id, limit)
}

func (t *tx) AddressHistory(q ipam.HistoryQuery) ([]*ipam.HistoryRecord, error) {
	query := `SELECT ` + historyCols + ` FROM address_history
		WHERE scope_id = $1 AND cidr = $2 AND id > $3 AND start_ns <= $4 AND (end_ns IS NULL OR end_ns >= $5)`
	args := []any{q.ScopeID, q.CIDR.String(), q.After, q.To.UnixNano(), q.From.UnixNano()}
	if q.VpcID != "" {
		args = append(args, q.VpcID)
		query += ` AND vpc_id = $6`
	}
	query += ` ORDER BY id`
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return t.history(query, args...)
}

// history reads history records.
func (t *tx) history(query string, args ...any) ([]*ipam.HistoryRecord, error) {
	var out []*ipam.HistoryRecord
	err := t.query(query, args, func(rows pgx.Rows) error {
		h := new(ipam.HistoryRecord)
		var cidr string
		var start int64
		var end *int64
		if err := rows.Scan(&h.ID, &h.IpamID, &h.ScopeID, &h.OwnerID, &h.Region, &h.ResourceType, &h.ResourceID,
			&h.VpcID, &h.Name, &cidr, &h.Compliance, &h.Overlap, &start, &end); err != nil {
			return err
		}
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return fmt.Errorf("postgres: history %s: %w", h.ID, err)
		}
		h.CIDR, h.Start = p, time.Unix(0, start).UTC()
		if end != nil {
			h.End = time.Unix(0, *end).UTC()
		}
		out = append(out, h)
		return nil
	})
	return out, err
}

func (t *tx) PruneHistory(before time.Time, limit int) (int, error) {
	n, err := t.exec(`DELETE FROM address_history WHERE (scope_id, cidr, id) IN (
		SELECT scope_id, cidr, id FROM address_history WHERE end_ns IS NOT NULL AND end_ns < $1 LIMIT $2)`, before.UnixNano(), limit)
	return int(n), err
}
