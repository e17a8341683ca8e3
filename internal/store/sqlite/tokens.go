package sqlite

import (
	"crypto/sha256"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
	"modernc.org/sqlite"
)

// tokenKey is a client_tokens row's index key (migration 0004): the first 8
// bytes of SHA-256 over owner, action and token. Random tokens make random
// index inserts; an 8-byte key keeps that index small enough to stay in the
// page cache at a million tokens. Every lookup also compares the columns,
// so two tokens that share a key are still told apart.
func tokenKey(owner, action, token string) int64 {
	h := sha256.New()
	for i, s := range []string{owner, action, token} {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(s))
	}
	var sum [sha256.Size]byte
	return int64(binary.BigEndian.Uint64(h.Sum(sum[:0])))
}

func init() {
	// Migration 0004 keys the rows it copies with it.
	sqlite.MustRegisterDeterministicScalarFunction("ipamd_token_key", 3,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			var s [3]string
			for i, a := range args {
				switch v := a.(type) {
				case string:
					s[i] = v
				case []byte:
					s[i] = string(v)
				default:
					return nil, fmt.Errorf("ipamd_token_key: argument %d is %T", i+1, a)
				}
			}
			return tokenKey(s[0], s[1], s[2]), nil
		})
}

func (t *tx) ClientToken(owner, action, token string) (*ipam.TokenRecord, error) {
	rec := &ipam.TokenRecord{OwnerID: owner, Action: action, Token: token}
	err := t.queryRow(`SELECT params_hash, result FROM client_tokens WHERE key = ? AND owner = ? AND action = ? AND token = ?`,
		tokenKey(owner, action, token), owner, action, token).Scan(&rec.ParamsHash, &rec.Result)
	if err != nil {
		return nil, scanErr(err, "client token", token)
	}
	rec.Result = ipam.NilIfEmpty(rec.Result)
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

// PutClientToken inserts unless the token is recorded, which is a conflict
// the service resolves by reading the first answer. The check and the
// insert are one statement, and SQLite has one writer, so (owner, action,
// token) stays unique without a unique index over the wide columns.
func (t *tx) PutClientToken(rec *ipam.TokenRecord) error {
	key := tokenKey(rec.OwnerID, rec.Action, rec.Token)
	r, err := t.exec(`INSERT INTO client_tokens (key, owner, action, token, params_hash, result, created_at)
		SELECT ?, ?, ?, ?, ?, ?, ?
		WHERE NOT EXISTS (SELECT 1 FROM client_tokens WHERE key = ? AND owner = ? AND action = ? AND token = ?)`,
		key, rec.OwnerID, rec.Action, rec.Token, rec.ParamsHash, rec.Result, time.Now().Unix(),
		key, rec.OwnerID, rec.Action, rec.Token)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 0 {
		return fmt.Errorf("client token %s: %w", rec.Token, ipam.ErrConflict)
	}
	return nil
}
