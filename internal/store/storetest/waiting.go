package storetest

import (
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// insertResourceCIDRs inserts rows in one transaction.
func (h *harness) insertResourceCIDRs(rows []*ipam.ResourceCIDR) {
	h.t.Helper()
	h.update(func(tx ipam.Tx) error {
		for _, r := range rows {
			if err := tx.InsertResourceCIDR(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// testResourceCIDRsWaiting: rows inserted after a read (on PostgreSQL they
// wait, and go out grouped by the values they share) read back whole, each
// under its own key, inside the transaction and after it: rows of two
// IPAMs, scopes, managements and families interleaved, one with every
// field set.
func testResourceCIDRsWaiting(t *testing.T, h *harness) {
	full := fullRCIDR()
	rows := []*ipam.ResourceCIDR{full,
		rcidr("ipam-1", "scope-a", "vpc-2", "vpc-2", "10.1.0.0/16"),
		rcidr("ipam-2", "scope-x", "vpc-1", "vpc-1", "10.0.0.0/16"),
		rcidr("ipam-1", "scope-a", "vpc-2", "vpc-2", "fd00::/56"),
		rcidr("ipam-1", "scope-a", "subnet-1", "vpc-1", "10.0.1.0/24"),
		rcidr("ipam-2", "scope-x", "vpc-2", "vpc-2", "10.1.0.0/16"),
	}
	rows[1].Management, rows[1].Compliance, rows[1].PoolID = ipam.Managed, ipam.Compliant, "ipam-pool-1"
	rows[4].AZID, rows[4].Covered = "use1-az2", 16
	check := func(tx ipam.Tx, when string) {
		for _, want := range rows {
			got, err := tx.ResourceCIDRsOf(want.VpcID, want.ResourceID)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, g := range got {
				if g.IpamID == want.IpamID && g.CIDR == want.CIDR {
					found = true
					if !equalRow(g, want) {
						t.Errorf("%s: %s %s:\n got  %+v\n want %+v", when, want.ResourceID, want.CIDR, g, want)
					}
				}
			}
			if !found {
				t.Errorf("%s: %s %s in %s missing", when, want.ResourceID, want.CIDR, want.IpamID)
			}
		}
	}
	h.update(func(tx ipam.Tx) error {
		if _, err := tx.ResourceCIDRsOf("vpc-0", "vpc-0"); err != nil { // so that the rows wait
			return err
		}
		for _, r := range rows {
			if err := tx.InsertResourceCIDR(r); err != nil {
				return err
			}
		}
		check(tx, "inside the transaction")
		return nil
	})
	h.view(func(tx ipam.Tx) error {
		check(tx, "after it")
		return nil
	})
}
