package storetest

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/cidr"
	"github.com/ipamd/ipamd/internal/ipam"
)

// Monitoring rows. What the suite pins beyond the interface's comments:
//
//   - PutResourceCIDR round-trips every field (times to the nanosecond,
//     empty tags as nil) and replaces the row with the same (IpamID,
//     ScopeID, ResourceID, CIDR); rows of two IPAMs for one block are two
//     rows. (A row moving scope is deleted first: the service does.)
//   - ResourceCIDRsOf(vpc, id) returns the rows of that resource only, not
//     those of an id it is a prefix of.
//   - ResourceCIDRsOverlapping finds, in the scope and family only, the
//     blocks that contain p, lie in it or equal it, each once, leaving out
//     the blocks of the VPC it is told to.
//   - ListResourceCIDRs pages in key order (resource id, then CIDR).
//   - AddCoverage reaches only the VPC's blocks that contain p.
//   - AddressHistory matches the CIDR exactly and the window inclusively
//     at both ends; a stored open record (zero End: the service stores
//     none, but a store reads one) meets every window after its start.
//     PruneHistory drops only ended records, at most limit.
//   - InsertResourceCIDR refuses a key that is there; ResourceCIDRsAt
//     finds exactly the scope's rows of one CIDR.
//   - DeleteIPAMMonitoring drops that IPAM's rows and history only.

func rcidr(ipamID, scope, id, vpc, cidr string) *ipam.ResourceCIDR {
	typ := ipam.ResourceSubnet
	if id == vpc {
		typ = ipam.ResourceVPC
	}
	return &ipam.ResourceCIDR{IpamID: ipamID, ScopeID: scope, OwnerID: "111111111111", Region: "us-east-1",
		ResourceType: typ, ResourceID: id, VpcID: vpc, CIDR: netip.MustParsePrefix(cidr),
		Management: ipam.Unmanaged, Compliance: ipam.Unmanaged, HistoryID: "h-" + id,
		Since: time.Unix(1700000000, 123456789).UTC()}
}

// fullRCIDR is vpc-1's row of 10.0.0.0/16 with every field set.
func fullRCIDR() *ipam.ResourceCIDR {
	r := rcidr("ipam-1", "scope-a", "vpc-1", "vpc-1", "10.0.0.0/16")
	r.Name, r.AZID, r.PoolID = "web", "use1-az1", "ipam-pool-1"
	r.Tags = []ipam.Tag{{Key: "Name", Value: "web"}, {Key: "team", Value: ""}}
	r.Management, r.Compliance, r.Overlaps, r.Covered, r.Moved = ipam.Managed, ipam.Noncompliant, 3, 512, true
	return r
}

func keysOf(rows []*ipam.ResourceCIDR) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.IpamID + ":" + r.Key()
	}
	return out
}

