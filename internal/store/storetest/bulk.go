package storetest

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

// bulk runs fn with the transaction as an ipam.BulkTx, which every store's
// Tx must be.
func bulk(fn func(tx ipam.BulkTx) error) func(tx ipam.Tx) error {
	return func(tx ipam.Tx) error {
		b, ok := tx.(ipam.BulkTx)
		if !ok {
			return fmt.Errorf("%T does not implement ipam.BulkTx", tx)
		}
		return fn(b)
	}
}

func testBulk(_ *testing.T, h *harness) {
	t := h.t
	empty := func() bool {
		var e bool
		h.view(bulk(func(tx ipam.BulkTx) (err error) { e, err = tx.Empty(); return err }))
		return e
	}
	if _, err := h.s.TokenKey(h.ctx); err != nil { // a key alone leaves the store empty
		t.Fatal(err)
	}
	if !empty() {
		t.Error("Empty of a new store = false")
	}
	h.seedOwner("222222222222")
	h.seedOwner("111111111111")
	if empty() {
		t.Error("Empty with IPAMs = true")
	}
	p := h.seedPool("111111111111", "ipam-pool-bulk", "ipv4")
	as := []*ipam.Allocation{newAlloc(p, allocID(p.ID, 1), "10.0.0.0/24"), newAlloc(p, allocID(p.ID, 2), "10.0.2.0/24"),
		newAlloc(p, allocID(p.ID, 3), "10.0.1.0/25")}
	as[0].Tags = []ipam.Tag{{Key: "k", Value: "v"}}
	as[1].Description = "two"
	var recs []*ipam.TokenRecord
	for i := range 5 {
		recs = append(recs, &ipam.TokenRecord{OwnerID: fmt.Sprint(111111111111 * (1 + i%2)), Action: "CreateIpam",
			Token: fmt.Sprintf("tok-%d", i), ParamsHash: fmt.Sprint("h", i), Result: []byte(fmt.Sprint(`{"n":`, i, `}`))})
	}
	recs[4].Result = nil
	h.update(bulk(func(tx ipam.BulkTx) error {
		if err := tx.InsertAllocations(as); err != nil {
			return err
		}
		return tx.PutClientTokens(recs)
	}))

	h.view(bulk(func(tx ipam.BulkTx) error {
		ipams, err := tx.ListAllIPAMs()
		if err != nil {
			return err
		}
		if len(ipams) != 2 || ipams[0].OwnerID != "111111111111" || ipams[1].OwnerID != "222222222222" {
			t.Errorf("ListAllIPAMs = %d rows, not both accounts by id", len(ipams))
		}
		scopes, err := tx.ListAllScopes()
		if err != nil {
			return err
		}
		if len(scopes) != 2 || scopes[0].ID > scopes[1].ID {
			t.Errorf("ListAllScopes = %d rows, not both accounts by id", len(scopes))
		}
		got, err := tx.ListAllocations(ipam.AllocationQuery{PoolID: p.ID, Limit: 10})
		if err != nil {
			return err
		}
		equal(t, "allocations after InsertAllocations", got, []*ipam.Allocation{as[0], as[2], as[1]})
		var all []*ipam.TokenRecord
		after := ""
		for range 10 {
			page, next, err := tx.ListAllClientTokens(after, 2)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				if next != "" {
					t.Errorf("an empty page has cursor %q", next)
				}
				break
			}
			all = append(all, page...)
			after = next
		}
		sort.Slice(all, func(i, j int) bool { return all[i].Token < all[j].Token })
		equal(t, "ListAllClientTokens over pages of 2", all, recs)
		rec, err := tx.ClientToken(recs[3].OwnerID, "CreateIpam", recs[3].Token)
		if err == nil {
			equal(t, "ClientToken of a bulk-put token", rec, recs[3])
		}
		return err
	}))
	h.wantErr(ipam.ErrConflict, "InsertAllocations overlapping", bulk(func(tx ipam.BulkTx) error {
		return tx.InsertAllocations([]*ipam.Allocation{newAlloc(p, allocID(p.ID, 9), "10.0.0.128/25")})
	}))
	// Many rows at once (a store may send a few and many differently).
	var many []*ipam.Allocation
	for i := range 100 {
		many = append(many, newAlloc(p, allocID(p.ID, 100+i), fmt.Sprintf("10.1.%d.0/24", i)))
	}
	many[7].Tags, many[8].Description = []ipam.Tag{{Key: "k", Value: "v"}}, "eight"
	h.update(bulk(func(tx ipam.BulkTx) error { return tx.InsertAllocations(many) }))
	h.view(func(tx ipam.Tx) error {
		got, err := tx.ListAllocations(ipam.AllocationQuery{PoolID: p.ID, Limit: 1000})
		if err == nil && len(got) != 103 {
			t.Errorf("after inserting 100 more: %d allocations, want 103", len(got))
		}
		return err
	})
	h.wantErr(ipam.ErrConflict, "InsertAllocations of many, one overlapping", bulk(func(tx ipam.BulkTx) error {
		var more []*ipam.Allocation
		for i := range 80 {
			more = append(more, newAlloc(p, allocID(p.ID, 300+i), fmt.Sprintf("10.2.%d.0/24", i)))
		}
		return tx.InsertAllocations(append(more, newAlloc(p, allocID(p.ID, 399), "10.1.5.128/25")))
	}))
	h.wantErr(ipam.ErrConflict, "PutClientTokens of a recorded token", bulk(func(tx ipam.BulkTx) error {
		return tx.PutClientTokens(recs[:1])
	}))
}

