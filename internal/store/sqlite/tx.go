package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ipamd/ipamd/internal/ipam"
)

// tx implements ipam.Tx on one *sql.Tx. It is used by one goroutine and dies
// with the transaction: after commit or rollback every call fails with
// sql.ErrTxDone.
type tx struct {
	ctx   context.Context
	tx    *sql.Tx
	cache *stmtCache
	stmts map[string]*sql.Stmt // statements bound to this transaction
	// missed lists the queries this transaction prepared itself, for the
	// cache to learn once the transaction is over.
	missed []string
	// load is a bulk load in progress (BeginLoad): the transaction does
	// not commit until FinishLoad rebuilt and checked what it skipped.
	load *loadState
}

var _ ipam.Tx = (*tx)(nil)

// stmt returns the prepared statement for query bound to this transaction.
func (t *tx) stmt(query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	var s *sql.Stmt
	if ps, ok := t.cache.get(query); ok {
		s = t.tx.StmtContext(t.ctx, ps)
	} else {
		var err error
		if s, err = t.tx.PrepareContext(t.ctx, query); err != nil {
			return nil, err
		}
		t.missed = append(t.missed, query)
	}
	if t.stmts == nil {
		t.stmts = make(map[string]*sql.Stmt, 8)
	}
	t.stmts[query] = s
	return s, nil
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	s, err := t.stmt(query)
	if err != nil {
		return nil, mapErr(err)
	}
	r, err := s.ExecContext(t.ctx, args...)
	return r, mapErr(err)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(query)
	if err != nil {
		return nil, mapErr(err)
	}
	r, err := s.QueryContext(t.ctx, args...)
	return r, mapErr(err)
}

// queryOnce runs a query of a shape seldom run again (an IN list of the
// caller's length) without keeping it prepared.
func (t *tx) queryOnce(query string, args ...any) (*sql.Rows, error) {
	r, err := t.tx.QueryContext(t.ctx, query, args...)
	return r, mapErr(err)
}

func (t *tx) queryRow(query string, args ...any) *sql.Row {
	s, err := t.stmt(query)
	if err != nil {
		// A *sql.Row cannot be built with an error; a tx-level QueryRow
		// reports the same preparation error from Scan.
		return t.tx.QueryRowContext(t.ctx, query, args...)
	}
	return s.QueryRowContext(t.ctx, args...)
}

// execOne runs a statement that must change exactly one row; none changed
// means the row does not exist.
func (t *tx) execOne(kind, id, query string, args ...any) error {
	r, err := t.exec(query, args...)
	if err != nil {
		return err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return mapErr(err)
	}
	if n == 0 {
		return notFound(kind, id)
	}
	return nil
}

// scanErr turns sql.ErrNoRows into ErrNotFound.
func scanErr(err error, kind, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(kind, id)
	}
	return mapErr(err)
}
