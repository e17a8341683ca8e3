package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ipamd/ipamd/internal/ipam"
)

// IPAMs, scopes, pools and pool CIDRs are stored as the JSON of their domain
// struct. Empty slices read back as nil, whatever was written.

func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode %T: %w", v, err)
	}
	return b, nil
}

func (t *tx) getDoc(dst any, kind, id, query string, args ...any) error {
	var doc []byte
	if err := t.queryRow(query, args...).Scan(&doc); err != nil {
		return scanErr(err, kind, id)
	}
	if err := json.Unmarshal(doc, dst); err != nil {
		return fmt.Errorf("sqlite: decode %s %s: %w", kind, id, err)
	}
	return nil
}

func listDocs[T any](t *tx, query string, args ...any) ([]*T, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	return scanDocs[T](rows)
}

// listDocsOnce is listDocs for a query of a shape seldom run again (an IN
// list of one length): it is not kept prepared.
func listDocsOnce[T any](t *tx, query string, args ...any) ([]*T, error) {
	rows, err := t.queryOnce(query, args...)
	if err != nil {
		return nil, err
	}
	return scanDocs[T](rows)
}

func scanDocs[T any](rows *sql.Rows) ([]*T, error) {
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, mapErr(err)
		}
		v := new(T)
		if err := json.Unmarshal(doc, v); err != nil {
			return nil, fmt.Errorf("sqlite: decode %T: %w", v, err)
		}
		ipam.ClearEmpty(v)
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

// IPAMs.

func (t *tx) InsertIPAM(i *ipam.IPAM) error {
	doc, err := marshal(i)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO ipams (id, owner, doc) VALUES (?, ?, ?)`, i.ID, i.OwnerID, doc)
	return err
}

func (t *tx) UpdateIPAM(i *ipam.IPAM) error {
	doc, err := marshal(i)
	if err != nil {
		return err
	}
	return t.execOne("ipam", i.ID, `UPDATE ipams SET doc = ? WHERE id = ?`, doc, i.ID)
}

func (t *tx) DeleteIPAM(id string) error {
	return t.execOne("ipam", id, `DELETE FROM ipams WHERE id = ?`, id)
}

func (t *tx) GetIPAM(owner, id string) (*ipam.IPAM, error) {
	i := new(ipam.IPAM)
	if err := t.getDoc(i, "ipam", id, `SELECT doc FROM ipams WHERE id = ? AND owner = ?`, id, owner); err != nil {
		return nil, err
	}
	ipam.ClearEmpty(i)
	return i, nil
}

func (t *tx) ListIPAMs(owner string) ([]*ipam.IPAM, error) {
	return listDocs[ipam.IPAM](t, `SELECT doc FROM ipams WHERE owner = ? ORDER BY id`, owner)
}

// Scopes.

func (t *tx) InsertScope(s *ipam.Scope) error {
	doc, err := marshal(s)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO scopes (id, owner, ipam_id, doc) VALUES (?, ?, ?, ?)`, s.ID, s.OwnerID, s.IpamID, doc)
	return err
}

func (t *tx) UpdateScope(s *ipam.Scope) error {
	doc, err := marshal(s)
	if err != nil {
		return err
	}
	return t.execOne("scope", s.ID, `UPDATE scopes SET doc = ? WHERE id = ?`, doc, s.ID)
}

func (t *tx) DeleteScope(id string) error {
	return t.execOne("scope", id, `DELETE FROM scopes WHERE id = ?`, id)
}

func (t *tx) GetScope(owner, id string) (*ipam.Scope, error) {
	s := new(ipam.Scope)
	if err := t.getDoc(s, "scope", id, `SELECT doc FROM scopes WHERE id = ? AND owner = ?`, id, owner); err != nil {
		return nil, err
	}
	ipam.ClearEmpty(s)
	return s, nil
}

func (t *tx) ListScopes(owner string) ([]*ipam.Scope, error) {
	return listDocs[ipam.Scope](t, `SELECT doc FROM scopes WHERE owner = ? ORDER BY id`, owner)
}

// Pools.

func (t *tx) InsertPool(p *ipam.Pool) error {
	doc, err := marshal(p)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO pools (id, owner, ipam_id, scope_id, doc) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.OwnerID, p.IpamID, p.ScopeID, doc)
	return err
}

