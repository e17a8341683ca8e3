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
// with strips of slices slices per provisioned CIDR (0: none). A pool's
// space comes from the cache when it is current; otherwise it is loaded
// from one snapshot and cached, as the next write would have done.
func (s *Service) PoolUsage(ctx context.Context, c Caller, ids []string, slices int) ([]*Usage, error) {
	out := make([]*Usage, len(ids))
	err := s.view(ctx, func(tx Tx) error {
		for i, id := range ids {
			p, err := s.getPool(tx, c, id)
			if err != nil {
				return err
			}
			if out[i], err = s.usage(tx, p, slices); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (s *Service) usage(tx Tx, p *Pool, slices int) (*Usage, error) {
	e := s.spaces.entry(p.ID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.set == nil || e.version != p.Version {
		// The view's snapshot holds the pool row and its allocations as of
		// one version, so the loaded set is exactly that version's.
		set, err := loadSpace(tx, p)
		if err != nil {
			return nil, err
		}
		if e.set == nil || e.version < p.Version {
			e.set, e.version = set, p.Version
			e.known.Store(p.Version + 1)
		}
		return usageOf(set, slices), nil
	}
	return usageOf(e.set, slices), nil
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
