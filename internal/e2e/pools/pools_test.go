package pools

import (
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/testserver"
)

// The §13.6 CreateIpamPool example: every field the response carries.
func TestCreateIpamPoolReportsEveryParameter(t *testing.T) {
	e := newEnv(t)
	parent := e.pool()
	p := e.createPool(func(in *ec2.CreateIpamPoolInput) {
		in.Locale = aws.String("us-east-1")
		in.SourceIpamPoolId = aws.String(parent)
		in.Description = aws.String("regional pool")
		in.AutoImport = aws.Bool(false)
		in.AllocationMinNetmaskLength = aws.Int32(16)
		in.AllocationMaxNetmaskLength = aws.Int32(28)
		in.AllocationDefaultNetmaskLength = aws.Int32(24)
		in.AllocationResourceTags = []types.RequestIpamResourceTag{{Key: aws.String("env"), Value: aws.String("prod")}}
		in.TagSpecifications = tagSpec(types.ResourceTypeIpamPool, "Name", "regional")
	})
	id := aws.ToString(p.IpamPoolId)
	check := func(p types.IpamPool, state types.IpamPoolState) {
		t.Helper()
		if !poolIDRE.MatchString(id) {
			t.Fatalf("pool id %q", id)
		}
		for name, got := range map[string]string{
			"OwnerId":          aws.ToString(p.OwnerId),
			"IpamPoolId":       aws.ToString(p.IpamPoolId),
			"SourceIpamPoolId": aws.ToString(p.SourceIpamPoolId),
			"IpamPoolArn":      aws.ToString(p.IpamPoolArn),
			"IpamScopeArn":     aws.ToString(p.IpamScopeArn),
			"IpamScopeType":    string(p.IpamScopeType),
			"IpamArn":          aws.ToString(p.IpamArn),
			"IpamRegion":       aws.ToString(p.IpamRegion),
			"Locale":           aws.ToString(p.Locale),
			"State":            string(p.State),
			"Description":      aws.ToString(p.Description),
			"AddressFamily":    string(p.AddressFamily),
			"ResourceTag":      fmt.Sprint(tagsOfResource(p.AllocationResourceTags)),
			"Tags":             fmt.Sprint(tagsOf(p.Tags)),
			"Depth/AutoImport": fmt.Sprint(aws.ToInt32(p.PoolDepth), aws.ToBool(p.AutoImport)),
			"Min/Max/Default": fmt.Sprint(aws.ToInt32(p.AllocationMinNetmaskLength),
				aws.ToInt32(p.AllocationMaxNetmaskLength), aws.ToInt32(p.AllocationDefaultNetmaskLength)),
		} {
			want := map[string]string{
				"OwnerId":          account,
				"IpamPoolId":       id,
				"SourceIpamPoolId": parent,
				"IpamPoolArn":      "arn:aws:ec2::000000000000:ipam-pool/" + id,
				"IpamScopeArn":     "arn:aws:ec2::000000000000:ipam-scope/" + e.priv,
				"IpamScopeType":    "private",
				"IpamArn":          "arn:aws:ec2::000000000000:ipam/" + e.ipam,
				"IpamRegion":       "us-east-1",
				"Locale":           "us-east-1",
				"State":            string(state),
				"Description":      "regional pool",
				"AddressFamily":    "ipv4",
				"ResourceTag":      "map[env:prod]",
				"Tags":             "map[Name:regional]",
				"Depth/AutoImport": "2 false",
				"Min/Max/Default":  "16 28 24",
			}[name]
			if got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		if p.PubliclyAdvertisable != nil {
			t.Errorf("PubliclyAdvertisable reported for an IPv4 pool: %v", *p.PubliclyAdvertisable)
		}
	}
	check(*p, types.IpamPoolStateCreateInProgress)
	check(e.describePool(id), types.IpamPoolStateCreateComplete)
}

func tagsOfResource(ts []types.IpamResourceTag) map[string]string {
	m := map[string]string{}
	for _, t := range ts {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func TestCreateIpamPoolDefaultsForAFreshPool(t *testing.T) {
	e := newEnv(t)
	p := e.createPool()
	if got := aws.ToString(p.Locale); got != "None" {
		t.Errorf("Locale = %q, want None", got)
	}
	if p.SourceIpamPoolId != nil || aws.ToInt32(p.PoolDepth) != 1 || p.Description != nil {
		t.Errorf("source %v depth %d description %v", p.SourceIpamPoolId, aws.ToInt32(p.PoolDepth), p.Description)
	}
	// Unset rules are reported as the effective bounds; no default.
	if aws.ToInt32(p.AllocationMinNetmaskLength) != 0 || aws.ToInt32(p.AllocationMaxNetmaskLength) != 32 || p.AllocationDefaultNetmaskLength != nil {
		t.Errorf("min %v max %v default %v", aws.ToInt32(p.AllocationMinNetmaskLength), aws.ToInt32(p.AllocationMaxNetmaskLength), p.AllocationDefaultNetmaskLength)
	}
	if p.AutoImport == nil || *p.AutoImport {
		t.Errorf("AutoImport = %v, want false", p.AutoImport)
	}
	if len(p.Tags) != 0 || len(p.AllocationResourceTags) != 0 {
		t.Errorf("tags %v resource tags %v", p.Tags, p.AllocationResourceTags)
	}
	v6 := e.createPool(family6)
	if aws.ToInt32(v6.AllocationMaxNetmaskLength) != 128 || v6.PubliclyAdvertisable == nil || *v6.PubliclyAdvertisable {
		t.Errorf("IPv6 pool: max %d publiclyAdvertisable %v", aws.ToInt32(v6.AllocationMaxNetmaskLength), v6.PubliclyAdvertisable)
	}
	if d := e.describePool(*p.IpamPoolId); aws.ToString(d.Locale) != "None" || d.State != types.IpamPoolStateCreateComplete {
		t.Errorf("described: locale %q state %s", aws.ToString(d.Locale), d.State)
	}
}

func TestCreateIpamPoolLocaleMustBeAnOperatingRegion(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv),
		AddressFamily: types.AddressFamilyIpv4, Locale: aws.String("eu-west-3")})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), "eu-west-3")
	for _, l := range []string{"us-east-1", "us-west-2"} {
		if got := aws.ToString(e.createPool(locale(l)).Locale); got != l {
			t.Errorf("Locale = %q, want %q", got, l)
		}
	}
}

