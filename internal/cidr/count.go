package cidr

import (
	"math"
	"math/big"
	"math/bits"
)

// Count is a number of addresses in the range [0, 2^128]. The upper bound
// is inclusive: an IPv6 ::/0 pool holds exactly 2^128 addresses. The zero
// value is 0.
type Count struct {
	hi, lo uint64
	top    bool // adds 2^128; when set hi and lo are zero
}

// blockCount returns 2^k for k in [0,128].
func blockCount(k int) Count {
	switch {
	case k >= 128:
		return Count{top: true}
	case k >= 64:
		return Count{hi: 1 << (k - 64)}
	}
	return Count{lo: 1 << k}
}

// rangeCount returns hi-lo+1.
func rangeCount(lo, hi u128) Count {
	d := hi.sub(lo)
	if d == maxU128 {
		return Count{top: true}
	}
	d = d.addOne()
	return Count{hi: d.hi, lo: d.lo}
}

func (c Count) add(d Count) Count {
	lo, cy := bits.Add64(c.lo, d.lo, 0)
	hi, cy := bits.Add64(c.hi, d.hi, cy)
	return Count{hi: hi, lo: lo, top: c.top || d.top || cy != 0}
}

func (c Count) sub(d Count) Count {
	lo, br := bits.Sub64(c.lo, d.lo, 0)
	hi, br := bits.Sub64(c.hi, d.hi, br)
	top := c.top
	if d.top {
		top = !top
	}
	if br != 0 {
		top = !top
	}
	return Count{hi: hi, lo: lo, top: top}
}

// IsZero reports whether c is 0.
func (c Count) IsZero() bool { return c == Count{} }

// Cmp compares c and d and returns -1, 0 or +1.
func (c Count) Cmp(d Count) int {
	switch {
	case c.top != d.top:
		if c.top {
			return 1
		}
		return -1
	case c.hi != d.hi:
		if c.hi < d.hi {
			return -1
		}
		return 1
	case c.lo != d.lo:
		if c.lo < d.lo {
			return -1
		}
		return 1
	}
	return 0
}

// Uint64 returns c as a uint64 and whether it fits.
func (c Count) Uint64() (uint64, bool) {
	return c.lo, !c.top && c.hi == 0
}

// Big returns c as a new big.Int.
func (c Count) Big() *big.Int {
	if c.top {
		return new(big.Int).Lsh(big.NewInt(1), 128)
	}
	b := new(big.Int).SetUint64(c.hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(c.lo))
}

// String returns c in decimal.
func (c Count) String() string { return c.Big().String() }

// Float64 returns c as the nearest float64 (exact up to 2^53).
func (c Count) Float64() float64 {
	if c.top {
		return math.Ldexp(1, 128)
	}
	return math.Ldexp(float64(c.hi), 64) + float64(c.lo)
}
