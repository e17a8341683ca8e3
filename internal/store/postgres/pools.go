package postgres

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func (t *tx) InsertPool(p *ipam.Pool) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return t.insert("pool", p.ID,
		"INSERT INTO pools (id, owner, ipam_id, scope_id, doc) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
		p.ID, p.OwnerID, p.IpamID, p.ScopeID, doc)
}

// UpdatePool is one statement, run on every allocation (Version). On a pool
// this transaction locked it cannot miss its row, so it waits to go out
// with the next statement or COMMIT: the round trip it saves is one the
// pool's other writers would wait through.
func (t *tx) UpdatePool(p *ipam.Pool) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	const sql = "UPDATE pools SET owner = $2, ipam_id = $3, scope_id = $4, doc = $5 WHERE id = $1"
	if !t.locked[p.ID] || t.failed != nil {
		return t.execOne("pool", p.ID, sql, p.ID, p.OwnerID, p.IpamID, p.ScopeID, doc)
	}
	id := p.ID
	t.queue(sql, p.ID, p.OwnerID, p.IpamID, p.ScopeID, doc).Exec(func(tag pgconn.CommandTag) error {
		if tag.RowsAffected() == 0 { // cannot happen while the lock holds
			return fmt.Errorf("pool %s: %w", id, ipam.ErrNotFound)
		}
		return nil
	})
	return nil
}

func (t *tx) DeletePool(id string) error {
	delete(t.locked, id)
	return t.execOne("pool", id, "DELETE FROM pools WHERE id = $1", id)
}

func (t *tx) GetPool(owner, id string) (*ipam.Pool, error) {
	p := new(ipam.Pool)
	if err := t.getDoc("pool", id, p, "SELECT doc FROM pools WHERE id = $1 AND owner = $2", id, owner); err != nil {
		return nil, err
	}
	return p, nil
}

func (t *tx) CountPools(owner, scopeID string) (int, error) {
	var n int
	err := t.queryRow("SELECT count(*) FROM pools WHERE owner = $1 AND scope_id = $2", []any{owner, scopeID}, &n)
	return n, err
}

const lockPoolSQL = "SELECT doc FROM pools WHERE id = $1 AND owner = $2 FOR UPDATE"

// LockPool takes the pool's row lock: writers of one pool, on any node,
// queue here until the holder's transaction ends.
func (t *tx) LockPool(owner, id string) (*ipam.Pool, error) {
	p := new(ipam.Pool)
	if err := t.getDoc("pool", id, p, lockPoolSQL, id, owner); err != nil {
		return nil, err
	}
	t.markLocked(id)
	return p, nil
}

// LockPoolChanges sends the lock and the change-log read in one pipeline.
// The read runs once the lock is granted, and READ COMMITTED gives each
// statement a fresh snapshot, so it sees every version up to the locked
// row's. (For another owner's pool the lock finds no row and the read's
// rows are discarded.)
func (t *tx) LockPoolChanges(owner, id string, since int64) (*ipam.Pool, []ipam.PoolVersion, error) {
	if since < 0 {
		p, err := t.LockPool(owner, id)
		return p, nil, err
	}
	var doc []byte
	var log []ipam.PoolVersion
	err := t.sendAll(func(b *pgx.Batch) {
		b.Queue(lockPoolSQL, id, owner).QueryRow(func(row pgx.Row) error { return row.Scan(&doc) })
		b.Queue(poolChangesSQL, id, since).Query(func(rows pgx.Rows) error { return scanChanges(rows, &log) })
	})
	if err != nil {
		return nil, nil, fmt.Errorf("pool %s: %w", id, err)
	}
	p := new(ipam.Pool)
	if err := decodeDoc(doc, p); err != nil {
		return nil, nil, err
	}
	t.markLocked(id)
	return p, log, nil
}