func TestCreateIpamPoolRefusals(t *testing.T) {
	e := newEnv(t)
	v4 := e.pool()
	scope2, err := e.c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(e.ipam)})
	must(t, err)
	cases := []struct {
		name string
		mod  func(*ec2.CreateIpamPoolInput)
		code string
	}{
		{"source in another scope", func(in *ec2.CreateIpamPoolInput) {
			in.IpamScopeId = scope2.IpamScope.IpamScopeId
			in.SourceIpamPoolId = aws.String(v4)
		}, "InvalidParameterValue"},
		{"source of another family", func(in *ec2.CreateIpamPoolInput) {
			in.AddressFamily = types.AddressFamilyIpv6
			in.SourceIpamPoolId = aws.String(v4)
		}, "InvalidParameterValue"},
		{"unknown source", source("ipam-pool-0123456789abcdef0"), "InvalidIpamPoolId.NotFound"},
		{"unknown scope", inScope("ipam-scope-0123456789abcdef0"), "InvalidIpamScopeId.NotFound"},
		{"bad address family", func(in *ec2.CreateIpamPoolInput) { in.AddressFamily = "ipv5" }, "InvalidParameterValue"},
		{"AutoImport without locale", func(in *ec2.CreateIpamPoolInput) { in.AutoImport = aws.Bool(true) }, "InvalidParameterCombination"},
		{"PubliclyAdvertisable on IPv4", func(in *ec2.CreateIpamPoolInput) { in.PubliclyAdvertisable = aws.Bool(false) }, "InvalidParameterCombination"},
		{"min above max", func(in *ec2.CreateIpamPoolInput) {
			in.AllocationMinNetmaskLength, in.AllocationMaxNetmaskLength = aws.Int32(24), aws.Int32(20)
		}, "InvalidParameterValue"},
		{"default below min", func(in *ec2.CreateIpamPoolInput) {
			in.AllocationMinNetmaskLength, in.AllocationDefaultNetmaskLength = aws.Int32(20), aws.Int32(19)
		}, "InvalidParameterValue"},
		{"default above max", func(in *ec2.CreateIpamPoolInput) {
			in.AllocationMaxNetmaskLength, in.AllocationDefaultNetmaskLength = aws.Int32(24), aws.Int32(25)
		}, "InvalidParameterValue"},
		{"IPv4 netmask 33", func(in *ec2.CreateIpamPoolInput) { in.AllocationMaxNetmaskLength = aws.Int32(33) }, "InvalidParameterValue"},
		{"IPv6 netmask 129", func(in *ec2.CreateIpamPoolInput) {
			in.AddressFamily = types.AddressFamilyIpv6
			in.AllocationDefaultNetmaskLength = aws.Int32(129)
		}, "InvalidParameterValue"},
		{"negative netmask", func(in *ec2.CreateIpamPoolInput) { in.AllocationMinNetmaskLength = aws.Int32(-1) }, "InvalidParameterValue"},
		{"tag spec of another type", func(in *ec2.CreateIpamPoolInput) { in.TagSpecifications = tagSpec(types.ResourceTypeVpc, "a", "b") }, "InvalidParameterValue"},
		{"AwsService in a private scope", func(in *ec2.CreateIpamPoolInput) { in.AwsService = types.IpamPoolAwsServiceEc2 }, "InvalidParameterCombination"},
		{"PublicIpSource in a private scope", func(in *ec2.CreateIpamPoolInput) { in.PublicIpSource = types.IpamPoolPublicIpSourceByoip }, "InvalidParameterCombination"},
		{"PublicIpSource amazon", func(in *ec2.CreateIpamPoolInput) {
			in.IpamScopeId = aws.String(e.pub)
			in.PublicIpSource = types.IpamPoolPublicIpSourceAmazon
		}, "UnsupportedOperation"},
		{"SourceResource of an unknown VPC", func(in *ec2.CreateIpamPoolInput) {
			in.SourceResource = &types.IpamPoolSourceResourceRequest{ResourceId: aws.String("vpc-0123456789abcdef0"),
				ResourceType: types.IpamPoolSourceResourceTypeVpc, ResourceRegion: aws.String("us-east-1"), ResourceOwner: aws.String(account)}
		}, "InvalidVpcID.NotFound"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv), AddressFamily: types.AddressFamilyIpv4}
			c.mod(in)
			_, err := e.c.CreateIpamPool(ctx, in)
			wantErr(t, err, c.code)
		})
	}
	// None of the refusals left a pool behind.
	out, err := e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{})
	must(t, err)
	if len(out.IpamPools) != 1 {
		t.Fatalf("%d pools after refusals, want 1", len(out.IpamPools))
	}
}

