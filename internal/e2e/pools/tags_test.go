package pools

import (
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

// tagsIn lists DescribeTags as "resource:key=value", sorted.
func tagsIn(t *testing.T, e *env, filters ...types.Filter) []string {
	t.Helper()
	out, err := e.c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: filters})
	must(t, err)
	var s []string
	for _, d := range out.Tags {
		s = append(s, fmt.Sprintf("%s:%s=%s", aws.ToString(d.ResourceId), aws.ToString(d.Key), aws.ToString(d.Value)))
	}
	sort.Strings(s)
	return s
}

func TestTagsOnEveryIpamResource(t *testing.T) {
	e := newEnv(t)
	pool := e.pool()
	e.provision(pool, "10.0.0.0/16")
	alloc := *e.alloc(pool, 24).IpamPoolAllocationId
	ids := []string{e.ipam, e.priv, pool, alloc}
	_, err := e.c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids, Tags: []types.Tag{tag("team", "net"), tag("env", "prod"), tag("empty", "")}})
	must(t, err)

	var want []string
	for _, id := range ids {
		want = append(want, id+":empty=", id+":env=prod", id+":team=net")
	}
	sort.Strings(want)
	wantStrings(t, "all tags", tagsIn(t, e), want...)
	wantStrings(t, "resource-id", tagsIn(t, e, filter("resource-id", pool)), pool+":empty=", pool+":env=prod", pool+":team=net")
	wantStrings(t, "resource-type", tagsIn(t, e, filter("resource-type", "ipam-pool-allocation"), filter("key", "team")), alloc+":team=net")
	out, err := e.c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-id", e.ipam, e.priv), filter("key", "env")}})
	must(t, err)
	kinds := map[string]types.ResourceType{}
	for _, d := range out.Tags {
		kinds[*d.ResourceId] = d.ResourceType
	}
	if kinds[e.ipam] != types.ResourceTypeIpam || kinds[e.priv] != types.ResourceTypeIpamScope || len(kinds) != 2 {
		t.Fatalf("resource types %v", kinds)
	}

	// The tags show on each resource's own Describe.
	ip, err := e.c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{IpamIds: []string{e.ipam}})
	must(t, err)
	sc, err := e.c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{IpamScopeIds: []string{e.priv}})
	must(t, err)
	al := e.allocations(pool)
	for name, got := range map[string][]types.Tag{"ipam": ip.Ipams[0].Tags, "scope": sc.IpamScopes[0].Tags,
		"pool": e.describePool(pool).Tags, "allocation": al[0].Tags} {
		if fmt.Sprint(tagsOf(got)) != "map[empty: env:prod team:net]" {
			t.Errorf("%s tags %v", name, tagsOf(got))
		}
	}

	// Overwrite a value.
	_, err = e.c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{pool}, Tags: []types.Tag{tag("env", "dev")}})
	must(t, err)
	wantStrings(t, "overwritten", tagsIn(t, e, filter("resource-id", pool)), pool+":empty=", pool+":env=dev", pool+":team=net")

	del := func(id string, tags ...types.Tag) {
		t.Helper()
		_, err := e.c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: tags})
		must(t, err)
	}
	// Key and value: only when the value matches.
	del(pool, tag("env", "prod"))
	wantStrings(t, "non-matching value", tagsIn(t, e, filter("resource-id", pool)), pool+":empty=", pool+":env=dev", pool+":team=net")
	del(pool, tag("env", "dev"))
	wantStrings(t, "matching value", tagsIn(t, e, filter("resource-id", pool)), pool+":empty=", pool+":team=net")
	// Key with an empty value deletes only a tag whose value is empty.
	del(alloc, tag("team", ""), tag("empty", ""))
	wantStrings(t, "empty value", tagsIn(t, e, filter("resource-id", alloc)), alloc+":env=prod", alloc+":team=net")
	// Key only: whatever the value.
	del(e.priv, types.Tag{Key: aws.String("team")})
	wantStrings(t, "key only", tagsIn(t, e, filter("resource-id", e.priv)), e.priv+":empty=", e.priv+":env=prod")
	// No tags: every tag goes.
	del(e.ipam)
	wantStrings(t, "no tags", tagsIn(t, e, filter("resource-id", e.ipam)))
	// A key that is not there is not an error.
	del(pool, types.Tag{Key: aws.String("absent")})

	_, err = e.c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{pool}, Tags: []types.Tag{tag("x", "y")}, DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	_, err = e.c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{pool}, DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	wantStrings(t, "after DryRuns", tagsIn(t, e, filter("resource-id", pool)), pool+":empty=", pool+":team=net")
}