// testBulkVPCs: ListAllVPCs and ListAllSubnets see every account's rows by
// id, and a store holding only a VPC is not Empty.
func testBulkVPCs(t *testing.T, h *harness) {
	mine, theirs := fullVPC("111111111111", "vpc-b", 1), fullVPC("222222222222", "vpc-a", 2)
	h.update(insertVPCs(mine))
	h.view(bulk(func(tx ipam.BulkTx) error {
		empty, err := tx.Empty()
		if err == nil && empty {
			t.Error("Empty of a store holding a VPC = true")
		}
		return err
	}))
	h.update(insertVPCs(theirs))
	h.update(insertSubnets(fullSubnet(theirs, "subnet-b", "10.2.1.0/24", ""), fullSubnet(mine, "subnet-a", "10.1.1.0/24", "")))
	h.view(bulk(func(tx ipam.BulkTx) error {
		vpcs, err := tx.ListAllVPCs()
		if err != nil {
			return err
		}
		if len(vpcs) != 2 || vpcs[0].ID != "vpc-a" || vpcs[1].ID != "vpc-b" {
			t.Errorf("ListAllVPCs = %d rows, want vpc-a and vpc-b of both accounts", len(vpcs))
		} else {
			equal(t, "ListAllVPCs vpc-b", vpcs[1], mine)
		}
		subnets, err := tx.ListAllSubnets()
		if err != nil {
			return err
		}
		if len(subnets) != 2 || subnets[0].ID != "subnet-a" || subnets[1].OwnerID != "222222222222" {
			t.Errorf("ListAllSubnets = %d rows, want subnet-a and subnet-b of both accounts", len(subnets))
		}
		return nil
	}))
}

