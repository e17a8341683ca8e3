package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestQueueShared: rows of one key go together, keys in the order of their
// first row, rows in their order, at most maxRowsPerStatement a statement;
// each statement's parameters are the key's, then its rows' own.
func TestQueueShared(t *testing.T) {
	ins := &sharedInsert{head: "INSERT INTO t (k, a, b, c) SELECT ", shared: []string{"::text"}, own: []string{"::int", "::text"},
		alias: "AS v(a, b)", tail: ", v.a + 1"}
	if got, want := ins.sql(2), "INSERT INTO t (k, a, b, c) SELECT $1::text, v.*, v.a + 1 FROM (VALUES ($2::int, $3::text), ($4::int, $5::text)) AS v(a, b)"; got != want {
		t.Fatalf("sql(2):\n got  %s\n want %s", got, want)
	}
	keys := []string{"x", "y", "x", "z", "y", "x"}
	n := 2*maxRowsPerStatement + len(keys)
	key := func(i int) string {
		if i < len(keys) {
			return keys[i]
		}
		return "w" // after the six: 2,000 rows of one key
	}
	var b pgx.Batch
	queueShared(&b, ins, n, key, func(k string) []any { return []any{k} },
		func(args []any, i int) []any { return append(args, i, fmt.Sprint(i)) })
	var got []string
	for _, q := range b.QueuedQueries {
		if want := ins.sql((len(q.Arguments) - 1) / 2); q.SQL != want {
			t.Fatalf("a statement of %d arguments has SQL %.60s...", len(q.Arguments), q.SQL)
		}
		var rows []string
		for j := 1; j < len(q.Arguments); j += 2 {
			if q.Arguments[j+1] != fmt.Sprint(q.Arguments[j]) || key(q.Arguments[j].(int)) != q.Arguments[0] {
				t.Fatalf("row %v %v under key %v", q.Arguments[j], q.Arguments[j+1], q.Arguments[0])
			}
			rows = append(rows, fmt.Sprint(q.Arguments[j]))
		}
		if len(rows) > 3 {
			rows = []string{rows[0], "..", rows[len(rows)-1]}
		}
		got = append(got, fmt.Sprintf("%v:%s", q.Arguments[0], strings.Join(rows, ",")))
	}
	if g, want := strings.Join(got, " "), "x:0,2,5 y:1,4 z:3 w:6,..,1005 w:1006,..,2005"; g != want {
		t.Errorf("statements:\n got  %s\n want %s", g, want)
	}
}