func TestCreateIpamPoolAccepts(t *testing.T) {
	e := newEnv(t)
	// AWS's Terraform tests used min = max = default = 32.
	p := e.createPool(func(in *ec2.CreateIpamPoolInput) {
		in.AllocationMinNetmaskLength, in.AllocationMaxNetmaskLength, in.AllocationDefaultNetmaskLength = aws.Int32(32), aws.Int32(32), aws.Int32(32)
	})
	if fmt.Sprint(*p.AllocationMinNetmaskLength, *p.AllocationMaxNetmaskLength, *p.AllocationDefaultNetmaskLength) != "32 32 32" {
		t.Errorf("rules %d %d %d", *p.AllocationMinNetmaskLength, *p.AllocationMaxNetmaskLength, *p.AllocationDefaultNetmaskLength)
	}
	ai := e.createPool(locale("us-west-2"), func(in *ec2.CreateIpamPoolInput) { in.AutoImport = aws.Bool(true) })
	if !aws.ToBool(ai.AutoImport) {
		t.Error("AutoImport not reported")
	}
	pa := e.createPool(family6, func(in *ec2.CreateIpamPoolInput) { in.PubliclyAdvertisable = aws.Bool(true) })
	if !aws.ToBool(pa.PubliclyAdvertisable) {
		t.Error("PubliclyAdvertisable not reported")
	}
	pub := e.createPool(inScope(e.pub), func(in *ec2.CreateIpamPoolInput) { in.AwsService = types.IpamPoolAwsServiceEc2 })
	if pub.AwsService != types.IpamPoolAwsServiceEc2 || pub.PublicIpSource != types.IpamPoolPublicIpSourceByoip || pub.IpamScopeType != types.IpamScopeTypePublic {
		t.Errorf("public pool: AwsService %q PublicIpSource %q scope type %q", pub.AwsService, pub.PublicIpSource, pub.IpamScopeType)
	}
	byoip := e.createPool(inScope(e.pub), func(in *ec2.CreateIpamPoolInput) { in.PublicIpSource = types.IpamPoolPublicIpSourceByoip })
	if byoip.PublicIpSource != types.IpamPoolPublicIpSourceByoip {
		t.Errorf("PublicIpSource %q", byoip.PublicIpSource)
	}
}

