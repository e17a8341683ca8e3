package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ipamd/ipamd/internal/store/migration"
)

// Each migration is migrations/NNNN_name.sql, numbered like SQLite's
// (internal/store/migration). schema_migrations records the name without
// ".sql".
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// legacyNames maps a migration to the name databases made before the two
// stores shared one numbering recorded for it: either name marks it applied,
// and old records are never rewritten (an older node reading the table
// still finds its own names).
var legacyNames = map[string]string{
	"0002_allocations_description": "0004_allocations_description",
}

// migrationLockKey is the pg_advisory_lock key that serializes schema
// migration between nodes starting at once ("ipamd" in ASCII). Advisory locks
// are per database, so nodes of different databases never wait on each other.
const migrationLockKey int64 = 0x6970616d64

// migrate applies every embedded migration not yet recorded in
// schema_migrations.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migration.Load(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return migrateWith(ctx, pool, ms)
}

// migrateWith applies the pending migrations of ms in one transaction with
// their records, under an advisory lock that serializes nodes starting at
// once. PostgreSQL's DDL is transactional: a migration that fails leaves the
// database exactly as it was.
func migrateWith(ctx context.Context, pool *pgxpool.Pool, ms []migration.Migration) (err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()

	// A session lock rather than a transaction lock: it must cover the
	// CREATE TABLE below too, and the server drops it anyway if this
	// connection dies.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return err
	}
	defer func() {
		// Unlock even when ctx is done, or the pooled connection would keep
		// the lock and block every other node's Open.
		_, uerr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
		if uerr != nil {
			conn.Conn().PgConn().Close(context.WithoutCancel(ctx)) // drops the lock with the session
			if err == nil {
				err = uerr
			}
		}
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    text PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return err
	}
	recorded := map[string]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return err
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		recorded[v] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	pending := migration.Pending(ms, func(m migration.Migration) bool {
		return recorded[m.Name] || (legacyNames[m.Name] != "" && recorded[legacyNames[m.Name]])
	})
	if len(pending) == 0 {
		return nil
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	for _, m := range pending {
		// No arguments: pgx sends the file with the simple protocol, which
		// accepts several statements at once.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ($1)", m.Name); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
