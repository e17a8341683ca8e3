package hostile

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/e2e/ec2raw"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/testserver"
)

// Two accounts on one server.
var (
	alice = sigv4.Account{AccessKey: "AKIDALICE000000001", SecretKey: "alice-secret-0f3c9a1e7b", AccountID: "111111111111", Name: "alice"}
	bob   = sigv4.Account{AccessKey: "AKIDBOB00000000002", SecretKey: "bob-secret-5d2e8c4a90", AccountID: "222222222222", Name: "bob"}
)

func twoAccounts() sigv4.StaticCredentials {
	return sigv4.StaticCredentials{alice.AccessKey: alice, bob.AccessKey: bob}
}

func rawFor(url string, a sigv4.Account) *ec2raw.Client {
	return &ec2raw.Client{URL: url, AccessKey: a.AccessKey, Secret: a.SecretKey}
}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// missingLike returns an id of the same kind as id that names nothing.
func missingLike(id string) string {
	for _, p := range []struct {
		prefix string
		n      int
	}{{"ipam-pool-alloc-", 32}, {"ipam-pool-", 16}, {"ipam-scope-", 16}, {"ipam-", 16}} {
		if strings.HasPrefix(id, p.prefix) {
			return p.prefix + "0" + randHex(p.n)
		}
	}
	panic("unknown id kind " + id)
}

