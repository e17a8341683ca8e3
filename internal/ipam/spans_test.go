package ipam

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// withOpenSpans: the spans that still last, which live in their rows, join
// the stored records in id order and obey the query as stored ones do.
func TestWithOpenSpans(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(1700000000+int64(s), 0).UTC() }
	p := netip.MustParsePrefix("10.0.0.0/16")
	stored := func() []*HistoryRecord {
		return []*HistoryRecord{
			{ID: "h10", VpcID: "vpc-1", CIDR: p, Start: at(0), End: at(10)},
			{ID: "h30", VpcID: "vpc-2", CIDR: p, Start: at(10), End: at(20)},
		}
	}
	row := func(id, vpc string, since int) *ResourceCIDR {
		return &ResourceCIDR{IpamID: "ipam-1", ScopeID: "scope-a", ResourceID: vpc, VpcID: vpc, Name: "n-" + vpc,
			CIDR: p, Management: Managed, Compliance: Compliant, Overlaps: 2, HistoryID: id, Since: at(since)}
	}
	rows := []*ResourceCIDR{row("h20", "vpc-3", 15), row("h40", "vpc-4", 30), row("", "vpc-5", 0)}
	for _, c := range []struct {
		name string
		q    HistoryQuery
		want string
	}{
		{"merged in id order", HistoryQuery{To: at(100)}, "h10 h20 h30 h40"},
		{"limit after the merge", HistoryQuery{To: at(100), Limit: 3}, "h10 h20 h30"},
		{"a span that starts after the window", HistoryQuery{To: at(20)}, "h10 h20 h30"},
		{"a span that starts at the window's end", HistoryQuery{To: at(30)}, "h10 h20 h30 h40"},
		{"after a token", HistoryQuery{To: at(100), After: "h20"}, "h10 h30 h40"}, // the stored ones are the store's to page
		{"one VPC", HistoryQuery{To: at(100), VpcID: "vpc-4"}, "h10 h30 h40"},     // likewise
	} {
		var ids []string
		for _, h := range withOpenSpans(stored(), rows, c.q) {
			ids = append(ids, h.ID)
		}
		if got := strings.Join(ids, " "); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	got := withOpenSpans(nil, rows[:1], HistoryQuery{To: at(100)})
	want := HistoryRecord{ID: "h20", IpamID: "ipam-1", ScopeID: "scope-a", ResourceID: "vpc-3", VpcID: "vpc-3", Name: "n-vpc-3",
		CIDR: p, Compliance: Compliant, Overlap: Overlapping, Start: at(15)}
	if len(got) != 1 || *got[0] != want {
		t.Errorf("the open record: %+v, want %+v", got, want)
	}
}
