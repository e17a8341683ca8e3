package sqlite

import "github.com/ipamd/ipamd/internal/ipam"

// Pool change log: one row per (pool, version), the changes as text.

func (t *tx) AppendPoolChanges(poolID string, version int64, changes []ipam.PoolChange) error {
	_, err := t.exec(`INSERT INTO pool_changes (pool_id, version, changes) VALUES (?, ?, ?)`,
		poolID, version, ipam.EncodePoolChanges(changes))
	return err
}

func (t *tx) PoolChangesSince(poolID string, version int64) ([]ipam.PoolVersion, error) {
	rows, err := t.query(`SELECT version, changes FROM pool_changes WHERE pool_id = ? AND version > ? ORDER BY version`,
		poolID, version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ipam.PoolVersion
	for rows.Next() {
		var v ipam.PoolVersion
		var text string
		if err := rows.Scan(&v.Version, &text); err != nil {
			return nil, mapErr(err)
		}
		if v.Changes, err = ipam.DecodePoolChanges(text); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) PrunePoolChanges(poolID string, below int64) error {
	_, err := t.exec(`DELETE FROM pool_changes WHERE pool_id = ? AND version < ?`, poolID, below)
	return err
}

func (t *tx) DeletePoolChanges(poolID string) error {
	_, err := t.exec(`DELETE FROM pool_changes WHERE pool_id = ?`, poolID)
	return err
}