func testResourceCIDRs(t *testing.T, h *harness) {
	full := fullRCIDR()
	rows := []*ipam.ResourceCIDR{
		full,
		rcidr("ipam-2", "scope-x", "vpc-1", "vpc-1", "10.0.0.0/16"), // the same block in another IPAM
		rcidr("ipam-1", "scope-a", "subnet-1", "vpc-1", "10.0.1.0/24"),
		rcidr("ipam-1", "scope-a", "subnet-2", "vpc-1", "10.0.2.0/24"),
		rcidr("ipam-1", "scope-a", "vpc-2", "vpc-2", "10.0.0.0/20"),
		rcidr("ipam-1", "scope-a", "vpc-3", "vpc-3", "10.1.0.0/16"),
		rcidr("ipam-1", "scope-b", "vpc-4", "vpc-4", "10.0.0.0/16"), // another scope
		rcidr("ipam-1", "scope-a", "vpc-5", "vpc-5", "fd00::/56"),   // another family
		rcidr("ipam-1", "scope-a", "vpc-6", "vpc-6", "::/96"),       // spans the mapped IPv4 space
	}
	h.update(func(tx ipam.Tx) error {
		for _, r := range rows {
			if err := tx.PutResourceCIDR(r); err != nil {
				return err
			}
		}
		pfx := netip.MustParsePrefix
		return tx.LockResourceSpace([]ipam.SpaceLock{{Owner: "111111111111", Net: pfx("10.0.0.0/16"), Exclusive: true},
			{Owner: "111111111111", Net: pfx("10.0.0.0/8")}, {Owner: "111111111111", Net: pfx("10.0.0.0/16")},
			{Owner: "111111111111", Net: pfx("fd00::/44")}})
	})
	h.view(func(tx ipam.Tx) error {
		got, err := tx.ResourceCIDRsOf("vpc-1", "vpc-1")
		if err != nil {
			return err
		}
		if len(got) != 2 {
			t.Fatalf("ResourceCIDRsOf(vpc-1): %d rows", len(got))
		}
		if g := got[0]; !equalRow(g, full) {
			t.Fatalf("round trip:\n got  %+v\n want %+v", g, full)
		}
		if got[1].Tags != nil {
			t.Fatalf("empty tags read back as %#v", got[1].Tags)
		}
		cases := []struct {
			p, outside string
			want       []string
		}{
			{"10.0.1.0/24", "", []string{"ipam-1:subnet-1 10.0.1.0/24", "ipam-1:vpc-1 10.0.0.0/16", "ipam-1:vpc-2 10.0.0.0/20"}},
			{"10.0.1.0/24", "vpc-1", []string{"ipam-1:vpc-2 10.0.0.0/20"}},
			{"10.0.1.0/24", "vpc-2", []string{"ipam-1:subnet-1 10.0.1.0/24", "ipam-1:vpc-1 10.0.0.0/16"}},
			{"10.0.0.0/16", "vpc-9", []string{"ipam-1:subnet-1 10.0.1.0/24", "ipam-1:subnet-2 10.0.2.0/24", "ipam-1:vpc-1 10.0.0.0/16", "ipam-1:vpc-2 10.0.0.0/20"}},
			{"10.0.0.0/16", "", []string{"ipam-1:subnet-1 10.0.1.0/24", "ipam-1:subnet-2 10.0.2.0/24", "ipam-1:vpc-1 10.0.0.0/16", "ipam-1:vpc-2 10.0.0.0/20"}},
			{"10.0.0.0/20", "", []string{"ipam-1:subnet-1 10.0.1.0/24", "ipam-1:subnet-2 10.0.2.0/24", "ipam-1:vpc-1 10.0.0.0/16", "ipam-1:vpc-2 10.0.0.0/20"}},
			{"10.0.16.0/20", "", []string{"ipam-1:vpc-1 10.0.0.0/16"}},
			{"10.2.0.0/16", "", nil},
			{"fd00::/64", "", []string{"ipam-1:vpc-5 fd00::/56"}},
		}
		var qs []ipam.OverlapLookup
		for _, c := range cases {
			got, err := tx.ResourceCIDRsOverlapping("scope-a", netip.MustParsePrefix(c.p), c.outside)
			if err != nil {
				return err
			}
			keys := keysOf(got)
			slices.Sort(keys)
			if !slices.Equal(keys, c.want) {
				t.Fatalf("ResourceCIDRsOverlapping(%s, outside %q):\n got  %q\n want %q", c.p, c.outside, keys, c.want)
			}
			qs = append(qs, ipam.OverlapLookup{ScopeID: "scope-a", CIDR: netip.MustParsePrefix(c.p), OutsideVPC: c.outside})
		}
		// All at once, with one lookup in another scope: the same answers,
		// each in its place.
		qs = append(qs, ipam.OverlapLookup{ScopeID: "scope-b", CIDR: netip.MustParsePrefix("10.0.1.0/24")})
		each, err := tx.ResourceCIDRsOverlappingEach(qs)
		if err != nil {
			return err
		}
		if len(each) != len(qs) {
			t.Fatalf("ResourceCIDRsOverlappingEach: %d answers for %d lookups", len(each), len(qs))
		}
		for i, c := range append(cases, struct {
			p, outside string
			want       []string
		}{"10.0.1.0/24", "", []string{"ipam-1:vpc-4 10.0.0.0/16"}}) {
			keys := keysOf(each[i])
			slices.Sort(keys)
			if !slices.Equal(keys, c.want) {
				t.Fatalf("ResourceCIDRsOverlappingEach, lookup %d (%s, outside %q):\n got  %q\n want %q", i, c.p, c.outside, keys, c.want)
			}
			if i < len(cases) && len(each[i]) > 0 && !equalRow(each[i][0], firstByKey(rows, each[i][0])) {
				t.Fatalf("ResourceCIDRsOverlappingEach, lookup %d: row %+v", i, each[i][0])
			}
		}
		var paged []string
		after := ""
		for {
			page, err := tx.ListResourceCIDRs(ipam.ResourceCIDRQuery{ScopeID: "scope-a", After: after, Limit: 2})
			if err != nil {
				return err
			}
			paged = append(paged, keysOf(page)...)
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].Key()
		}
		want := []string{"ipam-1:subnet-1 10.0.1.0/24", "ipam-1:subnet-2 10.0.2.0/24", "ipam-1:vpc-1 10.0.0.0/16",
			"ipam-1:vpc-2 10.0.0.0/20", "ipam-1:vpc-3 10.1.0.0/16", "ipam-1:vpc-5 fd00::/56", "ipam-1:vpc-6 ::/96"}
		if !slices.Equal(paged, want) {
			t.Fatalf("ListResourceCIDRs pages:\n got  %q\n want %q", paged, want)
		}
		byPool, err := tx.ListResourceCIDRs(ipam.ResourceCIDRQuery{PoolID: "ipam-pool-1"})
		if err != nil {
			return err
		}
		if k := keysOf(byPool); !slices.Equal(k, []string{"ipam-1:vpc-1 10.0.0.0/16"}) {
			t.Fatalf("by pool: %q", k)
		}
		typed, err := tx.ListResourceCIDRs(ipam.ResourceCIDRQuery{ScopeID: "scope-a", ResourceType: ipam.ResourceSubnet, ResourceID: "subnet-2"})
		if err != nil {
			return err
		}
		if k := keysOf(typed); !slices.Equal(k, []string{"ipam-1:subnet-2 10.0.2.0/24"}) {
			t.Fatalf("by type and id: %q", k)
		}
		return nil
	})

	// Replace, coverage, delete.
	h.update(func(tx ipam.Tx) error {
		r := rcidr("ipam-1", "scope-a", "subnet-1", "vpc-1", "10.0.1.0/24")
		r.Management, r.Overlaps = ipam.Ignored, 7
		if err := tx.PutResourceCIDR(r); err != nil {
			return err
		}
		if err := tx.AddCoverage("vpc-1", netip.MustParsePrefix("10.0.1.0/24"), 256); err != nil {
			return err
		}
		if err := tx.AddCoverage("vpc-1", netip.MustParsePrefix("10.9.0.0/24"), 256); err != nil {
			return err
		}
		return tx.DeleteResourceCIDR(rcidr("ipam-1", "scope-a", "subnet-2", "vpc-1", "10.0.2.0/24"))
	})
	h.view(func(tx ipam.Tx) error {
		got, err := tx.ListResourceCIDRs(ipam.ResourceCIDRQuery{ScopeID: "scope-a", Limit: 100})
		if err != nil {
			return err
		}
		var lines []string
		for _, r := range got {
			lines = append(lines, fmt.Sprintf("%s %s %d %g", r.Key(), r.Management, r.Overlaps, r.Covered))
		}
		want := []string{"subnet-1 10.0.1.0/24 ignored 7 0", "vpc-1 10.0.0.0/16 managed 3 768",
			"vpc-2 10.0.0.0/20 unmanaged 0 0", "vpc-3 10.1.0.0/16 unmanaged 0 0", "vpc-5 fd00::/56 unmanaged 0 0", "vpc-6 ::/96 unmanaged 0 0"}
		if !slices.Equal(lines, want) {
			t.Fatalf("after replace/coverage/delete:\n got  %q\n want %q", lines, want)
		}
		other, err := tx.ResourceCIDRsOf("vpc-1", "vpc-1")
		if err != nil {
			return err
		}
		if other[1].Covered != 256 {
			t.Fatalf("coverage in the other IPAM: %g", other[1].Covered)
		}
		return nil
	})
	h.update(func(tx ipam.Tx) error { return tx.DeleteIPAMMonitoring("ipam-2") })
	h.view(func(tx ipam.Tx) error {
		got, err := tx.ResourceCIDRsOf("vpc-1", "vpc-1")
		if err != nil {
			return err
		}
		if k := keysOf(got); !slices.Equal(k, []string{"ipam-1:vpc-1 10.0.0.0/16"}) {
			t.Fatalf("after DeleteIPAMMonitoring(ipam-2): %q", k)
		}
		return nil
	})
	h.update(func(tx ipam.Tx) error {
		return tx.PutResourceCIDR(rcidr("ipam-1", "scope-a", "subnet-10", "vpc-1", "10.0.3.0/24"))
	})
	h.view(func(tx ipam.Tx) error {
		got, err := tx.ResourceCIDRsOf("vpc-1", "subnet-1")
		if err != nil {
			return err
		}
		if k := keysOf(got); !slices.Equal(k, []string{"ipam-1:subnet-1 10.0.1.0/24"}) {
			t.Fatalf("ResourceCIDRsOf(vpc-1, subnet-1) beside subnet-10: %q", k)
		}
		return nil
	})
}

