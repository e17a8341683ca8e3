package storetest

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

func testPoolChanges(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	p := h.seedPool(owner, "ipam-pool-changes", "ipv4")
	q := h.seedPool(owner, "ipam-pool-other", "ipv6")
	change := func(k ipam.ChangeKind, s string) ipam.PoolChange {
		return ipam.PoolChange{Kind: k, Prefix: netip.MustParsePrefix(s)}
	}
	v1 := ipam.PoolVersion{Version: 1, Changes: []ipam.PoolChange{change(ipam.ChangeAdd, "10.0.0.0/16")}}
	v2 := ipam.PoolVersion{Version: 2, Changes: []ipam.PoolChange{
		change(ipam.ChangeTake, "10.0.0.0/24"), change(ipam.ChangeTake, "10.0.1.0/24"),
		change(ipam.ChangeFree, "10.0.0.0/24"), change(ipam.ChangeRemove, "10.0.0.0/16")}}
	v3 := ipam.PoolVersion{Version: 3} // a version with no change is still a version
	since := func(tx ipam.Tx, pool string, v int64) []ipam.PoolVersion {
		t.Helper()
		got, err := tx.PoolChangesSince(pool, v)
		if err != nil {
			t.Fatalf("PoolChangesSince(%s, %d): %v", pool, v, err)
		}
		return got
	}
	h.update(func(tx ipam.Tx) error {
		for _, v := range []ipam.PoolVersion{v1, v2} {
			if err := tx.AppendPoolChanges(p.ID, v.Version, v.Changes); err != nil {
				return err
			}
		}
		return tx.AppendPoolChanges(q.ID, 1, []ipam.PoolChange{change(ipam.ChangeAdd, "fd00::/48")})
	})
	// Under the pool's lock (PostgreSQL defers the write): read back in the
	// same transaction, and after commit.
	h.update(func(tx ipam.Tx) error {
		if _, err := tx.LockPool(owner, p.ID); err != nil {
			return err
		}
		if err := tx.AppendPoolChanges(p.ID, v3.Version, v3.Changes); err != nil {
			return err
		}
		equal(t, "PoolChangesSince in the appending transaction", since(tx, p.ID, 2), []ipam.PoolVersion{v3})
		return nil
	})
	h.view(func(tx ipam.Tx) error {
		equal(t, "PoolChangesSince(0)", since(tx, p.ID, 0), []ipam.PoolVersion{v1, v2, v3})
		equal(t, "PoolChangesSince(1)", since(tx, p.ID, 1), []ipam.PoolVersion{v2, v3})
		equal(t, "PoolChangesSince(3)", len(since(tx, p.ID, 3)), 0)
		equal(t, "PoolChangesSince of another pool", since(tx, q.ID, 0),
			[]ipam.PoolVersion{{Version: 1, Changes: []ipam.PoolChange{change(ipam.ChangeAdd, "fd00::/48")}}})
		equal(t, "PoolChangesSince of a pool with no log", len(since(tx, "ipam-pool-none", 0)), 0)
		return nil
	})
	// LockPoolChanges: the lock and the log after since, in one call.
	h.update(func(tx ipam.Tx) error {
		got, log, err := tx.LockPoolChanges(owner, p.ID, 1)
		if err != nil {
			return err
		}
		equal(t, "LockPoolChanges pool", got.ID, p.ID)
		equal(t, "LockPoolChanges(1) log", log, []ipam.PoolVersion{v2, v3})
		// The pool is locked: its log write is accepted as for LockPool.
		if _, log, err = tx.LockPoolChanges(owner, q.ID, -1); err != nil || log != nil {
			t.Errorf("LockPoolChanges(-1) = %v, %v; want no log", log, err)
		}
		return nil
	})
	h.wantErr(ipam.ErrNotFound, "LockPoolChanges of another owner's pool", func(tx ipam.Tx) error {
		_, _, err := tx.LockPoolChanges("999999999999", p.ID, 0)
		return err
	})
	h.wantErr(ipam.ErrNotFound, "LockPoolChanges of a missing pool", func(tx ipam.Tx) error {
		_, _, err := tx.LockPoolChanges(owner, "ipam-pool-none", 0)
		return err
	})
	// LockPoolsChanges: several at once; a missing pool or another owner's
	// answers ErrNotFound without spoiling the others or the transaction.
	h.update(func(tx ipam.Tx) error {
		got, _, err := tx.LockPoolsChanges([]ipam.PoolLock{
			{Owner: owner, ID: p.ID, Since: 1},
			{Owner: owner, ID: "ipam-pool-none", Since: 0},
			{Owner: "999999999999", ID: q.ID, Since: 0},
			{Owner: owner, ID: q.ID, Since: -1},
		}, nil)
		if err != nil {
			return err
		}
		equal(t, "LockPoolsChanges answers", len(got), 4)
		equal(t, "LockPoolsChanges pool", got[0].Pool.ID, p.ID)
		equal(t, "LockPoolsChanges(1) log", got[0].Log, []ipam.PoolVersion{v2, v3})
		for _, k := range []int{1, 2} {
			if !errors.Is(got[k].Err, ipam.ErrNotFound) || got[k].Pool != nil || got[k].Log != nil {
				t.Errorf("LockPoolsChanges answer %d = %+v; want ErrNotFound alone", k, got[k])
			}
		}
		if got[3].Err != nil || got[3].Pool.ID != q.ID || got[3].Log != nil {
			t.Errorf("LockPoolsChanges(-1) = %+v; want the pool, no log", got[3])
		}
		return nil
	})
	h.wantErr(ipam.ErrConflict, "AppendPoolChanges of a logged version", func(tx ipam.Tx) error {
		return tx.AppendPoolChanges(p.ID, 2, nil)
	})
	h.wantErr(ipam.ErrConflict, "AppendPoolChanges of a logged version of a locked pool", func(tx ipam.Tx) error {
		if _, err := tx.LockPool(owner, p.ID); err != nil {
			return err
		}
		return tx.AppendPoolChanges(p.ID, 3, nil)
	})
	h.update(func(tx ipam.Tx) error {
		if _, err := tx.LockPool(owner, p.ID); err != nil {
			return err
		}
		return tx.PrunePoolChanges(p.ID, 3)
	})
	h.view(func(tx ipam.Tx) error {
		equal(t, "PoolChangesSince(0) after PrunePoolChanges(3)", since(tx, p.ID, 0), []ipam.PoolVersion{v3})
		equal(t, "other pool after PrunePoolChanges", len(since(tx, q.ID, 0)), 1)
		return nil
	})
	h.update(func(tx ipam.Tx) error { return tx.DeletePoolChanges(p.ID) })
	h.update(func(tx ipam.Tx) error { return tx.DeletePoolChanges("ipam-pool-none") })
	h.view(func(tx ipam.Tx) error {
		equal(t, "PoolChangesSince after DeletePoolChanges", len(since(tx, p.ID, 0)), 0)
		equal(t, "other pool after DeletePoolChanges", len(since(tx, q.ID, 0)), 1)
		return nil
	})
	// The log survives a reopen like every committed write.
	h.reopen()
	h.view(func(tx ipam.Tx) error {
		equal(t, "other pool after reopen", len(since(tx, q.ID, 0)), 1)
		return nil
	})
}
