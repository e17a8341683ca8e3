package ipam

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// A pagination token is the position after the last item returned, bound
// to the operation and the listing it came from, and signed with a key all
// nodes share: opaque to clients, never repeated (positions only advance),
// valid across concurrent writes, and refused when forged or reused
// elsewhere.
type tokenBody struct {
	Kind  string `json:"k"` // operation
	Scope string `json:"s"` // account and pool the listing is of
	Key   string `json:"p"` // position: last key returned
}

const tokenMACLen = 16

func (s *Service) key(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.tokenKey == nil {
		k, err := s.store.TokenKey(ctx)
		if err != nil {
			return nil, err
		}
		s.tokenKey = k
	}
	return s.tokenKey, nil
}

func (s *Service) makeToken(ctx context.Context, kind, scope, key string) (string, error) {
	k, err := s.key(ctx)
	if err != nil {
		return "", domainErr(err)
	}
	body, _ := json.Marshal(tokenBody{Kind: kind, Scope: scope, Key: key})
	m := hmac.New(sha256.New, k)
	m.Write(body)
	return base64.RawURLEncoding.EncodeToString(body) + "." +
		base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:tokenMACLen]), nil
}

// readToken returns the position a token carries; "" for no token.
func (s *Service) readToken(ctx context.Context, token, kind, scope string) (string, error) {
	if token == "" {
		return "", nil
	}
	bad := errorf(CodeInvalidPaginationToken, "The pagination token '%s' is invalid.", echo(token))
	b64, mac64, ok := strings.Cut(token, ".")
	if !ok {
		return "", bad
	}
	body, err1 := base64.RawURLEncoding.DecodeString(b64)
	mac, err2 := base64.RawURLEncoding.DecodeString(mac64)
	if err1 != nil || err2 != nil || len(mac) != tokenMACLen {
		return "", bad
	}
	k, err := s.key(ctx)
	if err != nil {
		return "", domainErr(err)
	}
	m := hmac.New(sha256.New, k)
	m.Write(body)
	if !hmac.Equal(m.Sum(nil)[:tokenMACLen], mac) {
		return "", bad
	}
	var t tokenBody
	if json.Unmarshal(body, &t) != nil || t.Kind != kind || t.Scope != scope || t.Key == "" {
		return "", bad
	}
	return t.Key, nil
}
