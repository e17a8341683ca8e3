package sqlite

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

// The bulk methods of ipam.BulkTx (export and import, internal/dump).

var _ ipam.BulkTx = (*tx)(nil)

func (t *tx) ListAllIPAMs() ([]*ipam.IPAM, error) {
	return listDocs[ipam.IPAM](t, `SELECT doc FROM ipams ORDER BY id`)
}

func (t *tx) ListAllScopes() ([]*ipam.Scope, error) {
	return listDocs[ipam.Scope](t, `SELECT doc FROM scopes ORDER BY id`)
}

// ListAllClientTokens pages in rowid order (insertion order), the table's
// own: no sort, whatever its size. The cursor is the last rowid.
func (t *tx) ListAllVPCs() ([]*ipam.VPC, error) {
	return listDocs[ipam.VPC](t, `SELECT doc FROM vpcs ORDER BY id`)
}

func (t *tx) ListAllSubnets() ([]*ipam.Subnet, error) {
	return listDocs[ipam.Subnet](t, `SELECT doc FROM subnets ORDER BY id`)
}

func (t *tx) ListAllClientTokens(after string, limit int) ([]*ipam.TokenRecord, string, error) {
	var from int64
	if after != "" {
		var err error
		if from, err = strconv.ParseInt(after, 10, 64); err != nil {
			return nil, "", err
		}
	}
	rows, err := t.query(`SELECT rowid, owner, action, token, params_hash, result FROM client_tokens
		WHERE rowid > ? ORDER BY rowid LIMIT ?`, from, limit)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*ipam.TokenRecord
	for rows.Next() {
		r := &ipam.TokenRecord{}
		if err := rows.Scan(&from, &r.OwnerID, &r.Action, &r.Token, &r.ParamsHash, &r.Result); err != nil {
			return nil, "", mapErr(err)
		}
		r.Result = ipam.NilIfEmpty(r.Result)
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, "", mapErr(rows.Err())
	}
	return out, strconv.FormatInt(from, 10), mapErr(rows.Err())
}

// InsertAllocations runs InsertAllocation per row: in process each costs no
// round trip, and each keeps its overlap check. During a load (BeginLoad)
// the rows go in many to an INSERT, and FinishLoad checks them.
func (t *tx) InsertAllocations(as []*ipam.Allocation) error {
	if t.load != nil {
		return t.loadAllocations(as)
	}
	for _, a := range as {
		if err := t.InsertAllocation(a); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) PutClientTokens(recs []*ipam.TokenRecord) error {
	if t.load != nil {
		return t.loadTokens(recs)
	}
	for _, r := range recs {
		if err := t.PutClientToken(r); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) Empty() (bool, error) {
	var found int
	err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM ipams) OR EXISTS (SELECT 1 FROM scopes) OR EXISTS (SELECT 1 FROM pools)
		OR EXISTS (SELECT 1 FROM pool_cidrs) OR EXISTS (SELECT 1 FROM allocations) OR EXISTS (SELECT 1 FROM client_tokens)
		OR EXISTS (SELECT 1 FROM vpcs) OR EXISTS (SELECT 1 FROM subnets)`).Scan(&found)
	return found == 0, mapErr(err)
}

// loadState is a load of an empty store in progress (BeginLoad): rows go in
// by multi-row INSERTs without the per-row overlap probe and token lookup,
// into tables stripped of their secondary indexes, and FinishLoad builds
// the indexes again (one sort each) and checks the loaded rows at once.
type loadState struct {
	indexes []string // CREATE INDEX statements of the dropped indexes
}

// loadRows is how many rows one multi-row INSERT of a load carries (its
// parameters stay far below SQLite's limit of 32,766).
const loadRows = 200

// BeginLoad drops the secondary indexes of allocations and client_tokens,
// keeping their definitions from sqlite_schema, inside the transaction: a
// load that fails rolls the drop back with the rows. The primary key and
// the unique (pool_id, addr, bits) index stay: the first is the table's
// own, the second is what FinishLoad's overlap pass reads in order.
func (t *tx) BeginLoad() error {
	if t.load != nil {
		return errors.New("sqlite: BeginLoad twice")
	}
	rows, err := t.query(`SELECT name, sql FROM sqlite_schema
		WHERE type = 'index' AND tbl_name IN ('allocations', 'client_tokens') AND sql IS NOT NULL
			AND name <> 'allocations_pool_addr'
		ORDER BY name`)
	if err != nil {
		return err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return mapErr(err)
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return mapErr(err)
	}
	for _, n := range names {
		if _, err := t.tx.ExecContext(t.ctx, `DROP INDEX "`+strings.ReplaceAll(n, `"`, `""`)+`"`); err != nil {
			return mapErr(err)
		}
	}
	t.load = &loadState{indexes: defs}
	return nil
}

// FinishLoad builds the dropped indexes, then checks what the load skipped:
// that no two allocations of a pool overlap (one pass in (pool_id, addr,
// bits) order: two allocations overlap only if two neighbours do) and that
// no client token was loaded twice (one pass over the key index).
func (t *tx) FinishLoad() error {
	l := t.load
	if l == nil {
		return errors.New("sqlite: FinishLoad without BeginLoad")
	}
	// An index build sorts in memory up to the page cache's size, and its
	// sorted runs are in memory too (temp_store=memory): a smaller cache
	// while they run keeps the peak well below the load's own.
	if _, err := t.tx.ExecContext(t.ctx, `PRAGMA cache_size = -16384`); err != nil {
		return mapErr(err)
	}
	for _, def := range l.indexes {
		if _, err := t.tx.ExecContext(t.ctx, def); err != nil {
			return mapErr(err)
		}
	}
	if _, err := t.tx.ExecContext(t.ctx, `PRAGMA cache_size = `+strconv.Itoa(writerCacheSize)); err != nil {
		return mapErr(err)
	}
	if err := t.checkLoadedAllocations(); err != nil {
		return err
	}
	if err := t.checkLoadedTokens(); err != nil {
		return err
	}
	t.load = nil
	return nil
}