// UpdatePool rewrites the document only: a pool's owner, IPAM and scope
// never change, and SQLite rewrites the index entries of every column an
// UPDATE sets, changed or not (three pages per allocation).
func (t *tx) UpdatePool(p *ipam.Pool) error {
	doc, err := marshal(p)
	if err != nil {
		return err
	}
	return t.execOne("pool", p.ID, `UPDATE pools SET doc = ? WHERE id = ?`, doc, p.ID)
}

func (t *tx) DeletePool(id string) error {
	return t.execOne("pool", id, `DELETE FROM pools WHERE id = ?`, id)
}

func (t *tx) GetPool(owner, id string) (*ipam.Pool, error) {
	p := new(ipam.Pool)
	if err := t.getDoc(p, "pool", id, `SELECT doc FROM pools WHERE id = ? AND owner = ?`, id, owner); err != nil {
		return nil, err
	}
	ipam.ClearEmpty(p)
	return p, nil
}

// LockPool is GetPool: an Update already holds SQLite's only write lock, so
// no other writer can change the pool before the transaction ends.
func (t *tx) LockPool(owner, id string) (*ipam.Pool, error) { return t.GetPool(owner, id) }

func (t *tx) LockPoolChanges(owner, id string, since int64) (*ipam.Pool, []ipam.PoolVersion, error) {
	p, err := t.LockPool(owner, id)
	if err != nil || since < 0 {
		return p, nil, err
	}
	log, err := t.PoolChangesSince(id, since)
	if err != nil {
		return nil, nil, err
	}
	return p, log, nil
}

func (t *tx) LockPoolsChanges(reqs []ipam.PoolLock, reads []ipam.SubnetRead) ([]ipam.PoolLocked, []ipam.SubnetReadResult, error) {
	out := make([]ipam.PoolLocked, len(reqs))
	for i, r := range reqs {
		p, log, err := t.LockPoolChanges(r.Owner, r.ID, r.Since)
		if err != nil && !errors.Is(err, ipam.ErrNotFound) {
			return nil, nil, err
		}
		out[i] = ipam.PoolLocked{Pool: p, Log: log, Err: err}
	}
	got := make([]ipam.SubnetReadResult, len(reads))
	for i, r := range reads {
		var err error
		if got[i], err = t.subnetContext(r); err != nil {
			return nil, nil, err
		}
	}
	return out, got, nil
}

func (t *tx) ListPools(owner string) ([]*ipam.Pool, error) {
	return listDocs[ipam.Pool](t, `SELECT doc FROM pools WHERE owner = ? ORDER BY id`, owner)
}

func (t *tx) ListAllPools() ([]*ipam.Pool, error) {
	return listDocs[ipam.Pool](t, `SELECT doc FROM pools ORDER BY id`)
}

func (t *tx) CountPools(owner, scopeID string) (int, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM pools WHERE scope_id = ? AND owner = ?`, scopeID, owner).Scan(&n)
	return n, mapErr(err)
}

// Pool CIDRs.

func (t *tx) InsertPoolCIDR(c *ipam.PoolCIDR) error {
	doc, err := marshal(c)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO pool_cidrs (id, pool_id, seq, doc) VALUES (?, ?, ?, ?)`, c.ID, c.PoolID, c.Seq, doc)
	return err
}

func (t *tx) UpdatePoolCIDR(c *ipam.PoolCIDR) error {
	doc, err := marshal(c)
	if err != nil {
		return err
	}
	return t.execOne("pool cidr", c.ID, `UPDATE pool_cidrs SET pool_id = ?, seq = ?, doc = ? WHERE id = ?`,
		c.PoolID, c.Seq, doc, c.ID)
}

func (t *tx) DeletePoolCIDRs(poolID string) error {
	_, err := t.exec(`DELETE FROM pool_cidrs WHERE pool_id = ?`, poolID)
	return err
}

func (t *tx) ListPoolCIDRs(poolID string) ([]*ipam.PoolCIDR, error) {
	return listDocs[ipam.PoolCIDR](t, `SELECT doc FROM pool_cidrs WHERE pool_id = ? ORDER BY seq, id`, poolID)
}