func equalRow(a, b *ipam.ResourceCIDR) bool {
	x, y := *a, *b
	tx, ty := x.Tags, y.Tags
	x.Tags, y.Tags = nil, nil
	return fmt.Sprintf("%+v", x) == fmt.Sprintf("%+v", y) && slices.Equal(tx, ty) && x.Since.Equal(y.Since)
}

func testAddressHistory(t *testing.T, h *harness) {
	at := func(s int) time.Time { return time.Unix(1700000000+int64(s), 5).UTC() }
	rec := func(id, ipamID, cidr, vpc string, start, end int) *ipam.HistoryRecord {
		r := &ipam.HistoryRecord{ID: id, IpamID: ipamID, ScopeID: "scope-a", OwnerID: "111111111111", Region: "us-east-1",
			ResourceType: ipam.ResourceVPC, ResourceID: vpc, VpcID: vpc, Name: "n-" + vpc, CIDR: netip.MustParsePrefix(cidr),
			Compliance: ipam.Unmanaged, Overlap: ipam.Nonoverlapping, Start: at(start)}
		if end >= 0 {
			r.End = at(end)
		}
		return r
	}
	recs := []*ipam.HistoryRecord{
		rec("h1", "ipam-1", "10.0.0.0/16", "vpc-1", 0, 10),
		rec("h2", "ipam-1", "10.0.0.0/16", "vpc-2", 10, 20),
		rec("h3", "ipam-1", "10.0.0.0/16", "vpc-3", 30, -1),
		rec("h4", "ipam-1", "10.0.0.0/17", "vpc-4", 0, -1),
		rec("h5", "ipam-2", "10.0.0.0/16", "vpc-5", 0, 5),
	}
	recs[4].ScopeID = "scope-z"
	h.update(func(tx ipam.Tx) error {
		for _, r := range recs {
			if err := tx.InsertHistory(r); err != nil {
				return err
			}
		}
		return nil
	})
	query := func(from, to int, vpc, after string, limit int) []string {
		var ids []string
		h.view(func(tx ipam.Tx) error {
			got, err := tx.AddressHistory(ipam.HistoryQuery{ScopeID: "scope-a", CIDR: netip.MustParsePrefix("10.0.0.0/16"),
				VpcID: vpc, From: at(from), To: at(to), After: after, Limit: limit})
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			return err
		})
		return ids
	}
	for _, c := range []struct {
		from, to   int
		vpc, after string
		limit      int
		want       string
	}{
		{0, 100, "", "", 0, "h1 h2 h3"},
		{10, 10, "", "", 0, "h1 h2"}, // both ends inclusive
		{21, 29, "", "", 0, ""},
		{25, 1000, "", "", 0, "h3"}, // open records meet later windows
		{0, 100, "vpc-2", "", 0, "h2"},
		{0, 100, "", "h1", 1, "h2"},
	} {
		if got := strings.Join(query(c.from, c.to, c.vpc, c.after, c.limit), " "); got != c.want {
			t.Fatalf("window %d..%d vpc %q after %q: %q, want %q", c.from, c.to, c.vpc, c.after, got, c.want)
		}
	}
	h.view(func(tx ipam.Tx) error {
		got, err := tx.AddressHistory(ipam.HistoryQuery{ScopeID: "scope-a", CIDR: netip.MustParsePrefix("10.0.0.0/16"), From: at(0), To: at(0)})
		if err != nil {
			return err
		}
		if len(got) != 1 || !got[0].Start.Equal(recs[0].Start) || !got[0].End.Equal(recs[0].End) || got[0].Name != "n-vpc-1" {
			t.Fatalf("round trip: %+v", got)
		}
		return nil
	})
	// Prune: only ended records, oldest cutoff, at most limit.
	var n1, n2 int
	h.update(func(tx ipam.Tx) error {
		var err error
		n1, err = tx.PruneHistory(at(15), 10)
		return err
	})
	if n1 != 2 { // h1 and h5 ended before 15; h4 and h3 are open
		t.Fatalf("PruneHistory(15) dropped %d", n1)
	}
	h.update(func(tx ipam.Tx) error {
		var err error
		n2, err = tx.PruneHistory(at(1000), 10)
		return err
	})
	if n2 != 1 {
		t.Fatalf("PruneHistory(1000) dropped %d", n2)
	}
	if got := strings.Join(query(0, 100, "", "", 0), " "); got != "h3" {
		t.Fatalf("after pruning: %q", got)
	}
}

