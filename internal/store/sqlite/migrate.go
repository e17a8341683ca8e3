package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/ipamd/ipamd/internal/store/migration"
)

// Each migration is migrations/NNNN_name.sql, numbered like PostgreSQL's
// (internal/store/migration).
//
//go:embed migrations/*.sql
var migrationFS embed.FS

func migrations() ([]migration.Migration, error) { return migration.Load(migrationFS, "migrations") }

// migrate applies every migration not yet recorded in schema_migrations. db
// is the write connection, whose transactions begin IMMEDIATE: two processes
// opening the same file at once take turns, and the second sees the first's
// records.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return migrateWith(ctx, db, ms)
}

// migrateTo applies the migrations up to version last (tests build older
// schemas with it).
func migrateTo(ctx context.Context, db *sql.DB, last int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return migrateWith(ctx, db, ms[:min(last, len(ms))])
}

// migrateWith applies the pending migrations of ms in one transaction with
// their records: SQLite's DDL is transactional, so a migration that fails
// leaves the store exactly as it was before Open, not half upgraded.
func migrateWith(ctx context.Context, db *sql.DB, ms []migration.Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx,
		`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	applied := map[int]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	if err := rows.Close(); err != nil {
		return err
	}
	pending := migration.Pending(ms, func(m migration.Migration) bool { return applied[m.Version] })
	if len(pending) == 0 {
		return nil
	}
	for _, m := range pending {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, applied_at) VALUES (?, unixepoch())`, m.Version); err != nil {
			return err
		}
	}
	return tx.Commit()
}
