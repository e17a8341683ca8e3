package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ipamd/ipamd/internal/cidr"
	"github.com/ipamd/ipamd/internal/ipam"
)

// The bulk methods of ipam.BulkTx (export and import, internal/dump).

var _ ipam.BulkTx = (*tx)(nil)

func (t *tx) ListAllIPAMs() ([]*ipam.IPAM, error) {
	return listDocs[ipam.IPAM](t, "SELECT doc FROM ipams ORDER BY id")
}

func (t *tx) ListAllScopes() ([]*ipam.Scope, error) {
	return listDocs[ipam.Scope](t, "SELECT doc FROM scopes ORDER BY id")
}

// ListAllClientTokens pages in primary-key order; the cursor is the last
// key, [owner, action, token], as JSON.
func (t *tx) ListAllVPCs() ([]*ipam.VPC, error) {
	return listDocs[ipam.VPC](t, "SELECT doc FROM vpcs ORDER BY id")
}

func (t *tx) ListAllSubnets() ([]*ipam.Subnet, error) {
	return listDocs[ipam.Subnet](t, "SELECT doc FROM subnets ORDER BY id")
}

func (t *tx) ListAllClientTokens(after string, limit int) ([]*ipam.TokenRecord, string, error) {
	var key [3]string
	if after != "" {
		if err := json.Unmarshal([]byte(after), &key); err != nil {
			return nil, "", err
		}
	}
	var out []*ipam.TokenRecord
	err := t.query(`SELECT owner, action, token, params_hash, result FROM client_tokens
		WHERE (owner, action, token) > ($1, $2, $3) ORDER BY owner, action, token LIMIT $4`,
		[]any{key[0], key[1], key[2], limit}, func(rows pgx.Rows) error {
			r := &ipam.TokenRecord{}
			if err := rows.Scan(&r.OwnerID, &r.Action, &r.Token, &r.ParamsHash, &r.Result); err != nil {
				return err
			}
			r.Result = ipam.NilIfEmpty(r.Result)
			out = append(out, r)
			return nil
		})
	if err != nil || len(out) == 0 {
		return nil, "", err
	}
	last := out[len(out)-1]
	cur, err := json.Marshal([3]string{last.OwnerID, last.Action, last.Token})
	return out, string(cur), err
}

// InsertAllocations sends the rows as one INSERT ... unnest (pendingRows),
// now: the exclusion constraint and the primary key refuse an overlap or a
// duplicate, which fails the transaction. During a load (BeginLoad) they go
// by COPY and FinishLoad checks them.
func (t *tx) InsertAllocations(as []*ipam.Allocation) error {
	if t.load != nil {
		return t.copyAllocations(as)
	}
	for _, a := range as {
		net := a.CIDR.Masked()
		tags, err := tagsJSON(a.Tags)
		if err != nil {
			return err
		}
		t.rows.allocs.add(a.ID, a.PoolID, a.OwnerID, net, a.ResourceID, a.ResourceType, a.ResourceRegion, a.ResourceOwner, a.Description, tags)
	}
	return t.sendAll(func(*pgx.Batch) {})
}

// PutClientTokens sends the rows as one INSERT ... unnest, now; during a
// load, by COPY.
func (t *tx) PutClientTokens(recs []*ipam.TokenRecord) error {
	if t.load != nil {
		return t.copyClientTokens(recs)
	}
	for _, r := range recs {
		t.rows.tokens.add(r.OwnerID, r.Action, r.Token, r.ParamsHash, r.Result)
	}
	return t.sendAll(func(*pgx.Batch) {})
}

func (t *tx) Empty() (bool, error) {
	var found bool
	err := t.queryRow(`SELECT EXISTS (SELECT FROM ipams) OR EXISTS (SELECT FROM scopes) OR EXISTS (SELECT FROM pools)
		OR EXISTS (SELECT FROM pool_cidrs) OR EXISTS (SELECT FROM allocations) OR EXISTS (SELECT FROM client_tokens)
		OR EXISTS (SELECT FROM vpcs) OR EXISTS (SELECT FROM subnets)`, nil, &found)
	return !found, err
}

// loadTables are the tables a load fills by COPY, without their indexes and
// constraints until FinishLoad.
var loadTables = []string{"allocations", "client_tokens"}

