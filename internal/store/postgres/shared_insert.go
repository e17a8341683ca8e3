package postgres

import (
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"
)

// sharedInsert is a multi-row INSERT for rows that mostly agree on some
// columns: a group transaction's VPCs come from one pool, for one owner,
// into one IPAM's scope. The values the rows of a statement share go once,
// as its first parameters, and each row's own values in a VALUES list, so
// pgx encodes and the server parses far fewer parameters (a VPC's resource
// CIDR row: 12 instead of 23; its allocation row: 8 instead of 13). Rows
// that differ in a shared value go out in another statement.
type sharedInsert struct {
	head   string   // "INSERT INTO t (shared columns, own columns, computed columns) SELECT "
	shared []string // casts of the shared parameters, in column order
	own    []string // casts of a row's own parameters, in column order
	alias  string   // "AS v(own column names)"
	tail   string   // computed columns' expressions over v, each after ", "
	sqls   sync.Map // n -> SQL
}

func (s *sharedInsert) sql(n int) string {
	return cachedSQL(&s.sqls, n, func() string {
		q := s.head
		for i, c := range s.shared {
			if i > 0 {
				q += ", "
			}
			q += "$" + strconv.Itoa(i+1) + c
		}
		return q + ", v.*" + s.tail + " FROM (VALUES " + valuesSQL(n, len(s.shared)+1, s.own...) + ") " + s.alias
	})
}

// queueShared queues the INSERTs of n rows on b: row i shares key(i), whose
// values shared gives, and appendOwn appends its own. Rows go in the order
// of the first row of each key, at most maxRowsPerStatement a statement.
func queueShared[K comparable](b *pgx.Batch, s *sharedInsert, n int, key func(i int) K, shared func(K) []any,
	appendOwn func(args []any, i int) []any) {
	left := make([]int, n)
	for i := range left {
		left[i] = i
	}
	for len(left) > 0 {
		k := key(left[0])
		args, rows := shared(k), 0
		rest := left[:0] // written behind the rows read
		for _, i := range left {
			switch {
			case key(i) != k:
				rest = append(rest, i)
				continue
			case rows == maxRowsPerStatement:
				b.Queue(s.sql(rows), args...)
				args, rows = shared(k), 0
			}
			args, rows = appendOwn(args, i), rows+1
		}
		b.Queue(s.sql(rows), args...)
		left = rest
	}
}
