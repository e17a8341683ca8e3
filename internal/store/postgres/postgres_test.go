package postgres

import (
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestContract runs the shared store contract suite. Each location is a
// fresh schema of one database created for this run (see newTestDB).
func TestContract(t *testing.T) {
	db := newTestDB(t)
	storetest.Run(t, func(t *testing.T) storetest.Open {
		url := db.newSchema(t)
		return func(t *testing.T) ipam.Store {
			// Not openStore: the suite closes what it opens.
			s, err := Open(t.Context(), url)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		}
	})
}

// A real serialization failure (SQLSTATE 40001, raised by the server) is a
// conflict the store returns at once and the service retries: one call runs
// at most ipam.ConflictRuns times, not the store's attempts times the
// service's.
func TestSerializationFailureRuns(t *testing.T) {
	s := openStore(t, newTestDB(t).newSchema(t))
	storetest.CheckConflictRuns(t, s, func(itx ipam.Tx) error {
		t := itx.(*tx)
		return t.send(`DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = 'serialization_failure'; END $$`, nil,
			func(qq *pgx.QueuedQuery) { qq.Exec(func(pgconn.CommandTag) error { return nil }) })
	})
}
