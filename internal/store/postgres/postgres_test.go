package postgres

import (
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/storetest"
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
