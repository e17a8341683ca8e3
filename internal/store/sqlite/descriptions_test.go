package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// TestListAllocationsDescriptions checks the Descriptions constraint: exact
// values, keyset order and cursor, both listing modes, and that a pool
// listing reads them through the description index rather than the pool.
func TestListAllocationsDescriptions(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const owner, pool = "111111111111", "ipam-pool-desc"
	descs := []string{"a", "b", "a", "c", "a", "A", "a "}
	err = s.Update(ctx, func(tx ipam.Tx) error {
		if err := seedPool(tx, owner, pool, "ipv4"); err != nil {
			return err
		}
		for i, d := range descs {
			a := nthAlloc(owner, pool, 10-i) // inserted in descending address order
			a.Description = d
			if err := tx.InsertAllocation(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	list := func(q ipam.AllocationQuery) []string {
		t.Helper()
		var out []string
		err := s.View(ctx, func(tx ipam.Tx) error {
			rows, err := tx.ListAllocations(q)
			for _, a := range rows {
				out = append(out, a.CIDR.String()+"="+a.Description)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := "10.0.0.6/32=a 10.0.0.8/32=a 10.0.0.10/32=a"
	if got := strings.Join(list(ipam.AllocationQuery{PoolID: pool, Descriptions: []string{"a"}}), " "); got != want {
		t.Errorf("pool mode: %s, want %s", got, want)
	}
	if got := strings.Join(list(ipam.AllocationQuery{OwnerID: owner, Descriptions: []string{"a"}}), " "); got != want {
		t.Errorf("owner mode: %s, want %s", got, want)
	}
	after := nthHost(6)
	q := ipam.AllocationQuery{PoolID: pool, Descriptions: []string{"a", "c"}, Limit: 2,
		After: &ipam.AllocationCursor{PoolID: pool, Addr: after.Addr(), Bits: after.Bits()}}
	if got, want := strings.Join(list(q), " "), "10.0.0.7/32=c 10.0.0.8/32=a"; got != want {
		t.Errorf("two values after a cursor: %s, want %s", got, want)
	}

	query, args := listQuery(ipam.AllocationQuery{PoolID: pool, Descriptions: []string{"a"}, Limit: 10}, nil)
	var plan []string
	err = s.View(ctx, func(itx ipam.Tx) error {
		rows, err := itx.(*tx).tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				return err
			}
			plan = append(plan, detail)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Join(plan, "; ")
	if !strings.Contains(p, "allocations_description") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("plan %q: want the description index and no sort", p)
	}
}
