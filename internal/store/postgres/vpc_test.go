package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

const vpcOwner = "111122223333"

func testVPC(id string) *ipam.VPC {
	return &ipam.VPC{ID: id, OwnerID: vpcOwner, State: ipam.VPCAvailable, CIDRs: []ipam.VPCCIDR{
		{AssociationID: "vpc-cidr-assoc-" + id, CIDR: netip.MustParsePrefix("10.0.0.0/16"), State: ipam.AssocAssociated}}}
}

func testSubnet(id, vpc, cidr string) *ipam.Subnet {
	return &ipam.Subnet{ID: id, OwnerID: vpcOwner, VpcID: vpc, State: ipam.SubnetAvailable, CIDR: netip.MustParsePrefix(cidr)}
}

// waitForLockWaiters waits until n sessions of the database wait on a lock.
func waitForLockWaiters(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		err := s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions wait on a lock, want %d", waiting, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// subnetIDs lists the VPC's subnets.
func subnetIDs(t *testing.T, s *Store, vpc string) []string {
	t.Helper()
	var ids []string
	err := s.View(context.Background(), func(tx ipam.Tx) error {
		list, err := tx.ListSubnets(ipam.ResourceQuery{OwnerID: vpcOwner, VpcIDs: []string{vpc}})
		for _, sn := range list {
			ids = append(ids, sn.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// An overlapping subnet written on another node while the first one's
// transaction is open waits for its outcome: refused if it commits, written
// if it rolls back.
func TestOverlappingSubnetWaitsForTheOther(t *testing.T) {
	db := newTestDB(t)
	url := db.newSchema(t)
	a, b := openStore(t, url), openStore(t, url)
	mustUpdate(t, a, func(tx ipam.Tx) error { return tx.InsertVPC(testVPC("vpc-1")) })

	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprint("commit=", commit), func(t *testing.T) {
			first, second := fmt.Sprint("subnet-a-", commit), fmt.Sprint("subnet-b-", commit)
			block := "10.0.1.0/24"
			if !commit {
				block = "10.0.2.0/24"
			}
			inserted, release := make(chan struct{}), make(chan struct{})
			rollback := errors.New("rolled back")
			holder := make(chan error, 1)
			go func() {
				holder <- a.Update(context.Background(), func(tx ipam.Tx) error {
					if err := tx.InsertSubnet(testSubnet(first, "vpc-1", block)); err != nil {
						return err
					}
					close(inserted)
					<-release
					if !commit {
						return rollback
					}
					return nil
				})
			}()
			<-inserted
			other := make(chan error, 1)
			go func() {
				other <- b.Update(context.Background(), func(tx ipam.Tx) error {
					// A /23 around the held /24.
					p := netip.MustParsePrefix(block)
					return tx.InsertSubnet(testSubnet(second, "vpc-1", netip.PrefixFrom(p.Addr(), 23).Masked().String()))
				})
			}()
			waitForLockWaiters(t, a, 1)
			select {
			case err := <-other:
				t.Fatalf("the overlapping insert did not wait: %v", err)
			default:
			}
			close(release)
			herr, oerr := <-holder, <-other
			want := []string{first}
			if commit {
				if herr != nil || !errors.Is(oerr, ipam.ErrConflict) {
					t.Fatalf("holder: %v, other: %v; want nil and a conflict", herr, oerr)
				}
			} else {
				if !errors.Is(herr, rollback) || oerr != nil {
					t.Fatalf("holder: %v, other: %v; want the rollback and nil", herr, oerr)
				}
				want = []string{second}
			}
			got := subnetIDs(t, a, "vpc-1")
			var mine []string
			for _, id := range got {
				if id == first || id == second {
					mine = append(mine, id)
				}
			}
			if fmt.Sprint(mine) != fmt.Sprint(want) {
				t.Fatalf("subnets %v, want %v", got, want)
			}
		})
	}
}

// Many writers on two nodes race to create overlapping subnets in one VPC
// (and one subnet each elsewhere in it): exactly one of the overlapping ones
// commits.
func TestConcurrentOverlappingSubnets(t *testing.T) {
	db := newTestDB(t)
	url := db.newSchema(t)
	nodes := []*Store{openStore(t, url), openStore(t, url)}
	mustUpdate(t, nodes[0], func(tx ipam.Tx) error { return tx.InsertVPC(testVPC("vpc-1")) })
	const writers = 16
	start := make(chan struct{})
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		s := nodes[i%2]
		wg.Go(func() {
			<-start
			errs[i] = s.Update(context.Background(), func(tx ipam.Tx) error {
				if _, err := tx.ShareVPC(vpcOwner, "vpc-1"); err != nil {
					return err
				}
				// Its own block first, then one of 10.0.0.0/20 (a /20, /21, ... /24).
				own := testSubnet(fmt.Sprintf("subnet-own-%02d", i), "vpc-1", fmt.Sprintf("10.0.%d.0/24", 100+i))
				if err := tx.InsertSubnet(own); err != nil {
					return err
				}
				return tx.InsertSubnet(testSubnet(fmt.Sprintf("subnet-%02d", i), "vpc-1", fmt.Sprintf("10.0.0.0/%d", 20+i%5)))
			})
		})
	}
	close(start)
	wg.Wait()
	committed := 0
	for i, err := range errs {
		switch {
		case err == nil:
			committed++
		case !errors.Is(err, ipam.ErrConflict):
			t.Errorf("writer %d: %v, want nil or a conflict", i, err)
		}
	}
	if committed != 1 {
		t.Errorf("%d writers committed, want 1", committed)
	}
	if got := subnetIDs(t, nodes[1], "vpc-1"); len(got) != 2 {
		t.Errorf("subnets %v, want the winner's two", got)
	}
}

// ShareVPC holders go on side by side; LockVPC waits for all of them.
func TestShareVPCAndLockVPC(t *testing.T) {
	db := newTestDB(t)
	url := db.newSchema(t)
	a, b := openStore(t, url), openStore(t, url)
	mustUpdate(t, a, func(tx ipam.Tx) error { return tx.InsertVPC(testVPC("vpc-1")) })

	shared, release := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- a.Update(context.Background(), func(tx ipam.Tx) error {
			if _, err := tx.ShareVPC(vpcOwner, "vpc-1"); err != nil {
				return err
			}
			close(shared)
			<-release
			return nil
		})
	}()
	<-shared
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Update(ctx, func(tx ipam.Tx) error {
		_, err := tx.ShareVPC(vpcOwner, "vpc-1")
		return err
	}); err != nil {
		t.Fatalf("a second ShareVPC: %v", err)
	}
	locked := make(chan error, 1)
	go func() {
		locked <- b.Update(context.Background(), func(tx ipam.Tx) error {
			v, err := tx.LockVPC(vpcOwner, "vpc-1")
			if err != nil {
				return err
			}
			v.Tags = []ipam.Tag{{Key: "k", Value: "v"}}
			return tx.UpdateVPC(v)
		})
	}()
	waitForLockWaiters(t, a, 1)
	close(release)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	if err := <-locked; err != nil {
		t.Fatalf("LockVPC after the share ended: %v", err)
	}
}