// testBulkLoad: between BeginLoad and FinishLoad the bulk inserts may skip
// their checks, but FinishLoad runs all of them: an overlap, a duplicate id
// or a token loaded twice fails the load and leaves nothing of it; a
// transaction that did not finish its load does not commit; a load that
// checks out reads as InsertAllocations would, and the store's own checks
// hold against the loaded rows afterwards.
func testBulkLoad(t *testing.T, h *harness) {
	h.seedOwner("111111111111")
	p := h.seedPool("111111111111", "ipam-pool-load", "ipv4")
	q := h.seedPool("111111111111", "ipam-pool-load2", "ipv4")
	var as []*ipam.Allocation
	for i := range 450 { // more rows than one multi-row statement takes
		as = append(as, newAlloc(p, allocID(p.ID, i), fmt.Sprintf("10.0.%d.%d/30", i/64, i%64*4)))
	}
	as[7].Description, as[8].Tags = "seven", []ipam.Tag{{Key: "k", Value: "8"}}
	// The same CIDR in another pool is no overlap.
	as = append(as, newAlloc(q, allocID(q.ID, 1), "10.0.0.0/24"))
	tok := func(i int) *ipam.TokenRecord {
		return &ipam.TokenRecord{OwnerID: "111111111111", Action: "AllocateIpamPoolCidr", Token: fmt.Sprintf("tok-%d", i),
			ParamsHash: fmt.Sprint("h", i), Result: []byte(fmt.Sprintf(`{"n":%d}`, i))}
	}
	var recs []*ipam.TokenRecord
	for i := range 300 {
		recs = append(recs, tok(i))
	}
	recs[0].Result = nil
	load := func(as []*ipam.Allocation, recs []*ipam.TokenRecord) func(tx ipam.Tx) error {
		return bulk(func(tx ipam.BulkTx) error {
			if err := tx.BeginLoad(); err != nil {
				return err
			}
			if err := tx.InsertAllocations(as); err != nil {
				return err
			}
			if err := tx.PutClientTokens(recs); err != nil {
				return err
			}
			return tx.FinishLoad()
		})
	}
	with := func(a *ipam.Allocation) []*ipam.Allocation { return append(append([]*ipam.Allocation{}, as...), a) }
	h.wantErr(ipam.ErrConflict, "a load with an overlap", load(with(newAlloc(p, allocID(p.ID, 999), "10.0.1.0/24")), recs))
	h.wantErr(ipam.ErrConflict, "a load with an allocation inside another", load(with(newAlloc(p, allocID(p.ID, 999), "10.0.0.1/32")), recs))
	h.wantErr(ipam.ErrConflict, "a load with a duplicate id", load(with(newAlloc(p, allocID(p.ID, 0), "10.9.0.0/24")), recs))
	h.wantErr(ipam.ErrConflict, "a load with a token twice", load(as, append(append([]*ipam.TokenRecord{}, recs...), tok(5))))
	if err := h.s.Update(h.ctx, bulk(func(tx ipam.BulkTx) error {
		if err := tx.BeginLoad(); err != nil {
			return err
		}
		return tx.InsertAllocations(as[:1])
	})); err == nil {
		t.Error("a transaction that began a load and never finished it committed")
	}
	h.view(func(tx ipam.Tx) error {
		got, err := tx.ListAllocations(ipam.AllocationQuery{PoolID: p.ID, Limit: 1000})
		if err == nil && len(got) != 0 {
			t.Errorf("refused loads left %d allocations", len(got))
		}
		return err
	})

	h.update(load(as, recs))
	h.view(func(tx ipam.Tx) error {
		got, err := tx.ListAllocations(ipam.AllocationQuery{PoolID: p.ID, Limit: 1000})
		if err != nil {
			return err
		}
		equal(t, "allocations after a load", got, as[:450])
		rec, err := tx.ClientToken(recs[0].OwnerID, recs[0].Action, recs[0].Token)
		if err == nil {
			equal(t, "a loaded client token", rec, recs[0])
		}
		return err
	})
	h.wantErr(ipam.ErrConflict, "InsertAllocation over a loaded allocation", func(tx ipam.Tx) error {
		return tx.InsertAllocation(newAlloc(p, allocID(p.ID, 999), "10.0.3.0/24"))
	})
	h.wantErr(ipam.ErrConflict, "InsertAllocation with a loaded id", func(tx ipam.Tx) error {
		return tx.InsertAllocation(newAlloc(p, allocID(p.ID, 3), "10.1.0.0/24"))
	})
	h.wantErr(ipam.ErrConflict, "PutClientToken of a loaded token", func(tx ipam.Tx) error {
		return tx.PutClientToken(tok(7))
	})
	h.update(func(tx ipam.Tx) error { return tx.InsertAllocation(newAlloc(p, allocID(p.ID, 1000), "10.1.0.0/24")) })
}

