package sqlite

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/storetest"
)

func openAt(dir string) storetest.Open {
	return func(t *testing.T) ipam.Store {
		t.Helper()
		s, err := Open(dir)
		if err != nil {
			t.Fatalf("Open(%s): %v", dir, err)
		}
		return s
	}
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Open { return openAt(t.TempDir()) })
}

func TestMigrationsIdempotent(t *testing.T) {
	dir := t.TempDir()
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("migrations: %v, %d found", err, len(ms))
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), func(tx ipam.Tx) error { return seedPool(tx, "1", "ipam-pool-a", "ipv4") }); err != nil {
		t.Fatal(err)
	}
	// Applying again on the open store and reopening change nothing.
	if err := migrate(t.Context(), s.wdb); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	s.Close()
	if s, err = Open(dir); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	var n, max int
	if err := s.rdb.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || max != ms[len(ms)-1].Version {
		t.Errorf("schema_migrations has %d rows up to %d; want %d up to %d", n, max, len(ms), ms[len(ms)-1].Version)
	}
	if err := s.View(t.Context(), func(tx ipam.Tx) error {
		_, err := tx.GetPool("1", "ipam-pool-a")
		return err
	}); err != nil {
		t.Errorf("data lost across reopen: %v", err)
	}
	var mode string
	if err := s.wdb.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

// TestQueryPlans pins the index each query shape drives: without statistics
// SQLite's planner may otherwise scan a whole pool for a handful of ids.
func TestQueryPlans(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after := &ipam.AllocationCursor{PoolID: "p", Addr: netip.MustParseAddr("10.0.0.0"), Bits: 24}
	cidrs := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}
	for _, tc := range []struct {
		q    ipam.AllocationQuery
		want string
	}{
		{ipam.AllocationQuery{PoolID: "p", After: after}, "allocations_pool_addr (pool_id=? AND (addr,bits)>(?,?))"},
		{ipam.AllocationQuery{OwnerID: "o", After: after}, "allocations_owner (owner=? AND (pool_id,addr,bits)>(?,?,?))"},
		{ipam.AllocationQuery{PoolID: "p", After: after, IDs: []string{"a", "b"}}, "sqlite_autoindex_allocations_1 (id=?)"},
		{ipam.AllocationQuery{OwnerID: "o", After: after, IDs: []string{"a"}}, "sqlite_autoindex_allocations_1 (id=?)"},
		{ipam.AllocationQuery{PoolID: "p", ResourceIDs: []string{"a"}}, "allocations_resource (resource_id=? AND pool_id=?)"},
		{ipam.AllocationQuery{OwnerID: "o", ResourceIDs: []string{"a"}, ResourceTypes: []string{"vpc"}}, "allocations_resource (resource_id=?)"},
		{ipam.AllocationQuery{PoolID: "p", After: after, CIDRs: cidrs}, "allocations_pool_addr (pool_id=? AND addr=? AND bits=?)"},
		{ipam.AllocationQuery{OwnerID: "o", CIDRs: cidrs}, "allocations_owner (owner=? AND pool_id=? AND addr=? AND bits=?)"},
	} {
		nets, _ := tc.q.NetworkCIDRs()
		query, args := listQuery(tc.q, nets)
		if plan := explain(t, s, query, args...); !strings.Contains(plan, "SEARCH allocations USING INDEX "+tc.want) {
			t.Errorf("%+v:\n plan %s\n want %s", tc.q, plan, tc.want)
		}
	}
	for _, tc := range []struct{ query, want string }{
		{`SELECT addr, bits FROM allocations WHERE pool_id = ? AND addr <= ? ORDER BY addr DESC, bits DESC LIMIT 1`, "COVERING INDEX allocations_pool_addr (pool_id=? AND addr<?)"},
		{`SELECT addr, bits FROM allocations WHERE pool_id = ? AND addr > ? ORDER BY addr, bits LIMIT 1`, "COVERING INDEX allocations_pool_addr (pool_id=? AND addr>?)"},
		{`SELECT addr, bits FROM allocations WHERE pool_id = ? ORDER BY addr, bits`, "COVERING INDEX allocations_pool_addr (pool_id=?)"},
	} {
		if plan := explain(t, s, tc.query, "p", []byte{10, 0, 0, 0}); !strings.Contains(plan, tc.want) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s:\n plan %s\n want %s without a sort", tc.query, plan, tc.want)
		}
	}
}

// A token lookup reads the narrow key index (migration 4).
func TestTokenQueryPlan(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const q = `SELECT params_hash, result FROM client_tokens WHERE key = ? AND owner = ? AND action = ? AND token = ?`
	if plan, want := explain(t, s, q, 1, "o", "a", "t"), "USING INDEX client_tokens_key (key=?)"; !strings.Contains(plan, want) {
		t.Errorf("%s:\n plan %s\n want %s", q, plan, want)
	}
}

func explain(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	n := strings.Count(query, "?")
	rows, err := s.rdb.Query("EXPLAIN QUERY PLAN "+query, args[:min(n, len(args))]...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "; ")
}

// TestNodeNumbers: every open of a database, at once or one after another,
// gets a number of its own (the time-ordered ids of ipam/ids.go rely on it).
func TestNodeNumbers(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	na, nb := a.NodeNumber(), b.NodeNumber()
	a.Close()
	b.Close()
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if nc := c.NodeNumber(); na == nb || nc == na || nc == nb {
		t.Fatalf("node numbers %d, %d, %d: want three different", na, nb, nc)
	}
}