// loadState is a load of an empty store in progress (BeginLoad): the rows
// go in by COPY into allocations and client_tokens stripped of their
// indexes, unique and exclusion constraints, and FinishLoad builds them
// again, each build checking every row at once (one sort per B-tree, one
// SP-GiST or GiST build per exclusion constraint, which then checks every
// row against the index) instead of maintaining them row by row.
type loadState struct {
	indexes    []string // CREATE INDEX / ADD CONSTRAINT statements: B-trees, unique and primary keys
	exclusions []string // ADD CONSTRAINT ... EXCLUDE statements, built last

	// Monitoring rows wait here for a COPY of loadPage rows (their tables
	// keep their indexes: a dump holds few of them next to its
	// allocations, but one INSERT each made much history slow to load).
	resourceCIDRs, history [][]any
}

// loadPage is how many monitoring rows of a kind a load sends per COPY.
const loadPage = 5000

// copyLater adds a row to *rows, sending the monitoring rows by COPY once
// it holds loadPage of them.
func (t *tx) copyLater(rows *[][]any, row []any) error {
	if *rows = append(*rows, row); len(*rows) < loadPage {
		return nil
	}
	return t.flushCopies()
}

// flushCopies sends the monitoring rows a load holds.
func (t *tx) flushCopies() error {
	l := t.load
	for _, c := range []struct {
		table string
		cols  []string
		rows  *[][]any
	}{
		{"resource_cidrs", resourceCIDRCopyCols, &l.resourceCIDRs},
		{"address_history", historyCopyCols, &l.history},
	} {
		if len(*c.rows) == 0 {
			continue
		}
		if err := t.copyFrom(c.table, c.cols, *c.rows); err != nil {
			return withDetail(err)
		}
		*c.rows = (*c.rows)[:0]
	}
	return nil
}

// The columns of PutResourceCIDR's and InsertHistory's rows, in order.
var (
	resourceCIDRCopyCols = append(splitCols(resourceCIDRCols), "rkey", "family", "lo", "hi")
	historyCopyCols      = splitCols(historyCols)
)

func splitCols(list string) []string {
	var cols []string
	for _, c := range strings.Split(list, ",") {
		cols = append(cols, strings.TrimSpace(c))
	}
	return cols
}

// BeginLoad drops the indexes and constraints of the tables a load fills,
// remembering their definitions as the catalog holds them (whatever the
// migrations made), inside the transaction: a load that fails rolls the
// drop back with the rows. The tables stay locked (ACCESS EXCLUSIVE) until
// the transaction ends: servers on the same database wait for the import.
func (t *tx) BeginLoad() error {
	if t.load != nil {
		return errors.New("postgres: BeginLoad twice")
	}
	type def struct{ table, name, kind, sql string }
	var defs []def
	err := t.query(`SELECT c.conrelid::regclass::text, c.conname, c.contype::text, pg_get_constraintdef(c.oid)
		FROM pg_constraint c
		WHERE c.conrelid = ANY($1::text[]::regclass[]) AND c.contype IN ('p', 'u', 'x')
		UNION ALL
		SELECT i.indrelid::regclass::text, ci.relname, 'i', pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
		WHERE i.indrelid = ANY($1::text[]::regclass[])
			AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid)
		ORDER BY 1, 2`, []any{loadTables}, func(rows pgx.Rows) error {
		var d def
		if err := rows.Scan(&d.table, &d.name, &d.kind, &d.sql); err != nil {
			return err
		}
		defs = append(defs, d)
		return nil
	})
	if err != nil {
		return err
	}
	l := &loadState{}
	var drops []string
	for _, d := range defs {
		name := pgx.Identifier{d.name}.Sanitize()
		switch d.kind {
		case "i":
			drops = append(drops, "DROP INDEX "+name)
			l.indexes = append(l.indexes, d.sql)
		default:
			table := pgx.Identifier{d.table}.Sanitize()
			drops = append(drops, "ALTER TABLE "+table+" DROP CONSTRAINT "+name)
			add := "ALTER TABLE " + table + " ADD CONSTRAINT " + name + " " + d.sql
			if d.kind == "x" {
				l.exclusions = append(l.exclusions, add)
			} else {
				l.indexes = append(l.indexes, add)
			}
		}
	}
	// Primary and unique keys before the plain indexes, whatever the names.
	sort.SliceStable(l.indexes, func(i, j int) bool {
		return strings.HasPrefix(l.indexes[i], "ALTER") && !strings.HasPrefix(l.indexes[j], "ALTER")
	})
	if err := t.sendAll(func(b *pgx.Batch) {
		for _, d := range drops {
			b.Queue(d)
		}
	}); err != nil {
		return err
	}
	t.load = l
	return nil
}

