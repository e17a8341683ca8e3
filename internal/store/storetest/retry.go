package storetest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// testConflictRuns forces a conflict with a ClientToken recorded twice (a
// unique key, on every store).
func testConflictRuns(t *testing.T, h *harness) {
	rec := &ipam.TokenRecord{OwnerID: "111111111111", Action: "CreateIpam", Token: "taken", ParamsHash: "h"}
	h.update(func(tx ipam.Tx) error { return tx.PutClientToken(rec) })
	CheckConflictRuns(t, h.s, func(tx ipam.Tx) error { return tx.PutClientToken(rec) })
}

// CheckConflictRuns pins who retries a transaction that lost a race (one
// retry owner, docs/architecture.md): the store runs fn once and returns
// ipam.ErrConflict; the Service runs it ipam.ConflictRuns times in all, and
// no more. conflict must make the transaction it runs in fail with a
// conflict (a store's tests may pass a store-specific one, such as a
// PostgreSQL serialization failure).
func CheckConflictRuns(t *testing.T, s ipam.Store, conflict func(tx ipam.Tx) error) {
	t.Helper()
	ctx := context.Background()
	runs := 0
	err := s.Update(ctx, func(tx ipam.Tx) error {
		runs++
		return conflict(tx)
	})
	if !errors.Is(err, ipam.ErrConflict) || runs != 1 {
		t.Errorf("store: a conflicted Update ran fn %d times and returned %v; want 1 run and ErrConflict", runs, err)
	}

	c := ipam.Caller{AccountID: "111111111111", Region: "us-east-1"}
	limits := ipam.DefaultLimits()
	limits.IpamsPerRegion = 10
	for _, tc := range []struct {
		conflicts int32 // the first runs that conflict
		wantRuns  int32
		wantOK    bool
	}{
		{conflicts: 1 << 30, wantRuns: ipam.ConflictRuns},
		{conflicts: ipam.ConflictRuns - 1, wantRuns: ipam.ConflictRuns, wantOK: true},
		{conflicts: 0, wantRuns: 1, wantOK: true},
	} {
		cs := &conflicting{Store: s, conflict: conflict, conflicts: tc.conflicts}
		svc := ipam.NewService(cs, ipam.Config{Limits: limits})
		_, err := svc.CreateIpam(ctx, c, ipam.CreateIpamInput{})
		if n := cs.runs.Load(); n != tc.wantRuns || (err == nil) != tc.wantOK {
			t.Errorf("service, %d conflicting runs: CreateIpam ran %d times and returned %v; want %d runs, success %v",
				tc.conflicts, n, err, tc.wantRuns, tc.wantOK)
		}
	}
	// Only the two successful calls left an IPAM behind.
	err = s.View(ctx, func(tx ipam.Tx) error {
		ipams, err := tx.ListIPAMs(c.AccountID)
		if len(ipams) != 2 {
			t.Errorf("%d IPAMs after the conflicted calls, want 2", len(ipams))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// conflicting is a store whose first write transactions end in a real
// conflict from the store underneath, after fn succeeded.
type conflicting struct {
	ipam.Store
	conflict  func(tx ipam.Tx) error
	conflicts int32
	runs      atomic.Int32
}

func (c *conflicting) Update(ctx context.Context, fn func(ipam.Tx) error) error {
	return c.Store.Update(ctx, func(tx ipam.Tx) error {
		n := c.runs.Add(1)
		if err := fn(tx); err != nil {
			return err
		}
		if n <= c.conflicts {
			return c.conflict(tx)
		}
		return nil
	})
}
