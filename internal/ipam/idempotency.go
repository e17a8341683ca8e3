package ipam

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
)

const maxClientTokenLen = 64

// idempotent gives a create operation ClientToken semantics inside tx: the
// same token with the same parameters returns the first call's result; with
// different parameters it is refused. Tokens are per account and operation,
// kept as long as the store. params must not contain the token itself nor
// DryRun, which does not change what the call means.
func idempotent[T any](tx Tx, o *op, c Caller, action, token string, dryRun bool, params any, create func() (*T, error)) (*T, error) {
	if token == "" {
		return create()
	}
	if len(token) > maxClientTokenLen {
		return nil, invalidValue("The ClientToken must be at most %d characters.", maxClientTokenLen)
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	hash := hex.EncodeToString(sum[:])
	rec, err := o.clientToken(tx, c.AccountID, action, token)
	switch {
	case err == nil:
		if rec.ParamsHash != hash {
			return nil, errorf(CodeIdempotentParameterMismatch,
				"The client token '%s' was already used with different parameters.", token)
		}
		if dryRun {
			return nil, errDryRun // the retry would succeed: it returns the first result
		}
		var v T
		if err := json.Unmarshal(rec.Result, &v); err != nil {
			return nil, err
		}
		return &v, nil
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	v, err := create()
	if err != nil {
		return nil, err
	}
	res, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	rec = &TokenRecord{OwnerID: c.AccountID, Action: action, Token: token, ParamsHash: hash, Result: res}
	if err := tx.PutClientToken(rec); err != nil {
		return nil, err
	}
	o.putToken(rec)
	return v, nil
}