// TestAccountsAreIsolated: an account never sees, changes or allocates from
// another account's IPAMs, scopes, pools or allocations; every operation
// that takes an id answers for a foreign id exactly as for a missing one.
func TestAccountsAreIsolated(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Creds: twoAccounts()})
	a, b := rawFor(srv.URL, alice), rawFor(srv.URL, bob)
	aw := buildWorld(t, a)
	bw := buildWorld(t, b) // Bob has a world of his own: both accounts get their IPAM quota
	aliceBefore := snapshot(t, a, aw.Pools)

	type probe struct {
		action  string
		params  map[string]string // "{X}" is the foreign (or missing) id
		foreign string
		code    string
	}
	const (
		ipamNF  = "InvalidIpamId.NotFound"
		scopeNF = "InvalidIpamScopeId.NotFound"
		poolNF  = "InvalidIpamPoolId.NotFound"
		allocNF = "InvalidIpamPoolAllocationId.NotFound"
	)
	probes := []probe{
		{"DescribeIpams", map[string]string{"IpamId.1": "{X}"}, aw.IPAM, ipamNF},
		{"DescribeIpams", map[string]string{"IpamId.1": bw.IPAM, "IpamId.2": "{X}"}, aw.IPAM, ipamNF},
		{"ModifyIpam", map[string]string{"IpamId": "{X}", "Description": "mine now"}, aw.IPAM, ipamNF},
		{"ModifyIpam", map[string]string{"IpamId": "{X}", "Description": "dry", "DryRun": "true"}, aw.IPAM, ipamNF},
		{"DeleteIpam", map[string]string{"IpamId": "{X}", "Cascade": "true"}, aw.IPAM, ipamNF},
		{"CreateIpamScope", map[string]string{"IpamId": "{X}"}, aw.IPAM, ipamNF},
		{"DescribeIpamScopes", map[string]string{"IpamScopeId.1": "{X}"}, aw.Scope2, scopeNF},
		{"DescribeIpamScopes", map[string]string{"IpamScopeId.1": "{X}"}, aw.PrivScope, scopeNF},
		{"ModifyIpamScope", map[string]string{"IpamScopeId": "{X}", "Description": "x"}, aw.Scope2, scopeNF},
		{"DeleteIpamScope", map[string]string{"IpamScopeId": "{X}"}, aw.Scope2, scopeNF},
		{"CreateIpamPool", map[string]string{"IpamScopeId": "{X}", "AddressFamily": "ipv4"}, aw.PrivScope, scopeNF},
		{"CreateIpamPool", map[string]string{"IpamScopeId": bw.PrivScope, "AddressFamily": "ipv4", "SourceIpamPoolId": "{X}"}, aw.Pool, poolNF},
		{"DescribeIpamPools", map[string]string{"IpamPoolId.1": "{X}"}, aw.Pool, poolNF},
		{"ModifyIpamPool", map[string]string{"IpamPoolId": "{X}", "Description": "x"}, aw.Pool, poolNF},
		{"DeleteIpamPool", map[string]string{"IpamPoolId": "{X}", "Cascade": "true"}, aw.Pool, poolNF},
		{"DeleteIpamPool", map[string]string{"IpamPoolId": "{X}"}, aw.Child, poolNF},
		{"ProvisionIpamPoolCidr", map[string]string{"IpamPoolId": "{X}", "Cidr": "10.9.0.0/16"}, aw.Pool, poolNF},
		{"ProvisionIpamPoolCidr", map[string]string{"IpamPoolId": "{X}", "NetmaskLength": "24"}, aw.Child, poolNF},
		{"DeprovisionIpamPoolCidr", map[string]string{"IpamPoolId": "{X}", "Cidr": "10.0.16.0/20"}, aw.Child, poolNF},
		{"GetIpamPoolCidrs", map[string]string{"IpamPoolId": "{X}"}, aw.Pool, poolNF},
		{"AllocateIpamPoolCidr", map[string]string{"IpamPoolId": "{X}", "NetmaskLength": "24"}, aw.Pool, poolNF},
		{"AllocateIpamPoolCidr", map[string]string{"IpamPoolId": "{X}", "Cidr": "10.0.200.0/24"}, aw.Pool, poolNF},
		{"AllocateIpamPoolCidr", map[string]string{"IpamPoolId": "{X}", "NetmaskLength": "24", "PreviewNextCidr": "true"}, aw.Pool, poolNF},
		{"AllocateIpamPoolCidr", map[string]string{"IpamPoolId": "{X}", "NetmaskLength": "24", "DryRun": "true"}, aw.Pool, poolNF},
		{"AllocateIpamPoolCidr", map[string]string{"IpamPoolId": "{X}", "NetmaskLength": "24", "ClientToken": "fixture-alloc-token"}, aw.Pool, poolNF},
		{"ReleaseIpamPoolAllocation", map[string]string{"IpamPoolId": "{X}", "IpamPoolAllocationId": aw.Alloc, "Cidr": "10.0.0.0/24"}, aw.Pool, poolNF},
		{"ReleaseIpamPoolAllocation", map[string]string{"IpamPoolId": bw.Pool, "IpamPoolAllocationId": "{X}", "Cidr": "10.0.0.0/24"}, aw.Alloc, "InvalidParameterCombination"},
		{"ModifyIpamPoolAllocation", map[string]string{"IpamPoolAllocationId": "{X}", "Description": "x"}, aw.Alloc, allocNF},
		{"GetIpamPoolAllocations", map[string]string{"IpamPoolId": "{X}"}, aw.Pool, poolNF},
		{"GetIpamPoolAllocations", map[string]string{"IpamPoolId": "{X}", "IpamPoolAllocationId": aw.Alloc}, aw.Pool, poolNF},
		{"GetIpamPoolAllocations", map[string]string{"IpamPoolId": bw.Pool, "IpamPoolAllocationId": "{X}"}, aw.Alloc, allocNF},
		{"DescribeIpamPoolAllocations", map[string]string{"IpamPoolAllocationId.1": "{X}"}, aw.Alloc, allocNF},
		{"DescribeIpamPoolAllocations", map[string]string{"IpamPoolAllocationId.1": "{X}"}, aw.ChildAlloc, allocNF},
		{"CreateTags", map[string]string{"ResourceId.1": "{X}", "Tag.1.Key": "owner", "Tag.1.Value": "bob"}, aw.IPAM, ipamNF},
		{"CreateTags", map[string]string{"ResourceId.1": "{X}", "Tag.1.Key": "owner", "Tag.1.Value": "bob"}, aw.Scope2, scopeNF},
		{"CreateTags", map[string]string{"ResourceId.1": bw.Pool, "ResourceId.2": "{X}", "Tag.1.Key": "owner"}, aw.Pool, poolNF},
		{"CreateTags", map[string]string{"ResourceId.1": "{X}", "Tag.1.Key": "owner"}, aw.Alloc, allocNF},
		{"DeleteTags", map[string]string{"ResourceId.1": "{X}"}, aw.Pool, poolNF},
		{"DeleteTags", map[string]string{"ResourceId.1": "{X}", "Tag.1.Key": "env"}, aw.Alloc, allocNF},
		{"DeleteTags", map[string]string{"ResourceId.1": "{X}"}, aw.IPAM, ipamNF},
	}
	fill := func(params map[string]string, id string) map[string]string {
		out := map[string]string{}
		for k, v := range params {
			out[k] = strings.ReplaceAll(v, "{X}", id)
		}
		return out
	}
	for _, p := range probes {
		missing := missingLike(p.foreign)
		foreign, err := b.Call(p.action, fill(p.params, p.foreign))
		if err != nil {
			t.Fatalf("%s: %v", p.action, err)
		}
		absent, err := b.Call(p.action, fill(p.params, missing))
		if err != nil {
			t.Fatalf("%s: %v", p.action, err)
		}
		if foreign.Status != http.StatusBadRequest || foreign.Envelope.Code != p.code {
			t.Errorf("%s %v with Alice's %s: %d %s %q, want 400 %s", p.action, p.params, p.foreign,
				foreign.Status, foreign.Envelope.Code, foreign.Envelope.Message, p.code)
			continue
		}
		got := strings.ReplaceAll(foreign.Envelope.Message, p.foreign, missing)
		if absent.Status != foreign.Status || absent.Envelope.Code != foreign.Envelope.Code || got != absent.Envelope.Message {
			t.Errorf("%s: a foreign id answers %d %s %q; a missing one %d %s %q", p.action,
				foreign.Status, foreign.Envelope.Code, foreign.Envelope.Message,
				absent.Status, absent.Envelope.Code, absent.Envelope.Message)
		}
	}

	// Lists, filters and tags show Bob nothing of Alice's.
	aliceIDs := []string{aw.IPAM, aw.PubScope, aw.PrivScope, aw.Scope2, aw.Pool, aw.Child, aw.Pool6, aw.Alloc, aw.ChildAlloc}
	aliceIDs = append(aliceIDs, aw.Pools...)
	for _, q := range []struct {
		action string
		params map[string]string
	}{
		{"DescribeIpams", nil},
		{"DescribeIpamScopes", nil},
		{"DescribeIpamPools", nil},
		{"DescribeIpamPoolAllocations", nil},
		{"DescribeTags", nil},
		{"DescribeIpamPools", map[string]string{"Filter.1.Name": "ipam-id", "Filter.1.Value.1": aw.IPAM}},
		{"DescribeIpamScopes", map[string]string{"Filter.1.Name": "ipam-id", "Filter.1.Value.1": aw.IPAM}},
		{"DescribeIpams", map[string]string{"Filter.1.Name": "owner-id", "Filter.1.Value.1": alice.AccountID}},
		{"DescribeTags", map[string]string{"Filter.1.Name": "resource-id", "Filter.1.Value.1": aw.Pool}},
		{"DescribeIpamPoolAllocations", map[string]string{"Filter.1.Name": "ipam-pool-id", "Filter.1.Value.1": aw.Pool}},
	} {
		body, err := b.Must(q.action, q.params)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range aliceIDs {
			if strings.Contains(body, id) {
				t.Errorf("Bob's %s %v shows Alice's %s", q.action, q.params, id)
			}
		}
		if strings.Contains(body, alice.AccountID) {
			t.Errorf("Bob's %s %v shows Alice's account id", q.action, q.params)
		}
	}

	// Alice's pagination token is worthless to Bob.
	resp, err := b.Call("DescribeIpamPools", map[string]string{"MaxResults": "5", "NextToken": aw.PoolToken})
	if err != nil || resp.Envelope.Code != "InvalidPaginationToken" {
		t.Errorf("Bob with Alice's NextToken: %v %+v", err, resp.Envelope)
	}
	// Client tokens are per account: Bob reusing Alice's gets his own allocation.
	body, err := b.Must("AllocateIpamPoolCidr", map[string]string{"IpamPoolId": bw.Pool, "NetmaskLength": "26", "ClientToken": "fixture-alloc-token-2"})
	if err != nil {
		t.Fatal(err)
	}
	if ec2raw.Field(body, "resourceOwner") != bob.AccountID {
		t.Errorf("Bob's allocation owner: %s", body)
	}
	body, err = a.Must("AllocateIpamPoolCidr", map[string]string{"IpamPoolId": aw.Pool, "NetmaskLength": "26", "ClientToken": "fixture-alloc-token-2"})
	if err != nil {
		t.Fatalf("Alice reusing a ClientToken Bob used: %v", err)
	}
	if ec2raw.Field(body, "resourceOwner") != alice.AccountID {
		t.Errorf("Alice's allocation owner: %s", body)
	}
	if _, err := a.Must("ReleaseIpamPoolAllocation", map[string]string{"IpamPoolId": aw.Pool,
		"IpamPoolAllocationId": ec2raw.Field(body, "ipamPoolAllocationId"), "Cidr": ec2raw.Field(body, "cidr")}); err != nil {
		t.Fatal(err)
	}

	if after := snapshot(t, a, aw.Pools); after != aliceBefore {
		t.Errorf("Bob changed Alice's state:\n%s", ec2raw.FirstDiff(aliceBefore, after))
	}
	assertNoSecrets(t, srv.Logs(), alice, bob)
	// And Bob's own objects carry his account id.
	body, err = b.Must("DescribeIpams", nil)
	if err != nil || !strings.Contains(body, "<ownerId>"+bob.AccountID+"</ownerId>") {
		t.Errorf("Bob's IPAM: %v %s", err, body)
	}
}
