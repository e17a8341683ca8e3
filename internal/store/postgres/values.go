package postgres

import (
	"strconv"
	"strings"
)

// valuesSQL is a VALUES list of n rows with one placeholder per column,
// numbered from first, each followed by its column's cast ("" for none):
// valuesSQL(2, 5, "::cidr", "") = "($5::cidr, $6), ($7::cidr, $8)".
//
// Why not unnest(arrays): for the one or two rows a VPC or subnet writes, a
// function scan costs the server more than the rows' own inserts (see
// insertAllocationRows).
func valuesSQL(n, first int, casts ...string) string {
	var b strings.Builder
	k := first
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, c := range casts {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(k))
			b.WriteString(c)
			k++
		}
		b.WriteByte(')')
	}
	return b.String()
}
