package core

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/testserver"
)

// TestCreateIpamScope: a new scope is private and non-default, counters move,
// the quota of 5 (defaults included) holds, DryRun creates nothing.
func TestCreateIpamScope(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	i := createIpam(t, c, nil)
	id := aws.ToString(i.IpamId)

	_, err := c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(id), DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	if n := aws.ToInt32(describeIpam(t, c, id).ScopeCount); n != 2 {
		t.Fatalf("ScopeCount %d after DryRun", n)
	}

	s := createScope(t, c, id, &ec2.CreateIpamScopeInput{Description: aws.String("lab"),
		TagSpecifications: tagSpec(types.ResourceTypeIpamScope, "Name", "lab"),
		ExternalAuthorityConfiguration: &types.ExternalAuthorityConfiguration{
			Type: types.IpamScopeExternalAuthorityTypeInfoblox, ExternalResourceIdentifier: aws.String("ib-view-1")}})
	sid := aws.ToString(s.IpamScopeId)
	if !scopeIDRE.MatchString(sid) {
		t.Fatalf("IpamScopeId %q", sid)
	}
	check := func(where string, x types.IpamScope, state types.IpamScopeState) {
		t.Helper()
		if x.IpamScopeType != types.IpamScopeTypePrivate || aws.ToBool(x.IsDefault) || x.IsDefault == nil ||
			aws.ToInt32(x.PoolCount) != 0 || x.State != state || aws.ToString(x.Description) != "lab" ||
			aws.ToString(x.IpamScopeArn) != "arn:aws:ec2::000000000000:ipam-scope/"+sid ||
			aws.ToString(x.IpamArn) != "arn:aws:ec2::000000000000:ipam/"+id ||
			aws.ToString(x.IpamRegion) != "us-east-1" || aws.ToString(x.OwnerId) != account {
			t.Errorf("%s: %+v", where, x)
		}
		if tm := tagMap(x.Tags); len(tm) != 1 || tm["Name"] != "lab" {
			t.Errorf("%s: tags %v", where, tm)
		}
		ea := x.ExternalAuthorityConfiguration
		if ea == nil || ea.Type != types.IpamScopeExternalAuthorityTypeInfoblox || aws.ToString(ea.ExternalResourceIdentifier) != "ib-view-1" {
			t.Errorf("%s: external authority %+v", where, ea)
		}
	}
	check("CreateIpamScope", s, types.IpamScopeStateCreateInProgress)
	check("DescribeIpamScopes", describeScope(t, c, sid), types.IpamScopeStateCreateComplete)
	if n := aws.ToInt32(describeIpam(t, c, id).ScopeCount); n != 3 {
		t.Errorf("ScopeCount %d, want 3", n)
	}

	createScope(t, c, id, nil)
	plain := createScope(t, c, id, nil)
	if plain.Description != nil || plain.ExternalAuthorityConfiguration != nil || len(plain.Tags) != 0 {
		t.Errorf("bare scope has %v %v %v", plain.Description, plain.ExternalAuthorityConfiguration, plain.Tags)
	}
	if n := aws.ToInt32(describeIpam(t, c, id).ScopeCount); n != 5 {
		t.Errorf("ScopeCount %d, want 5", n)
	}
	_, err = c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(id)})
	wantErr(t, err, "ResourceLimitExceeded", 400)
	if n := len(must[*ec2.DescribeIpamScopesOutput](t)(c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{})).IpamScopes); n != 5 {
		t.Errorf("%d scopes, want 5", n)
	}
	// Deleting one frees a slot.
	if _, err := c.DeleteIpamScope(ctx, &ec2.DeleteIpamScopeInput{IpamScopeId: plain.IpamScopeId}); err != nil {
		t.Fatal(err)
	}
	createScope(t, c, id, nil)
}

// TestCreateIpamScopeRefusals: unknown IPAM, wrong tag resource type, bad
// external authority type.
func TestCreateIpamScopeRefusals(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	id := aws.ToString(createIpam(t, c, nil).IpamId)
	_, err := c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String("ipam-0123456789abcdef0")})
	wantErr(t, err, "InvalidIpamId.NotFound", 400)
	_, err = c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(id),
		TagSpecifications: tagSpec(types.ResourceTypeIpam, "k", "v")})
	wantErr(t, err, "InvalidParameterValue", 400)
	_, err = c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(id),
		ExternalAuthorityConfiguration: &types.ExternalAuthorityConfiguration{Type: "bluecat"}})
	wantErr(t, err, "InvalidParameterValue", 400)
	if n := aws.ToInt32(describeIpam(t, c, id).ScopeCount); n != 2 {
		t.Errorf("ScopeCount %d after refusals", n)
	}
}

