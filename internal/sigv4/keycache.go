package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"sync"
)

// maxCachedKeys bounds the signing-key cache. Keys change daily per
// (secret, region, service), so a handful of entries serves real traffic;
// the bound only matters against clients inventing regions.
const maxCachedKeys = 256

type keyCacheKey struct{ secret, date, region, service string }

type keyCache struct {
	mu   sync.Mutex
	keys map[keyCacheKey][]byte
}

// signingKey derives (or returns the cached) SigV4 key: the HMAC chain
// "AWS4"+secret → date → region → service → "aws4_request".
func (c *keyCache) signingKey(secret, date, region, service string) []byte {
	k := keyCacheKey{secret, date, region, service}
	c.mu.Lock()
	key, ok := c.keys[k]
	c.mu.Unlock()
	if ok {
		return key
	}
	key = hmacSHA256([]byte("AWS4"+secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, terminator)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = make(map[keyCacheKey][]byte)
	}
	if len(c.keys) >= maxCachedKeys {
		for old := range c.keys { // evict an arbitrary entry
			delete(c.keys, old)
			break
		}
	}
	c.keys[k] = key
	return key
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
