package sqlite

import (
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

func (t *tx) ClientToken(owner, action, token string) (*ipam.TokenRecord, error) {
	rec := &ipam.TokenRecord{OwnerID: owner, Action: action, Token: token}
	err := t.queryRow(`SELECT params_hash, result FROM client_tokens WHERE owner = ? AND action = ? AND token = ?`,
		owner, action, token).Scan(&rec.ParamsHash, &rec.Result)
	if err != nil {
		return nil, scanErr(err, "client token", token)
	}
	rec.Result = nilIfEmpty(rec.Result)
	return rec, nil
}

// PutClientToken inserts; a token already recorded is a conflict, which the
// service resolves by reading the first answer.
func (t *tx) PutClientToken(rec *ipam.TokenRecord) error {
	_, err := t.exec(`INSERT INTO client_tokens (owner, action, token, params_hash, result, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		rec.OwnerID, rec.Action, rec.Token, rec.ParamsHash, rec.Result, time.Now().Unix())
	return err
}