// FinishLoad builds the indexes and constraints BeginLoad dropped. Before
// the exclusion constraints it looks for an overlap itself, in one ordered
// pass per pool (two allocations of a pool overlap only if two neighbours
// in address order do), to name both allocations in the refusal; the
// constraints then check every row again as they are built.
func (t *tx) FinishLoad() error {
	l := t.load
	if l == nil {
		return errors.New("postgres: FinishLoad without BeginLoad")
	}
	if err := t.flushCopies(); err != nil {
		return err
	}
	err := t.sendAll(func(b *pgx.Batch) {
		// Index builds sort in memory up to this much (the server's, for
		// this transaction only).
		b.Queue("SET LOCAL maintenance_work_mem = '256MB'")
		for _, s := range l.indexes {
			b.Queue(s)
		}
	})
	if err != nil {
		return withDetail(err)
	}
	var id, other, pool string
	var net, otherNet netip.Prefix
	err = t.queryRow(`SELECT pool_id, id, cidr, prev_id, prev_cidr FROM (
			SELECT pool_id, id, cidr, addr,
				lag(id) OVER w AS prev_id, lag(cidr) OVER w AS prev_cidr, lag(last) OVER w AS prev_last
			FROM allocations WINDOW w AS (PARTITION BY pool_id ORDER BY addr, bits)
		) s
		WHERE length(prev_last) = length(addr) AND prev_last >= addr
		LIMIT 1`, nil, &pool, &id, &net, &other, &otherNet)
	switch {
	case err == nil:
		return fmt.Errorf("%w: allocation %s (%s) overlaps allocation %s (%s) in pool %s",
			ipam.ErrConflict, id, net, other, otherNet, pool)
	case !errors.Is(err, ipam.ErrNotFound):
		return err
	}
	if err := t.sendAll(func(b *pgx.Batch) {
		for _, s := range l.exclusions {
			b.Queue(s)
		}
	}); err != nil {
		return withDetail(err)
	}
	t.load = nil
	return nil
}

// withDetail adds the server's DETAIL (which row a unique or exclusion
// constraint refused) to err's text.
func withDetail(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Detail != "" {
		return fmt.Errorf("%w (%s)", err, pgErr.Detail)
	}
	return err
}

// copyFrom sends rows into table by COPY, after whatever waits to go out.
func (t *tx) copyFrom(table string, cols []string, rows [][]any) error {
	if err := t.sendAll(func(*pgx.Batch) {}); err != nil {
		return err
	}
	_, err := t.conn.CopyFrom(t.ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	return t.note(err)
}

func (t *tx) copyAllocations(as []*ipam.Allocation) error {
	rows := make([][]any, len(as))
	for i, a := range as {
		net := a.CIDR.Masked()
		tags, err := tagsJSON(a.Tags)
		if err != nil {
			return err
		}
		rows[i] = []any{a.ID, a.PoolID, a.OwnerID, net, net.Addr().AsSlice(), cidr.LastAddr(net).AsSlice(), int32(net.Bits()),
			a.ResourceID, a.ResourceType, a.ResourceRegion, a.ResourceOwner, a.Description, tags}
	}
	return t.copyFrom("allocations", []string{"id", "pool_id", "owner", "cidr", "addr", "last", "bits",
		"resource_id", "resource_type", "resource_region", "resource_owner", "description", "tags"}, rows)
}

func (t *tx) copyClientTokens(recs []*ipam.TokenRecord) error {
	rows := make([][]any, len(recs))
	for i, r := range recs {
		rows[i] = []any{r.OwnerID, r.Action, r.Token, r.ParamsHash, r.Result}
	}
	return t.copyFrom("client_tokens", []string{"owner", "action", "token", "params_hash", "result"}, rows)
}
