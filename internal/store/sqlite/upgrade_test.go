package sqlite

import (
	"bytes"
	"database/sql"
	"errors"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

// TestUpgradeKeepsClientTokens: a store made before client_tokens became a
// rowid table (migration 4) keeps its tokens, and their uniqueness, after
// Open applies it.
func TestUpgradeKeepsClientTokens(t *testing.T) {
	s := upgradedStore(t, 3, `INSERT INTO client_tokens (owner, action, token, params_hash, result, created_at)
		VALUES ('111122223333', 'AllocateIpamPoolCidr', 'tok-1', 'h1', x'7b7d', 1),
		       ('111122223333', 'CreateIpam', 'tok-1', 'h2', NULL, 2)`)
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
	err := s.Update(t.Context(), func(tx ipam.Tx) error {
		return tx.PutClientToken(&ipam.TokenRecord{OwnerID: "111122223333", Action: "AllocateIpamPoolCidr", Token: "tok-1", ParamsHash: "h3"})
	})
	if !errors.Is(err, ipam.ErrConflict) {
		t.Errorf("PutClientToken of an upgraded token: %v, want ErrConflict", err)
	}
}

// TestUpgradeKeepsMonitoring: a store made before migration 9 re-keyed
// address_history and re-indexed resource_cidrs keeps its records and
// rows, found by the new keys; migration 14 drops the open record h2,
// whose span its row holds.
func TestUpgradeKeepsMonitoring(t *testing.T) {
	s := upgradedStore(t, 8, `INSERT INTO address_history (id, ipam_id, scope_id, owner, region, resource_type, resource_id,
		vpc_id, name, cidr, compliance, overlap, start_ns, end_ns) VALUES
		('h1', 'ipam-1', 'scope-a', '111122223333', 'us-east-1', 'vpc', 'vpc-1', 'vpc-1', '', '10.0.0.0/16', 'unmanaged', 'nonoverlapping', 10, 20),
		('h2', 'ipam-1', 'scope-a', '111122223333', 'us-east-1', 'vpc', 'vpc-2', 'vpc-2', '', '10.0.0.0/16', 'unmanaged', 'nonoverlapping', 30, NULL);
		INSERT INTO resource_cidrs (ipam_id, resource_id, cidr, rkey, scope_id, owner, region, resource_type, vpc_id, name,
		az_id, tags, pool_id, management, compliance, overlap_count, covered, moved, history_id, since, family, first, last)
		VALUES ('ipam-1', 'vpc-2', '10.0.0.0/16', 'vpc-2 10.0.0.0/16', 'scope-a', '111122223333', 'us-east-1', 'vpc', 'vpc-2',
		'', '', 'null', '', 'unmanaged', 'unmanaged', 0, 0, 0, 'h2', 30, 4, x'00', x'ff')`)
	p := netip.MustParsePrefix("10.0.0.0/16")
	if err := s.View(t.Context(), func(tx ipam.Tx) error {
		recs, err := tx.AddressHistory(ipam.HistoryQuery{ScopeID: "scope-a", CIDR: p, From: time.Unix(0, 0), To: time.Unix(0, 100)})
		if err != nil {
			return err
		}
		if len(recs) != 1 || recs[0].ID != "h1" || !recs[0].End.Equal(time.Unix(0, 20)) {
			t.Errorf("history after upgrade = %+v", recs)
		}
		rows, err := tx.ResourceCIDRsOf("vpc-2", "vpc-2")
		if err != nil {
			return err
		}
		if len(rows) != 1 || rows[0].HistoryID != "h2" || !rows[0].Since.Equal(time.Unix(0, 30)) {
			t.Errorf("resource CIDRs after upgrade = %+v", rows)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// upgradedStore opens a store whose database was made at migration
// version with seed's rows in it, so Open applies the migrations after it.
// The store is closed when the test ends.
func upgradedStore(t *testing.T, version int, seed string) *Store {
	t.Helper()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateTo(t.Context(), db, version); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(seed); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
