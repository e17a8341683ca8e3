package postgres

import (
	"context"
	"testing"

	"github.com/ipamd/ipamd/internal/store/migration"
)

// A database made before the stores shared one numbering recorded the
// description index as 0004_allocations_description and never had 0004's
// no-op: it opens without re-creating the index, and gains only the record
// of what it lacked.
func TestMigrateAcceptsLegacyNames(t *testing.T) {
	url := newTestDB(t).newSchema(t)
	s := openStore(t, url)
	ctx := context.Background()
	if _, err := s.Pool().Exec(ctx, `DELETE FROM schema_migrations
		WHERE version IN ('0002_allocations_description', '0004_client_tokens_rowid');
		INSERT INTO schema_migrations (version) VALUES ('0004_allocations_description')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openStore(t, url)
	got := map[string]bool{}
	rows, err := s.Pool().Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got[v] = true
	}
	if !got["0004_allocations_description"] || got["0002_allocations_description"] || !got["0004_client_tokens_rowid"] {
		t.Errorf("schema_migrations after reopening a legacy database = %v", got)
	}
}

// A migration that fails leaves the database as it was: the migration before
// it in the same Open is rolled back too.
func TestFailedMigrationChangesNothing(t *testing.T) {
	s := openStore(t, newTestDB(t).newSchema(t))
	ctx := context.Background()
	ms, err := migration.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	n := len(ms)
	bad := migration.WithFailure(ms, "SELECT 1/0")
	if err := migrateWith(ctx, s.Pool(), bad); err == nil {
		t.Fatal("a failing migration was applied")
	}
	var recs, tables int
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM schema_migrations),
		(SELECT count(*) FROM pg_tables WHERE tablename LIKE 'injected_%')`).Scan(&recs, &tables); err != nil {
		t.Fatal(err)
	}
	if recs != n || tables != 0 {
		t.Errorf("after the failed migration: %d records (want %d), %d injected tables (want 0)", recs, n, tables)
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
}
