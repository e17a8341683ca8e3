package postgres

import (
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5"
)

// Pool change log: one row per (pool, version), the changes as text.

// AppendPoolChanges runs with every pool-changing transaction. For a pool
// this transaction locked, no one else can log its versions, so the insert
// cannot conflict: like UpdatePool it waits to go out with COMMIT instead
// of costing a round trip under the pool's lock.
func (t *tx) AppendPoolChanges(poolID string, version int64, changes []ipam.PoolChange) error {
	return t.deferIfLocked(poolID, "INSERT INTO pool_changes (pool_id, version, changes) VALUES ($1, $2, $3)",
		poolID, version, ipam.EncodePoolChanges(changes))
}

const poolChangesSQL = "SELECT version, changes FROM pool_changes WHERE pool_id = $1 AND version > $2 ORDER BY version"

func (t *tx) PoolChangesSince(poolID string, version int64) ([]ipam.PoolVersion, error) {
	var out []ipam.PoolVersion
	err := t.send(poolChangesSQL, []any{poolID, version}, func(qq *pgx.QueuedQuery) {
		qq.Query(func(rows pgx.Rows) error { return scanChanges(rows, &out) })
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanChanges appends the log rows of rows to out.
func scanChanges(rows pgx.Rows, out *[]ipam.PoolVersion) error {
	var v int64
	var text string
	for rows.Next() {
		if err := rows.Scan(&v, &text); err != nil {
			return err
		}
		cs, err := ipam.DecodePoolChanges(text)
		if err != nil {
			return err
		}
		*out = append(*out, ipam.PoolVersion{Version: v, Changes: cs})
	}
	return rows.Err()
}

// PrunePoolChanges cannot fail on a locked pool either, so it is deferred
// the same way.
func (t *tx) PrunePoolChanges(poolID string, below int64) error {
	return t.deferIfLocked(poolID, "DELETE FROM pool_changes WHERE pool_id = $1 AND version < $2", poolID, below)
}

func (t *tx) DeletePoolChanges(poolID string) error {
	_, err := t.exec("DELETE FROM pool_changes WHERE pool_id = $1", poolID)
	return err
}

// deferIfLocked queues a statement about a pool this transaction locked to
// go out with the next statement or COMMIT (its error, if any, fails that);
// otherwise it runs it now.
func (t *tx) deferIfLocked(poolID, sql string, args ...any) error {
	if !t.locked[poolID] || t.failed != nil {
		_, err := t.exec(sql, args...)
		return err
	}
	t.queue(sql, args...)
	return nil
}