func (t *tx) checkLoadedAllocations() error {
	rows, err := t.query(`SELECT pool_id, addr, bits FROM allocations ORDER BY pool_id, addr, bits`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var pool, prevPool, addr, prevAddr, prevLast []byte
	var bits, prevBits int
	for rows.Next() {
		if err := rows.Scan((*sql.RawBytes)(&pool), (*sql.RawBytes)(&addr), &bits); err != nil {
			return mapErr(err)
		}
		if bytes.Equal(pool, prevPool) && len(addr) == len(prevLast) && bytes.Compare(addr, prevLast) <= 0 {
			p := string(pool)
			a, b := bytes.Clone(prevAddr), bytes.Clone(addr)
			rows.Close()
			return t.overlapError(p, a, prevBits, b, bits)
		}
		prevPool = append(prevPool[:0], pool...)
		prevAddr = append(prevAddr[:0], addr...)
		prevBits = bits
		if len(addr) == 4 || len(addr) == 16 {
			prevLast = lastAddr(addr, bits)
		} else {
			prevLast = nil
		}
	}
	return mapErr(rows.Err())
}

// overlapError names the two overlapping allocations of a load.
func (t *tx) overlapError(pool string, a []byte, abits int, b []byte, bbits int) error {
	var ida, idb string
	q := `SELECT id FROM allocations WHERE pool_id = ? AND addr = ? AND bits = ?`
	if err := t.queryRow(q, pool, a, abits).Scan(&ida); err != nil {
		return mapErr(err)
	}
	if err := t.queryRow(q, pool, b, bbits).Scan(&idb); err != nil {
		return mapErr(err)
	}
	pa, _ := netip.AddrFromSlice(a)
	pb, _ := netip.AddrFromSlice(b)
	return fmt.Errorf("%w: allocation %s (%s) overlaps allocation %s (%s) in pool %s", ipam.ErrConflict,
		idb, netip.PrefixFrom(pb, bbits), ida, netip.PrefixFrom(pa, abits), pool)
}

func (t *tx) checkLoadedTokens() error {
	var owner, action, token string
	err := t.queryRow(`SELECT c.owner, c.action, c.token FROM client_tokens c
		WHERE c.key IN (SELECT key FROM client_tokens GROUP BY key HAVING count(*) > 1)
		GROUP BY c.owner, c.action, c.token HAVING count(*) > 1 LIMIT 1`).Scan(&owner, &action, &token)
	switch {
	case err == nil:
		return fmt.Errorf("%w: client token %s of %s (%s) is loaded twice", ipam.ErrConflict, token, owner, action)
	case errors.Is(err, sql.ErrNoRows):
		return nil
	}
	return mapErr(err)
}

// loadAllocations inserts as by INSERTs of up to loadRows rows each, with
// no overlap probe (FinishLoad checks).
func (t *tx) loadAllocations(as []*ipam.Allocation) error {
	for len(as) > 0 {
		n := min(len(as), loadRows)
		args := make([]any, 0, 11*n)
		for _, a := range as[:n] {
			p := a.CIDR.Masked()
			if !p.IsValid() {
				return fmt.Errorf("sqlite: allocation %s: invalid CIDR %v", a.ID, a.CIDR)
			}
			tags, err := encodeTags(a.Tags)
			if err != nil {
				return err
			}
			args = append(args, a.ID, a.PoolID, a.OwnerID, p.Addr().AsSlice(), p.Bits(), a.ResourceID, a.ResourceType,
				a.ResourceRegion, a.ResourceOwner, a.Description, tags)
		}
		if err := t.execLoad(multiInsert(`INSERT INTO allocations (`+allocCols+`) VALUES `, 11, n), n, args); err != nil {
			return err
		}
		as = as[n:]
	}
	return nil
}

// loadTokens inserts recs by INSERTs of up to loadRows rows each, with no
// lookup of an existing token (FinishLoad checks).
func (t *tx) loadTokens(recs []*ipam.TokenRecord) error {
	now := time.Now().Unix()
	for len(recs) > 0 {
		n := min(len(recs), loadRows)
		args := make([]any, 0, 7*n)
		for _, r := range recs[:n] {
			args = append(args, tokenKey(r.OwnerID, r.Action, r.Token), r.OwnerID, r.Action, r.Token, r.ParamsHash, r.Result, now)
		}
		if err := t.execLoad(multiInsert(`INSERT INTO client_tokens (key, owner, action, token, params_hash, result, created_at) VALUES `, 7, n), n, args); err != nil {
			return err
		}
		recs = recs[n:]
	}
	return nil
}

// execLoad runs a multi-row INSERT of n rows: prepared once per
// transaction when full, unprepared for the last rows of a batch (their
// count varies; none is worth keeping).
func (t *tx) execLoad(query string, n int, args []any) error {
	if n == loadRows {
		_, err := t.exec(query, args...)
		return err
	}
	_, err := t.tx.ExecContext(t.ctx, query, args...)
	return mapErr(err)
}

// multiInsert is head followed by n groups of cols placeholders.
func multiInsert(head string, cols, n int) string {
	group := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return head + strings.TrimSuffix(strings.Repeat(group+", ", n), ", ")
}
