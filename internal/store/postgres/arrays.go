package postgres

import (
	"math/big"
	"net/netip"
	"strconv"
)

// Array parameters as literals. pgx encodes a Go slice element by element,
// each through an interface value (an allocation apiece), and a string
// bound to a numeric parameter only after the binary encoding has failed
// with an error value. On the write path of every VPC and subnet (an
// overlap lookup's arrays, a transaction's space locks, a block's numbers)
// one text parameter in PostgreSQL's array syntax, cast in SQL
// ($1::text::bigint[]), costs one string instead.

// arrayLit builds an array literal: {1,2,"a b"}.
type arrayLit []byte

func (a arrayLit) next() arrayLit {
	if len(a) == 0 {
		return append(a, '{')
	}
	return append(a, ',')
}

func (a arrayLit) int(v int64) arrayLit { return strconv.AppendInt(a.next(), v, 10) }

func (a arrayLit) bool(v bool) arrayLit {
	if v {
		return append(a.next(), 't')
	}
	return append(a.next(), 'f')
}

// text quotes s: a quoted element may hold anything but an unescaped quote
// or backslash.
func (a arrayLit) text(s string) arrayLit {
	a = append(a.next(), '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			a = append(a, '\\')
		}
		a = append(a, s[i])
	}
	return append(a, '"')
}

// addr adds p's first address (last: its last) as a number (blockRange).
func (a arrayLit) addr(p netip.Prefix, last bool) arrayLit { return appendBlockNum(a.next(), p, last) }

func (a arrayLit) String() string {
	if len(a) == 0 {
		return "{}"
	}
	return string(append(a, '}'))
}

// appendBlockNum appends the number of p's first address (last: its last
// address), IPv4 mapped: the numbers of resource_cidrs' lo and hi.
func appendBlockNum(dst []byte, p netip.Prefix, last bool) []byte {
	p = p.Masked()
	if p.Addr().Is4() {
		a := p.Addr().As4()
		n := 0xffff<<32 | uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
		if last {
			n += 1<<(32-p.Bits()) - 1
		}
		return strconv.AppendUint(dst, n, 10)
	}
	a := p.Addr().As16()
	n := new(big.Int).SetBytes(a[:])
	if last {
		host := new(big.Int).Lsh(big.NewInt(1), uint(128-p.Bits()))
		n.Add(n, host.Sub(host, big.NewInt(1)))
	}
	return n.Append(dst, 10)
}
