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
func (t *tx) PutClientToken(rec *ipam.TokenRecord) error {
	return t.insert("client token", rec.Token, `INSERT INTO client_tokens (owner, action, token, params_hash, result)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		rec.OwnerID, rec.Action, rec.Token, rec.ParamsHash, rec.Result)
}