// firstByKey is the row of rows with x's scope and key.
func firstByKey(rows []*ipam.ResourceCIDR, x *ipam.ResourceCIDR) *ipam.ResourceCIDR {
	for _, r := range rows {
		if r.ScopeID == x.ScopeID && r.Key() == x.Key() {
			return r
		}
	}
	return nil
}

// testResourceCIDRsAt: InsertResourceCIDR writes a row as PutResourceCIDR
// does, and refuses a key that is there (nothing of its transaction
// stays); ResourceCIDRsAt finds exactly the scope's rows of one CIDR.
func testResourceCIDRsAt(t *testing.T, h *harness) {
	rows := []*ipam.ResourceCIDR{
		rcidr("ipam-1", "scope-a", "vpc-1", "vpc-1", "10.0.0.0/16"),
		rcidr("ipam-1", "scope-a", "vpc-2", "vpc-2", "10.0.0.0/16"), // an overlapping twin
		rcidr("ipam-1", "scope-a", "subnet-1", "vpc-1", "10.0.0.0/24"),
		rcidr("ipam-1", "scope-a", "vpc-3", "vpc-3", "10.0.0.0/17"),
		rcidr("ipam-1", "scope-b", "vpc-4", "vpc-4", "10.0.0.0/16"), // another scope
		rcidr("ipam-1", "scope-a", "vpc-5", "vpc-5", "fd00::/56"),
		rcidr("ipam-1", "scope-a", "vpc-6", "vpc-6", "::a00:0/112"), // 10.0.0.0/16's numbers, IPv6
	}
	rows[0].Name = "web"
	h.update(func(tx ipam.Tx) error {
		for _, r := range rows {
			if err := tx.InsertResourceCIDR(r); err != nil {
				return err
			}
		}
		// The transaction reads what it inserted (a store may hold the
		// rows back to send them together).
		got, err := tx.ResourceCIDRsAt("scope-a", netip.MustParsePrefix("10.0.0.0/16"))
		if err == nil && len(got) != 2 {
			t.Fatalf("ResourceCIDRsAt in the inserting transaction: %d rows", len(got))
		}
		return err
	})
	twin := *rows[1]
	twin.Name = "again"
	err := h.s.Update(h.ctx, func(tx ipam.Tx) error {
		if err := tx.InsertResourceCIDR(rcidr("ipam-1", "scope-a", "vpc-7", "vpc-7", "10.7.0.0/16")); err != nil {
			return err
		}
		return tx.InsertResourceCIDR(&twin)
	})
	if err == nil {
		t.Fatal("InsertResourceCIDR of a key that is there: no error")
	}
	for _, c := range []struct{ scope, p, want string }{
		{"scope-a", "10.0.0.0/16", "vpc-1 10.0.0.0/16,vpc-2 10.0.0.0/16"},
		{"scope-b", "10.0.0.0/16", "vpc-4 10.0.0.0/16"},
		{"scope-a", "10.0.0.0/24", "subnet-1 10.0.0.0/24"},
		{"scope-a", "fd00::/56", "vpc-5 fd00::/56"},
		{"scope-a", "::a00:0/112", "vpc-6 ::a00:0/112"},
		{"scope-a", "10.0.0.0/15", ""},
		{"scope-a", "10.7.0.0/16", ""}, // the refused transaction's
	} {
		h.view(func(tx ipam.Tx) error {
			got, err := tx.ResourceCIDRsAt(c.scope, netip.MustParsePrefix(c.p))
			var keys []string
			for _, r := range got {
				keys = append(keys, r.Key())
			}
			if strings.Join(keys, ",") != c.want {
				t.Fatalf("ResourceCIDRsAt(%s, %s) = %q, want %q", c.scope, c.p, keys, c.want)
			}
			if c.want == "vpc-1 10.0.0.0/16,vpc-2 10.0.0.0/16" && (!equalRow(got[0], rows[0]) || got[1].Name == "again") {
				t.Fatalf("ResourceCIDRsAt: rows %+v, %+v", got[0], got[1])
			}
			return err
		})
	}
}

