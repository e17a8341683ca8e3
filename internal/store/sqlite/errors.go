package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/ipamd/ipamd/internal/ipam"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// mapErr classifies a database error for the service: constraint violations
// are conflicts, a database that cannot be reached, read or written is
// unavailable. Anything else (a bug, a bad query) passes unchanged.
func mapErr(err error) error {
	if err == nil ||
		errors.Is(err, ipam.ErrNotFound) || errors.Is(err, ipam.ErrConflict) || errors.Is(err, ipam.ErrUnavailable) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_CONSTRAINT:
			return fmt.Errorf("%w: %w", ipam.ErrConflict, err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL,
			sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_NOLFS:
			return fmt.Errorf("%w: %w", ipam.ErrUnavailable, err)
		}
		return err
	}
	// database/sql reports a closed *sql.DB with an unexported error.
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		strings.Contains(err.Error(), "database is closed") {
		return fmt.Errorf("%w: %w", ipam.ErrUnavailable, err)
	}
	return err
}

func notFound(kind, id string) error {
	return fmt.Errorf("%w: %s %s", ipam.ErrNotFound, kind, id)
}