// TestCreateIpamScopeClientToken: reference §8.3 for scopes.
func TestCreateIpamScopeClientToken(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	id := aws.ToString(createIpam(t, c, nil).IpamId)
	in := func(desc string) *ec2.CreateIpamScopeInput {
		return &ec2.CreateIpamScopeInput{ClientToken: aws.String("scope-token"), Description: aws.String(desc)}
	}
	a := createScope(t, c, id, in("x"))
	b := createScope(t, c, id, in("x"))
	if aws.ToString(a.IpamScopeId) != aws.ToString(b.IpamScopeId) {
		t.Fatalf("replay created %s, first %s", aws.ToString(b.IpamScopeId), aws.ToString(a.IpamScopeId))
	}
	_, err := c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(id), ClientToken: aws.String("scope-token"),
		Description: aws.String("y")})
	wantErr(t, err, "IdempotentParameterMismatch", 400)
	if n := aws.ToInt32(describeIpam(t, c, id).ScopeCount); n != 3 {
		t.Errorf("ScopeCount %d, want 3", n)
	}
}

// TestDescribeIpamScopes: ids, filters, paging, refusals.
func TestDescribeIpamScopes(t *testing.T) {
	srv := testserver.Start(t, manyIpams())
	c := newClient(srv.URL)
	var ipams []types.Ipam
	var extras, all []string
	for k := range 4 {
		i := createIpam(t, c, nil)
		ipams = append(ipams, i)
		in := &ec2.CreateIpamScopeInput{Description: aws.String("extra")}
		if k == 0 {
			in.TagSpecifications = tagSpec(types.ResourceTypeIpamScope, "env", "prod")
		}
		s := createScope(t, c, aws.ToString(i.IpamId), in)
		extras = append(extras, aws.ToString(s.IpamScopeId))
		all = append(all, aws.ToString(i.PublicDefaultScopeId), aws.ToString(i.PrivateDefaultScopeId), aws.ToString(s.IpamScopeId))
	}
	slices.Sort(all)
	slices.Sort(extras)
	i0 := ipams[0]
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	var publics []string
	for _, i := range ipams {
		publics = append(publics, aws.ToString(i.PublicDefaultScopeId))
	}
	slices.Sort(publics)

	for _, tc := range []struct {
		name    string
		ids     []string
		filters []types.Filter
		want    []string
	}{
		{"all", nil, nil, all},
		{"by id", []string{extras[1]}, nil, []string{extras[1]}},
		{"ipam-id", nil, []types.Filter{filter("ipam-id", aws.ToString(i0.IpamId))},
			sorted(aws.ToString(i0.PublicDefaultScopeId), aws.ToString(i0.PrivateDefaultScopeId), extras0(extras, ipams, c, t))},
		{"ipam-scope-type public", nil, []types.Filter{filter("ipam-scope-type", "public")}, publics},
		{"is-default false", nil, []types.Filter{filter("is-default", "false")}, extras},
		{"private defaults", nil, []types.Filter{filter("is-default", "true"), filter("ipam-scope-type", "private")},
			privates(ipams)},
		{"owner-id", nil, []types.Filter{filter("owner-id", account)}, all},
		{"description", nil, []types.Filter{filter("description", "ext*")}, extras},
		{"tag", nil, []types.Filter{filter("tag:env", "prod")}, []string{extras0(extras, ipams, c, t)}},
		{"tag-key", nil, []types.Filter{filter("tag-key", "e?v")}, []string{extras0(extras, ipams, c, t)}},
		{"ids AND filter", []string{aws.ToString(i0.PublicDefaultScopeId), aws.ToString(i0.PrivateDefaultScopeId)},
			[]types.Filter{filter("ipam-scope-type", "public")}, []string{aws.ToString(i0.PublicDefaultScopeId)}},
	} {
		out, err := c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{IpamScopeIds: tc.ids, Filters: tc.filters})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := scopeIDs(out.IpamScopes); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}

	_, err := c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{IpamScopeIds: []string{"ipam-scope-0123456789abcdef0"}})
	wantErr(t, err, "InvalidIpamScopeId.NotFound", 400)
	_, err = c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{Filters: []types.Filter{filter("pool-count", "0")}})
	wantErr(t, err, "InvalidParameterValue", 400)
	_, err = c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{MaxResults: aws.Int32(4)})
	wantErr(t, err, "InvalidParameterValue", 400)
	_, err = c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{NextToken: aws.String("forged")})
	wantErr(t, err, "InvalidPaginationToken", 400)
	_, err = c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{DryRun: aws.Bool(true)})
	wantDryRun(t, err)

	var got []string
	var sizes []int
	p := ec2.NewDescribeIpamScopesPaginator(c, &ec2.DescribeIpamScopesInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(out.IpamScopes))
		got = append(got, scopeIDs(out.IpamScopes)...)
	}
	if !slices.Equal(sizes, []int{5, 5, 2}) {
		t.Errorf("page sizes %v, want [5 5 2]", sizes)
	}
	slices.Sort(got)
	if !slices.Equal(got, all) {
		t.Errorf("paged %v, want %v", got, all)
	}
	// Paging composes with filters: 4 non-default scopes at 5 a page is one page.
	out := must[*ec2.DescribeIpamScopesOutput](t)(c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{
		MaxResults: aws.Int32(5), Filters: []types.Filter{filter("is-default", "false")}}))
	if len(out.IpamScopes) != 4 || out.NextToken != nil {
		t.Errorf("filtered page: %d scopes, token %v", len(out.IpamScopes), out.NextToken)
	}
}

