package ipam

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net/netip"

	"github.com/ipamd/ipamd/internal/cidr"
)

// Usage is how full a pool is, read from the in-memory free-space index.
type Usage struct {
	Total, Allocated cidr.Count
	// LargestFree is the prefix length of the largest free aligned block;
	// -1 when nothing is free.
	LargestFree int
	// Strips holds, per provisioned CIDR (ascending), the free fraction of
	// each of its equal slices (StripSlices of them): a picture of the space.
	Strips []Strip
}

// Strip is the free fraction of each equal slice of one provisioned CIDR.
type Strip struct {
	CIDR netip.Prefix
	Free []float64
}

// Ratio is the allocated share of the provisioned addresses (0 when none).
func (u *Usage) Ratio() float64 {
	if u.Total.IsZero() {
		return 0
	}
	return u.Allocated.Float64() / u.Total.Float64()
}

// PoolUsage returns the usage of each of the caller's pools in ids (an
// unknown or foreign id is InvalidIpamPoolId.NotFound, as everywhere),
// with strips of slices slices per provisioned CIDR (0: none). A pool whose
// cached space is current is read from the cache; any other is brought up
// to date the way a write would (under the pool's lock, from the change log
// or the store) and stays cached.
func (s *Service) PoolUsage(ctx context.Context, c Caller, ids []string, slices int) ([]*Usage, error) {
	out := make([]*Usage, len(ids))
	err := s.view(ctx, func(tx Tx) error {
		for i, id := range ids {
			p, err := s.getPool(tx, c, id)
			if err != nil {
				return err
			}
			out[i] = s.cachedUsage(p, slices)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if out[i] != nil {
			continue
		}
		err := s.update(ctx, func(tx Tx, o *op) error {
			p, err := o.lockPool(tx, c, id)
			if err != nil {
				return err
			}
			set, err := o.space(tx, p)
			if err == nil {
				out[i] = usageOf(set, slices)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// cachedUsage reads p's usage from the cache if it holds p's version; nil
// if not.
func (s *Service) cachedUsage(p *Pool, slices int) *Usage {
	e := s.spaces.entry(p.ID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.set == nil || e.version != p.Version {
		return nil
	}
	return usageOf(e.set, slices)
}

func usageOf(set *cidr.Set, slices int) *Usage {
	u := &Usage{Total: set.Total(), Allocated: set.Allocated(), LargestFree: -1}
	if bits, ok := set.LargestFree(); ok {
		u.LargestFree = bits
	}
	if slices > 0 {
		for _, p := range set.Pools() {
			free, err := set.FreeStrip(p, slices)
			if err == nil {
				u.Strips = append(u.Strips, Strip{CIDR: p, Free: free})
			}
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
