package postgres

import (
	"math/big"
	"net/netip"
	"strconv"

	"github.com/jackc/pgx/v5/pgtype"
)

// Addresses as numbers, IPv4 mapped (::ffff:a.b.c.d): the numbers of
// resource_cidrs' and subnet_blocks' lo and hi.

// mapped4 is an IPv4 address's number: ::ffff:a.b.c.d, which fits 64 bits.
func mapped4(x netip.Addr) uint64 {
	a := x.As4()
	return 0xffff<<32 | uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
}

// appendAddrNum appends the address's number in decimal.
func appendAddrNum(dst []byte, x netip.Addr) []byte {
	if x.Is4() {
		return strconv.AppendUint(dst, mapped4(x), 10)
	}
	a := x.As16()
	return new(big.Int).SetBytes(a[:]).Append(dst, 10)
}

// addrNum is an address as a numeric parameter that pgx sends in binary
// with no detour: an int64 for IPv4 (mapped, it fits), a pgtype.Numeric
// for IPv6. (A string would make pgx build an error value before it falls
// back to text.)
func addrNum(x netip.Addr) any {
	if x.Is4() {
		return int64(mapped4(x))
	}
	a := x.As16()
	return pgtype.Numeric{Int: new(big.Int).SetBytes(a[:]), Valid: true}
}
