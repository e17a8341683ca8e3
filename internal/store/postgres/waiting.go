package postgres

import (
	"sync"

	"github.com/jackc/pgx/v5"
)

// Rows a transaction inserts under locks it holds (its pool's, its space
// locks) can only fail with the whole transaction, so they wait and go out
// together: a group transaction's eight VPCs pay one INSERT's start-up per
// table, not eight, and ipamd queues two statements, not sixteen. They go
// out in their place among the transaction's statements: every statement
// queued after them (t.queue, later, sendAll) sends them first.

// multiInsert is a table's multi-row INSERT over a VALUES list of
// parameters, one SQL text per row count.
type multiInsert struct {
	head  string   // "INSERT INTO t (a, b) VALUES "
	casts []string // one per column: the row's width
	sqls  sync.Map // n -> SQL
}

func (m *multiInsert) width() int { return len(m.casts) }

func (m *multiInsert) sql(n int) string {
	return cachedSQL(&m.sqls, n, func() string { return m.head + valuesSQL(n, 1, m.casts...) })
}

// queue adds the INSERTs of the rows whose values args holds (width each)
// to b, at most maxRowsPerStatement rows a statement.
func (m *multiInsert) queue(b *pgx.Batch, args []any) {
	for len(args) > 0 {
		n := min(len(args)/m.width(), maxRowsPerStatement)
		chunk := args[:n*m.width()]
		args = args[len(chunk):]
		b.Queue(m.sql(n), chunk...)
	}
}

// waitingRows are the values of the rows inserted and not yet queued.
type waitingRows struct {
	vpcs, vpcCIDRs []any
	resourceCIDRs  []waitingResourceCIDR
}

func (w *waitingRows) empty() bool {
	return len(w.vpcs) == 0 && len(w.vpcCIDRs) == 0 && len(w.resourceCIDRs) == 0
}

// flushWaiting queues the waiting rows on b: VPCs before their association
// rows, then resource CIDR rows.
func (t *tx) flushWaiting(b *pgx.Batch) {
	w := &t.waiting
	if w.empty() {
		return
	}
	queueVPCRows(b, w.vpcs, w.vpcCIDRs)
	queueResourceCIDRGroups(b, w.resourceCIDRs)
	*w = waitingRows{} // the batch holds the slices queued
}

// queue queues a statement that goes out with the next round trip, after
// the rows waiting before it.
func (t *tx) queue(sql string, args ...any) *pgx.QueuedQuery {
	t.flushWaiting(t.next)
	return t.next.Queue(sql, args...)
}

// waits reports whether a row inserted now may wait: the transaction is
// alive and something went out already (else COMMIT would send nothing).
func (t *tx) waits() bool { return t.failed == nil && t.sent }

// queueVPCRows queues the INSERTs of VPCs and of their association rows:
// one statement for both tables when each fits in one (a data-modifying
// WITH; nothing ties the two since 0015), which saves the server a
// statement's start-up and pgx a result per group.
func queueVPCRows(b *pgx.Batch, vpcs, cidrs []any) {
	nv, nc := len(vpcs)/insertVPCs.width(), len(cidrs)/insertVPCCIDRs.width()
	if nv == 0 || nc == 0 || nv > maxRowsPerStatement || nc > maxRowsPerStatement {
		insertVPCs.queue(b, vpcs)
		insertVPCCIDRs.queue(b, cidrs)
		return
	}
	sql := cachedSQL(&vpcRowsSQLs, nv<<16|nc, func() string {
		return "WITH v AS (" + insertVPCs.head + valuesSQL(nv, 1, insertVPCs.casts...) + ") " +
			insertVPCCIDRs.head + valuesSQL(nc, nv*insertVPCs.width()+1, insertVPCCIDRs.casts...)
	})
	b.Queue(sql, append(vpcs[:len(vpcs):len(vpcs)], cidrs...)...)
}

var vpcRowsSQLs sync.Map // VPCs<<16 | association rows -> SQL
