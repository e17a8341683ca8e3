package postgres

import (
	"encoding/binary"
	"math/big"
	"math/bits"
	"net/netip"
	"strconv"

	"github.com/ipamd/ipamd/internal/cidr"
	"github.com/jackc/pgx/v5/pgtype"
)

// Addresses as numbers, IPv4 mapped (::ffff:a.b.c.d): the numbers of
// resource_cidrs' and subnet_blocks' lo and hi.

// Statements take these numbers as text ($n::text::numeric, blockDecimals):
// pgx encodes a numeric parameter through math/big, several allocations
// and divisions each, the largest part of encoding a VPC's resource CIDR
// row and overlap check; decimal text costs it an append and the server a
// parse. COPY, which sends every column in binary, takes addrNum.

// addrDecimal is an address's number (IPv4 mapped) in decimal.
func addrDecimal(x netip.Addr) string {
	var buf [40]byte
	a := x.As16() // IPv4 as ::ffff:a.b.c.d
	return string(appendDecimal128(buf[:0], binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])))
}

// appendDecimal128 appends hi<<64 | lo in decimal.
func appendDecimal128(b []byte, hi, lo uint64) []byte {
	if hi == 0 {
		return strconv.AppendUint(b, lo, 10)
	}
	const e19 = 10_000_000_000_000_000_000 // the largest power of ten in a uint64
	q, r := bits.Div64(hi%e19, lo, e19)
	b = appendDecimal128(b, hi/e19, q) // at least 1: the number is at least 2^64
	var digits [19]byte                // r, zero-padded
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = byte('0' + r%10)
		r /= 10
	}
	return append(b, digits[:]...)
}

// blockDecimals are a block's first and last address as addrDecimal
// parameters.
func blockDecimals(p netip.Prefix) (lo, hi string) {
	return addrDecimal(p.Masked().Addr()), addrDecimal(cidr.LastAddr(p))
}

// addrNum is an address as a numeric parameter that pgx sends in binary
// with no detour: an int64 for IPv4 (mapped, it fits), a pgtype.Numeric
// for IPv6. (A string would make pgx build an error value before it falls
// back to text, and COPY has no text to fall back to.)
func addrNum(x netip.Addr) any {
	if x.Is4() {
		a := x.As4()
		return int64(0xffff<<32 | uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3]))
	}
	a := x.As16()
	return pgtype.Numeric{Int: new(big.Int).SetBytes(a[:]), Valid: true}
}

// blockNums are a block's first and last address as addrNum values.
func blockNums(p netip.Prefix) (lo, hi any) {
	return addrNum(p.Masked().Addr()), addrNum(cidr.LastAddr(p))
}
