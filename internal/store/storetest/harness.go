package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// harness is one subtest's location and the store currently open on it.
type harness struct {
	t     *testing.T
	ctx   context.Context
	open  Open
	s     ipam.Store
	close func()
}

func newHarness(t *testing.T, newLocation NewLocation) *harness {
	h := &harness{t: t, ctx: context.Background(), open: newLocation(t)}
	h.openStore()
	return h
}

func (h *harness) openStore() {
	h.t.Helper()
	s := h.open(h.t)
	if s == nil {
		h.t.Fatal("open returned a nil store")
	}
	closed := false
	h.s = s
	h.close = func() {
		if !closed {
			closed = true
			if err := s.Close(); err != nil {
				h.t.Errorf("Close: %v", err)
			}
		}
	}
	h.t.Cleanup(h.close)
}

// reopen closes the store and opens a new one on the same location.
func (h *harness) reopen() {
	h.t.Helper()
	h.close()
	h.openStore()
}

// update runs fn in a write transaction and fails the test on an error.
func (h *harness) update(fn func(tx ipam.Tx) error) {
	h.t.Helper()
	if err := h.s.Update(h.ctx, fn); err != nil {
		h.t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a read transaction and fails the test on an error.
func (h *harness) view(fn func(tx ipam.Tx) error) {
	h.t.Helper()
	if err := h.s.View(h.ctx, fn); err != nil {
		h.t.Fatalf("View: %v", err)
	}
}

// wantErr runs fn alone in a write transaction (a failed statement aborts a
// PostgreSQL transaction) and checks that it fails with target.
func (h *harness) wantErr(target error, what string, fn func(tx ipam.Tx) error) {
	h.t.Helper()
	err := h.s.Update(h.ctx, fn)
	if !errors.Is(err, target) {
		h.t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// wantViewErr is wantErr in a read transaction.
func (h *harness) wantViewErr(target error, what string, fn func(tx ipam.Tx) error) {
	h.t.Helper()
	err := h.s.View(h.ctx, fn)
	if !errors.Is(err, target) {
		h.t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// equal reports a difference between got and want, shown as JSON.
func equal(t *testing.T, what string, got, want any) bool {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return true
	}
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	return false
}

func ptr[T any](v T) *T { return &v }

// Seeding. Every owner gets one IPAM and one private scope; pools hang off
// them, so stores with foreign keys accept the rows.

func ipamID(owner string) string  { return "ipam-" + owner }
func scopeID(owner string) string { return "ipam-scope-" + owner }

func (h *harness) seedOwner(owner string) {
	h.t.Helper()
	h.update(func(tx ipam.Tx) error {
		if err := tx.InsertIPAM(&ipam.IPAM{ID: ipamID(owner), OwnerID: owner, Region: "us-east-1",
			State: ipam.StateCreateComplete, Tier: "advanced"}); err != nil {
			return err
		}
		return tx.InsertScope(&ipam.Scope{ID: scopeID(owner), OwnerID: owner, IpamID: ipamID(owner),
			IpamRegion: "us-east-1", Type: "private", State: ipam.StateCreateComplete})
	})
}

func newPool(owner, id, family string) *ipam.Pool {
	return &ipam.Pool{ID: id, OwnerID: owner, IpamID: ipamID(owner), ScopeID: scopeID(owner),
		ScopeType: "private", IpamRegion: "us-east-1", State: ipam.StateCreateComplete, AddressFamily: family}
}

func (h *harness) seedPool(owner, id, family string) *ipam.Pool {
	h.t.Helper()
	p := newPool(owner, id, family)
	h.update(func(tx ipam.Tx) error { return tx.InsertPool(p) })
	return p
}

func newAlloc(pool *ipam.Pool, id, cidr string) *ipam.Allocation {
	return &ipam.Allocation{ID: id, PoolID: pool.ID, OwnerID: pool.OwnerID,
		CIDR: netip.MustParsePrefix(cidr), ResourceType: ipam.ResourceCustom, ResourceOwner: pool.OwnerID}
}

func allocID(pool string, i int) string { return fmt.Sprintf("ipam-pool-alloc-%s-%06d", pool, i) }
