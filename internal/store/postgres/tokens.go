package postgres

import (
	"errors"
	"fmt"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5"
)

func (t *tx) ClientToken(owner, action, token string) (*ipam.TokenRecord, error) {
	rec := &ipam.TokenRecord{OwnerID: owner, Action: action, Token: token}
	err := t.queryRow(clientTokenSQL, []any{owner, action, token}, &rec.ParamsHash, &rec.Result)
	if err != nil {
		return nil, fmt.Errorf("client token %s: %w", token, err)
	}
	return rec, nil
}

const clientTokenSQL = "SELECT params_hash, result FROM client_tokens WHERE owner = $1 AND action = $2 AND token = $3"

// ClientTokens sends one lookup per token, all in one round trip. Not one
// "token = ANY($3)" query: once prepared while the table was small, its
// cached generic plan scans every token of the account (a filter, not an
// index condition), and a growing table made each lookup milliseconds.
// Equality on the whole key has no such plan.
func (t *tx) ClientTokens(owner, action string, tokens []string) ([]*ipam.TokenRecord, error) {
	recs := make([]ipam.TokenRecord, len(tokens))
	found := make([]bool, len(tokens))
	err := t.sendAll(func(b *pgx.Batch) {
		for i, tok := range tokens {
			b.Queue(clientTokenSQL, owner, action, tok).QueryRow(func(row pgx.Row) error {
				err := row.Scan(&recs[i].ParamsHash, &recs[i].Result)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				found[i] = err == nil
				return err
			})
		}
	})
	if err != nil {
		return nil, fmt.Errorf("client tokens: %w", err)
	}
	var out []*ipam.TokenRecord
	for i, tok := range tokens {
		if found[i] {
			r := &recs[i]
			r.OwnerID, r.Action, r.Token = owner, action, tok
			out = append(out, r)
		}
	}
	return out, nil
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
	t.rows.tokens.add(rec.OwnerID, rec.Action, rec.Token, rec.ParamsHash, rec.Result)
	return nil
}
