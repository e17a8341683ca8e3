package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// SQLSTATE codes the store reacts to.
const (
	codeUniqueViolation    = "23505"
	codeExclusionViolation = "23P01" // the allocations_no_overlap constraint
	codeSerialization      = "40001"
	codeDeadlock           = "40P01"
	codeTooManyConnections = "53300"
	codeAdminShutdown      = "57P01"
	codeCrashShutdown      = "57P02"
	codeCannotConnectNow   = "57P03"
	codeOverlapFound       = "IP001" // ipamd_overlap_found() (migration 0016)
)

// mapErr wraps err with the ipam sentinel that classifies it, keeping the
// original in the chain (errors.As still finds the *pgconn.PgError, which
// the retry loop relies on).
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ipam.ErrNotFound), errors.Is(err, ipam.ErrConflict), errors.Is(err, ipam.ErrUnavailable),
		errors.Is(err, ipam.ErrOverlapFound):
		return err
	case sqlState(err) == codeOverlapFound:
		return fmt.Errorf("%w: %w", ipam.ErrOverlapFound, err)
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%w: %w", ipam.ErrNotFound, err)
	case isConflict(err):
		return fmt.Errorf("%w: %w", ipam.ErrConflict, err)
	case isUnavailable(err):
		return fmt.Errorf("%w: %w", ipam.ErrUnavailable, err)
	}
	return err
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func isConflict(err error) bool {
	switch sqlState(err) {
	case codeUniqueViolation, codeExclusionViolation, codeSerialization, codeDeadlock:
		return true
	}
	return false
}

// retryable reports a failure that says nothing about fn's logic: running
// the transaction again may well succeed.
func retryable(err error) bool {
	switch sqlState(err) {
	case codeSerialization, codeDeadlock:
		return true
	}
	return false
}

// isUnavailable reports an error meaning the database cannot be reached or
// the connection was lost: the request may succeed later, on a new
// connection.
func isUnavailable(err error) bool {
	if code := sqlState(err); code != "" {
		switch {
		case code[:2] == "08": // connection_exception class
			return true
		case code == codeAdminShutdown, code == codeCrashShutdown, code == codeCannotConnectNow,
			code == codeTooManyConnections:
			return true
		}
		return false
	}
	// A canceled or timed-out request is the caller's doing, not an outage;
	// but pgconn reports a failed dial as a ConnectError even on timeout.
	if isConnectError(err) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var netErr net.Error
	return errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, puddle.ErrClosedPool) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &netErr)
}

// isConnectError reports a failure to open a new connection.
func isConnectError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}

func isNotFound(err error) bool { return errors.Is(err, ipam.ErrNotFound) }

// conflictf is an ErrConflict for a write ON CONFLICT DO NOTHING skipped.
func conflictf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ipam.ErrConflict)...)
}

// isStaleConn reports a pooled connection found dead, as opposed to a failed
// dial (the server is down) or a closed Store.
func isStaleConn(err error) bool {
	return isUnavailable(err) && !isConnectError(err) && !errors.Is(err, puddle.ErrClosedPool)
}
