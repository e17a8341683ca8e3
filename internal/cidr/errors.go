package cidr

import (
	"errors"
	"fmt"
	"net/netip"
)

// Errors returned by Set. Each is wrapped with detail; test with errors.Is.
var (
	// ErrNoSpace: no free, naturally aligned block of the requested length
	// satisfies the request (including a length shorter than every pool
	// prefix, or a Set with no pools).
	ErrNoSpace = errors.New("cidr: no free block fits")
	// ErrNotInPool: the prefix is not entirely inside one provisioned prefix
	// (Reserve, Release), or is not exactly a provisioned prefix (RemovePool).
	ErrNotInPool = errors.New("cidr: not inside a provisioned prefix")
	// ErrNotCanonical: the prefix is invalid or has host bits set
	// (p != p.Masked()).
	ErrNotCanonical = errors.New("cidr: prefix not canonical")
	// ErrFamily: the prefix's address family differs from the pools', or a
	// prefix length is outside 0..32 (IPv4) / 0..128 (IPv6).
	ErrFamily = errors.New("cidr: address family or prefix length mismatch")
	// ErrPoolOverlap: AddPool of a prefix overlapping a provisioned prefix.
	ErrPoolOverlap = errors.New("cidr: overlaps a provisioned prefix")
	// ErrInUse: RemovePool of a prefix with some address inside allocated.
	ErrInUse = errors.New("cidr: provisioned prefix has allocations")
	// ErrNotAllocated: Release of a prefix with some part free.
	ErrNotAllocated = errors.New("cidr: prefix not entirely allocated")
	// ErrOverlap: Reserve of a prefix with some part already allocated. The
	// concrete error is *OverlapError.
	ErrOverlap = errors.New("cidr: overlaps an allocation")
	// ErrNotSorted: ReserveSorted input is not strictly ascending and
	// non-overlapping.
	ErrNotSorted = errors.New("cidr: prefixes not ascending and disjoint")
)

// OverlapError is returned by Reserve (and ReserveSorted) when the requested
// prefix is not entirely free. Addr is the lowest address inside the
// requested prefix that is not free; Prefix is the largest naturally aligned
// prefix starting at Addr that lies inside the requested prefix and is
// entirely allocated. The caller can look Addr up in its allocation records
// to name the colliding allocation. errors.Is(err, ErrOverlap) is true.
type OverlapError struct {
	Requested netip.Prefix
	Prefix    netip.Prefix
	Addr      netip.Addr
}

func (e *OverlapError) Error() string {
	return fmt.Sprintf("cidr: %s overlaps allocated space at %s (%s)", e.Requested, e.Addr, e.Prefix)
}

// Is makes errors.Is(err, ErrOverlap) true.
func (e *OverlapError) Is(target error) bool { return target == ErrOverlap }

func errf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