// testBulkLoadMonitoring: resource CIDRs and address history written during
// a load (more than one COPY's worth of history on PostgreSQL) read back as
// written.
func testBulkLoadMonitoring(t *testing.T, h *harness) {
	full := rcidr("ipam-1", "scope-a", "vpc-1", "vpc-1", "10.0.0.0/16")
	full.Name, full.AZID, full.PoolID = "web", "use1-az1", "ipam-pool-1"
	full.Tags = []ipam.Tag{{Key: "Name", Value: "web"}, {Key: "team", Value: ""}}
	full.Overlaps, full.Covered, full.Moved = 2, 0.25, true
	rows := []*ipam.ResourceCIDR{full, rcidr("ipam-1", "scope-a", "subnet-1", "vpc-1", "10.0.1.0/24"),
		rcidr("ipam-1", "scope-a", "vpc-6", "vpc-6", "fd00:ec2::/56")}
	var recs []*ipam.HistoryRecord
	for i := range 5100 {
		r := &ipam.HistoryRecord{ID: fmt.Sprintf("h%05d", i), IpamID: "ipam-1", ScopeID: "scope-a", OwnerID: "111111111111",
			Region: "us-east-1", ResourceType: ipam.ResourceVPC, ResourceID: "vpc-1", VpcID: "vpc-1", Name: "web",
			CIDR: netip.MustParsePrefix("10.0.0.0/16"), Compliance: ipam.Unmanaged, Overlap: ipam.Nonoverlapping,
			Start: time.Unix(1700000000+int64(i), 5).UTC()}
		if i%2 == 0 {
			r.End = r.Start.Add(time.Second)
		}
		if i%3 == 0 { // pages cross CIDRs: the cursor is (scope, CIDR, id)
			r.CIDR = netip.MustParsePrefix("10.0.0.0/8")
		}
		recs = append(recs, r)
	}
	h.update(bulk(func(tx ipam.BulkTx) error {
		if err := tx.BeginLoad(); err != nil {
			return err
		}
		for _, r := range rows {
			if err := tx.PutResourceCIDR(r); err != nil {
				return err
			}
		}
		for _, r := range recs {
			if err := tx.InsertHistory(r); err != nil {
				return err
			}
		}
		return tx.FinishLoad()
	}))
	h.view(bulk(func(tx ipam.BulkTx) error {
		got, err := tx.ListResourceCIDRs(ipam.ResourceCIDRQuery{ScopeID: "scope-a", Limit: 10})
		if err != nil {
			return err
		}
		want := []*ipam.ResourceCIDR{rows[1], rows[0], rows[2]} // resource id order
		if len(got) != len(want) {
			t.Fatalf("%d resource CIDRs after a load, want %d", len(got), len(want))
		}
		for i := range want {
			if !equalRow(got[i], want[i]) {
				t.Errorf("resource CIDR %d after a load:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
		var all []*ipam.HistoryRecord
		for after := ""; ; {
			page, err := tx.ListAllHistory(after, 1000)
			if err != nil {
				return err
			}
			all = append(all, page...)
			if len(page) < 1000 {
				break
			}
			after = ipam.HistoryCursor(page[len(page)-1])
		}
		if len(all) != len(recs) {
			t.Fatalf("%d history records after a load, want %d", len(all), len(recs))
		}
		recs := slices.Clone(recs)
		slices.SortFunc(recs, func(a, b *ipam.HistoryRecord) int {
			return strings.Compare(ipam.HistoryCursor(a), ipam.HistoryCursor(b))
		})
		for i, r := range all {
			w := recs[i]
			if r.ID != w.ID || !r.Start.Equal(w.Start) || !r.End.Equal(w.End) || r.CIDR != w.CIDR || r.Name != w.Name {
				t.Fatalf("history record %d after a load: %+v, want %+v", i, r, w)
			}
		}
		return nil
	}))
}