// testOverlapEachRandom: ResourceCIDRsOverlappingEach answers random
// lookups among random blocks as comparing every pair would: the blocks of
// the lookup's scope that overlap it, outside its VPC, each once.
func testOverlapEachRandom(t *testing.T, h *harness) {
	rng := rand.New(rand.NewPCG(7, 8))
	block := func() netip.Prefix {
		if rng.IntN(5) == 0 {
			var a [16]byte
			a[0], a[1], a[5], a[6] = 0xfd, 0, byte(rng.IntN(4)), byte(rng.IntN(256))
			p, _ := netip.AddrFrom16(a).Prefix(44 + rng.IntN(21))
			return p
		}
		p, _ := netip.AddrFrom4([4]byte{10, byte(rng.IntN(2)), byte(rng.IntN(256)), byte(rng.IntN(256))}).Prefix(16 + rng.IntN(13))
		return p
	}
	scopes, vpcs := []string{"scope-a", "scope-b"}, []string{"vpc-1", "vpc-2", "vpc-3", "vpc-4", "vpc-5", "vpc-6"}
	var rows []*ipam.ResourceCIDR
	seen := map[string]bool{}
	for i := 0; len(rows) < 400; i++ {
		r := rcidr("ipam-1", scopes[rng.IntN(2)], fmt.Sprintf("res-%03d", i), vpcs[rng.IntN(len(vpcs))], block().String())
		if k := r.ScopeID + r.Key(); !seen[k] {
			seen[k] = true
			rows = append(rows, r)
		}
	}
	h.insertResourceCIDRs(rows)
	for round := range 20 {
		var qs []ipam.OverlapLookup
		n := 1 + rng.IntN(12)
		base := block()
		for range n {
			p := block()
			if rng.IntN(2) == 0 && base.Bits() <= 26 { // neighbours, as a group transaction's are
				p, _ = base.Addr().Prefix(base.Bits() + 2)
				base = netip.PrefixFrom(cidr.LastAddr(p).Next(), base.Bits())
			}
			outside := ""
			if rng.IntN(3) > 0 {
				outside = vpcs[rng.IntN(len(vpcs))]
			}
			qs = append(qs, ipam.OverlapLookup{ScopeID: scopes[rng.IntN(2)], CIDR: p, OutsideVPC: outside})
		}
		h.view(func(tx ipam.Tx) error {
			got, err := tx.ResourceCIDRsOverlappingEach(qs)
			if err != nil {
				return err
			}
			for i, q := range qs {
				var want []string
				for _, r := range rows {
					if r.ScopeID == q.ScopeID && r.VpcID != q.OutsideVPC && r.CIDR.Overlaps(q.CIDR) {
						want = append(want, r.Key())
					}
				}
				keys := keysOf(got[i])
				for j := range keys {
					keys[j] = strings.TrimPrefix(keys[j], "ipam-1:")
				}
				slices.Sort(keys)
				slices.Sort(want)
				if !slices.Equal(keys, want) {
					t.Fatalf("round %d, lookup %d (%s %s outside %q):\n got  %q\n want %q", round, i, q.ScopeID, q.CIDR, q.OutsideVPC, keys, want)
				}
			}
			return nil
		})
	}
}