func TestTagRefusals(t *testing.T) {
	e := newEnv(t)
	pool := e.pool()
	try := func(ids []string, tags ...types.Tag) error {
		_, err := e.c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids, Tags: tags})
		return err
	}
	wantErr(t, try([]string{"igw-0123456789abcdef0"}, tag("a", "b")), "InvalidID")
	wantErr(t, try([]string{"vpc-123"}, tag("a", "b")), "InvalidVpcID.NotFound")
	wantErr(t, try([]string{"ipam-pool-0123456789abcdef0"}, tag("a", "b")), "InvalidIpamPoolId.NotFound")
	wantErr(t, try([]string{"ipam-scope-0123456789abcdef0"}, tag("a", "b")), "InvalidIpamScopeId.NotFound")
	wantErr(t, try([]string{"ipam-0123456789abcdef0"}, tag("a", "b")), "InvalidIpamId.NotFound")
	wantErr(t, try([]string{"ipam-pool-alloc-0123456789abcdef0123456789abcdef0"}, tag("a", "b")), "InvalidIpamPoolAllocationId.NotFound")
	wantErr(t, try([]string{pool}, tag("aws:name", "b")), "InvalidParameterValue")
	_, err := e.c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{"rtb-0123456789abcdef0"}})
	wantErr(t, err, "InvalidID")
	_, err = e.c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{"ipam-pool-0123456789abcdef0"}})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	// All or nothing: one bad id leaves the good one untouched.
	wantErr(t, try([]string{pool, "ipam-pool-0123456789abcdef0"}, tag("a", "b")), "InvalidIpamPoolId.NotFound")
	wantStrings(t, "after failed batch", tagsIn(t, e, filter("resource-id", pool)))

	var fifty []types.Tag
	for i := range 50 {
		fifty = append(fifty, tag(fmt.Sprintf("k%02d", i), "v"))
	}
	wantErr(t, try([]string{pool}, append(fifty, tag("k50", "v"))...), "TagLimitExceeded")
	must(t, try([]string{pool}, fifty...))
	wantErr(t, try([]string{pool}, tag("one-more", "v")), "TagLimitExceeded")
	// Overwriting an existing key does not add one.
	must(t, try([]string{pool}, tag("k00", "w")))
	if n := len(e.describePool(pool).Tags); n != 50 {
		t.Fatalf("%d tags", n)
	}
	// 51 at creation time.
	_, err = e.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv), AddressFamily: types.AddressFamilyIpv4,
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeIpamPool, Tags: append(fifty, tag("k50", "v"))}}})
	wantErr(t, err, "TagLimitExceeded")
}

func TestTagFiltersOnDescribeCalls(t *testing.T) {
	e := newEnv(t)
	a := e.pool()
	b := e.pool()
	e.provision(a, "10.0.0.0/16")
	x := *e.alloc(a, 24).IpamPoolAllocationId
	y := *e.alloc(a, 24).IpamPoolAllocationId
	_, err := e.c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{e.ipam, e.priv, a, x}, Tags: []types.Tag{tag("Name", "blue")}})
	must(t, err)
	_, err = e.c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{b, y}, Tags: []types.Tag{tag("Name", "green")}})
	must(t, err)

	pools, err := e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{Filters: []types.Filter{filter("tag:Name", "blue")}})
	must(t, err)
	if len(pools.IpamPools) != 1 || *pools.IpamPools[0].IpamPoolId != a {
		t.Fatalf("pools tag:Name=blue: %d", len(pools.IpamPools))
	}
	scopes, err := e.c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{Filters: []types.Filter{filter("tag:Name", "b*")}})
	must(t, err)
	if len(scopes.IpamScopes) != 1 || *scopes.IpamScopes[0].IpamScopeId != e.priv {
		t.Fatalf("scopes tag:Name=b*: %d", len(scopes.IpamScopes))
	}
	ipams, err := e.c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{Filters: []types.Filter{filter("tag-key", "Name")}})
	must(t, err)
	if len(ipams.Ipams) != 1 {
		t.Fatalf("ipams tag-key=Name: %d", len(ipams.Ipams))
	}
	ipams, err = e.c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{Filters: []types.Filter{filter("tag:Name", "green")}})
	must(t, err)
	if len(ipams.Ipams) != 0 {
		t.Fatalf("ipams tag:Name=green: %d", len(ipams.Ipams))
	}
	wantStrings(t, "allocations tag:Name", idsOf(e.allocations(a, filter("tag:Name", "green"))), y)
	d, err := e.c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{Filters: []types.Filter{filter("tag:Name", "blue")}})
	must(t, err)
	wantStrings(t, "describe allocations tag:Name", idsOf(d.IpamPoolAllocations), x)
}
