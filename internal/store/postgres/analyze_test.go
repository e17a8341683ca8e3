package postgres

import (
	"context"
	"slices"
	"testing"
	"time"
)

// A table that grew is analyzed (and one that did not is left alone), so
// the planner stops planning for an empty table; the server's autovacuum is
// off on the test machine, so nothing else does it.
func TestAnalyzesStaleTables(t *testing.T) {
	db := newTestDB(t)
	s := openStore(t, db.newSchema(t))
	ctx := context.Background()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `INSERT INTO vpcs (id, owner, doc)
		SELECT 'vpc-' || i, '111122223333', '{}'::jsonb FROM generate_series(1, 500) i`)
	if err == nil {
		// An idle backend reports its changes within 10 s; this one now.
		_, err = conn.Exec(ctx, `SELECT pg_stat_force_next_flush()`)
	}
	conn.Release()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		tables, err := s.analyzeStale(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got = append(got, tables...); slices.Contains(got, "vpcs") {
			break
		}
	}
	if !slices.Contains(got, "vpcs") || slices.Contains(got, "subnets") {
		t.Fatalf("analyzed %q; want vpcs and not subnets", got)
	}
	var tuples float64
	if err := s.pool.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'vpcs'::regclass`).Scan(&tuples); err != nil || tuples != 500 {
		t.Fatalf("vpcs' reltuples after ANALYZE: %v, %v; want 500", tuples, err)
	}
	// Once analyzed, it is not analyzed again until it changes again.
	if tables, err := s.analyzeStale(ctx); err != nil || slices.Contains(tables, "vpcs") {
		t.Fatalf("second pass analyzed %q (%v); want no vpcs", tables, err)
	}
}
