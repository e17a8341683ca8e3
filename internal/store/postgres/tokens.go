package postgres

import (
	"fmt"

	"github.com/ipamd/ipamd/internal/ipam"
)

func (t *tx) ClientToken(owner, action, token string) (*ipam.TokenRecord, error) {
	rec := &ipam.TokenRecord{OwnerID: owner, Action: action, Token: token}
	err := t.queryRow("SELECT params_hash, result FROM client_tokens WHERE owner = $1 AND action = $2 AND token = $3",
		[]any{owner, action, token}, &rec.ParamsHash, &rec.Result)
	if err != nil {
		return nil, fmt.Errorf("client token %s: %w", token, err)
	}
	return rec, nil
}

// PutClientToken refuses (ErrConflict) a token already recorded: two nodes
// that raced on one token find out here, and the loser's retry reads the
// winner's answer.
//
// It is the last write of every idempotent call (the SDKs send a ClientToken
// with every AllocateIpamPoolCidr), made under the pool's row lock, so it
// waits to go out with COMMIT like UpdatePool: one round trip less that the
// pool's other writers queue behind. A plain INSERT, not ON CONFLICT DO
// NOTHING: a duplicate then aborts the transaction, COMMIT answers ROLLBACK,
// and Update still returns ErrConflict (the unique violation).
func (t *tx) PutClientToken(rec *ipam.TokenRecord) error {
	if t.done {
		return errTxDone
	}
	const sql = `INSERT INTO client_tokens (owner, action, token, params_hash, result) VALUES ($1, $2, $3, $4, $5)`
	args := []any{rec.OwnerID, rec.Action, rec.Token, rec.ParamsHash, rec.Result}
	if t.failed != nil || !t.sent {
		// Aborted, or nothing went out yet (commit would send nothing): now.
		_, err := t.exec(sql, args...)
		return err
	}
	t.next.Queue(sql, args...)
	return nil
}
