package ops

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/store/sqlite"
	"github.com/ipamd/ipamd/internal/testserver"
)

// TestUpgradeFromFirstRelease: a store written by the first release
// (testdata/release1) opens with today's code, which migrates it, and
// answers as the first release did; its ClientToken still returns the first
// answer and allocation goes on without overlap.
func TestUpgradeFromFirstRelease(t *testing.T) {
	raw, err := os.ReadFile("testdata/release1/answers.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]json.RawMessage
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	var first struct{ Pool, Token, ID, CIDR, Description string }
	if err := json.Unmarshal(want["first"], &first); err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile("testdata/release1/" + sqlite.FileName)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, sqlite.FileName), db, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := testserver.Start(t, testserver.Options{Dir: dir})
	c, ctx := srv.Client(), context.Background()

	got := map[string]any{}
	var ipams [][]any
	for _, i := range must(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{})).Ipams {
		var k, v *string
		if len(i.Tags) > 0 {
			k, v = i.Tags[0].Key, i.Tags[0].Value
		}
		ipams = append(ipams, []any{i.IpamId, i.Description, i.ScopeCount, i.State, k, v})
	}
	got["ipams"] = ipams
	var scopes [][]any
	for _, s := range must(c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{})).IpamScopes {
		scopes = append(scopes, []any{s.IpamScopeId, s.IpamScopeType, s.IsDefault, s.PoolCount})
	}
	sort.Slice(scopes, func(i, j int) bool { return *scopes[i][0].(*string) < *scopes[j][0].(*string) })
	got["scopes"] = scopes
	var pools [][]any
	for _, p := range must(c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{})).IpamPools {
		pools = append(pools, []any{p.IpamPoolId, p.Description, p.SourceIpamPoolId, p.PoolDepth, p.AllocationDefaultNetmaskLength})
		var cidrs, allocs [][]any
		for _, pc := range must(c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: p.IpamPoolId})).IpamPoolCidrs {
			cidrs = append(cidrs, []any{pc.Cidr, pc.State})
		}
		for _, a := range must(c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: p.IpamPoolId})).IpamPoolAllocations {
			allocs = append(allocs, []any{a.IpamPoolAllocationId, a.Cidr, a.Description, a.ResourceType})
		}
		got["cidrs "+*p.IpamPoolId], got["allocations "+*p.IpamPoolId] = cidrs, allocs
	}
	sort.Slice(pools, func(i, j int) bool { return *pools[i][0].(*string) < *pools[j][0].(*string) })
	got["pools"] = pools

	for k, w := range want {
		if k == "first" {
			continue
		}
		g, _ := json.Marshal(got[k])
		var norm any // compare as JSON values, not bytes
		_ = json.Unmarshal(w, &norm)
		wn, _ := json.Marshal(norm)
		if string(g) != string(wn) {
			t.Errorf("%s after the upgrade:\n got %s\nwant %s", k, g, wn)
		}
	}
	if len(got) != len(want)-1 {
		t.Errorf("%d listings after the upgrade, the first release had %d", len(got), len(want)-1)
	}

	stillWorks(t, c, &world{pools: []string{first.Pool}, token: first.Token, desc: first.Description,
		first: &types.IpamPoolAllocation{IpamPoolAllocationId: &first.ID, Cidr: &first.CIDR}})
}
