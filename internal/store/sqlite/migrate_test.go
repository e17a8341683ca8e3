package sqlite

import (
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ipamd/ipamd/internal/store/migration"
)

// schema lists the database's schema objects and migration records.
func schema(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master
		UNION ALL SELECT 'version ' || version FROM schema_migrations ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// A migration that fails leaves the store exactly as it was before Open:
// the migrations before it in the same run are rolled back too, here the
// real migration 4 (which rebuilds client_tokens) and an injected good one.
func TestFailedMigrationChangesNothing(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), FileName)+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrateTo(t.Context(), db, 3); err != nil {
		t.Fatal(err)
	}
	before := schema(t, db)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	bad := migration.WithFailure(ms, "SELECT no_such_function()")
	if err := migrateWith(t.Context(), db, bad); err == nil {
		t.Fatal("a failing migration was applied")
	}
	if after := schema(t, db); !reflect.DeepEqual(before, after) {
		t.Errorf("schema changed by a failed migration:\nbefore %q\nafter  %q", before, after)
	}
	if err := migrate(t.Context(), db); err != nil {
		t.Fatalf("the real migrations after the failed run: %v", err)
	}
}
