package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

func testClientToken(t *testing.T, h *harness) {
	const owner = "111111111111"
	rec := &ipam.TokenRecord{OwnerID: owner, Action: "AllocateIpamPoolCidr", Token: "tok-1",
		ParamsHash: "h1", Result: []byte(`{"id":"ipam-pool-alloc-1"}`)}
	h.wantViewErr(ipam.ErrNotFound, "ClientToken before PutClientToken", func(tx ipam.Tx) error {
		_, err := tx.ClientToken(owner, rec.Action, rec.Token)
		return err
	})
	h.update(func(tx ipam.Tx) error {
		if err := tx.PutClientToken(rec); err != nil {
			return err
		}
		// The same token for another action or another owner is another record.
		if err := tx.PutClientToken(&ipam.TokenRecord{OwnerID: owner, Action: "CreateIpamPool", Token: rec.Token, ParamsHash: "h2"}); err != nil {
			return err
		}
		return tx.PutClientToken(&ipam.TokenRecord{OwnerID: "222222222222", Action: rec.Action, Token: rec.Token, ParamsHash: "h3", Result: []byte("{}")})
	})
	h.view(func(tx ipam.Tx) error {
		got, err := tx.ClientToken(owner, rec.Action, rec.Token)
		if err != nil {
			return err
		}
		if got.OwnerID != rec.OwnerID || got.Action != rec.Action || got.Token != rec.Token ||
			got.ParamsHash != rec.ParamsHash || !bytes.Equal(got.Result, rec.Result) {
			t.Errorf("ClientToken = %+v, want %+v", got, rec)
		}
		if got, err = tx.ClientToken(owner, "CreateIpamPool", rec.Token); err != nil {
			return err
		}
		if got.ParamsHash != "h2" || len(got.Result) != 0 {
			t.Errorf("ClientToken of another action = %+v", got)
		}
		return nil
	})
	h.wantViewErr(ipam.ErrNotFound, "ClientToken of another token", func(tx ipam.Tx) error {
		_, err := tx.ClientToken(owner, rec.Action, "tok-2")
		return err
	})
	h.wantErr(ipam.ErrConflict, "PutClientToken of a recorded token", func(tx ipam.Tx) error {
		return tx.PutClientToken(&ipam.TokenRecord{OwnerID: owner, Action: rec.Action, Token: rec.Token, ParamsHash: "other"})
	})
	// ClientTokens: only the recorded ones, of this owner and action; a
	// token recorded earlier in the same transaction is seen.
	h.update(func(tx ipam.Tx) error {
		if err := tx.PutClientToken(&ipam.TokenRecord{OwnerID: owner, Action: rec.Action, Token: "tok-3", ParamsHash: "h4"}); err != nil {
			return err
		}
		got, err := tx.ClientTokens(owner, rec.Action, []string{"tok-missing", rec.Token, "tok-3"})
		if err != nil {
			return err
		}
		byToken := map[string]*ipam.TokenRecord{}
		for _, r := range got {
			byToken[r.Token] = r
		}
		if len(got) != 2 || byToken[rec.Token] == nil || byToken["tok-3"] == nil {
			t.Fatalf("ClientTokens = %+v, want tok-1 and tok-3", got)
		}
		if r := byToken[rec.Token]; r.OwnerID != owner || r.Action != rec.Action || r.ParamsHash != rec.ParamsHash || !bytes.Equal(r.Result, rec.Result) {
			t.Errorf("ClientTokens tok-1 = %+v, want %+v", r, rec)
		}
		if r := byToken["tok-3"]; r.ParamsHash != "h4" || len(r.Result) != 0 {
			t.Errorf("ClientTokens tok-3 = %+v", r)
		}
		for _, q := range []struct{ owner, action string }{{"333333333333", rec.Action}, {owner, "CreateIpamScope"}} {
			if got, err := tx.ClientTokens(q.owner, q.action, []string{rec.Token, "tok-3"}); err != nil || len(got) != 0 {
				t.Errorf("ClientTokens(%s, %s) = %+v, %v; want none", q.owner, q.action, got, err)
			}
		}
		if got, err := tx.ClientTokens(owner, rec.Action, nil); err != nil || len(got) != 0 {
			t.Errorf("ClientTokens of no tokens = %+v, %v", got, err)
		}
		return nil
	})
}

