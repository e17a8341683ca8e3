package cidr

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// u128 is an unsigned 128-bit integer. IPv4 addresses occupy the low 32
// bits; IPv6 addresses use all 128.
type u128 struct{ hi, lo uint64 }

var maxU128 = u128{^uint64(0), ^uint64(0)}

func (a u128) cmp(b u128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

func (a u128) isZero() bool { return a.hi == 0 && a.lo == 0 }

// add returns a+b and the carry out.
func (a u128) add(b u128) (u128, uint64) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, c := bits.Add64(a.hi, b.hi, c)
	return u128{hi, lo}, c
}

// sub returns a-b (wrapping).
func (a u128) sub(b u128) u128 {
	lo, br := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, br)
	return u128{hi, lo}
}

func (a u128) addOne() u128 { r, _ := a.add(u128{0, 1}); return r }
func (a u128) subOne() u128 { return a.sub(u128{0, 1}) }

func (a u128) and(b u128) u128 { return u128{a.hi & b.hi, a.lo & b.lo} }
func (a u128) or(b u128) u128  { return u128{a.hi | b.hi, a.lo | b.lo} }
func (a u128) not() u128       { return u128{^a.hi, ^a.lo} }

func maxU(a, b u128) u128 {
	if a.less(b) {
		return b
	}
	return a
}

func minU(a, b u128) u128 {
	if b.less(a) {
		return b
	}
	return a
}

// lowMask returns 2^k - 1 for k in [0,128].
func lowMask(k int) u128 {
	switch {
	case k <= 0:
		return u128{}
	case k >= 128:
		return maxU128
	case k >= 64:
		return u128{(uint64(1) << (k - 64)) - 1, ^uint64(0)}
	}
	return u128{0, (uint64(1) << k) - 1}
}

// log2 returns floor(log2(a)) for a != 0.
func (a u128) log2() int {
	if a.hi != 0 {
		return 127 - bits.LeadingZeros64(a.hi)
	}
	return 63 - bits.LeadingZeros64(a.lo)
}

// alignUp rounds a up to a multiple of 2^k; ok is false on overflow.
func alignUp(a u128, k int) (u128, bool) {
	m := lowMask(k)
	if a.and(m).isZero() {
		return a, true
	}
	r, c := a.or(m).add(u128{0, 1})
	return r, c == 0
}

// fitFrom returns the lowest 2^k-aligned x >= lo with [x, x+2^k-1] inside
// [lo, hi].
func fitFrom(lo, hi u128, k int) (u128, bool) {
	x, ok := alignUp(lo, k)
	if !ok {
		return u128{}, false
	}
	end, c := x.add(lowMask(k))
	if c != 0 || hi.less(end) {
		return u128{}, false
	}
	return x, true
}

// largestBlock returns log2 of the largest naturally aligned block inside
// [lo, hi] (lo <= hi).
func largestBlock(lo, hi u128) int {
	if lo.isZero() && hi == maxU128 {
		return 128
	}
	n := hi.sub(lo).addOne()
	m := n.log2()
	// A range of length >= 2^m always holds an aligned 2^(m-1) block.
	if _, ok := fitFrom(lo, hi, m); ok {
		return m
	}
	return m - 1
}

func addrToU(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{0, uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func uToAddr(u u128, v4 bool) netip.Addr {
	if v4 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(u.lo))
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], u.hi)
	binary.BigEndian.PutUint64(b[8:], u.lo)
	return netip.AddrFrom16(b)
}

// prefixRange returns the first and last address of p as integers.
func prefixRange(p netip.Prefix) (lo, hi u128) {
	lo = addrToU(p.Addr())
	return lo, lo.or(lowMask(p.Addr().BitLen() - p.Bits()))
}

// LastAddr is the last address of p: its address with every host bit set.
// The stores keep it next to each allocation's first address for their
// overlap checks.
func LastAddr(p netip.Prefix) netip.Addr {
	_, hi := prefixRange(p)
	return uToAddr(hi, p.Addr().Is4())
}
