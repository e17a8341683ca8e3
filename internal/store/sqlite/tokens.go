package sqlite

import (
	"errors"
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

// ClientTokens looks each token up on its own: in process, a query costs
// no round trip, and one statement text keeps the prepared-statement cache
// small.
func (t *tx) ClientTokens(owner, action string, tokens []string) ([]*ipam.TokenRecord, error) {
	var out []*ipam.TokenRecord
	for _, tok := range tokens {
		rec, err := t.ClientToken(owner, action, tok)
		switch {
		case err == nil:
			out = append(out, rec)
		case !errors.Is(err, ipam.ErrNotFound):
			return nil, err
		}
	}
	return out, nil
}

// PutClientToken inserts; a token already recorded is a conflict, which the
// service resolves by reading the first answer.
func (t *tx) PutClientToken(rec *ipam.TokenRecord) error {
	_, err := t.exec(`INSERT INTO client_tokens (owner, action, token, params_hash, result, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		rec.OwnerID, rec.Action, rec.Token, rec.ParamsHash, rec.Result, time.Now().Unix())
	return err
}