func testTokenKey(t *testing.T, h *harness) {
	// Concurrent first uses agree on one key.
	keys := make([][]byte, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := h.s.TokenKey(h.ctx)
			if err != nil {
				t.Errorf("TokenKey: %v", err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	if len(keys[0]) < 32 {
		t.Fatalf("TokenKey is %d bytes, want at least 32", len(keys[0]))
	}
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("concurrent TokenKey calls returned different keys")
		}
	}
	// A caller scribbling on the returned slice does not change the key.
	keys[0][0] ^= 0xff
	if k, err := h.s.TokenKey(h.ctx); err != nil || !bytes.Equal(k, keys[1]) {
		t.Errorf("second TokenKey differs (%v)", err)
	}
	h.reopen()
	if k, err := h.s.TokenKey(h.ctx); err != nil || !bytes.Equal(k, keys[1]) {
		t.Errorf("TokenKey changed across a reopen (%v)", err)
	}
}

func testRollback(t *testing.T, h *harness) {
	const owner = "111111111111"
	errBoom := errors.New("boom")
	err := h.s.Update(h.ctx, func(tx ipam.Tx) error {
		if err := tx.InsertIPAM(&ipam.IPAM{ID: "ipam-a", OwnerID: owner}); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errBoom)
	})
	if !errors.Is(err, errBoom) {
		t.Errorf("Update returned %v, want fn's error", err)
	}
	func() {
		defer func() {
			if r := recover(); r != errBoom {
				t.Errorf("recovered %v, want fn's panic", r)
			}
		}()
		_ = h.s.Update(h.ctx, func(tx ipam.Tx) error {
			if err := tx.InsertIPAM(&ipam.IPAM{ID: "ipam-b", OwnerID: owner}); err != nil {
				return err
			}
			panic(errBoom)
		})
	}()
	// The store is still usable after the panic, and nothing was written.
	h.update(func(tx ipam.Tx) error { return tx.InsertIPAM(&ipam.IPAM{ID: "ipam-c", OwnerID: owner}) })
	h.view(func(tx ipam.Tx) error {
		list, err := tx.ListIPAMs(owner)
		if err == nil && (len(list) != 1 || list[0].ID != "ipam-c") {
			t.Errorf("after two rolled back Updates the owner has %d IPAMs, want only ipam-c", len(list))
		}
		return err
	})
}

