package ipam

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net/netip"
)

// Usage is how full a pool is: the numbers monitoring reads (PoolStats,
// from the in-memory free-space index) and a picture of the space.
type Usage struct {
	PoolStats
	// Strips holds, per provisioned CIDR (ascending), the free fraction of
	// each of its equal slices: a picture of the space.
	Strips []Strip
}

// Strip is the free fraction of each equal slice of one provisioned CIDR.
type Strip struct {
	CIDR netip.Prefix
	Free []float64
}

// Ratio is the allocated share of the provisioned addresses (0 when none).
func (u *Usage) Ratio() float64 {
	if u.Provisioned.IsZero() {
		return 0
	}
	return u.Allocated.Float64() / u.Provisioned.Float64()
}

// PoolUsage returns the usage of each of the caller's pools in ids (an
// unknown or foreign id is InvalidIpamPoolId.NotFound, as everywhere),
// with strips of slices slices per provisioned CIDR (0: none). A pool this
// node holds current is read from memory without a lock for the numbers;
// any other is first brought up to date as LoadPoolSpaces does (under the
// pool's lock, from the change log or the store) and stays cached.
func (s *Service) PoolUsage(ctx context.Context, c Caller, ids []string, slices int) ([]*Usage, error) {
	pools := make([]*Pool, len(ids))
	err := s.view(ctx, func(tx Tx) (err error) {
		for i, id := range ids {
			if pools[i], err = s.getPool(tx, c, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*Usage, len(ids))
	for i, p := range pools {
		if out[i] = s.cachedUsage(p, slices); out[i] != nil {
			continue
		}
		if err := s.loadPoolSpace(ctx, p); err != nil {
			return nil, err
		}
		if out[i] = s.cachedUsage(p, slices); out[i] == nil {
			return nil, poolNotFound(p.ID) // deleted meanwhile
		}
	}
	return out, nil
}

// cachedUsage reads p's usage from memory if this node holds p at p's
// version or later; nil if not.
func (s *Service) cachedUsage(p *Pool, slices int) *Usage {
	st := s.spaces.stats(p.ID)
	if st == nil || st.Version < p.Version {
		return nil
	}
	u := &Usage{PoolStats: *st}
	if slices <= 0 {
		return u
	}
	e := s.spaces.entry(p.ID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.set == nil {
		return u
	}
	for _, pc := range e.set.Pools() {
		if free, err := e.set.FreeStrip(pc, slices); err == nil {
			u.Strips = append(u.Strips, Strip{CIDR: pc, Free: free})
		}
	}
	return u
}

// DerivedKey returns a secret for purpose, derived from the key all nodes
// share (the one that signs pagination tokens): adapters sign their own
// tokens with it (the console its session cookies), valid on every node.
func (s *Service) DerivedKey(ctx context.Context, purpose string) ([]byte, error) {
	k, err := s.key(ctx)
	if err != nil {
		return nil, domainErr(err)
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte("derived:" + purpose))
	return m.Sum(nil), nil
}