func TestCreateIpamPoolDryRun(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv),
		AddressFamily: types.AddressFamilyIpv4, DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	out, err := e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{})
	must(t, err)
	if len(out.IpamPools) != 0 {
		t.Fatalf("DryRun created %d pools", len(out.IpamPools))
	}
}

func TestPoolsPerScopeQuota(t *testing.T) {
	e := newEnvOpts(t, testserver.Options{Limits: limits(func(l *ipam.Limits) { l.PoolsPerScope = 3 })})
	for range 3 {
		e.pool()
	}
	_, err := e.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv), AddressFamily: types.AddressFamilyIpv4})
	wantErr(t, err, "ResourceLimitExceeded")
	// The quota is per scope: the public scope still has room.
	e.pool(inScope(e.pub))
	sc, err := e.c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{IpamScopeIds: []string{e.priv}})
	must(t, err)
	if n := aws.ToInt32(sc.IpamScopes[0].PoolCount); n != 3 {
		t.Fatalf("PoolCount = %d, want 3", n)
	}
}

func TestDescribeIpamPoolsFilters(t *testing.T) {
	e := newEnv(t)
	a := e.pool(describe("pool-a one"), locale("us-east-1"), func(in *ec2.CreateIpamPoolInput) {
		in.TagSpecifications = tagSpec(types.ResourceTypeIpamPool, "team", "net", "env", "prod")
	})
	b := e.pool(describe("pool-b three"), func(in *ec2.CreateIpamPoolInput) {
		in.TagSpecifications = tagSpec(types.ResourceTypeIpamPool, "team", "db")
	})
	c := e.pool(family6, describe("three v6"))
	d := e.pool(source(a), locale("us-east-1"), describe("child"))
	pub := e.pool(inScope(e.pub), locale("us-west-2"))

	sorted := func(ids ...string) []string { sort.Strings(ids); return ids }
	for _, tc := range []struct {
		filters []types.Filter
		want    []string
	}{
		{nil, sorted(a, b, c, d, pub)},
		{[]types.Filter{filter("owner-id", account)}, sorted(a, b, c, d, pub)},
		{[]types.Filter{filter("owner-id", "111111111111")}, nil},
		{[]types.Filter{filter("ipam-scope-id", e.pub)}, []string{pub}},
		{[]types.Filter{filter("address-family", "ipv6")}, []string{c}},
		{[]types.Filter{filter("description", "*three*")}, sorted(b, c)},
		{[]types.Filter{filter("description", "pool-? *")}, sorted(a, b)},
		{[]types.Filter{filter("description", "pool-a")}, nil}, // no wildcard: whole value
		{[]types.Filter{filter("tag:team", "net", "db")}, sorted(a, b)},
		{[]types.Filter{filter("tag:team", "n*")}, []string{a}},
		{[]types.Filter{filter("tag-key", "env")}, []string{a}},
		{[]types.Filter{filter("locale", "None")}, sorted(b, c)},
		{[]types.Filter{filter("locale", "us-*")}, sorted(a, d, pub)},
		{[]types.Filter{filter("pool-depth", "2")}, []string{d}},
		{[]types.Filter{filter("source-ipam-pool-id", a)}, []string{d}},
		{[]types.Filter{filter("ipam-scope-type", "private"), filter("locale", "us-east-1")}, sorted(a, d)},
		{[]types.Filter{filter("address-family", "ipv4"), filter("description", "*three*")}, []string{b}},
	} {
		out, err := e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{Filters: tc.filters})
		must(t, err)
		var got []string
		for _, p := range out.IpamPools {
			got = append(got, *p.IpamPoolId)
		}
		sort.Strings(got)
		wantStrings(t, fmt.Sprint(tc.filters), got, tc.want...)
	}
	_, err := e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{Filters: []types.Filter{filter("colour", "red")}})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), "colour")

	out, err := e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{IpamPoolIds: []string{b, a}})
	must(t, err)
	if len(out.IpamPools) != 2 {
		t.Fatalf("by ids: %d pools", len(out.IpamPools))
	}
	_, err = e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{IpamPoolIds: []string{a, "ipam-pool-0123456789abcdef0"}})
	wantContains(t, wantErr(t, err, "InvalidIpamPoolId.NotFound"), "ipam-pool-0123456789abcdef0")
}