func testView(t *testing.T, h *harness) {
	const owner = "111111111111"
	h.seedOwner(owner)
	h.view(func(tx ipam.Tx) error {
		_, err := tx.GetIPAM(owner, ipamID(owner))
		return err
	})
	// A write inside View fails and leaves nothing behind.
	err := h.s.View(h.ctx, func(tx ipam.Tx) error {
		return tx.InsertIPAM(&ipam.IPAM{ID: "ipam-written-in-view", OwnerID: owner})
	})
	if err == nil {
		t.Errorf("InsertIPAM inside View succeeded")
	}
	h.wantViewErr(ipam.ErrNotFound, "IPAM written in View", func(tx ipam.Tx) error {
		_, err := tx.GetIPAM(owner, "ipam-written-in-view")
		return err
	})
	// View returns fn's error.
	errBoom := errors.New("boom")
	if err := h.s.View(h.ctx, func(ipam.Tx) error { return errBoom }); !errors.Is(err, errBoom) {
		t.Errorf("View returned %v, want fn's error", err)
	}
	// A Tx is dead once its fn returned.
	var kept ipam.Tx
	h.update(func(tx ipam.Tx) error { kept = tx; return nil })
	if _, err := kept.GetIPAM(owner, ipamID(owner)); err == nil {
		t.Errorf("a Tx used after its Update returned still works")
	}
	if err := h.s.Ping(h.ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// testConcurrentUpdate runs writers on separate pools and on one shared pool:
// every allocation lands and no pool Version increment is lost, which is what
// LockPool promises.
func testConcurrentUpdate(t *testing.T, h *harness) {
	const owner, writers, each = "111111111111", 6, 25
	h.seedOwner(owner)
	shared := h.seedPool(owner, "ipam-pool-shared", "ipv4")
	var wg sync.WaitGroup
	for g := range writers {
		own := h.seedPool(owner, fmt.Sprintf("ipam-pool-%d", g), "ipv4")
		wg.Go(func() {
			for i := range each {
				for _, p := range []*ipam.Pool{own, shared} {
					err := h.s.Update(h.ctx, func(tx ipam.Tx) error {
						locked, err := tx.LockPool(owner, p.ID)
						if err != nil {
							return err
						}
						c := fmt.Sprintf("10.%d.%d.0/24", g, i)
						if err := tx.InsertAllocation(newAlloc(p, allocID(fmt.Sprint(p.ID, "-", g), i), c)); err != nil {
							return err
						}
						locked.Version++
						return tx.UpdatePool(locked)
					})
					if err != nil {
						t.Errorf("writer %d, allocation %d in %s: %v", g, i, p.ID, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	h.view(func(tx ipam.Tx) error {
		pools, err := tx.ListPools(owner)
		if err != nil {
			return err
		}
		for _, p := range pools {
			want := each
			if p.ID == shared.ID {
				want = writers * each
			}
			prefixes, err := tx.PoolPrefixes(p.ID)
			if err != nil {
				return err
			}
			if p.Version != int64(want) || len(prefixes) != want {
				t.Errorf("pool %s: version %d, %d allocations; want %d of each", p.ID, p.Version, len(prefixes), want)
			}
		}
		return nil
	})
}

// testDurability commits, closes, reopens and reads everything back.
func testDurability(t *testing.T, h *harness) {
	const owner = "111111111111"
	i := fullIPAM(owner, ipamID(owner))
	s := &ipam.Scope{ID: scopeID(owner), OwnerID: owner, IpamID: i.ID, Type: "private", Tags: []ipam.Tag{{Key: "k", Value: "v"}}}
	p := fullPool(owner, "ipam-pool-a")
	c := &ipam.PoolCIDR{ID: "ipam-pool-cidr-a", PoolID: p.ID, CIDR: netip.MustParsePrefix("2001:db8::/32"), State: ipam.CidrProvisioned, Seq: 1}
	a := newAlloc(p, "ipam-pool-alloc-a", "2001:db8::/48")
	a.Tags = []ipam.Tag{{Key: "x", Value: "y"}}
	rec := &ipam.TokenRecord{OwnerID: owner, Action: "a", Token: "t", ParamsHash: "h", Result: []byte("r")}
	h.update(func(tx ipam.Tx) error {
		return errors.Join(tx.InsertIPAM(i), tx.InsertScope(s), tx.InsertPool(p), tx.InsertPoolCIDR(c),
			tx.InsertAllocation(a), tx.PutClientToken(rec))
	})
	h.reopen()
	h.view(func(tx ipam.Tx) error {
		gi, err1 := tx.GetIPAM(owner, i.ID)
		gs, err2 := tx.GetScope(owner, s.ID)
		gp, err3 := tx.GetPool(owner, p.ID)
		gc, err4 := tx.ListPoolCIDRs(p.ID)
		ga, err5 := tx.GetAllocation(a.ID)
		gr, err6 := tx.ClientToken(owner, rec.Action, rec.Token)
		if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
			return err
		}
		equal(t, "IPAM", gi, i)
		equal(t, "scope", gs, s)
		equal(t, "pool", gp, p)
		equal(t, "pool CIDRs", gc, []*ipam.PoolCIDR{c})
		equal(t, "allocation", ga, a)
		if !bytes.Equal(gr.Result, rec.Result) || gr.ParamsHash != rec.ParamsHash {
			t.Errorf("client token = %+v, want %+v", gr, rec)
		}
		return nil
	})
}

// testClosed: a closed store reports ErrUnavailable.
func testClosed(t *testing.T, h *harness) {
	h.close()
	if err := h.s.Update(h.ctx, func(ipam.Tx) error { return nil }); !errors.Is(err, ipam.ErrUnavailable) {
		t.Errorf("Update after Close: %v, want ErrUnavailable", err)
	}
	if err := h.s.View(h.ctx, func(ipam.Tx) error { return nil }); !errors.Is(err, ipam.ErrUnavailable) {
		t.Errorf("View after Close: %v, want ErrUnavailable", err)
	}
	if err := h.s.Ping(h.ctx); !errors.Is(err, ipam.ErrUnavailable) {
		t.Errorf("Ping after Close: %v, want ErrUnavailable", err)
	}
}
