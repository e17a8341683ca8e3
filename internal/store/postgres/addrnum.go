package postgres

import (
	"math/big"
	"net/netip"

	"github.com/ipamd/ipamd/internal/cidr"
	"github.com/jackc/pgx/v5/pgtype"
)

// Addresses as numbers, IPv4 mapped (::ffff:a.b.c.d): the numbers of
// resource_cidrs' and subnet_blocks' lo and hi.

// addrNum is an address as a numeric parameter that pgx sends in binary
// with no detour: an int64 for IPv4 (mapped, it fits), a pgtype.Numeric
// for IPv6. (A string would make pgx build an error value before it falls
// back to text.)
func addrNum(x netip.Addr) any {
	if x.Is4() {
		a := x.As4()
		return int64(0xffff<<32 | uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3]))
	}
	a := x.As16()
	return pgtype.Numeric{Int: new(big.Int).SetBytes(a[:]), Valid: true}
}

// blockNums are a block's first and last address as addrNum parameters.
func blockNums(p netip.Prefix) (lo, hi any) {
	return addrNum(p.Masked().Addr()), addrNum(cidr.LastAddr(p))
}