func TestDescribeIpamPoolsPaging(t *testing.T) {
	e := newEnv(t)
	var want []string
	for range 12 {
		want = append(want, e.pool())
	}
	sort.Strings(want)
	for _, bad := range []int32{4, 1001} {
		_, err := e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{MaxResults: aws.Int32(bad)})
		wantErr(t, err, "InvalidParameterValue")
	}
	p := ec2.NewDescribeIpamPoolsPaginator(e.c, &ec2.DescribeIpamPoolsInput{MaxResults: aws.Int32(5)})
	var got []string
	var sizes []int
	tokens := map[string]bool{}
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		must(t, err)
		sizes = append(sizes, len(out.IpamPools))
		for _, x := range out.IpamPools {
			got = append(got, *x.IpamPoolId)
		}
		if out.NextToken != nil {
			if tokens[*out.NextToken] {
				t.Fatal("token repeated")
			}
			tokens[*out.NextToken] = true
		}
	}
	sort.Strings(got)
	wantStrings(t, "pools", got, want...)
	if fmt.Sprint(sizes) != "[5 5 2]" {
		t.Fatalf("page sizes %v", sizes)
	}
}

func TestModifyIpamPool(t *testing.T) {
	e := newEnv(t)
	id := e.pool(func(in *ec2.CreateIpamPoolInput) {
		in.AllocationMinNetmaskLength, in.AllocationMaxNetmaskLength, in.AllocationDefaultNetmaskLength = aws.Int32(16), aws.Int32(28), aws.Int32(24)
		in.AllocationResourceTags = []types.RequestIpamResourceTag{
			{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("net")}}
	})
	_, err := e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String(id)})
	if msg := wantErr(t, err, "InvalidParameterCombination"); msg != "The request must contain a modification to the ipam pool" {
		t.Fatalf("message %q", msg)
	}
	// The CLI example: add a resource tag rule, clear the default, new min.
	out, err := e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{
		IpamPoolId:                          aws.String(id),
		AddAllocationResourceTags:           []types.RequestIpamResourceTag{{Key: aws.String("cost"), Value: aws.String("42")}},
		RemoveAllocationResourceTags:        []types.RequestIpamResourceTag{{Key: aws.String("team"), Value: aws.String("net")}},
		ClearAllocationDefaultNetmaskLength: aws.Bool(true),
		AllocationMinNetmaskLength:          aws.Int32(18),
		Description:                         aws.String("modified"),
	})
	must(t, err)
	for _, p := range []types.IpamPool{*out.IpamPool, e.describePool(id)} {
		if p.State != types.IpamPoolStateModifyComplete {
			t.Errorf("state %s, want modify-complete", p.State)
		}
		if p.AllocationDefaultNetmaskLength != nil {
			t.Errorf("default still %d", *p.AllocationDefaultNetmaskLength)
		}
		if aws.ToInt32(p.AllocationMinNetmaskLength) != 18 || aws.ToInt32(p.AllocationMaxNetmaskLength) != 28 {
			t.Errorf("min %d max %d", aws.ToInt32(p.AllocationMinNetmaskLength), aws.ToInt32(p.AllocationMaxNetmaskLength))
		}
		if got := fmt.Sprint(tagsOfResource(p.AllocationResourceTags)); got != "map[cost:42 env:prod]" {
			t.Errorf("resource tags %s", got)
		}
		if aws.ToString(p.Description) != "modified" {
			t.Errorf("description %q", aws.ToString(p.Description))
		}
	}
	// Removing a rule needs the value to match.
	out, err = e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String(id),
		RemoveAllocationResourceTags: []types.RequestIpamResourceTag{{Key: aws.String("env"), Value: aws.String("dev")}}})
	must(t, err)
	if got := fmt.Sprint(tagsOfResource(out.IpamPool.AllocationResourceTags)); got != "map[cost:42 env:prod]" {
		t.Errorf("resource tags after non-matching remove %s", got)
	}
	// The rules are checked as a whole against what is stored.
	_, err = e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String(id), AllocationMinNetmaskLength: aws.Int32(29)})
	wantErr(t, err, "InvalidParameterValue")
	_, err = e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String(id), AllocationDefaultNetmaskLength: aws.Int32(30)})
	wantErr(t, err, "InvalidParameterValue")
	_, err = e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String(id), AutoImport: aws.Bool(true)})
	wantErr(t, err, "InvalidParameterCombination")
	_, err = e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String("ipam-pool-0123456789abcdef0"), Description: aws.String("x")})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	_, err = e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String(id), Description: aws.String("dry"), DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	if d := aws.ToString(e.describePool(id).Description); d != "modified" {
		t.Errorf("DryRun changed description to %q", d)
	}
}

