package sqlite

import (
	"bytes"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// TestUpgradeKeepsClientTokens: a store made before client_tokens became a
// rowid table (migration 4) keeps its tokens, and their uniqueness, after
// Open applies it.
func TestUpgradeKeepsClientTokens(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateTo(t.Context(), db, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO client_tokens (owner, action, token, params_hash, result, created_at)
		VALUES ('111122223333', 'AllocateIpamPoolCidr', 'tok-1', 'h1', x'7b7d', 1),
		       ('111122223333', 'CreateIpam', 'tok-1', 'h2', NULL, 2)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.View(t.Context(), func(tx ipam.Tx) error {
		rec, err := tx.ClientToken("111122223333", "AllocateIpamPoolCidr", "tok-1")
		if err != nil {
			return err
		}
		if rec.ParamsHash != "h1" || !bytes.Equal(rec.Result, []byte("{}")) {
			t.Errorf("token after upgrade = %+v", rec)
		}
		recs, err := tx.ClientTokens("111122223333", "CreateIpam", []string{"tok-1", "tok-2"})
		if err != nil || len(recs) != 1 || recs[0].ParamsHash != "h2" {
			t.Errorf("ClientTokens after upgrade = %+v, %v", recs, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err = s.Update(t.Context(), func(tx ipam.Tx) error {
		return tx.PutClientToken(&ipam.TokenRecord{OwnerID: "111122223333", Action: "AllocateIpamPoolCidr", Token: "tok-1", ParamsHash: "h3"})
	})
	if !errors.Is(err, ipam.ErrConflict) {
		t.Errorf("PutClientToken of an upgraded token: %v, want ErrConflict", err)
	}
}
