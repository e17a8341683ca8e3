package sqlite

import (
	"errors"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// Two tokens whose 8-byte keys collide are still two tokens: a row planted
// under t1's key for another token neither answers for t1 nor blocks it.
func TestTokenKeyCollision(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const owner, action = "111122223333", "AllocateIpamPoolCidr"
	if _, err := s.wdb.Exec(`INSERT INTO client_tokens (key, owner, action, token, params_hash, created_at) VALUES (?, ?, ?, 'other', 'h0', 0)`,
		tokenKey(owner, action, "t1"), owner, action); err != nil {
		t.Fatal(err)
	}
	err = s.View(t.Context(), func(tx ipam.Tx) error {
		_, err := tx.ClientToken(owner, action, "t1")
		return err
	})
	if !errors.Is(err, ipam.ErrNotFound) {
		t.Fatalf("ClientToken(t1) with only a colliding row: %v, want ErrNotFound", err)
	}
	put := func() error {
		return s.Update(t.Context(), func(tx ipam.Tx) error {
			return tx.PutClientToken(&ipam.TokenRecord{OwnerID: owner, Action: action, Token: "t1", ParamsHash: "h1"})
		})
	}
	if err := put(); err != nil {
		t.Fatalf("PutClientToken(t1) beside a colliding row: %v", err)
	}
	if err := put(); !errors.Is(err, ipam.ErrConflict) {
		t.Fatalf("second PutClientToken(t1): %v, want ErrConflict", err)
	}
	err = s.View(t.Context(), func(tx ipam.Tx) error {
		rec, err := tx.ClientToken(owner, action, "t1")
		if err == nil && rec.ParamsHash != "h1" {
			t.Errorf("ClientToken(t1) = %+v, want h1", rec)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
