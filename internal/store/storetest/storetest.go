// Package storetest is the contract suite every ipam.Store implementation
// runs: it drives the store through the ipam.Store and ipam.Tx interfaces only,
// so SQLite and PostgreSQL are held to exactly the same behaviour.
//
// Contract details the interface leaves open, which this suite pins down
// (besides the rules listed next to ipam.Store, which it pins too):
//
//   - Get*, Update*, Delete<one> and ClientToken of a missing row, or of a row
//     owned by another account, return an error wrapping ipam.ErrNotFound.
//     DeletePoolCIDRs and DeletePoolAllocations of an empty pool return nil.
//   - Insert* of an existing id, PutClientToken of an existing
//     (owner, action, token) and an overlapping InsertAllocation return an
//     error wrapping ipam.ErrConflict.
//   - Empty slices read back as nil (Tags, OperatingRegions,
//     AllocationResourceTags): a store need not tell nil from empty.
//   - Update returns fn's error unchanged (errors.Is) and writes nothing; if
//     fn panics, Update rolls back and re-panics.
//   - View runs a read-only transaction: a write inside it fails.
//   - After Close, Update, View and Ping fail with an error wrapping
//     ipam.ErrUnavailable.
//   - PoolChangesSince of a pool with no log returns no versions and no
//     error; an empty change list reads back as nil. AppendPoolChanges of a
//     logged version fails the transaction with ipam.ErrConflict.
//   - TokenKey is at least 32 bytes and the same across calls and reopens.
//   - Every Tx is an ipam.BulkTx: ListAll* see every account, Empty ignores
//     the token key, InsertAllocations and PutClientTokens refuse what
//     their one-row forms refuse.
//   - VPCs and subnets: see the comment at the top of vpcs.go.
package storetest

import (
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// Open opens a store on one location (a directory, a database). It may be
// called again on the same location after the previous store was closed, to
// read back what was committed. The suite closes every store it opens.
type Open func(t *testing.T) ipam.Store

// NewLocation makes a fresh, empty location for one subtest and returns the
// function that opens stores on it. Clean the location up with t.Cleanup.
type NewLocation func(t *testing.T) Open

// Run runs the contract suite against the implementation behind newLocation.
// Subtests run one after another, each on a fresh location.
func Run(t *testing.T, newLocation NewLocation) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newHarness(t, newLocation))
		})
	}
}

type testCase struct {
	name string
	fn   func(t *testing.T, h *harness)
}

var cases = []testCase{
	{"IPAM", testIPAM},
	{"Scope", testScope},
	{"Pool", testPool},
	{"PoolCIDR", testPoolCIDR},
	{"Allocation", testAllocation},
	{"AllocationOverlap", testOverlap},
	{"AllocationAt", testAllocationAt},
	{"PoolPrefixes", testPoolPrefixes},
	{"DeletePoolAllocations", testDeletePoolAllocations},
	{"PoolChanges", testPoolChanges},
	{"ListAllocations", testListAllocations},
	{"VPC", testVPC},
	{"Subnet", testSubnet},
	{"SubnetOverlap", testSubnetOverlap},
	{"ListVPCsAndSubnets", testListVPCsAndSubnets},
	{"ResourceCIDRs", testResourceCIDRs},
	{"ResourceCIDRsAt", testResourceCIDRsAt},
	{"OverlapEachRandom", testOverlapEachRandom},
	{"ExpectNoOverlaps", testExpectNoOverlaps},
	{"ResourceCIDRsWaiting", testResourceCIDRsWaiting},
	{"AddressHistory", testAddressHistory},
	{"ClientToken", testClientToken},
	{"TokenKey", testTokenKey},
	{"ConflictRuns", testConflictRuns},
	{"Contract", testContract},
	{"Rollback", testRollback},
	{"View", testView},
	{"ConcurrentUpdate", testConcurrentUpdate},
	{"Bulk", testBulk},
	{"BulkVPCs", testBulkVPCs},
	{"BulkLoad", testBulkLoad},
	{"BulkLoadMonitoring", testBulkLoadMonitoring},
	{"Durability", testDurability},
	{"Closed", testClosed},
}