func TestDeleteIpamPool(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	e.provision(id, "10.0.0.0/16")
	_, err := e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(id)})
	msg := wantErr(t, err, "DependencyViolation")
	if want := "The specified action is not valid for " + id + ". There are one or more pool cidrs provisioned in the pool."; msg != want {
		t.Fatalf("message %q\nwant    %q", msg, want)
	}
	a := e.alloc(id, 24)
	_, err = e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(id)})
	wantErr(t, err, "DependencyViolation")
	_, err = e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(id), DryRun: aws.Bool(true), Cascade: aws.Bool(true)})
	wantDryRun(t, err)
	_, err = e.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(id),
		Cidr: a.Cidr, IpamPoolAllocationId: a.IpamPoolAllocationId})
	must(t, err)
	_, err = e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.0.0.0/16")})
	must(t, err)
	out, err := e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(id)})
	must(t, err)
	if out.IpamPool.State != types.IpamPoolStateDeleteInProgress || aws.ToString(out.IpamPool.IpamPoolId) != id {
		t.Fatalf("delete answered %s %s", aws.ToString(out.IpamPool.IpamPoolId), out.IpamPool.State)
	}
	_, err = e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{IpamPoolIds: []string{id}})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	_, err = e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(id)})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	// The freed space can be provisioned again in the scope.
	e.provision(e.pool(), "10.0.0.0/16")
}

func TestDeleteIpamPoolCascade(t *testing.T) {
	e := newEnv(t)
	top := e.pool()
	e.provision(top, "10.0.0.0/8")
	keep := e.alloc(top, 16) // 10.0.0.0/16
	mid := e.pool(source(top))
	e.provision(mid, "10.1.0.0/16")
	leaf := e.pool(source(mid))
	e.provision(leaf, "10.1.0.0/20")
	e.alloc(leaf, 24)
	e.alloc(mid, 24) // 10.1.16.0/24

	_, err := e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(mid)})
	wantContains(t, wantErr(t, err, "DependencyViolation"), mid)

	out, err := e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(mid), Cascade: aws.Bool(true)})
	must(t, err)
	if out.IpamPool.State != types.IpamPoolStateDeleteInProgress {
		t.Fatalf("state %s", out.IpamPool.State)
	}
	for _, id := range []string{mid, leaf} {
		_, err = e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{IpamPoolIds: []string{id}})
		wantErr(t, err, "InvalidIpamPoolId.NotFound")
	}
	// The child's carve-out is gone from the parent; the parent's own
	// allocation stays.
	left := e.allocations(top)
	wantStrings(t, "parent allocations", idsOf(left), *keep.IpamPoolAllocationId)
	// And the space is the parent's to give again.
	if got := *e.allocCidr(top, "10.1.0.0/16").Cidr; got != "10.1.0.0/16" {
		t.Fatalf("reallocated %s", got)
	}
	gone, err := e.c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{
		Filters: []types.Filter{filter("ipam-pool-id", mid, leaf)}})
	must(t, err)
	if len(gone.IpamPoolAllocations) != 0 {
		t.Fatalf("%d allocations of deleted pools remain", len(gone.IpamPoolAllocations))
	}
	// Cascade of a top-level pool takes its allocations and CIDRs.
	_, err = e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(top), Cascade: aws.Bool(true)})
	must(t, err)
	all, err := e.c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{})
	must(t, err)
	if len(all.IpamPoolAllocations) != 0 {
		t.Fatalf("%d allocations left after cascade", len(all.IpamPoolAllocations))
	}
	sc, err := e.c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{IpamScopeIds: []string{e.priv}})
	must(t, err)
	if n := aws.ToInt32(sc.IpamScopes[0].PoolCount); n != 0 {
		t.Fatalf("PoolCount %d after cascades", n)
	}
	e.provision(e.pool(), "10.0.0.0/8")
	// Cascade is for private scopes only.
	pub := e.pool(inScope(e.pub))
	_, err = e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(pub), Cascade: aws.Bool(true)})
	wantErr(t, err, "InvalidParameterCombination")
	_, err = e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(pub)})
	must(t, err)
}
