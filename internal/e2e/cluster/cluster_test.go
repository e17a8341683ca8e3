package cluster

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgNodes starts n `ipamd serve --database-url` processes on one fresh
// database.
func pgNodes(t *testing.T, n int) []*node {
	t.Helper()
	nodes, _ := pgNodesDB(t, n)
	return nodes
}

// pgNodesDB is pgNodes that also returns the database's URL.
func pgNodesDB(t *testing.T, n int) ([]*node, string) {
	t.Helper()
	db := newDatabase(t).String()
	var nodes []*node
	for i := range n {
		nodes = append(nodes, startNode(t, "node"+string(rune('0'+i)), "--database-url", db, "--max-pools", "500"))
	}
	return nodes, db
}

// TestThreeNodesNoOverlap: three nodes on one PostgreSQL database, 16
// concurrent SDK clients spread over them (allocations by netmask, by
// explicit CIDR, with allowed/disallowed ranges, previews, releases of their
// own allocations, child pools provisioned from the shared pools). Every
// answer is a success or an expected refusal; afterwards the database holds
// exactly what was acknowledged, with no overlap, on every node alike.
func TestThreeNodesNoOverlap(t *testing.T) {
	nodes := pgNodes(t, 3)
	w := setup(t, newClient(nodes[0].url()))
	l := runLoad(t, w, loadConfig{nodes: nodes, clients: 16, duration: 15 * time.Second})
	checkBad(t, l)
	if n := l.total(acked); n < 500 {
		t.Errorf("only %d acknowledged operations: the load did not load", n)
	}
	check(t, nodes, w, l)
	allocateOnEachNode(t, nodes, w)
}

// TestThreeNodesCrash: the same load, with one node killed (SIGKILL) in the
// middle and restarted on the same address. Clients of that node see
// transport errors: those operations may or may not have happened, and the
// checker allows either for them but nothing else. The other nodes never
// fail, and the restarted node serves again.
func TestThreeNodesCrash(t *testing.T) {
	nodes := pgNodes(t, 3)
	victim := nodes[2]
	w := setup(t, newClient(nodes[0].url()))
	l := runLoad(t, w, loadConfig{nodes: nodes, clients: 16, duration: 12 * time.Second,
		policy: func(n *node) policy { return policy{transport: n == victim} },
		during: func() {
			time.Sleep(4 * time.Second)
			victim.kill()
			time.Sleep(time.Second)
			victim.start(t)
		}})
	checkBad(t, l)
	if l.total(unknown) == 0 {
		t.Log("no operation was in flight on the killed node") // possible, if unlikely
	}
	check(t, nodes, w, l)
	allocateOnEachNode(t, nodes, w)
}

// TestSQLiteCrash: one node on SQLite under the same load, killed with
// SIGKILL in the middle and restarted on the same --data-dir: every
// acknowledged operation survived, nothing else appeared.
func TestSQLiteCrash(t *testing.T) {
	n := startNode(t, "sqlite", "--data-dir", t.TempDir(), "--max-pools", "500")
	nodes := []*node{n}
	w := setup(t, newClient(n.url()))
	l := runLoad(t, w, loadConfig{nodes: nodes, clients: 16, duration: 10 * time.Second,
		policy: func(*node) policy { return policy{transport: true} },
		during: func() {
			time.Sleep(4 * time.Second)
			n.kill()
			time.Sleep(500 * time.Millisecond)
			n.start(t)
		}})
	checkBad(t, l)
	check(t, nodes, w, l)
	allocateOnEachNode(t, nodes, w)
}

// TestCheckerCatches proves the checker is not blind: after a short load,
// an overlapping allocation written behind ipamd's back (with the database's
// overlap constraint dropped) and an acknowledged allocation deleted behind
// its back are both reported.
func TestCheckerCatches(t *testing.T) {
	db := newDatabase(t)
	n := startNode(t, "node0", "--database-url", db.String(), "--max-pools", "500")
	nodes := []*node{n}
	w := setup(t, newClient(n.url()))
	l := runLoad(t, w, loadConfig{nodes: nodes, clients: 4, duration: time.Second})
	checkBad(t, l)
	if list := audit(t, nodes, w, l); len(list) > 0 {
		t.Fatalf("clean run: %v", list)
	}

	// Two live acknowledged allocations: one to overlap, one to delete.
	var live []alloc
	for id, a := range l.allocs {
		if !l.released[id] && a.cidr.Bits() < 64 && len(live) < 2 {
			live = append(live, a)
		}
	}
	if len(live) < 2 {
		t.Fatalf("only %d live allocations", len(live))
	}
	conn, err := pgx.Connect(ctx, db.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	inner := netip.PrefixFrom(live[0].cidr.Addr(), live[0].cidr.Bits()+1)
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{"ALTER TABLE allocations DROP CONSTRAINT allocations_no_overlap, DROP CONSTRAINT allocations_no_overlap6", nil},
		{`INSERT INTO allocations (id, pool_id, owner, cidr, addr, last, bits, resource_type, resource_owner, description)
			SELECT 'ipam-pool-alloc-0tampered', pool_id, owner, $2::cidr, $3, $4, $5, 'custom', owner, 'tampered'
			FROM allocations WHERE id = $1`,
			[]any{live[0].id, inner.String(), inner.Addr().AsSlice(), lastAddr(inner), inner.Bits()}},
		{"DELETE FROM allocations WHERE id = $1", []any{live[1].id}},
	} {
		if _, err := conn.Exec(ctx, st.sql, st.args...); err != nil {
			t.Fatalf("%s: %v", st.sql, err)
		}
	}
	list := strings.Join(audit(t, nodes, w, l), "\n")
	for _, want := range []string{"OVERLAP", "do not replay", "ipam-pool-alloc-0tampered", "acknowledged allocation " + live[1].id + " "} {
		if !strings.Contains(list, want) {
			t.Errorf("checker did not report %q; it reported:\n%s", want, list)
		}
	}
}

// lastAddr is the last address of p as 4 or 16 bytes.
func lastAddr(p netip.Prefix) []byte {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return b
}