// LockPoolsChanges sends every lock and change-log read, then the reads,
// in one pipeline, in the order given. A pool or VPC not found (no row,
// not a server error) leaves the transaction going, so the others'
// answers stand.
func (t *tx) LockPoolsChanges(reqs []ipam.PoolLock, reads []ipam.SubnetRead) ([]ipam.PoolLocked, []ipam.SubnetReadResult, error) {
	docs := make([][]byte, len(reqs))
	out := make([]ipam.PoolLocked, len(reqs))
	qs := make([]subnetContextQuery, len(reads))
	err := t.sendAll(func(b *pgx.Batch) {
		for i, r := range reqs {
			b.Queue(lockPoolSQL, r.ID, r.Owner).QueryRow(func(row pgx.Row) error {
				if err := row.Scan(&docs[i]); err != nil {
					if !errors.Is(err, pgx.ErrNoRows) {
						return err
					}
					out[i].Err = fmt.Errorf("pool %s: %w", r.ID, ipam.ErrNotFound)
				}
				return nil
			})
			if r.Since >= 0 {
				b.Queue(poolChangesSQL, r.ID, r.Since).Query(func(rows pgx.Rows) error { return scanChanges(rows, &out[i].Log) })
			}
		}
		for i, r := range reads {
			qs[i].queue(b, r)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	for i, r := range reqs {
		if out[i].Err != nil {
			out[i].Log = nil
			continue
		}
		p := new(ipam.Pool)
		if err := decodeDoc(docs[i], p); err != nil {
			return nil, nil, err
		}
		out[i].Pool = p
		t.markLocked(r.ID)
	}
	got := make([]ipam.SubnetReadResult, len(reads))
	for i, r := range reads {
		if got[i] = qs[i].result(r.VpcID); got[i].Err != nil && !errors.Is(got[i].Err, ipam.ErrNotFound) {
			return nil, nil, got[i].Err
		}
	}
	return out, got, nil
}

func (t *tx) markLocked(id string) {
	if t.locked == nil {
		t.locked = map[string]bool{}
	}
	t.locked[id] = true
}

func (t *tx) ListPools(owner string) ([]*ipam.Pool, error) {
	return listDocs[ipam.Pool](t, "SELECT doc FROM pools WHERE owner = $1 ORDER BY id", owner)
}

func (t *tx) ListAllPools() ([]*ipam.Pool, error) {
	return listDocs[ipam.Pool](t, "SELECT doc FROM pools ORDER BY id")
}

// InsertPoolCIDR keeps c.Seq if set; otherwise it takes the next value of a
// sequence shared by all nodes and sets c.Seq.
func (t *tx) InsertPoolCIDR(c *ipam.PoolCIDR) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var seq int64
	err = t.queryRow(`INSERT INTO pool_cidrs (id, pool_id, seq, doc)
		VALUES ($1, $2, COALESCE(NULLIF($3::bigint, 0), nextval('pool_cidrs_seq')), $4)
		ON CONFLICT DO NOTHING RETURNING seq`,
		[]any{c.ID, c.PoolID, c.Seq, doc}, &seq)
	if isNotFound(err) {
		// No row back: the id exists.
		return conflictf("pool cidr %s", c.ID)
	}
	if err != nil {
		return err
	}
	c.Seq = seq
	return nil
}

// UpdatePoolCIDR keeps the row's Seq: creation order does not change.
func (t *tx) UpdatePoolCIDR(c *ipam.PoolCIDR) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return t.execOne("pool cidr", c.ID, "UPDATE pool_cidrs SET pool_id = $2, doc = $3 WHERE id = $1", c.ID, c.PoolID, doc)
}

func (t *tx) DeletePoolCIDRs(poolID string) error {
	_, err := t.exec("DELETE FROM pool_cidrs WHERE pool_id = $1", poolID)
	return err
}

func (t *tx) ListPoolCIDRs(poolID string) ([]*ipam.PoolCIDR, error) {
	var out []*ipam.PoolCIDR
	var seq int64
	var doc []byte
	err := t.query("SELECT seq, doc FROM pool_cidrs WHERE pool_id = $1 ORDER BY seq, id", []any{poolID},
		func(rows pgx.Rows) error {
			if err := rows.Scan(&seq, &doc); err != nil {
				return err
			}
			c := new(ipam.PoolCIDR)
			if err := json.Unmarshal(doc, c); err != nil {
				return err
			}
			c.Seq = seq // the column is the truth when the sequence assigned it
			out = append(out, c)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}