// extras0 is the extra scope of the first IPAM.
func extras0(extras []string, ipams []types.Ipam, c *ec2.Client, t *testing.T) string {
	t.Helper()
	out := must[*ec2.DescribeIpamScopesOutput](t)(c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{
		Filters: []types.Filter{filter("ipam-id", aws.ToString(ipams[0].IpamId)), filter("is-default", "false")}}))
	if len(out.IpamScopes) != 1 || !slices.Contains(extras, aws.ToString(out.IpamScopes[0].IpamScopeId)) {
		t.Fatalf("first IPAM's extra scope: %v", scopeIDs(out.IpamScopes))
	}
	return aws.ToString(out.IpamScopes[0].IpamScopeId)
}

func privates(ipams []types.Ipam) []string {
	var out []string
	for _, i := range ipams {
		out = append(out, aws.ToString(i.PrivateDefaultScopeId))
	}
	slices.Sort(out)
	return out
}

// TestModifyIpamScope: Description, external authority set/remove, the
// invalid combination, default scopes, DryRun.
func TestModifyIpamScope(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	i := createIpam(t, c, nil)
	s := createScope(t, c, aws.ToString(i.IpamId), &ec2.CreateIpamScopeInput{Description: aws.String("before")})
	sid := s.IpamScopeId
	ib := &types.ExternalAuthorityConfiguration{Type: types.IpamScopeExternalAuthorityTypeInfoblox,
		ExternalResourceIdentifier: aws.String("view-7")}

	out, err := c.ModifyIpamScope(ctx, &ec2.ModifyIpamScopeInput{IpamScopeId: sid, Description: aws.String("after"),
		ExternalAuthorityConfiguration: ib})
	if err != nil {
		t.Fatal(err)
	}
	for where, x := range map[string]types.IpamScope{"ModifyIpamScope": *out.IpamScope, "Describe": describeScope(t, c, *sid)} {
		want := types.IpamScopeStateModifyComplete
		if where == "ModifyIpamScope" {
			want = types.IpamScopeStateModifyInProgress
		}
		ea := x.ExternalAuthorityConfiguration
		if x.State != want || aws.ToString(x.Description) != "after" || ea == nil ||
			ea.Type != types.IpamScopeExternalAuthorityTypeInfoblox || aws.ToString(ea.ExternalResourceIdentifier) != "view-7" {
			t.Errorf("%s: state %q desc %q ea %+v", where, x.State, aws.ToString(x.Description), ea)
		}
	}

	_, err = c.ModifyIpamScope(ctx, &ec2.ModifyIpamScopeInput{IpamScopeId: sid, ExternalAuthorityConfiguration: ib,
		RemoveExternalAuthorityConfiguration: aws.Bool(true)})
	wantErr(t, err, "InvalidParameterCombination", 400)
	_, err = c.ModifyIpamScope(ctx, &ec2.ModifyIpamScopeInput{IpamScopeId: sid,
		ExternalAuthorityConfiguration: &types.ExternalAuthorityConfiguration{Type: "bluecat"}})
	wantErr(t, err, "InvalidParameterValue", 400)
	_, err = c.ModifyIpamScope(ctx, &ec2.ModifyIpamScopeInput{IpamScopeId: sid, DryRun: aws.Bool(true),
		Description: aws.String("dry"), RemoveExternalAuthorityConfiguration: aws.Bool(true)})
	wantDryRun(t, err)
	_, err = c.ModifyIpamScope(ctx, &ec2.ModifyIpamScopeInput{IpamScopeId: aws.String("ipam-scope-0123456789abcdef0"),
		Description: aws.String("x")})
	wantErr(t, err, "InvalidIpamScopeId.NotFound", 400)
	x := describeScope(t, c, *sid)
	if aws.ToString(x.Description) != "after" || x.ExternalAuthorityConfiguration == nil {
		t.Fatalf("refused modifies changed the scope: %q %+v", aws.ToString(x.Description), x.ExternalAuthorityConfiguration)
	}

	if _, err := c.ModifyIpamScope(ctx, &ec2.ModifyIpamScopeInput{IpamScopeId: sid,
		RemoveExternalAuthorityConfiguration: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	x = describeScope(t, c, *sid)
	if x.ExternalAuthorityConfiguration != nil || aws.ToString(x.Description) != "after" {
		t.Errorf("after remove: ea %+v desc %q", x.ExternalAuthorityConfiguration, aws.ToString(x.Description))
	}

	// A default scope can be modified too; the response shows
	// modify-in-progress (reference §4).
	out, err = c.ModifyIpamScope(ctx, &ec2.ModifyIpamScopeInput{IpamScopeId: i.PrivateDefaultScopeId,
		Description: aws.String("default private")})
	if err != nil {
		t.Fatal(err)
	}
	if out.IpamScope.State != types.IpamScopeStateModifyInProgress || !aws.ToBool(out.IpamScope.IsDefault) {
		t.Errorf("default scope modify: %q default %v", out.IpamScope.State, aws.ToBool(out.IpamScope.IsDefault))
	}
	if d := describeScope(t, c, aws.ToString(i.PrivateDefaultScopeId)); aws.ToString(d.Description) != "default private" ||
		d.State != types.IpamScopeStateModifyComplete {
		t.Errorf("default scope after modify: %q %q", aws.ToString(d.Description), d.State)
	}
}

// TestDeleteIpamScope: default scopes and scopes with pools are refused;
// DryRun; the counters follow.
func TestDeleteIpamScope(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	i := createIpam(t, c, nil)
	id := aws.ToString(i.IpamId)
	s := createScope(t, c, id, &ec2.CreateIpamScopeInput{Description: aws.String("tmp")})
	sid := aws.ToString(s.IpamScopeId)

	for _, def := range []*string{i.PublicDefaultScopeId, i.PrivateDefaultScopeId} {
		_, err := c.DeleteIpamScope(ctx, &ec2.DeleteIpamScopeInput{IpamScopeId: def})
		wantErr(t, err, "InvalidParameterValue", 400)
	}
	pool := must[*ec2.CreateIpamPoolOutput](t)(c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{
		IpamScopeId: aws.String(sid), AddressFamily: types.AddressFamilyIpv4})).IpamPool
	if n := aws.ToInt32(describeScope(t, c, sid).PoolCount); n != 1 {
		t.Errorf("PoolCount %d, want 1", n)
	}
	_, err := c.DeleteIpamScope(ctx, &ec2.DeleteIpamScopeInput{IpamScopeId: aws.String(sid)})
	wantErr(t, err, "DependencyViolation", 400)
	if _, err := c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: pool.IpamPoolId}); err != nil {
		t.Fatal(err)
	}
	if n := aws.ToInt32(describeScope(t, c, sid).PoolCount); n != 0 {
		t.Errorf("PoolCount %d after pool delete", n)
	}
	_, err = c.DeleteIpamScope(ctx, &ec2.DeleteIpamScopeInput{IpamScopeId: aws.String(sid), DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	describeScope(t, c, sid)
	if n := aws.ToInt32(describeIpam(t, c, id).ScopeCount); n != 3 {
		t.Errorf("ScopeCount %d after DryRun", n)
	}

	out, err := c.DeleteIpamScope(ctx, &ec2.DeleteIpamScopeInput{IpamScopeId: aws.String(sid)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.IpamScope.IpamScopeId) != sid || out.IpamScope.State != types.IpamScopeStateDeleteInProgress ||
		aws.ToString(out.IpamScope.Description) != "tmp" {
		t.Errorf("DeleteIpamScope echoed %s %q", aws.ToString(out.IpamScope.IpamScopeId), out.IpamScope.State)
	}
	_, err = c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{IpamScopeIds: []string{sid}})
	wantErr(t, err, "InvalidIpamScopeId.NotFound", 400)
	_, err = c.DeleteIpamScope(ctx, &ec2.DeleteIpamScopeInput{IpamScopeId: aws.String(sid)})
	wantErr(t, err, "InvalidIpamScopeId.NotFound", 400)
	if n := aws.ToInt32(describeIpam(t, c, id).ScopeCount); n != 2 {
		t.Errorf("ScopeCount %d after delete, want 2", n)
	}
	// The default scopes are untouched.
	describeScope(t, c, aws.ToString(i.PublicDefaultScopeId))
	describeScope(t, c, aws.ToString(i.PrivateDefaultScopeId))
}
