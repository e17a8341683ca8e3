package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// tx is one ipam.Tx on one pooled connection. Its methods take no context
// (the interface has none): they use the one Update or View was called with.
//
// Round trips are what a hot pool's writers queue behind, so tx saves them:
// statements that cannot fail on their own (BEGIN; an update of a pool this
// transaction locked) wait in next and go out in one pipeline with the
// following statement, or with COMMIT.
type tx struct {
	ctx  context.Context
	conn *pgxpool.Conn
	next *pgx.Batch
	rows pendingRows // INSERTs that go out first in the next round trip
	// waiting are rows inserted and not yet queued (waiting.go).
	waiting waitingRows
	sent    bool // something went to the server: there is a transaction to end
	// locked holds the pools this transaction locked (LockPool): their row
	// exists and no one else can touch it until we end.
	locked map[string]bool
	// failed is the first error from the server or the connection: the
	// transaction is aborted after it, so it, not a later "transaction is
	// aborted", is what matters.
	failed error
	// lost reports a dead connection. committing reports that COMMIT was
	// sent: a connection lost after it leaves the outcome unknown.
	lost, committing bool
	done             bool // Update or View returned: the connection is gone
	// load is a bulk load in progress (BeginLoad): COMMIT is refused
	// until FinishLoad rebuilt and checked what the load dropped.
	load *loadState
	// trips counts the round trips sent (Store.RoundTrips); nil: none.
	trips *atomic.Int64
}

// rollbackTimeout bounds the ROLLBACK that ends a failed transaction.
const rollbackTimeout = 5 * time.Second

// errTxDone is the answer to a Tx used after its Update or View returned.
var errTxDone = errors.New("postgres: transaction already ended")

var _ ipam.Tx = (*tx)(nil)

func newTx(ctx context.Context, conn *pgxpool.Conn, begin string) *tx {
	t := &tx{ctx: ctx, conn: conn, next: &pgx.Batch{}}
	t.next.Queue(begin)
	return t
}

// send runs the waiting statements then sql, in one round trip; set
// registers the callback that reads sql's result.
func (t *tx) send(sql string, args []any, set func(*pgx.QueuedQuery)) error {
	return t.sendAll(func(b *pgx.Batch) { set(b.Queue(sql, args...)) })
}

// sendAll runs the waiting statements then those add queues, in one round
// trip.
func (t *tx) sendAll(add func(*pgx.Batch)) error {
	if t.done {
		return errTxDone
	}
	if t.failed != nil {
		// Aborted: the server would refuse every statement until ROLLBACK.
		return mapErr(t.failed)
	}
	b := t.next
	t.next = &pgx.Batch{}
	t.flushWaiting(b)
	t.rows.queue(b)
	add(b)
	t.sent = true
	if t.trips != nil {
		t.trips.Add(1)
	}
	return t.note(t.conn.SendBatch(t.ctx, b).Close())
}

// note records err if it aborted the transaction and returns it mapped.
func (t *tx) note(err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if t.failed == nil && (errors.As(err, &pgErr) || isUnavailable(err) || t.conn.Conn().IsClosed()) {
		t.failed = err
		t.lost = isUnavailable(err) || t.conn.Conn().IsClosed()
	}
	return mapErr(err)
}

// commit sends what waits and COMMIT together.
func (t *tx) commit() error {
	if t.failed != nil {
		// fn went on after an error that aborted the transaction; COMMIT
		// would only roll back.
		return t.failed
	}
	if !t.sent {
		return nil // fn ran no statement: not even BEGIN went out
	}
	if t.load != nil {
		return errors.New("postgres: a load (BeginLoad) commits only after FinishLoad")
	}
	t.committing = true
	return t.send("COMMIT", nil, func(qq *pgx.QueuedQuery) {
		qq.Exec(func(tag pgconn.CommandTag) error {
			// The server answers COMMIT of a failed transaction with
			// ROLLBACK, and no error.
			if tag.String() != "COMMIT" {
				return fmt.Errorf("commit: transaction rolled back (%s)", tag)
			}
			return nil
		})
	})
}

// end rolls back whatever was not committed and returns the connection.
func (t *tx) end() {
	pc := t.conn.Conn().PgConn()
	if !pc.IsClosed() && pc.TxStatus() != 'I' {
		// Not under the caller's context, which may be done: a connection
		// left in a transaction is destroyed rather than reused. Bounded,
		// though, in case the server hangs.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), rollbackTimeout)
		_, _ = pc.Exec(ctx, "ROLLBACK").ReadAll()
		cancel()
	}
	t.done = true
	t.conn.Release()
}

func (t *tx) exec(sql string, args ...any) (n int64, err error) {
	err = t.send(sql, args, func(qq *pgx.QueuedQuery) {
		qq.Exec(func(tag pgconn.CommandTag) error {
			n = tag.RowsAffected()
			return nil
		})
	})
	return n, err
}

// queryRow runs a statement returning at most one row into dest; no row is
// ErrNotFound.
func (t *tx) queryRow(sql string, args []any, dest ...any) error {
	return t.send(sql, args, func(qq *pgx.QueuedQuery) {
		qq.QueryRow(func(row pgx.Row) error { return row.Scan(dest...) })
	})
}

// query runs a statement and hands each row to scan.
func (t *tx) query(sql string, args []any, scan func(pgx.Rows) error) error {
	return t.send(sql, args, func(qq *pgx.QueuedQuery) {
		qq.Query(func(rows pgx.Rows) error {
			for rows.Next() {
				if err := scan(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		})
	})
}

// execOne runs a statement that must touch exactly one row: none is
// ErrNotFound (an update or delete of a missing id).
func (t *tx) execOne(what, id, sql string, args ...any) error {
	n, err := t.exec(sql, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", what, id, ipam.ErrNotFound)
	}
	return nil
}

// insert runs an INSERT ... ON CONFLICT DO NOTHING: a duplicate is reported
// as ErrConflict without aborting the transaction, so fn may go on.
func (t *tx) insert(what, id, sql string, args ...any) error {
	n, err := t.exec(sql, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return conflictf("%s %s", what, id)
	}
	return nil
}

// getDoc reads one JSON document into dst.
func (t *tx) getDoc(what, id string, dst any, sql string, args ...any) error {
	var doc []byte
	if err := t.queryRow(sql, args, &doc); err != nil {
		return fmt.Errorf("%s %s: %w", what, id, err)
	}
	return decodeDoc(doc, dst)
}

func decodeDoc(doc []byte, dst any) error {
	if err := json.Unmarshal(doc, dst); err != nil {
		return err
	}
	ipam.ClearEmpty(dst)
	return nil
}

// listDocs reads JSON documents, one a row.
func listDocs[T any](t *tx, sql string, args ...any) ([]*T, error) {
	var out []*T
	if err := t.query(sql, args, appendDoc(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// appendDoc decodes a row's JSON document onto *out: listDocs's row
// reader, also for a statement queued in a batch.
func appendDoc[T any](out *[]*T) func(pgx.Rows) error {
	var doc []byte
	return func(rows pgx.Rows) error {
		if err := rows.Scan(&doc); err != nil {
			return err
		}
		v := new(T)
		if err := decodeDoc(doc, v); err != nil {
			return err
		}
		*out = append(*out, v)
		return nil
	}
}
